import { existsSync } from 'node:fs';
import type { Table } from 'apache-arrow';
import { formatFinding } from '../ingest/findings.js';
import { ingestFile } from '../ingest/ingest.js';
import { defaultDbPath } from '../store/path.js';
import { UserInputError } from '../util/errors.js';
import { loadBundled } from './bundled.js';
import { mergeByPrecedence } from './combine.js';

/** Read data files through ingest; a rejected file is a UserInputError that lists its first located errors. */
export async function readObservationFiles(files: readonly string[]): Promise<Table[]> {
  const tables: Table[] = [];
  for (const file of files) {
    const r = await ingestFile(file, { jumpFactor: 0 });
    if (r.status === 'rejected') {
      const errors = r.log.sorted().filter((f) => f.severity === 'error');
      throw new UserInputError(`${file}: rejected by validation (${r.log.errors} error(s)); \`ictstat ingest ${file}\` gives the full report:\n` +
        errors.slice(0, 10).map((f) => '  ' + formatFinding(f)).join('\n') + (r.log.errors > 10 ? `\n  ... and ${r.log.errors - 10} more` : ''));
    }
    tables.push(r.table);
  }
  return tables;
}

/**
 * The observations a command works on: `data` files instead of the base data, or the base data with
 * `extraData` files layered on top (their values win). The base data is the store when there is one
 * (`ICTSTAT_DB`, else ./data/ictstat.db), as of `asOf` when given (what was known then), else the bundled data.
 */
export async function loadObservations(o: { data?: readonly string[]; extraData?: readonly string[]; asOf?: string }, indicators: readonly string[]): Promise<Table> {
  if (o.data?.length) {
    if (o.asOf) throw new UserInputError('--as-of reads the store; it cannot be combined with --data');
    return mergeByPrecedence(await readObservationFiles(o.data));
  }
  const base = (await storeObservations(o.asOf, indicators)) ?? (await loadBundled({ indicators }));
  if (!o.extraData?.length) return base;
  return mergeByPrecedence([...(await readObservationFiles(o.extraData)), base]);
}

/** The store's observations, loaded lazily so that commands without a store never load the native SQLite module. */
async function storeObservations(asOf: string | undefined, indicators: readonly string[]): Promise<Table | undefined> {
  if (!asOf && !existsSync(defaultDbPath())) return undefined;
  const { readStoreObservations } = await import('../store/store.js');
  // Say where the numbers come from: a store (with its revisions) is not the bundled files.
  process.stderr.write(`note: data from the store ${defaultDbPath()}${asOf ? ` as known on ${asOf}` : ''} (latest accepted revisions)\n`);
  return readStoreObservations({ asOf, indicators });
}
