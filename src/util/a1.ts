/** Spreadsheet A1 references: column letters, cells ("B17") and ranges ("B1:D1"), all 1-based. */

/** Column letters of a 1-based column: 1 -> A, 27 -> AA. */
export function columnLetters(col: number): string {
  let s = '';
  for (let k = col; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  return s;
}

/** "B17" (or "$B$17") -> { row: 17, col: 2 }; undefined when it is no cell reference. */
export function parseCellRef(ref: string): { row: number; col: number } | undefined {
  const m = /^\$?([A-Z]{1,3})\$?(\d{1,7})$/.exec(ref.trim());
  if (!m) return undefined;
  let col = 0;
  for (const ch of m[1]) col = col * 26 + ch.charCodeAt(0) - 64;
  return { row: Number(m[2]), col };
}

/** "B1:D3" (either corner first, or one cell) -> its bounds; undefined when it is no range. */
export function parseRange(range: string): { top: number; left: number; bottom: number; right: number } | undefined {
  const [a, b = a, extra] = range.split(':');
  const p = parseCellRef(a),
    q = parseCellRef(b);
  if (!p || !q || extra !== undefined) return undefined;
  return { top: Math.min(p.row, q.row), left: Math.min(p.col, q.col), bottom: Math.max(p.row, q.row), right: Math.max(p.col, q.col) };
}
