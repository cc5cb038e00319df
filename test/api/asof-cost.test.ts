/**
 * Issue 13, finding 3: anonymous clients rotating `asof` over many versions must not force a full rebuild per
 * request. The work counted is the cache's full builds (`stats.builds`): an as-of index is the nearest cached
 * index moved by the series that changed between the two versions (forwards or backwards), the cache is an LRU
 * bounded by bytes, identical concurrent requests share one computation, and one client has a bounded number of
 * as-of computations in flight. Every moved index must equal a fresh build of its version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObservationCache, buildIndex, derivedTables, type ObservationIndex } from '../../src/api/data.js';
import { Store } from '../../src/store/store.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import { startServer, type TestServer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ictstat-asof-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ECONOMIES = ['KEN', 'GHA', 'FRA', 'BRA', 'IND', 'CHN', 'USA', 'DEU', 'NGA', 'ZAF'];
const day = (k: number): Date => new Date(Date.UTC(2020, 0, 1 + k, 12));

/** Version 1: a base (several indicators, derived inputs included); versions 2..11: one economy's series each. */
function seed(store: Store): void {
  const b = new ObservationBuilder();
  for (const e of ECONOMIES)
    for (let y = 2010; y <= 2022; y++) {
      b.append({ economy: e, indicator: 'internet_users_pct', year: y, value: 10 + y - 2010 });
      b.append({ economy: e, indicator: 'mobile_cell_subs', year: y, value: 1e6 * (y - 2000) });
      b.append({ economy: e, indicator: 'population', year: y, value: 5e7 });
    }
  store.recordSubmission({ economy: null, submittedBy: 'seed', sha256: 'base', findings: null, table: b.toTable(), receivedAt: day(0) });
  for (let k = 1; k <= 10; k++) {
    const c = new ObservationBuilder();
    for (let y = 2015; y <= 2022; y++) c.append({ economy: ECONOMIES[k - 1], indicator: 'internet_users_pct', year: y, value: 50 + k });
    c.append({ economy: ECONOMIES[k % 10], indicator: 'mobile_cell_subs', year: 2022, value: 7e6 + k });
    store.recordSubmission({ economy: null, submittedBy: 'seed', sha256: `v${k}`, findings: null, table: c.toTable(), receivedAt: day(k) });
  }
}

function dump(idx: ObservationIndex): unknown {
  const series: unknown[] = [];
  for (const id of [...idx.rows.keys()].sort())
    for (const e of [...idx.rows.get(id)!.keys()].sort())
      series.push([
        id,
        e,
        idx.rows
          .get(id)!
          .get(e)!
          .map((r) => [idx.year[r], idx.value[r], idx.note[r], idx.source[r], idx.derivedFrom[r], idx.submission[r]]),
      ]);
  return { version: idx.version, series, vintages: [...idx.vintages.entries()].sort((a, b) => a[0] - b[0]), lastUpdated: idx.lastUpdated };
}
const fresh = (store: Store, version: number): ObservationIndex => {
  const t = store.observationTable({ version });
  return buildIndex(t, derivedTables(t), version, store);
};

let store: Store;
beforeAll(() => {
  store = Store.open(join(dir, 'asof.db'));
  seed(store);
});
afterAll(() => store.close());

describe('as-of indexes cost a delta, not a rebuild (issue 13)', () => {
  it('rotating over 11 versions, newest first then oldest first, 5 rounds: one full build in all, each index equal to a fresh build', async () => {
    const cache = new ObservationCache(store);
    await cache.indexAsync(); // the head (what the server builds at start)
    expect(cache.stats.builds).toBe(1);
    const order = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 11];
    for (let round = 0; round < 5; round++) for (const v of round % 2 ? [...order].reverse() : order) await cache.indexAsync(v);
    expect(cache.stats.builds).toBe(1);
    for (const v of order) expect(dump(await cache.indexAsync(v))).toEqual(dump(fresh(store, v)));
  });

  it('the cache is bounded by bytes (LRU): with room for a few versions only, it evicts, stays under its budget, and answers stay right', async () => {
    const probe = new ObservationCache(store);
    const one = (await probe.indexAsync()).bytes;
    expect(one).toBeGreaterThan(0);
    const cache = new ObservationCache(store, { maxBytes: one * 2.5 });
    await cache.indexAsync();
    for (let round = 0; round < 3; round++)
      for (let v = 1; v <= 11; v++) {
        const idx = await cache.indexAsync(v);
        expect(cache.bytes).toBeLessThanOrEqual(one * 2.5 + idx.bytes);
      }
    expect(cache.size).toBeLessThan(11);
    for (const v of [1, 6, 11]) expect(dump(await cache.indexAsync(v))).toEqual(dump(fresh(store, v)));
  });

  it('20 concurrent requests for one uncached version share one computation', async () => {
    const cache = new ObservationCache(store, { maxIncrementalSeries: 0 }); // every index a full build
    await cache.indexAsync();
    const before = cache.stats.builds;
    const all = await Promise.all(Array.from({ length: 20 }, () => cache.indexAsync(3)));
    expect(cache.stats.builds - before).toBe(1);
    expect(new Set(all).size).toBe(1);
  });
});

describe('over HTTP: asof rotation by anonymous clients (issue 13)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(seed);
  });
  afterAll(() => s.close());

  it('200 requests rotating asof over 11 dates: no full build beyond the start, the values of each date', async () => {
    const builds = s.app.ictstatCache.stats.builds;
    for (let i = 0; i < 200; i++) {
      const k = (i * 7) % 11;
      const r = await s.app.inject({
        url: `/v2/country/KEN/indicator/internet_users_pct?date=2020&format=json&asof=${day(k).toISOString().slice(0, 10)}`,
        remoteAddress: `10.0.0.${i % 20}`,
      });
      expect(r.statusCode, r.body).toBe(200);
      expect(JSON.parse(r.body)[1][0].value).toBe(k >= 1 ? 51 : 20);
    }
    expect(s.app.ictstatCache.stats.builds).toBe(builds);
  });
});

describe('as-of computations per client are limited (issue 13)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(seed, { cache: { maxIncrementalSeries: 0 } });
  });
  afterAll(() => s.close());

  it('one address asking 6 uncached versions at once: 2 computed, the rest 429 with Retry-After; another address is served', async () => {
    const ask = (k: number, ip: string) =>
      s.app.inject({ url: `/v2/country/KEN/indicator/internet_users_pct?date=2020&format=json&asof=${day(k).toISOString().slice(0, 10)}`, remoteAddress: ip });
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((k) => ask(k, '10.9.9.9')));
    const codes = answers.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 200, 429, 429, 429, 429]);
    expect(Number(answers.find((r) => r.statusCode === 429)!.headers['retry-after'])).toBeGreaterThan(0);
    expect((await ask(7, '10.9.9.10')).statusCode).toBe(200);
  });
});

describe('versions that were only ever current are dropped when a newer one is current', () => {
  it('20 submissions read as current keep one index (not 20, up to the budget); a version asked by version or date is kept', () => {
    const s = Store.open(join(dir, 'superseded.db'));
    try {
      seed(s);
      const cache = new ObservationCache(s);
      const submit = (k: number) => {
        const b = new ObservationBuilder();
        b.append({ economy: 'KEN', indicator: 'internet_users_pct', year: 2022, value: 60 + k });
        s.recordSubmission({ economy: null, submittedBy: 'test', sha256: `s${k}`, findings: null, table: b.toTable() });
      };
      expect(cache.index().version).toBe(11);
      for (let k = 1; k <= 20; k++) {
        submit(k);
        expect(cache.index().version).toBe(11 + k);
        if (k === 5) expect(cache.index(16).version).toBe(16); // asked for by version (as as-of does): kept
      }
      expect(cache.size).toBe(2); // the current version (31) and 16
      expect(cache.superseded).toBe(19);
      expect(cache.stats.builds).toBe(1); // every version moved from the one before, none built again
      expect(dump(cache.index(16))).toEqual(dump(fresh(s, 16)));
      expect(dump(cache.index())).toEqual(dump(fresh(s, 31)));
    } finally {
      s.close();
    }
  });
});
