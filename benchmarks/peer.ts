/**
 * One peer of one scenario: load the input (timed apart), run once and write the output (the parent checks
 * that every peer returns the same numbers), warm up (untimed runs until `warmMs` has passed: the JIT of the
 * JavaScript peers settles, caches fill; the same for every peer), then time runs: at least `reps`, and until
 * `minMs` of timed work (at most 500 runs). A run slower than `capMs` ends the repetitions. Run in a child process of its own by `child.ts` (so that peak RSS is the peer's own), or in
 * process by the smoke run.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { writeBin } from './bin.js';
import type { Impl } from './impl/types.js';

export interface PeerArgs {
  scenario: string;
  impl: string;
  input: string;
  out: string;
  reps: number;
  capMs: number;
  warmMs: number;
  minMs: number;
}
export interface PeerResult {
  load_ms: number;
  first_ms: number;
  warmup_runs: number;
  times_ms: number[];
  peak_rss_mb: number;
}

/** At most this many timed runs, however fast the peer. */
export const MAX_TIMED_RUNS = 500;

async function implFor(scenario: string, impl: string): Promise<Impl> {
  if (scenario === 'idi-panel') {
    if (impl === 'danfojs') return (await import('./impl/idi-danfo.js')).danfo as unknown as Impl;
    const m = await import('./impl/idi.js');
    return ({ engine: m.engine, naive: m.naive, arquero: m.arquero, duckdb: m.duckdb } as Record<string, Impl>)[impl];
  }
  if (scenario === 'monte-carlo') {
    const m = await import('./impl/mc.js');
    const workers = /^engine-workers-(\d+)(-cold)?$/.exec(impl);
    if (workers) return (workers[2] ? m.engineWorkersCold(Number(workers[1])) : m.engineWorkers(Number(workers[1]))) as Impl;
    return ({ engine: m.engine, naive: m.naive } as Record<string, Impl>)[impl];
  }
  if (scenario === 'baskets') {
    const m = await import('./impl/baskets.js');
    return ({ engine: m.engine, naive: m.naive, arquero: m.arquero, duckdb: m.duckdb } as Record<string, Impl>)[impl];
  }
  throw new Error(`unknown scenario ${scenario}`);
}

/**
 * This process's peak resident memory. On Linux, VmHWM of /proc/self/status: getrusage's ru_maxrss (Node's
 * resourceUsage().maxRSS) keeps the high-water mark from before exec, i.e. the forking parent's resident size,
 * which is larger than a small peer's own peak.
 */
export function peakRssMb(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS / 1024;
}

export async function runPeer(args: PeerArgs): Promise<PeerResult> {
  const impl = await implFor(args.scenario, args.impl);
  if (!impl) throw new Error(`unknown impl ${args.impl} for ${args.scenario}`);
  const t0 = performance.now();
  const state = await impl.prepare(args.input);
  const loadMs = performance.now() - t0;
  const first = performance.now();
  writeBin(args.out, {}, await impl.run(state));
  const firstMs = performance.now() - first;
  const times: number[] = [];
  let warmupRuns = 0;
  if (firstMs <= args.capMs) {
    for (let warmed = firstMs; warmed < args.warmMs; warmupRuns++) {
      const s = performance.now();
      await impl.run(state);
      warmed += performance.now() - s;
    }
    for (let timed = 0; (times.length < args.reps || timed < args.minMs) && times.length < MAX_TIMED_RUNS; ) {
      const s = performance.now();
      await impl.run(state);
      const ms = performance.now() - s;
      times.push(ms);
      timed += ms;
      if (ms > args.capMs) break;
    }
  }
  await impl.close?.(state);
  return { load_ms: loadMs, first_ms: firstMs, warmup_runs: warmupRuns, times_ms: times, peak_rss_mb: peakRssMb() };
}
