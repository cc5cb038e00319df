/**
 * The server's observation index is applied incrementally after each submission; it must equal a fresh
 * build of the same store version (every series, every row field, vintages, lastupdated, the table), and
 * the answers of a server that applied submissions must equal those of a server started afresh.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ObservationCache,
  advanceIndex,
  advanceIndexAsync,
  applyDelta,
  buildIndex,
  derivedTables,
  readDelta,
  type ObservationIndex,
} from '../../src/api/data.js';
import { buildServer } from '../../src/api/server.js';
import { Store } from '../../src/store/store.js';
import { loadBundledIntoStore } from '../../src/store/submit.js';
import { ObservationBuilder, observationRows } from '../../src/table/observations.js';
import { mulberry32 } from '../../src/util/random.js';
import type { Table } from 'apache-arrow';
import { computeIndex } from '../../src/idi/compute.js';
import { loadMethodology } from '../../src/idi/methodology.js';

const dir = mkdtempSync(join(tmpdir(), 'ictstat-incremental-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything an answer can depend on, in a canonical order. */
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
          .map((r) => [idx.economy[r], idx.indicator[r], idx.year[r], idx.value[r], idx.note[r], idx.source[r], idx.derivedFrom[r], idx.submission[r]]),
      ]);
  return { version: idx.version, series, vintages: [...idx.vintages.entries()].sort((a, b) => a[0] - b[0]), lastUpdated: idx.lastUpdated };
}
/** The rows of a table as sorted tuples of the fields the index keeps (optionally only some indicators). */
const canonical = (t: Table, indicators?: string[]): string[] =>
  observationRows(t)
    .filter((r) => !indicators || indicators.includes(r.indicator))
    .map((r) => JSON.stringify([r.economy, r.indicator, r.year, r.value, r.note ?? null, r.source ?? null, r.derived_from ?? null, r.submission_id ?? null]))
    .sort();
const fresh = (store: Store, version = store.version()): ObservationIndex => {
  const t = store.observationTable({ version });
  return buildIndex(t, derivedTables(t), version, store);
};

// Indicators chosen so that submissions touch derived series (fixed_bb_p100, intl_bw_per_user, ...) through their inputs.
const INDICATORS = [
  'population',
  'fixed_bb_subs',
  'fixed_bb_p100',
  'internet_users_pct',
  'intl_bw_bps',
  'mobile_cell_subs',
  'mobile_cell_p100',
  'hh_internet_pct',
];
const ECONOMIES = ['KEN', 'UGA', 'TZA', 'RWA', 'FRA', 'BRA'];

describe('incremental index = fresh build', () => {
  it('after each of 40 seeded random submissions (single and multi-economy, revisions, derived inputs); compaction too', async () => {
    const store = Store.open(join(dir, 'random.db'));
    const rnd = mulberry32(8);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
    const valueFor = (ind: string): number =>
      ind === 'population'
        ? 1e6 + Math.round(rnd() * 1e8)
        : ind.endsWith('_subs') || ind === 'intl_bw_bps'
          ? Math.round(rnd() * 1e7)
          : Math.round(rnd() * 10000) / 100;
    const submit = (k: number): void => {
      const b = new ObservationBuilder();
      const single = rnd() < 0.6 ? pick(ECONOMIES) : undefined;
      const seen = new Set<string>();
      for (let i = 0, n = 1 + Math.floor(rnd() * 25); i < n; i++) {
        const economy = single ?? pick(ECONOMIES),
          indicator = pick(INDICATORS),
          year = 2010 + Math.floor(rnd() * 12);
        const key = `${economy}|${indicator}|${year}`;
        if (seen.has(key)) continue;
        seen.add(key);
        b.append({ economy, indicator, year, value: valueFor(indicator), source: rnd() < 0.5 ? `src${k}` : null, note: rnd() < 0.2 ? `note ${k}` : null });
      }
      store.recordSubmission({
        economy: single ?? null,
        submittedBy: 'test',
        sha256: `s${k}`,
        vintage: rnd() < 0.5 ? `v${k}` : null,
        findings: null,
        table: b.toTable(),
      });
    };
    for (let k = 0; k < 5; k++) submit(k);
    const cache = new ObservationCache(store);
    cache.index();
    for (let k = 5; k < 45; k++) {
      submit(k);
      const idx = cache.index();
      expect(dump(idx), `after submission ${k}`).toEqual(dump(fresh(store)));
      if (k % 10 === 0) {
        const compacted = advanceIndex(fresh(store, store.version() - 1), store.version(), store, { compactAt: 0 })!;
        expect(dump(compacted)).toEqual(dump(fresh(store)));
        // Moved a turn of the event loop per economy re-read (one turn between two economies), forward and back:
        // the same index as a fresh build.
        const [lo, hi] = [store.version() - 8, store.version()];
        const economies = new Set(store.changedSeries(lo, hi, 10_000)!.map((c) => c.economy)).size;
        expect(economies).toBeGreaterThan(1);
        for (const [from, to] of [
          [lo, hi],
          [hi, lo],
        ]) {
          let turns = 0;
          const moved = await advanceIndexAsync(fresh(store, from), to, store, { turn: async () => void turns++ });
          expect(dump(moved!)).toEqual(dump(fresh(store, to)));
          expect(turns).toBe(economies - 1);
          // The same delta read elsewhere (the data worker's: it crosses the thread boundary as a structured clone)
          // and applied here; not applied to an index of another version.
          const d = structuredClone(readDelta(from, to, store)!);
          expect(d.economies.length).toBe(economies);
          expect(dump(applyDelta(fresh(store, from), d, store)!)).toEqual(dump(fresh(store, to)));
          expect(applyDelta(fresh(store, to), d, store)).toBeUndefined();
        }
      }
    }
    expect(cache.stats).toMatchObject({ builds: 1, updates: 40, workerBuilds: 0 }); // no builder: built on this thread
    // The lazily read table is the store's table of that version.
    expect(observationRows(cache.index().table)).toEqual(observationRows(store.observationTable({ version: store.version() })));
    // A table of some indicators built from the index in memory holds the store's rows of those indicators (no derived row).
    const some = ['fixed_bb_subs', 'fixed_bb_p100', 'population'];
    expect(canonical(cache.index().tableOf(some))).toEqual(canonical(store.observationTable({ version: store.version() }), some));
    // An as-of version older than the head is built afresh and is right too.
    expect(dump(cache.index(10))).toEqual(dump(fresh(store, 10)));
    store.close();
  });
});

describe('a server that applied submissions answers as one started afresh (bundled data)', () => {
  let store: Store;
  beforeAll(async () => {
    store = Store.open(join(dir, 'bundled.db'));
    await loadBundledIntoStore(store);
  });
  afterAll(() => store.close());

  it("POSTs apply incrementally, without a rebuild; series, SDMX and IDI answers equal a fresh server's", async () => {
    const ken = store.createToken('KEN', 'test').token,
      fra = store.createToken('FRA', 'test').token;
    const app = await buildServer({ store, logger: false, cache: { computedRefreshMs: 0 } });
    await app.ready();
    const bodies: Array<[string, string]> = [
      [ken, 'economy,indicator,year,value\nKEN,population,2016,48000000\nKEN,fixed_bb_subs,2016,250000\nKEN,i99H,2016,17.5\n'],
      [fra, 'economy,indicator,year,value\nFRA,intl_bw_bps,2016,15000000000000\nFRA,internet_users_pct,2016,80\n'],
      [ken, 'economy,indicator,year,value\nKEN,fixed_bb_subs,2016,260000\nKEN,fixed_bb_subs,2024,900000\n'],
    ];
    for (const [token, body] of bodies) {
      const res = await app.inject({
        method: 'POST',
        url: '/v2/submissions',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        payload: body,
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    // Work counted, not time: the start's full build ran in the server's worker, and the three submissions were
    // applied incrementally (no full build at all on the event loop).
    expect(app.ictstatCache.stats).toMatchObject({ builds: 0, workerBuilds: 1, updates: 3 });
    expect(dump(app.ictstatCache.index())).toEqual(dump(fresh(store)));

    const other = await buildServer({ store, logger: false, cache: { computedRefreshMs: 0 } });
    await other.ready();
    const urls = [
      '/v2/country/all/indicator/fixed_bb_p100?per_page=10000&format=json',
      '/v2/country/KEN;FRA/indicator/intl_bw_per_user;population;i99H?per_page=10000',
      '/v2/country/all/indicator/internet_users_pct?mrv=1&per_page=500&format=csv',
      '/v2/country/KEN/indicator/fixed_bb_p100;fixed_bb_subs',
      '/v2/idi/idi-2017/2016',
      '/v2/prices/fixed-broadband-5gb/2022',
    ];
    for (const url of urls) {
      const a = await app.inject({ url }),
        b = await other.inject({ url });
      expect(a.statusCode, url).toBe(200);
      expect(a.body, url).toBe(b.body);
    }
    // The IDI answered from the in-memory index's table equals the IDI over the store's whole table.
    const direct = computeIndex({ methodology: loadMethodology('idi-2017'), year: 2016, table: store.observationTable({ version: store.version() }) });
    expect(JSON.parse((await app.inject({ url: '/v2/idi/idi-2017/2016' })).body)).toEqual(
      JSON.parse(JSON.stringify({ ...direct, methodology: { ...direct.methodology, file: 'idi-2017.json' } })),
    );
    const sdmx = { accept: 'application/vnd.sdmx.data+csv;version=2.0.0' };
    expect((await app.inject({ url: '/v2/country/KEN/indicator/fixed_bb_p100', headers: sdmx })).body).toBe(
      (await other.inject({ url: '/v2/country/KEN/indicator/fixed_bb_p100', headers: sdmx })).body,
    );
    await app.close();
    await other.close();
  });
});
