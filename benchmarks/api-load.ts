/**
 * Load figures for the API (a script, not a test): autocannon on loopback against the server in its own process
 * (so that on two cores the server has one and the load generator the other), first a Fastify hello-world as the
 * floor, then the ictstat server over a temporary store holding the bundled data: series reads (one URL, and a
 * rotation over economies and indicators; compressed as clients ask), the IDI result, and series and IDI reads
 * while submissions are written (4 a second: each one a new store version). Prints requests/s and p50/p99 latency
 * per scenario with the CPU of the server, of the load generator and of the machine's other processes over it (on two
 * shared cores the server's share of a core is what its requests/s follow), the load average of the machine, and
 * the server's answer-cache counters.
 *
 *   npm run build && node dist/benchmarks/api-load.js [--seconds 10] [--connections 16]
 *
 * Targets (issue 14): at least 5,000 series reads/s with p99 <= 20 ms; IDI reads after a submission p99 <= 50 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { machineBusyMs, processCpuMs } from './proc-cpu.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

interface Figure {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU over the run as % of one core: the server, the load generator (this process), the machine's other processes. */
  cpu?: { server: number; generator: number; others: number };
}

/** The server's process id (its CPU is read from /proc around each run). */
let serverPid = 0;

if (process.argv[2] === '--server') await server(process.argv[3]);
else await main();

/** The server side: `hello` (Fastify's floor) or the ictstat server over a store at the path given. */
async function server(what: string): Promise<void> {
  if (what === 'hello') {
    const { default: Fastify } = await import('fastify');
    const hello = Fastify();
    hello.get('/', async () => ({ hello: 'world' }));
    process.send!({ base: await hello.listen({ port: 0, host: '127.0.0.1' }) });
    return;
  }
  const [{ buildServer }, { Store }, { loadBundledIntoStore }] = await Promise.all([
    import('../src/api/server.js'),
    import('../src/store/store.js'),
    import('../src/store/submit.js'),
  ]);
  const store = Store.open(what);
  await loadBundledIntoStore(store);
  const token = store.createToken('KEN', 'benchmark').token;
  // The load generator is one address asking as fast as it can: the per-client budget would hold it to one
  // client's share (SECURITY.md), so it is off here; what is measured is the server's throughput for many clients.
  const app = await buildServer({ store, logger: false, limits: { ratePerToken: 1_000_000 }, clientBudget: false });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (m: string) => {
    if (m === 'stats') process.send!({ answers: app.ictstatAnswers.stats, cache: app.ictstatCache.stats, rss: process.memoryUsage().rss });
    if (m === 'exit') void app.close().then(() => process.exit(0)); // (a --cpu-prof of the server is written on exit)
  });
  process.send!({ base, token });
}

async function start(what: string): Promise<{ child: ChildProcess; base: string; token?: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--server', what], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  serverPid = child.pid!;
  const m = await new Promise<{ base: string; token?: string }>((resolve) => child.once('message', resolve as never));
  return { child, ...m };
}

async function run(scenario: string, url: string, opts: Partial<autocannon.Options> = {}): Promise<Figure> {
  const s0 = processCpuMs(serverPid),
    m0 = machineBusyMs(),
    g0 = process.cpuUsage(),
    t0 = performance.now();
  const r = await autocannon({ url, connections: arg('connections', 16), duration: arg('seconds', 10), ...opts });
  const wall = performance.now() - t0,
    s1 = processCpuMs(serverPid),
    m1 = machineBusyMs(),
    g = process.cpuUsage(g0);
  const f: Figure = { scenario, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
  if (s0 !== undefined && s1 !== undefined && m0 !== undefined && m1 !== undefined) {
    const pct = (ms: number) => Math.max(0, Math.round((100 * ms) / wall)),
      gen = (g.user + g.system) / 1000;
    f.cpu = { server: pct(s1 - s0), generator: pct(gen), others: pct(m1 - m0 - (s1 - s0) - gen) };
  }
  return f;
}

/** Submissions at `perSecond` while `during` runs (each one new content, so each one a new store version). */
async function withSubmissions<T>(
  base: string,
  token: string,
  perSecond: number,
  during: () => Promise<T>,
): Promise<{ result: T; stored: number; failed: number }> {
  let stored = 0,
    failed = 0,
    stop = false;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      const r = await fetch(`${base}/v2/submissions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: `economy,indicator,year,value\nKEN,internet_users_pct,2024,${30 + (i % 1000) / 100}\n`,
      });
      await r.arrayBuffer();
      if (r.status === 201 || r.status === 200) stored++;
      else failed++;
      await new Promise((res) => setTimeout(res, 1000 / perSecond));
    }
  })();
  const result = await during();
  stop = true;
  await writer;
  return { result, stored, failed };
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const load = [loadavg()[0]];
  const hello = await start('hello');
  figures.push(await run('fastify hello-world (floor)', hello.base));
  hello.child.kill();

  const dir = mkdtempSync(join(tmpdir(), 'ictstat-bench-'));
  const s = await start(join(dir, 'bench.db'));
  try {
    const { base, token } = s;
    const gzip = { 'accept-encoding': 'gzip' };
    const series = `${base}/v2/country/KEN/indicator/IT.NET.USER.ZS?format=json`;
    const rotation = ['KEN', 'UGA', 'FRA', 'IND', 'BRA', 'CHN', 'USA', 'DEU'].flatMap((e) =>
      ['internet_users_pct', 'mobile_cell_p100', 'fixed_bb_p100'].map((i) => ({ path: `/v2/country/${e}/indicator/${i}?format=json&date=2015:2022` })),
    );
    for (const r of rotation) await (await fetch(base + r.path)).arrayBuffer(); // the first answer of each is made once per version
    await (await fetch(`${base}/v2/idi/idi-2017/2016`)).arrayBuffer();
    // 2 s of the first scenario's load, not measured: V8 optimises the read path and the sockets open before any figure.
    await autocannon({ url: series, connections: arg('connections', 16), duration: 2 });
    load.push(loadavg()[0]);
    figures.push(await run('series: one country, one indicator (JSON)', series));
    figures.push(await run('series: one country, one indicator (JSON, gzip)', series, { headers: gzip }));
    figures.push(await run('series: 24 economy x indicator URLs in turn (JSON, gzip)', base, { headers: gzip, requests: rotation }));
    figures.push(await run('series with If-None-Match (304)', series, { headers: { 'if-none-match': (await fetch(series)).headers.get('etag')! } }));
    // The IDI answer is ~45 KB gzipped: at 16 connections the load generator's own reading is what queues, so 4.
    figures.push(await run('IDI 2017 result (JSON ~0.3 MB, gzip; 4 connections)', `${base}/v2/idi/idi-2017/2016`, { headers: gzip, connections: 4 }));
    load.push(loadavg()[0]);
    const mixed = await withSubmissions(base, token!, 4, () =>
      run('series while 4 submissions/s are written (gzip)', base, { headers: gzip, requests: rotation }),
    );
    figures.push({ ...mixed.result, scenario: `${mixed.result.scenario}: ${mixed.stored} stored, ${mixed.failed} failed` });
    const idi = await withSubmissions(base, token!, 4, () =>
      run('IDI years while 4 submissions/s are written (gzip; 4 connections)', base, {
        headers: gzip,
        connections: 4,
        requests: [2010, 2012, 2014, 2016].map((y) => ({ path: `/v2/idi/idi-2017/${y}` })),
      }),
    );
    figures.push({ ...idi.result, scenario: `${idi.result.scenario}: ${idi.stored} stored, ${idi.failed} failed` });
    load.push(loadavg()[0]);
    s.child.send('stats');
    const stats = await new Promise((resolve) => s.child.once('message', resolve));
    process.stdout.write(
      `# API load (autocannon, ${arg('connections', 16)} connections, ${arg('seconds', 10)} s each, loopback, server in its own process, Node ${process.version}, ${cpus().length} cores)\n\n`,
    );
    process.stdout.write(`load average (1 min) at start, middle, end: ${load.map((x) => x.toFixed(1)).join(', ')}\n\n`);
    process.stdout.write(
      '| scenario | requests/s | p50 ms | p99 ms | errors | non-2xx | CPU % of a core: server / generator / others |\n|---|---:|---:|---:|---:|---:|---|\n',
    );
    for (const f of figures)
      process.stdout.write(
        `| ${f.scenario} | ${f.rps.toLocaleString('en')} | ${f.p50} | ${f.p99} | ${f.errors} | ${f.non2xx} | ${f.cpu ? `${f.cpu.server} / ${f.cpu.generator} / ${f.cpu.others}` : '-'} |\n`,
      );
    process.stdout.write(`\nserver: ${JSON.stringify(stats)}\n`);
  } finally {
    s.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
