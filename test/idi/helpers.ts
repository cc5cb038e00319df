import { spawn } from 'node:child_process';
import type { Table } from 'apache-arrow';
import {
  compileMethodology,
  type CompiledMethodology,
  type ComponentSpec,
  type LeafSpec,
  type MethodologySpec,
  type NodeSpec,
  type Normalise,
} from '../../src/idi/methodology.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import { BIN, ROOT, type Run } from '../cli/helpers.js';

/** Real registry ids the generated methodologies use as leaves (the registry must know them). */
export const IDS = [
  'internet_users_pct',
  'hh_internet_pct',
  'hh_computer_pct',
  'fixed_tel_p100',
  'mobile_cell_p100',
  'fixed_bb_p100',
  'mobile_bb_p100',
  'mean_years_schooling',
  'gross_enrol_secondary',
  'gross_enrol_tertiary',
] as const;

export const leaf = (indicator: string, normalise: Normalise, weight: number): LeafSpec => ({ indicator, weight, normalise });
export const node = (id: string, weight: number, components: ComponentSpec[], aggregation?: 'geometric' | 'arithmetic'): NodeSpec => ({
  id,
  name: id,
  weight,
  components,
  ...(aggregation ? { aggregation } : {}),
});

export function spec(components: ComponentSpec[], extra: Partial<MethodologySpec> = {}): MethodologySpec {
  return { id: 'test-index', name: 'Test index', source: 'test', scale: 10, components, ...extra };
}

export const compile = (components: ComponentSpec[], extra: Partial<MethodologySpec> = {}): CompiledMethodology =>
  compileMethodology(spec(components, extra), 'test.json');

/** Weights that sum to exactly 1 in floating point (the last one absorbs the rounding). */
export function equalWeights(n: number): number[] {
  const w = Array.from({ length: n }, () => 1 / n);
  w[n - 1] = 1 - w.slice(0, -1).reduce((a, b) => a + b, 0);
  return w;
}

/** An observation table from [economy, indicator, year, value] rows. */
export function table(rows: Array<[string, string, number, number]>): Table {
  const b = new ObservationBuilder(rows.length);
  for (const [economy, indicator, year, value] of rows) b.append({ economy, indicator, year, value, source: 'test' });
  return b.toTable();
}

/** Like test/cli/helpers `ictstat`, but asynchronous, so independent CLI runs of a file can overlap. */
export function ictstatAsync(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
    const out: Buffer[] = [],
      err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}
