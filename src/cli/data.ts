import { existsSync } from 'node:fs';
import { defaultDbPath } from '../store/path.js';
import type { Table } from 'apache-arrow';
import { ingestFile } from '../ingest/ingest.js';
import { loadBundled } from '../table/bundled.js';
import { mergeByPrecedence } from '../table/combine.js';
import { UserInputError } from '../util/errors.js';
import { formatIngestReport } from './report.js';

/** Read user files through ingest; a rejected file stops the command with its report. */
export async function ingestAll(files: readonly string[]): Promise<Table[]> {
  const tables: Table[] = [];
  for (const file of files) {
    const r = await ingestFile(file, { jumpFactor: 0 });
    if (r.status === 'rejected') {
      process.stderr.write(formatIngestReport(r, 10) + '\n');
      throw new UserInputError(`${file}: rejected by validation; check it with \`ictstat ingest ${file}\``);
    }
    tables.push(r.table);
  }
  return tables;
}

/**
 * The observations a command works on: `--data` files instead of the bundled data, or the base data with
 * `--extra-data` files layered on top (their values win). The base data is the store when there is one
 * (`ICTSTAT_DB`, else ./data/ictstat.db), as of `asOf` when given (what was known then), else the bundled data.
 */
export async function loadObservations(o: { data?: string[]; extraData?: string[]; asOf?: string }, indicators: readonly string[]): Promise<Table> {
  if (o.data?.length) {
    if (o.asOf) throw new UserInputError('--as-of reads the store; it cannot be combined with --data');
    return mergeByPrecedence(await ingestAll(o.data));
  }
  const bundled = (await storeObservations(o.asOf, indicators)) ?? (await loadBundled({ indicators }));
  if (!o.extraData?.length) return bundled;
  return mergeByPrecedence([...(await ingestAll(o.extraData)), bundled]);
}

/** The store's observations, loaded lazily so that commands without a store never load the native SQLite module. */
async function storeObservations(asOf: string | undefined, indicators: readonly string[]): Promise<Table | undefined> {
  if (!asOf && !existsSync(defaultDbPath())) return undefined;
  const { readStoreObservations } = await import('../store/store.js');
  // Say where the numbers come from: a store (with its revisions) is not the bundled files.
  process.stderr.write(`note: data from the store ${defaultDbPath()}${asOf ? ` as known on ${asOf}` : ''} (latest accepted revisions)\n`);
  return readStoreObservations({ asOf, indicators });
}
