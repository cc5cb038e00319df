import { forEachMissing, lastReadableYear, panelValue, round4, setCell, type ImputationMethod } from './method.js';

/**
 * The economy's own trend: a line (or a logistic curve, for shares that saturate) fitted by least squares to its
 * observations nearest the data year within `window` years, read back at the data year. Later years are read
 * only within the look-ahead, so with a look-ahead of 0 this is a forecast from the past alone (a nowcast).
 */
export const trend: ImputationMethod = {
  name: 'trend',
  description:
    "the economy's own trend: linear or logistic least squares over its `points` observations nearest the data year within `window` years (later years only within the look-ahead), clamped to the valid range",
  schema: {
    properties: {
      model: { enum: ['linear', 'logistic'] },
      points: { type: 'integer', minimum: 2, maximum: 20 },
      window: { type: 'integer', minimum: 1, maximum: 20 },
      ceiling: { type: 'number', exclusiveMinimum: 0 },
      clampShare: { type: 'number', exclusiveMinimum: 0, maximum: 0.1 },
    },
    required: ['model', 'window'],
  },
  indicatorFields: [],
  inputs: () => [],
  reach: (s) => s.window as number,
  apply(m, ctx, step, code) {
    const logistic = step.model === 'logistic',
      window = step.window as number,
      points = (step.points as number | undefined) ?? 3;
    const clampShare = (step.clampShare as number | undefined) ?? 0.005;
    const p = ctx.panel,
      last = lastReadableYear(m, ctx);
    const ys = new Float64Array(points),
      vs = new Float64Array(points);
    for (const k of ctx.targets) {
      const [lo, hi] = ctx.range(m.indicators[k]);
      const ceiling = (step.ceiling as number | undefined) ?? hi;
      const eps = ceiling * clampShare;
      const f = (v: number): number =>
        logistic ? Math.log(Math.min(ceiling - eps, Math.max(eps, v)) / (ceiling - Math.min(ceiling - eps, Math.max(eps, v)))) : v;
      forEachMissing(m, ctx, k, (e, cell) => {
        // The nearest observations, alternating before and after (the earlier first on a tie).
        let n = 0;
        for (let d = 1; d <= window && n < points; d++)
          for (let side = -1; side <= 1; side += 2) {
            const y = m.year + side * d;
            if (n === points || y > last) continue;
            const v = panelValue(p, k, y, e);
            if (Number.isNaN(v)) continue;
            ys[n] = y;
            vs[n] = v;
            n++;
          }
        if (n < 2) return;
        let sy = 0,
          sz = 0,
          syy = 0,
          syz = 0;
        for (let i = 0; i < n; i++) {
          const z = f(vs[i]);
          sy += ys[i];
          sz += z;
          syy += ys[i] * ys[i];
          syz += ys[i] * z;
        }
        const den = n * syy - sy * sy;
        if (den === 0) return;
        const slope = (n * syz - sy * sz) / den,
          intercept = (sz - slope * sy) / n;
        const z = intercept + slope * m.year;
        const raw = logistic ? ceiling / (1 + Math.exp(-z)) : z;
        if (!Number.isFinite(raw)) return;
        const est = Math.min(hi, Math.max(lo, raw));
        const used = Array.from(ys.subarray(0, n)),
          values = Array.from(vs.subarray(0, n));
        setCell(m, cell, est, code, m.year, {
          method: 'trend',
          detail: `${logistic ? `logistic (ceiling ${ceiling})` : 'linear'} trend over ${used.join(', ')}: slope ${round4(slope)} per year${logistic ? ' on the logit' : ''}`,
          inputs: { model: logistic ? 'logistic' : 'linear', years: used, values, slope, intercept },
        });
      });
    }
  },
};
