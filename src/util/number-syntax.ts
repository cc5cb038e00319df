/**
 * The decimal syntax of every number the project reads as text (CSV cells, tariff fields, query parameters):
 * `12`, `-1.5`, `.5`, `3.`, `1e-3`. The patterns are unambiguous (each digit can be matched one way only), so
 * they run in time linear in the text whatever it holds; a static ReDoS check over `src/` keeps it so.
 */
const SIGNED = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const UNSIGNED_PLAIN = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/** A decimal number, optionally signed, optionally with an exponent. */
export function isDecimalText(s: string): boolean {
  return SIGNED.test(s);
}

/** A decimal number without sign or exponent (a positive parameter: `0.5`, `2`). */
export function isPlainDecimalText(s: string): boolean {
  return UNSIGNED_PLAIN.test(s);
}
