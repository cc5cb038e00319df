/**
 * `node dist/benchmarks/parquet.js [--reps N]`: the Parquet library choice, measured on this machine.
 *
 * Writes and reads the bundled observations (every source, all rows: ~170k) as Parquet, from and to the canonical
 * Arrow observation table, with `parquet-wasm` (arrow-rs compiled to WebAssembly) both ways, `hyparquet-writer` +
 * `hyparquet` (pure JavaScript) both ways, and what src/table/parquet.ts does (parquet-wasm out, hyparquet in,
 * with its footer check and bounded pages). Reports the median time of --reps runs (default 5), the file size,
 * the ratios to parquet-wasm in the same run, whether the table read back equals the one written, and the column
 * types DuckDB (a reader none of them wrote) sees in each file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Table as ArrowTable, tableFromIPC, tableToIPC } from 'apache-arrow';
import { parquetMetadata, parquetRead } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import * as wasm from 'parquet-wasm';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadBundled } from '../src/ingest/bundled.js';
import { ObservationBuilder, OBSERVATION_COLUMNS } from '../src/table/observations.js';
import { observationsToParquet, parquetToObservations } from '../src/table/parquet.js';

interface Candidate {
  name: string;
  write(t: ArrowTable): Uint8Array;
  read(b: Uint8Array): Promise<ArrowTable>;
}

/** hyparquet-writer from the Arrow columns; year as INT32 with the INT(16) logical type, strings as UTF8. */
function hyparquetWrite(t: ArrowTable): Uint8Array {
  const columnData = OBSERVATION_COLUMNS.map((c) => {
    const v = t.getChild(c)!;
    if (c === 'year') return { name: c, data: Int32Array.from(v.toArray() as Int16Array), type: 'INT32' as const };
    if (c === 'value') return { name: c, data: v.toArray() as Float64Array, type: 'DOUBLE' as const };
    if (c === 'line') return { name: c, data: v.toArray() as Int32Array, type: 'INT32' as const };
    const out: Array<string | null> = new Array(t.numRows);
    for (let i = 0; i < t.numRows; i++) out[i] = v.get(i) as string | null;
    return { name: c, data: out, type: 'STRING' as const };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 1 << 20 }));
}

/** hyparquet into the canonical table (columnar chunks; no row objects). */
async function hyparquetRead(b: Uint8Array): Promise<ArrowTable> {
  const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const n = Number(metadata.num_rows);
  const cols: Record<string, unknown[]> = {};
  await parquetRead({
    file,
    metadata,
    onChunk: (chunk) => {
      const a = (cols[chunk.columnName] ??= new Array(n));
      for (let i = 0; i < chunk.columnData.length; i++) a[chunk.rowStart + i] = chunk.columnData[i];
    },
  });
  const builder = new ObservationBuilder(n);
  for (let i = 0; i < n; i++) {
    const row: Record<string, unknown> = {};
    for (const c of OBSERVATION_COLUMNS) row[c] = cols[c][i];
    builder.append(row as never);
  }
  return builder.toTable();
}

const CANDIDATES: Candidate[] = [
  { name: 'parquet-wasm 0.8.0 (write and read)', write: observationsToParquet, read: async (b) => tableFromIPC(wasm.readParquet(b).intoIPCStream()) },
  { name: 'hyparquet-writer 0.17.0 + hyparquet 1.33.0', write: hyparquetWrite, read: hyparquetRead },
  { name: 'ours: parquet-wasm out, hyparquet in (footer check, bounded pages)', write: observationsToParquet, read: parquetToObservations },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Equal as observation tables: same rows, same values (NaN-free), same strings and nulls. */
function sameTable(a: ArrowTable, b: ArrowTable): boolean {
  if (a.numRows !== b.numRows) return false;
  for (const c of OBSERVATION_COLUMNS) {
    const x = a.getChild(c)!,
      y = b.getChild(c);
    if (!y) return false;
    for (let i = 0; i < a.numRows; i++) if ((x.get(i) ?? null) !== (y.get(i) ?? null)) return false;
  }
  return true;
}

async function duckdbTypes(file: string): Promise<string> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const r = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
    return r
      .getRowObjects()
      .map((o) => `${o.column_name} ${o.column_type}`)
      .join(', ');
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

async function main(): Promise<void> {
  const repsAt = process.argv.indexOf('--reps');
  const reps = repsAt > 0 ? Number(process.argv[repsAt + 1]) : 5;
  const t0 = performance.now();
  const table = await loadBundled({ allSources: true });
  const loadMs = performance.now() - t0;
  const ipcBytes = tableToIPC(table, 'stream').byteLength;
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-parquet-bench-'));
  try {
    // Warm-up run and correctness check per candidate, then the timed runs interleaved (candidate after candidate
    // in each round), so that a change of load on a shared machine falls on every candidate alike.
    const state = [];
    for (const c of CANDIDATES) {
      const bytes = c.write(table);
      state.push({ c, bytes, back: await c.read(bytes), writeMs: [] as number[], readMs: [] as number[] });
    }
    for (let r = 0; r < reps; r++)
      for (const st of state) {
        let s = performance.now();
        st.bytes = st.c.write(table);
        st.writeMs.push(performance.now() - s);
        s = performance.now();
        await st.c.read(st.bytes);
        st.readMs.push(performance.now() - s);
      }
    const rows: Array<Record<string, unknown>> = [];
    for (const st of state) {
      const path = join(dir, `candidate-${rows.length}.parquet`);
      writeFileSync(path, st.bytes);
      rows.push({
        candidate: st.c.name,
        write_ms: median(st.writeMs),
        read_ms: median(st.readMs),
        bytes: st.bytes.byteLength,
        roundTrip: sameTable(table, st.back),
        duckdb: await duckdbTypes(path),
      });
    }
    const base = rows[0];
    const out = {
      command: `node dist/benchmarks/parquet.js --reps ${reps}`,
      loadAverage: loadavg().map((x) => +x.toFixed(2)),
      rows: table.numRows,
      arrowIpcBytes: ipcBytes,
      loadBundledMs: Math.round(loadMs),
      results: rows.map((r) => ({
        ...r,
        write_ms: Math.round(r.write_ms as number),
        read_ms: Math.round(r.read_ms as number),
        write_ratio: +((r.write_ms as number) / (base.write_ms as number)).toFixed(2),
        read_ratio: +((r.read_ms as number) / (base.read_ms as number)).toFixed(2),
        size_ratio: +((r.bytes as number) / (base.bytes as number)).toFixed(2),
      })),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
