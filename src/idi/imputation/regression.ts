import { forEachMissing, isKnown, isReported, round4, setCell, type ImputationMethod } from './method.js';

/**
 * Ordinary least squares of target on predictor, fitted on the economies that report both in the data year itself;
 * not used when the fit explains less than `minR2` of the variance (a weak relation predicts little but the mean).
 */
export const regression: ImputationMethod = {
  name: 'regression',
  description:
    'OLS of target on predictor over the economies that report both in the data year (or within the look-back), clamped to the valid range; only with R2 >= minR2 (default 0)',
  schema: {
    properties: {
      target: { type: 'string' },
      predictor: { type: 'string' },
      minObservations: { type: 'integer', minimum: 3 },
      minR2: { type: 'number', minimum: 0, maximum: 1 },
    },
    required: ['target', 'predictor'],
  },
  indicatorFields: ['target', 'predictor'],
  inputs: (s) => [s.predictor as string],
  reach: () => 0,
  apply(m, ctx, step, code) {
    const target = step.target as string,
      predictor = step.predictor as string,
      minObservations = (step.minObservations as number | undefined) ?? 10;
    const nE = m.economies.length;
    const t = m.indicators.indexOf(target),
      x = m.indicators.indexOf(predictor);
    if (t < 0 || x < 0 || !ctx.targets.includes(t)) return;
    let n = 0,
      sx = 0,
      sy = 0,
      sxx = 0,
      sxy = 0,
      syy = 0;
    for (let e = 0; e < nE; e++) {
      // Reported in the data year or within the methodology's look-back: the economy's data for this year (not an imputation).
      if (!isReported(m.status[t * nE + e]) || !isReported(m.status[x * nE + e])) continue;
      const a = m.values[x * nE + e],
        b = m.values[t * nE + e];
      n++;
      sx += a;
      sy += b;
      sxx += a * a;
      sxy += a * b;
      syy += b * b;
    }
    if (n < minObservations) return;
    const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    const intercept = (sy - slope * sx) / n;
    const r2 = (n * sxy - sx * sy) ** 2 / ((n * sxx - sx * sx) * (n * syy - sy * sy));
    if (!Number.isFinite(slope) || r2 < ((step.minR2 as number | undefined) ?? 0)) return;
    const [lo, hi] = ctx.range(target);
    forEachMissing(m, ctx, t, (e, cell) => {
      if (!isKnown(m.status[x * nE + e])) return;
      const xv = m.values[x * nE + e];
      const est = Math.min(hi, Math.max(lo, intercept + slope * xv));
      setCell(m, cell, est, code, m.year, {
        method: 'regression',
        detail: `${target} = ${round4(intercept)} + ${round4(slope)} x ${predictor} (${xv}); OLS over ${n} economies of ${m.year}, R2 ${round4(r2)}`,
        inputs: { predictor, predictorValue: xv, intercept, slope, n, r2 },
      });
    });
  },
};
