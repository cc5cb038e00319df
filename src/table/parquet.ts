/**
 * Parquet out and in, through parquet-wasm (arrow-rs compiled to WebAssembly; measured against hyparquet in
 * benchmarks/parquet.ts). The file holds the canonical observation table with its Arrow schema in the footer
 * (`ARROW:schema`), so pyarrow, pandas, polars and DuckDB read the same types we write: dictionary-encoded
 * strings, int16 year, float64 value, int32 line.
 */
import { writeFileSync } from 'node:fs';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import * as wasm from 'parquet-wasm';

/** The 4-byte magic that opens and closes every Parquet file. */
export const PARQUET_MAGIC = 'PAR1';

/** Fixed writer identity: the same table gives the same bytes on every run (no timestamps in Parquet). */
const CREATED_BY = 'ictstat (parquet-wasm 0.8.0)';

function writerProperties(): wasm.WriterProperties {
  // ZSTD: read by every current reader (pyarrow, polars, DuckDB, Spark >= 3.2, R arrow); smaller than Snappy here.
  return new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.ZSTD).setCreatedBy(CREATED_BY).build();
}

/** An Arrow table (the canonical observation table, or any other) as Parquet bytes. */
export function observationsToParquet(table: Table): Uint8Array {
  const w = wasm.Table.fromIPCStream(tableToIPC(table, 'stream'));
  return wasm.writeParquet(w, writerProperties());
}

export function writeParquetFile(table: Table, path: string): void {
  writeFileSync(path, observationsToParquet(table));
}

/** Parquet bytes as an Arrow table (the columns as stored; ingest validates them). Throws on a malformed file. */
export function parquetToObservations(bytes: Uint8Array): Table {
  return tableFromIPC(wasm.readParquet(bytes).intoIPCStream());
}

export interface ParquetFooter {
  rows: number;
  /** Per row group: rows and uncompressed bytes, as the footer states them (checked before any decoding). */
  rowGroups: Array<{ rows: number; bytes: number }>;
  columns: string[];
}

export function isParquet(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31;
}

/**
 * The footer alone (the file's last 8 bytes give its length): row counts and uncompressed sizes, so that a
 * file whose row groups would not fit the limits is refused before a page is decompressed. Throws on a file
 * whose footer cannot be read.
 */
export async function readParquetFooter(bytes: Uint8Array): Promise<ParquetFooter> {
  const n = bytes.length;
  if (n < 12 || !isParquet(bytes) || !isParquet(bytes.subarray(n - 4))) throw new Error('not a Parquet file: it must begin and end with "PAR1"');
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset + n - 8, 4).getUint32(0, true);
  if (footerLength + 12 > n) throw new Error(`the footer length (${footerLength} bytes) is larger than the file (${n} bytes)`);
  const file = await wasm.ParquetFile.fromFile(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  try {
    const meta = file.metadata();
    const rowGroups = meta.rowGroups().map((g) => ({ rows: g.numRows(), bytes: g.totalByteSize() }));
    const columns = meta.numRowGroups() > 0 ? meta.rowGroup(0).columns().map((c) => c.columnPath().join('.')) : [];
    return { rows: meta.fileMetadata().numRows(), rowGroups, columns };
  } finally {
    file.free();
  }
}
