/**
 * Load figures for the API (a script, not a test): autocannon on loopback against a Fastify hello-world and
 * the ictstat server (bundled data in a temporary store) in the same run, then reads while submissions are
 * written. Prints requests/s and p99 latency per scenario.
 *
 *   npm run build && node dist/benchmarks/api-load.js [--seconds 10] [--connections 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildServer } from '../src/api/server.js';
import { Store } from '../src/store/store.js';
import { loadBundledIntoStore } from '../src/store/submit.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 10),
  connections = arg('connections', 50);

interface Figure {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function run(scenario: string, url: string, opts: Partial<autocannon.Options> = {}): Promise<Figure> {
  const r = await autocannon({ url, connections, duration: seconds, ...opts });
  return { scenario, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const hello = Fastify();
  hello.get('/', async () => ({ hello: 'world' }));
  const helloUrl = await hello.listen({ port: 0, host: '127.0.0.1' });
  figures.push(await run('fastify hello-world', helloUrl));
  await hello.close();

  const dir = mkdtempSync(join(tmpdir(), 'ictstat-bench-'));
  const store = Store.open(join(dir, 'bench.db'));
  try {
    await loadBundledIntoStore(store);
    const token = store.createToken('KEN', 'benchmark').token;
    const app = await buildServer({ store, logger: false, limits: { ratePerToken: 1_000_000 } });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const series = `${base}/v2/country/KEN/indicator/IT.NET.USER.ZS?format=json`;
    await fetch(`${base}/v2/idi/idi-2017/2016`); // the first computation is cached per store version
    figures.push(await run('series: one country, one indicator (JSON)', series));
    figures.push(
      await run('series: all countries, one indicator, mrv=1 (JSON)', `${base}/v2/country/all/indicator/fixed_bb_p100?mrv=1&per_page=500&format=json`),
    );
    figures.push(
      await run('series: one country (SDMX-CSV)', `${base}/v2/country/KEN/indicator/i99H`, {
        headers: { accept: 'application/vnd.sdmx.data+csv;version=2.0.0' },
      }),
    );
    figures.push(await run('IDI 2017 result (JSON, ~0.5 MB)', `${base}/v2/idi/idi-2017/2016`));
    figures.push(await run('series with If-None-Match (304)', series, { headers: { 'if-none-match': (await fetch(series)).headers.get('etag')! } }));

    // Reads while submissions are written: every submission is a new store version, so reads rebuild their index.
    let submitted = 0,
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
        if (r.status === 201 || r.status === 200) submitted++;
        else failed++;
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const mixed = await run('series while submissions are written (~10/s)', series);
    stop = true;
    await writer;
    figures.push({ ...mixed, scenario: `${mixed.scenario}: ${submitted} stored, ${failed} failed` });
    await app.close();
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }

  process.stdout.write(`# API load (autocannon, ${connections} connections, ${seconds} s each, loopback, Node ${process.version})\n\n`);
  process.stdout.write('| scenario | requests/s | p50 ms | p99 ms | errors | non-2xx |\n|---|---:|---:|---:|---:|---:|\n');
  for (const f of figures) process.stdout.write(`| ${f.scenario} | ${f.rps.toLocaleString('en')} | ${f.p50} | ${f.p99} | ${f.errors} | ${f.non2xx} |\n`);
}

main().catch((e) => {
  process.stderr.write(`api-load: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
