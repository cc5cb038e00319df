/**
 * `npm run soak [-- --seconds 60]`: the hostile soak of issue 13 (a script, not a test). For the whole run, at once,
 * against the server in its own process (a temporary store: the bundled data plus 10 earlier versions, behind a
 * simulated reverse proxy: trustProxy 127.0.0.1, each client its own X-Forwarded-For):
 *   - 20 anonymous clients, each one request at a time, rotating `asof` over the 10 versions, sensitivity
 *     requests, every IDI year of idi-2017 and /report/ paths (real and 404);
 *   - one client failing logins from one address, 20 a second;
 *   - 4 submissions a second with valid tokens (each new content);
 *   - ordinary series reads at 200 a second (open loop: sent on schedule whatever the answers do).
 * Checks: the ordinary reads' p99 < 50 ms; every valid submission accepted (201); the server's RSS after the first
 * 10 s grows by less than 10 %. Prints the figures (and exits 1 when a check fails).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

if (process.argv[2] === '--server') {
  const [{ buildServer }, { Store }, { loadBundledIntoStore }, { ObservationBuilder }, { reportStats }] = await Promise.all([
    import('../src/api/server.js'),
    import('../src/store/store.js'),
    import('../src/store/submit.js'),
    import('../src/table/observations.js'),
    import('../src/api/report.js'),
  ]);
  const store = Store.open(process.argv[3]);
  await loadBundledIntoStore(store);
  // Ten earlier versions, each revising one economy's series: what `asof` rotates over.
  const versions: string[] = [];
  for (let k = 0; k < 10; k++) {
    const b = new ObservationBuilder();
    for (let y = 2010; y <= 2022; y++)
      b.append({
        economy: ['KEN', 'GHA', 'FRA', 'BRA', 'IND', 'CHN', 'USA', 'DEU', 'NGA', 'ZAF'][k],
        indicator: 'internet_users_pct',
        year: y,
        value: 30 + k + (y - 2010),
      });
    const r = store.recordSubmission({ economy: null, submittedBy: 'soak', sha256: `soak-version-${k}`, findings: null, table: b.toTable() });
    versions.push(r.submission.receivedAt);
    await new Promise((res) => setTimeout(res, 5));
  }
  // Eight submitters (each NSO within its 30 a minute): 4 a second in all.
  const tokens = ['KEN', 'UGA', 'FRA', 'BRA', 'IND', 'GHA', 'DEU', 'CHN'].map((e) => ({ economy: e, token: store.createToken(e, 'soak').token }));
  const app = await buildServer({ store, logger: false, trustProxy: '127.0.0.1', reportEdition: 2017 });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  setInterval(
    () =>
      process.send!({
        type: 'mem',
        rss: process.memoryUsage().rss,
        cpu: process.cpuUsage(),
        stats: {
          index: { ...app.ictstatCache.stats, versions: app.ictstatCache.size, bytes: app.ictstatCache.bytes, computedBytes: app.ictstatCache.memoBytes },
          answers: { ...app.ictstatAnswers.stats, held: app.ictstatAnswers.size, bytes: app.ictstatAnswers.bytes },
          workers: {
            data: app.ictstatWorkers.data.stats.jobs,
            sensitivity: app.ictstatWorkers.sensitivity.stats.jobs,
            submission: app.ictstatWorkers.submission.stats.jobs,
          },
          reportBuilds: reportStats.builds,
        },
      }),
    1000,
  ).unref();
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stop')
      void app.close().then(() => {
        store.close();
        process.exit(0);
      });
  });
  process.send!({ type: 'ready', base, tokens, versions });
} else {
  await main();
}

interface Ready {
  base: string;
  tokens: Array<{ economy: string; token: string }>;
  versions: string[];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 60);
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-soak-'));
  const child = fork(fileURLToPath(import.meta.url), ['--server', join(dir, 'soak.db')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const rss: Array<{ t: number; rss: number }> = [];
  let stats: unknown;
  let serverCpu = { user: 0, system: 0 };
  const ready = await new Promise<Ready>((resolve) =>
    child.on('message', (m: { type: string } & Ready & { rss: number; stats: unknown; cpu: { user: number; system: number } }) => {
      if (m.type === 'ready') resolve(m);
      if (m.type === 'mem') {
        rss.push({ t: Date.now(), rss: m.rss });
        stats = m.stats;
        serverCpu = m.cpu;
      }
    }),
  );
  const { base, tokens, versions } = ready;
  const xff = (client: string) => ({ 'x-forwarded-for': client });
  // Warm what a deployment warms once: the report's first build and one IDI year (not part of the measurement).
  await fetch(`${base}/report/index.html`);
  await fetch(`${base}/v2/idi/idi-2017/2016`);

  const t0 = Date.now(),
    end = t0 + seconds * 1000;
  const cpu0 = { server: serverCpu, driver: process.cpuUsage() };
  // The machine is shared: the 1-minute load average, sampled every 5 s, says how much of it the run had.
  const load: number[] = [loadavg()[0]];
  const sampler = setInterval(() => load.push(loadavg()[0]), 5000);
  const counts: Record<string, Record<string, number>> = {};
  const count = (kind: string, status: number | string) => {
    (counts[kind] ??= {})[status] = (counts[kind][status] ?? 0) + 1;
  };
  const readLatency: number[] = [];
  let submissionsSent = 0,
    submissionsAccepted = 0;
  const failures: string[] = [];

  // 20 anonymous clients, one request at a time each.
  const years = Array.from({ length: 2022 - 2009 }, (_, k) => 2010 + k);
  const reportPaths = ['index.html', 'tables/idi-ranking.csv', 'report.json', 'mis-2017.xlsx', 'nope.html', 'tables/zzz.csv', 'x/y/z'];
  const anonymous = Array.from({ length: 20 }, async (_, c) => {
    let i = c;
    while (Date.now() < end) {
      const k = i++ % 4;
      const url =
        k === 0
          ? `/v2/country/${['KEN', 'GHA', 'FRA', 'BRA', 'IND'][i % 5]}/indicator/internet_users_pct?format=json&asof=${encodeURIComponent(versions[i % versions.length])}`
          : k === 1
            ? `/v2/idi/idi-2017/2016/sensitivity?draws=50&seed=${i % 3}`
            : k === 2
              ? `/v2/idi/idi-2017/${years[i % years.length]}`
              : `/report/${reportPaths[i % reportPaths.length]}`;
      const kind = ['asof', 'sensitivity', 'idi-year', 'report'][k];
      try {
        const r = await fetch(base + url, { headers: xff(`198.51.100.${c + 1}`) });
        await r.arrayBuffer();
        count(kind, r.status);
        if (r.status >= 500 && r.status !== 503) failures.push(`${url}: ${r.status}`);
      } catch (_e) {
        count(kind, 'network-error');
      }
    }
  });

  // One client failing logins from one address, 20 a second.
  const failing = (async () => {
    for (let n = 0; Date.now() < end; n++) {
      try {
        const r = await fetch(`${base}/v2/submissions`, {
          method: 'POST',
          headers: { authorization: `Bearer ict_${String(n).padStart(43, 'Z')}`, 'content-type': 'text/csv', ...xff('203.0.113.66') },
          body: 'economy,indicator,year,value\nKEN,i99H,2019,1\n',
        });
        await r.arrayBuffer();
        count('failed-login', r.status);
      } catch {
        count('failed-login', 'network-error');
      }
      await new Promise((res) => setTimeout(res, 50));
    }
  })();

  // 4 submissions a second with valid tokens, each new content; from the proxy's clients' own addresses.
  const submitting = (async () => {
    const pending: Array<Promise<void>> = [];
    for (let n = 0; t0 + n * 250 < end; n++) {
      const next = t0 + n * 250;
      if (next > Date.now()) await new Promise((res) => setTimeout(res, next - Date.now()));
      const t = tokens[n % tokens.length];
      submissionsSent++;
      pending.push(
        fetch(`${base}/v2/submissions?vintage=soak-${n}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.token}`, 'content-type': 'text/csv', ...xff(`192.0.2.${(n % 8) + 1}`) },
          body: `economy,indicator,year,value\n${t.economy},i99H,2023,${(n % 90) + 5 + n / 1000}\n`,
        })
          .then(async (r) => {
            const body = await r.text();
            count('submission', r.status);
            if (r.status === 201) submissionsAccepted++;
            else failures.push(`submission ${n}: ${r.status} ${body.slice(0, 120)}`);
          })
          .catch((e: Error) => {
            count('submission', 'network-error');
            failures.push(`submission ${n}: ${e.message}`);
          }),
      );
    }
    await Promise.all(pending);
  })();

  // Ordinary series reads at 200 a second, open loop.
  const reads = (async () => {
    const pending: Array<Promise<void>> = [];
    for (let n = 0; ; n++) {
      const at = t0 + n * 5;
      if (at >= end) break;
      if (at > Date.now()) await new Promise((res) => setTimeout(res, at - Date.now()));
      pending.push(
        (async () => {
          const start = performance.now();
          try {
            const r = await fetch(`${base}/v2/country/${['KEN', 'UGA', 'FRA', 'IND'][n % 4]}/indicator/internet_users_pct?format=json&date=2015:2022`, {
              headers: xff(`100.64.0.${(n % 200) + 1}`),
            });
            await r.arrayBuffer();
            readLatency.push(performance.now() - start);
            count('series-read', r.status);
          } catch {
            count('series-read', 'network-error');
          }
        })(),
      );
    }
    await Promise.all(pending);
  })();

  await Promise.all([...anonymous, failing, submitting, reads]);
  const elapsed = (Date.now() - t0) / 1000;
  clearInterval(sampler);
  load.push(loadavg()[0]);
  // CPU seconds used during the run by the server (all its threads) and by this load generator.
  const cpuS = (a: { user: number; system: number }, b: { user: number; system: number }) => +((a.user + a.system - b.user - b.system) / 1e6).toFixed(1);
  const cpu = { server: cpuS(serverCpu, cpu0.server), driver: cpuS(process.cpuUsage(), cpu0.driver) };
  await new Promise((res) => setTimeout(res, 1200));
  child.send({ type: 'stop' });
  await new Promise((res) => child.once('exit', res));
  rmSync(dir, { recursive: true, force: true });

  const after10 = rss.find((r) => r.t >= t0 + 10_000)?.rss ?? rss[0]?.rss ?? 0;
  const last = rss.at(-1)?.rss ?? 0;
  const growth = (last - after10) / after10;
  const p50 = percentile(readLatency, 50),
    p99 = percentile(readLatency, 99);
  const checks = {
    'read p99 < 50 ms': p99 < 50,
    'every valid submission accepted': submissionsAccepted === submissionsSent && submissionsSent > 0,
    'RSS growth after 10 s < 10 %': growth < 0.1,
    'no 5xx but 503 (busy)': failures.filter((f) => !f.startsWith('submission')).length === 0,
  };
  console.log(
    JSON.stringify(
      {
        seconds: +elapsed.toFixed(1),
        cores: cpus().length,
        loadAverage1min: { start: load[0], max: Math.max(...load), end: load.at(-1) },
        cpuSeconds: cpu,
        seriesReads: {
          count: readLatency.length,
          perSecond: +(readLatency.length / elapsed).toFixed(1),
          p50Ms: +p50.toFixed(1),
          p99Ms: +p99.toFixed(1),
          maxMs: +Math.max(...readLatency).toFixed(1),
        },
        submissions: { sent: submissionsSent, accepted: submissionsAccepted },
        rssMiB: {
          start: +((rss[0]?.rss ?? 0) / 2 ** 20).toFixed(0),
          after10s: +(after10 / 2 ** 20).toFixed(0),
          end: +(last / 2 ** 20).toFixed(0),
          growthPct: +(growth * 100).toFixed(1),
          every5s: rss.filter((_, k) => k % 5 === 0).map((r) => Math.round(r.rss / 2 ** 20)),
        },
        answers: counts,
        cache: stats,
        failures: failures.slice(0, 10),
        checks,
      },
      null,
      2,
    ),
  );
  process.exit(Object.values(checks).every(Boolean) ? 0 : 1);
}
