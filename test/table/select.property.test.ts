import fc from 'fast-check';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { selectObservations } from '../../src/table/combine.js';
import { ObservationBuilder, observationRows, type ObservationRow } from '../../src/table/observations.js';

/**
 * selectObservations reads a single-batch canonical table (the snapshot's selections) on its memory: year values and
 * dictionary codes. It must select what reading every row's strings selects, which it still does for any other
 * table: here the same rows split into two record batches.
 */
const row = fc.record({
  economy: fc.constantFrom('KEN', 'UGA', 'USA', 'GBR', 'ZZZ'),
  indicator: fc.constantFrom('a', 'b', 'c'),
  year: fc.integer({ min: 1995, max: 2025 }),
  value: fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
  note: fc.option(fc.constantFrom('x', 'y'), { nil: null }),
  source: fc.constantFrom('S', 'T'),
});
const query = fc.record(
  {
    economies: fc.subarray(['KEN', 'UGA', 'USA', 'GBR', 'ZZZ', 'FRA']),
    indicators: fc.subarray(['a', 'b', 'c', 'd']),
    from: fc.integer({ min: 1990, max: 2030 }),
    to: fc.integer({ min: 1990, max: 2030 }),
  },
  { requiredKeys: [] },
);

describe('selectObservations', () => {
  it('selects and orders the same rows from one batch (codes) as from several (strings)', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 2, maxLength: 120 }), query, (rows, q) => {
        const b = new ObservationBuilder(4);
        rows.forEach((r, i) => b.append({ ...r, line: i + 1 } as ObservationRow));
        const one = tableFromIPC(tableToIPC(b.toTable(), 'file'));
        const half = rows.length >> 1;
        const two = one.slice(0, half).concat(one.slice(half));
        expect(one.batches.length).toBe(1);
        expect(two.batches.length).toBe(2);
        const fast = selectObservations(one, q),
          slow = selectObservations(two, q);
        expect(observationRows(fast)).toEqual(observationRows(slow));
        // and what the query says, counted by hand
        const want = rows.filter(
          (r) =>
            (!q.economies || q.economies.includes(r.economy)) &&
            (!q.indicators || q.indicators.includes(r.indicator)) &&
            r.year >= (q.from ?? -Infinity) &&
            r.year <= (q.to ?? Infinity),
        );
        expect(fast.numRows).toBe(want.length);
      }),
      { numRuns: 300, seed: 14 },
    );
  });
});
