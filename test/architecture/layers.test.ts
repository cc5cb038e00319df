import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers, bottom to top (issue 12): a folder may import only from folders of a strictly lower layer (and
 * from itself). The graph is derived from the sources, so a new import against the order fails here.
 */
const LAYERS: Record<string, number> = {
  util: 0,
  registry: 1,
  stats: 1,
  table: 2,
  ingest: 3,
  store: 4,
  idi: 5,
  prices: 5,
  estimates: 5,
  usecases: 6,
  report: 7,
  'index.ts': 8, // the public library entry: the use-case layer and the report, re-exported
  api: 9,
  cli: 10, // the command line; `serve` starts the API

  benchmarks: 11,
  scripts: 11,
};
/** Library code: never the working directory, the environment or stderr on its own. */
const LIBRARY = new Set(['util', 'registry', 'stats', 'table', 'ingest', 'store', 'idi', 'prices', 'estimates', 'usecases', 'report', 'index.ts']);

const ROOT = resolve(import.meta.dirname, '..', '..');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
const sources = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'benchmarks')), ...files(join(ROOT, 'scripts'))];

/** The layer folder of a file: src/<folder>/..., or benchmarks/scripts; src/index.ts is its own. */
function folderOf(file: string): string {
  const rel = relative(ROOT, file).split('/');
  return rel[0] === 'src' ? rel[1] : rel[0];
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
    out.push(resolve(dirname(file), m[1] ?? m[2]));
  }
  return out;
}

/**
 * The one sanctioned side door: the world estimates (layer 5, beside the IDI) reuse the IDI's imputation registry
 * (`src/idi/imputation/`: one implementation of the methods) and nothing else of `src/idi/`.
 */
const SHARED = [{ from: 'estimates', prefix: join(ROOT, 'src', 'idi', 'imputation') + '/' }];

const edges = new Map<string, Map<string, string[]>>();
for (const f of sources) {
  const from = folderOf(f);
  for (const target of importsOf(f)) {
    const to = folderOf(target);
    if (to === from) continue;
    if (SHARED.some((s) => s.from === from && target.startsWith(s.prefix))) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const m = edges.get(from)!;
    m.set(to, [...(m.get(to) ?? []), relative(ROOT, f)]);
  }
}

/** Imports that do not go to a strictly lower layer. */
function against(graph: Map<string, Map<string, string[]>>): string[] {
  const out: string[] = [];
  for (const [from, tos] of graph) for (const [to, via] of tos) if (!(LAYERS[to] < LAYERS[from])) out.push(`${from} -> ${to} (${via.slice(0, 3).join(', ')})`);
  return out;
}

describe('layers', () => {
  it('every folder has a layer', () => {
    const folders = new Set(sources.map(folderOf));
    expect([...folders].filter((f) => !(f in LAYERS))).toEqual([]);
  });

  it('imports go only downward (no import against the order, hence no cycle between folders)', () => {
    expect(against(edges)).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const state = new Map<string, number>();
    const cycle: string[] = [];
    const visit = (n: string, path: string[]): boolean => {
      if (state.get(n) === 1) {
        cycle.push([...path, n].join(' -> '));
        return true;
      }
      if (state.get(n) === 2) return false;
      state.set(n, 1);
      for (const m of edges.get(n)?.keys() ?? []) if (visit(m, [...path, n])) return true;
      state.set(n, 2);
      return false;
    };
    for (const n of edges.keys()) visit(n, []);
    expect(cycle).toEqual([]);
  });

  it('library code does not read the environment or the working directory, nor write to stderr', () => {
    const found: string[] = [];
    for (const f of sources) {
      if (!LIBRARY.has(folderOf(f))) continue;
      const text = readFileSync(f, 'utf8').split('\n');
      text.forEach((line, k) => {
        if (/^\s*(\/\/|\*)/.test(line)) return; // comments
        if (/process\.env|process\.cwd\(|process\.stderr|process\.stdout|console\.(log|error|warn)/.test(line))
          found.push(`${relative(ROOT, f)}:${k + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('the check catches an import against the order (the graph before issue 12 had several)', () => {
    const before = new Map([
      [
        'store',
        new Map([
          ['cli', ['src/store/submit.ts']],
          ['ingest', ['src/store/submit.ts']],
        ]),
      ],
      ['idi', new Map([['report', ['src/index/tables.ts']]])],
      [
        'table',
        new Map([
          ['ingest', ['src/table/bundled.ts']],
          ['store', ['src/table/load.ts']],
        ]),
      ],
    ]);
    expect(against(before)).toEqual([
      'store -> cli (src/store/submit.ts)',
      'idi -> report (src/index/tables.ts)',
      'table -> ingest (src/table/bundled.ts)',
      'table -> store (src/table/load.ts)',
    ]);
  });
});
