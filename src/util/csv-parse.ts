/**
 * Synchronous RFC 4180 CSV reading for the bundled files and small user files (groupings).
 * Strips a UTF-8 byte-order mark; accepts CRLF or LF; quoted fields may hold commas, quotes and newlines.
 * Each record carries the 1-based physical line it starts on, for error messages.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new Error(`CSV: unterminated quoted field starting on line ${startLine}`);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        // Anything between the closing quote and the delimiter is kept verbatim (lenient, like most readers).
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        field = text.slice(start, i);
      }
      fields.push(field);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    records.push({ line: startLine, fields });
  }
  return records;
}

/** Records as objects keyed by the header row (first record); blank lines are skipped. */
export function parseCsvObjects(text: string): { header: string[]; rows: Array<{ line: number; get: (column: string) => string; fields: string[] }> } {
  const [head, ...rest] = parseCsv(text);
  const header = head?.fields ?? [];
  const index = new Map(header.map((h, k) => [h, k]));
  const rows = rest
    .filter((r) => !(r.fields.length === 1 && r.fields[0] === ''))
    .map((r) => ({
      line: r.line,
      fields: r.fields,
      get: (column: string): string => {
        const k = index.get(column);
        if (k === undefined) throw new Error(`CSV: no column "${column}" (columns: ${header.join(', ')})`);
        return r.fields[k] ?? '';
      },
    }));
  return { header, rows };
}
