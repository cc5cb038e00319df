/**
 * One peer of one scenario in a process of its own (so its peak RSS is its own): load the input (timed
 * apart), run once and write the output (the parent checks that every peer returns the same numbers), then
 * time `reps` runs. Prints one JSON line: {load_ms, times_ms, peak_rss_mb}. A run slower than `capMs` ends
 * the repetitions (the parent also kills a child that overruns: DNF).
 */
import { performance } from 'node:perf_hooks';
import { writeBin } from './bin.js';
import type { Impl } from './impl/types.js';

async function implFor(scenario: string, impl: string): Promise<Impl> {
  if (scenario === 'idi-panel') {
    if (impl === 'danfojs') return (await import('./impl/idi-danfo.js')).danfo as unknown as Impl;
    const m = await import('./impl/idi.js');
    return ({ engine: m.engine, naive: m.naive, arquero: m.arquero, duckdb: m.duckdb } as Record<string, Impl>)[impl];
  }
  if (scenario === 'monte-carlo') {
    const m = await import('./impl/mc.js');
    if (impl.startsWith('engine-workers-')) return m.engineWorkers(Number(impl.slice('engine-workers-'.length))) as Impl;
    return ({ engine: m.engine, naive: m.naive } as Record<string, Impl>)[impl];
  }
  if (scenario === 'baskets') {
    const m = await import('./impl/baskets.js');
    return ({ engine: m.engine, naive: m.naive, arquero: m.arquero, duckdb: m.duckdb } as Record<string, Impl>)[impl];
  }
  throw new Error(`unknown scenario ${scenario}`);
}

const args = JSON.parse(process.argv[2]) as { scenario: string; impl: string; input: string; out: string; reps: number; capMs: number };
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
process.stdout.write(JSON.stringify({ load_ms: loadMs, first_ms: firstMs, times_ms: times, peak_rss_mb: process.resourceUsage().maxRSS / 1024 }) + '\n');
