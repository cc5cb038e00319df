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

/** 10^0 .. 10^22: every one an exact double. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * The number of the ASCII text in `b[start, end)` (no blanks) when it is a decimal text (`isDecimalText`) that the
 * fast path reads exactly as `Number` does: at most 15 significant digits (leading and trailing zeros aside) and a
 * power of ten within 1e-22..1e22, so the result is one correctly rounded multiplication or division of two exact
 * doubles (Clinger's fast path). NaN otherwise (another text, or a number outside the fast path): the caller reads
 * the text with `Number`.
 */
export function decimalFromBytes(b: Uint8Array, start: number, end: number): number {
  let i = start,
    neg = false;
  if (i < end && (b[i] === 43 || b[i] === 45)) {
    neg = b[i] === 45;
    i++;
  }
  // m: the digits from the first non-zero one to the last (at most 15); trailing: zeros after the last non-zero digit.
  let m = 0,
    significant = 0,
    trailing = 0,
    scale = 0,
    digits = 0;
  for (let frac = false; i < end; i++) {
    const c = b[i];
    if (c === 46 && !frac) {
      frac = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) break;
    digits++;
    if (frac) scale++;
    if (d === 0) {
      if (m !== 0) trailing++;
      continue;
    }
    significant += trailing + 1;
    if (significant > 15) return Number.NaN;
    m = m * POW10[trailing + 1] + d;
    trailing = 0;
  }
  if (digits === 0) return Number.NaN;
  let exp = 0;
  if (i < end && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (i < end && (b[i] === 43 || b[i] === 45)) {
      eneg = b[i] === 45;
      i++;
    }
    let ed = 0;
    for (; i < end; i++) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) break;
      if (++ed > 4) return Number.NaN;
      exp = exp * 10 + d;
    }
    if (ed === 0) return Number.NaN;
    if (eneg) exp = -exp;
  }
  if (i !== end) return Number.NaN;
  const e10 = exp + trailing - scale;
  let v: number;
  if (e10 === 0) v = m;
  else if (e10 > 0) {
    if (e10 > 22) return Number.NaN;
    v = m * POW10[e10];
  } else {
    if (e10 < -22) return Number.NaN;
    v = m / POW10[-e10];
  }
  return neg ? -v : v;
}

/**
 * The common cell of `decimalFromBytes`'s reach, read in one short loop: `[-]digits[.digits]` with at most 15 digits
 * in all (so the digits are an exact integer and the result one correctly rounded division by an exact power of ten:
 * the double `Number` gives). NaN for anything else (blanks, `+`, an exponent, more digits): the caller then asks
 * `decimalFromBytes`.
 */
export function plainDecimalFromBytes(b: Uint8Array, start: number, end: number): number {
  let i = start;
  const neg = i < end && b[i] === 45;
  if (neg) i++;
  if (end - i > 16 || i >= end) return Number.NaN;
  let m = 0,
    dot = -1;
  for (; i < end; i++) {
    const d = b[i] - 48;
    if (d >= 0 && d <= 9) m = m * 10 + d;
    else if (d === -2 && dot < 0) dot = i;
    else return Number.NaN;
  }
  // 16 bytes hold 15 digits only with the point; a lone point has none.
  const digits = end - (neg ? start + 1 : start) - (dot < 0 ? 0 : 1);
  if (digits === 0 || digits > 15) return Number.NaN;
  const v = dot < 0 || dot === end - 1 ? m : m / POW10[end - 1 - dot];
  return neg ? -v : v;
}
