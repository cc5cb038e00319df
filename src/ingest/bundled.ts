import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { ingestFile, type IngestResult } from './ingest.js';
import { formatFinding } from './findings.js';
import { datasetsDir } from '../util/paths.js';
import { mergeByPrecedence } from '../table/combine.js';
import { emptyObservationTable } from '../table/observations.js';

export interface DatasetManifest {
  precedence: string[];
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
  dir?: string;
}

/**
 * The bundled datasets as one observation table. Files are read through the same ingest path as any
 * submission (so the bundled data meets the same rules), and where two sources give the same
 * (economy, indicator, year) the manifest's precedence decides.
 */
export async function loadBundled(opts: LoadOptions = {}): Promise<Table> {
  const dir = opts.dir ?? datasetsDir();
  const manifest = readManifest(dir);
  const wanted = opts.indicators ? new Set(opts.indicators) : undefined;
  const rank = (s: string): number => {
    const k = manifest.precedence.indexOf(s);
    return k < 0 ? manifest.precedence.length : k;
  };
  const files = manifest.files
    .filter((f) => f.path.endsWith('.csv') && f.indicator && (!wanted || wanted.has(f.indicator)))
    .sort((a, b) => rank(a.source) - rank(b.source));
  if (files.length === 0) return emptyObservationTable();
  const tables: Table[] = [];
  for (const f of files) {
    const result = await ingestFile(join(dir, f.path), { jumpFactor: 0, submissionId: `bundled:${f.source}` });
    assertClean(result);
    tables.push(result.table);
  }
  return tables.length === 1 ? tables[0] : mergeByPrecedence(tables, !opts.allSources);
}

/** A bundled file that fails validation is a bug in the datasets script, not user input. */
function assertClean(r: IngestResult): void {
  if (r.status !== 'accepted' || r.log.errors > 0)
    throw new Error(`bundled dataset ${r.file} fails validation:\n` + r.log.sorted().slice(0, 5).map(formatFinding).join('\n'));
}
