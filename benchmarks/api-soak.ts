/**
 * Sustained load on the API (a script, not a test): mixed reads (autocannon, loopback) and token-authenticated
 * submissions for a bounded time, against the server in its own process over a temporary store holding the
 * bundled data. Reports requests/s, latency, errors (any answer that is not the expected 2xx), and the server's
 * RSS and heap (after a GC) at the start, the middle and the end.
 *
 *   npm run build && node dist/benchmarks/api-soak.js [--seconds 60] [--connections 20] [--submissions-per-second 4] [--client-budget 0] [--no-idi] [--write-results]
 *
 * --client-budget N: the per-client budget's rate, as `serve --client-budget` (default 0: none; autocannon is one
 * address asking as fast as it can, which the default budget would mostly refuse, as the e2e benchmark's server).
 * --write-results puts the figures in benchmarks/RESULTS.md under "## Sustained load (API)" (that section only).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { packageRoot } from '../src/util/paths.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
  builds: number;
  updates: number;
}

// ---- server mode: a forked child that serves and answers memory probes over IPC.
if (process.argv[2] === '--server') {
  const [{ buildServer }, { Store }, { loadBundledIntoStore }, { budgetAt }] = await Promise.all([
    import('../src/api/server.js'),
    import('../src/store/store.js'),
    import('../src/store/submit.js'),
    import('../src/api/budget.js'),
  ]);
  const store = Store.open(process.argv[3]);
  await loadBundledIntoStore(store);
  const tokens = ['KEN', 'UGA', 'FRA', 'BRA'].map((e) => ({ economy: e, token: store.createToken(e, 'soak').token }));
  const app = await buildServer({ store, logger: false, limits: { ratePerToken: 1_000_000 }, clientBudget: budgetAt(Number(process.argv[4])) });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'mem') {
      (globalThis as { gc?: () => void }).gc?.();
      const u = process.memoryUsage();
      process.send!({ type: 'mem', mem: { rss: u.rss, heapUsed: u.heapUsed, external: u.external, ...app.ictstatCache.stats } satisfies Mem });
    } else if (m.type === 'stop') {
      void app.close().then(() => {
        store.close();
        process.exit(0);
      });
    }
  });
  process.send!({ type: 'ready', base, tokens });
} else {
  await main();
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 60),
    connections = arg('connections', 20),
    perSecond = arg('submissions-per-second', 4),
    clientBudget = arg('client-budget', 0);
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-soak-'));
  const child: ChildProcess = fork(process.argv[1], ['--server', join(dir, 'soak.db'), String(clientBudget)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m as T);
        }
      };
      child.on('message', on);
    });
  try {
    const t0 = Date.now();
    const { base, tokens } = await next<{ base: string; tokens: Array<{ economy: string; token: string }> }>('ready');
    process.stderr.write(`server ready at ${base} in ${((Date.now() - t0) / 1000).toFixed(1)} s (bundled data loaded)\n`);
    const mem = async (): Promise<Mem> => {
      const p = next<{ mem: Mem }>('mem');
      child.send({ type: 'mem' });
      return (await p).mem;
    };

    const reads = [
      '/v2/country/KEN/indicator/IT.NET.USER.ZS?format=json',
      '/v2/country/all/indicator/fixed_bb_p100?mrv=1&per_page=500&format=json',
      '/v2/country/KEN;UGA;FRA;BRA/indicator/i99H;population?date=2010:2024',
      '/v2/fr/country/UGA/indicator/internet_users_pct?format=csv',
      '/v2/country?per_page=300',
      '/v2/indicator/IT.NET.USER.ZS',
      '/v2/country/BRA/indicator/fixed_bb_subs?mrnev=3',
      '/v2/idi/idi-2017/2016',
    ];
    if (process.argv.includes('--no-idi')) reads.pop(); // series and metadata only: what writes cost the other reads
    const sdmx = { accept: 'application/vnd.sdmx.data+csv;version=2.0.0' };
    // Warm-up: the first IDI of a version is computed, later ones are served from the cache.
    for (const r of reads) await (await fetch(base + r)).arrayBuffer();
    const samples: Array<{ at: string; mem: Mem }> = [{ at: 'start', mem: await mem() }];

    // Submissions: each token in turn, a few rows with new values, at a fixed rate; all must be 201.
    let stop = false;
    const writes = { sent: 0, stored: 0, errors: 0, latencies: [] as number[] };
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const started = Date.now();
        const { economy, token } = tokens[i % tokens.length];
        const body =
          'economy,indicator,year,value\n' +
          [2019, 2020, 2021, 2022, 2023].map((y) => `${economy},internet_users_pct,${y},${(30 + ((i * 7 + y) % 600) / 10).toFixed(1)}`).join('\n') +
          '\n';
        writes.sent++;
        try {
          const res = await fetch(`${base}/v2/submissions?vintage=soak-${i}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
            body,
          });
          await res.arrayBuffer();
          if (res.status === 201 || res.status === 200) writes.stored++;
          else writes.errors++;
        } catch {
          writes.errors++;
        }
        writes.latencies.push(Date.now() - started);
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 / perSecond - (Date.now() - started))));
      }
    })();
    const middle = (async () => {
      await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
      samples.push({ at: 'middle', mem: await mem() });
    })();
    const result = await autocannon({
      url: base,
      connections,
      duration: seconds,
      requests: reads.map((path, k) => ({ method: 'GET', path, ...(k === 2 ? { headers: sdmx } : {}) })),
    });
    stop = true;
    await writer;
    await middle;
    samples.push({ at: 'end', mem: await mem() });
    child.send({ type: 'stop' });

    const sorted = [...writes.latencies].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    const mb = (n: number) => (n / 2 ** 20).toFixed(0);
    const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
    const lines = [
      '## Sustained load (API)',
      '',
      `Machine: ${machine}. Command: \`node dist/benchmarks/api-soak.js --seconds ${seconds} --connections ${connections} --submissions-per-second ${perSecond}${clientBudget ? ` --client-budget ${clientBudget}` : ''}\` ` +
        `(\`npm run load-test\`). The server runs in its own process over a temporary store with the bundled data; autocannon cycles ${reads.length} GET requests ` +
        '(series JSON/CSV/SDMX-CSV, all countries mrv=1, metadata, the IDI 2017 result) on loopback while a client posts 5-row submissions from four tokens in turn. ' +
        'Every submission is a new store version, applied to the index incrementally; the IDI is recomputed once per version on its next request.',
      '',
      '| figure | value |',
      '|---|---:|',
      `| duration | ${seconds} s |`,
      `| reads | ${result.requests.total.toLocaleString('en')} (${Math.round(result.requests.average).toLocaleString('en')}/s) |`,
      `| read latency p50 / p99 / max | ${result.latency.p50} / ${result.latency.p99} / ${result.latency.max} ms |`,
      `| read errors (non-2xx, socket errors, timeouts) | ${result.non2xx + result.errors + result.timeouts} |`,
      `| submissions stored / sent | ${writes.stored} / ${writes.sent} |`,
      `| submission errors | ${writes.errors} |`,
      `| submission latency p50 / p99 / max | ${q(0.5)} / ${q(0.99)} / ${sorted[sorted.length - 1] ?? 0} ms |`,
      `| index: full builds / incremental updates | ${samples[samples.length - 1].mem.builds} / ${samples[samples.length - 1].mem.updates} |`,
      `| server RSS start / middle / end | ${samples.map((s) => mb(s.mem.rss)).join(' / ')} MiB |`,
      `| server heap used (after GC) start / middle / end | ${samples.map((s) => mb(s.mem.heapUsed)).join(' / ')} MiB |`,
      '',
    ];
    const text = lines.join('\n');
    process.stdout.write(text + '\n');
    if (process.argv.includes('--write-results')) {
      const file = join(packageRoot(), 'benchmarks', 'RESULTS.md');
      const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\n';
      const start = old.indexOf('## Sustained load (API)');
      let out: string;
      if (start < 0) out = old.replace(/\n*$/, '\n\n') + text;
      else {
        const end = old.indexOf('\n## ', start + 3);
        out = old.slice(0, start) + text + (end < 0 ? '' : old.slice(end + 1));
      }
      writeFileSync(file, out);
      process.stderr.write(`written to ${file}\n`);
    }
    const failed = result.non2xx + result.errors + result.timeouts + writes.errors;
    process.exitCode = failed ? 1 : 0;
  } finally {
    if (child.exitCode === null)
      await new Promise((r) => {
        child.once('exit', r);
        setTimeout(() => {
          child.kill('SIGKILL');
          r(undefined);
        }, 5000);
      });
    rmSync(dir, { recursive: true, force: true });
  }
}
