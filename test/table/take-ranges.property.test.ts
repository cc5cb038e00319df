import fc from 'fast-check';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ObservationBuilder, observationRows, takeRanges, takeRows } from '../../src/table/observations.js';

/** A table of `n` rows whose note is null where `noteNull` says so (so the validity bits are not byte-aligned). */
function table(n: number, noteNull: boolean[]) {
  const b = new ObservationBuilder(4);
  for (let i = 0; i < n; i++)
    b.append({
      economy: `E${i % 7}`,
      indicator: `I${i % 3}`,
      year: 2000 + (i % 20),
      value: i * 1.5,
      note: noteNull[i] ? null : `n${i % 5}`,
      source: 'S',
      line: i + 1,
    });
  // through IPC, as the snapshot is read: one batch, dictionaries as Arrow vectors
  return tableFromIPC(tableToIPC(b.toTable(), 'file'));
}

describe('takeRanges (the snapshot selection by indicator runs)', () => {
  it('equals takeRows of the ranges’ rows, nulls included, for any ranges at any bit offsets', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 8 }), (nulls, cuts) => {
        const n = nulls.length;
        const t = table(n, nulls);
        // sorted, non-overlapping ranges within the table
        const points = [...new Set(cuts.flatMap(([a, b]) => [a % (n + 1), b % (n + 1)]))].sort((x, y) => x - y);
        const starts: number[] = [],
          ends: number[] = [];
        for (let k = 0; k + 1 < points.length; k += 2) {
          starts.push(points[k]);
          ends.push(points[k + 1]);
        }
        const rows = starts.flatMap((s, k) => Array.from({ length: ends[k] - s }, (_, j) => s + j));
        const fast = takeRanges(t, Int32Array.from(starts), Int32Array.from(ends));
        const slow = takeRows(t, Int32Array.from(rows));
        expect(fast.numRows).toBe(rows.length);
        expect(observationRows(fast)).toEqual(observationRows(slow));
        expect(fast.getChild('note')!.nullCount).toBe(rows.filter((r) => nulls[r]).length);
      }),
      { numRuns: 300, seed: 14 },
    );
  });
});
