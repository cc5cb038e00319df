import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a user gets it (issue 12): `npm pack`, the tarball installed into a fresh project (dependencies from npm's
 * cache where it has them, no install scripts: the IDI and the baskets need no native module), imported by name with its
 * types (a TypeScript file compiled against them), and the README's library examples run there as written.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });

/** The README's library examples: each ```js block right after a `<!-- example: NAME -->` line. */
function readmeExamples(readme: string): Array<{ name: string; code: string }> {
  return [...readme.matchAll(/<!-- example: ([a-z0-9-]+) -->\s*```js\n([\s\S]*?)```/g)].map((m) => ({ name: m[1], code: m[2] }));
}

describe('the packed package', () => {
  let project: string;
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'ictstat-pack-'));
    const packed = npm(['pack', '--ignore-scripts', '--pack-destination', project, '--json'], ROOT);
    const tarball = join(project, (JSON.parse(packed) as Array<{ filename: string }>)[0].filename);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'uses-ictstat',
        private: true,
        type: 'module',
        overrides: pkg.overrides,
        dependencies: { ictstat: `file:${tarball}`, arquero: pkg.devDependencies.arquero, 'apache-arrow': pkg.dependencies['apache-arrow'] },
      }),
    );
    npm(['install', '--prefer-offline', '--ignore-scripts', '--no-package-lock'], project);
  }, 300_000);
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('installs with its indicators and datasets, and no test or source files', () => {
    const installed = join(project, 'node_modules', 'ictstat');
    expect(readdirSync(installed).sort()).toEqual(expect.arrayContaining(['datasets', 'dist', 'indicators', 'package.json']));
    expect(readdirSync(installed)).not.toContain('test');
    expect(readdirSync(join(installed, 'dist'))).not.toContain('benchmarks');
  });

  it('its `ictstat` bin runs the CLI bundle, whose workers the installed package uses (npm gives files one fixed mtime; the content decides)', () => {
    const installed = join(project, 'node_modules', 'ictstat');
    const bin = spawnSync(join(project, 'node_modules', '.bin', 'ictstat'), ['--version'], { cwd: project, encoding: 'utf8' });
    expect(bin.stderr).toBe('');
    expect(bin.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
    const series = spawnSync(
      process.execPath,
      [join(installed, 'dist', 'cli', 'main.js'), 'series', '--economy', 'KEN', '--indicator', 'population', '--from', '2020', '--to', '2020'],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
    expect(series.status, series.stderr).toBe(0);
    expect(series.stdout.split('\n')[0]).toBe('year,value,note,source');
    const script = `import(${JSON.stringify(join(installed, 'dist', 'src', 'util', 'bundle.js'))}).then((b) => console.log(b.workerScript('idi/sensitivity-worker')))`;
    const worker = spawnSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' });
    expect(worker.stdout.trim()).toBe(join(installed, 'dist', 'cli', 'sensitivity-worker.js'));
  });

  it('is imported by name with its types: a TypeScript program compiles against them and runs the IDI and a basket from in-memory data', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', skipLibCheck: true, types: [] },
        include: ['check.ts'],
      }),
    );
    writeFileSync(
      join(project, 'check.ts'),
      `
import { runIndex, priceBasket, UserInputError, type IndexRun, type MethodologySpec, type EconomyPrice } from 'ictstat';
const methodology: MethodologySpec = {
  id: 'pack', name: 'pack test', source: 'test', scale: 100,
  components: [{ indicator: 'internet_users_pct', weight: 1, normalise: { method: 'ratio', reference: 100 } }],
};
const run: IndexRun = await runIndex({ methodology, year: 2023, source: { kind: 'inputs', inputs: [{ records: [
  { economy: 'KEN', indicator: 'internet_users_pct', year: 2023, value: 35 },
  { economy: 'UGA', indicator: 'internet_users_pct', year: 2023, value: 10 },
] }] } });
const scores: Array<[string, number | null]> = run.result.economies.filter((e) => e.ranked).map((e) => [e.economy, e.score]);
const plan = { economy: 'UGA', year: 2023, operator: 'X', operator_rank: 1, plan: 'P', service: 'mobile', payment: 'prepaid', currency: 'UGX',
  price: 37000, validity_days: 30, data_mb: 2000, voice_min: '', sms: '', speed_kbps: '', technology: '4G', extra_mb_price: '', extra_min_price: '',
  extra_sms_price: '', addon_mb: '', addon_price: '', promotional: false, taxes_included: true, vat_rate: '', commitment_months: 0, note: '' };
const rates = [{ economy: 'UGA', indicator: 'exchange_rate_lcu_per_usd', year: 2023, value: 3700 }];
const prices: EconomyPrice[] = (await priceBasket({ tariffs: { records: [plan] }, basket: 'mobile-data-2gb', year: 2023, source: { kind: 'inputs', inputs: [{ records: rates }] } })).prices;
let refused = '';
try { await runIndex({ methodology, year: 2023, universe: 'some' as 'all' }); } catch (e) { if (e instanceof UserInputError) refused = e.field ?? ''; }
console.log(JSON.stringify({ scores, usd: prices[0].priceUsd, refused }));
`,
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    const out = JSON.parse(execFileSync(process.execPath, [join(project, 'out', 'check.js')], { cwd: project, encoding: 'utf8' }));
    // By hand: 35 / 100 x 100 = 35, 10 / 100 x 100 = 10; 37,000 UGX / 3,700 UGX per US$ = 10 US$.
    expect(out).toEqual({
      scores: [
        ['KEN', 35],
        ['UGA', 10],
      ],
      usd: 10,
      refused: 'universe',
    });
  }, 120_000);

  const examples = readmeExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  it('the README has library examples', () => {
    expect(examples.map((e) => e.name)).toEqual(expect.arrayContaining(['idi-in-memory', 'basket-in-memory', 'notebook-arquero']));
  });
  for (const ex of examples) {
    it(`README example "${ex.name}" runs as written (its assertions hold)`, () => {
      const file = join(project, `${ex.name}.mjs`);
      writeFileSync(file, ex.code);
      const r = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }, 120_000);
  }
});
