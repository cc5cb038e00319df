/**
 * Issue 13, finding 11: environment faults are the user's to fix, not bugs. A store that is not a database, is
 * corrupt, full, read-only, of a future schema version, or has lost its append-only triggers gives exit 2 (CLI) or
 * 503 (API) naming the file and what to do; never exit 70, never "internal error", never "cannot listen".
 */
import Database from 'better-sqlite3';
import { closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store, storeFault } from '../../src/store/store.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import { UserInputError } from '../../src/util/errors.js';
import { ictstat } from '../cli/helpers.js';
import { tempDir } from '../ingest/helpers.js';
import { startServer } from '../api/helpers.js';

const tmp = tempDir('ictstat-faults-');
afterAll(() => tmp.cleanup());

function goodStore(name: string): string {
  const path = join(tmp.dir, name);
  const s = Store.open(path);
  const b = new ObservationBuilder();
  for (let y = 2000; y < 2020; y++) b.append({ economy: 'KEN', indicator: 'internet_users_pct', year: y, value: y - 1999, note: 'x'.repeat(500) });
  s.recordSubmission({ economy: null, submittedBy: 'test', sha256: 'seed', findings: null, table: b.toTable() });
  s.close();
  return path;
}

function expectEnvironmentFault(r: { code: number; stderr: string }, file: string, what: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(file);
  expect(r.stderr).toMatch(what);
  expect(r.stderr).not.toMatch(/internal error|cannot listen|\n\s+at /);
}

describe('store faults at open (issue 13)', () => {
  it('a file that is not a database: exit 2 naming it (series, db status, serve)', () => {
    const f = tmp.file('notadb.db', 'this is not a database, just text\n'.repeat(200));
    for (const args of [
      ['series', '--store', f, '--economy', 'KEN', '--indicator', 'internet_users_pct'],
      ['db', 'status', '--store', f],
      ['serve', '--store', f, '--port', '0'],
    ])
      expectEnvironmentFault(ictstat(args), f, /not an ictstat store|not a database/);
  }, 60_000);

  it('a corrupt database: exit 2 naming it, with what to do', () => {
    const f = goodStore('corrupt.db');
    const fd = openSync(f, 'r+');
    const junk = Buffer.alloc(4096 * 3, 0xa5);
    writeSync(fd, junk, 0, junk.length, 4096);
    closeSync(fd);
    expect(statSync(f).size).toBeGreaterThan(8192);
    for (const args of [
      ['series', '--store', f, '--economy', 'KEN', '--indicator', 'internet_users_pct'],
      ['serve', '--store', f, '--port', '0'],
    ])
      expectEnvironmentFault(ictstat(args), f, /corrupt|malformed|not a database/);
  }, 60_000);

  it('a store of a future schema version refuses to open', () => {
    const f = goodStore('future.db');
    const db = new Database(f);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, ?)').run('from the future', new Date().toISOString());
    db.close();
    expect(() => Store.open(f)).toThrow(UserInputError);
    expect(() => Store.open(f)).toThrow(/schema version 99.*newer/);
    expectEnvironmentFault(ictstat(['db', 'status', '--store', f]), f, /newer/);
  }, 60_000);

  it('a store whose append-only triggers were dropped refuses to open', () => {
    const f = goodStore('triggers.db');
    const db = new Database(f);
    db.exec('DROP TRIGGER observations_append_only_update');
    db.close();
    expect(() => Store.open(f)).toThrow(/append-only trigger.*observations_append_only_update/);
    expectEnvironmentFault(ictstat(['db', 'status', '--store', f]), f, /append-only/);
  }, 60_000);
});

describe('store faults at work (issue 13)', () => {
  it('disk full while storing: a UserInputError naming the store (exit 2 for the CLI), the store unchanged', () => {
    const f = goodStore('full.db');
    const s = Store.open(f);
    const before = s.version();
    (s as unknown as { db: Database.Database }).db.pragma(
      `max_page_count = ${(s as unknown as { db: Database.Database }).db.pragma('page_count', { simple: true })}`,
    );
    const b = new ObservationBuilder();
    for (let i = 0; i < 5000; i++)
      b.append({ economy: 'GHA', indicator: 'internet_users_pct', year: 1960 + (i % 60), value: i, note: `n${i}`.padEnd(300, 'y') });
    let err: unknown;
    try {
      s.recordSubmission({ economy: null, submittedBy: 'test', sha256: 'big', findings: null, table: b.toTable() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserInputError);
    expect((err as UserInputError).message).toContain(f);
    expect((err as UserInputError).message).toMatch(/full/);
    expect((err as UserInputError).code).toBe('store-unavailable');
    expect(s.version()).toBe(before);
    s.close();
  });

  it('read-only and I/O faults are named too (the classification of SQLite codes)', () => {
    for (const [code, what] of [
      ['SQLITE_READONLY', /read-only/],
      ['SQLITE_IOERR_WRITE', /input\/output/],
      ['SQLITE_CANTOPEN', /cannot open/],
      ['SQLITE_FULL', /full/],
      ['SQLITE_CORRUPT', /corrupt/],
      ['SQLITE_NOTADB', /not a database/],
    ] as const) {
      const e = storeFault(Object.assign(new Error('x'), { code }), '/data/s.db');
      expect(e, code).toBeInstanceOf(UserInputError);
      expect(e!.message).toContain('/data/s.db');
      expect(e!.message).toMatch(what);
    }
    expect(storeFault(new Error('a bug'), '/data/s.db')).toBeUndefined();
  });

  it('the API answers 503 naming no path when the store is full, and keeps serving reads', async () => {
    let token = '';
    const s = await startServer((store) => {
      token = store.createToken('KEN').token;
    });
    try {
      const db = (s.store as unknown as { db: Database.Database }).db;
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
      const body =
        'economy,indicator,year,value,note\n' +
        Array.from({ length: 3000 }, (_, i) => `KEN,i99H,${1960 + (i % 60)},${i % 100},${'n'.repeat(400)}${i}`)
          .filter((_, i) => i < 60)
          .join('\n') +
        '\n';
      const r = await s.app.inject({
        url: '/v2/submissions',
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        payload: body.repeat(1),
      });
      expect(r.statusCode, r.body).toBe(503);
      expect(r.body).not.toMatch(/\/tmp\/|sqlite/i);
      expect(JSON.parse(r.body)[0].message[0].key).toBeTruthy();
      expect((await s.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await s.close();
    }
  });
});

void writeFileSync;
