/**
 * `npm run bench -- --scenario e2e [--only prices,idi] [--reps 5] [--json] [--work DIR]`: whole processes, as users run them (issue 14).
 * Every command is timed with /usr/bin/time (wall seconds and peak RSS) over --reps cold runs (a new process each
 * time, no result cache carried over), against peers in the same run: `node -e 0` (the floor), DuckDB as a whole Node
 * process (@duckdb/node-api: read_csv of the same file at the same thread count; the IDI's normalise-aggregate-rank in
 * SQL from a Parquet copy of the same bundled observations), and a plain Node script with fast-csv (today's path).
 * Commands run as `node dist/cli/main.js ...` (what the `ictstat` bin runs: the CLI bundle, scripts/build-cli.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { bundledSnapshot } from '../src/ingest/bundled.js';
import { indexUniverse } from '../src/idi/compute.js';
import { loadMethodology } from '../src/idi/methodology.js';
import { loadEconomyRegistry } from '../src/registry/economies.js';
import { loadGroupings } from '../src/registry/groupings.js';
import { loadIndicatorRegistry } from '../src/registry/indicators.js';
import { observationsToCsv } from '../src/table/io.js';
import { packageRoot } from '../src/util/paths.js';
import { cliEntry } from '../src/util/bundle.js';
import { machineBusyMs, processCpuMs } from './proc-cpu.js';

export interface E2eRun {
  median_s: number;
  /** Median CPU seconds (user + system) of the process: on a shared machine, the figure that load disturbs least. */
  cpu_s?: number;
  min_s: number;
  max_s: number;
  peak_rss_mb: number;
  runs: number;
}
export interface E2eEntry {
  name: string;
  command: string;
  result: E2eRun | null;
  error?: string;
  ratios?: Record<string, number>;
  /** Figures of each run where an entry has more than its time (the API load: reads/s, latency, CPU shares). */
  runs?: LoadRun[];
}

/** One measured window of the API load (after its warm-up). */
export interface LoadRun {
  reads_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
  /** CPU of the window as a share of one core (100 = one core busy all the window), from /proc (Linux; absent elsewhere). */
  server_cpu_pct?: number;
  /** The load generator's (autocannon, in this benchmark's process). */
  generator_cpu_pct?: number;
  /** Everything else on the machine (other processes: on a shared machine, what took the server's core). */
  others_cpu_pct?: number;
  /** The server's CPU per answer, microseconds: the figure the machine's load disturbs least. */
  server_us_per_read?: number;
  load1: number;
}
export interface E2eScenario {
  name: string;
  entries: E2eEntry[];
  note?: string;
  /** One-minute load average when the scenario started (the machine is shared: ratios within a run are what count). */
  load1?: number;
}

const ROOT = packageRoot();
const CLI = cliEntry();
const node = process.execPath;
const load1 = (): number => +loadavg()[0].toFixed(2);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b),
    h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/** Run a command `reps` times under /usr/bin/time; every run a fresh process. */
function timeCommand(argv: string[], reps: number, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): E2eRun {
  const walls: number[] = [],
    cpus: number[] = [],
    rss: number[] = [];
  const out = join(mkdtempSync(join(process.env.TMPDIR ?? '/tmp', 'ictstat-e2e-t-')), 'time');
  for (let i = 0; i < reps; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', '-o', out, ...argv], {
      cwd: opts.cwd ?? ROOT,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0 && r.status !== 2) throw new Error(`${argv.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-400)}`);
    const [wall, kb, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    walls.push(wall);
    cpus.push(user + sys);
    rss.push(kb / 1024);
  }
  return {
    median_s: median(walls),
    cpu_s: +median(cpus).toFixed(2),
    min_s: Math.min(...walls),
    max_s: Math.max(...walls),
    peak_rss_mb: +Math.max(...rss).toFixed(1),
    runs: reps,
  };
}

function entry(name: string, argv: string[], reps: number, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): E2eEntry {
  const command = argv.map((a) => (a.startsWith(ROOT) ? a.slice(ROOT.length + 1) : a)).join(' ');
  process.stderr.write(`  e2e ${name}: ${command} ...\n`);
  try {
    return { name, command, result: timeCommand(argv, reps, opts) };
  } catch (e) {
    return { name, command, result: null, error: (e as Error).message };
  }
}

/** Ratios of each entry's median to the named baselines' (in the same run). */
function withRatios(entries: E2eEntry[], baselines: Record<string, E2eRun | null>): E2eEntry[] {
  return entries.map((e) => {
    if (!e.result) return e;
    const ratios: Record<string, number> = {};
    for (const [k, b] of Object.entries(baselines)) if (b && b !== e.result) ratios[k] = +(e.result.median_s / b.median_s).toFixed(2);
    return { ...e, ratios };
  });
}

/** 1,000,000 valid canonical observations: every economy x enough indicators of the registry x the years 1960-2025, values mid-range. */
function writeIngestCsv(file: string, rows: number): void {
  const econ = loadEconomyRegistry()
    .all()
    .map((e) => e.iso3);
  const inds = loadIndicatorRegistry().indicators.filter((d) => !d.derived && d.range[1] > d.range[0]);
  const years = Array.from({ length: 66 }, (_, k) => 1960 + k);
  const parts: string[] = ['economy,indicator,year,value,note,source,series_code\n'];
  let n = 0;
  outer: for (const d of inds)
    for (const e of econ)
      for (const y of years) {
        const v = d.range[0] + (d.range[1] - d.range[0]) * (0.4 + 0.001 * ((y * 7 + e.charCodeAt(0)) % 100));
        parts.push(`${e},${d.id},${y},${+v.toPrecision(8)},,benchmark,\n`);
        if (++n >= rows) break outer;
      }
  writeFileSync(file, parts.join(''));
}

async function duckdbParquet(csv: string, parquet: string): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run(
    `COPY (SELECT * FROM read_csv('${csv}', header = true, types = {'economy': 'VARCHAR', 'indicator': 'VARCHAR', 'year': 'SMALLINT', 'value': 'DOUBLE', 'note': 'VARCHAR', 'source': 'VARCHAR', 'series_code': 'VARCHAR'})) TO '${parquet}' (FORMAT parquet)`,
  );
}

/** API load: connections, warm-up (not measured) and measured seconds of each run. */
export const API_LOAD = { connections: 20, warmupS: 2, seconds: 10 };

type Autocannon = (
  o: object,
) => Promise<{ requests: { average: number }; latency: { p50: number; p99: number }; errors: number; timeouts: number; non2xx: number }>;

/**
 * One run of series reads against the server `pid` at `url`: API_LOAD.warmupS seconds at the same concurrency first
 * (not measured: the first answers of a process are made, held and compressed, V8 optimises the hot path, sockets
 * open), then API_LOAD.seconds measured, with the CPU of the server, of the load generator (this process) and of
 * everything else on the machine over the measured window: on two cores shared with other work, the reads/s are
 * what the server's share of a core allows, and these say what that share was.
 */
async function apiLoadRun(autocannon: Autocannon, url: string, pid: number): Promise<LoadRun> {
  await autocannon({ url, connections: API_LOAD.connections, duration: API_LOAD.warmupS });
  const s0 = processCpuMs(pid),
    m0 = machineBusyMs(),
    g0 = process.cpuUsage(),
    t0 = performance.now();
  const r = await autocannon({ url, connections: API_LOAD.connections, duration: API_LOAD.seconds });
  const wall = performance.now() - t0,
    s1 = processCpuMs(pid),
    m1 = machineBusyMs(),
    g = process.cpuUsage(g0);
  const reads = Math.round(r.requests.average);
  const run: LoadRun = { reads_per_s: reads, p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, load1: load1() };
  if (s0 !== undefined && s1 !== undefined && m0 !== undefined && m1 !== undefined) {
    const server = s1 - s0,
      generator = (g.user + g.system) / 1000;
    const pct = (ms: number) => Math.round((100 * ms) / wall);
    run.server_cpu_pct = pct(server);
    run.generator_cpu_pct = pct(generator);
    run.others_cpu_pct = Math.max(0, pct(m1 - m0 - server - generator));
    if (reads > 0) run.server_us_per_read = Math.round((1000 * server) / (reads * (wall / 1000)));
  }
  return run;
}

/** A run's figures as one line (RESULTS.md's table shows them in the note column). */
function loadRunText(r: LoadRun): string {
  const cpu =
    r.server_cpu_pct === undefined
      ? ''
      : `; CPU % of a core: server ${r.server_cpu_pct}, generator ${r.generator_cpu_pct}, others ${r.others_cpu_pct}; server ${r.server_us_per_read} us/read`;
  return `${r.reads_per_s} reads/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms${r.errors || r.non2xx ? `, errors ${r.errors}, non-2xx ${r.non2xx}` : ''}${cpu}; load ${r.load1}`;
}

/** Start `serve` on a loaded store and time until the first series answer; then the API load (every run), and the IDI reads after a submission (last run). */
async function serverScenario(work: string, reps: number): Promise<E2eScenario> {
  const store = join(work, 'server.db');
  if (!existsSync(store)) spawnSync(node, [CLI, 'db', 'load', '--store', store], { stdio: 'ignore' });
  const port = 18_000 + (process.pid % 1000);
  const url = `http://127.0.0.1:${port}/v2/country/KEN/indicator/IT.NET.USER.ZS?format=json`;
  const starts: number[] = [];
  const runs: LoadRun[] = [];
  let idiLoad: E2eEntry | undefined;
  const autocannon = (await import('autocannon')).default as unknown as Autocannon;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    // --client-budget 0: the load generator is one address asking as fast as it can, which the per-client budget
    // would hold to one client's share (SECURITY.md); the figures are the server's throughput for many clients.
    const child = spawn(node, [CLI, 'serve', '--store', store, '--port', String(port), '--log-level', 'silent', '--client-budget', '0'], { stdio: 'ignore' });
    for (;;) {
      try {
        if ((await fetch(url)).status === 200) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 20));
      if (performance.now() - t0 > 60_000) break;
    }
    starts.push((performance.now() - t0) / 1000);
    runs.push(await apiLoadRun(autocannon, url, child.pid!));
    if (i === reps - 1) {
      const token = spawnSync(node, [CLI, 'token', 'create', '--economy', 'KEN', '--label', 'e2e', '--store', store], { encoding: 'utf8' }).stdout.trim();
      const idi = await idiAfterSubmission(`http://127.0.0.1:${port}`, token);
      idiLoad = {
        name: 'api-idi-after-submission',
        command: 'IDI years (4 in turn) at 4 connections for 7 s; 3 submissions 2 s apart from 1 s; p99 of the reads started after the first was stored',
        result: null,
        error: `${idi.reads} reads after the submission (${idi.before} before), p50 ${idi.p50} ms, p99 ${idi.p99} ms (target 50), max ${idi.max} ms; ${idi.stored} of 3 stored, non-200 ${idi.bad}`,
      };
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  const med = (k: 'reads_per_s' | 'p99_ms') => median(runs.map((r) => r[k]));
  const load: E2eEntry = {
    name: 'api-load',
    command: `autocannon -c ${API_LOAD.connections} -d ${API_LOAD.seconds} (after ${API_LOAD.warmupS} s not measured) ${url.replace(String(port), 'PORT')}`,
    result: null,
    error: `median of ${runs.length} runs: ${med('reads_per_s')} reads/s, p99 ${med('p99_ms')} ms; runs: ${runs.map(loadRunText).join(' | ')}`,
    runs,
  };
  return {
    name: 'server',
    note: `start of \`ictstat serve\` on a loaded store to its first series answer; then in each run ${API_LOAD.warmupS} s of series reads at ${API_LOAD.connections} connections not measured (warm-up) and ${API_LOAD.seconds} s measured (figures per run in the api-load line)`,
    entries: [
      {
        name: 'start-to-first-answer',
        command: `ictstat serve --store server.db`,
        result: {
          median_s: +median(starts).toFixed(3),
          min_s: +Math.min(...starts).toFixed(3),
          max_s: +Math.max(...starts).toFixed(3),
          peak_rss_mb: 0,
          runs: reps,
        },
      },
      load,
      ...(idiLoad ? [idiLoad] : []),
    ],
  };
}

/**
 * Issue 14's API target "IDI reads after a submission at most 50 ms p99": IDI years read at a fixed concurrency (4
 * connections, each one request at a time, 4 years in turn, compressed as clients ask) while submissions land (3,
 * 2 s apart, each a new store version); the p99 of the reads that started after the first one was stored (the
 * first read of a new computed version gets the previous version's answer while the new one is computed).
 */
async function idiAfterSubmission(base: string, token: string) {
  const { Agent, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const r = request(`${base}${path}`, { agent, headers: { 'accept-encoding': 'gzip, br' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      r.on('error', reject);
      r.end();
    });
  const years = [2010, 2012, 2014, 2016];
  for (const y of years) await get(`/v2/idi/idi-2017/${y}`); // each year computed once, as a running server has
  const samples: Array<[number, number]> = [];
  let stop = false,
    bad = 0,
    stored = 0,
    firstStored = Number.POSITIVE_INFINITY;
  const readers = Array.from({ length: 4 }, async (_, c) => {
    for (let i = c; !stop; i++) {
      const t = performance.now();
      if ((await get(`/v2/idi/idi-2017/${years[i % years.length]}`)) !== 200) bad++;
      samples.push([t, performance.now() - t]);
    }
  });
  for (let k = 0; k < 3; k++) {
    await sleep(k === 0 ? 1000 : 2000);
    const r = await fetch(`${base}/v2/submissions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: `economy,indicator,year,value\nKEN,internet_users_pct,2016,${21 + k + Math.random()}\n`,
    });
    await r.arrayBuffer();
    if (r.status === 201) {
      stored++;
      firstStored = Math.min(firstStored, performance.now());
    }
  }
  await sleep(2000);
  stop = true;
  await Promise.all(readers);
  agent.destroy();
  const after = samples
    .filter(([t]) => t >= firstStored)
    .map(([, d]) => d)
    .sort((a, b) => a - b);
  const at = (p: number) => +(after[Math.min(after.length - 1, Math.floor(p * after.length))] ?? Number.NaN).toFixed(1);
  return {
    reads: after.length,
    before: samples.length - after.length,
    p50: at(0.5),
    p99: at(0.99),
    max: +(after.at(-1) ?? Number.NaN).toFixed(1),
    stored,
    bad,
  };
}

export async function runE2e(o: { reps: number; work: string; smoke?: boolean; only?: string }): Promise<E2eScenario[]> {
  const work = join(o.work, 'e2e');
  // `--only idi,prices`: the scenarios whose name starts with one of these (the floor always runs: ratios need it).
  const only = o.only?.split(',').filter(Boolean);
  const want = (name: string): boolean => !only?.length || only.some((p) => name.startsWith(p));
  mkdirSync(work, { recursive: true });
  const reps = o.smoke ? 1 : o.reps;
  const scenarios: E2eScenario[] = [];
  const floor = entry('node -e 0', [node, '-e', '0'], reps);
  scenarios.push({ name: 'floor', load1: load1(), entries: [floor] });

  if (want('version')) {
    scenarios.push({
      name: 'version',
      load1: load1(),
      entries: withRatios([entry('ictstat --version', [node, CLI, '--version'], reps)], { 'node -e 0': floor.result }),
    });
  }
  if (want('series')) {
    scenarios.push({
      name: 'series',
      load1: load1(),
      entries: withRatios([entry('ictstat series', [node, CLI, 'series', '--economy', 'KEN', '--indicator', 'internet_users_pct'], reps)], {
        'node -e 0': floor.result,
      }),
    });
  }

  if (want('idi')) {
    // The IDI on the bundled data, and DuckDB doing the same from a Parquet copy of the same observations.
    const m = loadMethodology('idi-2017');
    const universe = join(work, 'universe.csv'),
      parquet = join(work, 'bundled.parquet'),
      csv = join(work, 'bundled.csv');
    writeFileSync(
      universe,
      'economy\n' +
        indexUniverse(
          m,
          loadGroupings(),
          loadEconomyRegistry()
            .all()
            .map((e) => e.iso3),
        ).join('\n') +
        '\n',
    );
    if (!existsSync(parquet)) {
      const snap = bundledSnapshot();
      if (!snap) throw new Error('no bundled-data snapshot: run npm run build');
      writeFileSync(csv, observationsToCsv(snap));
      await duckdbParquet(csv, parquet);
    }
    const idi = entry('ictstat idi', [node, CLI, 'idi', '--methodology', 'idi-2017', '--year', '2016', '--format', 'csv'], reps);
    const duck = entry('duckdb idi (SQL)', [node, join(ROOT, 'dist', 'benchmarks', 'e2e', 'duckdb-idi.js'), parquet, 'idi-2017', '2016', universe], reps);
    scenarios.push({
      name: 'idi',
      load1: load1(),
      note: 'idi-2017, data year 2016, bundled data; the DuckDB peer reads a Parquet copy of the snapshot and does no imputation',
      entries: withRatios([idi, duck], { 'node -e 0': floor.result, duckdb: duck.result }),
    });
  }

  if (want('ingest') || want('csv-parsers')) {
    // Ingest with validation of 1 M canonical rows, against DuckDB's read_csv at one thread and fast-csv.
    const rows = o.smoke ? 20_000 : 1_000_000;
    const ingestFile = join(work, `ingest-${rows}.csv`);
    if (!existsSync(ingestFile)) writeIngestCsv(ingestFile, rows);
    if (want('ingest')) {
      const ing = entry('ictstat ingest', [node, CLI, 'ingest', ingestFile, '--jump-factor', '0'], reps);
      const dIng = entry('duckdb read_csv (1 thread)', [node, join(ROOT, 'dist', 'benchmarks', 'e2e', 'duckdb-ingest.js'), ingestFile, '1'], reps);
      const fIng = entry('node + fast-csv', [node, join(ROOT, 'dist', 'benchmarks', 'e2e', 'fastcsv-ingest.js'), ingestFile], reps);
      const ingScenario = withRatios([ing, dIng, fIng], { duckdb: dIng.result, 'fast-csv': fIng.result });
      scenarios.push({
        name: 'ingest',
        load1: load1(),
        note: `${rows.toLocaleString('en')} canonical observations; ictstat validates every row; observations/s = rows / median`,
        entries: ingScenario.map((e) => (e.result ? { ...e, error: `${Math.round(rows / e.result.median_s).toLocaleString('en')} observations/s` } : e)),
      });
    }

    // The CSV parser candidates on the same file, parse only (benchmarks/e2e/csv-candidates.ts): the one wired into
    // ingest (ours-bytes: field ranges, no strings; ours: its text twin) is the fastest that passes the tokenizer
    // property tests, the fuzz corpus and the CSV-bounds tests.
    if (want('csv-parsers')) {
      const parsers = ['ours-bytes', 'ours', 'udsv', 'papaparse', 'csv-parse', 'd3-dsv', 'fast-csv'].map((p) =>
        entry(`parse: ${p}`, [node, join(ROOT, 'dist', 'benchmarks', 'e2e', 'csv-candidates.js'), p, ingestFile], reps),
      );
      scenarios.push({
        name: 'csv-parsers',
        load1: load1(),
        note: `the ${rows.toLocaleString('en')}-row ingest file, every record's fields as strings, no validation; records/s = rows / median`,
        entries: withRatios(parsers, { 'ours-bytes': parsers[0].result, ours: parsers[1].result }).map((e) =>
          e.result ? { ...e, error: `${Math.round(rows / e.result.median_s).toLocaleString('en')} records/s` } : e,
        ),
      });
    }
  }

  if (want('prices')) {
    // Prices on synthetic tariff plans, against DuckDB reading the same file and pricing a simplified basket in SQL
    // (benchmarks/e2e/duckdb-prices.ts, one thread): the floor for reading and pricing the same plans.
    for (const plans of o.smoke ? [5_000] : [1_000_000, 3_000_000]) {
      const tariffs = join(work, `tariffs-${plans}.csv`);
      if (!existsSync(tariffs))
        spawnSync(node, [CLI, 'prices', 'synthetic', '--seed', '1', '--plans', String(plans), '--from', '2021', '--to', '2022', '--out', tariffs], {
          stdio: 'ignore',
        });
      const runs = o.smoke ? 1 : Math.min(reps, 3);
      const ours = entry(
        `ictstat prices compute (${plans.toLocaleString('en')} plans)`,
        [node, CLI, 'prices', 'compute', '--tariffs', tariffs, '--basket', 'mobile-data-2gb', '--year', '2022'],
        runs,
      );
      const duck = entry(
        'duckdb read_csv + basket SQL (1 thread)',
        [node, join(ROOT, 'dist', 'benchmarks', 'e2e', 'duckdb-prices.js'), tariffs, '2022', '2000', '1'],
        runs,
      );
      scenarios.push({
        name: `prices-${plans}`,
        load1: load1(),
        note: 'mobile-data-2gb, 2022; DuckDB prices a simplified basket (data allowance, validity, no operator/payment rules, shortfalls, VAT or conversions)',
        entries: withRatios([ours, duck], { 'node -e 0': floor.result, duckdb: duck.result }),
      });
    }
  }

  if (want('report')) {
    const out = join(work, 'report');
    scenarios.push({
      name: 'report',
      load1: load1(),
      note: 'defaults: the sensitivity analysis of the ranks (1,000 draws, 9,000 scenarios) included; three threads: main (data, index, tables, workbook), charts (vega), scenario ranks',
      entries: withRatios([entry('ictstat report --edition 2017', [node, CLI, 'report', '--edition', '2017', '--out', out], o.smoke ? 1 : Math.min(reps, 5))], {
        'node -e 0': floor.result,
      }),
    });
    rmSync(out, { recursive: true, force: true });
  }

  if (want('server')) {
    const serverLoad = load1();
    scenarios.push({ ...(await serverScenario(work, o.smoke ? 1 : reps)), load1: serverLoad });
  }
  return scenarios;
}

/** A Markdown table of the scenarios (RESULTS.md). */
export function e2eMarkdown(scenarios: E2eScenario[]): string {
  const lines = ['| scenario (load) | command | median s | min s | CPU s | peak RSS MiB | ratios | note |', '|---|---|---:|---:|---:|---:|---|---|'];
  for (const s of scenarios)
    for (const e of s.entries)
      lines.push(
        `| ${s.name}${s.load1 === undefined ? '' : ` (${s.load1})`} | \`${e.command}\` | ${e.result?.median_s ?? '-'} | ${e.result?.min_s ?? '-'} | ${e.result?.cpu_s ?? '-'} | ${e.result?.peak_rss_mb || '-'} | ${Object.entries(
          e.ratios ?? {},
        )
          .map(([k, v]) => `${v}x ${k}`)
          .join(', ')} | ${e.error ?? ''} |`,
      );
  return lines.join('\n') + '\n';
}
