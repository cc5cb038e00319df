import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 14 item 2, checked statically (not timed): the modules a command loads before its action runs are the
 * static import closure of the compiled CLI entry (dist/, built by the test setup). Imports written as `import()`
 * inside an action load only when that command runs, so `--version`, `--help` and `series` never load Arrow,
 * mathjs, fastify, vega, ExcelJS or the Parquet decoders.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const HEAVY = [
  'apache-arrow',
  'mathjs',
  'fastify',
  'vega',
  'vega-lite',
  'exceljs',
  'parquet-wasm',
  'hyparquet',
  'hyparquet-writer',
  '@duckdb/node-api',
  'fast-csv',
];

/** Static `import ... from` / `export ... from` specifiers of a compiled module (type imports are erased by then). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  return out;
}

const packageOf = (spec: string): string => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** The project's modules and the packages (and what they load statically, packages being followed through their entry) reached from `entry`. */
function closure(entry: string): { own: string[]; packages: string[] } {
  const own = new Set<string>(),
    packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    own.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.add(packageOf(spec));
    }
  };
  visit(entry);
  return { own: [...own].map((f) => f.slice(DIST.length + 1)).sort(), packages: [...packages].sort() };
}

/** The modules a command's code path imports statically: the entry's closure plus the command module the action imports. */
describe('commands load only what they need (static import graph of dist/)', () => {
  const main = join(DIST, 'src', 'cli', 'main.js');

  it('the compiled entry exists', () => {
    expect(existsSync(main)).toBe(true);
  });

  it('--version and --help: the entry loads commander and 18 of our modules (the command table), no other package', () => {
    const { own, packages } = closure(main);
    expect(packages).toEqual(['commander']);
    // Counted, so that a new static import into the command table is a decision (it was 117 modules and 9 packages).
    expect(own.length, own.join('\n')).toBeLessThanOrEqual(18);
    for (const f of own) expect(f, f).toMatch(/^src\/(cli|util|registry\/economies|ingest\/findings)/);
  });

  it('series: its modules load Arrow (the bundled snapshot is Arrow IPC) and no other heavy package', () => {
    const packages = new Set([...closure(join(DIST, 'src', 'usecases', 'series.js')).packages, ...closure(join(DIST, 'src', 'table', 'io.js')).packages]);
    expect([...packages]).toContain('apache-arrow');
    for (const p of HEAVY.filter((h) => h !== 'apache-arrow')) expect([...packages], p).not.toContain(p);
  });

  it('ingest loads Arrow (its table), not ExcelJS or the Parquet decoders: the format registry loads those when such a file is read', () => {
    const { packages } = closure(join(DIST, 'src', 'ingest', 'ingest.js'));
    expect(packages).toContain('apache-arrow');
    for (const p of ['exceljs', 'parquet-wasm', 'hyparquet', 'mathjs', 'fastify', 'fast-csv']) expect(packages, p).not.toContain(p);
  });

  it('mathjs loads only for a formula the build did not compile ahead (dist/snapshot/formulas.json); both compile to the same function (fresh process)', () => {
    const url = pathToFileURL(join(DIST, 'src', 'registry', 'indicators.js')).href;
    const formulaUrl = pathToFileURL(join(DIST, 'src', 'registry', 'formula.js')).href;
    const script = `Promise.all([import(${JSON.stringify(url)}), import(${JSON.stringify(formulaUrl)})]).then(([m, f]) => {
      const reg = m.loadIndicatorRegistry();
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('mathjs'));
      const atLoad = loaded();
      const derived = reg.indicators.filter((d) => d.derived);
      const ahead = Object.fromEntries(derived.map((d) => [d.derived.formula, reg.derived(d.id).formula.evaluate({ fixed_bb_subs: 7, fixed_tel_subs: 7, mobile_cell_subs: 7, mobile_bb_subs: 7, population: 350, intl_bw_bps: 7, internet_users_pct: 50, mbb_traffic_eb: 7 })]));
      const afterBundled = loaded();
      const fresh = f.compileFormula('fixed_bb_subs / population * 100 + 0');
      const afterNew = loaded();
      const parsed = derived.map((d) => f.formulaSource(d.derived.formula));
      console.log(JSON.stringify({ atLoad, afterBundled, afterNew, derived: derived.length, ahead, fresh: fresh.evaluate({ fixed_bb_subs: 7, population: 350 }), parsed }));
    })`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got.derived).toBeGreaterThan(0);
    expect(got).toMatchObject({ atLoad: false, afterBundled: false, afterNew: true });
    // 7 / 350 * 100 = 2 for a per-100 ratio; the fresh formula adds 0
    expect(got.fresh).toBe(2);
    expect(got.ahead['fixed_tel_subs / population * 100']).toBe(2);
    // 7 bit/s over 50 % of 350 people = 7 / 175
    expect(got.ahead['intl_bw_bps / (internet_users_pct / 100 * population)']).toBe(7 / 175);
    // what the build wrote is what parsing the same expressions now generates
    const ahead = JSON.parse(readFileSync(join(DIST, 'snapshot', 'formulas.json'), 'utf8')).formulas;
    const byExpression = new Map(ahead.map((a: { expression: string }) => [a.expression, a]));
    for (const p of got.parsed) expect(byExpression.get(p.expression)).toEqual(p);
  });
});
