import { readdirSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND_NICE } from '../../src/api/priority.js';
import { reportStats } from '../../src/api/report.js';
import { brotliParams } from '../../src/api/send.js';
import { expectWbError, startBundledServer, type TestServer } from './helpers.js';

/** Fields of a /proc stat line after the command name (state is 0, ppid 1, nice 16). */
const statFields = (path: string): string[] => {
  const st = readFileSync(path, 'utf8');
  return st.slice(st.lastIndexOf(')') + 2).split(' ');
};
/**
 * Every thread of this process's report-build children, read from /proc every few milliseconds until `stop`: how
 * many samples found one, and the nice value of each thread each time (Linux).
 */
function watchReportChildren(): () => { samples: number; nice: number[] } {
  let samples = 0;
  const nice: number[] = [];
  const timer = setInterval(() => {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d)))
      try {
        if (Number(statFields(`/proc/${pid}/stat`)[1]) !== process.pid || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('report-worker')) continue;
        // `nice` itself, before it has lowered itself and started node (its own first microseconds)
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'nice') continue;
        samples++;
        for (const t of readdirSync(`/proc/${pid}/task`)) nice.push(Number(statFields(`/proc/${pid}/task/${t}/stat`)[16]));
      } catch {
        // the process or thread ended meanwhile
      }
  }, 5);
  return () => {
    clearInterval(timer);
    return { samples, nice };
  };
}

/** A server with the 2017 report for one describe block: started before its tests, closed after them. */
function reportServer(): () => TestServer {
  let s: TestServer | undefined;
  beforeAll(async () => {
    s = await startBundledServer({ reportEdition: 2017 });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });
  return () => s!;
}

/** `ictstat serve` serves the regenerated MIS edition at /report (issue 5, point 3). */
describe('/report', () => {
  const server = reportServer();
  const get = (path: string) => fetch(server().base + path, { redirect: 'manual' });

  it('its routes are declared: registered, and in /openapi.json with the file path parameter', async () => {
    const routes = (server().app as unknown as { ictstatRoutes: Array<{ method: string; url: string }> }).ictstatRoutes;
    expect(routes.filter((r) => r.method === 'GET' && r.url.startsWith('/report')).map((r) => r.url)).toEqual(['/report', '/report/*']);
    const doc = await (await get('/openapi.json')).json();
    expect(doc.paths['/report'].get.summary).toMatch(/redirects/);
    expect(doc.paths['/report/{path}'].get.parameters).toEqual([expect.objectContaining({ name: 'path', in: 'path', required: true })]);
  });

  it('sends /report and /report/ to the page, built from the data on the first request', async () => {
    for (const p of ['/report', '/report/']) {
      const r = await get(p);
      expect(r.status).toBe(302);
      expect(r.headers.get('location')).toBe('/report/index.html');
    }
    const watch = process.platform === 'linux' ? watchReportChildren() : undefined;
    const page = await get('/report/index.html');
    expect(page.status).toBe(200);
    if (watch) {
      // The build's process and every one of its threads at the computations' priority, from the first sample on
      // (started through `nice`: no thread of it ever ran at the server's priority).
      const { samples, nice } = watch();
      expect(samples).toBeGreaterThan(0);
      expect(nice.length).toBeGreaterThan(samples);
      expect(nice.filter((n) => n !== BACKGROUND_NICE)).toEqual([]);
    }
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // Inline styles and scripts of its own, nothing from elsewhere, never framed.
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'/);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    const html = await page.text();
    expect(html).toMatch(/Measuring the Information Society 2017/);
    expect(html).toMatch(/<table id="idi-ranking"/);
  }, 120_000);

  it('serves the charts and the workbook with their types', async () => {
    const svg = await get('/report/charts/idi-map.svg');
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect((await svg.text()).startsWith('<svg')).toBe(true);
    const xlsx = await get('/report/mis-2017.xlsx');
    expect(xlsx.status).toBe(200);
    expect(new Uint8Array(await xlsx.arrayBuffer()).subarray(0, 2)).toEqual(Uint8Array.from([0x50, 0x4b])); // a zip
  });

  it('serves nothing outside the build: dot segments, encoded or not, and unknown files are 404s in the World Bank envelope', async () => {
    for (const p of [
      '/report/../../etc/passwd',
      '/report/%2e%2e/%2e%2e/etc/passwd',
      '/report/..%2f..%2fetc%2fpasswd',
      '/report/.hidden',
      '/report/nope.html',
      '/report/tables',
    ])
      await expectWbError(await get(p), 404);
  });
});

/**
 * The requests that wait for a build all become answers when it ends: each file is read once per build and sent
 * with the encodings the build's own process made; the server compresses none of it (issue 13: as many
 * compression streams of the 1.6 MB page at once were the soak's end-of-run RSS peak).
 */
describe('/report after a build', () => {
  const server = reportServer();
  /** A file's bytes as sent (not decoded), with its Content-Encoding and ETag. */
  const raw = (path: string, encoding: string) =>
    new Promise<{ status: number; encoding: string | undefined; etag: string | undefined; body: Buffer }>((resolve, reject) => {
      httpGet(server().base + path, { headers: { 'accept-encoding': encoding } }, (res) => {
        const chunks: Buffer[] = [];
        res
          .on('data', (c: Buffer) => chunks.push(c))
          .on('end', () =>
            resolve({ status: res.statusCode!, encoding: res.headers['content-encoding'], etag: res.headers.etag, body: Buffer.concat(chunks) }),
          );
      }).on('error', reject);
    });

  it('requests asked during the build: one read of the page, sent with the encodings of the build, none made here', async () => {
    const [reads, builds, encoded] = [reportStats.fileReads, reportStats.builds, server().app.ictstatAnswers.stats.encoded];
    const encodings = ['br', 'br', 'gzip', 'gzip', 'identity', 'br'];
    const sent = await Promise.all(encodings.map((e) => raw('/report/index.html', e)));
    expect(reportStats.builds).toBe(builds + 1);
    expect(reportStats.fileReads).toBe(reads + 1);
    expect(server().app.ictstatAnswers.stats.encoded).toBe(encoded);
    const page = sent[4];
    expect(page.status).toBe(200);
    expect(page.encoding).toBeUndefined();
    expect(page.body.toString()).toMatch(/Measuring the Information Society 2017/);
    for (const [k, r] of sent.entries()) {
      expect(r.status).toBe(200);
      expect(r.etag).toBe(page.etag);
      if (encodings[k] === 'identity') continue;
      expect(r.encoding).toBe(encodings[k]);
      expect((r.encoding === 'br' ? brotliDecompressSync(r.body) : gunzipSync(r.body)).equals(page.body)).toBe(true);
    }
    // The brotli of the held answers (quality 5, text mode), not the compression plugin's stream (quality 4).
    expect(sent[0].body.equals(brotliCompressSync(page.body, brotliParams(page.body.length)))).toBe(true);
    // A second round is sent from memory: no read, no encoding.
    await Promise.all(['br', 'gzip'].map((e) => raw('/report/index.html', e)));
    expect(reportStats.fileReads).toBe(reads + 1);
    expect(server().app.ictstatAnswers.stats.encoded).toBe(encoded);
    // The workbook (a zip) is sent as it is, never compressed; a 304 for its ETag.
    const xlsx = await raw('/report/mis-2017.xlsx', 'br, gzip');
    expect(xlsx.encoding).toBeUndefined();
    expect(xlsx.body.subarray(0, 2)).toEqual(Buffer.from([0x50, 0x4b]));
    const again = await fetch(`${server().base}/report/mis-2017.xlsx`, { headers: { 'if-none-match': xlsx.etag! } });
    expect(again.status).toBe(304);
  }, 120_000);
});
