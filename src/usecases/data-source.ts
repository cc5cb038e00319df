/**
 * Where a computation's observations come from: always explicit. Library code never looks at the working
 * directory or the environment to decide; the CLI and the server build a DataSource from their flags.
 */
import type { Table } from 'apache-arrow';
import type { IngestInput } from '../ingest/inputs.js';
import { bundledContentHash, loadBundled, readManifest } from '../ingest/bundled.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isCanonicalObservationTable } from '../table/observations.js';
import { invalidInput } from '../util/errors.js';

export type { IngestInput as DataInput } from '../ingest/inputs.js';

/**
 * - `bundled`: the datasets shipped with the package (or another directory of the same layout); `sources`
 *   reads only those sources of the manifest (by id, the first winning), including one outside the default
 *   precedence such as `itu-idi-2024-annex2` (ITU's IDI 2024 inputs), which is read only when named;
 * - `store`: an ictstat SQLite store, current or as of a date (what was known then);
 * - `inputs`: files, byte buffers, streams, plain records or Arrow tables, validated like any submission;
 * - `observations`: an observation table as ictstat produces it (a server's in-memory index, a previous load),
 *   used as it is; a table of any other layout (plain Utf8 strings, int64 years) is validated like an input.
 * `extra` inputs are layered on top of a bundled or store base: their values win.
 */
export type DataSource =
  | { kind: 'bundled'; dir?: string; sources?: readonly string[]; extra?: readonly IngestInput[] }
  | { kind: 'store'; path: string; asOf?: string; extra?: readonly IngestInput[] }
  | { kind: 'inputs'; inputs: readonly IngestInput[] }
  | { kind: 'observations'; table: Table; label?: string };

export const BUNDLED: DataSource = { kind: 'bundled' };

/** Read inputs through ingest; a rejected input is an error that lists its first located findings. */
export async function readInputs(inputs: readonly IngestInput[]): Promise<Table[]> {
  // Loaded when there are inputs: the bundled snapshot and a store need no ingest modules.
  const [{ ingestInput }, { formatFinding }] = await Promise.all([import('../ingest/inputs.js'), import('../ingest/findings.js')]);
  const tables: Table[] = [];
  for (const input of inputs) {
    const r = await ingestInput(input, { jumpFactor: 0 });
    if (r.status === 'rejected') {
      const errors = r.log.sorted().filter((f) => f.severity === 'error');
      throw invalidInput(
        'data',
        r.file,
        `${r.file}: rejected by validation (${r.log.errors} error(s)); \`ictstat ingest ${r.file}\` gives the full report:\n` +
          errors
            .slice(0, 10)
            .map((f) => '  ' + formatFinding(f))
            .join('\n') +
          (r.log.errors > 10 ? `\n  ... and ${r.log.errors - 10} more` : ''),
      );
    }
    tables.push(r.table);
  }
  return tables;
}

/** The observations of `indicators` (registry ids) from a source. */
export async function loadObservations(source: DataSource, indicators: readonly string[]): Promise<Table> {
  const mergeByPrecedence = async (tables: Table[]): Promise<Table> => (await import('../table/combine.js')).mergeByPrecedence(tables);
  if (source.kind === 'inputs') return mergeByPrecedence(await readInputs(source.inputs));
  if (source.kind === 'observations')
    return isCanonicalObservationTable(source.table)
      ? source.table
      : mergeByPrecedence(await readInputs([{ table: source.table, name: source.label ?? 'table' }]));
  const base =
    source.kind === 'store'
      ? await storeObservations(source.path, source.asOf, indicators)
      : await loadBundled({ indicators, dir: source.dir, sources: source.sources });
  if (!source.extra?.length) return base;
  return mergeByPrecedence([...(await readInputs(source.extra)), base]);
}

/** The store's observations; SQLite is loaded only when a store is asked for. */
async function storeObservations(path: string, asOf: string | undefined, indicators: readonly string[]): Promise<Table> {
  const { readStoreObservations } = await import('../store/store.js');
  return readStoreObservations({ path, asOf, indicators });
}

const inputName = (i: IngestInput): string => (typeof i === 'string' ? i : 'name' in i && i.name ? i.name : 'in-memory data');

/** One line saying where the numbers come from (what the CLI prints and the report records). */
export function describeSource(source: DataSource): string {
  const extra = 'extra' in source && source.extra?.length ? `, with ${source.extra.map(inputName).join(', ')} on top` : '';
  switch (source.kind) {
    case 'bundled':
      return `the bundled datasets${source.dir ? ` in ${source.dir}` : ''}${source.sources ? ` (source${source.sources.length > 1 ? 's' : ''} ${source.sources.join(', ')} only)` : ''}${extra}`;
    case 'store':
      return `the store ${source.path}${source.asOf ? ` as known on ${source.asOf}` : ' (latest accepted revisions)'}${extra}`;
    case 'inputs':
      return source.inputs.map(inputName).join(', ');
    case 'observations':
      return source.label ?? 'an observation table in memory';
  }
}

/** The data vintage a result rests on: the bundled content hash, the store's as-of date, or the inputs. */
export function sourceVintage(source: DataSource): string {
  switch (source.kind) {
    case 'bundled':
      return `bundled datasets ${bundledContentHash(source.dir).slice(0, 12)} (${readManifest(source.dir).files.length} files${source.sources ? `; sources ${source.sources.join(', ')}` : ''})`;
    case 'store':
      return source.asOf ? `store as of ${source.asOf}` : 'store, current values';
    case 'inputs':
      return `inputs: ${source.inputs.map(inputName).join(', ')}`;
    case 'observations':
      return source.label ?? 'observations in memory';
  }
}

/**
 * What identifies a source's content: the bundled content hash, the store file and date, each input file's
 * sha256 (in-memory inputs: a hash of their bytes as serialised). Two runs with the same fingerprint read the same data.
 */
export function sourceFingerprint(source: DataSource): string {
  const sha = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex').slice(0, 16);
  const inputs = (list: readonly IngestInput[] = []): string[] =>
    list.map((i) =>
      typeof i === 'string'
        ? `file:${sha(readFileSync(i))}`
        : 'path' in i
          ? `file:${sha(readFileSync(i.path))}`
          : 'bytes' in i
            ? `bytes:${sha(i.bytes)}`
            : 'records' in i
              ? `records:${sha(JSON.stringify(i.records))}`
              : 'table' in i
                ? `table:${i.table.numRows}`
                : 'stream',
    );
  switch (source.kind) {
    case 'bundled':
      return ['bundled:' + bundledContentHash(source.dir).slice(0, 16), ...inputs(source.extra)].join(' ');
    case 'store':
      return [`store:${source.path}@${source.asOf ?? 'current'}`, ...inputs(source.extra)].join(' ');
    case 'inputs':
      return inputs(source.inputs).join(' ');
    case 'observations':
      return `observations:${source.table.numRows}`;
  }
}
