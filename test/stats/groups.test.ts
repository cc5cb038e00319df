import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aggregateByGroup } from '../../src/stats/groups.js';

const N = NaN;
// 4 economies x 3 years; economies 0,1 in group 0, 2,3 in group 1.
const panel = { values: Float64Array.from([1, 2, 3, /**/ 3, N, 5, /**/ 10, 20, 30, /**/ 20, 40, N]), nEconomies: 4, nYears: 3 };
const group = Int32Array.from([0, 0, 1, 1]);

describe('aggregateByGroup', () => {
  it('counts, sums and averages per group and year, skipping missing cells', () => {
    const { stats } = aggregateByGroup(panel, { group, nGroups: 2, stats: ['count', 'sum', 'mean', 'min', 'max'] });
    expect(Array.from(stats.count!)).toEqual([2, 1, 2, 2, 2, 1]);
    expect(Array.from(stats.sum!)).toEqual([4, 2, 8, 30, 60, 30]);
    expect(Array.from(stats.mean!)).toEqual([2, 2, 4, 15, 30, 30]);
    expect(Array.from(stats.min!)).toEqual([1, 2, 3, 10, 20, 30]);
    expect(Array.from(stats.max!)).toEqual([3, 2, 5, 20, 40, 30]);
  });

  it('takes the middle value, or the mean of the two middle values', () => {
    const p = { values: Float64Array.from([5, 1, 9, 3]), nEconomies: 4, nYears: 1 };
    expect(aggregateByGroup(p, { group: Int32Array.from([0, 0, 0, 1]), nGroups: 2, stats: ['median'] }).stats.median).toEqual(Float64Array.from([5, 3]));
    expect(aggregateByGroup(p, { group: Int32Array.from([0, 0, 0, 0]), nGroups: 1, stats: ['median'] }).stats.median).toEqual(Float64Array.from([4]));
  });

  it('weights by population, leaving out cells without a weight', () => {
    const weights = Float64Array.from([1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, N]);
    const { stats } = aggregateByGroup(panel, { group, nGroups: 2, stats: ['weighted-mean'], weights });
    expect(stats['weighted-mean']![0]).toBe((1 * 1 + 3 * 3) / 4);
    expect(stats['weighted-mean']![5]).toBe(30);
  });

  it('keeps only economies with a value in every year that has data when balanced', () => {
    const { stats, included } = aggregateByGroup(panel, { group, nGroups: 2, stats: ['count', 'median'], balanced: true });
    expect(Array.from(included)).toEqual([1, 0, 1, 0]);
    expect(Array.from(stats.median!)).toEqual([1, 2, 3, 10, 20, 30]);
  });

  it('leaves economies in no group out, and empty cells NaN', () => {
    const { stats } = aggregateByGroup(panel, { group: Int32Array.from([-1, -1, 0, 0]), nGroups: 2, stats: ['mean', 'median'] });
    expect(Array.from(stats.mean!)).toEqual([15, 30, 30, N, N, N]);
    expect(Array.from(stats.median!).slice(3)).toEqual([N, N, N]);
  });

  it('agrees with a direct computation on random panels (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: undefined }), { minLength: 1, maxLength: 40 }), (cells) => {
        const values = Float64Array.from(cells, (c) => (c === undefined ? NaN : c));
        const { stats } = aggregateByGroup(
          { values, nEconomies: values.length, nYears: 1 },
          { group: new Int32Array(values.length), nGroups: 1, stats: ['median', 'mean'] },
        );
        const xs = cells.filter((c): c is number => c !== undefined).sort((a, b) => a - b);
        const median = xs.length === 0 ? NaN : xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
        expect(stats.median![0]).toBe(median);
        if (xs.length) expect(stats.mean![0]).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length, 6);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
