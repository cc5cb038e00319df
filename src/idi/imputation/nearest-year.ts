import { forEachMissing, lastReadableYear, panelValue, setCell, type ImputationMethod } from './method.js';

/** The observation of the nearest year within the window (the earlier one on a tie). */
export const nearestYear: ImputationMethod = {
  name: 'nearest-year',
  description: 'the value of the nearest year within a window (the earlier year on a tie; later years only within the look-ahead)',
  schema: { properties: { window: { type: 'integer', minimum: 1, maximum: 20 } }, required: ['window'] },
  indicatorFields: [],
  inputs: () => [],
  reach: (s) => s.window as number,
  apply(m, ctx, step, code) {
    const window = step.window as number,
      last = lastReadableYear(m, ctx);
    for (const k of ctx.targets)
      forEachMissing(m, ctx, k, (e, cell) => {
        for (let d = 1; d <= window; d++)
          for (const y of [m.year - d, m.year + d]) {
            if (y > last) continue;
            const x = panelValue(ctx.panel, k, y, e);
            if (Number.isNaN(x)) continue;
            setCell(m, cell, x, code, y, { method: 'nearest-year', detail: `value of ${y} (nearest year within ${window})`, inputs: { year: y, value: x } });
            return;
          }
      });
  },
};
