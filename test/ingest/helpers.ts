import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from 'apache-arrow';
import { ingestFile, type IngestOptions, type IngestResult } from '../../src/ingest/ingest.js';
import type { Finding, Rule } from '../../src/ingest/findings.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'ingest');
export const SHARED = join(ROOT, '..', 'shared', 'data');

/** A fixed clock, so "latest valid year" (now + 1 = 2026) does not move under the tests. */
export const NOW = new Date('2025-06-30T00:00:00Z');

/** A temp dir per test file; `file()` writes into it, `cleanup()` removes it. */
export function tempDir(prefix = 'ictstat-ingest-'): { dir: string; file: (name: string, content: string | Uint8Array) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, content) => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function ingest(file: string, opts: IngestOptions = {}): Promise<IngestResult> {
  return ingestFile(file, { now: NOW, ...opts });
}

/** The findings (examples) of one rule, in file order. */
export function findings(r: IngestResult, rule: Rule): Finding[] {
  return r.log.sorted().filter((f) => f.rule === rule);
}

/** Rows of the table as plain objects with the columns that matter for content comparisons. */
export function rows(t: Table, cols = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'line']): Array<Record<string, unknown>> {
  const vs = cols.map((c) => [c, t.getChild(c)!] as const);
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < t.numRows; i++) out.push(Object.fromEntries(vs.map(([c, v]) => [c, v.get(i)])));
  return out;
}

/** The rules seen in a result, each with its count. */
export function ruleCounts(r: IngestResult): Record<string, number> {
  return Object.fromEntries([...r.log.counts.entries()].map(([k, v]) => [k, v.count]));
}
