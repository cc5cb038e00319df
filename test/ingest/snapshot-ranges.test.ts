import type { Table } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { bundledSnapshot, loadBundled } from '../../src/ingest/bundled.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';

// The ranges path counted, so that a fallback to the whole file (which would compare whole with whole) fails the test.
const ranges = vi.hoisted(() => ({ calls: 0, nonNull: 0 }));
vi.mock('../../src/table/ipc-layout.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/table/ipc-layout.js')>();
  return {
    ...m,
    readRowRanges: (...args: Parameters<typeof m.readRowRanges>) => {
      ranges.calls++;
      const r = m.readRowRanges(...args);
      if (r) ranges.nonNull++;
      return r;
    },
  };
});

/**
 * Before the whole snapshot is read, a selection by indicator reads only its rows' bytes from the file (dictionaries,
 * and per column the values and validity bytes of its ranges). It must be the table the selection from the whole
 * file gives: every column's type, length, null count, validity bits, values and dictionary. This file's module
 * state starts with nothing read, so the first selections take the ranges path; then the whole snapshot is read,
 * and the same selections take the other. (Not compared: the dictionary types' ids, a process-wide counter.)
 */
function columns(t: Table) {
  return t.schema.fields.map((f) => {
    const d = t.getChild(f.name)!.data;
    expect(d.length).toBe(1);
    const x = d[0];
    return {
      name: f.name,
      type: String(x.type),
      length: x.length,
      nullCount: x.nullCount,
      validity: x.nullCount > 0 && x.nullBitmap ? Array.from({ length: x.length }, (_, i) => (x.nullBitmap![i >> 3] >> (i & 7)) & 1) : null,
      values: Array.from(x.values as ArrayLike<number>),
      dictionary: x.dictionary ? x.dictionary.toArray() : null,
    };
  });
}

describe('snapshot selections read by ranges', () => {
  it('equal the selections from the whole snapshot, column by column, for any set of indicators', async () => {
    const ids = loadIndicatorRegistry().indicators.map((d) => d.id);
    const sets = fc.sample(fc.subarray(ids, { minLength: 0, maxLength: 20 }), { numRuns: 25, seed: 14 });
    sets.push(['internet_users_pct'], ids, []);
    const byRanges: Table[] = [];
    for (const s of sets) byRanges.push(await loadBundled({ indicators: s }));
    // every selection but the empty one read its ranges (none read the whole file)
    expect(ranges.nonNull).toBeGreaterThanOrEqual(sets.length - 1);
    expect(ranges.nonNull).toBe(ranges.calls);
    expect(bundledSnapshot()).not.toBeNull();
    for (let k = 0; k < sets.length; k++) {
      const whole = await loadBundled({ indicators: sets[k] });
      expect(byRanges[k].numRows, sets[k].join(',')).toBe(whole.numRows);
      expect(columns(byRanges[k]), sets[k].join(',')).toEqual(columns(whole));
    }
    // the selections cover rows (not an empty comparison)
    expect(byRanges[sets.length - 2].numRows).toBe(bundledSnapshot()!.numRows);
  }, 120_000);
});
