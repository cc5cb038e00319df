/**
 * Tariff CSV files cut into records without a string per field: a byte scanner for the records that make up
 * nearly every tariff file (ASCII, no quote, shorter than the record limit), which hands field byte ranges to the
 * row reader; every other record (one with a non-ASCII byte: its fields are decoded, as before) and everything
 * from the first quote or over-long record on goes through the project's tokenizer (src/ingest/csv-tokenizer.ts)
 * exactly as `streamCsvRecords` feeds it. The grammar is the tokenizer's: what the byte path takes is the
 * tokenizer's own fast path (a quote-free record is its line cut at commas; a record's first field of blanks
 * only is empty; a blank line is no record), and a property test (test/prices/tariff-reader.property.test.ts)
 * checks records, lines and findings against the string path on random files.
 *
 * The file is read in the same 64 KiB blocks as `streamCsvRecords` (1 MiB per read), each block checked as
 * strict UTF-8 (Latin-1 needs none) before its records are handed on, so an encoding finding names the same byte
 * range and line. Memory: one read buffer plus at most one unfinished record (bounded by the record limit).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import { CsvSyntaxError, CsvTokenizer } from '../ingest/csv-tokenizer.js';
import type { Finding, Rule } from '../ingest/findings.js';
import type { TextEncoding } from '../ingest/sniff.js';

export interface TariffCsvHandlers {
  /** A record as decoded strings (the header, non-ASCII records, records after the first quote). False stops the read. */
  strings(fields: string[], line: number): boolean;
  /** An ASCII record: field k is `buf[starts[k]..ends[k])`, k < n (valid only during the call). False stops the read. */
  bytes(buf: Buffer, starts: Int32Array, ends: Int32Array, n: number, line: number): boolean;
}

/** The blocks `streamCsvRecords` decodes one at a time (encoding findings name their byte range). */
const BLOCK = 1 << 16;
const READ = 1 << 20;
const COMMA = 44,
  QUOTE = 34,
  LF = 10,
  CR = 13,
  SPACE = 32,
  TAB = 9;

/** Blanks that String.prototype.trim removes, among the bytes a field of the byte path can hold (no LF/CR). */
const blank = (c: number): boolean => c === SPACE || c === TAB || c === 11 || c === 12;

/** The end of the last complete UTF-8 character in `b[from..to)` (a block may end inside one). */
function charBoundary(b: Uint8Array, from: number, to: number): number {
  for (let k = to - 1, back = 0; k >= from && back < 4; k--, back++) {
    const c = b[k];
    if ((c & 0xc0) === 0x80) continue; // a continuation byte
    const need = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return k + need <= to ? to : k;
  }
  return to;
}

/** Read a tariff CSV file; problems of the stream (encoding, over-long record, stray quote) end as findings through `fatal`. */
export async function scanTariffCsv(
  path: string,
  opts: { encoding: TextEncoding; maxRecordChars: number },
  h: TariffCsvHandlers,
  fatal: (rule: Rule, message: string, where?: Partial<Finding>) => void,
): Promise<void> {
  const utf8 = opts.encoding === 'utf-8',
    max = opts.maxRecordChars;
  const label = utf8 ? 'utf-8' : 'windows-1252';
  const check = new TextDecoder(label, { fatal: utf8 }); // validates each block as streamCsvRecords' decoder does
  // Decoders of text after the file's start keep a U+FEFF there (only the file's first one is a byte-order mark);
  // windows-1252 never strips one (and Node's drops a leading 0xFF byte with ignoreBOM).
  const decoderAfterStart = (fatal: boolean): TextDecoder => new TextDecoder(label, utf8 ? { fatal, ignoreBOM: true } : {});
  const fieldDecoder = decoderAfterStart(false);
  // Validated, complete characters. Streaming: Node 20's one-shot windows-1252 decode is ISO-8859-1 (0x80-0x9f
  // differ), its streaming one (what streamCsvRecords uses) is windows-1252.
  const decodeText = (bytes: Uint8Array): string => fieldDecoder.decode(bytes, { stream: true });
  let w = Buffer.allocUnsafe(2 * READ);
  let len = 0, // bytes held in w
    pos = 0, // where the next record starts in w
    base = 0, // the file offset of w[0]
    line = 1,
    pending = false, // the check decoder may hold part of a character
    header = true; // the first record goes as strings
  let starts = new Int32Array(64),
    ends = new Int32Array(64);
  let tok: CsvTokenizer | null = null;
  let tokText: TextDecoder | null = null;

  const emitStrings = (f: string[], at: number): boolean => {
    header = false;
    return h.strings(f, at);
  };

  /** From record `s` on, the tokenizer reads the file (it sees the text streamCsvRecords would have given it). */
  const toTokenizer = (s: number, blockEnd: number): void => {
    tok = new CsvTokenizer(max, (f, at) => (emitStrings(f, at) ? undefined : 'stop'));
    tok.line = line;
    tokText = decoderAfterStart(true);
    pos = blockEnd;
    tok.push(tokText.decode(w.subarray(s, blockEnd), { stream: true }));
  };

  /**
   * The complete records of w[pos..limit) (limit: the end of the text decoded so far); false when the read is
   * over (stopped, or handed to the tokenizer). With `final`, limit is the end of the file.
   */
  const parse = (limit: number, blockEnd: number, final: boolean): boolean => {
    const b = w;
    let p = pos,
      ln = line,
      st = starts,
      en = ends;
    // A quote, a record longer than the limit (in bytes: the tokenizer counts characters, so it decides) or the
    // last record without a line break: the tokenizer takes over from record s, with the text it would have had.
    const handOver = (s: number): false => {
      pos = s;
      line = ln;
      toTokenizer(s, final ? limit : blockEnd);
      if (final && !tok!.done) tok!.end();
      return false;
    };
    // Whether [p, limit) is all ASCII (one native check), so the scan need not look at other bytes.
    const ascii = isAscii(b.subarray(p, limit));
    while (p < limit) {
      const s = p;
      let nf = 0,
        fs = s,
        i = s;
      for (; i < limit; i++) {
        const c = b[i];
        if (c <= COMMA) {
          if (c === COMMA) {
            if (nf === st.length - 1) {
              starts = new Int32Array(st.length * 2);
              ends = new Int32Array(st.length * 2);
              starts.set(st);
              ends.set(en);
              st = starts;
              en = ends;
            }
            st[nf] = fs;
            en[nf++] = i;
            fs = i + 1;
          } else if (c === LF || c === CR || c === QUOTE) break;
        }
      }
      const c = i < limit ? b[i] : -1;
      if (c === QUOTE) return handOver(s);
      if (c < 0) {
        if (final || limit - s > max) return handOver(s);
        break; // no line end in view yet: the record waits for the next block
      }
      if (c === CR && i + 1 >= limit && !final) {
        // A CR that may be the first half of a CRLF waits too (and counts in the record's length, as there).
        if (i + 1 - s > max) return handOver(s);
        break;
      }
      if (i - s > max) return handOver(s);
      st[nf] = fs;
      en[nf++] = i;
      p = i + (c === CR && i + 1 < limit && b[i + 1] === LF ? 2 : 1);
      const at = ln++;
      if (header || (!ascii && !isAscii(b.subarray(s, i)))) {
        // Decoded and cut as the tokenizer's fast path does.
        const f = decodeText(b.subarray(s, i)).split(',');
        if (f.length > 1) {
          const c0 = f[0].charCodeAt(0);
          if ((c0 === SPACE || c0 === TAB) && f[0].trim() === '') f[0] = '';
        }
        if (f.length === 1 && f[0].trim() === '') continue;
        if (!emitStrings(f, at)) return false;
        continue;
      }
      if (nf > 1) {
        const a = st[0],
          e = en[0];
        if (b[a] === SPACE || b[a] === TAB) {
          let k = a;
          while (k < e && blank(b[k])) k++;
          if (k === e) st[0] = e;
        }
      } else {
        let k = st[0];
        while (k < en[0] && blank(b[k])) k++;
        if (k === en[0]) continue; // a blank line
      }
      if (!h.bytes(b, st, en, nf, at)) return false;
    }
    pos = p;
    line = ln;
    return true;
  };

  const fd = openSync(path, 'r');
  try {
    for (;;) {
      if (pos > 0) {
        // Keep only the unfinished record.
        w.copy(w, 0, pos, len);
        base += pos;
        len -= pos;
        pos = 0;
      }
      if (w.length < len + READ) {
        const bigger = Buffer.allocUnsafe(2 * (len + READ));
        w.copy(bigger, 0, 0, len);
        w = bigger;
      }
      const n = readSync(fd, w, len, READ, null);
      if (n === 0) break;
      // The event loop gets a turn every 1 MiB, so a server reading a large file keeps answering.
      await new Promise((r) => setImmediate(r));
      for (let bs = len; bs < len + n; bs += BLOCK) {
        const be = Math.min(bs + BLOCK, len + n);
        const block = w.subarray(bs, be);
        if (tok) {
          const t = tok as CsvTokenizer;
          let text: string;
          try {
            text = tokText!.decode(block, { stream: true });
          } catch {
            fatal('encoding', `invalid UTF-8 in the bytes ${base + bs}..${base + be} (near line ${t.line}): the file mixes encodings; save it as UTF-8`, {
              line: t.line,
            });
            return;
          }
          t.push(text);
          pos = be;
          if (t.done) return;
          continue;
        }
        let limit = be;
        const ascii = isAscii(block);
        if (utf8 && (pending || !ascii)) {
          try {
            check.decode(block, { stream: true });
          } catch {
            fatal('encoding', `invalid UTF-8 in the bytes ${base + bs}..${base + be} (near line ${line}): the file mixes encodings; save it as UTF-8`, {
              line,
            });
            return;
          }
          pending = !ascii;
          limit = charBoundary(w, pos, be);
          if (base + bs === 0 && be >= 3 && w[0] === 0xef && w[1] === 0xbb && w[2] === 0xbf) pos = 3; // the byte-order mark
        } else pending = false;
        if (!parse(limit, be, false) && (!tok || (tok as CsvTokenizer).done)) return;
      }
      len += n;
    }
    if (tok) {
      const t = tok as CsvTokenizer;
      if (t.done) return;
      let rest: string;
      try {
        rest = tokText!.decode();
      } catch {
        fatal('encoding', 'the file ends inside a UTF-8 sequence', { line: t.line });
        return;
      }
      if (rest) t.push(rest);
      t.end();
      return;
    }
    if (pending)
      try {
        check.decode();
      } catch {
        fatal('encoding', 'the file ends inside a UTF-8 sequence', { line });
        return;
      }
    if (pos < len) parse(len, len, true);
  } catch (e) {
    if (e instanceof CsvSyntaxError) fatal(e.rule, e.message, { line: e.line });
    else throw e;
  } finally {
    closeSync(fd);
  }
}
