/**
 * Large World Bank pages are written a batch of records at a time, the event loop free between batches
 * (send.ts `batched`): the bytes and the ETag must be exactly those of one serialisation of the whole. Checked as a
 * property over random records and batch boundaries, and over HTTP: a page of 5,000 records (batched) against the
 * same records in pages of 1,000 (written at once), in JSON, CSV and the wbgapi shape.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batched, etagOf, RECORD_BATCH } from '../../src/api/send.js';
import { startBundledServer, type TestServer } from './helpers.js';

describe('batched', () => {
  it('gives the bytes and ETag of JSON.stringify([meta, records]), one turn of the event loop between batches', async () => {
    const record = fc.record({
      id: fc.string(),
      value: fc.option(fc.double({ noNaN: true }), { nil: null }),
      note: fc.option(fc.string(), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 3 * RECORD_BATCH + 7 }), fc.record({ page: fc.nat(), total: fc.nat() }), async (records, meta) => {
        let turns = 0;
        const a = await batched(
          `[${JSON.stringify(meta)},[`,
          records,
          (b) => b.map((r) => JSON.stringify(r)).join(','),
          ',',
          ']]',
          async () => {
            turns++;
          },
        );
        const whole = JSON.stringify([meta, records]);
        expect(a.body).toBe(whole);
        expect(a.etag).toBe(etagOf(whole));
        expect(turns).toBe(Math.max(0, Math.ceil(records.length / RECORD_BATCH) - 1));
      }),
      { numRuns: 40 },
    );
  });
});

describe('a large World Bank page, batched, against the same records written at once', () => {
  let s: TestServer;
  // Megabytes from one address: the per-client budget (budget.test.ts) would slow this file down, so it is off.
  beforeAll(async () => {
    s = await startBundledServer({ clientBudget: false });
  });
  afterAll(() => s.close());
  const text = async (path: string) => {
    const r = await fetch(s.base + path);
    expect(r.status).toBe(200);
    return { body: await r.text(), etag: r.headers.get('etag') };
  };

  it('JSON: the records of one page of 5,000 are byte for byte those of five pages of 1,000', async () => {
    const path = '/v2/country/all/indicator/internet_users_pct;mobile_cell_p100?format=json&date=1990:2022';
    const big = await text(`${path}&per_page=5000&page=2`);
    const inner = (t: string) => t.slice(t.indexOf(',[') + 2, -2); // [meta,[records]]: the meta has no array
    const small = [];
    for (let p = 6; p <= 10; p++) small.push(inner((await text(`${path}&per_page=1000&page=${p}`)).body));
    expect(inner(big.body)).toBe(small.join(','));
    const parsed = JSON.parse(big.body) as [{ page: number; per_page: number; total: number }, unknown[]];
    expect(parsed[0]).toMatchObject({ page: 2, per_page: 5000 });
    expect(parsed[0].total).toBeGreaterThan(10_000);
    expect(parsed[1]).toHaveLength(5000);
    expect(big.etag).toBe(etagOf(big.body));
  });

  it('CSV: the rows of one page of 5,000 are those of five pages of 1,000, after one header', async () => {
    const path = '/v2/country/all/indicator/internet_users_pct?format=csv&date=1960:2022';
    const big = await text(`${path}&per_page=5000`);
    const rows = (t: string) => t.slice(t.indexOf('\n') + 1);
    const small = [];
    for (let p = 1; p <= 5; p++) small.push(await text(`${path}&per_page=1000&page=${p}`));
    expect(big.body.slice(0, big.body.indexOf('\n'))).toBe(small[0].body.slice(0, small[0].body.indexOf('\n')));
    expect(rows(big.body)).toBe(small.map((x) => rows(x.body)).join(''));
    expect(big.etag).toBe(etagOf(big.body));
  });

  it('wbgapi shape: the data of one page of 3,000 are those of three pages of 1,000', async () => {
    const path = '/v2/sources/2/series/IT.NET.USER.ZS/country/all/time/all';
    const big = await text(`${path}?per_page=3000`);
    const inner = (t: string) => t.slice(t.indexOf('"data":[') + 8, -3);
    const small = [];
    for (let p = 1; p <= 3; p++) small.push(inner((await text(`${path}?per_page=1000&page=${p}`)).body));
    expect(inner(big.body)).toBe(small.join(','));
    const parsed = JSON.parse(big.body) as { source: { data: unknown[] } };
    expect(parsed.source.data).toHaveLength(3000);
  });
});
