import { describe, expect, it } from 'vitest';
import { bundledContentHash, bundledSnapshot, loadBundled } from '../../src/ingest/bundled.js';
import { OBSERVATION_COLUMNS } from '../../src/table/observations.js';

/** The binary snapshot of the bundled data (issue 14) holds exactly what reading the CSV files gives. */
describe('the bundled-data snapshot', () => {
  it("exists after the build and matches the datasets' content hash", () => {
    expect(bundledSnapshot()).not.toBeNull();
    expect(bundledContentHash()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('equals the CSV files read through ingest and merged by precedence, column by column', async () => {
    const snap = bundledSnapshot()!;
    const csv = await loadBundled({ ignoreSnapshot: true });
    expect(snap.numRows).toBe(csv.numRows);
    for (const c of OBSERVATION_COLUMNS) {
      const a = csv.getChild(c),
        b = snap.getChild(c);
      expect(b === null, c).toBe(a === null);
      if (!a || !b) continue;
      const differ: string[] = [];
      for (let i = 0; i < a.length && differ.length < 5; i++)
        if (!Object.is(a.get(i), b.get(i))) differ.push(`row ${i}: ${String(a.get(i))} vs ${String(b.get(i))}`);
      expect(differ, c).toEqual([]);
    }
  }, 120_000);

  it('a selection by indicator equals the same selection from the CSV files', async () => {
    const ids = ['internet_users_pct', 'population', 'price_fixed_broadband_5gb_gni_pct'];
    const fast = await loadBundled({ indicators: ids }),
      slow = await loadBundled({ indicators: ids, ignoreSnapshot: true });
    expect(fast.numRows).toBeGreaterThan(10_000);
    expect(fast.numRows).toBe(slow.numRows);
    for (const c of OBSERVATION_COLUMNS)
      expect(
        Array.from({ length: fast.numRows }, (_, i) => fast.getChild(c)!.get(i)),
        c,
      ).toEqual(Array.from({ length: slow.numRows }, (_, i) => slow.getChild(c)!.get(i)));
  }, 120_000);
});
