/**
 * `npm run build` (after the snapshot): the report's chart engine bundled into one file,
 * `dist/vendor/vega.mjs` (vega and vega-lite), with `vendor.json` recording the
 * package versions they were built from (src/report/vendor.ts uses a bundle only while those are the installed
 * ones). Built with rolldown, a development dependency: without it nothing is bundled and the packages are imported.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleKey, VENDOR_BUNDLES, vendorDir, type VendorBundle } from '../src/report/vendor.js';

const started = Date.now();
const dir = vendorDir();
let rolldown: typeof import('rolldown') | undefined;
try {
  rolldown = await import('rolldown');
} catch {
  process.stdout.write('vendor: rolldown is not installed; the report imports vega and vega-lite as packages\n');
}
if (rolldown) {
  mkdirSync(dir, { recursive: true });
  const meta: Record<string, string> = {};
  for (const bundle of Object.keys(VENDOR_BUNDLES) as VendorBundle[]) {
    const tmp = join(dir, `${bundle}.tmp.mjs`);
    await rolldown.build({
      input: join(import.meta.dirname, 'vendor', `${bundle}.js`),
      platform: 'node',
      logLevel: 'silent',
      output: { file: tmp, format: 'esm', minify: false },
    });
    renameSync(tmp, join(dir, `${bundle}.mjs`));
    meta[bundle] = bundleKey(bundle);
  }
  rmSync(join(dir, 'vendor.json.tmp'), { force: true });
  writeFileSync(join(dir, 'vendor.json.tmp'), JSON.stringify(meta, null, 2) + '\n');
  renameSync(join(dir, 'vendor.json.tmp'), join(dir, 'vendor.json'));
  process.stdout.write(
    `vendor: ${Object.entries(meta)
      .map(([b, k]) => `${b}.mjs (${k})`)
      .join(', ')} in ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
}
