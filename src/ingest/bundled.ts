import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import type { Finding } from './findings.js';
import type { IngestResult } from './ingest.js';
import { datasetsDir, snapshotDir } from '../util/paths.js';
import { emptyObservationTable, takeRanges } from '../table/observations.js';
import { readRowRanges, tableFromLayout, type ColumnLayout } from '../table/ipc-layout.js';
import { UserInputError } from '../util/errors.js';
import { suggest } from '../util/suggest.js';

export interface DatasetManifest {
  precedence: string[];
  /** Sources bundled outside the precedence: read only when named (e.g. ITU's IDI 2024 inputs). */
  namedOnly?: string[];
  files: Array<{ path: string; source: string; indicator: string; rows: number }>;
}

export function readManifest(dir = datasetsDir()): DatasetManifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as DatasetManifest;
}

export interface LoadOptions {
  /** Registry ids; all indicators when omitted. */
  indicators?: readonly string[];
  /** Keep every source's value instead of the first by precedence. */
  allSources?: boolean;
  /** Read the CSV files even when a matching snapshot exists (the snapshot builder, and the test that compares them). */
  ignoreSnapshot?: boolean;
  /**
   * Read only these sources of the manifest, the first winning where two give the same value (default: the
   * manifest's precedence; a source outside it, such as itu-idi-2024-annex2, is read only when named here).
   * Named sources are read from their CSV files (the snapshot holds the default precedence).
   */
  sources?: readonly string[];
  dir?: string;
}

/** The sources a load reads, in precedence order: the named ones (each checked against the manifest) or the default precedence. */
export function bundledSources(manifest: DatasetManifest, sources?: readonly string[]): string[] {
  if (!sources) return [...manifest.precedence];
  const known = [...manifest.precedence, ...(manifest.namedOnly ?? [])];
  for (const s of sources)
    if (!known.includes(s)) {
      const near = suggest(s, known);
      throw new UserInputError(
        `unknown bundled source "${s}": the bundled sources are ${known.join(', ')}` + (near.length ? `; did you mean ${near.join(' or ')}?` : ''),
        { code: 'unknown-source', field: 'source', value: s },
      );
    }
  return [...new Set(sources)];
}

/** The last manifest text hashed and its hash: a run asks twice (the snapshot's check, the source's fingerprint). */
let lastHashed: { text: string; hash: string } | undefined;

/** A hash of the bundled content: the manifest's precedence and each file's path and sha256. */
export function bundledContentHash(dir = datasetsDir()): string {
  // Keyed on the manifest's text, read every time: an edited manifest is hashed again.
  const text = readFileSync(join(dir, 'manifest.json'), 'utf8');
  if (lastHashed?.text === text) return lastHashed.hash;
  const m = JSON.parse(text) as DatasetManifest & { files: Array<{ sha256?: string }> };
  const h = createHash('sha256').update(JSON.stringify(m.precedence));
  for (const f of [...m.files].sort((a, b) => (a.path < b.path ? -1 : 1))) h.update(`\n${f.path}\t${f.sha256 ?? ''}`);
  lastHashed = { text, hash: h.digest('hex') };
  return lastHashed.hash;
}

/**
 * The binary snapshot of the bundled datasets (`npm run build` writes it): the merged, validated observations of
 * every bundled file as one Arrow IPC file, with the content hash of the datasets it was built from. The CSV files
 * stay the readable, diffable source of truth; a snapshot whose hash is not the datasets' is not used.
 */
export const snapshotPaths = (): { arrow: string; meta: string } => {
  const dir = snapshotDir();
  return { arrow: join(dir, 'bundled.arrow'), meta: join(dir, 'bundled.json') };
};

/** What `bundled.json` records besides the hash: the row count, the indicators and the runs of one indicator. */
export interface SnapshotMeta {
  contentHash: string;
  rows: number;
  indicators: string[];
  /** [indicator, first row, end row) of every run of rows of one indicator, in row order. */
  runs: Array<[string, number, number]>;
  /** The Arrow file's size and where its column buffers lie in it: the columns are made as views of the file's bytes. */
  arrowBytes: number;
  layout: ColumnLayout[];
}

/** The runs of rows of one indicator in an observation table (what `bundled.json` records, so a selection scans no rows). */
export function indicatorRuns(t: Table): Array<[string, number, number]> {
  const col = t.getChild('indicator')!;
  const runs: Array<[string, number, number]> = [];
  for (let i = 0; i < t.numRows; ) {
    const id = col.get(i) as string;
    let j = i + 1;
    while (j < t.numRows && col.get(j) === id) j++;
    runs.push([id, i, j]);
    i = j;
  }
  return runs;
}

let snapshot: { table: Table; runs: SnapshotMeta['runs'] } | null | undefined;

let meta: (Partial<SnapshotMeta> & Pick<SnapshotMeta, 'runs'>) | null | undefined;

/** `bundled.json` when the snapshot is there and its hash is the datasets' (read once per process), else null. */
function snapshotMeta(): (Partial<SnapshotMeta> & Pick<SnapshotMeta, 'runs'>) | null {
  if (meta !== undefined) return meta;
  const paths = snapshotPaths();
  meta = null;
  if (existsSync(paths.arrow) && existsSync(paths.meta)) {
    const m = JSON.parse(readFileSync(paths.meta, 'utf8')) as Partial<SnapshotMeta>;
    if (m.contentHash === bundledContentHash() && Array.isArray(m.runs)) meta = m as Partial<SnapshotMeta> & Pick<SnapshotMeta, 'runs'>;
  }
  return meta;
}

function readSnapshot(): { table: Table; runs: SnapshotMeta['runs'] } | null {
  if (snapshot !== undefined) return snapshot;
  const m = snapshotMeta();
  snapshot = null;
  if (m) {
    const bytes = readFileSync(snapshotPaths().arrow);
    // the columns straight from the recorded layout (no IPC reader); the reader when the layout does not fit the file
    const table = Array.isArray(m.layout) && m.arrowBytes === bytes.byteLength ? tableFromLayout(bytes, m.layout) : null;
    snapshot = { table: table ?? tableFromIPC(bytes), runs: m.runs };
  }
  return snapshot;
}

/** The snapshot when it matches the datasets, else null (then the CSVs are read). Read once per process. */
export function bundledSnapshot(): Table | null {
  return readSnapshot()?.table ?? null;
}

/** The ranges of rows of the given indicators in the snapshot, in its order: the runs of those indicators. */
function indicatorRanges(runs: SnapshotMeta['runs'], wanted: ReadonlySet<string>): { starts: Int32Array; ends: Int32Array } {
  const starts: number[] = [],
    ends: number[] = [];
  for (const [id, from, to] of runs)
    if (wanted.has(id)) {
      // a run right after a kept run (of another wanted indicator) extends the range
      if (ends.length && ends[ends.length - 1] === from) ends[ends.length - 1] = to;
      else {
        starts.push(from);
        ends.push(to);
      }
    }
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/**
 * Rows of the given indicators in the snapshot, copied range by range. Before the whole snapshot is read (a command
 * that needs a few indicators), only the bytes of those rows are read from the file (`readRowRanges`), then the same
 * `tableFromLayout` and `takeRanges` make the same table.
 */
function selectIndicators(wanted: ReadonlySet<string>): Table | null {
  if (snapshot === undefined) {
    const m = snapshotMeta();
    if (!m) return null;
    if (Array.isArray(m.layout) && typeof m.arrowBytes === 'number') {
      const { starts, ends } = indicatorRanges(m.runs, wanted);
      const bytes = readRowRanges(snapshotPaths().arrow, m.arrowBytes, m.layout, starts, ends);
      const table = bytes && tableFromLayout(bytes, m.layout);
      if (table) return takeRanges(table, starts, ends);
    }
  }
  const snap = readSnapshot();
  if (!snap) return null;
  const { starts, ends } = indicatorRanges(snap.runs, wanted);
  return takeRanges(snap.table, starts, ends);
}

/**
 * The bundled datasets as one observation table. Files are read through the same ingest path as any
 * submission (so the bundled data meets the same rules), and where two sources give the same
 * (economy, indicator, year) the manifest's precedence decides.
 */
export async function loadBundled(opts: LoadOptions = {}): Promise<Table> {
  const dir = opts.dir ?? datasetsDir();
  const useSnapshot = resolve(dir) === resolve(datasetsDir()) && !opts.allSources && !opts.ignoreSnapshot && !opts.sources;
  if (useSnapshot) {
    const t = opts.indicators ? selectIndicators(new Set(opts.indicators)) : (readSnapshot()?.table ?? null);
    if (t) return t;
  }
  const manifest = readManifest(dir);
  const wanted = opts.indicators ? new Set(opts.indicators) : undefined;
  const order = bundledSources(manifest, opts.sources);
  const rank = (s: string): number => order.indexOf(s);
  const files = manifest.files
    .filter((f) => f.path.endsWith('.csv') && f.indicator && rank(f.source) >= 0 && (!wanted || wanted.has(f.indicator)))
    .sort((a, b) => rank(a.source) - rank(b.source));
  if (files.length === 0) return emptyObservationTable();
  // The CSV path only: a command served by the snapshot never loads the ingest modules (~1/5 of the idi command's start).
  const [{ ingestFile }, { formatFinding }, { mergeByPrecedence }] = await Promise.all([
    import('./ingest.js'),
    import('./findings.js'),
    import('../table/combine.js'),
  ]);
  const tables: Table[] = [];
  for (const f of files) {
    const result = await ingestFile(join(dir, f.path), { jumpFactor: 0, submissionId: `bundled:${f.source}` });
    assertClean(result, formatFinding);
    tables.push(result.table);
  }
  return tables.length === 1 ? tables[0] : mergeByPrecedence(tables, !opts.allSources);
}

/** A bundled file that fails validation is a bug in the datasets script, not user input. */
function assertClean(r: IngestResult, formatFinding: (f: Finding) => string): void {
  if (r.status !== 'accepted' || r.log.errors > 0)
    throw new Error(`bundled dataset ${r.file} fails validation:\n` + r.log.sorted().slice(0, 5).map(formatFinding).join('\n'));
}
