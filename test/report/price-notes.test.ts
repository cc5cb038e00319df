/**
 * The price tables' observation notes read from the dictionary codes of a one-batch table (src/report/price-tables.ts)
 * equal the ones read row by row from the same observations in two batches (the other path), on the bundled data.
 */
import { describe, expect, it } from 'vitest';
import { priceData } from '../../src/report/price-tables.js';
import { BUNDLED, loadObservations } from '../../src/usecases/data-source.js';

describe('price notes', () => {
  it('by codes (one batch) and row by row (two batches): the same note for every basket, unit, economy and year', async () => {
    const table = await loadObservations(BUNDLED);
    const two = table.slice(0, table.numRows >> 1).concat(table.slice(table.numRows >> 1));
    expect([table.batches.length, two.batches.length]).toEqual([1, 2]);
    const ctx = (t: typeof table) => ({ table: t, year: 2016, name: (x: string) => x, lang: 'en', notes: [] });
    const a = priceData(ctx(table)),
      b = priceData(ctx(two));
    let notes = 0;
    for (const p of a.panels)
      for (const e of p.economies)
        for (const y of p.years) {
          const n = a.note(p.basket, p.unit, e, y);
          if (n) notes++;
          expect(n, `${p.basket} ${p.unit} ${e} ${y}`).toBe(b.note(p.basket, p.unit, e, y));
        }
    // the bundled price observations carry notes (e.g. ITU's footnotes): the comparison is not of empty maps
    expect(notes).toBeGreaterThan(1000);
  });
});
