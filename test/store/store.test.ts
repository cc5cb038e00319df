import { MIGRATIONS } from '../../src/store/migrations.js';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store, parseAsOf, readStoreObservations } from '../../src/store/store.js';
import type { UserInputError } from '../../src/util/errors.js';
import { bundledContentHash, loadBundledIntoStore, submitFile } from '../../src/store/submit.js';
import { ObservationBuilder, observationRows } from '../../src/table/observations.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ictstat-store-'));
  store = Store.open(join(dir, 'test.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const csv = (name: string, rows: string[]): string => {
  const f = join(dir, name);
  writeFileSync(f, ['economy,indicator,year,value', ...rows].join('\n') + '\n');
  return f;
};
const value = (table: ReturnType<Store['observationTable']>, economy: string, indicator: string, year: number): number | undefined =>
  observationRows(table).find((r) => r.economy === economy && r.indicator === indicator && r.year === year)?.value;

describe('store', () => {
  it('migrates once, in WAL mode, and records the schema version', () => {
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    store.close();
    store = Store.open(join(dir, 'test.db')); // reopening applies nothing twice
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    expect(store.checksum().rows.schema_migrations).toBe(MIGRATIONS.length);
  });

  it('keeps every revision; the current value is the latest, as-of reproduces the earlier one', async () => {
    const r1 = await submitFile(store, csv('v1.csv', ['KEN,internet_users_pct,2022,30', 'KEN,internet_users_pct,2021,28']), {
      economy: 'KEN',
      submittedBy: 'test',
      receivedAt: new Date('2024-01-10T09:00:00Z'),
    });
    expect(r1.outcome).toBe('accepted');
    const r2 = await submitFile(store, csv('v2.csv', ['KEN,internet_users_pct,2022,32.5']), {
      economy: 'KEN',
      submittedBy: 'test',
      receivedAt: new Date('2024-03-01T09:00:00Z'),
    });
    expect(r2.outcome).toBe('accepted');
    expect(store.revisions('KEN', 'internet_users_pct', 2022).map((r) => r.value)).toEqual([30, 32.5]);

    const current = store.observationTable();
    expect(current.numRows).toBe(2);
    expect(value(current, 'KEN', 'internet_users_pct', 2022)).toBe(32.5);
    expect(value(current, 'KEN', 'internet_users_pct', 2021)).toBe(28); // not revised: still there

    const before = store.observationTable({ version: store.versionAsOf('2024-02-01') });
    expect(value(before, 'KEN', 'internet_users_pct', 2022)).toBe(30);
    expect(store.versionAsOf('2024-03-01')).toBe(r2.submission!.id); // the whole day counts
    expect(store.versionAsOf('2024-03-01T08:59:59Z')).toBe(r1.submission!.id);
    expect(store.versionAsOf('2023-12-31')).toBe(0);
  });

  it('a rejected submission changes nothing: same row counts, same checksum', async () => {
    await submitFile(store, csv('ok.csv', ['KEN,internet_users_pct,2022,30']), { economy: 'KEN', submittedBy: 'test' });
    const before = store.checksum();
    // One good row and one out of range: strict validation rejects the whole submission.
    const r = await submitFile(store, csv('bad.csv', ['KEN,internet_users_pct,2023,31', 'KEN,internet_users_pct,2024,250']), {
      economy: 'KEN',
      submittedBy: 'test',
    });
    expect(r.outcome).toBe('rejected');
    expect((r.report.findings as Array<{ rule: string; line: number }>).some((f) => f.rule === 'out-of-range' && f.line === 3)).toBe(true);
    expect(store.checksum()).toEqual(before);
    expect(before.rows.observations).toBe(1);
  });

  it("a file with another economy's rows is forbidden for a scoped submitter and stores nothing", async () => {
    const before = store.checksum();
    const r = await submitFile(store, csv('mixed.csv', ['KEN,internet_users_pct,2022,30', 'UGA,internet_users_pct,2022,20']), {
      economy: 'KEN',
      submittedBy: 'test',
    });
    expect(r.outcome).toBe('forbidden');
    expect(r.otherEconomies).toEqual(['UGA']);
    expect(store.checksum()).toEqual(before);
  });

  it('the same content submitted twice is one revision', async () => {
    const f = csv('same.csv', ['KEN,internet_users_pct,2022,30']);
    const a = await submitFile(store, f, { economy: 'KEN', submittedBy: 'test' });
    const b = await submitFile(store, f, { economy: 'KEN', submittedBy: 'test' });
    expect([a.outcome, b.outcome]).toEqual(['accepted', 'duplicate']);
    expect(b.submission!.id).toBe(a.submission!.id);
    expect(store.status().submissions).toBe(1);
  });

  it('observations are append-only, and a failed write leaves no partial submission', () => {
    const b = new ObservationBuilder();
    b.append({ economy: 'KEN', indicator: 'internet_users_pct', year: 2022, value: 30 });
    b.append({ economy: 'KEN', indicator: 'internet_users_pct', year: 2022, value: 31 }); // same key twice: the insert fails half-way
    const before = store.checksum();
    expect(() => store.recordSubmission({ economy: 'KEN', submittedBy: 't', sha256: 'x', findings: null, table: b.toTable() })).toThrow(/UNIQUE/);
    expect(store.checksum()).toEqual(before);
  });

  it('loads the bundled datasets idempotently (same content hash: no new revision)', async () => {
    const ds = join(dir, 'datasets');
    mkdirSync(join(ds, 'wdi'), { recursive: true });
    writeFileSync(join(ds, 'wdi', 'population.csv'), 'economy,indicator,year,value,note,source,series_code\nKEN,population,2022,54000000,,WDI,SP.POP.TOTL\n');
    const manifest = { precedence: ['wdi'], files: [{ path: 'wdi/population.csv', source: 'wdi', indicator: 'population', rows: 1, sha256: 'a1' }] };
    writeFileSync(join(ds, 'manifest.json'), JSON.stringify(manifest));
    const first = await loadBundledIntoStore(store, { dir: ds });
    const again = await loadBundledIntoStore(store, { dir: ds });
    expect([first.duplicate, again.duplicate]).toEqual([false, true]);
    expect(again.submission.id).toBe(first.submission.id);
    expect(store.status()).toMatchObject({ submissions: 1, observationRows: 1 });
    // A new release (a file's hash changes) is a new vintage.
    writeFileSync(join(ds, 'manifest.json'), JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], sha256: 'b2' }] }));
    expect(bundledContentHash(ds)).not.toBe(first.sha256);
    expect((await loadBundledIntoStore(store, { dir: ds })).duplicate).toBe(false);
  });

  it('tokens: only a hash is stored; unknown, malformed and revoked tokens do not verify', () => {
    const { id, token } = store.createToken('KEN', 'test');
    expect(token).toMatch(/^ict_[A-Za-z0-9_-]{43}$/);
    expect(store.verifyToken(token)).toMatchObject({ id, economy: 'KEN' });
    expect(JSON.stringify(store.checksum())).not.toContain(token);
    expect(store.verifyToken(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(store.verifyToken('nonsense')).toBeUndefined();
    expect(store.revokeToken(id)).toBe(true);
    expect(store.verifyToken(token)).toBeUndefined();
    expect(store.revokeToken(id)).toBe(false);
  });

  it('as-of dates are validated', () => {
    expect(parseAsOf('2024-02-29')).toBe('2024-02-29T23:59:59.999Z');
    for (const bad of ['2023-02-29', '2024-13-01', 'yesterday', '2024-01-01 12:00', '']) expect(() => parseAsOf(bad)).toThrow(/asOf must be a date/);
    // A structured error: each surface names the option its own way (--as-of on the command line, asof in the API).
    let err: unknown;
    try {
      parseAsOf('yesterday');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'invalid-option', field: 'asOf', value: 'yesterday' });
    expect((err as UserInputError).describe((f) => (f === 'asOf' ? '--as-of' : f))).toBe(
      '--as-of must be a date YYYY-MM-DD or a date-time such as 2024-05-01T12:00:00Z, not "yesterday"',
    );
  });

  it('readStoreObservations reads the named store only: a missing one is an error saying how to fill it (never a silent switch to the bundled data)', () => {
    expect(() => readStoreObservations({ path: join(dir, 'none.db') })).toThrow(/there is no store at .*none\.db: run `ictstat db load --store/);
    expect(() => readStoreObservations({ path: join(dir, 'none.db'), asOf: '2024-01-01' })).toThrow(/db load/);
    expect(() => readStoreObservations({ path: join(dir, 'test.db'), asOf: '2024-01-01' })).toThrow(/nothing was in the store/);
  });
});
