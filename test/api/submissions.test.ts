import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWbError, startServer, type TestServer } from './helpers.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import { observationsToParquet } from '../../src/table/parquet.js';

let s: TestServer;
let ken: string, uga: string;
beforeAll(async () => {
  s = await startServer(
    (store) => {
      ken = store.createToken('KEN', 'test').token;
      uga = store.createToken('UGA', 'test').token;
    },
    { limits: { maxBodyBytes: 4096, ratePerToken: 8, rateWindowMs: 60_000 } },
  );
});
afterAll(() => s.close());

const post = (body: string | Buffer, token?: string, type = 'text/csv', query = ''): Promise<Response> =>
  fetch(`${s.base}/v2/submissions${query}`, {
    method: 'POST',
    body,
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
const csv = (...rows: string[]): string => ['economy,indicator,year,value', ...rows].join('\n') + '\n';

describe('POST /v2/submissions', () => {
  it('401 without a token, with a malformed or an unknown one; nothing stored', async () => {
    const before = s.store.checksum();
    await expectWbError(await post(csv('KEN,i99H,2023,40')), 401, '401');
    await expectWbError(await post(csv('KEN,i99H,2023,40'), 'not-a-token'), 401);
    await expectWbError(await post(csv('KEN,i99H,2023,40'), 'ict_' + 'A'.repeat(43)), 401);
    await expectWbError(await fetch(`${s.base}/v2/submissions`, { method: 'POST', body: 'x', headers: { authorization: 'Basic a2VuOmtlbg==' } }), 401);
    expect(s.store.checksum()).toEqual(before);
  });

  it('201 with the validation report; the data is served at once; the same content again is 200, no new revision', async () => {
    const res = await post(csv('KEN,IT.NET.USER.ZS,2023,40.5', 'KEN,i99H,2022,38'), ken, 'text/csv', '?vintage=2025-Q1');
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      status: 'accepted',
      submission: { economy: 'KEN', vintage: '2025-Q1', observations: 2 },
      report: { status: 'accepted', format: 'canonical', accepted: 2, file: 'body' },
    });
    expect(JSON.stringify(body)).not.toMatch(/\/tmp\/|ictstat-submission/);
    const [, data] = await (await fetch(`${s.base}/v2/country/KEN/indicator/i99H?date=2023`)).json();
    expect(data[0]).toMatchObject({ value: 40.5, vintage: '2025-Q1' });
    const again = await post(csv('KEN,IT.NET.USER.ZS,2023,40.5', 'KEN,i99H,2022,38'), ken);
    expect(again.status).toBe(200);
    expect((await again.json()).status).toBe('duplicate');
  });

  it('JSON bodies are read too (format from the content)', async () => {
    const res = await post(JSON.stringify([{ economy: 'UGA', indicator: 'internet_users_pct', year: 2023, value: 12 }]), uga, 'application/json');
    expect(res.status).toBe(201);
    expect((await res.json()).report.format).toBe('json');
  });

  it('Parquet bodies are read too (format from the content)', async () => {
    const b = new ObservationBuilder();
    b.append({ economy: 'UGA', indicator: 'i99H', year: 2022, value: 11.5, note: 'Côte — é' });
    const res = await post(Buffer.from(observationsToParquet(b.toTable())), uga, 'application/vnd.apache.parquet');
    expect(res.status).toBe(201);
    expect((await res.json()).report).toMatchObject({ format: 'parquet', accepted: 1 });
    const [, data] = await (await fetch(`${s.base}/v2/country/UGA/indicator/internet_users_pct?date=2022`)).json();
    expect(data[0]).toMatchObject({ value: 11.5, note: 'Côte — é' });
  });

  it("403 for another economy's rows; the store is unchanged", async () => {
    const before = s.store.checksum();
    const detail = await expectWbError(await post(csv('KEN,i99H,2021,30', 'UGA,i99H,2021,11'), ken), 403, '403');
    expect(detail).toMatch(/KEN only.*UGA/);
    expect(s.store.checksum()).toEqual(before);
  });

  it('422 with located findings for a rejected submission; the store is unchanged', async () => {
    const before = s.store.checksum();
    const res = await post(csv('KEN,i99H,2020,31', 'KEN,i99H,2021,abc', 'KEN,i99H,2019,300'), ken);
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body[0].message[0]).toMatchObject({ id: '422', key: 'Submission rejected' });
    const findings = body[0].report.findings as Array<{ file: string; line: number; rule: string; column: string }>;
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'body', line: 3, rule: 'not-a-number', column: 'value' }),
        expect.objectContaining({ file: 'body', line: 4, rule: 'out-of-range' }),
      ]),
    );
    expect(JSON.stringify(body)).not.toMatch(/\/tmp\//);
    await expectWbError(await post('', ken), 422);
    await expectWbError(await post(Buffer.from([0, 1, 2, 3, 255, 0]), ken, 'application/octet-stream'), 422);
    expect(s.store.checksum()).toEqual(before);
  });

  it('413 for a body over the limit, 400 for a bad vintage, 429 past the rate limit', async () => {
    const before = s.store.checksum();
    await expectWbError(await post(csv(...Array.from({ length: 400 }, (_, i) => `UGA,i99H,${1960 + (i % 60)},1`)), uga), 413, '413');
    await expectWbError(await post(csv('UGA,i99H,2020,9'), uga, 'text/csv', '?vintage=%3Cscript%3E'), 400);
    expect(s.store.checksum()).toEqual(before);
    let limited: Response | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const r = await post(csv(`UGA,i99H,${2000 + i},${i + 1}`), uga);
      if (r.status === 429) limited = r;
      else await r.arrayBuffer();
    }
    expect(limited?.status, 'no 429 within 10 requests at a limit of 8 a minute').toBe(429);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectWbError(limited!, 429);
    // Another token is not limited by UGA's requests.
    expect((await post(csv('KEN,i99H,2018,20'), ken)).status).toBe(201);
  });
});
