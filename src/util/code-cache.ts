import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import type { Script } from 'node:vm';
import { bundleDir, sha256 } from './bundle.js';

// node:vm is required when a chunk is compiled, not imported: `--version` loads this module and compiles no chunk through it.
const require = createRequire(import.meta.url);

/**
 * A V8 code cache for the CLI bundle's chunks (Node 20 has no `module.enableCompileCache`). The bundle is CommonJS
 * (scripts/build-cli.ts), so the CLI's entry can compile every chunk it requires afterwards itself, as a `vm.Script`
 * given the chunk's cache (`cachedData`): V8 then deserialises the bytecode of the functions that ran when the cache
 * was made instead of parsing and compiling them (5-20 ms of CPU per start of `idi` or `series`, on top of the ~35 ms
 * the CommonJS output saves; benchmarks/RESULTS.md "Session 9: compile cache and idi start"). `npm run build` makes
 * the caches by running a few commands with
 * `ICTSTAT_CODE_CACHE=produce` (each run starts from the caches of the runs before, so the last holds what all ran).
 *
 * A cache is used only when all of these hold, and the chunk is otherwise compiled as Node compiles it:
 * - `index.json` was made by this Node and V8 (`process.version`, `process.versions.v8`);
 * - the chunk is the one the cache was made from: its size and mtime as recorded, or else its SHA-256 (a copied or
 *   installed package has other mtimes);
 * - the cache file's SHA-256 is the recorded one: V8 checks a cache's header (its version, the V8 flags it was made
 *   under, the source's length) but, in a release build, not the bytes after it, and bytes changed there can crash it;
 * - V8 takes it (`cachedDataRejected` false): otherwise V8 has compiled the source as usual.
 * The caches are made under the CLI's V8 flags (`CLI_V8_FLAGS`), and only commands that set them use one.
 * A chunk holding an `import()` of a package (vega, in the report's charts) has none: V8 does not keep the dynamic
 * import callback of a script it deserialised (nodejs/node#43663), so it is always compiled by Node.
 */

export const codeCacheDir = (): string => join(bundleDir(), 'code-cache');
export const codeCacheIndexPath = (): string => join(codeCacheDir(), 'index.json');

export interface CodeCacheIndex {
  node: string;
  v8: string;
  /** The chunks a cache may be made for (relative to dist/cli, `/`-separated), as the build wrote them. */
  chunks: Record<string, { size: number; mtimeMs: number; sha256: string }>;
  /** Per flag set (`cli`), the chunks' caches: file name in code-cache/, size and SHA-256. */
  caches: Record<string, Record<string, { file: string; size: number; sha256: string }>>;
}

/** What a process did with the caches (`ICTSTAT_CODE_CACHE=stats` prints it). */
export interface CodeCacheStats {
  /** Chunks compiled from their cache. */
  taken: number;
  /** Caches V8 refused (another V8 or other flags): compiled from source. */
  rejected: number;
  /** Caches not offered: the chunk or the cache file is not the one recorded. */
  ignored: number;
  /** Cacheable chunks without a cache for these flags. */
  missing: number;
}

/** `index.json` when it was made by this Node and V8, else undefined. */
export function readCodeCacheIndex(): CodeCacheIndex | undefined {
  try {
    const index = JSON.parse(readFileSync(codeCacheIndexPath(), 'utf8')) as CodeCacheIndex;
    return index.node === process.version && index.v8 === process.versions.v8 && index.chunks && index.caches ? index : undefined;
  } catch {
    return undefined;
  }
}

/** The chunk on disk is the one recorded: size and mtime, or else the content's hash. */
function chunkCurrent(file: string, content: string, recorded: CodeCacheIndex['chunks'][string]): boolean {
  try {
    const st = statSync(file);
    if (st.size === recorded.size && st.mtimeMs === recorded.mtimeMs) return true;
  } catch {
    return false;
  }
  return sha256(Buffer.from(content, 'utf8')) === recorded.sha256;
}

/** The cache file when its bytes are the recorded ones, else undefined. */
function readCache(entry: { file: string; size: number; sha256: string } | undefined): Buffer | undefined {
  if (!entry) return undefined;
  try {
    const bytes = readFileSync(join(codeCacheDir(), entry.file));
    return bytes.byteLength === entry.size && sha256(bytes) === entry.sha256 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

interface CjsModule {
  exports: unknown;
  require(id: string): unknown;
}
interface ModuleStatics {
  prototype: { _compile(this: CjsModule, content: string, filename: string, ...rest: unknown[]): unknown };
  wrap(content: string): string;
  _resolveFilename(request: string, parent: CjsModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: CjsModule): string[] | null;
  _cache: Record<string, unknown>;
  _extensions: Record<string, unknown>;
}

/** The `require` a CommonJS module is given (what Node's loader makes for it). */
function requireFor(Module: ModuleStatics, mod: CjsModule): NodeJS.Require {
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: unknown) => Module._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => Module._resolveLookupPaths(request, mod);
  req.resolve = resolve;
  req.main = require.main;
  req.cache = Module._cache as NodeJS.Require['cache'];
  req.extensions = Module._extensions as NodeJS.Require['extensions'];
  return req;
}

/**
 * From now on, compile the bundle's cacheable chunks with their cache for `flagSet` (the V8 flags in effect, set
 * before this call); with `produce`, write each such chunk's cache at exit (`createCachedData` then holds every
 * function compiled by then, not only the top level) and record it in `index.json`. Returns the counts, filled in as
 * chunks load; undefined when there is nothing to do (no index for this Node, and not producing).
 */
export function useCodeCache(flagSet: string, o: { produce?: boolean } = {}): CodeCacheStats | undefined {
  const produce = o.produce ?? false;
  const index = readCodeCacheIndex();
  if (!index) return undefined;
  const caches = (index.caches[flagSet] ??= {});
  const root = bundleDir();
  const Module = require('node:module') as ModuleStatics;
  const { Script } = require('node:vm') as typeof import('node:vm');
  const stats: CodeCacheStats = { taken: 0, rejected: 0, ignored: 0, missing: 0 };
  const compiled: Array<[string, Script]> = [];
  const original = Module.prototype._compile;
  Module.prototype._compile = function (this: CjsModule, content: string, filename: string, ...rest: unknown[]): unknown {
    const rel = relative(root, filename).split(sep).join('/');
    const chunk = index.chunks[rel];
    if (!chunk) return original.call(this, content, filename, ...rest);
    if (!chunkCurrent(filename, content, chunk)) {
      stats.ignored++;
      return original.call(this, content, filename, ...rest);
    }
    const recorded = caches[rel];
    const cachedData = readCache(recorded);
    if (!recorded) stats.missing++;
    else if (!cachedData) stats.ignored++;
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (cachedData) script.cachedDataRejected ? stats.rejected++ : stats.taken++;
    if (produce) compiled.push([rel, script]);
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(Module, this), this, filename, dirname(filename));
  };
  if (produce)
    process.on('exit', () => {
      mkdirSync(codeCacheDir(), { recursive: true });
      for (const [rel, script] of compiled) {
        const bytes = script.createCachedData(),
          file = `${rel.slice(rel.lastIndexOf('/') + 1).replace(/\.js$/, '')}.${flagSet}.cache`;
        writeFileSync(join(codeCacheDir(), file), bytes);
        caches[rel] = { file, size: bytes.byteLength, sha256: sha256(bytes) };
      }
      const tmp = `${codeCacheIndexPath()}.tmp`;
      writeFileSync(tmp, JSON.stringify(index, null, 1) + '\n');
      renameSync(tmp, codeCacheIndexPath());
    });
  return stats;
}
