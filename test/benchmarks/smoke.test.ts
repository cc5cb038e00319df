import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The benchmark's smoke: every scenario at a tiny size with one repetition, through `npm run bench -- --smoke
 * --json` (the built dist/benchmarks/run.js): every peer returns the engine's numbers, and the JSON has the
 * documented shape on stdout alone. Speed is not checked here (benchmarks/RESULTS.md).
 */
const root = join(import.meta.dirname, '..', '..');
const run = join(root, 'dist', 'benchmarks', 'run.js');
let work: string;

beforeAll(() => {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce(
      (m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs),
      0,
    );
  if (!existsSync(run) || statSync(run).mtimeMs < newest(join(root, 'benchmarks')))
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'ictstat-bench-smoke-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('benchmarks smoke (--smoke --json)', () => {
  it('runs every scenario at a tiny size; every peer agrees with the engine; JSON only on stdout', () => {
    const stdout = execFileSync(process.execPath, [run, '--smoke', '--json', '--work', work], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    const report = JSON.parse(stdout) as {
      machine: { nproc: number; cpu: string; node: string };
      scenarios: Array<{ name: string; size: Record<string, unknown>; results: Array<Record<string, unknown>> }>;
    };
    expect(Object.keys(report).sort()).toEqual(['command', 'machine', 'scenarios']);
    expect(report.machine.nproc).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    const names = new Set(report.scenarios.map((s) => s.name));
    expect([...names].sort()).toEqual(['baskets', 'idi-panel', 'monte-carlo', 'scaling']);
    const peers = (name: string): string[] => report.scenarios.find((s) => s.name === name)!.results.map((r) => r.impl as string);
    expect(peers('idi-panel')).toEqual(['engine', 'c', 'naive', 'arquero', 'duckdb', 'danfojs']);
    expect(peers('monte-carlo')).toEqual(['engine', 'engine-workers-1', 'engine-workers-2', 'engine-workers-1-cold', 'engine-workers-2-cold', 'naive']);
    expect(peers('baskets')).toEqual(['engine', 'naive', 'arquero', 'duckdb']);
    expect(report.scenarios.find((s) => s.name === 'idi-panel')!.size).toMatchObject({ K: 1, economies: 194, years: 60 });
    for (const s of report.scenarios)
      for (const r of s.results) {
        expect(r, `${s.name} ${r.impl}`).toMatchObject({ agrees: true, runs: 1 });
        for (const k of ['median_ms', 'min_ms', 'max_ms', 'first_ms', 'warmup_runs', 'peak_rss_mb', 'ratio_to_engine'])
          expect(typeof r[k], `${s.name} ${r.impl} ${k}`).toBe('number');
      }
  }, 120_000);
});
