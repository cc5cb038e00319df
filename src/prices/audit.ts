/**
 * Audit of published basket values: each value's implied GNI per capita, from its US$ price and its % of GNI
 * p.c. (implied = price_usd x 12 / (pct_gni / 100)), against World Bank GNI p.c. (Atlas, US$) of the same and
 * the previous year. Departures beyond a threshold are listed; the summary says which GNI year the publisher
 * seems to use.
 */
import type { BasketPanel } from './aggregate.js';
import type { SimpleBasket } from './basket.js';
import { CONVERSION_INDICATORS, type ConversionInputs, convertPrice, type GniRule, loadGniRule } from './compute.js';
import { type CurrencyTable, loadCurrencies } from './currencies.js';

export interface AuditRow {
  economy: string;
  basket: string;
  year: number;
  priceUsd: number;
  pctGni: number;
  impliedGni: number;
  gniSame: number;
  departureSamePct: number;
  gniPrevious: number;
  departurePreviousPct: number;
  closer: 'same' | 'previous' | '';
}

export interface AuditResult {
  rows: AuditRow[];
  compared: number;
  closerSame: number;
  closerPrevious: number;
  withinThresholdEither: number;
}

export function auditPublished(panels: readonly BasketPanel[], gni: ConversionInputs, thresholdPct: number): AuditResult {
  const rows: AuditRow[] = [];
  let compared = 0,
    closerSame = 0,
    closerPrevious = 0,
    within = 0;
  const byBasket = new Map<string, { usd?: BasketPanel; gni?: BasketPanel }>();
  for (const p of panels) {
    const unit = p.unit === 'USD' ? 'usd' : p.unit === 'GNIpc' ? 'gni_pct' : p.unit;
    if (unit !== 'usd' && unit !== 'gni_pct') continue;
    const e = byBasket.get(p.basket) ?? {};
    e[unit === 'usd' ? 'usd' : 'gni'] = p;
    byBasket.set(p.basket, e);
  }
  for (const [basket, { usd, gni: pct }] of [...byBasket].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!usd || !pct) continue;
    const pctIndex = new Map(pct.economies.map((e, k) => [e, k]));
    const yearIndex = new Map(pct.years.map((y, k) => [y, k]));
    for (let e = 0; e < usd.economies.length; e++) {
      const economy = usd.economies[e];
      const pe = pctIndex.get(economy);
      if (pe === undefined) continue;
      for (let y = 0; y < usd.years.length; y++) {
        const year = usd.years[y];
        const py = yearIndex.get(year);
        if (py === undefined) continue;
        const priceUsd = usd.values[e * usd.years.length + y],
          pctGni = pct.values[pe * pct.years.length + py];
        if (!(priceUsd > 0) || !(pctGni > 0)) continue;
        const impliedGni = (priceUsd * 12) / (pctGni / 100);
        const same = gni.get(CONVERSION_INDICATORS.gni, economy, year)?.value ?? NaN;
        const prev = gni.get(CONVERSION_INDICATORS.gni, economy, year - 1)?.value ?? NaN;
        if (Number.isNaN(same) && Number.isNaN(prev)) continue;
        compared++;
        const dSame = (impliedGni / same - 1) * 100,
          dPrev = (impliedGni / prev - 1) * 100;
        const aSame = Number.isNaN(dSame) ? Infinity : Math.abs(dSame),
          aPrev = Number.isNaN(dPrev) ? Infinity : Math.abs(dPrev);
        const closer = aSame < aPrev ? 'same' : aPrev < aSame ? 'previous' : '';
        if (closer === 'same') closerSame++;
        else if (closer === 'previous') closerPrevious++;
        if (Math.min(aSame, aPrev) <= thresholdPct) {
          within++;
          continue;
        }
        rows.push({
          economy,
          basket,
          year,
          priceUsd,
          pctGni,
          impliedGni,
          gniSame: same,
          departureSamePct: dSame,
          gniPrevious: prev,
          departurePreviousPct: dPrev,
          closer,
        });
      }
    }
  }
  return { rows, compared, closerSame, closerPrevious, withinThresholdEither: within };
}

/** The rules a published % of GNI p.c. is recomputed with, from its own US$ price. */
export const AUDIT_RULES = ['ours', 'itu_denominator', 'atlas_previous', 'atlas_same'] as const;
export type AuditRule = (typeof AUDIT_RULES)[number];

export interface ReleaseAuditRow {
  release: string;
  economy: string;
  indicator: string;
  year: number;
  priceUsd: number;
  published: number;
  /** Our value by each rule (NaN where the rule has no input). */
  values: Record<AuditRule, number>;
  /** The denominator our rule used. */
  method: string;
  reproducedBy: AuditRule[];
}

export interface ReleaseAudit {
  release: string;
  compared: number;
  tolerance: string;
  /** Values each rule reproduces, and how many it could be applied to. */
  rules: Array<{ rule: AuditRule; applicable: number; reproduced: number }>;
  /** The values our rule does not reproduce. */
  departures: ReleaseAuditRow[];
}

/**
 * One release's published % of GNI p.c. values, each recomputed from the release's own US$ price: by our rule
 * (compute.ts: ITU's denominator where we have it, else US$ over Atlas GNI of the previous year within the maximum
 * age, inflation-adjusted), by ITU's denominator alone, and by Atlas GNI of the previous and the same year. A value is
 * reproduced when |ours - published| <= max(tolerance % of it, half a unit of its last published decimal, 0.005).
 * `rows` are observations of the release: economy, indicator (price_<basket>_usd / _gni_pct), year, value.
 */
export function auditRelease(
  release: string,
  obs: { economy: ArrayLike<string>; indicator: ArrayLike<string>; year: ArrayLike<number>; value: ArrayLike<number>; length: number },
  inputs: ConversionInputs,
  opts: { currencies?: CurrencyTable; rule?: GniRule } = {},
): ReleaseAudit {
  const currencies = opts.currencies ?? loadCurrencies();
  const rule = opts.rule ?? loadGniRule();
  const tol = rule.audit_tolerance_pct;
  const usd = new Map<string, number>();
  for (let i = 0; i < obs.length; i++) {
    const id = obs.indicator[i];
    if (id.endsWith('_usd')) usd.set(`${obs.economy[i]}|${id.slice(0, -4)}|${obs.year[i]}`, obs.value[i]);
  }
  const counts = new Map<AuditRule, { applicable: number; reproduced: number }>(AUDIT_RULES.map((r) => [r, { applicable: 0, reproduced: 0 }]));
  const departures: ReleaseAuditRow[] = [];
  let compared = 0;
  const previous = { gni_year_rule: 'previous' } as SimpleBasket;
  for (let i = 0; i < obs.length; i++) {
    const id = obs.indicator[i];
    if (!id.endsWith('_gni_pct')) continue;
    const economy = obs.economy[i],
      year = obs.year[i],
      published = obs.value[i];
    const priceUsd = usd.get(`${economy}|${id.slice(0, -8)}|${year}`);
    if (!(priceUsd !== undefined && priceUsd > 0 && published > 0)) continue;
    compared++;
    const localCurrency = currencies.local(economy, year) ?? '';
    const rate = inputs.lcuPerUsd(localCurrency, year, currencies, economy);
    const local = rate ? priceUsd * rate.value : NaN;
    const ours = convertPrice(economy, year, { local, localCurrency, planCurrency: 'USD', planCost: priceUsd }, previous, inputs, currencies, rule);
    const den = inputs.denominator(economy, year);
    let viaDen = NaN;
    if (den) {
      const cur = den.currency || localCurrency;
      const r = inputs.lcuPerUsd(cur, year, currencies, economy);
      viaDen = r ? ((priceUsd * r.value) / den.monthly) * 100 : NaN;
    }
    const atlas = (y: number): number => {
      const g = inputs.get(CONVERSION_INDICATORS.gni, economy, y);
      return g ? ((priceUsd * 12) / g.value) * 100 : NaN;
    };
    const values: Record<AuditRule, number> = { ours: ours.pctGni, itu_denominator: viaDen, atlas_previous: atlas(year - 1), atlas_same: atlas(year) };
    const decimals = (String(published).split('.')[1] ?? '').length;
    const slack = Math.max((tol / 100) * published, 0.5 * 10 ** -Math.max(decimals, 2));
    const reproducedBy: AuditRule[] = [];
    for (const r of AUDIT_RULES) {
      if (Number.isNaN(values[r])) continue;
      const c = counts.get(r)!;
      c.applicable++;
      if (Math.abs(values[r] - published) <= slack + 1e-12) {
        c.reproduced++;
        reproducedBy.push(r);
      }
    }
    if (!reproducedBy.includes('ours'))
      departures.push({ release, economy, indicator: id, year, priceUsd, published, values, method: ours.inputs.gni?.method ?? '', reproducedBy });
  }
  return {
    release,
    compared,
    tolerance: `|ours - published| <= max(${tol}% of the published value, half a unit of its last decimal)`,
    rules: AUDIT_RULES.map((r) => ({ rule: r, ...counts.get(r)! })),
    departures,
  };
}
