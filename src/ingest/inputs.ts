/**
 * Ingest from anything a library caller holds: a file path, bytes, a stream, plain records or an Arrow table.
 * Every kind goes through `ingestFile`, the one validation path: in-memory inputs are written to a private
 * temporary file (removed afterwards), so an Arrow table with plain Utf8 or int64 columns, or records with
 * numbers as text, are read and checked exactly as the same content in a file would be.
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { tableToIPC, type Table } from 'apache-arrow';
import { ingestFile, type IngestOptions, type IngestResult } from './ingest.js';

/** One observation as plain data (the canonical columns). */
export interface ObservationRecord {
  economy: string;
  indicator: string;
  year: number | string;
  value: number | string | null;
  note?: string | null;
  source?: string | null;
  series_code?: string | null;
}

/** Data held in any form: a file path, bytes, a stream, records (of any shape: the reader checks them) or an Arrow table. */
export type InputSource<R = object> =
  | string
  | { path: string; name?: string }
  | { bytes: Uint8Array; name?: string }
  | { stream: AsyncIterable<Uint8Array> | NodeJS.ReadableStream; name?: string }
  | { records: readonly R[]; name?: string }
  | { table: Table; name?: string };

/** An observation input: its records are observations. */
export type IngestInput = InputSource<ObservationRecord>;

/** Validate one input into the canonical observation table (see `ingestFile` for the rules and the report). */
export function ingestInput(input: IngestInput, opts: IngestOptions = {}): Promise<IngestResult> {
  return withInputFile(input, (path, name) => ingestFile(path, { displayName: name, ...opts }));
}

/**
 * Run `read` on a file holding the input: the file itself for a path, else a private temporary file written from
 * the bytes, the stream, the records (as JSON) or the table (as an Arrow IPC stream), removed afterwards whatever
 * happens. `name` is what findings call the input (undefined for a plain path: its own name).
 */
export async function withInputFile<T, R = object>(input: InputSource<R>, read: (path: string, name: string | undefined) => Promise<T>): Promise<T> {
  if (typeof input === 'string') return read(input, undefined);
  if ('path' in input) return read(input.path, input.name);
  const name = input.name ?? ('records' in input ? 'records' : 'table' in input ? 'table' : 'input');
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-input-'));
  try {
    const path = join(dir, 'input');
    if ('bytes' in input) writeFileSync(path, input.bytes);
    else if ('records' in input)
      writeFileSync(
        path,
        JSON.stringify(input.records, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      );
    else if ('table' in input) writeFileSync(path, tableToIPC(input.table, 'stream'));
    else await pipeline(input.stream instanceof Readable ? input.stream : Readable.from(input.stream as AsyncIterable<Uint8Array>), createWriteStream(path));
    return await read(path, name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
