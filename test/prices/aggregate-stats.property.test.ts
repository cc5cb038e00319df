import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregatePanelStats, aggregatePanels, type BasketPanel, type GroupSpec } from '../../src/prices/aggregate.js';

/**
 * The report's price-group table takes the median and the mean from one kernel pass per group
 * (`aggregatePanelStats`): each statistic's rows must be exactly those of its own `aggregatePanels` call, balanced or not.
 */
const ECON = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];

const panelArb = fc
  .record({ nE: fc.integer({ min: 1, max: ECON.length }), nY: fc.integer({ min: 1, max: 4 }) })
  .chain(({ nE, nY }) =>
    fc.record({
      economies: fc.constant(ECON.slice(0, nE)),
      years: fc.constant(Array.from({ length: nY }, (_, k) => 2015 + k)),
      values: fc.array(fc.oneof(fc.constant(NaN), fc.double({ min: -100, max: 100, noNaN: true })), { minLength: nE * nY, maxLength: nE * nY }),
    }),
  )
  .map(({ economies, years, values }): BasketPanel => ({ basket: 'b', unit: 'usd', economies, years, values: Float64Array.from(values) }));

const groupsArb = fc
  .array(fc.subarray(ECON), { minLength: 1, maxLength: 3 })
  .map((sets): GroupSpec[] => [{ grouping: 'g', groups: sets.map((s, k) => ({ group: `G${k}`, members: new Set(s) })) }]);

describe('aggregatePanelStats', () => {
  it('gives, per statistic, the rows of aggregatePanels for that statistic', () => {
    fc.assert(
      fc.property(fc.array(panelArb, { minLength: 1, maxLength: 3 }), groupsArb, fc.boolean(), (panels, groups, balanced) => {
        const [med, mean] = aggregatePanelStats(panels, groups, ['median', 'mean'], balanced);
        expect(med).toEqual(aggregatePanels(panels, groups, { stat: 'median', balanced }));
        expect(mean).toEqual(aggregatePanels(panels, groups, { stat: 'mean', balanced }));
      }),
      { numRuns: 300 },
    );
  });

  it('hand-computed: median 2 and mean 3 of 1, 2, 6 in one group', () => {
    const p: BasketPanel = { basket: 'b', unit: 'gni_pct', economies: ['AAA', 'BBB', 'CCC'], years: [2016], values: Float64Array.of(1, 2, 6) };
    const [[med], [mean]] = aggregatePanelStats(
      [p],
      [{ grouping: 'World', groups: [{ group: 'World', members: new Set(['AAA', 'BBB', 'CCC']) }] }],
      ['median', 'mean'],
      false,
    );
    expect([med.value, med.n, mean.value, mean.n]).toEqual([2, 3, 3, 3]);
  });
});
