import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../util/paths.js';

/**
 * The report's chart engine as a single-file bundle, `dist/vendor/<name>.mjs`, made by `npm run build`
 * (scripts/build-vendor.ts) from the installed packages: one module to compile instead of hundreds to resolve, read
 * and link (vega, vega-lite and their d3 modules). No engine object ever leaves the
 * report code (specs in, SVG out), so the bundled copy cannot meet the package's. A bundle is
 * used only while `vendor.json` records the versions installed now; otherwise the packages are imported.
 */
export const VENDOR_BUNDLES = { vega: ['vega', 'vega-lite'] } as const;
export type VendorBundle = keyof typeof VENDOR_BUNDLES;

export const vendorDir = (): string => join(packageRoot(), 'dist', 'vendor');

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

/** The bundle's module when it is current, else `fallback()` (the packages themselves). */
export async function importVendored<T>(bundle: VendorBundle, fallback: () => Promise<T>): Promise<T> {
  const file = join(vendorDir(), `${bundle}.mjs`),
    meta = join(vendorDir(), 'vendor.json');
  if (existsSync(file) && existsSync(meta)) {
    const recorded = (JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>)[bundle];
    if (recorded === bundleKey(bundle)) return (await import(pathToFileURL(file).href)) as T;
  }
  return fallback();
}
