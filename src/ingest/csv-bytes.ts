import { closeSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { CHUNK_BYTES, type CsvStreamOptions, YIELD_EVERY } from './csv-stream.js';
import { COMMA, CR, CsvSyntaxError, LF, QUOTE, SPACE, TAB } from './csv-tokenizer.js';
import type { Finding, Rule } from './findings.js';
import type { TextEncoding } from './sniff.js';
import { formatCount } from '../util/format.js';

/**
 * The CSV tokenizer over bytes (the columnar ingest path, issue 14): the grammar and every rule of `CsvTokenizer`
 * (which reads decoded text: the oracle of the property tests), but no string per
 * field: each record's fields are byte ranges into the chunk just read, handed on a batch (one chunk's records) at a
 * time. Delimiters are ASCII, so in UTF-8 and in single-byte Windows-1252 alike a byte is a delimiter exactly when
 * its character is.
 * Records longer than `maxRecordChars` characters (UTF-16 units, as the text tokenizer counts) stop the read; only
 * the unfinished record is carried to the next chunk, so memory is one record plus one chunk.
 */
export interface CsvFieldBatch {
  /** The bytes the ranges index; valid only during the call. */
  bytes: Buffer;
  /** Records in the batch. */
  count: number;
  /** Record r's fields are `first[r]` .. `first[r + 1] - 1`. */
  first: Int32Array;
  /** The line record r starts on. */
  line: Int32Array;
  /** A field's content: `start`..`end` (a quoted field's, inside its quotes). */
  start: Int32Array;
  end: Int32Array;
  /** FIELD_ESCAPED: a quoted field holding `""` (its text is the range with `""` read as `"`). */
  flags: Uint8Array;
  /** 0 when no field of the batch is FIELD_ESCAPED (readers then need not look at `flags`). */
  escaped: number;
}

export const FIELD_ESCAPED = 1;

export type CsvBatchHandler = (batch: CsvFieldBatch) => undefined | 'stop';

/** A decoder of byte ranges to text, in the file's encoding. */
export type RangeDecoder = (b: Buffer, start: number, end: number) => string;

export function rangeDecoder(encoding: TextEncoding): RangeDecoder {
  if (encoding === 'utf-8') return (b, s, e) => b.toString('utf8', s, e);
  // Streaming: Node 20's one-shot windows-1252 decode is ISO-8859-1 (0x80-0x9f differ: 0x80 is not €), its streaming
  // one (the text path's) is windows-1252; a single-byte encoding carries nothing from one call to the next.
  const d = new TextDecoder('windows-1252');
  return (b, s, e) => d.decode(b.subarray(s, e), { stream: true });
}

/** A field's text: its range decoded, `""` read as `"` in an escaped quoted field. */
export function fieldText(batch: CsvFieldBatch, f: number, decode: RangeDecoder): string {
  const t = decode(batch.bytes, batch.start[f], batch.end[f]);
  return batch.flags[f] & FIELD_ESCAPED ? t.replaceAll('""', '"') : t;
}

/** ASCII white space as `String.prototype.trim` removes it (tab, LF, VT, FF, CR, space). */
export const isAsciiSpace = (c: number): boolean => c === SPACE || (c >= 9 && c <= 13);

export class CsvByteTokenizer {
  /** The line the next record starts on. */
  line = 1;
  /** Bytes scanned (a bound on work that tests count instead of timing). */
  scanned = 0;
  private stopped = false;
  private carry: Buffer = Buffer.alloc(0);
  private carryLength = 0;
  private nf = 0;
  private nr = 0;
  private readonly batch: CsvFieldBatch;
  private pending: CsvSyntaxError | undefined;
  /** The first field of the record being parsed. */
  private open = 0;

  constructor(
    private readonly maxRecordChars: number,
    private readonly utf8: boolean,
    private readonly decode: RangeDecoder,
    private readonly onBatch: CsvBatchHandler,
  ) {
    const f = 4096,
      r = 1024;
    this.batch = {
      bytes: Buffer.alloc(0),
      count: 0,
      first: new Int32Array(r + 1),
      line: new Int32Array(r),
      start: new Int32Array(f),
      end: new Int32Array(f),
      flags: new Uint8Array(f),
      escaped: 0,
    };
  }

  get done(): boolean {
    return this.stopped;
  }

  /** Feed the next bytes of the file (valid only during the call); records that end in them are handed on. */
  push(chunk: Buffer): void {
    if (this.stopped) return;
    let text = chunk;
    if (this.carryLength > 0) {
      const need = this.carryLength + chunk.length;
      if (this.carry.length < need) {
        const bigger = Buffer.allocUnsafe(Math.max(need, this.carry.length * 2));
        this.carry.copy(bigger, 0, 0, this.carryLength);
        this.carry = bigger;
      }
      chunk.copy(this.carry, this.carryLength);
      text = this.carry.subarray(0, need);
    }
    const rest = this.run(text, false);
    if (this.stopped) return;
    if (rest < 0) {
      this.carryLength = 0;
      return;
    }
    const len = text.length - rest;
    if (len > this.maxRecordChars && this.chars(text, rest, text.length) > this.maxRecordChars) this.tooLong(text.indexOf(QUOTE, rest) >= 0);
    // Keep the unfinished record at the front of the carry buffer.
    if (text === chunk) {
      if (this.carry.length < len) this.carry = Buffer.allocUnsafe(Math.max(len, 1 << 16));
      chunk.copy(this.carry, 0, rest);
    } else this.carry.copy(this.carry, 0, rest, text.length);
    this.carryLength = len;
  }

  /** The end of the input: the last record (without a final line break) is handed on. */
  end(): void {
    if (this.stopped) return;
    const n = this.carryLength;
    this.carryLength = 0;
    if (n > 0) this.run(this.carry.subarray(0, n), true);
  }

  /** Characters (UTF-16 units) of a byte range: a UTF-8 sequence is one unit, two for a 4-byte one. */
  private chars(b: Uint8Array, s: number, e: number): number {
    if (!this.utf8) return e - s;
    let n = 0;
    for (let i = s; i < e; i++) {
      const c = b[i];
      if ((c & 0xc0) !== 0x80) n += c >= 0xf0 ? 2 : 1;
    }
    return n;
  }

  /** The character (UTF-16 unit, as the text tokenizer slices it) starting at byte i. */
  private charAt(b: Uint8Array, i: number): string {
    const c = b[i];
    const len = !this.utf8 || c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    return this.decode(b as Buffer, i, Math.min(b.length, i + len)).slice(0, 1);
  }

  private tooLong(quoted: boolean): never {
    const why = quoted ? ': a quoted field runs past it (an unclosed quote?)' : " (a CSV file's rows are short: is it CSV?)";
    throw new CsvSyntaxError('line-too-long', `the record starting on line ${this.line} is longer than ${this.maxRecordChars} characters${why}`, this.line);
  }

  /** Parse, hand on the batch, then throw what stopped the parse (unless the handler stopped first). */
  private run(text: Buffer, final: boolean): number {
    this.nf = 0;
    this.nr = 0;
    this.batch.escaped = 0;
    this.pending = undefined;
    this.reserve(text.length);
    let rest = -1;
    try {
      rest = this.parse(text, final);
    } catch (e) {
      if (!(e instanceof CsvSyntaxError)) throw e;
      this.pending = e;
      this.nf = this.open; // the failing record's fields are no record's
    }
    if (this.nr > 0) {
      const b = this.batch;
      b.bytes = text;
      b.count = this.nr;
      b.first[this.nr] = this.nf;
      if (this.onBatch(b) === 'stop') this.stopped = true;
    }
    if (this.stopped) return -1;
    if (this.pending) throw this.pending;
    return rest;
  }

  /** Room for every field and record of a text of `n` bytes (at most n + 1 of each), so `field` checks nothing. */
  private reserve(n: number): void {
    const b = this.batch;
    if (b.start.length > n + 1 && b.first.length > n + 2) return;
    const cap = Math.max(n + 2, b.start.length * 2);
    b.start = new Int32Array(cap);
    b.end = new Int32Array(cap);
    b.flags = new Uint8Array(cap);
    b.first = new Int32Array(cap + 1);
    b.line = new Int32Array(cap);
  }

  private field(start: number, end: number, flags: number): void {
    const b = this.batch,
      f = this.nf++;
    b.start[f] = start;
    b.end[f] = end;
    b.flags[f] = flags;
    b.escaped |= flags;
  }

  /** Whether a range holds only white space as `trim` sees it (Unicode spaces decoded). */
  private blank(text: Buffer, s: number, e: number, escaped: boolean): boolean {
    let ascii = true;
    for (let i = s; i < e; i++) {
      const c = text[i];
      if (c >= 0x80) ascii = false;
      else if (!isAsciiSpace(c)) return false;
    }
    if (ascii) return true;
    const t = this.decode(text, s, e);
    return (escaped ? t.replaceAll('""', '"') : t).trim() === '';
  }

  /**
   * One record done: `end` is where its content ends (before the line end), `terminated` whether a line end
   * closed it. A record of one blank field is no record (its lines still count).
   */
  private record(text: Buffer, recordStart: number, firstField: number, end: number, breaks: number, terminated: boolean): void {
    const b = this.batch;
    const fields = this.nf - firstField;
    if (fields > 1 && terminated) {
      // A record without quotes reads its first field of blanks only as empty when it starts with a space or tab,
      // whatever other white space follows (the text tokenizer's native split of such records does so).
      const s = b.start[firstField],
        e = b.end[firstField];
      if (e > s && (text[s] === SPACE || text[s] === TAB) && text.subarray(recordStart, end).indexOf(QUOTE) < 0 && this.blank(text, s, e, false))
        b.end[firstField] = s;
    }
    const at = this.line;
    this.line += breaks + (terminated ? 1 : 0);
    if (fields === 1 && this.blank(text, b.start[firstField], b.end[firstField], (b.flags[firstField] & FIELD_ESCAPED) !== 0)) {
      this.nf = firstField;
      return;
    }
    b.first[this.nr] = firstField;
    b.line[this.nr++] = at;
  }

  /**
   * Parse the complete records of `text`; returns where an unfinished record starts (-1 when none is left). With
   * `final`, the end of the text ends the last record.
   */
  private parse(text: Buffer, final: boolean): number {
    const n = text.length,
      max = this.maxRecordChars;
    const b = this.batch,
      starts = b.start,
      ends = b.end,
      flags = b.flags;
    let i = 0;
    while (i < n) {
      const recordStart = i,
        firstField = this.nf;
      this.open = firstField;
      // Fast path (nearly every record): no quote before its line end, which is in this text. One loop cuts it at
      // commas into plain fields; anything else (a quote, no line end yet, a CR that may be half a CRLF) is left
      // to the field-by-field path below, from the record's start.
      {
        let f = firstField,
          fs = i,
          k = i,
          c = 0;
        for (; k < n; k++) {
          c = text[k];
          if (c <= COMMA) {
            if (c === COMMA) {
              starts[f] = fs;
              ends[f] = k;
              flags[f++] = 0;
              fs = k + 1;
            } else if (c === LF || c === CR || c === QUOTE) break;
          }
        }
        if (k < n && c !== QUOTE && (c === LF || k + 1 < n || final)) {
          if (k - recordStart > max && this.chars(text, recordStart, k) > max) this.tooLong(false);
          starts[f] = fs;
          ends[f] = k;
          flags[f++] = 0;
          this.nf = f;
          i = k + (c === CR && k + 1 < n && text[k + 1] === LF ? 2 : 1);
          this.scanned += i - recordStart;
          const c0 = text[starts[firstField]];
          if (f - firstField > 1 && c0 !== SPACE && c0 !== TAB) {
            // The usual record: nothing for `record` to decide (no blank first field, not a blank line).
            b.first[this.nr] = firstField;
            b.line[this.nr++] = this.line++;
          } else this.record(text, recordStart, firstField, k, 0, true);
          continue;
        }
        // The bytes the fast path passed over before handing the record to the field-by-field path (which scans them again).
        this.scanned += k - recordStart;
      }
      let breaks = 0;
      for (;;) {
        // One field, starting at i; most start with neither a blank nor a quote (plain: cut at the next delimiter).
        const c0 = i < n ? text[i] : COMMA;
        let plain = true;
        if (c0 === SPACE || c0 === TAB || c0 === QUOTE) {
          let j = i;
          while (j < n && (text[j] === SPACE || text[j] === TAB)) j++;
          if (j < n && text[j] === QUOTE) {
            plain = false;
            // Quoted: find the closing quote, `""` being a quote.
            let k = j + 1,
              flags = 0,
              close = -1;
            for (;;) {
              const q = text.indexOf(QUOTE, k);
              if (q < 0 || (q + 1 >= n && !final)) {
                this.scanned += n - recordStart;
                this.nf = firstField;
                if (final)
                  throw new CsvSyntaxError(
                    'malformed-row',
                    'CSV syntax: a quoted field is not closed before the end of the file (a stray or unclosed quote)',
                    this.line,
                  );
                if (n - recordStart > max && this.chars(text, recordStart, n) > max) this.tooLong(true);
                return recordStart;
              }
              if (q + 1 < n && text[q + 1] === QUOTE) {
                flags = FIELD_ESCAPED;
                k = q + 2;
                continue;
              }
              close = q;
              break;
            }
            for (let p = j + 1; p < close; p++) {
              const c = text[p];
              if (c === LF || (c === CR && text[p + 1] !== LF)) breaks++;
            }
            this.field(j + 1, close, flags);
            i = close + 1;
            while (i < n && (text[i] === SPACE || text[i] === TAB)) i++;
            if (i - recordStart > max && this.chars(text, recordStart, i) > max) this.tooLong(true);
            if (i < n) {
              const c = text[i];
              if (c !== COMMA && c !== LF && c !== CR) {
                throw new CsvSyntaxError(
                  'malformed-row',
                  `CSV syntax: "${this.charAt(text, i)}" after a closing quote where a comma or a line end was expected (a stray or unclosed quote)`,
                  this.line + breaks,
                );
              }
            }
          } else if (firstField === this.nf && j > i && j < n && text[j] === COMMA) {
            // A record's first field of blanks only before a comma is empty (as fast-csv reads it; other blank fields keep their blanks).
            this.field(j, j, 0);
            i = j;
            plain = false;
          }
        }
        if (plain) {
          let k = i;
          for (; k < n; k++) {
            const c = text[k];
            if (c <= COMMA && (c === COMMA || c === LF || c === CR)) break;
          }
          if (k - recordStart > max && this.chars(text, recordStart, k) > max) this.tooLong(false);
          this.field(i, k, 0);
          i = k;
        }
        // After a field: a comma, a line end, or the end of the text.
        if (i >= n) {
          this.scanned += n - recordStart;
          if (!final) {
            this.nf = firstField;
            return recordStart; // the record may go on in the next chunk
          }
          this.record(text, recordStart, firstField, n, breaks, false);
          return -1;
        }
        const c = text[i];
        if (c === COMMA) {
          i++;
          continue;
        }
        // A line end: CRLF is one (a CR at the very end of a chunk waits for the next chunk's LF).
        if (c === CR && i + 1 >= n && !final) {
          this.scanned += n - recordStart;
          this.nf = firstField;
          return recordStart;
        }
        const end = i;
        i += c === CR && i + 1 < n && text[i + 1] === LF ? 2 : 1;
        this.scanned += i - recordStart;
        this.record(text, recordStart, firstField, end, breaks, true);
        break;
      }
    }
    return -1;
  }
}

/**
 * How many bytes at the end of `b` are the start of a UTF-8 sequence that the next bytes may complete (WHATWG: a
 * lead byte and continuation bytes in its allowed ranges); 0 when the end is complete or already invalid.
 */
function incompleteUtf8Tail(b: Uint8Array, n: number): number {
  for (let back = 1; back <= 3 && back <= n; back++) {
    const c = b[n - back];
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    const need = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (need <= back) return 0; // ASCII, an invalid lead, or a complete sequence
    // The second byte's range depends on the lead (no overlong forms, no surrogates, nothing past U+10FFFF).
    if (back >= 2) {
      const s = b[n - back + 1];
      const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80,
        hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
      if (s < lo || s > hi) return 0;
    }
    return back;
  }
  return 0;
}

/**
 * Every CSV file the project reads is read here (submissions, and tariff files by `src/prices/tariffs.ts`):
 * chunks of one reused buffer, UTF-8 checked as strictly as the text path's decoder (or Windows-1252, where every
 * byte is a character), the byte-order mark dropped, cut into records of byte ranges by `CsvByteTokenizer` and
 * handed on a chunk's records at a time. Problems of the stream end as findings through `fatal`, with the text
 * path's rules and wording.
 */
export async function streamCsvBatches(
  file: string,
  opts: CsvStreamOptions,
  onBatch: CsvBatchHandler,
  fatal: (rule: Rule, message: string, where?: Partial<Finding>) => void,
): Promise<void> {
  const utf8 = opts.encoding === 'utf-8';
  const tokenizer = new CsvByteTokenizer(opts.maxLineBytes, utf8, rangeDecoder(opts.encoding), onBatch);
  const fd = openSync(file, 'r');
  // 3 bytes in front of the chunk: an unfinished UTF-8 sequence held back from the previous chunk.
  const area = Buffer.allocUnsafe(CHUNK_BYTES + 3);
  let held = 0,
    bytes = 0,
    charged = 0;
  // The bytes scanned since the last charge, spent from the budget; false (a finding given) once it is exceeded.
  const spendScanned = (): boolean => {
    const ok = opts.budget!.spend(tokenizer.scanned - charged);
    charged = tokenizer.scanned;
    if (!ok)
      fatal(
        'work-budget',
        `reading stopped near line ${tokenizer.line}: ${formatCount(opts.budget!.spent)} units of work spent, above the ${formatCount(opts.budget!.limit)} this file's size allows (a bound on the parser: please report the file)`,
        { line: tokenizer.line },
      );
    return ok;
  };
  try {
    for (let k = 1; ; k++) {
      // Synchronous reads (an asynchronous read per 64 KiB chunk cost more than parsing it); the event loop gets a
      // turn every 1 MiB, so a server ingesting a large file keeps answering.
      const bytesRead = readSync(fd, area, 3, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      if (k % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      const raw = area.subarray(3, 3 + bytesRead);
      opts.onChunk?.(raw);
      let chunk = area.subarray(3 - held, 3 + bytesRead);
      let tail = 0;
      if (utf8) {
        tail = incompleteUtf8Tail(chunk, chunk.length);
        if (!isUtf8(chunk.subarray(0, chunk.length - tail))) {
          fatal(
            'encoding',
            `invalid UTF-8 in the bytes ${bytes}..${bytes + bytesRead} (near line ${tokenizer.line}): the file mixes encodings; save it as UTF-8`,
            { line: tokenizer.line },
          );
          return;
        }
        if (bytes === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      }
      bytes += bytesRead;
      opts.onBytes?.(bytes);
      if (chunk.length > tail) tokenizer.push(chunk.subarray(0, chunk.length - tail));
      if (tokenizer.done) return;
      if (opts.budget && !spendScanned()) return;
      // The unfinished sequence goes in front of the next chunk (after the tokenizer is done with this one).
      area.copy(area, 3 - tail, 3 + bytesRead - tail, 3 + bytesRead);
      held = tail;
    }
    if (held > 0) {
      fatal('encoding', 'the file ends inside a UTF-8 sequence', { line: tokenizer.line });
      return;
    }
    tokenizer.end();
    if (opts.budget) spendScanned();
  } catch (e) {
    if (e instanceof CsvSyntaxError) fatal(e.rule, e.message, { line: e.line });
    else throw e;
  } finally {
    closeSync(fd);
  }
}
