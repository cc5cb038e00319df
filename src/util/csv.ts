/** RFC 4180 CSV output shared by every writer in the project (datasets, rejects files, series output). */

/** Quote a field when it holds a delimiter, quote, CR or LF, or leading/trailing space. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'number' ? formatNumber(value) : String(value);
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
