import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { packageRoot } from '../util/paths.js';

/**
 * The report's chart engine as a single-file bundle, `dist/vendor/<name>.cjs`, made by `npm run build`
 * (scripts/build-vendor.ts) from the installed packages: one script to compile instead of hundreds of modules to
 * resolve, read and link (vega, vega-lite and their d3 modules), with a V8 code cache (`<name>.cache`) made at build
 * time after rendering sample charts, so a report compiles almost none of it. No engine object ever leaves the
 * report code (specs in, SVG out), so the bundled copy cannot meet the package's. A bundle is used only while
 * `vendor.json` records the versions installed now; otherwise the packages are imported. The cache is used only
 * while `vendor.json` records the hash of the script it was made from; V8 rejects it itself when it was made by
 * another V8 or with other flags, and then the script is compiled as usual.
 */
export const VENDOR_BUNDLES = { vega: ['vega', 'vega-lite'] } as const;
export type VendorBundle = keyof typeof VENDOR_BUNDLES;

export const vendorDir = (): string => join(packageRoot(), 'dist', 'vendor');
export const bundleFile = (bundle: VendorBundle): string => join(vendorDir(), `${bundle}.cjs`);
export const cacheFile = (bundle: VendorBundle): string => join(vendorDir(), `${bundle}.cache`);
/** The key of a bundle's code cache in `vendor.json`. */
export const cacheKey = (bundle: VendorBundle): string => `${bundle}.cache`;

/** The installed version of a package (its package.json, found above its resolved entry). */
export function installedVersion(name: string): string | undefined {
  try {
    let dir = dirname(createRequire(join(packageRoot(), 'package.json')).resolve(name));
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

/** The bundle's exports when it is current (with its code cache when that is current too), else `fallback()` (the packages themselves). */
export async function importVendored<T>(bundle: VendorBundle, fallback: () => Promise<T>): Promise<T> {
  const file = bundleFile(bundle),
    meta = join(vendorDir(), 'vendor.json');
  if (existsSync(file) && existsSync(meta)) {
    const recorded = JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>;
    if (recorded[bundle] === bundleKey(bundle)) {
      const source = readFileSync(file, 'utf8');
      let cachedData: Buffer | undefined;
      if (existsSync(cacheFile(bundle)) && recorded[cacheKey(bundle)] === sourceHash(source)) cachedData = readFileSync(cacheFile(bundle));
      return runBundle<T>(file, source, cachedData).exports;
    }
  }
  return fallback();
}
