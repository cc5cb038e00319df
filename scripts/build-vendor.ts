/**
 * `npm run build` (after the snapshot): the report's chart engine bundled into one CommonJS script,
 * `dist/vendor/vega.cjs` (vega and vega-lite), and its V8 code caches, `vega.cache` (V8's default flags) and
 * `vega.cli.cache` (the CLI's flags, src/util/bundle.ts), each made after rendering one chart of each of the
 * report's kinds with it (so the functions a report runs are in the cache, not only the top level);
 * `vendor.json` records the package versions the bundle was built from and the hash of the script the cache belongs
 * to (src/report/vendor.ts uses each only while they match). A script and not a module because only scripts take a
 * code cache; vega's one top-level await (`await import("canvas")`, optional) becomes the equivalent `require`.
 * Built with rolldown, a development dependency: without it nothing is bundled and the packages are imported.
 */
import { readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { chartSpecs, type ChartEngines, type ChartInputs, renderWith } from '../src/report/charts.js';
import {
  bundleFile,
  bundleKey,
  CACHE_FLAGS,
  cacheFile,
  cacheKey,
  makeProbe,
  probeKey,
  runBundle,
  sourceHash,
  VENDOR_BUNDLES,
  vendorDir,
  type VendorBundle,
} from '../src/report/vendor.js';

const started = Date.now();
const dir = vendorDir();
let rolldown: typeof import('rolldown') | undefined;
try {
  rolldown = await import('rolldown');
} catch {
  process.stdout.write('vendor: rolldown is not installed; the report imports vega and vega-lite as packages\n');
}

/** Small inputs that make every chart the report can draw (values of no meaning: only the code paths count). */
function sampleInputs(): ChartInputs {
  const regions = ['Africa', 'Americas', 'Arab States', 'Asia & Pacific', 'CIS', 'Europe'];
  const m49 = ['404', '076', '818', '356', '643', '250', '840', '156', '710', '036', '124', '392'];
  const ranked = m49.map((code, k) => ({ code: `E${k}`, name: `Economy ${k}`, m49: code, region: regions[k % 6], score: 1 + ((k * 7) % 9) }));
  const groups = ['World', ...regions];
  return {
    edition: 2017,
    dataYear: 2016,
    indexLabel: 'IDI',
    scale: 10,
    ranked,
    affordability: { basket: 'fbb', basketName: 'Fixed broadband', values: new Map(ranked.map((e, k) => [e.code, 0.5 + k])) },
    medians: ['fbb', 'mob'].flatMap((basket) =>
      groups.flatMap((group, g) => [2014, 2015, 2016].map((year) => ({ basket, group, year, value: 1 + g + (year % 3) }))),
    ),
    basketName: (id) => `Basket ${id}: sample`,
    internetUse: groups.flatMap((group, g) =>
      [2015, 2016].map((year) => ({ group, year, value: 20 + g * 5 + (year % 2), estimatedShare: 0.1, nowcast: year === 2016 })),
    ),
    rankIntervals: {
      draws: 10,
      scenarios: 20,
      seed: 1,
      factors: ['weights'],
      rows: ranked.map((e, k) => ({ code: e.code, name: e.name, rank: k + 1, median: k + 1, p05: Math.max(1, k), p95: k + 2 })),
    },
  };
}

if (rolldown) {
  mkdirSync(dir, { recursive: true });
  const meta: Record<string, string> = {};
  const notes: string[] = [];
  for (const bundle of Object.keys(VENDOR_BUNDLES) as VendorBundle[]) {
    const file = bundleFile(bundle),
      tmp = `${file}.tmp`;
    await rolldown.build({
      input: join(import.meta.dirname, 'vendor', `${bundle}.js`),
      platform: 'node',
      logLevel: 'silent',
      plugins: [
        {
          name: 'optional-canvas-require',
          transform: (code) => (/await import\((["'])canvas\1\)/.test(code) ? code.replace(/await import\((["'])canvas\1\)/g, 'require("canvas")') : undefined),
        },
      ],
      output: { file: tmp, format: 'cjs', minify: false },
    });
    renameSync(tmp, file);
    rmSync(join(dir, `${bundle}.mjs`), { force: true });
    meta[bundle] = bundleKey(bundle);
    // A script has no import() or import.meta (src/report/vendor.ts runs it without a module loader).
    if (/\bimport\s*\(|\bimport\.meta\b/.test(readFileSync(file, 'utf8')))
      throw new Error(`${file}: the bundle still uses import() or import.meta; it cannot run as a script`);
  }
  // The caches, one per flag set, V8's defaults first (flags set in a process are not unset): compile, run and render
  // with each bundle on this thread under the flags, then take what V8 compiled; and the flags' probe.
  for (const flags of ['', ...Object.keys(CACHE_FLAGS).filter((f) => f)]) {
    for (const flag of CACHE_FLAGS[flags]) setFlagsFromString(flag);
    meta[probeKey(flags)] = makeProbe(flags);
    for (const bundle of Object.keys(VENDOR_BUNDLES) as VendorBundle[]) {
      const file = bundleFile(bundle),
        source = readFileSync(file, 'utf8');
      const loaded = runBundle<ChartEngines>(file, source);
      for (const chart of chartSpecs(sampleInputs())) await renderWith(loaded.exports, chart.spec, chart.id);
      const cache = loaded.script.createCachedData();
      writeFileSync(`${cacheFile(bundle, flags)}.tmp`, cache);
      renameSync(`${cacheFile(bundle, flags)}.tmp`, cacheFile(bundle, flags));
      meta[cacheKey(bundle, flags)] = sourceHash(source);
      notes.push(
        `${bundle}.cjs (${meta[bundle]}) with a ${(cache.length / 1e6).toFixed(1)} MB code cache${flags ? ` for the ${flags} flags (${CACHE_FLAGS[flags].join(' ')})` : ''}`,
      );
    }
  }
  rmSync(join(dir, 'vendor.json.tmp'), { force: true });
  writeFileSync(join(dir, 'vendor.json.tmp'), JSON.stringify(meta, null, 2) + '\n');
  renameSync(join(dir, 'vendor.json.tmp'), join(dir, 'vendor.json'));
  process.stdout.write(`vendor: ${notes.join(', ')} in ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
