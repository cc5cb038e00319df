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
export type CsvRecordHandler = (fields: string[], line: number) => void | 'stop';

/**
 * Every CSV file of the project is read here: streamed through fast-csv in bounded memory, decoded
 * (strict UTF-8, or Latin-1), byte-order mark dropped, lines capped, blank lines skipped, each record
 * given with the line it starts on (records may span lines inside quotes). Problems of the stream
 * (encoding, an over-long line, a stray quote) end as findings through `fatal`.
 */
export async function streamCsvRecords(file: string, opts: CsvStreamOptions, onRecord: CsvRecordHandler,
  fatal: (rule: Rule, message: string, where?: Partial<Finding>) => void): Promise<void> {
  let line = 1;
  let stopped = false;
  const guard = new TextGuard(opts.encoding, opts.maxLineBytes, (n) => opts.onBytes?.(n), opts.onChunk);
  const consume = new Transform({
    objectMode: true,
    transform(fields: string[], _e, done) {
      const at = line;
      for (const f of fields) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) line++;
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

/**
 * Decode bytes to text (UTF-8, strictly, or Latin-1), drop a byte-order mark, and stop a line longer
 * than the limit before the CSV parser buffers it.
 */
class TextGuard extends Transform {
  private decoder: TextDecoder;
  private sinceNewline = 0;
  private bytes = 0;
  line = 1;
  constructor(encoding: TextEncoding, private readonly maxLine: number, private readonly onBytes: (n: number) => void,
    private readonly onChunk?: (chunk: Buffer) => void) {
    super({ readableObjectMode: false, decodeStrings: true });
    this.decoder = new TextDecoder(encoding === 'utf-8' ? 'utf-8' : 'windows-1252', { fatal: encoding === 'utf-8' });
  }
  _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.onChunk?.(chunk);
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      return done(new GuardError('encoding', `invalid UTF-8 in the bytes ${this.bytes}..${this.bytes + chunk.length} (near line ${this.line}): the file mixes encodings; save it as UTF-8`, this.line));
    }
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    let from = 0;
    for (let nl = text.indexOf('\n'); ; nl = text.indexOf('\n', from)) {
      const end = nl < 0 ? text.length : nl;
      if (this.sinceNewline + end - from > this.maxLine)
        return done(new GuardError('line-too-long', `line ${this.line} is longer than ${this.maxLine} characters (a CSV file's rows are short: is it CSV?)`, this.line));
      if (nl < 0) {
        this.sinceNewline += end - from;
        break;
      }
      this.line++;
      this.sinceNewline = 0;
      from = nl + 1;
    }
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

class GuardError extends Error {
  constructor(readonly rule: Rule, message: string, readonly line: number) {
    super(message);
  }
}

