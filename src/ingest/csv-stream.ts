import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv } from 'fast-csv';
import type { Finding, Rule } from './findings.js';
import type { TextEncoding } from './sniff.js';

export interface CsvStreamOptions {
  encoding: TextEncoding;
  /** A line longer than this stops the read (`line-too-long`) before the parser buffers it. */
  maxLineBytes: number;
  onBytes?: (bytesRead: number) => void;
  /** Every chunk of raw bytes as it is read (e.g. to hash the file in the same pass). */
  onChunk?: (chunk: Buffer) => void;
}

/** Return 'stop' to end the read early (the reason is already a finding). */
export type CsvRecordHandler = (fields: string[], line: number) => undefined | 'stop';

/**
 * Every CSV file of the project is read here: streamed through fast-csv in bounded memory, decoded
 * (strict UTF-8, or Latin-1), byte-order mark dropped, lines capped, blank lines skipped, each record
 * given with the line it starts on (records may span lines inside quotes). Problems of the stream
 * (encoding, an over-long line, a stray quote) end as findings through `fatal`.
 */
export async function streamCsvRecords(
  file: string,
  opts: CsvStreamOptions,
  onRecord: CsvRecordHandler,
  fatal: (rule: Rule, message: string, where?: Partial<Finding>) => void,
): Promise<void> {
  let line = 1;
  let stopped = false;
  const guard = new TextGuard(opts.encoding, opts.maxLineBytes, (n) => opts.onBytes?.(n), opts.onChunk);
  const consume = new Transform({
    objectMode: true,
    transform(fields: string[], _e, done) {
      const at = line;
      for (const f of fields) line += lineBreaks(f);
      line++;
      if (stopped || fields.length === 0 || (fields.length === 1 && fields[0].trim() === '')) return done();
      try {
        if (onRecord(fields, at) === 'stop') stopped = true;
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
  try {
    await pipeline(createReadStream(file, { highWaterMark: 1 << 16 }), guard, parseCsv({ headers: false, ignoreEmpty: false, trim: false }), consume);
  } catch (e) {
    if (e instanceof GuardError) fatal(e.rule, e.message, { line: e.line });
    else if (e instanceof Error && /parse error/i.test(e.message)) fatal('malformed-row', `CSV syntax: ${e.message} (a stray or unclosed quote)`, { line });
    else throw e;
  }
}

/** Where the guard stands in the RFC 4180 grammar (as fast-csv reads it: a quote opens a field only at its start, after blanks). */
enum At {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

/**
 * Decode bytes to text (UTF-8, strictly, or Latin-1), drop a byte-order mark, and stop a record longer
 * than the limit before the CSV parser buffers it. The limit counts records, not lines: a quoted field
 * that spans lines (or never closes) counts whole, so no input makes the parser buffer more than the
 * limit or re-scan it. CR, LF and CRLF all end a line. One pass over each character: linear time.
 */
class TextGuard extends Transform {
  private decoder: TextDecoder;
  private sinceRecord = 0;
  private at = At.FieldStart;
  private afterCr = false;
  private bytes = 0;
  /** The physical line being read, and the one the current record started on. */
  line = 1;
  private recordLine = 1;
  constructor(
    encoding: TextEncoding,
    private readonly maxLine: number,
    private readonly onBytes: (n: number) => void,
    private readonly onChunk?: (chunk: Buffer) => void,
  ) {
    super({ readableObjectMode: false, decodeStrings: true });
    this.decoder = new TextDecoder(encoding === 'utf-8' ? 'utf-8' : 'windows-1252', { fatal: encoding === 'utf-8' });
  }
  _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.onChunk?.(chunk);
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      done(
        new GuardError(
          'encoding',
          `invalid UTF-8 in the bytes ${this.bytes}..${this.bytes + chunk.length} (near line ${this.line}): the file mixes encodings; save it as UTF-8`,
          this.line,
        ),
      );
      return;
    }
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    let { at, sinceRecord, afterCr, line, recordLine } = this;
    const max = this.maxLine;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13) {
        if (c === 13 || !afterCr) line++;
        afterCr = c === 13;
        if (at !== At.Quoted) {
          at = At.FieldStart;
          sinceRecord = 0;
          recordLine = line;
          continue;
        }
      } else afterCr = false;
      if (++sinceRecord > max) {
        const quoted = at === At.Quoted ? ': a quoted field runs past it (an unclosed quote?)' : " (a CSV file's rows are short: is it CSV?)";
        done(new GuardError('line-too-long', `the record starting on line ${recordLine} is longer than ${max} characters${quoted}`, recordLine));
        return;
      }
      switch (at) {
        case At.FieldStart:
          if (c === 34) at = At.Quoted;
          else if (c !== 44 && c !== 32 && c !== 9) at = At.Unquoted;
          break;
        case At.Unquoted:
          if (c === 44) at = At.FieldStart;
          break;
        case At.Quoted:
          if (c === 34) at = At.QuoteInQuoted;
          break;
        case At.QuoteInQuoted: // `""` is a quote inside the field; anything else closes it
          at = c === 34 ? At.Quoted : c === 44 ? At.FieldStart : At.Unquoted;
          break;
      }
    }
    Object.assign(this, { at, sinceRecord, afterCr, line, recordLine });
    done(null, text);
  }
  _flush(done: TransformCallback): void {
    try {
      const rest = this.decoder.decode();
      done(null, rest || undefined);
    } catch {
      done(new GuardError('encoding', 'the file ends inside a UTF-8 sequence', this.line));
    }
  }
}

/** Line ends inside a quoted field: LF, CRLF or CR alone, each counting once. */
function lineBreaks(f: string): number {
  let n = 0;
  for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) n++;
  for (let i = f.indexOf('\r'); i >= 0; i = f.indexOf('\r', i + 1)) if (f.charCodeAt(i + 1) !== 10) n++;
  return n;
}

class GuardError extends Error {
  constructor(
    readonly rule: Rule,
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}
