import { forEachMissing, isReported, setCell, type ImputationMethod } from './method.js';

/**
 * The value of the most similar economy (nearest log of the similarity indicator), in the same group if set, and
 * only a donor within `maxLogGap` (|ln s_donor - ln s_recipient|; ln 2 = within a factor of 2): beyond it the
 * economies are not alike, and the cell is left to the next method.
 */
export const hotDeck: ImputationMethod = {
  name: 'hot-deck',
  description:
    'the value of the reporting economy with the nearest log similarity (e.g. GNI per capita), in the same group if sameGroup is set, within maxLogGap of the recipient (default: any distance)',
  schema: {
    properties: { similarity: { type: 'string' }, sameGroup: { type: 'string' }, maxLogGap: { type: 'number', exclusiveMinimum: 0 } },
    required: ['similarity'],
  },
  indicatorFields: ['similarity'],
  inputs: (s) => [s.similarity as string],
  reach: () => 0,
  apply(m, ctx, step, code) {
    const similarity = step.similarity as string,
      sameGroup = step.sameGroup as string | undefined,
      maxLogGap = (step.maxLogGap as number | undefined) ?? Infinity;
    const nE = m.economies.length;
    const s = m.indicators.indexOf(similarity);
    if (s < 0) return;
    const group = sameGroup ? m.economies.map((iso3) => ctx.groupings.groupOf(sameGroup, iso3)) : undefined;
    for (const k of ctx.targets)
      forEachMissing(m, ctx, k, (e, cell) => {
        const se = m.values[s * nE + e];
        if (!(se > 0) || (group && group[e] === undefined)) return;
        let best = -1,
          bestGap = Infinity;
        for (let d = 0; d < nE; d++) {
          if (d === e || !isReported(m.status[k * nE + d]) || (group && group[d] !== group[e])) continue;
          const sd = m.values[s * nE + d];
          if (!(sd > 0)) continue;
          const gap = Math.abs(Math.log(sd) - Math.log(se));
          if (gap < bestGap) {
            bestGap = gap;
            best = d;
          }
        }
        if (best < 0 || bestGap > maxLogGap) return;
        const donor = m.economies[best];
        const x = m.values[k * nE + best];
        setCell(m, cell, x, code, m.year, {
          method: 'hot-deck',
          detail: `value of ${donor} (${similarity} ${m.values[s * nE + best]} vs ${se}${group ? `, both in ${group[e]}` : ''})`,
          inputs: { donor, donorSimilarity: m.values[s * nE + best], similarity: se },
        });
      });
  },
};
