/**
 * Parquet out and in (libraries measured in benchmarks/parquet.ts).
 *
 * Out: parquet-wasm (arrow-rs compiled to WebAssembly). The file holds the canonical observation table with its
 * Arrow schema in the footer (`ARROW:schema`), so pyarrow, pandas, polars and DuckDB read the types we write:
 * dictionary-encoded strings, int16 year, float64 value, int32 line. Only our own tables reach the WebAssembly.
 *
 * In: hyparquet (pure JavaScript). Untrusted bytes never reach the WebAssembly module, where a malformed file
 * can end in a panic (`RuntimeError: unreachable`, and from its async API an uncaught one) and where memory,
 * once grown, is never given back. Here a bad file is a JavaScript exception, the footer is parsed and checked
 * before any page is read, and every page is decompressed into a buffer of the size its header states, capped.
 */
import { writeFileSync } from 'node:fs';
import { Gunzip } from 'fflate';
import { parquetMetadata, parquetRead, snappyUncompress, type Compressors, type FileMetaData } from 'hyparquet';
import { tableToIPC, type Table } from 'apache-arrow';
import * as wasm from 'parquet-wasm';
import { ObservationBuilder, OBSERVATION_COLUMNS, type ObservationRow } from './observations.js';

/** Fixed writer identity: the same table gives the same bytes on every run (no timestamps in Parquet). */
const CREATED_BY = 'ictstat (parquet-wasm 0.8.0)';

/** The codecs the reader decompresses. Snappy is the default of pyarrow, pandas, DuckDB, Spark and R arrow. */
export const PARQUET_CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP'] as const;

function writerProperties(): wasm.WriterProperties {
  // Snappy: every reader has it, ours included (hyparquet has no ZSTD decoder of its own).
  return new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.SNAPPY).setCreatedBy(CREATED_BY).build();
}

/** An Arrow table (the canonical observation table, or any other) as Parquet bytes. */
export function observationsToParquet(table: Table): Uint8Array {
  const w = wasm.Table.fromIPCStream(tableToIPC(table, 'stream'));
  return wasm.writeParquet(w, writerProperties());
}

export function writeParquetFile(table: Table, path: string): void {
  writeFileSync(path, observationsToParquet(table));
}

export function isParquet(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31;
}

export interface ParquetFooter {
  metadata: FileMetaData;
  rows: number;
  /** Per row group: rows, and the uncompressed bytes of its column chunks (what decoding it allocates). */
  rowGroups: Array<{ rows: number; bytes: number }>;
  /** Top-level columns, in file order; nested ones (lists, structs) are flagged. */
  columns: Array<{ name: string; nested: boolean }>;
  codecs: string[];
}

/** The footer alone (its length is in the file's last 8 bytes). Throws on a file whose footer cannot be read. */
export function readParquetFooter(bytes: Uint8Array): ParquetFooter {
  const n = bytes.length;
  if (n < 12 || !isParquet(bytes) || !isParquet(bytes.subarray(n - 4))) throw new Error('not a Parquet file: it must begin and end with "PAR1"');
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset + n - 8, 4).getUint32(0, true);
  if (footerLength + 12 > n) throw new Error(`the footer length (${footerLength} bytes) is larger than the file (${n} bytes)`);
  const metadata = parquetMetadata(arrayBufferOf(bytes));
  const codecs = new Set<string>();
  const rowGroups = metadata.row_groups.map((g) => {
    let bytes = 0;
    for (const c of g.columns) {
      if (!c.meta_data) continue;
      codecs.add(c.meta_data.codec);
      bytes += Math.max(0, Number(c.meta_data.total_uncompressed_size));
    }
    return { rows: Number(g.num_rows), bytes: Math.max(bytes, Number(g.total_byte_size)) };
  });
  const columns: ParquetFooter['columns'] = [];
  // schema[0] is the root; each top-level field follows with its children (num_children) depth-first.
  const schema = metadata.schema;
  let i = 1;
  const skip = (k: number): number => {
    let next = k + 1;
    for (let c = 0; c < (schema[k].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  while (i < schema.length) {
    columns.push({ name: schema[i].name, nested: (schema[i].num_children ?? 0) > 0 || schema[i].repetition_type === 'REPEATED' });
    i = skip(i);
  }
  return { metadata, rows: Number(metadata.num_rows), rowGroups, columns, codecs: [...codecs].sort() };
}

const arrayBufferOf = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** Decompressors that write into a buffer of the page's stated size, refused above `maxPageBytes`. */
function boundedCompressors(maxPageBytes: number): Compressors {
  const sized = (n: number): Uint8Array => {
    if (!(n >= 0 && n <= maxPageBytes)) throw new Error(`a page states ${n} bytes uncompressed, above the ${maxPageBytes}-byte limit`);
    return new Uint8Array(n);
  };
  return {
    SNAPPY: (input, n) => {
      const out = sized(n);
      snappyUncompress(input, out);
      return out;
    },
    GZIP: (input, n) => {
      // Streamed, so that a gzip bomb stops at the stated size instead of inflating whole.
      const out = sized(n);
      let at = 0;
      const g = new Gunzip((chunk) => {
        if (at + chunk.length > n) throw new Error(`a GZIP page inflates beyond its stated ${n} bytes`);
        out.set(chunk, at);
        at += chunk.length;
      });
      g.push(input, true);
      if (at !== n) throw new Error(`a GZIP page inflates to ${at} bytes, not the stated ${n}`);
      return out;
    },
  };
}

export interface ParquetColumns {
  rows: number;
  /** Decoded values by top-level column name (strings, numbers, bigints, nulls, ...). */
  data: Map<string, ArrayLike<unknown>>;
}

/**
 * Decode the flat columns of a Parquet file whose footer has been checked (`readParquetFooter`). `maxPageBytes`
 * caps the stated uncompressed size of any one page. Throws on a codec we do not read, a nested column, or a
 * malformed page.
 */
export async function readParquetColumns(bytes: Uint8Array, footer: ParquetFooter, maxPageBytes: number, only?: readonly string[]): Promise<ParquetColumns> {
  const unsupported = footer.codecs.filter((c) => !(PARQUET_CODECS as readonly string[]).includes(c));
  if (unsupported.length)
    throw new Error(`compression ${unsupported.join(', ')} is not read; write the file with snappy (the default of pandas, pyarrow and DuckDB), gzip or none`);
  const wanted = footer.columns.filter((c) => !only || only.includes(c.name));
  const nested = wanted.filter((c) => c.nested).map((c) => c.name);
  if (nested.length) throw new Error(`column(s) ${nested.join(', ')} are nested (lists or structs); observations are flat columns`);
  const data = new Map<string, unknown[]>(wanted.map((c) => [c.name, new Array(footer.rows).fill(null)]));
  await parquetRead({
    file: arrayBufferOf(bytes),
    metadata: footer.metadata,
    columns: wanted.map((c) => c.name),
    compressors: boundedCompressors(maxPageBytes),
    onChunk: (chunk) => {
      const out = data.get(chunk.columnName);
      if (!out) return;
      const v = chunk.columnData;
      const end = Math.min(chunk.rowEnd, footer.rows);
      for (let r = chunk.rowStart; r < end; r++) out[r] = v[r - chunk.rowStart] ?? null;
    },
  });
  return { rows: footer.rows, data };
}

/** A Parquet file of observations (at least economy, indicator, year, value) as the canonical Arrow table. */
export async function parquetToObservations(bytes: Uint8Array, maxPageBytes = 64 << 20): Promise<Table> {
  const footer = readParquetFooter(bytes);
  const { rows, data } = await readParquetColumns(bytes, footer, maxPageBytes, OBSERVATION_COLUMNS);
  const missing = ['economy', 'indicator', 'year', 'value'].filter((c) => !data.has(c));
  if (missing.length) throw new Error(`the Parquet file lacks the column(s) ${missing.join(', ')}`);
  const b = new ObservationBuilder(Math.max(16, rows));
  const cols = OBSERVATION_COLUMNS.map((c) => [c, data.get(c)] as const);
  for (let r = 0; r < rows; r++) {
    const row: Record<string, unknown> = {};
    for (const [c, v] of cols) row[c] = v ? (typeof v[r] === 'bigint' ? Number(v[r]) : v[r]) : null;
    b.append(row as unknown as ObservationRow);
  }
  return b.toTable();
}
