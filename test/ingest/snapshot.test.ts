import { describe, expect, it } from 'vitest';
import { bundledContentHash, bundledSnapshot, loadBundled } from '../../src/ingest/bundled.js';
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { snapshotPaths } from '../../src/ingest/bundled.js';
import { tableFromLayout, type ColumnLayout } from '../../src/table/ipc-layout.js';
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

  it('read through its recorded layout (views of the file, no IPC reader), equals the IPC reader’s table: types, nulls, values', () => {
    const { arrow, meta } = snapshotPaths();
    const bytes = readFileSync(arrow);
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { arrowBytes: number; layout: ColumnLayout[] };
    expect(m.arrowBytes).toBe(bytes.byteLength);
    const fast = tableFromLayout(bytes, m.layout)!,
      ipc = tableFromIPC(bytes);
    expect(fast.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(ipc.schema.fields.map((f) => `${f.name}:${String(f.type)}`));
    for (const f of ipc.schema.fields) {
      const a = fast.getChild(f.name)!,
        b = ipc.getChild(f.name)!;
      expect(a.nullCount, f.name).toBe(b.nullCount);
      const differ: number[] = [];
      for (let i = 0; i < b.length && differ.length < 5; i++) if (!Object.is(a.get(i), b.get(i))) differ.push(i);
      expect(differ, f.name).toEqual([]);
    }
    // a layout that does not fit the bytes is refused (the loader then uses the IPC reader)
    const bad = m.layout.map((c, k) => (k === 0 ? { ...c, values: [bytes.byteLength - 8, c.values[1]] as [number, number] } : c));
    expect(tableFromLayout(bytes, bad)).toBeNull();
    expect(tableFromLayout(bytes.subarray(1), m.layout)).toBeNull();
  });
});
