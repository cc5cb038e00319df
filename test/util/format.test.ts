import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodes, formatCount } from '../../src/util/format.js';

/** The locale-free twins must give what the ICU calls they replace give, so that no output changes by a byte. */
describe('locale-free formatting', () => {
  it('formatCount writes what toLocaleString("en") writes', () => {
    expect(formatCount(1_000_000)).toBe('1,000,000');
    expect(formatCount(-1234)).toBe('-1,234');
    expect(formatCount(999)).toBe('999');
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), fc.constantFrom(-0, NaN, Infinity, 1e21)), (n) => {
        expect(formatCount(n)).toBe(n.toLocaleString('en'));
      }),
      { numRuns: 2000 },
    );
  });

  it('compareCodes orders ISO3 (and other upper-case alphanumeric) codes as localeCompare does', () => {
    const code = fc.stringMatching(/^[A-Z0-9]{1,6}$/);
    fc.assert(
      fc.property(code, code, (a, b) => {
        expect(Math.sign(compareCodes(a, b))).toBe(Math.sign(a.localeCompare(b)));
      }),
      { numRuns: 2000 },
    );
  });
});
