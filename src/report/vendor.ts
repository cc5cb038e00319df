import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { packageRoot } from '../util/paths.js';
import { CLI_V8_FLAGS } from '../util/bundle.js';

/**
 * The report's chart engine as a single-file bundle, `dist/vendor/<name>.cjs`, made by `npm run build`
 * (scripts/build-vendor.ts) from the installed packages: one script to compile instead of hundreds of modules to
 * resolve, read and link (vega, vega-lite and their d3 modules), with a V8 code cache (`<name>.cache`) made at build
 * time after rendering sample charts, so a report compiles almost none of it. No engine object ever leaves the
 * report code (specs in, SVG out), so the bundled copy cannot meet the package's. A bundle is used only while
 * `vendor.json` records the versions installed now; otherwise the packages are imported. The cache is used only
 * while `vendor.json` records the hash of the script it was made from; V8 rejects it itself when it was made by
 * another V8 or with other flags, and then the script is compiled as usual. There is one cache per set of V8 flags a
 * report runs under (`CACHE_FLAGS`: none, as in a library or test process, and the CLI's), each with a probe: the
 * cache of a one-line script made under the same flags, which V8 takes only under those flags, so the cache that
 * fits is known before the bundle is compiled (a bundle compiled with a rejected cache cannot be compiled again).
 */
export const VENDOR_BUNDLES = { vega: ['vega', 'vega-lite'] } as const;
export type VendorBundle = keyof typeof VENDOR_BUNDLES;

export const vendorDir = (): string => join(packageRoot(), 'dist', 'vendor');
export const bundleFile = (bundle: VendorBundle): string => join(vendorDir(), `${bundle}.cjs`);
/** The V8 flag sets a cache is made for ('' = V8's defaults; 'cli' = `CLI_V8_FLAGS`), in the order they are tried. */
export const CACHE_FLAGS: Record<string, readonly string[]> = { cli: CLI_V8_FLAGS, '': [] };
const suffix = (flags: string): string => (flags ? `.${flags}` : '');
export const cacheFile = (bundle: VendorBundle, flags = ''): string => join(vendorDir(), `${bundle}${suffix(flags)}.cache`);
/** The key of a bundle's code cache in `vendor.json` (the hash of the script it was made from). */
export const cacheKey = (bundle: VendorBundle, flags = ''): string => `${bundle}${suffix(flags)}.cache`;
/** The key of a flag set's probe in `vendor.json` (base64 of the code cache of a one-line script). */
export const probeKey = (flags: string): string => `probe${suffix(flags)}`;
/** One source per flag set: V8 looks a source up in the scripts it compiled already before it reads a cache. */
const probeSource = (flags: string): string => `"ictstat code cache probe ${flags}"`;
/** The probe of a flag set, made under those flags (at build time, under each of `CACHE_FLAGS` in turn). */
export const makeProbe = (flags: string): string => new Script(probeSource(flags)).createCachedData().toString('base64');
const fits = new Map<string, boolean>();
/**
 * The flag set whose probe this V8 takes, if any. Each probe is tried once per process: V8 takes a source it has
 * compiled already from its own cache, without looking at the cache offered (so a second try would always fit).
 */
export function fittingCache(recorded: Record<string, string>): string | undefined {
  for (const flags of Object.keys(CACHE_FLAGS)) {
    const probe = recorded[probeKey(flags)];
    if (!probe) continue;
    if (!fits.has(flags)) fits.set(flags, !new Script(probeSource(flags), { cachedData: Buffer.from(probe, 'base64') }).cachedDataRejected);
    if (fits.get(flags)) return flags;
  }
  return undefined;
}

/**
 * The installed version of a package (its package.json, found above its resolved entry; a package without an entry
 * point, such as world-atlas, by its package.json itself).
 */
export function installedVersion(name: string): string | undefined {
  try {
    const require = createRequire(join(packageRoot(), 'package.json'));
    let entry: string;
    try {
      entry = require.resolve(name);
    } catch {
      entry = require.resolve(`${name}/package.json`);
    }
    let dir = dirname(entry);
    for (;;) {
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg)) {
        const j = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
        if (j.name === name) return j.version;
      }
      const up = dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  } catch {
    return undefined;
  }
}

/** What `vendor.json` records for a bundle: its packages' versions. */
export const bundleKey = (bundle: VendorBundle): string => VENDOR_BUNDLES[bundle].map((p) => `${p}@${installedVersion(p) ?? '?'}`).join(' ');

/** The hash a code cache is recorded under: that of the script's source. */
export const sourceHash = (source: string): string => createHash('sha256').update(source).digest('hex');

export interface LoadedBundle<T> {
  exports: T;
  script: Script;
  /** Whether a code cache was offered and V8 took it. */
  cached: boolean;
}

/** Compile and run a CommonJS bundle (no top-level await, no `import()`) as a script, with `cachedData` when given. */
export function runBundle<T>(file: string, source: string, cachedData?: Buffer): LoadedBundle<T> {
  // The wrapper on the first line keeps the bundle's line numbers in stack traces.
  const script = new Script(`(function (exports, require, module) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as T };
  (script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown) => void)(module.exports, createRequire(file), module);
  return { exports: module.exports, script, cached: cachedData !== undefined && !script.cachedDataRejected };
}

/** The bundle, compiled and run, when it is current (with the code cache that fits this V8, when one is current too); else undefined. */
export function loadVendored<T>(bundle: VendorBundle): (LoadedBundle<T> & { cacheFlags: string | undefined }) | undefined {
  const file = bundleFile(bundle),
    meta = join(vendorDir(), 'vendor.json');
  if (!existsSync(file) || !existsSync(meta)) return undefined;
  const recorded = JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>;
  if (recorded[bundle] !== bundleKey(bundle)) return undefined;
  const source = readFileSync(file, 'utf8');
  const flags = fittingCache(recorded);
  let cachedData: Buffer | undefined;
  if (flags !== undefined && existsSync(cacheFile(bundle, flags)) && recorded[cacheKey(bundle, flags)] === sourceHash(source))
    cachedData = readFileSync(cacheFile(bundle, flags));
  return { ...runBundle<T>(file, source, cachedData), cacheFlags: cachedData ? flags : undefined };
}

/** The bundle's exports when it is current, else `fallback()` (the packages themselves). */
export async function importVendored<T>(bundle: VendorBundle, fallback: () => Promise<T>): Promise<T> {
  return loadVendored<T>(bundle)?.exports ?? fallback();
}
