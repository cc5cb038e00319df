/**
 * API hardening: every parameter validated, limits on bodies, headers, time; no internals in any answer;
 * security headers; auth on every write; hashed tokens never logged; rate limits; immediate revocation.
 */
import { connect } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { Store } from '../../src/store/store.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import { startServer, type TestServer } from './helpers.js';

let s: TestServer;
let ken: string, kenId: number;
const logs: string[] = [];
beforeAll(async () => {
  s = await startServer(
    (store) => {
      const b = new ObservationBuilder();
      for (const y of [2019, 2020, 2021]) b.append({ economy: 'KEN', indicator: 'internet_users_pct', year: y, value: 20 + y - 2019 });
      store.recordSubmission({ economy: null, submittedBy: 'test', sha256: 'seed', findings: null, table: b.toTable() });
      ({ token: ken, id: kenId } = store.createToken('KEN', 'test'));
    },
    {
      limits: { maxBodyBytes: 4096, ratePerToken: 1000, rateWindowMs: 60_000, authFailuresPerIp: 5 },
      httpLimits: { headersTimeout: 1000, requestTimeout: 1500, connectionsCheckingInterval: 200, maxHeaderSize: 8192 },
      logger: {
        level: 'debug',
        stream: new Writable({
          write(chunk, _enc, done) {
            logs.push(String(chunk));
            done();
          },
        }),
      } as never,
    },
  );
});
afterAll(() => s.close());

const INTERNALS = /\n\s+at |node_modules|\/src\/|\/dist\/|\/tmp\/|\/work\/|file:\/\/|Error: |errno|sqlite/i;
const inject = (o: Parameters<TestServer['app']['inject']>[0]) => s.app.inject(o);

/** A 4xx in the World Bank envelope with no internals; returns the detail. */
function wbError(res: { statusCode: number; body: string }, status: number): string {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.body).not.toMatch(INTERNALS);
  const body = JSON.parse(res.body);
  expect(body[0].message[0]).toEqual(expect.objectContaining({ id: expect.any(String), key: expect.any(String), value: expect.any(String) }));
  return body[0].message[0].detail ?? '';
}

describe('parameter validation', () => {
  // World Bank read routes answer a request they cannot serve with HTTP 200 and the World Bank envelope (what
  // wbgapi, wbdata and R WDI read); content negotiation keeps 406 and our other routes keep their statuses.
  const cases: Array<[string, number, Record<string, string>?]> = [
    ['/v2/country/KEN/indicator/i99H?date=2020:2010', 200],
    ['/v2/country/KEN/indicator/i99H?date=20x0', 200],
    ['/v2/country/KEN/indicator/i99H?date=2010:20200', 200],
    ['/v2/country/KEN/indicator/i99H?mrv=0', 200],
    ['/v2/country/KEN/indicator/i99H?mrv=1001', 200],
    ['/v2/country/KEN/indicator/i99H?mrv=1.5', 200],
    ['/v2/country/KEN/indicator/i99H?mrv=1&mrnev=1', 200],
    ['/v2/country/KEN/indicator/i99H?page=0', 200],
    ['/v2/country/KEN/indicator/i99H?per_page=0', 200],
    ['/v2/country/KEN/indicator/i99H?per_page=-1', 200],
    ['/v2/country/KEN/indicator/i99H?page=99999999999', 200],
    ['/v2/country/KEN/indicator/i99H?per_page=1&per_page=2', 200],
    ['/v2/country/KEN/indicator/i99H?format=xml', 200],
    ['/v2/country/KEN/indicator/i99H?asof=yesterday', 200],
    ['/v2/country/KEN/indicator/i99H', 406, { accept: 'image/png' }],
    ['/v2/country/KEN/indicator/i99H', 200, { accept: 'text/csv,'.repeat(200) }],
    ['/v2/country/KEN/indicator/i99H', 406, { accept: 'application/json;q=0' }],
    ['/v2/country/XXX/indicator/i99H', 200],
    ['/v2/country/KEN;;UGA/indicator/i99H', 200],
    [`/v2/country/${'KEN;'.repeat(301)}KEN/indicator/i99H`, 200],
    [`/v2/country/KEN/indicator/${'x'.repeat(65)}`, 200],
    ['/v2/country/KEN/indicator/nope', 200],
    ['/v2/xx/country/KEN', 200],
    ['/v2/country/KEN/indicator/i99H?date=%E0%A4%A', 200],
    ['/v2/country?region=MARS', 200],
    ['/v2/sources/99/concepts', 200],
    ['/v2/sources/2/nope/all', 200],
    ['/v2/sources/2/time/YRabc', 200],
    [`/v2/sources/2/search/${'q'.repeat(201)}`, 200],
    ['/v2/region?type=mars', 200],
    ['/v2/incomelevel/ZZZ', 200],
    ['/v2/topic/99', 200],
    ['/v2/sources/2/series/nope/country/KEN/time/all', 200],
    ['/v2/country/KEN/indicator/i99H?gapfill=maybe', 200],
    ['/v2/country/KEN/indicator/i99H?frequency=Q', 200],
    ['/v2/country/KEN/indicator/i99H?source=99', 200],
    ['/v2/idi/idi-2017/17', 400],
    ['/v2/idi/..%2F..%2Fetc%2Fpasswd/2016', 404],
    ['/v2/prices/nope/2020', 404],
    ['/v2/prices/mobile-data-2gb/2020/KEN;UGA/explain', 400],
  ];
  for (const [url, status, headers] of cases) {
    it(`${status} ${url.slice(0, 90)}${headers ? ` (${Object.keys(headers).join()})` : ''}`, async () => {
      wbError(await inject({ url, headers }), status);
    });
  }
  it('a path parameter beyond maxParamLength is refused (400), not processed', async () => {
    wbError(await inject({ url: `/v2/country/${'K'.repeat(2100)}/indicator/i99H` }), 400);
  });
});

describe('no stack traces or internal paths in any answer', () => {
  it('unknown routes, methods, malformed or mistyped bodies, HEAD and OPTIONS', async () => {
    wbError(await inject({ url: '/nope/../../etc/passwd' }), 404);
    wbError(await inject({ url: '/v2/country', method: 'POST', payload: '{"a":', headers: { 'content-type': 'application/json' } }), 400);
    wbError(await inject({ url: '/v2/country', method: 'POST', payload: '{}', headers: { 'content-type': 'application/json' } }), 404);
    wbError(await inject({ url: '/v2/country', method: 'DELETE' }), 404);
    wbError(await inject({ url: '/v2/country', method: 'PROPFIND' as never }), 404);
    const getWithBody = await inject({ url: '/v2/country/KEN', method: 'GET', payload: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(getWithBody.statusCode).toBeLessThan(500);
    expect(getWithBody.body).not.toMatch(INTERNALS);
    const weird = await inject({
      url: '/v2/submissions',
      method: 'POST',
      payload: '{"a":',
      headers: { 'content-type': 'application/json; charset=ebcdic', authorization: `Bearer ${ken}` },
    });
    wbError(weird, 422);
    const head = await inject({ url: '/v2/country/KEN/indicator/i99H', method: 'HEAD' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    const preflight = await inject({
      url: '/v2/country/KEN/indicator/i99H',
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toMatch(/^GET, ?HEAD$/);
    const writePreflight = await inject({
      url: '/v2/submissions',
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
    });
    expect(String(writePreflight.headers['access-control-allow-methods'] ?? '')).not.toMatch(/POST/);
  });

  it('a 500 says nothing but "unexpected error" (the details go to the log)', async () => {
    const store = Store.open(join(dirname(s.store.path), 'broken.db'));
    const app = await buildServer({ store, logger: false });
    await app.ready();
    store.close(); // every query now throws inside better-sqlite3
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(INTERNALS);
    expect(JSON.parse(res.body)[0].message[0]).toEqual({ id: '199', key: 'Unexpected error', value: 'An unexpected error occurred; it has been logged' });
    await app.close();
  });
});

describe('limits on headers, bodies and time (real sockets)', () => {
  const raw = (text: string, waitMs = 5000): Promise<string> =>
    new Promise((resolve, reject) => {
      const u = new URL(s.base);
      const sock = connect(Number(u.port), '127.0.0.1');
      let got = '';
      const timer = setTimeout(() => {
        sock.destroy();
        resolve(got);
      }, waitMs);
      sock.on('data', (d) => {
        got += d;
      });
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(got);
      });
      sock.on('error', (e) => {
        clearTimeout(timer);
        if (got) resolve(got);
        else reject(e);
      });
      sock.write(text);
    });

  it('431 for headers beyond maxHeaderSize, in the envelope', async () => {
    const res = await raw(`GET /v2/country HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 431/);
    expect(res).toMatch(/request headers are larger than 8192 bytes/);
  });

  it('400 for a request that is not HTTP', async () => {
    const res = await raw('HELLO\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 400/);
    expect(res).not.toMatch(INTERNALS);
  });

  it('a client that never finishes its headers (slowloris) is cut off after headersTimeout', async () => {
    const t0 = Date.now();
    const res = await raw('GET /v2/country HTTP/1.1\r\nHost: x\r\n', 8000);
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(6000);
    expect(res === '' || /^HTTP\/1\.1 408/.test(res)).toBe(true);
  });

  it('413 for a body over the limit, before it is processed', async () => {
    wbError(
      await inject({
        url: '/v2/submissions',
        method: 'POST',
        payload: 'x'.repeat(5000),
        headers: { authorization: `Bearer ${ken}`, 'content-type': 'text/csv' },
      }),
      413,
    );
  });
});

describe('security headers', () => {
  it('on data, errors, 304s and the docs page (with a CSP that forbids framing and scripts)', async () => {
    const ok = await inject({ url: '/v2/country/KEN/indicator/i99H' });
    const notModified = await inject({ url: '/v2/country/KEN/indicator/i99H', headers: { 'if-none-match': ok.headers.etag as string } });
    expect(notModified.statusCode).toBe(304);
    for (const res of [
      ok,
      notModified,
      await inject({ url: '/nope' }),
      await inject({ url: '/openapi.json' }),
      await inject({ url: '/v2/country/KEN/indicator/i99H?mrv=0' }),
    ]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    }
    const docs = await inject({ url: '/docs' });
    expect(docs.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(docs.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(docs.headers['content-security-policy']).not.toMatch(/script-src/);
    expect(docs.body).not.toMatch(/<script/i);
  });
});

describe('writes', () => {
  it('the only route that writes is POST /v2/submissions, and it requires a token', async () => {
    const writes = s.app.ictstatRoutes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
    expect(writes).toEqual([{ method: 'POST', url: '/v2/submissions' }]);
    wbError(
      await inject({ url: '/v2/submissions', method: 'POST', payload: 'economy,indicator,year,value\nKEN,i99H,2020,1\n', remoteAddress: '10.9.9.1' }),
      401,
    );
  });

  it('authorisation comes first: a body both invalid and for another economy is 403, not 422; refusals are recorded', async () => {
    const before = s.store.checksum();
    const detail = wbError(
      await inject({
        url: '/v2/submissions',
        method: 'POST',
        headers: { authorization: `Bearer ${ken}`, 'content-type': 'text/csv' },
        payload: 'economy,indicator,year,value\nUGA,i99H,2020,abc\nKEN,i99H,2020,999\n',
      }),
      403,
    );
    expect(detail).toMatch(/KEN only.*UGA/);
    wbError(
      await inject({
        url: '/v2/submissions',
        method: 'POST',
        headers: { authorization: `Bearer ${ken}`, 'content-type': 'text/csv' },
        payload: 'economy,indicator,year,value\nKEN,i99H,2020,abc\n',
      }),
      422,
    );
    expect(s.store.checksum()).toEqual(before); // no data
    const [rejected, forbidden] = s.store.attempts(2);
    expect(rejected).toMatchObject({ outcome: 'rejected', economy: 'KEN', submittedBy: `token:${kenId}` });
    expect(forbidden).toMatchObject({ outcome: 'forbidden', economy: 'KEN', detail: { otherEconomies: ['UGA'] } });
  });

  it('tokens: only a SHA-256 in the store file, never in the logs (Authorization redacted)', async () => {
    const ok = await inject({
      url: '/v2/submissions',
      method: 'POST',
      headers: { authorization: `Bearer ${ken}`, 'content-type': 'text/csv' },
      payload: 'economy,indicator,year,value\nKEN,i99H,2018,19\n',
    });
    expect(ok.statusCode, ok.body).toBe(201);
    await inject({
      url: '/v2/submissions',
      method: 'POST',
      headers: { authorization: `Bearer ${ken.slice(0, -1)}X` },
      payload: 'x',
      remoteAddress: '10.9.9.2',
    });
    s.app.log.info({ req: { headers: { authorization: `Bearer ${ken}` } }, authorization: `Bearer ${ken}` }, 'a careless log line');
    const text = logs.join('');
    expect(text).toMatch(/submission stored/);
    expect(text).toMatch(/\[redacted\]/);
    expect(text).not.toContain(ken);
    expect(text).not.toContain(ken.slice(4, 30));
    const files = readdirSync(dirname(s.store.path)).filter((f) => f.startsWith('api.db'));
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(dirname(s.store.path), f))));
    expect(bytes.includes(Buffer.from(ken))).toBe(false);
  });

  it('revocation takes effect on the next request (revoked from another connection, as the CLI does)', async () => {
    const t = s.store.createToken('KEN', 'to revoke');
    const post = () =>
      inject({
        url: '/v2/submissions',
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'text/csv' },
        payload: 'economy,indicator,year,value\nKEN,i99H,2017,17\n',
        remoteAddress: '10.9.9.3',
      });
    expect((await post()).statusCode).toBe(201);
    const cli = Store.open(s.store.path);
    expect(cli.revokeToken(t.id)).toBe(true);
    cli.close();
    expect(wbError(await post(), 401)).toMatch(/unknown or revoked/);
  });

  it('failed authentications are limited per address (429 with Retry-After), other addresses unaffected', async () => {
    const attempt = (ip: string, token = 'ict_' + 'A'.repeat(43)) =>
      inject({
        url: '/v2/submissions',
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        payload: 'economy,indicator,year,value\nKEN,i99H,2016,16\n',
        remoteAddress: ip,
      });
    for (let i = 0; i < 5; i++) wbError(await attempt('10.1.1.1'), 401);
    const limited = await attempt('10.1.1.1');
    wbError(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt('10.1.1.1', ken)).statusCode).toBe(201); // a valid token is never locked out by failures (issue 13)
    wbError(await attempt('10.1.1.2', 'ict_' + 'Z'.repeat(43)), 401); // another address has its own count
  });
});
