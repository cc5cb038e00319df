import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWbError, startBundledServer, type TestServer } from './helpers.js';

// The bundled data in a store, as `npm start` serves it.
let s: TestServer;
beforeAll(async () => {
  s = await startBundledServer();
});
afterAll(() => s.close());
const get = (path: string): Promise<Response> => fetch(s.base + path);

describe('computed endpoints over the bundled data', () => {
  it('IDI 2017 (data year 2016): the ranking the CLI computes (KOR, ISL, NLD first), no server paths', async () => {
    const res = await get('/v2/idi/IDI-2017/2016');
    expect(res.status).toBe(200);
    const r = await res.json();
    expect(r.year).toBe(2016);
    expect(r.methodology.file).toBe('idi-2017.json');
    const top = r.economies
      .filter((e: { ranked: boolean }) => e.ranked)
      .sort((a: { rank: number }, b: { rank: number }) => a.rank - b.rank)
      .slice(0, 3);
    // With households with a computer (HH4) from the Core Household Indicators; 'KOR, ISL, CHE' and 9.15 while HH4 was dropped;
    // 8.91 while HH4 of 2017-2018 was carried back to 2016 (look-ahead, issue 17): now estimated from households with Internet
    expect(top.map((e: { economy: string }) => e.economy)).toEqual(['KOR', 'ISL', 'NLD']);
    expect(top[0].score).toBeCloseTo(9.11, 2);
    expect(r.coverage.ranked).toBe(187);
    const csv = await (await get('/v2/idi/idi-2017/2016?format=csv')).text();
    expect(csv.split('\n')[1]).toMatch(/^KOR,/);
  });

  it('IDI 2024 (unranked): scores only, in descending order, no key and no CSV column naming a rank', async () => {
    const r = await (await get('/v2/idi/idi-2024/2022?previous=true')).json();
    const keys = (x: unknown): string[] =>
      Array.isArray(x) ? x.flatMap(keys) : x && typeof x === 'object' ? Object.entries(x).flatMap(([k, v]) => [k, ...keys(v)]) : [];
    expect(keys(r).filter((k) => /rank/i.test(k))).toEqual([]);
    expect(r.methodology.scoresOnly).toBe(true);
    const scores = r.economies.filter((e: { scored: boolean }) => e.scored).map((e: { score: number }) => e.score);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
    const csv = await (await get('/v2/idi/idi-2024/2022?format=csv&previous=true')).text();
    expect(csv.split('\n')[0]).not.toMatch(/rank/i);
  });

  it('IDI errors: unknown methodology (no path traversal), bad year', async () => {
    expect(await expectWbError(await get('/v2/idi/..%2F..%2Fpackage/2016'), 404)).toMatch(/unknown methodology/);
    await expectWbError(await get('/v2/idi/idi-2017/16'), 400, '120');
    await expectWbError(await get('/v2/idi/idi-2017/2016?previous=maybe'), 400);
  });

  it('price baskets: the published values; explain needs tariff plans (404, not a 5xx)', async () => {
    const r = await (await get('/v2/prices/mobile-data-2gb/2024')).json();
    expect(r.origin).toMatch(/published/);
    const ken = r.prices.find((p: { economy: string }) => p.economy === 'KEN');
    expect(ken.price_usd).toBeGreaterThan(0);
    expect(ken.pct_gni).toBeGreaterThan(0);
    await expectWbError(await get('/v2/prices/no-such-basket/2024'), 404);
    expect(await expectWbError(await get('/v2/prices/mobile-data-2gb/2024/KEN/explain'), 404)).toMatch(/--tariffs/);
  });

  it('a series over HTTP equals the bundled series', async () => {
    const [meta, data] = await (await get('/v2/country/KEN/indicator/IT.NET.USER.ZS?date=2019:2024')).json();
    expect(meta.total).toBe(data.length);
    expect(data.find((d: { date: string }) => d.date === '2024').value).toBe(34.9762);
  });
});
