/**
 * The data-year matrix and the imputation pass: the methods themselves are in `imputation/` (one file each), the
 * order and parameters in the methodology file.
 */
import { CELL, imputationByName, imputationCode, type ImputationContext, type ImputationStep, type YearMatrix } from './imputation/index.js';
import { panelIndex, type Panel } from './panel.js';

export { CELL, CELL_NAMES, isImputed } from './imputation/index.js';
export type { ImputationContext, ImputationRecord, ImputationStep, YearMatrix } from './imputation/index.js';

/** The data year's observations, or the latest earlier year within `latestWithin` years (its year recorded). */
export function yearMatrix(panel: Panel, year: number, latestWithin: number): YearMatrix {
  const nE = panel.economies.length, nK = panel.indicators.length;
  const values = new Float64Array(nK * nE).fill(NaN), status = new Uint8Array(nK * nE).fill(CELL.missing), yearUsed = new Int16Array(nK * nE);
  for (let k = 0; k < nK; k++) {
    for (let d = 0; d <= latestWithin; d++) {
      const y = year - d;
      if (y < panel.firstYear || y >= panel.firstYear + panel.nYears) continue;
      const base = panelIndex(panel, k, y, 0);
      for (let e = 0; e < nE; e++) {
        const cell = k * nE + e;
        if (status[cell] !== CELL.missing) continue;
        const x = panel.values[base + e];
        if (Number.isNaN(x)) continue;
        values[cell] = x;
        status[cell] = d === 0 ? CELL.observed : CELL.earlier;
        yearUsed[cell] = y;
      }
    }
  }
  return { year, economies: panel.economies, indicators: panel.indicators, values, status, yearUsed, records: new Map() };
}

/** Apply the methodology's imputation methods in order; each fills only cells still missing. */
export function impute(m: YearMatrix, steps: readonly ImputationStep[], ctx: ImputationContext): void {
  for (const step of steps) imputationByName(step.method)!.apply(m, ctx, step, imputationCode(step.method));
}
