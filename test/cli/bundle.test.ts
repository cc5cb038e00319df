import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BundleManifest, changedInputs, cliEntry, readBundleManifest, WORKER_ENTRIES, workerEntryName, workerScript } from '../../src/util/bundle.js';
import { packageRoot } from '../../src/util/paths.js';
import { BIN } from './helpers.js';

/**
 * The CLI bundle (dist/cli, scripts/build-cli.ts) is what the `ictstat` bin runs and what the CLI tests spawn, so it
 * must be built from the sources there now: its manifest records every input with its hash, and each one is hashed
 * again here. The inputs must also be complete: every module the compiled CLI and workers can import (statically or
 * by `import()`) is one of them.
 */
const ROOT = packageRoot();
const manifest = readBundleManifest() as BundleManifest;
const tmp = mkdtempSync(join(tmpdir(), 'ictstat-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every relative module a compiled module reaches, through `import ... from`, `export ... from` and `import()`. */
function moduleClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:(?:^|\n)\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?\s*|\bimport\(\s*)['"](\.[^'"]+)['"]/g))
      visit(resolve(dirname(file), m[1]));
  };
  visit(entry);
  return seen;
}

describe('the CLI bundle', () => {
  it('is what the bin, npm start and the tests run', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(join(ROOT, pkg.bin.ictstat)).toBe(cliEntry());
    expect(pkg.scripts.start).toBe('node dist/cli/main.js serve');
    expect(pkg.scripts.build).toMatch(/node dist\/scripts\/build-cli\.js$/);
    expect(pkg.files).toContain('dist/cli');
    expect(BIN).toBe(cliEntry());
  });

  it('is fresh: every recorded input hashes to what the build recorded', () => {
    expect(manifest.bundled).toBe(true);
    expect(manifest.inputs.length).toBeGreaterThan(100);
    expect(changedInputs(manifest, { thorough: true })).toEqual([]);
  });

  it('records every module the compiled CLI and workers reach, and every bundled package', () => {
    const inputs = new Set(manifest.inputs.map((i) => i.file));
    for (const [name, source] of Object.entries(manifest.entries)) {
      expect(name === 'main' || WORKER_ENTRIES.some((w) => workerEntryName(w) === name), name).toBe(true);
      for (const file of moduleClosure(join(ROOT, source))) {
        const rel = relative(ROOT, file).split(sep).join('/');
        expect(inputs.has(rel), `${rel} (reached from ${source})`).toBe(true);
      }
    }
    for (const w of WORKER_ENTRIES) expect(manifest.entries[workerEntryName(w)]).toBe(`dist/src/${w}.js`);
    // the packages the CLI is made of are recorded by their package.json (their versions)
    for (const p of ['apache-arrow', 'commander', 'fastify'])
      expect(
        [...inputs].some((f) => f.endsWith(`node_modules/${p}/package.json`)),
        p,
      ).toBe(true);
  });

  it('a changed input is found by its content, not its mtime alone', () => {
    const file = join(tmp, 'mod.js');
    writeFileSync(file, 'export const x = 1;\n');
    // whole seconds, which utimes sets exactly
    const T = 1_700_000_000;
    utimesSync(file, T, T);
    const input = (): BundleManifest['inputs'][number] => {
      const st = statSync(file);
      return { file: relative(ROOT, file), size: st.size, mtimeMs: st.mtimeMs, sha256: manifestSha(readFileSync(file)) };
    };
    const recorded = input();
    const m: BundleManifest = { bundled: true, entries: {}, inputs: [recorded], chunks: {} };
    expect(changedInputs(m)).toEqual([]);
    // rewritten with the same bytes (a rebuild): a new mtime, the same content
    utimesSync(file, T, T + 5);
    expect(changedInputs(m)).toEqual([]);
    // the same size, other bytes: changed (thorough or not, since the mtime moved)
    writeFileSync(file, 'export const x = 2;\n');
    utimesSync(file, T, T + 10);
    expect(changedInputs(m)).toEqual([recorded.file]);
    expect(changedInputs(m, { thorough: true })).toEqual([recorded.file]);
    // same size and mtime as recorded but other bytes: only the thorough check sees it
    utimesSync(file, T, T);
    expect(changedInputs(m)).toEqual([]);
    expect(changedInputs(m, { thorough: true })).toEqual([recorded.file]);
    rmSync(file);
    expect(changedInputs(m)).toEqual([recorded.file]);
    // a package's package.json is left out of the check of our own modules
    const pkg: BundleManifest = { ...m, inputs: [{ ...recorded, file: 'node_modules/gone/package.json' }] };
    expect(changedInputs(pkg)).toEqual(['node_modules/gone/package.json']);
    expect(changedInputs(pkg, { ours: true })).toEqual([]);
  });

  it('workers run from the bundle while it is current', () => {
    for (const w of WORKER_ENTRIES) expect(workerScript(w)).toBe(join(ROOT, 'dist', 'cli', `${workerEntryName(w)}.js`));
  });

  it('a stale bundle: the workers run from dist/src (a copy of the package whose bundle lost an input)', () => {
    // A minimal package root: package.json, dist/src/util (the resolver) and a dist/cli manifest with a changed input.
    const root = join(tmp, 'pkg');
    const copy = (rel: string): void => {
      const to = join(root, rel);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(join(ROOT, rel), to);
    };
    copy('package.json');
    for (const f of ['bundle.js', 'paths.js']) copy(`dist/src/util/${f}`);
    for (const w of WORKER_ENTRIES) copy(`dist/cli/${workerEntryName(w)}.js`);
    const entries = Object.fromEntries(WORKER_ENTRIES.map((w) => [workerEntryName(w), `dist/src/${w}.js`]));
    const bundled = { bundled: true, entries, inputs: [{ file: 'dist/src/util/paths.js', size: 1, mtimeMs: 0, sha256: 'x' }], chunks: {} };
    writeFileSync(join(root, 'dist', 'cli', 'ours.json'), JSON.stringify(bundled));
    const script = `import(${JSON.stringify(join(root, 'dist', 'src', 'util', 'bundle.js'))}).then((b) => console.log(JSON.stringify(b.WORKER_ENTRIES.map((w) => b.workerScript(w)))))`;
    const stale = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(stale.status, stale.stderr).toBe(0);
    expect(JSON.parse(stale.stdout)).toEqual(WORKER_ENTRIES.map((w) => join(root, 'dist', 'src', `${w}.js`)));
    // the same copy with its real input recorded: the bundled workers
    const st = statSync(join(root, 'dist', 'src', 'util', 'paths.js'));
    bundled.inputs = [
      { file: 'dist/src/util/paths.js', size: st.size, mtimeMs: st.mtimeMs, sha256: manifestSha(readFileSync(join(root, 'dist', 'src', 'util', 'paths.js'))) },
    ];
    writeFileSync(join(root, 'dist', 'cli', 'ours.json'), JSON.stringify(bundled));
    const fresh = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(JSON.parse(fresh.stdout)).toEqual(WORKER_ENTRIES.map((w) => join(root, 'dist', 'cli', `${workerEntryName(w)}.js`)));
  });
});

describe('the CLI entry of a stale bundle', () => {
  it('ours.json is bundle.json without the packages and chunk lists (what the start-up check reads)', () => {
    const ours = JSON.parse(readFileSync(join(ROOT, 'dist', 'cli', 'ours.json'), 'utf8')) as BundleManifest;
    expect(ours.entries).toEqual(manifest.entries);
    expect(ours.inputs).toEqual(manifest.inputs.filter((i) => !i.file.includes('node_modules/')));
  });

  it('runs dist/src, saying so, when a compiled module changed since the build (a copy of the package)', () => {
    const root = join(tmp, 'whole');
    mkdirSync(join(root, 'dist'), { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    for (const d of ['src', 'cli']) cpSync(join(ROOT, 'dist', d), join(root, 'dist', d), { recursive: true, preserveTimestamps: true });
    const version = (): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), '--version'], { encoding: 'utf8' });
    const fresh = version();
    expect(fresh.status, String(fresh.stderr)).toBe(0);
    expect(fresh.stderr).toBe('');
    expect(String(fresh.stdout).trim()).toMatch(/^\d+\.\d+\.\d+/);
    // a module edited after the build (and the entry's mtime moved, as tsc moves every module's)
    appendFileSync(join(root, 'dist', 'src', 'cli', 'program.js'), '\n// edited\n');
    utimesSync(join(root, 'dist', 'src', 'cli', 'main.js'), 1_700_000_000, 1_700_000_000);
    const stale = version();
    expect(stale.status, String(stale.stderr)).toBe(0);
    expect(stale.stderr).toMatch(/the CLI bundle \(dist\/cli\) is older than dist\/src; running dist\/src/);
    expect(stale.stdout).toBe(fresh.stdout);
  });
});

function manifestSha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
