/**
 * Issue 13, finding 11: a methodology tree 1,500 (or 100,000) levels deep gives a clear error (the documented
 * limit: 64 levels of components), never a stack overflow (exit 70); a tree at the limit works.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMethodology, loadMethodology, MAX_METHODOLOGY_DEPTH } from '../../src/idi/methodology.js';
import { UserInputError } from '../../src/util/errors.js';
import { ROOT, ictstat } from '../cli/helpers.js';
import { tempDir } from '../ingest/helpers.js';

const tmp = tempDir('ictstat-deep-');
afterAll(() => tmp.cleanup());

/** idi-2017 with its first indicator wrapped in `extra` single-child nodes (weight 1 each). */
function deep(extra: number): Record<string, unknown> {
  const doc = JSON.parse(readFileSync(join(ROOT, 'indicators', 'methodologies', 'idi-2017.json'), 'utf8'));
  const access = doc.components[0];
  let leaf = access.components[0];
  for (let k = 0; k < extra; k++)
    leaf = { id: `n${k}`, name: `level ${k}`, weight: k === extra - 1 ? access.components[0].weight : 1, source: 'test', components: [{ ...leaf, weight: 1 }] };
  access.components[0] = leaf;
  return doc;
}

/** The same document as JSON text, written without a recursive JSON.stringify (100,000 levels overflow it). */
function deepText(extra: number): string {
  const doc = JSON.parse(readFileSync(join(ROOT, 'indicators', 'methodologies', 'idi-2017.json'), 'utf8'));
  const first = doc.components[0].components[0];
  doc.components[0].components[0] = 'LEAF';
  const open = Array.from(
    { length: extra },
    (_, k) => `{"id":"n${k}","name":"level ${k}","weight":${k === extra - 1 ? first.weight : 1},"source":"test","components":[`,
  )
    .reverse()
    .join('');
  return JSON.stringify(doc).replace('"LEAF"', open + JSON.stringify({ ...first, weight: 1 }) + ']}'.repeat(extra));
}

describe('deep methodology trees (issue 13)', () => {
  it('the limit is 64 levels', () => expect(MAX_METHODOLOGY_DEPTH).toBe(64));

  it.each([1_500, 100_000])(
    '%i levels: a UserInputError naming the depth and the limit, from the library and the CLI (exit 2)',
    (n) => {
      const doc = deep(n);
      expect(() => compileMethodology(doc, 'deep.json')).toThrow(UserInputError);
      expect(() => compileMethodology(doc, 'deep.json')).toThrow(/nests components .*levels deep; at most 64/);
      const f = tmp.file(`deep-${n}.json`, deepText(n));
      expect(() => loadMethodology(f)).toThrow(/at most 64/);
      const r = ictstat(['idi', '--methodology', f, '--year', '2016']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/at most 64/);
    },
    60_000,
  );

  it('a tree at the limit compiles', () => {
    // idi-2017 is 3 levels (index, sub-index, indicator): 61 more single-child levels make 64.
    const m = compileMethodology(deep(61), 'deep.json');
    expect(m.ids.length).toBeGreaterThan(11 + 61);
    expect(() => compileMethodology(deep(62), 'deep.json')).toThrow(/at most 64/);
  });
});
