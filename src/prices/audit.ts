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

/**
 * Why a published % of GNI p.c. our rule does not reproduce departs (years with ITU's own denominator):
 * - `other-currency-denominator`: the basket is priced in the second currency of the economy's GNI_denominator note
 *   ("currencies differ by basket"): US$ price / the note's US$ GNI value x 100;
 * - `usd-denominator-differs`: a US$ economy (no exchange rate involved) whose values all imply one monthly GNI p.c.
 *   other than the sheet's (the release's Overview: a price advertised in US$ is divided by Atlas GNI p.c., NY.GNP.PCAP.CD,
 *   while the sheet gives these economies GNI p.c. in current US$, NY.GNP.PCAP.CN);
 * - `wdi-rate-missing` / `wdi-rate-differs`: the economy's values all imply one exchange rate (local price =
 *   % GNI x denominator / 100, rate = local price / US$ price), which WDI does not have for the year / differs from.
 */
export const AUDIT_CAUSES = ['other-currency-denominator', 'usd-denominator-differs', 'wdi-rate-missing', 'wdi-rate-differs'] as const;
export type AuditCause = (typeof AUDIT_CAUSES)[number];

/**
 * `reproduced` by our rule; `explained` by a cause (years with ITU's denominator); `consistent`: a year without ITU's
 * denominator whose value agrees with one denominator for all the economy's baskets of the year (ITU's local-currency
 * GNI and rate, which our sources lack, cannot be checked further); `unexplained`: none of these.
 */
export type AuditStatus = 'reproduced' | 'explained' | 'consistent' | 'unexplained';

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
  status: AuditStatus;
  cause: AuditCause | '';
  /** The economy-year's rate implied by the release (local currency per US$; NaN without ITU's denominator or one rate). */
  impliedRate: number;
  /** What we know, with the arithmetic. */
  detail: string;
}

/** Counts of one class of years of a release: those with ITU's own denominator and those without. */
export interface AuditClassCounts {
  years: 'with_itu_denominator' | 'without_itu_denominator';
  compared: number;
  reproduced: number;
  explained: Record<AuditCause, number>;
  consistent: number;
  unexplained: number;
}

export interface ReleaseAudit {
  release: string;
  compared: number;
  tolerance: string;
  /** Values each rule reproduces, and how many it could be applied to. */
  rules: Array<{ rule: AuditRule; applicable: number; reproduced: number }>;
  /** Reproduced / explained by cause / consistent / unexplained, for the years with and without ITU's denominator. */
  classes: AuditClassCounts[];
  /** The values our rule does not reproduce, each with its status and cause. */
  departures: ReleaseAuditRow[];
}

/** Half a unit of the last published decimal (ITU publishes 2 decimals; 0.4 stands for 0.40). */
function halfUnit(v: number): number {
  const decimals = (String(v).split('.')[1] ?? '').length;
  return 0.5 * 10 ** -Math.max(decimals, 2);
}

/**
 * The one ratio q = % GNI / US$ price (= 100 x rate / denominator, the same for every basket of an economy-year when
 * one rate and one GNI were used) the most of `members` admit within their rounding: each published pair gives an
 * interval of q; the point covered by the most intervals (ties: the lowest) and the intersection of those covering it.
 */
function consensus(lo: Float64Array, hi: Float64Array, members: readonly number[]): { covered: Set<number>; lo: number; hi: number } {
  let best = -1,
    bestAt = NaN;
  for (const i of members)
    for (const p of [lo[i], hi[i]]) {
      let c = 0;
      for (const j of members) if (lo[j] <= p && p <= hi[j]) c++;
      if (c > best || (c === best && p < bestAt)) {
        best = c;
        bestAt = p;
      }
    }
  const covered = new Set<number>();
  let a = -Infinity,
    b = Infinity;
  for (const j of members)
    if (lo[j] <= bestAt && bestAt <= hi[j]) {
      covered.add(j);
      a = Math.max(a, lo[j]);
      b = Math.min(b, hi[j]);
    }
  return { covered, lo: a, hi: b };
}

const fmt = (x: number, d = 4): string => (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : 'n/a');

/**
 * One release's published % of GNI p.c. values, each recomputed from the release's own US$ price: by our rule
 * (compute.ts: ITU's denominator where we have it, else US$ over Atlas GNI of the previous year within the maximum
 * age, inflation-adjusted), by ITU's denominator alone, and by Atlas GNI of the previous and the same year. A value is
 * reproduced when |ours - published| <= max(tolerance % of it, half a unit of its last published decimal, 0.005).
 * Each value ours does not reproduce is classified (AuditStatus, AuditCause) by what the release's own cells imply:
 * ITU divides the local-currency price by the local-currency denominator and converts the same local price to US$ at
 * one rate per economy, so % GNI / US$ price is one number per economy-year, whatever the basket.
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
  const rows: ReleaseAuditRow[] = [];
  const previous = { gni_year_rule: 'previous' } as SimpleBasket;
  for (let i = 0; i < obs.length; i++) {
    const id = obs.indicator[i];
    if (!id.endsWith('_gni_pct')) continue;
    const economy = obs.economy[i],
      year = obs.year[i],
      published = obs.value[i];
    const priceUsd = usd.get(`${economy}|${id.slice(0, -8)}|${year}`);
    if (!(priceUsd !== undefined && priceUsd > 0 && published > 0)) continue;
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
    const slack = Math.max((tol / 100) * published, halfUnit(published));
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
    rows.push({
      release,
      economy,
      indicator: id,
      year,
      priceUsd,
      published,
      values,
      method: ours.inputs.gni?.method ?? '',
      reproducedBy,
      status: reproducedBy.includes('ours') ? 'reproduced' : 'unexplained',
      cause: '',
      impliedRate: NaN,
      detail: '',
    });
  }
  // The years in which each economy's series has the same US$ price (a copied column shows as one repeated price).
  const sameUsd = (r: ReleaseAuditRow): number[] => {
    const series = r.indicator.slice(0, -8);
    const out: number[] = [];
    for (let i = 0; i < obs.length; i++)
      if (obs.economy[i] === r.economy && obs.indicator[i] === `${series}_usd` && obs.year[i] !== r.year && obs.value[i] === r.priceUsd) out.push(obs.year[i]);
    return out.sort((a, b) => a - b);
  };
  classify(rows, inputs, currencies, tol, sameUsd);
  const classes: AuditClassCounts[] = (['with_itu_denominator', 'without_itu_denominator'] as const).map((years) => ({
    years,
    compared: 0,
    reproduced: 0,
    explained: Object.fromEntries(AUDIT_CAUSES.map((c) => [c, 0])) as Record<AuditCause, number>,
    consistent: 0,
    unexplained: 0,
  }));
  for (const r of rows) {
    const c = classes[inputs.denominator(r.economy, r.year) ? 0 : 1];
    c.compared++;
    if (r.status === 'explained') c.explained[r.cause as AuditCause]++;
    else c[r.status]++;
  }
  return {
    release,
    compared: rows.length,
    tolerance: `|ours - published| <= max(${tol}% of the published value, half a unit of its last decimal)`,
    rules: AUDIT_RULES.map((r) => ({ rule: r, ...counts.get(r)! })),
    classes,
    departures: rows.filter((r) => r.status !== 'reproduced'),
  };
}

/** Sets status, cause, implied rate and detail of every row ours does not reproduce (see AuditCause, AuditStatus). */
function classify(
  rows: ReleaseAuditRow[],
  inputs: ConversionInputs,
  currencies: CurrencyTable,
  tolPct: number,
  sameUsd: (r: ReleaseAuditRow) => number[],
): void {
  const n = rows.length;
  const lo = new Float64Array(n),
    hi = new Float64Array(n);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const dg = halfUnit(r.published),
      du = halfUnit(r.priceUsd);
    lo[i] = (r.published - dg) / (r.priceUsd + du);
    hi[i] = r.priceUsd > du ? (r.published + dg) / (r.priceUsd - du) : Infinity;
    const den = inputs.denominator(r.economy, r.year);
    // A basket priced in the note's second currency (US$) is divided by the note's US$ GNI value: not part of the economy's rate.
    if (den?.other?.currency === 'USD') {
      const viaOther = (r.priceUsd / den.other.monthly) * 100;
      if (Math.abs(viaOther - r.published) <= Math.max((tolPct / 100) * r.published, halfUnit(r.published)) + 1e-12) {
        if (r.status !== 'reproduced') {
          r.status = 'explained';
          r.cause = 'other-currency-denominator';
          r.detail = `priced in ${den.other.text}: ${r.priceUsd} / ${den.other.monthly} (the note's GNI value) x 100 = ${fmt(viaOther)}`;
        }
        continue;
      }
    }
    const key = `${r.economy}|${r.year}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  for (const members of groups.values()) {
    const { covered, lo: a, hi: b } = consensus(lo, hi, members);
    const agreed = members.length >= 2 && covered.size >= 2;
    const q = (a + b) / 2;
    for (const i of members) {
      const r = rows[i];
      const den = inputs.denominator(r.economy, r.year);
      if (den && agreed) r.impliedRate = (q * den.monthly) / 100;
      if (r.status === 'reproduced') continue;
      const own = `${r.published} / ${r.priceUsd} = ${fmt(r.published / r.priceUsd)} % per US$`;
      if (!agreed || !covered.has(i)) {
        r.status = 'unexplained';
        r.detail =
          members.length < 2
            ? `${own}; no other basket of ${r.economy} ${r.year} to check it against`
            : covered.size < 2
              ? `${own}; the ${members.length} baskets of ${r.economy} ${r.year} agree on no one denominator`
              : `${own}, against ${fmt(a)}-${fmt(b)} for ${covered.size} of the ${members.length} baskets of ${r.economy} ${r.year}` +
                (den
                  ? ` (implied rate ${fmt(((r.published / r.priceUsd) * den.monthly) / 100)} against ${fmt(r.impliedRate)} ${den.currencyText} per US$)`
                  : '');
        const same = sameUsd(r);
        if (same.length) r.detail += `; its US$ price ${r.priceUsd} is also its ${same.join(', ')} one`;
        continue;
      }
      if (!den) {
        r.status = 'consistent';
        r.detail = `${own}: one denominator for the ${covered.size} baskets of ${r.economy} ${r.year} (US$ ${fmt(100 / q)} a month); ITU's local-currency GNI and rate are not in our sources`;
        continue;
      }
      r.status = 'explained';
      const local = currencies.local(r.economy, r.year) ?? '';
      const cur = den.currency || local;
      if (cur === 'USD') {
        r.cause = 'usd-denominator-differs';
        // The release's Overview: prices advertised in US$ are divided by Atlas GNI p.c. (NY.GNP.PCAP.CD), not the sheet's current-US$ figure.
        const atlas = inputs.get(CONVERSION_INDICATORS.gni, r.economy, den.gniYear);
        const vs = atlas
          ? `; WDI Atlas GNI p.c. ${den.gniYear}: ${fmt(atlas.value / 12, 5)} a month (${((1200 / q / atlas.value - 1) * 100).toFixed(1)}% from it)`
          : '';
        r.detail = `US$ economy: the ${covered.size} values imply a monthly GNI p.c. of ${fmt(100 / q, 5)} (${r.priceUsd} / ${r.published} x 100 = ${fmt((r.priceUsd / r.published) * 100, 5)}), not the sheet's ${den.monthly} (x ${fmt(r.impliedRate)})${vs}`;
        continue;
      }
      // The currency's rate from another economy using it where WDI lacks the economy's own (the euro area's 2025 rate: AND's).
      const wdi = inputs.lcuPerUsd(cur, r.year, currencies, r.economy) ?? inputs.lcuPerUsd(cur, r.year, currencies);
      const implied = `the ${covered.size} values imply ${fmt(r.impliedRate)} ${den.currencyText} per US$ (${r.published} x ${den.monthly} / 100 / ${r.priceUsd} = ${fmt((r.published * den.monthly) / 100 / r.priceUsd)})`;
      if (!wdi) {
        r.cause = 'wdi-rate-missing';
        r.detail = `${implied}; WDI has no ${r.year} rate`;
      } else {
        r.cause = 'wdi-rate-differs';
        const of = wdi.economy && wdi.economy !== r.economy ? `, the ${cur} rate of ${wdi.economy}` : '';
        r.detail = `${implied}; WDI ${r.year}: ${fmt(wdi.value)}${of} (ITU's ${((r.impliedRate / wdi.value - 1) * 100).toFixed(1)}% from it)`;
      }
    }
  }
}
