import { forEachMissing, isReported, setCell, type ImputationMethod } from './method.js';

/** Median of the economies in the same cell of the groupings' cross-classification; coarser when too few. */
export const groupMedian: ImputationMethod = {
  name: 'group-median',
  description: 'median of the reporting economies in the same cell of the groupings, coarser when fewer than minGroupSize (default 3)',
  schema: {
    properties: { groupings: { type: 'array', minItems: 1, items: { type: 'string' } }, minGroupSize: { type: 'integer', minimum: 1 } },
    required: ['groupings'],
  },
  indicatorFields: [],
  inputs: () => [],
  reach: () => 0,
  apply(m, ctx, step, code) {
    const groupings = step.groupings as string[],
      minGroupSize = (step.minGroupSize as number | undefined) ?? 3;
    const nE = m.economies.length;
    const labels = groupings.map((g) => m.economies.map((iso3) => ctx.groupings.groupOf(g, iso3)));
    for (const k of ctx.targets)
      forEachMissing(m, ctx, k, (e, cell) => {
        for (let depth = groupings.length; depth > 0; depth--) {
          if (labels.slice(0, depth).some((l) => l[e] === undefined)) continue;
          const xs: number[] = [];
          for (let d = 0; d < nE; d++) {
            if (!isReported(m.status[k * nE + d])) continue;
            let same = true;
            for (let g = 0; g < depth && same; g++) same = labels[g][d] === labels[g][e];
            if (same) xs.push(m.values[k * nE + d]);
          }
          if (xs.length < minGroupSize) continue;
          xs.sort((a, b) => a - b);
          const med = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
          const group = labels
            .slice(0, depth)
            .map((l) => l[e]!)
            .join(' x ');
          setCell(m, cell, med, code, m.year, {
            method: 'group-median',
            detail: `median of ${xs.length} economies in ${group} (${groupings.slice(0, depth).join(' x ')})`,
            inputs: { group, n: xs.length, median: med },
          });
          return;
        }
      });
  },
};
