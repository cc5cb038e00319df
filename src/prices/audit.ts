/**
 * Audit of published basket values: each value's implied GNI per capita, from its US$ price and its % of GNI
 * p.c. (implied = price_usd x 12 / (pct_gni / 100)), against World Bank GNI p.c. (Atlas, US$) of the same and
 * the previous year. Departures beyond a threshold are listed; the summary says which GNI year the publisher
 * seems to use.
 */
import type { BasketPanel } from './aggregate.js';
import { CONVERSION_INDICATORS, type ConversionInputs } from './compute.js';

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
