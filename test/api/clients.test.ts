/**
 * Contract tests: each request the World Bank's clients send (wbgapi, wbdata; R WDI in wdi-r.test.ts), and each
 * field their source parses (README "World Bank clients"), against a server over the bundled data. Expected
 * values are read from the bundled source files (ITU DataHub), not from our output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { loadWorldBankRegistry } from '../../src/registry/worldbank.js';
import { cliEntry } from '../../src/util/bundle.js';
import { aggregatesForCode } from '../../src/usecases/estimates.js';
import { COMPUTED_ROUTES } from '../../src/api/computed.js';
import { META_ROUTES } from '../../src/api/openapi.js';
import { REPORT_ROUTES } from '../../src/api/report.js';
import { fastifyPath } from '../../src/api/routes.js';
import { SENSITIVITY_ROUTES } from '../../src/api/sensitivity.js';
import { SUBMISSION_ROUTES } from '../../src/api/submissions.js';
import { WORLD_BANK_ROUTES } from '../../src/api/worldbank.js';
import { datahubInternetUsers, startBundledServer, type TestServer } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startBundledServer();
}, 120_000);
afterAll(() => s?.close());

/** A GET as the clients send it: the status must be 200 (wbgapi raises on anything else before reading the body). */
async function get(path: string): Promise<any> {
  const r = await fetch(s.base + path);
  expect(r.status, path).toBe(200);
  return r.json();
}

const datahub = datahubInternetUsers;

/** The CLI in a child process, asynchronously: the server in this process keeps its event loop (and its keep-alive timers) meanwhile. */
function runCli(args: string[], cwd: string): Promise<{ status: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [],
      err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}
const economies = loadEconomyRegistry().all().length;

describe('wbgapi (tgherzog/wbgapi: __init__.fetch/_queryAPI/_responseObjects, source.py, data.py, economy.py, region/income/lending/topic.py)', () => {
  it('source.concepts: /v2/en/sources/2/concepts, a dict with total, per_page and source[0].concept[].id', async () => {
    const c = await get('/v2/en/sources/2/concepts?per_page=1000&page=1&format=json');
    expect(Number(c.total)).toBe(1);
    expect(Number(c.per_page)).toBeGreaterThanOrEqual(1);
    // wbgapi keys them by urllib.parse.quote(id).lower(): country -> economy, series, time.
    expect(c.source[0].concept.map((x: { id: string }) => x.id.toLowerCase())).toEqual(['country', 'series', 'time']);
  });

  it('source.list / source.get / has_metadata: /v2/en/sources/all and /v2/en/sources/2 with databid=y', async () => {
    const [hdr, rows] = await get('/v2/en/sources/all?per_page=1000&databid=y&page=1&format=json');
    expect(Number(hdr.total)).toBe(rows.length);
    expect(rows.map((r: { id: string }) => r.id)).toContain('2');
    const [, [two]] = await get('/v2/en/sources/2?databid=y&page=1&format=json&per_page=1');
    expect(two).toMatchObject({ id: '2', metadataavailability: 'Y', dataavailability: 'Y' });
    expect(two.lastupdated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('source.features: time, country and series values as source[0].concept[0].variable [{id, value}]', async () => {
    const t = await get('/v2/en/sources/2/time/all?per_page=1000&page=1&format=json');
    const years = t.source[0].concept[0].variable;
    expect(years[0]).toEqual({ id: `YR${years[0].value}`, value: years[0].value });
    // queryParam('mrv', 'time') takes the last one: the latest year of the data (2025 in the bundled WDI files).
    expect(Number(years.at(-1).value)).toBeGreaterThanOrEqual(2024);
    const c = await get('/v2/en/sources/2/country/all?per_page=1000&page=1&format=json');
    const ids = c.source[0].concept[0].variable.map((v: { id: string }) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['KEN', 'UGA', 'WLD', 'SSF']));
    expect(Number(c.total)).toBe(ids.length);
    const sr = await get('/v2/en/sources/2/series/all?per_page=1000&page=1&format=json');
    expect(sr.source[0].concept[0].variable).toContainEqual({ id: 'IT.NET.USER.ZS', value: 'Individuals using the Internet' });
  });

  it('data.fetch: /v2/en/sources/2/series/{s}/country/{e}/time/{t}: source.data[].variable [{concept, id, value}] and value', async () => {
    const d = await get('/v2/en/sources/2/series/IT.NET.USER.ZS/country/KEN;UGA/time/YR2019;YR2020?per_page=1000&page=1&format=json');
    const rows = d.source.data.map((x: { variable: Array<{ concept: string; id: string; value: string }>; value: number | null }) => [
      Object.fromEntries(x.variable.map((v) => [v.concept.toLowerCase(), v.id])),
      x.value,
    ]);
    expect(Number(d.total)).toBe(4);
    expect(rows).toContainEqual([{ country: 'KEN', series: 'IT.NET.USER.ZS', time: 'YR2019' }, datahub('KEN', 2019)]);
    expect(rows).toContainEqual([{ country: 'UGA', series: 'IT.NET.USER.ZS', time: 'YR2020' }, datahub('UGA', 2020)]);
    expect(datahub('KEN', 2020)).toBeUndefined();
    expect(rows).toContainEqual([{ country: 'KEN', series: 'IT.NET.USER.ZS', time: 'YR2020' }, null]); // listed, empty
    const mrnev = await get('/v2/en/sources/2/series/IT.NET.USER.ZS/country/KEN/time/all?mrnev=1&per_page=1000&page=1&format=json');
    expect(mrnev.source.data).toHaveLength(1);
    expect(mrnev.source.data[0].value).toBe(datahub('KEN', 2024));
  });

  it('economy.update_caches: region (code, name, iso2code), incomelevel and lendingtype (id, value, iso2code), country/all', async () => {
    const [, regions] = await get('/v2/en/region?per_page=1000&page=1&format=json');
    expect(regions).toContainEqual({ id: '', code: 'SSF', iso2code: 'ZG', name: 'Sub-Saharan Africa' });
    const [, income] = await get('/v2/en/incomelevel?per_page=1000&page=1&format=json');
    expect(income).toContainEqual({ id: 'LMC', iso2code: 'XN', value: 'Lower middle income' });
    const [, lending] = await get('/v2/en/lendingtype?per_page=1000&page=1&format=json');
    expect(lending).toContainEqual({ id: 'IDB', iso2code: 'XH', value: 'Blend' });
    const [hdr, countries] = await get('/v2/en/country/all?per_page=1000&page=1&format=json');
    expect(Number(hdr.total)).toBe(countries.length);
    const by = Object.fromEntries(countries.map((c: { id: string }) => [c.id, c]));
    expect(by.USA).toBeDefined(); // wbgapi copies USA's record shape for unknown codes
    // Aggregates: region.id 'NA' (wbgapi's test), their ISO2-style codes.
    expect(by.WLD).toMatchObject({ iso2Code: '1W', name: 'World', region: { id: 'NA' } });
    // Kenya in CLASS FY2024: Sub-Saharan Africa, lower middle income, Blend; capital and its coordinates from the World Bank API.
    expect(by.KEN).toMatchObject({
      iso2Code: 'KE',
      name: 'Kenya',
      region: { id: 'SSF' },
      adminregion: { id: 'SSA' },
      incomeLevel: { id: 'LMC' },
      lendingType: { id: 'IDB' },
      capitalCity: 'Nairobi',
    });
    for (const c of countries) {
      expect(typeof c.capitalCity).toBe('string');
      for (const k of ['longitude', 'latitude']) expect(c[k] === '' || Number.isFinite(parseFloat(c[k])), `${c.id} ${k}`).toBe(true);
      for (const k of ['region', 'adminregion', 'lendingType', 'incomeLevel']) expect(typeof c[k].id).toBe('string');
    }
    // World Bank names beside the UN names.
    expect(by.BHS).toMatchObject({ name: 'Bahamas, The', wbName: 'Bahamas, The' });
    expect(by.BHS.unName).toMatch(/Bahamas/);
    expect(by.BHS.unName).not.toBe('Bahamas, The');
  });

  it('region/income/lending members: /v2/en/country?region=..., incomelevel=..., lendingtype=...', async () => {
    const ids = async (q: string) => (await get(`/v2/en/country?${q}&per_page=1000&page=1&format=json`))[1].map((c: { id: string }) => c.id);
    expect(await ids('region=SSF')).toEqual(expect.arrayContaining(['KEN', 'UGA']));
    expect(await ids('region=SSF')).not.toContain('FRA');
    expect(await ids('incomelevel=LMC')).toContain('KEN');
    expect(await ids('lendingtype=IDB')).toContain('KEN');
    expect(await ids('lendingtype=IDX')).toContain('UGA');
  });

  it('topic.list and topic.members: /v2/en/topic/all and /v2/en/topic/{id}/indicator?source=2', async () => {
    const [, topics] = await get('/v2/en/topic/all?per_page=1000&page=1&format=json');
    expect(topics.every((t: { id: string; value: string }) => t.id && t.value)).toBe(true);
    const [, members] = await get('/v2/en/topic/2/indicator?source=2&per_page=1000&page=1&format=json');
    expect(members.map((m: { id: string }) => m.id)).toContain('IT.NET.USER.ZS');
  });

  it('series and economy metadata, and search: concept -> variable -> metatype [{id, value}]', async () => {
    const m = await get('/v2/en/sources/2/series/IT.NET.USER.ZS/metadata?per_page=1000&page=1&format=json');
    const v = m.source[0].concept[0];
    expect(v.id).toBe('Series');
    expect(v.variable[0].id).toBe('IT.NET.USER.ZS');
    expect(v.variable[0].metatype).toContainEqual({ id: 'IndicatorName', value: 'Individuals using the Internet' });
    const e = await get('/v2/en/sources/2/country/KEN/metadata?per_page=1000&page=1&format=json');
    expect(e.source[0].concept[0].variable[0].metatype).toContainEqual({ id: 'IncomeGroup', value: 'Lower middle income' });
    const found = await get('/v2/en/sources/2/search/using%20the%20internet?per_page=1000&page=1&format=json');
    const series = found.source[0].concept.find((c: { id: string }) => c.id === 'Series');
    expect(series.variable.map((x: { id: string }) => x.id)).toContain('IT.NET.USER.ZS');
    const none = await get('/v2/en/sources/2/search/zzzqqq?per_page=1000&page=1&format=json');
    expect(none.source[0].concept).toEqual([]);
  });

  it('aggregates: data.fetch over economy=all carries the world and regional estimates; skipAggs (region.id NA in country/all) leaves the economies', async () => {
    // economy.update_caches: aggregates are the country/all rows whose region.id is NA, by id and iso2Code.
    const [, countries] = await get('/v2/en/country/all?per_page=1000&page=1&format=json');
    const aggs = new Set(
      countries.filter((c: { region: { id: string } }) => c.region.id === 'NA').flatMap((c: { id: string; iso2Code: string }) => [c.id, c.iso2Code]),
    );
    expect(aggs.has('WLD') && aggs.has('1W') && aggs.has('SSF') && aggs.has('EAP')).toBe(true);
    // data.fetch pages through the source route (per_page 1000, paging on total).
    const rows: Array<{ variable: Array<{ concept: string; id: string }>; value: number | null; obs_status?: string; estimatedShare?: number }> = [];
    for (let page = 1; ; page++) {
      const d = await get(`/v2/en/sources/2/series/IT.NET.USER.ZS/country/all/time/YR2023?per_page=1000&page=${page}&format=json`);
      rows.push(...d.source.data);
      if (page * Number(d.per_page) >= Number(d.total)) break;
    }
    const country = (r: (typeof rows)[number]) => r.variable.find((v) => v.concept === 'Country')!.id;
    const kept = rows.filter((r) => !aggs.has(country(r))); // skipAggs=True
    expect(kept).toHaveLength(economies);
    expect(kept.find((r) => country(r) === 'KEN')!.value).toBe(datahub('KEN', 2023) ?? null);
    // The aggregates' figures: the same as the library's estimates under that code (one method, every surface).
    const lib = await aggregatesForCode('WLD', { indicator: 'internet_users_pct', from: 2023, to: 2023 });
    const wld = rows.find((r) => country(r) === 'WLD')!;
    expect(wld.value).toBeCloseTo(lib.rows[0].value as number, 9);
    expect(wld.obs_status).toBe('E');
    expect(wld.estimatedShare).toBeCloseTo(lib.rows[0].estimated_share as number, 12);
    // A population-weighted mean of percentages lies between 0 and 100; the aggregates without membership data are empty.
    expect(wld.value).toBeGreaterThan(0);
    expect(wld.value).toBeLessThan(100);
    expect(rows.find((r) => country(r) === 'ARB')!.value).toBeNull();
  });

  it('the estimation runs in a worker thread: the server answers other requests meanwhile', async () => {
    const order: string[] = [];
    // mobile_bb_p100 has not been estimated on this server yet: the first request starts the run.
    const agg = get('/v2/country/WLD/indicator/mobile_bb_p100?date=2023&format=json').then((b) => {
      order.push('aggregate');
      return b;
    });
    await new Promise((r) => setTimeout(r, 50)); // the request reaches the server and starts the worker
    await get('/v2/country/KEN/indicator/IT.NET.USER.ZS?date=2019');
    order.push('series');
    const [, [wld]] = await agg;
    expect(typeof wld.value).toBe('number');
    expect(order).toEqual(['series', 'aggregate']);
  }, 60_000);

  it('errors: HTTP 200 and hdr["message"][0] with key and value (what _queryAPI raises with)', async () => {
    const [hdr] = await get('/v2/en/sources/99/concepts?format=json');
    expect(hdr.message[0]).toMatchObject({ key: expect.any(String), value: expect.any(String) });
    const [hdr2] = await get('/v2/en/sources/2/series/NOPE.NOPE/country/KEN/time/all?format=json');
    expect(hdr2.message[0].id).toBe('175');
  });
});

describe('wbdata (OliverSherouse/wbdata: client.py, fetcher.py)', () => {
  /** fetcher.fetch: per_page=1000, pages until `page == pages` (ints), rows = response[1]. */
  async function fetchAll(path: string, params: Record<string, string> = {}): Promise<{ rows: any[]; lastUpdated?: string }> {
    const rows: any[] = [];
    let page = -1,
      pages = -2,
      last: string | undefined;
    const q = new URLSearchParams({ ...params, format: 'json', per_page: '1000' });
    for (let guard = 0; pages !== page; guard++) {
      if (guard > 50) throw new Error('wbdata would loop forever');
      const body = await get(`${path}?${q}`);
      if (!Array.isArray(body[1])) throw new Error(`wbdata: Got error ${JSON.stringify(body[0])}`); // rows.extend(None) fails
      rows.push(...body[1]);
      page = Number(body[0].page);
      pages = Number(body[0].pages);
      last = body[0].lastupdated;
      q.set('page', String(page + 1));
    }
    return { rows, lastUpdated: last };
  }

  it('get_countries, get_indicators, get_sources, get_topics, get_incomelevels, get_lendingtypes: rows with id and name or value', async () => {
    for (const [path, key] of [
      ['/v2/countries', 'name'],
      ['/v2/countries/KEN', 'name'],
      ['/v2/indicators', 'name'],
      ['/v2/indicators/IT.NET.USER.ZS', 'name'],
      ['/v2/sources', 'name'],
      ['/v2/sources/2', 'name'],
      ['/v2/sources/2/indicators', 'name'],
      ['/v2/topics', 'value'],
      ['/v2/topics/1/indicators', 'name'],
      ['/v2/incomeLevels', 'value'],
      ['/v2/incomeLevels/LMC', 'value'],
      ['/v2/lendingTypes', 'value'],
      ['/v2/lendingTypes/IDX', 'value'],
    ] as const) {
      const { rows } = await fetchAll(path);
      expect(rows.length, path).toBeGreaterThan(0);
      for (const r of rows) expect(typeof r.id === 'string' && typeof r[key] === 'string', `${path} ${JSON.stringify(r).slice(0, 80)}`).toBe(true);
    }
    expect((await fetchAll('/v2/countries', { incomeLevel: 'LMC' })).rows.map((c) => c.id)).toContain('KEN');
    expect((await fetchAll('/v2/countries', { lendingType: 'IDB' })).rows.map((c) => c.id)).toContain('KEN');
    expect((await fetchAll('/v2/indicators/IT.NET.USER.ZS')).rows[0]).toMatchObject({ id: 'IT.NET.USER.ZS', name: 'Individuals using the Internet' });
  });

  it('get_data / get_series: /v2/countries/{c}/indicators/{i}?date=...&source=2: country.value, date, value; lastupdated %Y-%m-%d', async () => {
    const { rows, lastUpdated } = await fetchAll('/v2/countries/KEN;UGA/indicators/IT.NET.USER.ZS', { date: '2010:2023', source: '2' });
    expect(rows).toHaveLength(28);
    expect(lastUpdated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const at = (c: string, y: string) => rows.find((r) => r.country.value === c && r.date === y)?.value;
    expect(at('Kenya', '2019')).toBe(datahub('KEN', 2019));
    expect(at('Uganda', '2013')).toBe(datahub('UGA', 2013));
    expect(at('Kenya', '2020')).toBeNull();
  });

  it('get_data for an aggregate (country=WLD or 1W): rows with country.id 1W, countryiso3code WLD, a value and obs_status E', async () => {
    const { rows } = await fetchAll('/v2/countries/WLD/indicators/IT.NET.USER.ZS', { date: '2022:2023', source: '2' });
    expect(rows.map((r) => [r.country.id, r.countryiso3code, r.date])).toEqual([
      ['1W', 'WLD', '2023'],
      ['1W', 'WLD', '2022'],
    ]);
    for (const r of rows) {
      expect(typeof r.value).toBe('number');
      expect(r.obs_status).toBe('E');
      expect(r.estimatedShare).toBeGreaterThan(0);
      expect(r.estimatedShare + r.missingShare + r.reportedShare).toBeCloseTo(1, 9);
    }
    const { rows: iso2 } = await fetchAll('/v2/countries/1W/indicators/IT.NET.USER.ZS', { date: '2023' });
    expect(iso2[0].value).toBe(rows[0].value);
  });

  it('a query with no observation (date=1961) does not crash it: every year listed, value null', async () => {
    const { rows } = await fetchAll('/v2/countries/KEN/indicators/IT.NET.USER.ZS', { date: '1961' });
    expect(rows).toEqual([expect.objectContaining({ date: '1961', value: null })]);
  });

  it('errors: response[0]["message"][0] with id, key and value', async () => {
    const body = await get('/v2/countries/KEN/indicators/NOT.A.CODE?format=json');
    expect(body[0].message[0]).toMatchObject({ id: '175', key: expect.any(String), value: expect.any(String) });
  });
});

describe("Arrow: format=arrow as well as Accept, a stream that opens for every result, the CLI's columns", () => {
  it('the same columns from the API and `ictstat series --format arrow`, empty results included', async () => {
    const api = tableFromIPC(new Uint8Array(await (await fetch(s.base + '/v2/country/KEN/indicator/IT.NET.USER.ZS?format=arrow&date=2019')).arrayBuffer()));
    expect(api.numRows).toBe(1);
    expect(api.getChild('value')!.get(0)).toBe(datahub('KEN', 2019));
    const empty = tableFromIPC(
      new Uint8Array(
        await (
          await fetch(s.base + '/v2/country/KEN/indicator/IT.NET.USER.ZS?date=2020', { headers: { accept: 'application/vnd.apache.arrow.stream' } })
        ).arrayBuffer(),
      ),
    );
    expect(empty.numRows).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'ictstat-arrow-'));
    try {
      const r = await runCli([cliEntry(), 'series', '--economy', 'KEN', '--indicator', 'i99H', '--from', '2019', '--to', '2019', '--format', 'arrow'], dir);
      expect(r.status, r.stderr.toString()).toBe(0);
      const cli = tableFromIPC(new Uint8Array(r.stdout));
      expect(api.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(cli.schema.fields.map((f) => `${f.name}:${f.type}`));
      expect(empty.schema.fields.map((f) => f.name)).toEqual(cli.schema.fields.map((f) => f.name));
      expect(cli.getChild('value')!.get(0)).toBe(datahub('KEN', 2019));
      // An empty result from the CLI is a stream with the same schema too (KEN has no 2020 value in the DataHub file).
      const none = await runCli([cliEntry(), 'series', '--economy', 'KEN', '--indicator', 'i99H', '--from', '2020', '--to', '2020', '--format', 'arrow'], dir);
      expect(none.status, none.stderr.toString()).toBe(0);
      const cliEmpty = tableFromIPC(new Uint8Array(none.stdout));
      expect(cliEmpty.numRows).toBe(0);
      expect(cliEmpty.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(empty.schema.fields.map((f) => `${f.name}:${f.type}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('OpenAPI from the route declarations', () => {
  it('every registered route is in /openapi.json, with its path parameters', async () => {
    const doc = await get('/openapi.json');
    const routes = (s.app as unknown as { ictstatRoutes: Array<{ method: string; url: string }> }).ictstatRoutes;
    const missing: string[] = [];
    for (const r of routes) {
      if (r.method === 'HEAD' || r.method === 'OPTIONS') continue;
      // The SDMX REST routes document their paths in src/api/sdmx/rest.ts (sdmxOpenApiPaths), with optional segments
      // written their way; they are checked by the SDMX tests, not here.
      if (r.url.startsWith('/sdmx/')) continue;
      const path = r.url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{path}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      if (!op) {
        missing.push(`${r.method} ${path}`);
        continue;
      }
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))
        expect(
          op.parameters?.some((p: { name: string; in: string }) => p.name === name && p.in === 'path'),
          `${path} {${name}}`,
        ).toBe(true);
    }
    expect(missing).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/report', '/v2/{lang}/indicator', '/v2/sources/{source}/concepts']));
    // The parameters a route parses are the ones documented: mrv, gapfill and format=arrow on the series.
    const series = doc.paths['/v2/country/{codes}/indicator/{ids}'].get.parameters.map((p: { name: string }) => p.name);
    expect(series).toEqual(
      expect.arrayContaining(['codes', 'ids', 'date', 'mrv', 'mrnev', 'gapfill', 'frequency', 'source', 'page', 'per_page', 'format', 'asof']),
    );
    // The IDI, prices and sensitivity routes come from their declarations too: each parameter their handlers parse.
    const names = (path: string) => doc.paths[path].get.parameters.map((p: { name: string }) => p.name).sort();
    expect(names('/v2/idi/{methodology}/{year}')).toEqual(['format', 'methodology', 'previous', 'year']);
    expect(names('/v2/idi/{methodology}/{year}/sensitivity')).toEqual(
      ['band', 'concentration', 'draws', 'drop', 'format', 'imputation', 'methodology', 'normalisations', 'ranks', 'seed', 'weights', 'year'].sort(),
    );
    expect(names('/v2/prices/{basket}/{year}')).toEqual(['basket', 'format', 'lang', 'year']);
    expect(names('/v2/prices/{basket}/{year}/{economy}/explain')).toEqual(['basket', 'economy', 'year']);
    expect(doc.paths['/v2/submissions'].post.parameters.map((p: { name: string }) => p.name)).toEqual(['vintage']);
    const declared = [...WORLD_BANK_ROUTES, ...COMPUTED_ROUTES, ...SENSITIVITY_ROUTES, ...SUBMISSION_ROUTES, ...REPORT_ROUTES, ...META_ROUTES];
    for (const spec of declared)
      for (const declaredPath of spec.paths) {
        const path = declaredPath.replace(/\{(\w+)\*\}/g, '{$1}');
        const op = doc.paths[path][(spec.method ?? 'GET').toLowerCase()];
        for (const param of Object.values(spec.params as Record<string, { name: string; in: string }>))
          if (param.in === 'query' || path.includes(`{${param.name}}`))
            expect(
              op.parameters.some((x: { name: string; in: string }) => x.name === param.name && x.in === param.in),
              `${path} ${param.name}`,
            ).toBe(true);
      }
    // Every registered route but SDMX's is one of these declarations: none is described by hand.
    const declaredRoutes = new Set(declared.flatMap((d) => d.paths.map((p) => `${d.method ?? 'GET'} ${fastifyPath(p).toLowerCase()}`)));
    const undeclared = routes
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !r.url.startsWith('/sdmx/'))
      .map((r) => `${r.method} ${r.url.toLowerCase()}`)
      .filter((r) => !declaredRoutes.has(r));
    expect(undeclared).toEqual([]);
  });
});

it('the bundled registry has every economy and aggregate in `all`, as the World Bank answers it', async () => {
  const [hdr] = await get('/v2/country/all/indicator/IT.NET.USER.ZS?date=2020&per_page=1');
  expect(hdr.total).toBe(economies + loadWorldBankRegistry().aggregates.length);
});
