import { resolve } from 'node:path';

/** The store file: `ICTSTAT_DB`, else `./data/ictstat.db` (relative to the working directory). Kept apart from store.ts so callers can check for a store without loading SQLite. */
export function defaultDbPath(): string {
  return resolve(process.env.ICTSTAT_DB || 'data/ictstat.db');
}
