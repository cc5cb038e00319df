import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortBySeriesAndYear } from '../../src/ingest/validate.js';

describe('the row order of the submission rules', () => {
  // Small key ranges sort in one pass by (series, year); large ones (many economies) by year, then by series.
  it.each([
    [6, 500],
    [200_000, 40],
  ])('is (economy, indicator, year), ties in file order: the same as a comparison sort (economy codes up to %i, property)', (maxEcon, numRuns) => {
    const row = fc.record({ e: fc.integer({ min: 0, max: maxEcon }), i: fc.integer({ min: 0, max: 4 }), y: fc.integer({ min: 1960, max: 2026 }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), (rows) => {
        const econ = Int32Array.from(rows, (r) => r.e),
          ind = Int32Array.from(rows, (r) => r.i),
          year = Int16Array.from(rows, (r) => r.y);
        const expected = rows.map((_, k) => k).sort((a, b) => rows[a].e - rows[b].e || rows[a].i - rows[b].i || rows[a].y - rows[b].y || a - b);
        expect([...sortBySeriesAndYear(econ, ind, year, 5)]).toEqual(expected);
      }),
      { numRuns },
    );
  });
});
