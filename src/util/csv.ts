/**
 * RFC 4180 CSV output shared by every writer in the project (datasets, rejects files, API answers, report
 * tables), and the one place where text is neutralised against spreadsheet formula injection (CSV and XLSX).
 */
import { isDecimalText } from './number-syntax.js';

/**
 * Spreadsheet formula injection: text that a spreadsheet would read as a formula (starting with = + - @, tab
 * or CR, and not a plain number) gets a leading apostrophe, which spreadsheets show as text. Text that already
 * starts with apostrophes before such a character gets one more, so `restoreFormulaText` undoes it exactly.
 */
export function neutraliseFormula(s: string): string {
  let i = 0;
  while (s.charCodeAt(i) === 39) i++; // '
  const c = s.charCodeAt(i);
  const risky = c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13; // = + - @ TAB CR
  return risky && (i > 0 || !isDecimalText(s)) ? `'${s}` : s;
}

/** The inverse of `neutraliseFormula`, for text read back from our own CSV (notes, sources). */
export function restoreFormulaText(s: string): string {
  if (s.charCodeAt(0) !== 39) return s;
  const t = s.slice(1);
  return neutraliseFormula(t) === s ? t : s;
}

/** Quote a field when it holds a delimiter, quote, CR or LF, or leading/trailing space; text neutralised. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'number' ? formatNumber(value) : typeof value === 'string' ? neutraliseFormula(value) : String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly unknown[]): string {
  return values.map(csvField).join(',') + '\n';
}

/** Shortest decimal that reads back to the same float64 (no exponent for everyday magnitudes). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '';
  return String(x);
}
