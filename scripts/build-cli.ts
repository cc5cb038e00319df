/**
 * `npm run build` (last step): the CLI and the worker scripts bundled by rolldown into `dist/cli/` (src/util/bundle.ts
 * says why), from the compiled modules in dist/src, split at every `import()` so that the lazy imports stay lazy.
 * Native and WebAssembly packages stay external (better-sqlite3, DuckDB, parquet-wasm), and so do vega and vega-lite,
 * which the report loads from their own single-file bundle (dist/vendor); exceljs (workbook reading) is inside. `dist/cli/bundle.json`
 * records the entries and every input with its hash. The bundle is CommonJS (`dist/cli/package.json`), so that the
 * CLI compiles its chunks with a V8 code cache, made here by running `CODE_CACHE_RUNS` (src/util/code-cache.ts):
 * the entries and workers therefore have no top-level await. Without rolldown (a production install)
 * `dist/cli/main.js` only imports dist/src/cli/main.js and the workers run from dist/src.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { type BundleInput, type BundleManifest, bundleDir, cliEntry, sha256, WORKER_ENTRIES, workerEntryName } from '../src/util/bundle.js';
import { type CodeCacheIndex, codeCacheDir, codeCacheIndexPath } from '../src/util/code-cache.js';
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

/**
 * The commands run to make the code cache, in turn (each starts from the caches the runs before wrote): what they
 * compile is in the cache, so a command not listed still takes the cache of the chunks they share (the command table,
 * Arrow, the registries). Their output is not kept.
 */
const reportOut = join(tmpdir(), `ictstat-code-cache-report-${process.pid}`);
const CODE_CACHE_RUNS: string[][] = [
  ['idi', '--methodology', 'idi-2017', '--year', '2016', '--format', 'csv'],
  ['series', '--economy', 'KEN', '--indicator', 'internet_users_pct'],
  ['report', '--edition', '2017', '--out', reportOut],
];

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
/** The chunks a code cache may be made for (relative to dist/cli). */
const cacheable: string[] = [];
if (rolldown) {
  const warnings: string[] = [];
  const out = await rolldown
    .build({
      input: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(root, file)])),
      platform: 'node',
      external: EXTERNAL,
      plugins: [LAZY_CHILD_PROCESS],
      onLog: (level, log) => {
        if (level === 'warn') warnings.push(log.message);
      },
      // `import()` of a package stays an import() (vega is an ES module); of a chunk, it becomes a require()
      output: { dir: tmp, format: 'cjs', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', minify: false },
    })
    .catch((e: unknown) => {
      if (/top.level await/i.test(String(e)))
        throw new Error(`build-cli: the CLI bundle is CommonJS (for its code cache): an entry or worker must not use top-level await\n${String(e)}`);
      throw e;
    });
  const files = new Set<string>(),
    chunks: Record<string, string[]> = {};
  const outputs = new Set(out.output.map((o) => o.fileName));
  for (const chunk of out.output)
    if (chunk.type === 'chunk') {
      const ids = chunk.moduleIds.filter((id) => isAbsolute(id) && existsSync(id));
      chunks[chunk.fileName] = ids.map((id) => posix(relative(root, id)));
      for (const id of ids) files.add(id.includes(`${sep}node_modules${sep}`) ? packageJsonOf(id) : id);
      // entries are compiled by Node before the cache is in use; an import() of a package cannot run from a cache
      if (chunk.fileName.startsWith('chunks/') && chunk.dynamicImports.every((d) => outputs.has(d))) cacheable.push(chunk.fileName);
    }
  writeFileSync(join(tmp, 'package.json'), '{ "type": "commonjs" }\n');
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

if (manifest.bundled) {
  // the code cache, for the chunks as they lie in dist/cli now (their mtimes are recorded)
  const cacheStarted = Date.now();
  const index: CodeCacheIndex = { node: process.version, v8: process.versions.v8, chunks: {}, caches: {} };
  for (const c of cacheable.sort()) {
    const { size, mtimeMs, sha256: hash } = input(join(dir, c));
    index.chunks[c] = { size, mtimeMs, sha256: hash };
  }
  mkdirSync(codeCacheDir(), { recursive: true });
  writeFileSync(codeCacheIndexPath(), JSON.stringify(index, null, 1) + '\n');
  for (const args of CODE_CACHE_RUNS) {
    const r = spawnSync(process.execPath, [cliEntry(), ...args], {
      env: { ...process.env, ICTSTAT_CODE_CACHE: 'produce' },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`build-cli: making the code cache, \`ictstat ${args.join(' ')}\` failed (${r.status}):\n${r.stderr}`);
  }
  rmSync(reportOut, { recursive: true, force: true });
  const made = JSON.parse(readFileSync(codeCacheIndexPath(), 'utf8')) as CodeCacheIndex;
  const caches = Object.values(made.caches.cli ?? {});
  process.stdout.write(
    `cli: code cache of ${caches.length} of ${cacheable.length} chunks (${(caches.reduce((n, c) => n + c.size, 0) / 1e6).toFixed(1)} MB) from ${CODE_CACHE_RUNS.length} commands (${((Date.now() - cacheStarted) / 1000).toFixed(1)} s)\n`,
  );
}
