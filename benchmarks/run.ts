/**
 * `npm run bench [-- --scenario NAME] [--json] [--reps N] [--warmup-s S] [--min-s S] [--cap-s S] [--smoke] [--work DIR]`
 *
 * Each scenario builds its input once, runs every peer in a child process of its own (peak RSS per peer),
 * first checks that every peer returns the engine's numbers, warms every peer up for the same time (--warmup-s,
 * default 3 s), times at least --reps runs (default 5) and at least --min-s of work (default 2 s; at most 500
 * runs), then reports the median, min and max of the timed runs, the first (cold) run, each peer's ratio to the engine, load time (apart) and peak RSS. `--json` prints only
 * {"machine", "scenarios"} on stdout (progress goes to stderr). `--smoke` runs every scenario at a tiny size
 * with one repetition, the Node peers in process (the test suite's check of peers and JSON shape).
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/util/paths.js';
import { readBin, type Typed } from './bin.js';
import { runPeer, type PeerResult } from './peer.js';
import { basketsInput, idiPanelInput, monteCarloInput, readBin as readInput, type BasketsMeta } from './inputs.js';

export interface Result {
  impl: string;
  median_ms: number | null;
  min_ms: number | null;
  max_ms: number | null;
  peak_rss_mb: number | null;
  ratio_to_engine: number | null;
  load_ms: number | null;
  first_ms: number | null;
  warmup_runs: number | null;
  runs: number;
  agrees: boolean | null;
  mismatches?: number;
  dnf?: boolean;
  note?: string;
}
export interface ScenarioResult {
  name: string;
  size: Record<string, number | string>;
  results: Result[];
  parse_ms?: number;
  check: string;
}
export interface Report {
  machine: Record<string, unknown>;
  command: string;
  scenarios: ScenarioResult[];
}

interface Options {
  scenario?: string;
  json: boolean;
  reps: number;
  warmMs: number;
  minMs: number;
  capMs: number;
  smoke: boolean;
  work: string;
  /** e2e: only these scenarios (comma-separated names; the floor always runs). */
  only?: string[];
}

const here = dirname(fileURLToPath(import.meta.url));
const log = (s: string): void => {
  process.stderr.write(s + '\n');
};

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, reps: 5, warmMs: 3000, minMs: 2000, capMs: 60_000, smoke: false, work: join(tmpdir(), 'ictstat-bench') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--smoke') o.smoke = true;
    else if (a === '--scenario') o.scenario = argv[++i];
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a === '--cap-s') o.capMs = Number(argv[++i]) * 1000;
    else if (a === '--warmup-s') o.warmMs = Number(argv[++i]) * 1000;
    else if (a === '--min-s') o.minMs = Number(argv[++i]) * 1000;
    else if (a === '--work') o.work = argv[++i];
    else if (a === '--only') o.only = argv[++i].split(',');
    else throw new Error(`unknown argument ${a} (--scenario NAME, --json, --reps N, --warmup-s S, --min-s S, --cap-s S, --smoke, --work DIR, --only NAMES)`);
  }
  if (o.smoke) {
    o.reps = 1;
    o.warmMs = 0;
    o.minMs = 0;
  }
  return o;
}

export function machine(): Record<string, unknown> {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpu;
  } catch {
    /* not Linux */
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    /* no nproc */
  }
  return {
    nproc,
    cpu,
    memory_gb: +(totalmem() / 2 ** 30).toFixed(1),
    free_memory_gb: +(freemem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavg_at_start: loadavg().map((x) => +x.toFixed(2)),
  };
}

// ---------------------------------------------------------------- running peers
type ChildResult = PeerResult;

function runChild(args: Record<string, unknown>, o: Options): Promise<ChildResult | { dnf: true; error?: string }> {
  const { reps, capMs, warmMs, minMs } = o;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=8192', join(here, 'child.js'), JSON.stringify({ ...args, reps, capMs, warmMs, minMs })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '',
      err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // The cap: every run within capMs, the warm-up and the minimum time, plus a minute for loading.
    const timer = setTimeout(() => child.kill('SIGKILL'), capMs * (reps + 2) + warmMs + minMs + 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 || signal)
        return resolve({ dnf: true, error: signal ? `killed (${signal}): over the time cap` : err.trim().split('\n').slice(-5).join(' | ') });
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

let cBinary: string | undefined;
function compileC(work: string): string {
  if (cBinary) return cBinary;
  const dir = mkdtempSync(join(work, 'c-'));
  const bin = join(dir, 'idi_panel');
  execFileSync('cc', ['-O2', '-o', bin, join(packageRoot(), 'benchmarks', 'c', 'idi_panel.c'), '-lm'], { stdio: 'inherit' });
  return (cBinary = bin);
}

function runC(input: string, out: string, o: Options): ChildResult | { dnf: true; error: string } {
  const t0 = performance.now();
  try {
    const stdout = execFileSync(cBinary!, [input, out, String(o.reps), String(o.minMs), String(o.warmMs)], {
      encoding: 'utf8',
      timeout: o.capMs * (o.reps + 2) + o.warmMs + o.minMs + 60_000,
    });
    const wall = performance.now() - t0;
    const r = JSON.parse(stdout.trim()) as { first_ms: number; warmup_runs: number; warmup_ms: number; times_ms: number[]; peak_rss_mb: number };
    // Load time: the wall time of the process less its compute.
    const compute = r.first_ms + r.warmup_ms + r.times_ms.reduce((a, b) => a + b, 0);
    return { load_ms: Math.max(0, wall - compute), first_ms: r.first_ms, warmup_runs: r.warmup_runs, times_ms: r.times_ms, peak_rss_mb: r.peak_rss_mb };
  } catch (e) {
    return { dnf: true, error: (e as Error).message };
  }
}

// ---------------------------------------------------------------- checking that peers agree
type Check = (engine: Record<string, Typed>, peer: Record<string, Typed>) => number;

/** Index scores equal (1e-12) and ranks equal, except ranks of scores within 1e-9 of another score in their group (float near-ties). */
function idiCheck(groupSize: number): Check {
  return (a, b) => {
    const sa = a.score as Float64Array,
      sb = b.score as Float64Array,
      ra = a.rank as Int32Array,
      rb = b.rank as Int32Array;
    let bad = 0;
    for (let c = 0; c < sa.length; c++) {
      const x = sa[c],
        y = sb[c];
      if (Number.isNaN(x) !== Number.isNaN(y) || Math.abs(x - y) > 1e-12) {
        bad++;
        continue;
      }
      if (ra[c] !== rb[c]) {
        const g0 = c - (c % groupSize);
        let nearTie = false;
        for (let j = g0; j < g0 + groupSize && !nearTie; j++) nearTie = j !== c && Math.abs(sa[j] - x) < 1e-9;
        if (!nearTie) bad++;
      }
    }
    return bad;
  };
}
const ranksCheck: Check = (a, b) => {
  let bad = 0;
  const x = a.rank,
    y = b.rank;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) bad++;
  return bad;
};
const basketsCheck: Check = (a, b) => {
  let bad = 0;
  const pa = a.plan,
    pb = b.plan,
    ca = a.cost as Float64Array,
    cb = b.cost as Float64Array;
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i] || (pa[i] >= 0 && Math.abs(ca[i] - cb[i]) > 1e-9 * Math.abs(ca[i]))) bad++;
  return bad;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b),
    h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

async function runScenario(
  o: Options,
  name: string,
  size: Record<string, number | string>,
  input: string,
  impls: string[],
  check: Check,
  checkText: string,
  extra: Partial<ScenarioResult> = {},
): Promise<ScenarioResult> {
  const scenario = typeof size.of === 'string' ? size.of : name;
  const outputs = new Map<string, Record<string, Typed>>();
  const results: Result[] = [];
  for (const impl of impls) {
    log(`  ${name} ${JSON.stringify(size)} ${impl} ...`);
    const out = join(dirname(input), `out-${name}-${Object.values(size).join('-')}-${impl}.bin`);
    // The smoke runs the Node peers in process (seconds, not a process per peer); the real run isolates each peer.
    const r =
      impl === 'c'
        ? runC(input, out, o)
        : o.smoke
          ? await runPeer({ scenario, impl, input, out, reps: o.reps, capMs: o.capMs, warmMs: o.warmMs, minMs: o.minMs }).catch((e: Error) => ({
              dnf: true as const,
              error: e.message,
            }))
          : await runChild({ scenario, impl, input, out }, o);
    if ('dnf' in r || r.times_ms.length === 0 || r.first_ms > o.capMs || r.times_ms.some((t) => t > o.capMs)) {
      const error = 'dnf' in r ? r.error : `a run took over the cap of ${o.capMs / 1000} s`;
      log(`    DNF: ${error}`);
      results.push({
        impl,
        median_ms: null,
        min_ms: null,
        max_ms: null,
        peak_rss_mb: 'dnf' in r ? null : r.peak_rss_mb,
        ratio_to_engine: null,
        load_ms: 'dnf' in r ? null : r.load_ms,
        first_ms: 'dnf' in r ? null : +r.first_ms.toFixed(2),
        warmup_runs: 'dnf' in r ? null : r.warmup_runs,
        runs: 0,
        agrees: null,
        dnf: true,
        note: error,
      });
      continue;
    }
    const output = impl === 'c' ? cOutput(out, outputs.get('engine')!) : readBin(out).arrays;
    outputs.set(impl, output);
    rmSync(out, { force: true });
    results.push({
      impl,
      median_ms: median(r.times_ms),
      min_ms: Math.min(...r.times_ms),
      max_ms: Math.max(...r.times_ms),
      peak_rss_mb: +r.peak_rss_mb.toFixed(1),
      ratio_to_engine: null,
      load_ms: +r.load_ms.toFixed(1),
      first_ms: +r.first_ms.toFixed(2),
      warmup_runs: r.warmup_runs,
      runs: r.times_ms.length,
      agrees: null,
    });
  }
  const engine = outputs.get('engine');
  const e = results.find((r) => r.impl === 'engine');
  for (const r of results) {
    if (r.dnf || !engine) continue;
    const bad = r.impl === 'engine' ? 0 : check(engine, outputs.get(r.impl)!);
    r.agrees = bad === 0;
    if (bad) r.mismatches = bad;
    if (e?.median_ms && r.median_ms !== null) r.ratio_to_engine = +(r.median_ms / e.median_ms).toFixed(3);
  }
  return { name, size, results, check: checkText, ...extra };
}

/** The C program writes score (f64 x C) then rank (i32 x C) raw. */
function cOutput(file: string, engine: Record<string, Typed>): Record<string, Typed> {
  const buf = readFileSync(file),
    C = engine.score.length;
  const score = new Float64Array(C),
    rank = new Int32Array(C);
  new Uint8Array(score.buffer).set(buf.subarray(0, C * 8));
  new Uint8Array(rank.buffer).set(buf.subarray(C * 8, C * 12));
  return { score, rank };
}

// ---------------------------------------------------------------- scenarios
const IDI_CHECK = "index score (1e-12) and rank of every economy x year x scenario equal to the engine's (ranks of float near-ties within 1e-9 excepted)";

async function idiPanel(o: Options, dir: string, Ks: number[], impls: string[], name = 'idi-panel', factor?: number): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const K of Ks) {
    const input = await idiPanelInput(dir, K);
    const meta = readInput<{ economies: string[]; nYears: number }>(input).meta;
    const size: Record<string, number | string> = {
      ...(name === 'scaling' ? { of: 'idi-panel', factor: factor! * (K / Ks[0]) } : {}),
      K,
      economies: meta.economies.length,
      years: meta.nYears,
    };
    out.push(await runScenario(o, name, size, input, impls, idiCheck(meta.economies.length), IDI_CHECK));
  }
  return out;
}

async function monteCarlo(o: Options, dir: string, draws: number[], impls: string[], name = 'monte-carlo'): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const n of draws) {
    const input = await monteCarloInput(dir, n);
    const meta = readInput<{ economies: string[]; d: number }>(input).meta;
    const size: Record<string, number | string> = {
      ...(name === 'scaling' ? { of: 'monte-carlo', factor: n / draws[0] } : {}),
      draws: n,
      economies: meta.economies.length,
      factors: meta.d,
    };
    out.push(await runScenario(o, name, size, input, impls, ranksCheck, "the rank of every economy in every draw equal to the engine's"));
  }
  return out;
}

async function baskets(o: Options, dir: string, plans: number[], impls: string[], name = 'baskets'): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const n of plans) {
    log(`  baskets: synthetic tariffs, ${n} plans ...`);
    const input = await basketsInput(dir, n);
    const meta = readInput<BasketsMeta>(input).meta;
    const size: Record<string, number | string> = {
      ...(name === 'scaling' ? { of: 'baskets', factor: n / plans[0] } : {}),
      plans: meta.plans,
      years: meta.years.length,
      basket: meta.basket,
    };
    out.push(
      await runScenario(
        o,
        name,
        size,
        input,
        impls,
        basketsCheck,
        "the chosen plan and its cost (1e-9 relative) for every economy and year equal to the engine's",
        { parse_ms: +meta.parse_ms.toFixed(1) },
      ),
    );
  }
  return out;
}

export const SCENARIOS = ['idi-panel', 'monte-carlo', 'baskets', 'scaling'] as const;

export async function runBenchmarks(o: Options): Promise<Report> {
  if (o.scenario && !(SCENARIOS as readonly string[]).includes(o.scenario)) throw new Error(`unknown scenario "${o.scenario}" (${SCENARIOS.join(', ')})`);
  const dir = o.work;
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(here, 'child.js'))) throw new Error('run `npx tsc -p .` first');
  compileC(dir);
  const want = (s: string): boolean => !o.scenario || o.scenario === s;
  const m = machine();
  const scenarios: ScenarioResult[] = [];
  const tiny = o.smoke;
  if (want('idi-panel')) scenarios.push(...(await idiPanel(o, dir, tiny ? [1] : [1, 20, 200], ['engine', 'c', 'naive', 'arquero', 'duckdb', 'danfojs'])));
  if (want('monte-carlo'))
    scenarios.push(
      ...(await monteCarlo(
        o,
        dir,
        [tiny ? 20 : 10_000],
        ['engine', 'engine-workers-1', 'engine-workers-2', 'engine-workers-1-cold', 'engine-workers-2-cold', 'naive'],
      )),
    );
  if (want('baskets')) scenarios.push(...(await baskets(o, dir, tiny ? [5_000] : [1_000_000, 3_000_000], ['engine', 'naive', 'arquero', 'duckdb'])));
  if (want('scaling')) {
    scenarios.push(...(await idiPanel(o, dir, tiny ? [1, 2] : [2, 20, 200], tiny ? ['engine'] : ['engine', 'c'], 'scaling', 1)));
    scenarios.push(...(await monteCarlo(o, dir, tiny ? [10, 20] : [1_000, 10_000, 100_000], ['engine'], 'scaling')));
    scenarios.push(...(await baskets(o, dir, tiny ? [1_000, 2_000] : [30_000, 300_000, 3_000_000], ['engine'], 'scaling')));
  }
  m.loadavg_at_end = loadavg().map((x) => +x.toFixed(2));
  return { machine: m, command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), scenarios };
}

// ---------------------------------------------------------------- printing
const fmt = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '-' : x.toFixed(d));

export function table(r: Report): string {
  const lines: string[] = [];
  lines.push(
    `machine: ${r.machine.nproc} cores, ${r.machine.cpu}, ${r.machine.memory_gb} GB, Node ${r.machine.node}; load average ${JSON.stringify(r.machine.loadavg_at_start)} -> ${JSON.stringify(r.machine.loadavg_at_end)}`,
  );
  lines.push('');
  lines.push('| scenario | size | impl | median ms | min ms | max ms | x engine | first run ms | load ms | peak RSS MB | runs | same numbers |');
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const s of r.scenarios)
    for (const x of s.results)
      lines.push(
        `| ${s.name} | ${Object.entries(s.size)
          .map(([k, v]) => `${k}=${v}`)
          .join(
            ' ',
          )} | ${x.impl} | ${x.dnf ? 'DNF' : fmt(x.median_ms)} | ${fmt(x.min_ms)} | ${fmt(x.max_ms)} | ${fmt(x.ratio_to_engine, 2)} | ${fmt(x.first_ms)} | ${fmt(x.load_ms)} | ${fmt(x.peak_rss_mb)} | ${x.runs} | ${x.dnf ? (x.note ?? '') : x.agrees === null ? '-' : x.agrees ? 'yes' : `NO (${x.mismatches})`} |`,
      );
  const parses = r.scenarios.filter((s) => s.parse_ms !== undefined);
  if (parses.length)
    lines.push(
      '',
      'tariff CSV parse (readTariffs, once per size, not in the timings): ' +
        parses.map((s) => `${s.size.plans} plans ${fmt(s.parse_ms ?? null, 0)} ms`).join('; '),
    );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.slice(2).includes('e2e')) {
  // Whole processes (issue 14): benchmarks/e2e.ts.
  const o = parseArgs(process.argv.slice(2).filter((a, i, all) => !(a === '--scenario' || (all[i - 1] === '--scenario' && a === 'e2e'))));
  const { e2eMarkdown, runE2e } = await import('./e2e.js');
  const startLoad = loadavg().map((x) => +x.toFixed(2));
  const scenarios = await runE2e(o);
  const m = machine();
  m.loadavg_at_start = startLoad;
  m.loadavg_at_end = loadavg().map((x) => +x.toFixed(2));
  if (o.json) process.stdout.write(JSON.stringify({ machine: m, command: `npm run bench -- ${process.argv.slice(2).join(' ')}`, scenarios }) + '\n');
  else
    process.stdout.write(
      `machine: ${m.nproc} cores, ${m.cpu}, Node ${m.node}; load average ${JSON.stringify(m.loadavg_at_start)} -> ${JSON.stringify(m.loadavg_at_end)}\n\n` +
        e2eMarkdown(scenarios),
    );
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const o = parseArgs(process.argv.slice(2));
  const report = await runBenchmarks(o);
  if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
  else process.stdout.write(table(report) + '\n');
  const disagree = report.scenarios.some((s) => s.results.some((x) => x.agrees === false));
  if (disagree) {
    log("some peers do not return the engine's numbers");
    process.exitCode = 1;
  }
}
