/**
 * Locale-free formatting for the start-up paths: the first `toLocaleString` or `localeCompare` of a process builds an
 * ICU formatter or collator (7-15 ms of CPU each, measured in issue 14), more than a whole `series` command spends on
 * its data. These give the same text and order for what they are used on (whole numbers, ASCII codes).
 */

/** A whole number with comma thousands separators, as `toLocaleString('en')` writes it; anything else through it. */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en');
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = digits.length; i > 0; i -= 3) out = (i > 3 ? ',' : '') + digits.slice(Math.max(0, i - 3), i) + out;
  return n < 0 ? `-${out}` : out;
}

/** Code-unit order: for codes of upper-case ASCII letters and digits (ISO3) the order `localeCompare` gives (not for `_` or mixed case). */
export const compareCodes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
