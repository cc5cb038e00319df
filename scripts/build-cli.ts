/**
 * `npm run build` (last step): the CLI and the worker scripts bundled by rolldown into `dist/cli/` (src/util/bundle.ts
 * says why), from the compiled modules in dist/src, split at every `import()` so that the lazy imports stay lazy.
 * Native and WebAssembly packages stay external (better-sqlite3, DuckDB, parquet-wasm), and so do vega and vega-lite,
 * which the report loads from their own single-file bundle (dist/vendor); exceljs (workbook reading) is inside. `dist/cli/bundle.json`
 * records the entries and every input with its hash. Without rolldown (a production install) `dist/cli/main.js`
 * only imports dist/src/cli/main.js and the workers run from dist/src.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { type BundleInput, type BundleManifest, bundleDir, sha256, WORKER_ENTRIES, workerEntryName } from '../src/util/bundle.js';
import { packageRoot } from '../src/util/paths.js';

const EXTERNAL = [/^better-sqlite3(\/|$)/, /^@duckdb\//, /^parquet-wasm(\/|$)/, /^vega(-lite)?(\/|$)/];

/**
 * commander requires node:child_process at its top for executable subcommands, which ictstat has none of: loading
 * that built-in (~4 ms) on every start is a tenth of `--version`. Required when a spawn is asked for instead.
 */
const LAZY_CHILD_PROCESS = {
  name: 'lazy-child-process',
  transform(code: string, id: string): string | undefined {
    if (!/[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return undefined;
    const eager = "const childProcess = require('node:child_process');";
    if (!code.includes(eager)) throw new Error(`build-cli: ${id} no longer requires node:child_process as expected; update LAZY_CHILD_PROCESS`);
    return code.replace(eager, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };");
  },
};

const started = Date.now();
const root = packageRoot(),
  dir = bundleDir(),
  tmp = `${dir}.tmp`;
const entries: Record<string, string> = { main: 'dist/src/cli/main.js' };
for (const w of WORKER_ENTRIES) entries[workerEntryName(w)] = `dist/src/${w}.js`;

const posix = (p: string): string => p.split(sep).join('/');
function input(path: string): BundleInput {
  const st = statSync(path);
  return { file: posix(relative(root, path)), size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(readFileSync(path)) };
}
/** The package.json of the package a node_modules file belongs to (`.../node_modules/@scope/name/...`). */
function packageJsonOf(path: string): string {
  const parts = path.split(sep),
    i = parts.lastIndexOf('node_modules');
  return parts.slice(0, i + (parts[i + 1].startsWith('@') ? 3 : 2)).join(sep) + sep + 'package.json';
}

let rolldown: typeof import('rolldown') | undefined;
try {
  rolldown = await import('rolldown');
} catch {
  rolldown = undefined;
}
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
let manifest: BundleManifest;
if (rolldown) {
  const warnings: string[] = [];
  const out = await rolldown.build({
    input: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(root, file)])),
    platform: 'node',
    external: EXTERNAL,
    plugins: [LAZY_CHILD_PROCESS],
    onLog: (level, log) => {
      if (level === 'warn') warnings.push(log.message);
    },
    output: { dir: tmp, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', minify: false },
  });
  const files = new Set<string>(),
    chunks: Record<string, string[]> = {};
  for (const chunk of out.output)
    if (chunk.type === 'chunk') {
      const ids = chunk.moduleIds.filter((id) => isAbsolute(id) && existsSync(id));
      chunks[chunk.fileName] = ids.map((id) => posix(relative(root, id)));
      for (const id of ids) files.add(id.includes(`${sep}node_modules${sep}`) ? packageJsonOf(id) : id);
    }
  manifest = { bundled: true, entries, inputs: [...files].sort().map(input), chunks };
  const own = manifest.inputs.filter((i) => !i.file.includes('node_modules/')).length;
  process.stdout.write(
    `cli: ${Object.keys(entries).length} entries, ${Object.keys(chunks).length - Object.keys(entries).length} chunks from ${own} of our modules and ${manifest.inputs.length - own} packages in ${dir}` +
      ` (${((Date.now() - started) / 1000).toFixed(1)} s${warnings.length ? `, ${warnings.length} warning(s): ${warnings.slice(0, 3).join('; ')}` : ''})\n`,
  );
} else {
  writeFileSync(join(tmp, 'main.js'), "#!/usr/bin/env node\nimport '../src/cli/main.js';\n");
  manifest = { bundled: false, entries: { main: entries.main }, inputs: [], chunks: {} };
  process.stdout.write('cli: rolldown is not installed; dist/cli/main.js runs dist/src/cli/main.js unbundled\n');
}
chmodSync(join(tmp, 'main.js'), 0o755);
writeFileSync(join(tmp, 'bundle.json'), JSON.stringify(manifest, null, 1) + '\n');
// what the start-up check reads (src/util/bundle.ts): our modules only
writeFileSync(
  join(tmp, 'ours.json'),
  JSON.stringify({ ...manifest, inputs: manifest.inputs.filter((i) => !i.file.includes('node_modules/')), chunks: {} }) + '\n',
);
mkdirSync(dirname(dir), { recursive: true });
rmSync(dir, { recursive: true, force: true });
renameSync(tmp, dir);
