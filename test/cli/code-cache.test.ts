import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CodeCacheIndex, CodeCacheStats } from '../../src/util/code-cache.js';
import { packageRoot } from '../../src/util/paths.js';

/**
 * The CLI bundle's code cache (src/util/code-cache.ts, made by scripts/build-cli.ts): a command takes it, and a
 * cache that is not the one recorded, or one V8 refuses, or a chunk changed since the build, is compiled from
 * source with the same output. Counted (`ICTSTAT_CODE_CACHE=stats`), not timed.
 */
const ROOT = packageRoot();
const IDI = ['idi', '--methodology', 'idi-2017', '--year', '2016', '--format', 'csv'];
const tmp = mkdtempSync(join(tmpdir(), 'ictstat-code-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(root: string, mode: string): { stdout: string; stats: CodeCacheStats | null } {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...IDI], {
    encoding: 'utf8',
    env: { ...process.env, ICTSTAT_CODE_CACHE: mode },
  });
  expect(r.status, r.stderr).toBe(0);
  const line = r.stderr.split('\n').find((l) => l.startsWith('code cache: '));
  return { stdout: r.stdout, stats: line ? (JSON.parse(line.slice('code cache: '.length)) as CodeCacheStats | null) : null };
}

describe('the CLI code cache', () => {
  const plain = run(ROOT, 'off').stdout;

  it('idi compiles its chunks from the cache the build made, with the same output', () => {
    const index = JSON.parse(readFileSync(join(ROOT, 'dist', 'cli', 'code-cache', 'index.json'), 'utf8')) as CodeCacheIndex;
    expect(index.node).toBe(process.version);
    // the report's charts import vega (an ES module) with import(): never from a cache
    expect(Object.keys(index.chunks).some((c) => c.startsWith('chunks/charts-'))).toBe(false);
    const r = run(ROOT, 'stats');
    expect(r.stats).not.toBeNull();
    expect(r.stats!.taken).toBeGreaterThan(10);
    expect(r.stats).toMatchObject({ rejected: 0, ignored: 0, missing: 0 });
    expect(r.stdout).toBe(plain);
  });

  it('a corrupted cache, a refused one and a changed chunk are compiled from source (a copy of the package)', () => {
    const root = join(tmp, 'pkg');
    mkdirSync(join(root, 'dist'), { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    for (const d of ['node_modules', 'indicators', 'datasets']) symlinkSync(join(ROOT, d), join(root, d));
    for (const d of ['src', 'snapshot', 'vendor']) symlinkSync(join(ROOT, 'dist', d), join(root, 'dist', d));
    // copied: other mtimes than recorded, so each chunk is checked by its hash
    cpSync(join(ROOT, 'dist', 'cli'), join(root, 'dist', 'cli'), { recursive: true });
    const dir = join(root, 'dist', 'cli', 'code-cache'),
      indexPath = join(dir, 'index.json');
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as CodeCacheIndex;
    const fresh = run(root, 'stats');
    expect(fresh.stdout).toBe(plain);
    expect(fresh.stats).toMatchObject({ rejected: 0, ignored: 0 });
    const taken = fresh.stats!.taken;

    // the largest cache (Arrow's), bytes changed after its header: not offered to V8 (which would not notice)
    const [arrow, entry] = Object.entries(index.caches.cli).sort((a, b) => b[1].size - a[1].size)[0];
    const file = join(dir, entry.file),
      good = readFileSync(file);
    const bad = Buffer.from(good);
    for (let i = 1000; i < 1016; i++) bad[i] ^= 0x5a;
    writeFileSync(file, bad);
    const corrupt = run(root, 'stats');
    expect(corrupt.stdout).toBe(plain);
    expect(corrupt.stats).toMatchObject({ taken: taken - 1, ignored: 1, rejected: 0 });

    // another chunk's cache recorded as this one's (so its hash is right): V8 refuses it
    const [, other] = Object.entries(index.caches.cli).find(([c]) => c !== arrow)!;
    const otherBytes = readFileSync(join(dir, other.file));
    writeFileSync(file, otherBytes);
    writeFileSync(indexPath, JSON.stringify({ ...index, caches: { cli: { ...index.caches.cli, [arrow]: { ...other, file: entry.file } } } }));
    const refused = run(root, 'stats');
    expect(refused.stdout).toBe(plain);
    expect(refused.stats).toMatchObject({ taken: taken - 1, rejected: 1, ignored: 0 });
    writeFileSync(file, good);
    writeFileSync(indexPath, JSON.stringify(index));

    // a chunk edited after the build: its cache is not used
    appendFileSync(join(root, 'dist', 'cli', arrow), '\n// edited\n');
    const stale = run(root, 'stats');
    expect(stale.stdout).toBe(plain);
    expect(stale.stats).toMatchObject({ taken: taken - 1, ignored: 1, rejected: 0 });

    // an index made by another Node: no cache at all
    writeFileSync(indexPath, JSON.stringify({ ...index, node: 'v0.0.0' }));
    const other_node = run(root, 'stats');
    expect(other_node.stdout).toBe(plain);
    expect(other_node.stats).toBeNull();
  });
});
