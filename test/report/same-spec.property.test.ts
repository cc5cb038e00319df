/**
 * `sameSpec` (src/report/compose.ts), which decides whether a chart rendered early is the one the full inputs give:
 * never looser than equal JSON texts (so an early chart is used only where its spec is the final one), true for a
 * value and its copy, and false for a change anywhere, key order included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameSpec } from '../../src/report/compose.js';

describe('sameSpec', () => {
  it('true for a value and its copy; wherever it is true, the JSON texts are equal (random JSON values and pairs)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(sameSpec(a, structuredClone(a))).toBe(true);
        if (sameSpec(a, b)) expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      }),
      { numRuns: 500 },
    );
  });

  it('by hand: shared parts, a changed leaf, key order, lengths, undefined, -0', () => {
    const atlas = { arcs: [[1, 2]] };
    expect(sameSpec({ a: 1, m: atlas, l: [1, 'x'] }, { a: 1, m: atlas, l: [1, 'x'] })).toBe(true);
    expect(sameSpec({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } })).toBe(false);
    expect(sameSpec({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameSpec([1, 2], [1, 2, 3])).toBe(false);
    expect(sameSpec({ a: undefined }, {})).toBe(false);
    expect(sameSpec(0, -0)).toBe(false);
    expect(sameSpec([1], { 0: 1 })).toBe(false);
    expect(sameSpec(null, {})).toBe(false);
  });

  it('never looser than equal JSON for values that are not plain JSON: objects written by toJSON or as their value', () => {
    // no own enumerable keys, different JSON texts
    for (const [a, b] of [
      [new Date(0), new Date(1)],
      [{ at: new Date(0) }, { at: new Date(1) }],
      [Object(1), Object(2)],
      [Object('a'), Object('b')],
    ]) {
      expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
      expect(sameSpec(a, b)).toBe(false);
    }
  });
});
