/**
 * The data-year matrix and the imputation pass: the methods themselves are in this folder (one file each), the
 * order and parameters in the methodology (or estimates) file. The IDI and the world estimates both run this pass.
 */
import { panelIndex, type Panel } from '../panel.js';
import { imputationByName, imputationCode } from './index.js';
import { EARLIER, MISSING, OBSERVED, type ImputationContext, type ImputationStep, type YearMatrix } from './method.js';

/** The data year's observations, or the latest earlier year within `latestWithin` years (its year recorded). */
export function yearMatrix(panel: Panel, year: number, latestWithin: number): YearMatrix {
  const nE = panel.economies.length,
    nK = panel.indicators.length;
  const values = new Float64Array(nK * nE).fill(NaN),
    status = new Uint8Array(nK * nE).fill(MISSING),
    yearUsed = new Int16Array(nK * nE);
  for (let k = 0; k < nK; k++) {
    for (let d = 0; d <= latestWithin; d++) {
      const y = year - d;
      if (y < panel.firstYear || y >= panel.firstYear + panel.nYears) continue;
      const base = panelIndex(panel, k, y, 0);
      for (let e = 0; e < nE; e++) {
        const cell = k * nE + e;
        if (status[cell] !== MISSING) continue;
        const x = panel.values[base + e];
        if (Number.isNaN(x)) continue;
        values[cell] = x;
        status[cell] = d === 0 ? OBSERVED : EARLIER;
        yearUsed[cell] = y;
      }
    }
  }
  return { year, economies: panel.economies, indicators: panel.indicators, values, status, yearUsed, records: new Map() };
}

/** Apply the imputation steps in order; each fills only cells still missing. */
export function impute(m: YearMatrix, steps: readonly ImputationStep[], ctx: ImputationContext): void {
  for (const step of steps) imputationByName(step.method)!.apply(m, ctx, step, imputationCode(step.method));
}
