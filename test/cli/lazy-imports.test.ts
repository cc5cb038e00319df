import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../src/util/bundle.js';

/**
 * Issue 14 item 2, checked without timing: what a command loads. The `ictstat` bin is the CLI bundle (dist/cli,
 * scripts/build-cli.ts), so the check runs the bundle itself with a module hook that logs every file Node loads,
 * and maps each loaded file to the modules rolldown put in it (dist/cli/bundle.json records them). Imports written
 * as `import()` inside an action are chunks of their own that load only when that command runs: `--version`,
 * `--help` and `series` never load mathjs, fastify, vega, ExcelJS or the Parquet decoders.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const CLI = join(DIST, 'cli');
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

const manifest = (): BundleManifest => JSON.parse(readFileSync(join(CLI, 'bundle.json'), 'utf8')) as BundleManifest;

/** The package a module path belongs to (after its last node_modules/), or undefined for one of ours. */
function packageOfPath(file: string): string | undefined {
  const i = file.lastIndexOf('node_modules/');
  if (i < 0) return undefined;
  const rest = file.slice(i + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** Our modules and the packages in a set of loaded files: bundle files through the manifest, others by their path. */
function contents(loaded: string[]): { own: string[]; packages: string[] } {
  const m = manifest(),
    own = new Set<string>(),
    packages = new Set<string>();
  for (const file of loaded) {
    const inBundle = file.startsWith(CLI + sep)
      ? m.chunks[
          file
            .slice(CLI.length + 1)
            .split(sep)
            .join('/')
        ]
      : undefined;
    for (const mod of inBundle ?? [relative(ROOT, file).split(sep).join('/')]) {
      const p = packageOfPath(mod);
      if (p) packages.add(p);
      else own.add(mod);
    }
  }
  return { own: [...own].sort(), packages: [...packages].sort() };
}

/** Run the bundle with a module hook (its own thread, Node 20) appending every loaded file URL to a log. */
function loadedBy(args: string[]): { files: string[]; status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-loads-')),
    log = join(dir, 'loaded.txt'),
    hooks = join(dir, 'hooks.mjs'),
    register = join(dir, 'register.mjs');
  writeFileSync(log, '');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, url + '\\n');\n  return next(url, context);\n}\n`,
  );
  // The load hook sees ES modules; what require() loads (mathjs's browser bundle, Ajv, ...) is in its cache at exit.
  writeFileSync(
    register,
    `import { appendFileSync } from 'node:fs';\nimport { createRequire, register } from 'node:module';\nimport { pathToFileURL } from 'node:url';\n` +
      `register(${JSON.stringify(pathToFileURL(hooks).href)});\n` +
      `process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(createRequire(import.meta.url).cache).map((f) => pathToFileURL(f).href + '\\n').join('')));\n`,
  );
  try {
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, join(CLI, 'main.js'), ...args], { cwd: dir, encoding: 'utf8' });
    const files = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((u) => fileURLToPath(u));
    return { files, status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a built module loads before it runs: the bundle is CommonJS, so its top-level `require(...)` statements
 * (`const x = require("./chunks/...")`); a chunk imported by `import()` is required inside a promise instead.
 */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)(?:(?:const|let|var) [\w$]+ = )?require\("([^"]+)"\);?(?=\n)/g)) out.push(m[1]);
  return out;
}

/** The bundle files (and external packages) a bundle file loads before it runs: its static import closure. */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
  };
  visit(entry);
  return [...seen];
}

/** The bundle file that holds one of our modules (dist/src/...). */
function chunkOf(module: string): string {
  const hit = Object.entries(manifest().chunks).find(([, mods]) => mods.includes(module));
  if (!hit) throw new Error(`${module} is in no chunk of the bundle`);
  return join(CLI, hit[0]);
}

describe('commands load only what they need (the CLI bundle, run with a module hook)', () => {
  it('the bundle exists, bundled, with the CLI and the worker entries', () => {
    const m = manifest();
    expect(m.bundled).toBe(true);
    expect(m.entries.main).toBe('dist/src/cli/main.js');
    for (const name of Object.keys(m.entries)) expect(existsSync(join(CLI, `${name}.js`)), name).toBe(true);
  });

  it('--version and --help: commander and at most 20 of our modules (the command table), no other package', () => {
    for (const args of [['--version'], ['--help']]) {
      const r = loadedBy(args);
      expect(r.status, r.stderr).toBe(0);
      expect(r.files).toContain(join(CLI, 'main.js'));
      if (args[0] === '--version') expect(r.stdout).toBe('0.1.0\n');
      // every file loaded is the bundle's: no dist/src module, no package file
      for (const f of r.files) expect(f.startsWith(CLI + sep), f).toBe(true);
      const { own, packages } = contents(r.files);
      expect(packages).toEqual(['commander']);
      // Counted, so that a new static import into the command table is a decision (it was 117 modules and 9 packages;
      // 19 since the economy registry orders its codes with util/format.ts instead of an ICU collator; 20 since the
      // entry checks that the bundle is not older than dist/src, util/bundle.ts; 21 since it holds the code cache's
      // loader, util/code-cache.ts, which `--version` does not use).
      expect(own.length, own.join('\n')).toBeLessThanOrEqual(21);
      for (const f of own) expect(f, f).toMatch(/^dist\/src\/(cli|util|registry\/economies|ingest\/findings)/);
    }
  });

  it('series: loads Arrow (the bundled snapshot is Arrow IPC) and no other heavy package', () => {
    const r = loadedBy(['series', '--economy', 'KEN', '--indicator', 'internet_users_pct']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('year,value,note,source');
    const { packages } = contents(r.files);
    expect(packages).toContain('apache-arrow');
    for (const p of HEAVY.filter((h) => h !== 'apache-arrow')) expect(packages, p).not.toContain(p);
  });

  it('idi: Arrow, and not mathjs (formulas compiled ahead), fastify, vega, ExcelJS or the Parquet decoders', () => {
    const r = loadedBy(['idi', '--methodology', 'idi-2017', '--year', '2016', '--format', 'csv']);
    expect(r.status, r.stderr).toBe(0);
    const { own, packages } = contents(r.files);
    expect(packages).toContain('apache-arrow');
    for (const p of HEAVY.filter((h) => h !== 'apache-arrow')) expect(packages, p).not.toContain(p);
    // the snapshot serves the bundled data: no CSV ingest, no merge; and a run alone needs no sensitivity modules
    expect(own).toContain('dist/src/ingest/bundled.js');
    for (const m of [
      'dist/src/ingest/ingest.js',
      'dist/src/ingest/sniff.js',
      'dist/src/table/combine.js',
      'dist/src/idi/sensitivity.js',
      'dist/src/idi/sensitivity-pool.js',
    ])
      expect(own, m).not.toContain(m);
  });

  it('--version and idi do not load node:child_process (commander requires it only for a spawn, scripts/build-cli.ts); --version neither node:crypto nor node:v8', () => {
    const probe = `data:text/javascript,${encodeURIComponent("process.on('exit', () => process.stderr.write('builtins:' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).join(',') + '\\n'))")}`;
    for (const args of [['--version'], ['idi', '--methodology', 'idi-2017', '--year', '2016', '--format', 'csv']]) {
      const r = spawnSync(process.execPath, ['--import', probe, join(CLI, 'main.js'), ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const line = r.stderr.split('\n').find((l) => l.startsWith('builtins:'));
      expect(line, r.stderr).toBeDefined();
      const builtins = line!.slice('builtins:'.length).split(',');
      expect(builtins).toContain('NativeModule fs');
      expect(builtins, args[0]).not.toContain('NativeModule child_process');
      // --version needs neither a hash nor V8's flags (src/util/bundle.ts); idi sets the flags (node:v8)
      if (args[0] === '--version') for (const b of ['crypto', 'v8']) expect(builtins, b).not.toContain(`NativeModule ${b}`);
      else expect(builtins).toContain('NativeModule v8');
    }
  });

  it('ingest loads Arrow (its table), not ExcelJS or the Parquet decoders: the format registry loads those when such a file is read', () => {
    const { packages } = contents(staticClosure(chunkOf('dist/src/ingest/ingest.js')));
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
