/**
 * Issue 13, finding 11 (HTTP): CORS allows reads only (no cross-origin POST with Authorization); a request without
 * Host gets the error envelope; a connection that sends no complete request headers (nothing at all included) is
 * closed after 10 s, an idle keep-alive one after 10 s (the defaults; shortened here, and checked as values).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_LIMITS } from '../../src/api/server.js';
import { startServer, type TestServer } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer(
    (store) => {
      store.createToken('KEN');
    },
    { httpLimits: { connectionTimeout: 60_000, headersTimeout: 300, connectionsCheckingInterval: 100 } },
  );
});
afterAll(() => s.close());

/** Send raw bytes; resolve with what came back and whether the server closed the socket. */
function raw(bytes: string, waitMs = 2000): Promise<{ text: string; closed: boolean }> {
  const url = new URL(s.base);
  return new Promise((resolve) => {
    const sock = connect(Number(url.port), url.hostname);
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    sock.on('data', (d) => {
      text += d;
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    sock.on('error', () => undefined);
    if (bytes) sock.write(bytes);
  });
}

describe('CORS (issue 13)', () => {
  it('a preflight for a cross-origin POST with Authorization is not allowed; GET is', async () => {
    const pre = await s.app.inject({
      method: 'OPTIONS',
      url: '/v2/submissions',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(String(pre.headers['access-control-allow-headers'] ?? '')).not.toMatch(/authorization/i);
    const post = await s.app.inject({
      method: 'POST',
      url: '/v2/submissions',
      headers: { origin: 'https://evil.example', authorization: 'Bearer x', 'content-type': 'text/csv' },
      payload: 'a',
    });
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
    const get = await s.app.inject({ url: '/healthz', headers: { origin: 'https://any.example' } });
    expect(get.headers['access-control-allow-origin']).toBe('*');
    const preGet = await s.app.inject({
      method: 'OPTIONS',
      url: '/v2/country',
      headers: { origin: 'https://any.example', 'access-control-request-method': 'GET' },
    });
    expect(preGet.headers['access-control-allow-origin']).toBe('*');
    expect(String(preGet.headers['access-control-allow-methods'])).toBe('GET, HEAD');
  });
});

describe('requests without Host, idle connections (issue 13)', () => {
  it('an HTTP/1.1 request without Host: 400 in the error envelope', async () => {
    const r = await raw('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1\.1 400/);
    const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
    expect(JSON.parse(body)[0].message[0].key).toBe('Invalid value');
    expect(body).toMatch(/Host/);
  });

  it('a connection that sends nothing is closed after headersTimeout (connectionTimeout is longer)', async () => {
    expect((await raw('', 3000)).closed).toBe(true);
  });

  it('a connection that never finishes its headers is closed', async () => {
    expect((await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n', 3000)).closed).toBe(true);
  });

  it('the defaults: a complete request header within 10 s, an idle keep-alive connection 10 s', () => {
    expect(HTTP_LIMITS.headersTimeout).toBe(10_000);
    expect(HTTP_LIMITS.keepAliveTimeout).toBe(10_000);
  });
});
