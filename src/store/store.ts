/**
 * The embedded store: every accepted submission and its observations, append-only, in one SQLite file.
 * Nothing is updated in place: the current value of (economy, indicator, year) is the one from the latest
 * accepted submission that has it, and "as of" a date it is the latest among those received by then.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Table } from 'apache-arrow';
import { ObservationBuilder } from '../table/observations.js';
import { UserInputError, invalidOption } from '../util/errors.js';
import { MIGRATIONS } from './migrations.js';

type Db = Database.Database;

export interface SubmissionRecord {
  id: number;
  economy: string | null;
  submittedBy: string;
  receivedAt: string;
  sha256: string;
  status: 'accepted';
  vintage: string | null;
  sourceName: string | null;
  observations: number;
  findings: unknown;
}

export interface NewSubmission {
  /** The one economy a token may write, or null for multi-economy loads (the bundled data, the CLI). */
  economy: string | null;
  submittedBy: string;
  sha256: string;
  vintage?: string | null;
  sourceName?: string | null;
  /** The validation report (JSON-serialisable), kept with the submission. */
  findings: unknown;
  /** Canonical observation table of the accepted rows. */
  table: Table;
  /** Receipt time; default now. Must not precede the latest stored receipt (ids follow receipt order). */
  receivedAt?: Date;
}

export interface RecordResult {
  submission: SubmissionRecord;
  /** True when the same content (hash) was already stored for the same economy: no new revision. */
  duplicate: boolean;
}

export interface StoreStatus {
  path: string;
  schemaVersion: number;
  submissions: number;
  observationRows: number;
  currentObservations: number;
  economies: number;
  indicators: number;
  latest: SubmissionRecord | null;
  activeTokens: number;
  /** Submissions refused (rejected or forbidden) and recorded; their data was not stored. */
  refusedSubmissions: number;
}

export interface AttemptRecord {
  id: number;
  economy: string | null;
  submittedBy: string;
  receivedAt: string;
  sha256: string;
  bytes: number;
  outcome: 'rejected' | 'forbidden';
  detail: unknown;
}

export interface TokenRecord {
  id: number;
  economy: string;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** Parse an as-of argument: `YYYY-MM-DD` (the end of that day, UTC) or an ISO 8601 date-time. */
export function parseAsOf(asOf: string): string {
  const s = asOf.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const d = new Date(`${s}T23:59:59.999Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(s)) return d.toISOString();
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) {
    const d = new Date(s);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  throw invalidOption('asOf', asOf, (name) => `${name} must be a date YYYY-MM-DD or a date-time such as 2024-05-01T12:00:00Z, not "${asOf}"`);
}

/**
 * An SQLite error that is the environment's (a file that is not a database, corruption, a full disk, a read-only
 * or unreachable file), as an error for the user naming the store and what to do; undefined for anything else.
 */
export function storeFault(e: unknown, path: string): UserInputError | undefined {
  const code = String((e as { code?: unknown })?.code ?? '');
  if (!code.startsWith('SQLITE_')) return undefined;
  const what = code.startsWith('SQLITE_NOTADB')
    ? ['is not an ictstat store (not a database)', 'check the path; a store is made by `ictstat db` or `ictstat serve`']
    : code.startsWith('SQLITE_CORRUPT')
      ? ['is corrupt (the database is malformed)', "restore it from a backup (SQLite's `.recover` may save what is still readable)"]
      : code.startsWith('SQLITE_FULL')
        ? ["cannot grow: the disk (or the database's size limit) is full", 'free space on its disk and retry; nothing of this operation was stored']
        : code.startsWith('SQLITE_READONLY')
          ? ['is read-only', 'give this process write access to the file and its directory, or use a writable copy']
          : code.startsWith('SQLITE_CANTOPEN')
            ? ['cannot open the file', 'check that the path and its directory exist and are accessible']
            : code.startsWith('SQLITE_IOERR')
              ? ['failed with an input/output error', 'check the disk and the file system; retry']
              : code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
                ? ['is locked by another process for too long', 'retry; if it persists, look for a process holding a write transaction']
                : code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')
                  ? ['cannot be accessed (permission denied)', 'give this process access to the file and its directory']
                  : undefined;
  if (!what) return undefined;
  return new UserInputError(`the store ${path} ${what[0]} (${code}): ${what[1]}`, { code: 'store-unavailable', value: code });
}

let recordedHere = 0;
/**
 * How many submissions any Store of this thread has recorded (or tried to): a reader that holds the store's version
 * for a moment (the server, for one turn of its event loop) asks it again when this moved.
 */
export const submissionsRecordedHere = (): number => recordedHere;

export class Store {
  readonly path: string;
  private readonly db: Db;
  /** Statements of the per-request queries, prepared once (preparing costs more than running them). */
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(path: string, db: Db) {
    this.path = path;
    this.db = db;
  }

  /** Open (creating it and its directory when missing) and migrate to the latest schema. */
  static open(path: string): Store {
    let db: Db | undefined;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      // FULL: a submission that was acknowledged survives a power loss, not only a killed process.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      const store = new Store(path, db);
      store.migrate();
      store.checkIntegrity();
      return store;
    } catch (e) {
      db?.close();
      if (e instanceof UserInputError) throw e;
      throw storeFault(e, path) ?? new UserInputError(`cannot open the store ${path}: ${(e as Error).message}`, { code: 'store-unavailable' });
    }
  }

  /** A store of a newer schema, or one whose append-only triggers are gone, is not opened (nothing is written to it). */
  private checkIntegrity(): void {
    const known = Math.max(...MIGRATIONS.map((m) => m.version));
    const version = this.schemaVersion();
    if (version > known)
      throw new UserInputError(
        `the store ${this.path} has schema version ${version}, newer than this ictstat knows (${known}): it was written by a newer ictstat; upgrade ictstat to open it`,
        { code: 'store-unavailable' },
      );
    const expected = MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TRIGGER (\w+)/g)].map((x) => x[1]));
    const present = new Set(this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all() as string[]);
    const missing = expected.filter((t) => !present.has(t));
    if (missing.length)
      throw new UserInputError(
        `the store ${this.path} lacks its append-only trigger(s) ${missing.join(', ')}: it was modified outside ictstat, so its history cannot be trusted; restore it from a backup `,
        { code: 'store-unavailable' },
      );
  }

  close(): void {
    this.db.close();
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set(this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db
        .transaction(() => {
          this.db.exec(m.sql);
          this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
        })
        .immediate();
    }
  }

  schemaVersion(): number {
    return (this.db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
  }

  private prepared(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql).pluck()));
    return s;
  }

  /**
   * The size limit of the database on this connection (SQLite's max_page_count): other connections of the same
   * process (the server's submission worker) take the same, so that a limit set on the store holds for all writes.
   */
  maxPageCount(): number {
    return this.db.pragma('max_page_count', { simple: true }) as number;
  }
  setMaxPageCount(pages: number): void {
    this.db.pragma(`max_page_count = ${Math.floor(pages)}`);
  }

  /** The latest accepted submission id: a version number of the store's content (0 when empty). Asked on every request: one prepared query. */
  version(): number {
    return (this.prepared("SELECT max(id) FROM submissions WHERE status = 'accepted'").get() as number | null) ?? 0;
  }

  /** The latest accepted submission id received on or before `asOf` (see `parseAsOf`); 0 when none. */
  versionAsOf(asOf: string): number {
    const at = parseAsOf(asOf);
    return (this.prepared("SELECT max(id) FROM submissions WHERE status = 'accepted' AND received_at <= ?").get(at) as number | null) ?? 0;
  }

  /**
   * The stored accepted submission with this content hash for this economy (null = multi-economy) whose values
   * are all still current, if any: storing the same content again would change nothing. Content whose values a
   * later submission revised (A, then B, then A again) is not found: storing it again is a new revision.
   */
  findByContent(sha256: string, economy: string | null, opts: { evenIfRevised?: boolean } = {}): SubmissionRecord | undefined {
    const row = this.db
      .prepare(`SELECT * FROM submissions WHERE sha256 = ? AND economy IS ? AND status = 'accepted' ORDER BY id ${opts.evenIfRevised ? 'ASC' : 'DESC'} LIMIT 1`)
      .get(sha256, economy) as SubmissionRow | undefined;
    if (!row || opts.evenIfRevised) return row && toRecord(row);
    // Any later revision of one of its (economy, indicator, year): one primary-key probe per row of the submission.
    const revised = this.db
      .prepare(`SELECT 1 FROM observations p WHERE p.submission_id = ? AND EXISTS (
      SELECT 1 FROM observations o WHERE o.economy = p.economy AND o.indicator = p.indicator AND o.year = p.year AND o.submission_id > p.submission_id) LIMIT 1`)
      .pluck()
      .get(row.id);
    return revised ? undefined : toRecord(row);
  }

  /**
   * Store an accepted submission and its observations in one transaction: either all of it is written or
   * nothing is (a killed process leaves the store as it was). Content already stored for the same economy
   * (same sha256) is not stored again.
   */
  recordSubmission(s: NewSubmission): RecordResult {
    const economies = s.table.getChild('economy'),
      indicators = s.table.getChild('indicator'),
      years = s.table.getChild('year'),
      values = s.table.getChild('value');
    const notes = s.table.getChild('note'),
      sources = s.table.getChild('source'),
      codes = s.table.getChild('series_code'),
      lines = s.table.getChild('line');
    if (!economies || !indicators || !years || !values) throw new Error('recordSubmission: not a canonical observation table');
    const insertObservation = this.db.prepare(
      'INSERT INTO observations (submission_id, economy, indicator, year, value, note, source, series_code, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const run = this.db.transaction((): RecordResult => {
      const prior = this.findByContent(s.sha256, s.economy);
      if (prior) return { submission: prior, duplicate: true };
      const last = this.db.prepare('SELECT max(received_at) FROM submissions').pluck().get() as string | null;
      let receivedAt = (s.receivedAt ?? new Date()).toISOString();
      if (last && receivedAt < last) {
        if (s.receivedAt) throw new Error(`receivedAt ${receivedAt} precedes the latest stored submission (${last})`);
        receivedAt = last; // the clock went back: keep receipt order = id order, which as-of relies on
      }
      const info = this.db
        .prepare(`INSERT INTO submissions (economy, submitted_by, received_at, sha256, status, vintage, source_name, observations, findings)
        VALUES (?, ?, ?, ?, 'accepted', ?, ?, ?, ?)`)
        .run(s.economy, s.submittedBy, receivedAt, s.sha256, s.vintage ?? null, s.sourceName ?? null, s.table.numRows, JSON.stringify(s.findings ?? null));
      const id = Number(info.lastInsertRowid);
      for (let i = 0; i < s.table.numRows; i++) {
        insertObservation.run(
          id,
          economies.get(i),
          indicators.get(i),
          years.get(i),
          values.get(i),
          notes?.get(i) ?? null,
          sources?.get(i) ?? null,
          codes?.get(i) ?? null,
          lines?.get(i) ?? null,
        );
      }
      return { submission: toRecord(this.db.prepare('SELECT * FROM submissions WHERE id = ?').get(id) as SubmissionRow), duplicate: false };
    });
    try {
      return run.immediate();
    } finally {
      recordedHere++;
    }
  }

  /**
   * The current observations (or those as of a version, see `versionAsOf`) as a canonical Arrow table,
   * one row per (economy, indicator, year): the value of the latest accepted submission that has it.
   */
  observationTable(opts: { version?: number; indicators?: readonly string[]; economies?: readonly string[] } = {}): Table {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.version !== undefined) {
      where.push('submission_id <= ?');
      params.push(opts.version);
    }
    if (opts.indicators) {
      where.push(`indicator IN (${opts.indicators.map(() => '?').join(',') || "''"})`);
      params.push(...opts.indicators);
    }
    if (opts.economies) {
      where.push(`economy IN (${opts.economies.map(() => '?').join(',') || "''"})`);
      params.push(...opts.economies);
    }
    // SQLite takes the bare columns of a max() aggregate from the row that has the max: the latest revision.
    const sql = `SELECT economy, indicator, year, max(submission_id) AS submission_id, value, note, source, series_code, line
      FROM observations ${where.length ? 'WHERE ' + where.join(' AND ') : ''} GROUP BY economy, indicator, year ORDER BY economy, indicator, year`;
    const builder = new ObservationBuilder(1024);
    for (const r of this.db
      .prepare(sql)
      .raw()
      .iterate(...params) as IterableIterator<[string, string, number, number, number, string | null, string | null, string | null, number | null]>) {
      builder.append({
        economy: r[0],
        indicator: r[1],
        year: r[2],
        submission_id: String(r[3]),
        value: r[4],
        note: r[5],
        source: r[6],
        series_code: r[7],
        line: r[8] ?? 0,
      });
    }
    return builder.toTable();
  }

  /**
   * The (economy, indicator) series that submissions (after, upTo] wrote, or undefined when there are more
   * than `max` of them (the caller rebuilds instead).
   */
  changedSeries(after: number, upTo: number, max: number): Array<{ economy: string; indicator: string }> | undefined {
    const rows = this.db
      .prepare('SELECT DISTINCT economy, indicator FROM observations WHERE submission_id > ? AND submission_id <= ? LIMIT ?')
      .all(after, upTo, max + 1) as Array<{ economy: string; indicator: string }>;
    return rows.length > max ? undefined : rows;
  }

  /** Accepted submissions with after < id <= upTo, in id order. */
  submissionsBetween(after: number, upTo: number): SubmissionRecord[] {
    return (this.db.prepare('SELECT * FROM submissions WHERE id > ? AND id <= ? ORDER BY id').all(after, upTo) as SubmissionRow[]).map(toRecord);
  }

  /** Record a refused submission (rejected by validation, or forbidden: another economy's rows). Its data is not stored. */
  recordAttempt(a: { economy: string | null; submittedBy: string; sha256: string; bytes: number; outcome: 'rejected' | 'forbidden'; detail: unknown }): number {
    const info = this.db
      .prepare('INSERT INTO submission_attempts (economy, submitted_by, received_at, sha256, bytes, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.economy, a.submittedBy, new Date().toISOString(), a.sha256, a.bytes, a.outcome, JSON.stringify(a.detail ?? null));
    return Number(info.lastInsertRowid);
  }

  /** The latest refused submissions, newest first. */
  attempts(limit = 100): AttemptRecord[] {
    return (
      this.db
        .prepare(
          'SELECT id, economy, submitted_by AS submittedBy, received_at AS receivedAt, sha256, bytes, outcome, detail FROM submission_attempts ORDER BY id DESC LIMIT ?',
        )
        .all(limit) as Array<AttemptRecord & { detail: string }>
    ).map((r) => ({ ...r, detail: JSON.parse(r.detail) }));
  }

  /**
   * Consistency of the store: every submission has exactly the observations it declares, no observation
   * belongs to a missing submission, and SQLite's own integrity check passes. Empty when all is well.
   */
  consistencyProblems(): string[] {
    const problems: string[] = [];
    const ic = this.db.prepare('PRAGMA integrity_check').pluck().all() as string[];
    if (ic.join() !== 'ok') problems.push(`integrity_check: ${ic.slice(0, 5).join('; ')}`);
    for (const r of this.db
      .prepare(`SELECT s.id, s.observations, (SELECT count(*) FROM observations o WHERE o.submission_id = s.id) AS n
      FROM submissions s`)
      .all() as Array<{ id: number; observations: number; n: number }>)
      if (r.n !== r.observations) problems.push(`submission ${r.id} declares ${r.observations} observations and has ${r.n}`);
    const orphans = this.db.prepare('SELECT count(*) FROM observations WHERE submission_id NOT IN (SELECT id FROM submissions)').pluck().get() as number;
    if (orphans) problems.push(`${orphans} observations without a submission`);
    return problems;
  }

  /** A SHA-256 over one submission's observations (`economy|indicator|year|value` lines, sorted): what was stored, whole. */
  submissionDigest(id: number): string {
    const lines = (
      this.db.prepare('SELECT economy, indicator, year, value FROM observations WHERE submission_id = ?').raw().all(id) as Array<
        [string, string, number, number]
      >
    )
      .map((r) => `${r[0]}|${r[1]}|${r[2]}|${r[3]}`)
      .sort();
    return createHash('sha256').update(lines.join('\n')).digest('hex');
  }

  /** Every stored revision of one series, oldest first (for audits and tests). */
  revisions(economy: string, indicator: string, year: number): Array<{ submissionId: number; value: number; receivedAt: string }> {
    return this.db
      .prepare(`SELECT o.submission_id AS submissionId, o.value, s.received_at AS receivedAt FROM observations o
      JOIN submissions s ON s.id = o.submission_id WHERE o.economy = ? AND o.indicator = ? AND o.year = ? ORDER BY o.submission_id`)
      .all(economy, indicator, year) as Array<{ submissionId: number; value: number; receivedAt: string }>;
  }

  submission(id: number): SubmissionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM submissions WHERE id = ?').get(id) as SubmissionRow | undefined;
    return row && toRecord(row);
  }

  firstSubmissionId(): number {
    return (this.db.prepare('SELECT min(id) FROM submissions').pluck().get() as number | null) ?? 0;
  }

  submissions(limit = 100): SubmissionRecord[] {
    return (this.db.prepare('SELECT * FROM submissions ORDER BY id DESC LIMIT ?').all(limit) as SubmissionRow[]).map(toRecord);
  }

  status(): StoreStatus {
    const one = (sql: string): number => (this.db.prepare(sql).pluck().get() as number | null) ?? 0;
    const latest = this.db.prepare('SELECT * FROM submissions ORDER BY id DESC LIMIT 1').get() as SubmissionRow | undefined;
    return {
      path: this.path,
      schemaVersion: this.schemaVersion(),
      submissions: one('SELECT count(*) FROM submissions'),
      observationRows: one('SELECT count(*) FROM observations'),
      currentObservations: one('SELECT count(*) FROM (SELECT 1 FROM observations GROUP BY economy, indicator, year)'),
      economies: one('SELECT count(DISTINCT economy) FROM observations'),
      indicators: one('SELECT count(DISTINCT indicator) FROM observations'),
      latest: latest ? toRecord(latest) : null,
      activeTokens: one('SELECT count(*) FROM tokens WHERE revoked_at IS NULL'),
      refusedSubmissions: one('SELECT count(*) FROM submission_attempts'),
    };
  }

  /** Row counts and a SHA-256 over every row of every table: equal before and after means nothing changed. */
  checksum(): { rows: Record<string, number>; sha256: string } {
    const h = createHash('sha256');
    const rows: Record<string, number> = {};
    for (const t of ['submissions', 'observations', 'tokens', 'schema_migrations']) {
      let n = 0;
      for (const r of this.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).raw().iterate() as IterableIterator<unknown[]>) {
        h.update(JSON.stringify(r));
        n++;
      }
      rows[t] = n;
      h.update(`|${t}:${n}|`);
    }
    return { rows, sha256: h.digest('hex') };
  }

  // ---- tokens: only a SHA-256 of each token is stored; the token itself is shown once, at creation.

  createToken(economy: string, label?: string): { id: number; token: string } {
    const token = 'ict_' + randomBytes(32).toString('base64url');
    const info = this.db
      .prepare('INSERT INTO tokens (token_sha256, economy, label, created_at) VALUES (?, ?, ?, ?)')
      .run(tokenHash(token), economy, label ?? null, new Date().toISOString());
    return { id: Number(info.lastInsertRowid), token };
  }

  /** The active token with this secret, or undefined (unknown or revoked). */
  verifyToken(token: string): TokenRecord | undefined {
    if (!/^ict_[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const hash = tokenHash(token);
    const row = this.db
      .prepare('SELECT id, economy, label, created_at AS createdAt, revoked_at AS revokedAt, token_sha256 FROM tokens WHERE token_sha256 = ?')
      .get(hash) as (TokenRecord & { token_sha256: string }) | undefined;
    if (!row || row.revokedAt) return undefined;
    // The lookup is by hash already; the constant-time compare keeps it honest should the lookup change.
    if (!timingSafeEqual(Buffer.from(row.token_sha256, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    const { token_sha256: _, ...rec } = row;
    void _;
    return rec;
  }

  /** Revoke by id; false when no active token has that id. */
  revokeToken(id: number): boolean {
    return this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
  }

  tokens(): TokenRecord[] {
    return this.db.prepare('SELECT id, economy, label, created_at AS createdAt, revoked_at AS revokedAt FROM tokens ORDER BY id').all() as TokenRecord[];
  }
}

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

interface SubmissionRow {
  id: number;
  economy: string | null;
  submitted_by: string;
  received_at: string;
  sha256: string;
  status: 'accepted';
  vintage: string | null;
  source_name: string | null;
  observations: number;
  findings: string;
}

function toRecord(r: SubmissionRow): SubmissionRecord {
  return {
    id: r.id,
    economy: r.economy,
    submittedBy: r.submitted_by,
    receivedAt: r.received_at,
    sha256: r.sha256,
    status: r.status,
    vintage: r.vintage,
    sourceName: r.source_name,
    observations: r.observations,
    findings: JSON.parse(r.findings),
  };
}

/**
 * A store's observations (the named store only: the caller chose it), current or as of a date. A missing or
 * empty store is an error that says how to fill it, not a silent switch to other data.
 */
export function readStoreObservations(opts: { path: string; asOf?: string; indicators?: readonly string[] }): Table {
  const path = opts.path;
  if (!existsSync(path))
    throw new UserInputError(`there is no store at ${path}: run \`ictstat db load --store ${path}\` first, or read the bundled data (no --store)`, {
      code: 'no-store',
      value: path,
    });
  const store = Store.open(path);
  try {
    const current = store.version();
    if (current === 0 && !opts.asOf)
      throw new UserInputError(`the store ${path} is empty: run \`ictstat db load --store ${path}\` first`, { code: 'empty-store', value: path });
    let version = current;
    if (opts.asOf) {
      version = store.versionAsOf(opts.asOf);
      if (version === 0) {
        const first = store.submission(store.firstSubmissionId());
        throw new UserInputError(
          `nothing was in the store as of ${opts.asOf}` + (first ? `: the first submission was received ${first.receivedAt}` : ': it is empty'),
          { code: 'no-data-as-of', field: 'asOf', value: opts.asOf },
        );
      }
    }
    return store.observationTable({ version, indicators: opts.indicators });
  } finally {
    store.close();
  }
}

// Every method: an SQLite fault of the environment becomes the user's error naming the store (exit 2, 503).
for (const name of Object.getOwnPropertyNames(Store.prototype)) {
  const d = Object.getOwnPropertyDescriptor(Store.prototype, name)!;
  if (name === 'constructor' || typeof d.value !== 'function') continue;
  const f = d.value as (...args: unknown[]) => unknown;
  Object.defineProperty(Store.prototype, name, {
    ...d,
    value: function (this: Store, ...args: unknown[]) {
      try {
        return f.apply(this, args);
      } catch (e) {
        throw storeFault(e, this.path) ?? e;
      }
    },
  });
}
