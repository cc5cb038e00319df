import { forEachMissing, lastReadableYear, panelValue, setCell, type ImputationMethod } from './method.js';

/** Linear interpolation between the nearest observed years before and after, at most `maxGap` apart. */
export const interpolation: ImputationMethod = {
  name: 'interpolation',
  description: 'linear between the nearest observed years before and after, at most maxGap years apart (default 10), the later one within the look-ahead',
  schema: { properties: { maxGap: { type: 'integer', minimum: 2, maximum: 40 } } },
  indicatorFields: [],
  inputs: () => [],
  reach: (s) => (s.maxGap as number | undefined) ?? 10,
  apply(m, ctx, step, code) {
    const p = ctx.panel,
      maxGap = (step.maxGap as number | undefined) ?? 10,
      last = lastReadableYear(m, ctx);
    for (const k of ctx.targets)
      forEachMissing(m, ctx, k, (e, cell) => {
        let y0 = -1,
          y1 = -1;
        for (let y = m.year - 1; y >= p.firstYear && m.year - y < maxGap; y--)
          if (!Number.isNaN(panelValue(p, k, y, e))) {
            y0 = y;
            break;
          }
        if (y0 < 0) return;
        for (let y = m.year + 1; y <= last && y - y0 <= maxGap; y++)
          if (!Number.isNaN(panelValue(p, k, y, e))) {
            y1 = y;
            break;
          }
        if (y1 < 0) return;
        const v0 = panelValue(p, k, y0, e),
          v1 = panelValue(p, k, y1, e);
        const x = v0 + ((v1 - v0) * (m.year - y0)) / (y1 - y0);
        setCell(m, cell, x, code, m.year, {
          method: 'interpolation',
          detail: `linear between ${y0} (${v0}) and ${y1} (${v1})`,
          inputs: { years: [y0, y1], values: [v0, v1] },
        });
      });
  },
};
