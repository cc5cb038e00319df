import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './paths.js';

// node:crypto and node:v8 are required when used, not imported: every start loads this module, and the two built-ins
// (~5 ms and ~3 ms, with the internal modules they pull in) are a sixth of `ictstat --version`, which uses neither.
const require = createRequire(import.meta.url);

/**
 * The CLI as a bundle: `npm run build` (scripts/build-cli.ts) bundles `dist/src/cli/main.js` and the worker entries
 * below with everything they import (Arrow, commander, fastify, ...) into `dist/cli/`, split at every `import()` so
 * that a command still loads only what it needs; a start then compiles a few files instead of resolving, reading and
 * linking hundreds. `dist/cli/bundle.json` records the inputs (our compiled modules and the package.json of every
 * bundled package, with size, mtime and SHA-256), so that a bundle older than its sources is known as such.
 * The library (`exports`, dist/src) stays unbundled: a bundled Arrow would be a second Arrow beside the user's.
 */

/** The worker scripts (threads and the report's child process), as paths under dist/src without `.js`. */
export const WORKER_ENTRIES = ['idi/sensitivity-worker', 'api/compute-worker', 'api/estimates-worker', 'api/report-worker', 'report/render-worker'] as const;
export type WorkerEntry = (typeof WORKER_ENTRIES)[number];

export interface BundleInput {
  /** Relative to the package root, `/`-separated. */
  file: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

export interface BundleManifest {
  /** False when rolldown was not installed at build time: dist/cli/main.js then only imports dist/src/cli/main.js. */
  bundled: boolean;
  /** Entry name (dist/cli/<name>.js) to the dist/src module it was built from. */
  entries: Record<string, string>;
  inputs: BundleInput[];
  /** Each output file (relative to dist/cli) and the modules in it (relative to the package root). */
  chunks: Record<string, string[]>;
}

export const bundleDir = (): string => join(packageRoot(), 'dist', 'cli');
export const bundleManifestPath = (): string => join(bundleDir(), 'bundle.json');
/** What the `ictstat` bin runs. */
export const cliEntry = (): string => join(bundleDir(), 'main.js');
/** The bundle's entry name of a worker: its file name (they are unique). */
export const workerEntryName = (entry: WorkerEntry): string => entry.slice(entry.lastIndexOf('/') + 1);

export const sha256 = (bytes: Uint8Array): string => (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(bytes).digest('hex');

export function readBundleManifest(): BundleManifest | undefined {
  try {
    return JSON.parse(readFileSync(bundleManifestPath(), 'utf8')) as BundleManifest;
  } catch {
    return undefined;
  }
}

/**
 * The recorded inputs that changed since the build (or are gone). Size and mtime unchanged counts as unchanged
 * unless `thorough`; otherwise the content decides (a rebuild that rewrites the same bytes changes only the mtime,
 * and npm gives every installed file one fixed mtime). `ours` leaves out the packages' package.json files.
 */
export function changedInputs(manifest: BundleManifest, o: { thorough?: boolean; ours?: boolean } = {}): string[] {
  const root = packageRoot(),
    thorough = o.thorough ?? false,
    changed: string[] = [];
  for (const input of manifest.inputs) {
    if (o.ours && input.file.includes('node_modules/')) continue;
    const path = join(root, input.file);
    let st: { size: number; mtimeMs: number };
    try {
      st = statSync(path);
    } catch {
      changed.push(input.file);
      continue;
    }
    if (!thorough && st.size === input.size && st.mtimeMs === input.mtimeMs) continue;
    if (st.size !== input.size || sha256(readFileSync(path)) !== input.sha256) changed.push(input.file);
  }
  return changed;
}

/** What the start-up check reads: bundle.json without the packages and the chunk lists (a few KB, not 160). */
export const bundleCheckPath = (): string => join(bundleDir(), 'ours.json');

let state: { manifest: BundleManifest | undefined; current: boolean } | undefined;

/**
 * The bundle's own-module record and whether our modules in dist/src are still those it was built from (checked once
 * per process: a stat per module, a hash only where size or mtime differ). The packages are inside the bundle, so a
 * package upgraded since leaves it whole, only older: the tests' setup rebuilds it then (test/global-setup.ts), as
 * `npm install` does through `prepare`.
 */
function bundleState(): { manifest: BundleManifest | undefined; current: boolean } {
  if (state) return state;
  let manifest: BundleManifest | undefined;
  try {
    manifest = JSON.parse(readFileSync(bundleCheckPath(), 'utf8')) as BundleManifest;
  } catch {
    manifest = undefined;
  }
  return (state = { manifest, current: manifest?.bundled === true && (sentinelUnchanged(manifest) || changedInputs(manifest, { ours: true }).length === 0) });
}

/**
 * tsc rewrites every module it emits, so one module with the size and mtime the build recorded means dist/src is the
 * one the bundle was built from: one stat at start-up instead of one per module (a start is ~0.1 s; 160 stats are a
 * few ms). A module edited by hand in dist/src, alone, is not noticed by this shortcut; `changedInputs` is the
 * thorough check (test/cli/bundle.test.ts runs it).
 */
function sentinelUnchanged(m: BundleManifest): boolean {
  const entry = m.inputs.find((i) => i.file === m.entries.main);
  if (!entry) return false;
  try {
    const st = statSync(join(packageRoot(), entry.file));
    return st.size === entry.size && st.mtimeMs === entry.mtimeMs;
  } catch {
    return false;
  }
}
const currentBundle = (): BundleManifest | null => {
  const s = bundleState();
  return s.current && s.manifest ? s.manifest : null;
};

/**
 * The script a worker thread (or child process) runs: the bundled entry when the bundle is current (one file and
 * its chunks to load instead of the module graph), else the compiled module in dist/src. The worker exchanges only
 * plain data and bytes with its parent, so either one serves a caller of the library or of the bundle.
 */
export function workerScript(entry: WorkerEntry): string {
  const m = currentBundle(),
    name = workerEntryName(entry);
  if (m && m.entries[name] === `dist/src/${entry}.js`) {
    const bundled = join(bundleDir(), `${name}.js`);
    if (existsSync(bundled)) return bundled;
  }
  return join(packageRoot(), 'dist', 'src', `${entry}.js`);
}

/**
 * Whether this module (`import.meta.url` of the CLI's entry) is the bundle's and the bundle is older than our modules
 * in dist/src (e.g. after `npx tsc` without `npm run build`): the CLI then runs dist/src instead, so that it never runs
 * code older than the workers it starts (which `workerScript` already sends to dist/src).
 */
export function isStaleBundleEntry(moduleUrl: string): boolean {
  if (!fileURLToPath(moduleUrl).startsWith(bundleDir() + sep)) return false;
  const s = bundleState();
  return s.manifest?.bundled === true && !s.current;
}

/**
 * The V8 flags the CLI sets first thing (src/cli/main.ts), for the whole process and its threads: a 9x larger
 * interrupt budget (default 67,584), so that V8 optimises (TurboFan, on its background threads) only code that runs
 * much longer before it pays. A command lasts a second or two, and most of what V8 optimised in it ran too briefly
 * to repay the compile: in `report --edition 2017` its 4 background threads spent about 0.9 s of CPU, 0.3 s with
 * this budget, the threads' own time about the same (benchmarks/RESULTS.md, "Session 7: report charts"). Long runs are not slowed: a
 * hot loop reaches the budget within milliseconds. V8 takes a code cache only under the flags it was made with, so
 * the report's chart engine has a cache made under these flags too (src/report/vendor.ts).
 */
export const CLI_V8_FLAGS: readonly string[] = ['--interrupt-budget=600000'];

/** The server (`serve`) is the one long-running command: it keeps V8's default budget, so its hot paths tier up as usual. */
export const keepsDefaultV8Flags = (command: string | undefined): boolean => command === 'serve';

/** `--version` and `--help` (or no command: the help) run no JavaScript worth tuning: no flag, and node:v8 is not loaded. */
export const computesNothing = (command: string | undefined): boolean =>
  command === undefined || command === '--version' || command === '-V' || command === '--help' || command === '-h' || command === 'help';

export function applyCliV8Flags(command: string | undefined): void {
  if (keepsDefaultV8Flags(command) || computesNothing(command)) return;
  const { setFlagsFromString } = require('node:v8') as typeof import('node:v8');
  for (const flag of CLI_V8_FLAGS) setFlagsFromString(flag);
}
