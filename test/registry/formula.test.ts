import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileFormula } from '../../src/registry/formula.js';

describe('compileFormula', () => {
  it('computes per-100 from counts over whole columns', () => {
    const f = compileFormula('fixed_bb_p100 = fixed_bb_subs / population * 100');
    const out = new Float64Array(3);
    f.kernel([new Float64Array([50, 1, NaN]), new Float64Array([1000, 4, 10])], out);
    expect(Array.from(out)).toEqual([5, 25, NaN]);
  });

  it('supports powers, unary minus, parentheses and Math functions', () => {
    const f = compileFormula('-(a ^ 2) + log10(b) + max(a, b)');
    expect(f.inputs).toEqual(['a', 'b']);
    expect(f.evaluate({ a: 3, b: 100 })).toBe(-9 + 2 + 100);
  });

  it('refuses anything that is not arithmetic', () => {
    expect(() => compileFormula('a / ')).toThrow(/cannot parse/);
    expect(() => compileFormula('evaluate("1")')).toThrow(/not allowed/);
    expect(() => compileFormula('a > b ? a : b')).toThrow(/not allowed/);
    expect(() => compileFormula('"x"')).toThrow(/numeric constants/);
  });

  it('kernel and scalar evaluation agree (property)', () => {
    const f = compileFormula('x / (y / 100 * z)');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true }), fc.double({ noNaN: true })), { maxLength: 50 }), (rows) => {
        const cols = [0, 1, 2].map((k) => Float64Array.from(rows, (r) => r[k]));
        const out = new Float64Array(rows.length);
        f.kernel(cols, out);
        rows.forEach((r, i) => expect(Object.is(out[i], f.evaluate({ x: r[0], y: r[1], z: r[2] }))).toBe(true));
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
