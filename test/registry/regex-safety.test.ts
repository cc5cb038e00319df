import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { parseAst } from 'rolldown/parseAst';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../ingest/helpers.js';

/**
 * Issue 13, finding 2: no regular expression in `src/` may take super-linear time on any input. recheck (4.5,
 * its pure-JS backend: in-process, deterministic, no Java or native binary) decides each pattern by automata
 * analysis plus fuzzing, and finds polynomial (e.g. `\d+\.?\d*` on a long run of digits) as well as exponential
 * backtracking; safe-regex2 only measures star height, so it passes the quadratic patterns this issue is about.
 * Every regular expression literal and every `RegExp(...)` call is found by parsing the TypeScript (oxc, through
 * rolldown's parseAst); a `RegExp` built from a non-literal cannot be checked and fails the test.
 */
process.env.RECHECK_SYNC_BACKEND = 'pure';
const { checkSync } = createRequire(import.meta.url)('recheck') as {
  checkSync: (
    source: string,
    flags: string,
    params?: Record<string, unknown>,
  ) => { status: 'safe' | 'vulnerable' | 'unknown'; complexity?: { summary: string }; attack?: { pattern: string }; error?: { kind: string } };
};

interface Found {
  file: string;
  line: number;
  pattern?: string;
  flags?: string;
  dynamic?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function regexesIn(file: string): Found[] {
  const text = readFileSync(file, 'utf8');
  const lineOf = (pos: number): number => text.slice(0, pos).split('\n').length;
  const out: Found[] = [];
  const rel = relative(ROOT, file);
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const node = n as {
      type?: string;
      regex?: { pattern: string; flags: string };
      start: number;
      callee?: { type: string; name?: string };
      arguments?: Array<{ type: string; value?: unknown; start: number; end: number }>;
    };
    if (node.type === 'Literal' && node.regex) out.push({ file: rel, line: lineOf(node.start), ...node.regex });
    if ((node.type === 'NewExpression' || node.type === 'CallExpression') && node.callee?.type === 'Identifier' && node.callee.name === 'RegExp') {
      const [src, flags] = node.arguments ?? [];
      if (src?.type === 'Literal' && typeof src.value === 'string' && (!flags || (flags.type === 'Literal' && typeof flags.value === 'string')))
        out.push({ file: rel, line: lineOf(node.start), pattern: src.value, flags: (flags?.value as string | undefined) ?? '' });
      else out.push({ file: rel, line: lineOf(node.start), dynamic: text.slice(node.start, node.arguments?.at(-1)?.end ?? node.start + 40) });
    }
    for (const v of Object.values(node)) if (v && typeof v === 'object') walk(v);
  };
  walk(parseAst(text, { lang: 'ts' }, file));
  return out;
}

describe('every regular expression in src/ is linear (static ReDoS check, issue 13)', () => {
  const found = sourceFiles(join(ROOT, 'src')).flatMap(regexesIn);

  it('the scan finds the regular expressions (a scan that finds none proves nothing)', () => {
    expect(found.length).toBeGreaterThan(50);
    expect(found.some((f) => f.file === join('src', 'ingest', 'validate.ts'))).toBe(true);
  });

  it('the checker flags a known-quadratic pattern and passes a linear one (the checker works)', () => {
    expect(checkSync('^\\d*\\.?\\d+$', '', { randomSeed: 0 }).status).toBe('vulnerable');
    expect(checkSync('^(a+)+$', '', { randomSeed: 0 }).status).toBe('vulnerable');
    expect(checkSync('^\\d+(?:\\.\\d+)?$', '', { randomSeed: 0 }).status).toBe('safe');
  });

  it('no RegExp is built from a non-literal (it could not be checked)', () => {
    expect(found.filter((f) => f.dynamic).map((f) => `${f.file}:${f.line}: ${f.dynamic}`)).toEqual([]);
  });

  it('recheck finds every pattern safe (none vulnerable, none undecided)', () => {
    const seen = new Map<string, string>();
    const bad: string[] = [];
    for (const f of found) {
      if (f.pattern === undefined) continue;
      const key = `/${f.pattern}/${f.flags}`;
      let verdict = seen.get(key);
      if (verdict === undefined) {
        const r = checkSync(f.pattern, f.flags ?? '', { randomSeed: 0, timeout: 20_000 });
        verdict = r.status === 'safe' ? 'safe' : `${r.status}${r.complexity ? ` (${r.complexity.summary})` : ''}${r.error ? ` (${r.error.kind})` : ''}`;
        seen.set(key, verdict);
      }
      if (verdict !== 'safe') bad.push(`${f.file}:${f.line}: ${key}: ${verdict}`);
    }
    expect(bad).toEqual([]);
  }, 240_000);
});
