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

export type IngestInput =
  | string
  | { path: string; name?: string }
  | { bytes: Uint8Array; name?: string }
  | { stream: AsyncIterable<Uint8Array> | NodeJS.ReadableStream; name?: string }
  | { records: readonly ObservationRecord[]; name?: string }
  | { table: Table; name?: string };

/** Validate one input into the canonical observation table (see `ingestFile` for the rules and the report). */
export async function ingestInput(input: IngestInput, opts: IngestOptions = {}): Promise<IngestResult> {
  if (typeof input === 'string') return ingestFile(input, opts);
  if ('path' in input) return ingestFile(input.path, { displayName: input.name, ...opts });
  const name = input.name ?? ('records' in input ? 'records' : 'table' in input ? 'table' : 'input');
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-input-'));
  try {
    const path = join(dir, 'input');
    if ('bytes' in input) writeFileSync(path, input.bytes);
    else if ('records' in input) writeFileSync(path, JSON.stringify(input.records, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    else if ('table' in input) writeFileSync(path, tableToIPC(input.table, 'stream'));
    else await pipeline(input.stream instanceof Readable ? input.stream : Readable.from(input.stream as AsyncIterable<Uint8Array>), createWriteStream(path));
    return await ingestFile(path, { displayName: name, ...opts });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
