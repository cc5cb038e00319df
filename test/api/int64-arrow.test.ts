/**
 * Issue 13, finding 5: Arrow int64/uint64 columns (what pandas and pyarrow write by default) never let a BigInt
 * reach JSON.stringify: submitted, stored, served as JSON, CSV, SDMX and Arrow, and as tariff plans.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table, Utf8, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTariffs } from '../../src/prices/tariffs.js';
import { tempDir } from '../ingest/helpers.js';
import { ROOT, ictstat } from '../cli/helpers.js';
import { startServer, type TestServer } from './helpers.js';

/** economy, indicator as Utf8; year Int64; value Int64 or Uint64: the pandas default for whole numbers. */
function int64Observations(unsigned = false): Uint8Array {
  const years = [2019n, 2020n, 2021n];
  return tableToIPC(
    new Table({
      economy: vectorFromArray(['KEN', 'KEN', 'KEN'], new Utf8()),
      indicator: vectorFromArray(['internet_users_pct', 'internet_users_pct', 'internet_users_pct'], new Utf8()),
      year: makeVector(new BigInt64Array(years)),
      value: makeVector(unsigned ? new BigUint64Array([31n, 32n, 33n]) : new BigInt64Array([31n, 32n, 33n])),
    }),
    'file',
  );
}

const tmp = tempDir('ictstat-int64-');
let s: TestServer;
let token: string;
beforeAll(async () => {
  s = await startServer((store) => {
    token = store.createToken('KEN', 'int64').token;
  });
});
afterAll(async () => {
  await s.close();
  tmp.cleanup();
});

describe('int64 Arrow through every path (issue 13)', () => {
  it('POST an int64 Arrow submission: 201, then the series in JSON, CSV, SDMX-JSON, SDMX-CSV and Arrow hold 31, 32, 33', async () => {
    for (const [k, body] of [int64Observations(false), int64Observations(true)].entries()) {
      const r = await fetch(`${s.base}/v2/submissions?vintage=int64-${k}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.apache.arrow.file' },
        body: Buffer.from(body),
      });
      expect([200, 201], await r.clone().text()).toContain(r.status);
    }
    const url = `${s.base}/v2/country/KEN/indicator/internet_users_pct?date=2019:2021`;
    const json = (await (await fetch(`${url}&format=json`)).json()) as [unknown, Array<{ date: string; value: number }>];
    expect(json[1].map((o) => [o.date, o.value]).sort()).toEqual([
      ['2019', 31],
      ['2020', 32],
      ['2021', 33],
    ]);
    const csv = await (await fetch(`${url}&format=csv`)).text();
    expect(csv).toMatch(/31/);
    for (const accept of ['application/vnd.sdmx.data+json; version=2.0.0', 'application/vnd.sdmx.data+csv; version=2.0.0']) {
      const r = await fetch(url, { headers: { accept } });
      expect(r.status, await r.clone().text()).toBe(200);
      expect(await r.text()).toMatch(/33/);
    }
    const arrow = await fetch(url, { headers: { accept: 'application/vnd.apache.arrow.stream' } });
    expect(arrow.status).toBe(200);
    const t = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    const values = t.getChild('value')!.toArray() as ArrayLike<number>;
    expect([...values].map(Number).sort()).toEqual([31, 32, 33]);
  }, 60_000);

  it('the CLI: ingest --json, series --data in json and arrow, exit 0 and the values', () => {
    const f = tmp.file('int64.arrow', int64Observations());
    const ingest = ictstat(['ingest', f, '--json']);
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(JSON.parse(ingest.stdout).status).toBe('accepted');
    const series = ictstat(['series', '--data', f, '--economy', 'KEN', '--indicator', 'internet_users_pct', '--format', 'json']);
    expect(series.code, series.stderr).toBe(0);
    expect(series.stdout).toMatch(/"value": 33/);
  }, 60_000);

  it('tariff plans with int64 columns (year, rank, price, validity) read as numbers, served as JSON', async () => {
    const lines = readFileSync(join(ROOT, 'test', 'fixtures', 'prices', 'hand-tariffs.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const [head, ...rows] = lines;
    const cols: Record<string, ReturnType<typeof makeVector>> = {};
    head.forEach((h, k) => {
      const vals = rows.map((r) => r[k]);
      cols[h] = vals.every((v) => /^\d+$/.test(v))
        ? makeVector(new BigInt64Array(vals.map((v) => BigInt(v))))
        : vectorFromArray(
            vals.map((v) => (v === '' ? null : v)),
            new Utf8(),
          );
    });
    const table = new Table(cols);
    expect(String(table.schema.fields.find((f) => f.name === 'price')!.type)).toBe('Int64');
    const f = tmp.file('tariffs.arrow', tableToIPC(table, 'file'));
    const read = await readTariffs(f);
    expect(read.rows).toBe(rows.length);
    const api = await startServer(() => undefined, { tariffs: read.table });
    try {
      const r = await fetch(`${api.base}/v2/prices/mobile-data-2gb/2021?format=json`);
      expect(r.status, await r.clone().text()).toBeLessThan(500);
      JSON.parse(await r.text());
    } finally {
      await api.close();
    }
  });
});
