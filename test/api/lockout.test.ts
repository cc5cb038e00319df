/**
 * Issue 13, finding 4: failed authentications must not lock valid submitters out. A valid token is checked
 * first and always accepted (its own submission rate aside); failures are limited per client address and per
 * presented token, so one client's failures never block another client's token, and rotating addresses does not
 * reset the limit of a given token. Behind a reverse proxy the client address is X-Forwarded-For, honoured only
 * when `trustProxy` is set (`serve --trust-proxy`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers.js';

const CSV = 'economy,indicator,year,value\nKEN,i99H,2016,16\n';
const BAD = 'ict_' + 'A'.repeat(43);

describe('authentication limits (issue 13)', () => {
  let s: TestServer;
  let ken: string;
  beforeAll(async () => {
    s = await startServer(
      (store) => {
        ken = store.createToken('KEN', 'lockout').token;
      },
      { limits: { authFailuresPerIp: 5, ratePerToken: 1000, rateWindowMs: 60_000 } },
    );
  });
  afterAll(() => s.close());
  const post = (token: string, ip: string, body = CSV, headers: Record<string, string> = {}) =>
    s.app.inject({
      url: '/v2/submissions',
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', ...headers },
      payload: body,
      remoteAddress: ip,
    });

  it('an address over its failure limit gets 429, yet a valid token from that same address is accepted', async () => {
    for (let i = 0; i < 5; i++) expect((await post(BAD, '10.2.0.1')).statusCode).toBe(401);
    const limited = await post(BAD, '10.2.0.1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await post(ken, '10.2.0.1', CSV.replace('16\n', '17\n'))).statusCode).toBe(201);
  });

  it('the same bad token from 50 addresses: limited after 5 failures (changing address does not reset it)', async () => {
    const other = 'ict_' + 'B'.repeat(43);
    const codes: number[] = [];
    for (let i = 0; i < 50; i++) codes.push((await post(other, `10.3.0.${i + 1}`)).statusCode);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5).every((c) => c === 429)).toBe(true);
  });

  it('failures from many addresses never lock out a valid token', async () => {
    for (let i = 0; i < 100; i++) await post('ict_' + String(i).padStart(43, 'C'), `10.4.${i >> 8}.${i & 255}`);
    expect((await post(ken, '10.4.9.9', CSV.replace('16\n', '18\n'))).statusCode).toBe(201);
  });

  it('without trustProxy, X-Forwarded-For is ignored: every client behind one address shares its limit', async () => {
    for (let i = 0; i < 6; i++) await post('ict_' + String(i).padStart(43, 'H'), '10.5.0.1', CSV, { 'x-forwarded-for': `192.0.2.${i + 1}` });
    expect((await post('ict_' + 'D'.repeat(43), '10.5.0.1', CSV, { 'x-forwarded-for': '192.0.2.200' })).statusCode).toBe(429);
  });
});

describe('behind a trusted proxy (trustProxy)', () => {
  let s: TestServer;
  let ken: string;
  beforeAll(async () => {
    s = await startServer(
      (store) => {
        ken = store.createToken('KEN', 'proxy').token;
      },
      { trustProxy: '127.0.0.1', limits: { authFailuresPerIp: 5, ratePerToken: 1000, rateWindowMs: 60_000 } },
    );
  });
  afterAll(() => s.close());
  const post = (token: string, xff: string, body = CSV) =>
    fetch(`${s.base}/v2/submissions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'x-forwarded-for': xff },
      body,
    });

  it('the client address is X-Forwarded-For: one client failing is limited, another client behind the same proxy is not', async () => {
    for (let i = 0; i < 5; i++) expect((await post('ict_' + String(i).padStart(43, 'E'), '198.51.100.7')).status).toBe(401);
    expect((await post('ict_' + 'F'.repeat(43), '198.51.100.7')).status).toBe(429);
    expect((await post('ict_' + 'G'.repeat(43), '198.51.100.8')).status).toBe(401);
    expect((await post(ken, '198.51.100.7')).status).toBe(201);
  });
});

describe('serve --trust-proxy', () => {
  it('refuses a value that is neither "true" nor addresses/CIDRs (exit 2, one line)', async () => {
    const { ictstat } = await import('../cli/helpers.js');
    const r = ictstat(['serve', '--port', '0', '--trust-proxy', '10.0.0.0/8;rm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--trust-proxy: .* is not "true" or a comma-separated list/);
  }, 60_000);
});
