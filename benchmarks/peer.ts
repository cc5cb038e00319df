/**
 * One peer of one scenario: load the input (timed apart), run once and write the output (the parent checks
 * that every peer returns the same numbers), then time `reps` runs. A run slower than `capMs` ends the
 * repetitions. Run in a child process of its own by `child.ts` (so that peak RSS is the peer's own), or in
 * process by the smoke run.
 */
import { performance } from 'node:perf_hooks';
import { writeBin } from './bin.js';
import type { Impl } from './impl/types.js';

export interface PeerArgs { scenario: string; impl: string; input: string; out: string; reps: number; capMs: number }
export interface PeerResult { load_ms: number; first_ms: number; times_ms: number[]; peak_rss_mb: number }

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
  if (firstMs <= args.capMs)
    for (let r = 0; r < args.reps; r++) {
      const s = performance.now();
      await impl.run(state);
      const ms = performance.now() - s;
      times.push(ms);
      if (ms > args.capMs) break;
    }
  await impl.close?.(state);
  return { load_ms: loadMs, first_ms: firstMs, times_ms: times, peak_rss_mb: process.resourceUsage().maxRSS / 1024 };
}
