/**
 * The denominators: the total population (WDI SP.POP.TOTL) or the population aged 10 and over, derived from the
 * 0-14 share with the estimates file's stated assumption (WDI has no 10-14 group). Economy-major, NaN if unknown.
 */
import type { Table } from 'apache-arrow';
import { buildPanel, panelIndex } from '../idi/imputation/index.js';
import type { Denominator } from './config.js';

export const DENOMINATOR_SERIES: Record<Denominator, string[]> = { population: ['population'], population10plus: ['population', 'pop_0014_pct'] };

export function denominatorPanel(
  table: Table,
  economies: readonly string[],
  firstYear: number,
  lastYear: number,
  kind: Denominator,
  under10ShareOf0to14: number,
): Float64Array {
  const p = buildPanel(table, economies, DENOMINATOR_SERIES[kind], firstYear, lastYear);
  const nE = economies.length,
    nY = lastYear - firstYear + 1;
  const out = new Float64Array(nE * nY);
  for (let y = 0; y < nY; y++) {
    const total = panelIndex(p, 0, firstYear + y, 0),
      young = kind === 'population10plus' ? panelIndex(p, 1, firstYear + y, 0) : -1;
    for (let e = 0; e < nE; e++) {
      const n = p.values[total + e];
      out[e * nY + y] = young < 0 ? n : n * (1 - (under10ShareOf0to14 * p.values[young + e]) / 100);
    }
  }
  return out;
}
