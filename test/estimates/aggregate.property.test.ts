import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aggregateEstimates, KIND, type CountryEstimates, type GroupAssignment } from '../../src/estimates/index.js';

/** One year, economies with a value, a kind and a population; one group holding them all (plus those outside). */
const economy = fc.record({
  value: fc.double({ min: 0, max: 100, noNaN: true }),
  pop: fc.double({ min: 1, max: 1e9, noNaN: true }),
  kind: fc.constantFrom(KIND.reported, KIND.ituEstimate, KIND.ourEstimate),
  inGroup: fc.boolean(),
});

function setup(xs: Array<{ value: number; pop: number; kind: number; inGroup: boolean }>) {
  const n = xs.length;
  const est: CountryEstimates = {
    indicator: 'x',
    economies: xs.map((_, k) => `E${k}`),
    firstYear: 2023,
    nYears: 1,
    values: Float64Array.from(xs, (x) => x.value),
    kind: Uint8Array.from(xs, (x) => x.kind),
    method: new Uint8Array(n),
    records: new Map(),
  };
  const groups: GroupAssignment[] = [{ grouping: 'g', names: ['G'], group: Int32Array.from(xs, (x) => (x.inGroup ? 0 : -1)) }];
  return { est, pop: Float64Array.from(xs, (x) => x.pop), groups };
}
const opts = { scale: 100, minInputShare: 0.5 };

describe('group figures: properties', () => {
  it('a group of reporters only gives the plain population-weighted mean, with nothing estimated', () => {
    fc.assert(
      fc.property(fc.array(economy, { minLength: 1, maxLength: 30 }), (raw) => {
        const xs = raw.map((x) => ({ ...x, kind: KIND.reported, inGroup: true }));
        const { est, pop, groups } = setup(xs);
        const g = aggregateEstimates(est, pop, groups, opts);
        const w = xs.reduce((s, x) => s + x.pop, 0),
          wx = xs.reduce((s, x) => s + x.pop * x.value, 0);
        expect(g.value[0]).toBeCloseTo(wx / w, 8);
        expect(g.reportedShare[0]).toBeCloseTo(1, 12);
        expect(g.estimatedShare[0]).toBe(0);
        expect(g.nowcast[0]).toBe(0);
      }),
    );
  });
  it('adding an economy with population 0 changes nothing: value, count, shares', () => {
    fc.assert(
      fc.property(fc.array(economy, { minLength: 1, maxLength: 30 }), economy, fc.nat(), (xs, extra, at) => {
        const a = setup(xs);
        const withZero = [...xs];
        withZero.splice(at % (xs.length + 1), 0, { ...extra, pop: 0, inGroup: true });
        const b = setup(withZero);
        const ga = aggregateEstimates(a.est, a.pop, a.groups, opts),
          gb = aggregateEstimates(b.est, b.pop, b.groups, opts);
        for (const k of ['value', 'count', 'population', 'reportedShare', 'ituEstimateShare', 'ourEstimateShare', 'missingShare'] as const)
          if (Number.isNaN(ga[k][0])) expect(gb[k][0]).toBeNaN();
          else expect(gb[k][0]).toBeCloseTo(ga[k][0], 9);
        expect(gb.nowcast[0]).toBe(ga.nowcast[0]);
      }),
    );
  });
  it("the figure lies between the group's minimum and maximum, and the shares add up to 1", () => {
    fc.assert(
      fc.property(fc.array(economy, { minLength: 1, maxLength: 30 }), (xs) => {
        const { est, pop, groups } = setup(xs);
        const g = aggregateEstimates(est, pop, groups, opts);
        if (!xs.some((x) => x.inGroup)) {
          expect(g.value[0]).toBeNaN();
          return;
        }
        expect(g.value[0]).toBeGreaterThanOrEqual(g.min[0] - 1e-9);
        expect(g.value[0]).toBeLessThanOrEqual(g.max[0] + 1e-9);
        expect(g.reportedShare[0] + g.ituEstimateShare[0] + g.ourEstimateShare[0] + g.missingShare[0]).toBeCloseTo(1, 9);
        expect(g.count[0] + g.complement[0]).toBeCloseTo(g.coveredPopulation[0], 0);
      }),
    );
  });
});
