/**
 * The command line's choice of data: the bundled datasets unless `--store FILE` (or `ICTSTAT_DB`) names a
 * store; `--data` files instead, `--extra-data` files on top. Every command says on stderr which it used.
 * `serve` and `db` work on a store by nature, at `--store`, `ICTSTAT_DB` or ./data/ictstat.db.
 */
import { resolve } from 'node:path';
import type { DataSource } from '../usecases/data-source.js';
import { UserInputError } from '../util/errors.js';

export interface DataFlags {
  data?: string[];
  extraData?: string[];
  asOf?: string;
  store?: string;
  /** Bundled sources to read (by manifest id), instead of the default precedence. */
  source?: string[];
}

/** The store a command names: `--store`, else `ICTSTAT_DB`; undefined when neither is given. */
export function namedStore(flag?: string): string | undefined {
  const p = flag ?? process.env.ICTSTAT_DB;
  return p ? resolve(p) : undefined;
}

/** The store of `serve` and `db`: the named one, else ./data/ictstat.db. */
export function serverStorePath(flag?: string): string {
  return namedStore(flag) ?? resolve('data/ictstat.db');
}

export async function dataSourceFromFlags(o: DataFlags, opts: { quiet?: boolean } = {}): Promise<DataSource> {
  const store = namedStore(o.store);
  let source: DataSource;
  if (o.source?.length && (o.data?.length || store))
    throw new UserInputError(`--source names bundled sources; it cannot be combined with ${o.data?.length ? '--data' : '--store (or ICTSTAT_DB)'}`, {
      code: 'conflicting-options',
      field: 'source',
    });
  if (o.data?.length) {
    if (o.asOf) throw new UserInputError('--as-of reads a store; it cannot be combined with --data', { code: 'conflicting-options', field: 'asOf' });
    if (o.extraData?.length)
      throw new UserInputError('--data replaces the base data and --extra-data adds to it: give one of them', {
        code: 'conflicting-options',
        field: 'extraData',
      });
    source = { kind: 'inputs', inputs: o.data };
  } else if (store) source = { kind: 'store', path: store, asOf: o.asOf, extra: o.extraData };
  else {
    if (o.asOf)
      throw new UserInputError('--as-of reads a store: name it with --store FILE (or ICTSTAT_DB); the bundled data has no revisions', {
        code: 'no-store',
        field: 'asOf',
      });
    source = { kind: 'bundled', ...(o.source?.length ? { sources: o.source } : {}), extra: o.extraData };
  }
  if (!opts.quiet) {
    // The use-case layer (and Arrow under it) loads when a command reads data, not when the command table is built.
    const { describeSource } = await import('../usecases/data-source.js');
    process.stderr.write(`note: data from ${describeSource(source)}\n`);
  }
  return source;
}

export const SOURCE_FLAG = [
  '--source <ids>',
  "read only these bundled sources (comma-separated manifest ids, the first winning), e.g. itu-idi-2024-annex2: ITU's IDI 2024 inputs, which the default data leaves out",
] as const;

export const STORE_FLAG = ['--store <file>', 'read this ictstat store instead of the bundled data (default: ICTSTAT_DB when set)'] as const;
