import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND_NICE } from '../../src/api/priority.js';
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

/** `ictstat serve` serves the regenerated MIS edition at /report (issue 5, point 3). */
describe('/report', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startBundledServer({ reportEdition: 2017 });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });
  const get = (path: string) => fetch(s.base + path, { redirect: 'manual' });

  it('its routes are declared: registered, and in /openapi.json with the file path parameter', async () => {
    const routes = (s.app as unknown as { ictstatRoutes: Array<{ method: string; url: string }> }).ictstatRoutes;
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
