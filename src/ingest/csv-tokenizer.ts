/**
 * The CSV tokenizer every reader of the project uses: one pass over decoded text, fields cut out with `slice`, in
 * the grammar fast-csv reads (RFC 4180 with its leniencies): fields separated by commas, records by LF, CRLF or CR;
 * a field is quoted when its first non-blank character is a quote, `""` inside quotes is a quote, blanks after the
 * closing quote are dropped, anything else after it is a syntax error, as is a quote still open at the end; a field
 * of blanks only that starts a record and ends at a comma is empty (fast-csv's reading).
 *
 * Bounded by construction: a record (quoted fields included, closed or not) longer than `maxRecordChars` stops the
 * read with `line-too-long`; only the unfinished record is carried from one chunk to the next, so memory is at most
 * one record plus one chunk, and the text is scanned a bounded number of times (a carried record is rescanned at
 * most maxRecordChars / chunk size times before the limit stops it).
 */

export type RecordHandler = (fields: string[], line: number) => undefined | 'stop';

export class CsvSyntaxError extends Error {
  constructor(
    readonly rule: 'malformed-row' | 'line-too-long',
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** The bytes (and UTF-16 units) of the grammar. */
export const COMMA = 44,
  QUOTE = 34,
  LF = 10,
  CR = 13,
  SPACE = 32,
  TAB = 9;

/** Line breaks inside a field's text: LF, CRLF or CR alone, each counting once. */
function lineBreaks(f: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = f.charCodeAt(i);
    if (c === LF) n++;
    else if (c === CR && f.charCodeAt(i + 1) !== LF) n++;
  }
  return n;
}

/** The index of `c` in `text` at or after `from`, or `n` (the text's length) when there is none. */
function indexOr(text: string, c: string, from: number, n: number): number {
  const k = text.indexOf(c, from);
  return k < 0 ? n : k;
}

export class CsvTokenizer {
  /** The line the next record starts on. */
  line = 1;
  private carry = '';
  private stopped = false;
  /** Characters scanned (tests count work with it: a bound on time that cannot flake). */
  scanned = 0;

  constructor(
    private readonly maxRecordChars: number,
    private readonly onRecord: RecordHandler,
  ) {}

  get done(): boolean {
    return this.stopped;
  }

  /** Feed decoded text; records that end in it are handed on. */
  push(chunk: string): void {
    if (this.stopped) return;
    const text = this.carry.length ? this.carry + chunk : chunk;
    this.carry = '';
    const rest = this.parse(text, false);
    if (rest >= 0) {
      if (text.length - rest > this.maxRecordChars) this.tooLong(text.charCodeAt(rest) === QUOTE || text.indexOf('"', rest) >= 0);
      this.carry = text.slice(rest);
    }
  }

  /** The end of the input: the last record (without a final line break) is handed on. */
  end(): void {
    if (this.stopped) return;
    const text = this.carry;
    this.carry = '';
    if (text.length) this.parse(text, true);
  }

  private tooLong(quoted: boolean): never {
    const why = quoted ? ': a quoted field runs past it (an unclosed quote?)' : " (a CSV file's rows are short: is it CSV?)";
    throw new CsvSyntaxError('line-too-long', `the record starting on line ${this.line} is longer than ${this.maxRecordChars} characters${why}`, this.line);
  }

  /**
   * Parse the complete records of `text`; returns the index where an unfinished record starts (-1 when none is
   * left). With `final`, the end of the text ends the last record.
   */
  private parse(text: string, final: boolean): number {
    const n = text.length,
      max = this.maxRecordChars;
    let i = 0;
    // The next quote, LF and CR at or after i (n: none), each found by one forward search per chunk in total.
    let nextQuote = -1,
      nextLf = -1,
      nextCr = -1;
    while (i < n) {
      const recordStart = i;
      // Fast path: a record without quotes that ends in this text is its line cut at commas (native split).
      if (nextQuote < i) nextQuote = indexOr(text, '"', i, n);
      if (nextLf < i) nextLf = indexOr(text, '\n', i, n);
      if (nextCr < i) nextCr = indexOr(text, '\r', i, n);
      const end = Math.min(nextLf, nextCr);
      if (end < nextQuote && end < n && !(end === nextCr && end + 1 >= n && !final)) {
        if (end - i > max) this.tooLong(false);
        const fields = text.slice(i, end).split(',');
        // A record's first field of blanks only before a comma is empty (as fast-csv reads it).
        if (fields.length > 1) {
          const c = fields[0].charCodeAt(0);
          if ((c === SPACE || c === TAB) && fields[0].trim() === '') fields[0] = '';
        }
        i = end + (end === nextCr && text.charCodeAt(end + 1) === LF ? 2 : 1);
        this.scanned += i - recordStart;
        this.emit(fields, 0, 1);
        if (this.stopped) return -1;
        continue;
      }
      let breaks = 0; // line breaks inside quoted fields of this record
      const fields: string[] = [];
      for (;;) {
        // One field, starting at i.
        let j = i;
        while (j < n && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j++;
        if (j < n && text.charCodeAt(j) === QUOTE) {
          // Quoted: find the closing quote, `""` being a quote.
          let value = '',
            seg = j + 1,
            k = seg;
          for (;;) {
            const q = text.indexOf('"', k);
            if (q < 0 || q + 1 >= n) {
              if (!final || q < 0) {
                this.scanned += n - recordStart;
                if (final)
                  throw new CsvSyntaxError(
                    'malformed-row',
                    'CSV syntax: a quoted field is not closed before the end of the file (a stray or unclosed quote)',
                    this.line,
                  );
                if (n - recordStart > max) this.tooLong(true);
                return recordStart;
              }
            }
            if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
              value += text.slice(seg, q + 1);
              k = seg = q + 2;
              continue;
            }
            value += text.slice(seg, q);
            breaks += lineBreaks(text, j + 1, q);
            i = q + 1;
            break;
          }
          while (i < n && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
          if (i - recordStart > max) this.tooLong(true);
          if (i < n) {
            const c = text.charCodeAt(i);
            if (c !== COMMA && c !== LF && c !== CR)
              throw new CsvSyntaxError(
                'malformed-row',
                `CSV syntax: "${text.slice(i, i + 1)}" after a closing quote where a comma or a line end was expected (a stray or unclosed quote)`,
                this.line + breaks,
              );
          }
          fields.push(value);
        } else if (fields.length === 0 && j > i && j < n && text.charCodeAt(j) === COMMA) {
          // A record's first field of blanks only before a comma is empty (as fast-csv reads it; other blank fields keep their blanks).
          fields.push('');
          i = j;
        } else {
          let k = i;
          for (; k < n; k++) {
            const c = text.charCodeAt(k);
            if (c === COMMA || c === LF || c === CR) break;
          }
          if (k - recordStart > max) this.tooLong(false);
          fields.push(text.slice(i, k));
          i = k;
        }
        // After a field: a comma, a line end, or the end of the text.
        if (i >= n) {
          this.scanned += n - recordStart;
          if (!final) return recordStart; // the record may go on in the next chunk
          this.emit(fields, breaks, 0);
          return -1;
        }
        const c = text.charCodeAt(i);
        if (c === COMMA) {
          i++;
          continue;
        }
        // A line end: CRLF is one (a CR at the very end of a chunk waits for the next chunk's LF).
        if (c === CR && i + 1 >= n && !final) {
          this.scanned += n - recordStart;
          return recordStart;
        }
        i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
        this.scanned += i - recordStart;
        this.emit(fields, breaks, 1);
        if (this.stopped) return -1;
        break;
      }
    }
    return -1;
  }

  private emit(fields: string[], breaks: number, terminators: number): void {
    const at = this.line;
    this.line += breaks + terminators;
    // A blank line is no record.
    if (fields.length === 1 && fields[0].trim() === '') return;
    if (this.onRecord(fields, at) === 'stop') this.stopped = true;
  }
}
