import { tableFromIPC, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectObservations } from '../../src/table/combine.js';
import { isValidRow, rowValues } from '../../src/table/data-view.js';
import { ObservationBuilder, observationRows, type ObservationRow, takeRanges, takeRows } from '../../src/table/observations.js';

/**
 * A sliced table reads as the rows it shows: Arrow JS slices a column's values when it slices the column, and keeps
 * the validity bitmap whole with an offset. Reading codes at `offset` counted the offset twice (found in review:
 * `selectObservations` of `table.slice(7)` returned other economies' rows). Every fast path over column memory is
 * checked here against Arrow's own row reading on sliced tables.
 */
const row = fc.record({
  economy: fc.constantFrom('AAA', 'BBB', 'CCC', 'DDD'),
  indicator: fc.constantFrom('a', 'b'),
  year: fc.integer({ min: 2000, max: 2010 }),
  value: fc.double({ noNaN: true, min: -1e3, max: 1e3 }),
  note: fc.option(fc.constantFrom('x', 'y'), { nil: null }),
  source: fc.constantFrom('S', 'T'),
});

function sliced(rows: ObservationRow[], from: number): ReturnType<typeof tableFromIPC> {
  const b = new ObservationBuilder(4);
  rows.forEach((r, i) => b.append({ ...r, line: i + 1 }));
  return tableFromIPC(tableToIPC(b.toTable(), 'file')).slice(from);
}

describe('column memory of a sliced table', () => {
  it('a hand case: 4 economies x 5 years, sliced at row 7, selecting DDD gives DDD 2000-2004', () => {
    const rows: ObservationRow[] = [];
    for (const economy of ['AAA', 'BBB', 'CCC', 'DDD'])
      for (let year = 2000; year < 2005; year++) rows.push({ economy, indicator: 'x', year, value: year, note: null, source: 'S' } as ObservationRow);
    const t = sliced(rows, 7);
    expect(t.getChild('economy')!.data[0].offset).toBe(7);
    const sel = observationRows(selectObservations(t, { economies: ['DDD'] }));
    expect(sel.map((r) => `${r.economy}${r.year}`)).toEqual(['DDD2000', 'DDD2001', 'DDD2002', 'DDD2003', 'DDD2004']);
  });

  it('rowValues and isValidRow read what Arrow reads, row by row', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), fc.nat(), (rows, k) => {
        const t = sliced(rows as ObservationRow[], k % rows.length);
        for (const name of ['year', 'value', 'note'] as const) {
          const col = t.getChild(name)!,
            d = col.data[0];
          for (let i = 0; i < t.numRows; i++) {
            expect(isValidRow(d, i)).toBe(col.get(i) !== null);
            if (name !== 'note') expect(rowValues(d)[i]).toBe(col.get(i));
          }
        }
      }),
      { numRuns: 200, seed: 6 },
    );
  });

  it('selectObservations, takeRows and takeRanges of a sliced table give its rows', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 2, maxLength: 80 }), fc.nat(), fc.subarray(['AAA', 'BBB', 'CCC', 'DDD']), (rows, k, econ) => {
        const from = k % rows.length;
        const t = sliced(rows as ObservationRow[], from);
        const all = observationRows(t);
        expect(all.map((r) => r.line)).toEqual(rows.slice(from).map((_, i) => from + i + 1));
        // the same rows in a table of their own (offset 0): the same selection, in the same order; lines aside
        const fresh = sliced(rows.slice(from) as ObservationRow[], 0);
        const noLine = (rs: ObservationRow[]) => rs.map(({ line: _, ...r }) => r);
        const sel = observationRows(selectObservations(t, { economies: econ }));
        expect(noLine(sel)).toEqual(noLine(observationRows(selectObservations(fresh, { economies: econ }))));
        expect(sel.length).toBe(all.filter((r) => econ.includes(r.economy)).length);
        const pick = Int32Array.from(all.map((_, i) => i).filter((i) => i % 3 !== 1));
        expect(observationRows(takeRows(t, pick))).toEqual(Array.from(pick, (i) => all[i]));
        const half = t.numRows >> 1;
        expect(observationRows(takeRanges(t, Int32Array.of(half, 0), Int32Array.of(t.numRows, half)))).toEqual([...all.slice(half), ...all.slice(0, half)]);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
