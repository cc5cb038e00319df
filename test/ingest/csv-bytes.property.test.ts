import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvByteTokenizer, fieldText, rangeDecoder } from '../../src/ingest/csv-bytes.js';
import { CsvSyntaxError, CsvTokenizer } from '../../src/ingest/csv-tokenizer.js';

type Outcome = { records: string[][]; lines: number[]; error?: { rule: string; line: number; message: string } };

/** The text tokenizer (the oracle, itself property-tested against fast-csv) over chunks cut at the given characters. */
function byText(text: string, cuts: number[], max: number): Outcome {
  const out: Outcome = { records: [], lines: [] };
  const t = new CsvTokenizer(max, (f, line) => {
    out.records.push(f);
    out.lines.push(line);
  });
  try {
    let at = 0;
    for (const c of [...cuts, text.length]) {
      if (c > at) t.push(text.slice(at, c));
      at = Math.max(at, c);
    }
    t.end();
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e;
    out.error = { rule: e.rule, line: e.line, message: e.message };
  }
  return out;
}

/** The byte tokenizer over the UTF-8 bytes, cut at the same characters. */
function byBytes(text: string, cuts: number[], max: number): Outcome {
  const out: Outcome = { records: [], lines: [] };
  const decode = rangeDecoder('utf-8');
  const t = new CsvByteTokenizer(max, true, decode, (b) => {
    for (let r = 0; r < b.count; r++) {
      const fields: string[] = [];
      for (let f = b.first[r]; f < b.first[r + 1]; f++) fields.push(fieldText(b, f, decode));
      out.records.push(fields);
      out.lines.push(b.line[r]);
    }
    return undefined;
  });
  try {
    let at = 0;
    for (const c of [...cuts, text.length]) {
      if (c > at) t.push(Buffer.from(text.slice(at, c), 'utf8'));
      at = Math.max(at, c);
    }
    t.end();
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e;
    out.error = { rule: e.rule, line: e.line, message: e.message };
  }
  return out;
}

const token = fc.constantFrom('a', 'bc', ',', '"', '""', '\n', '\r\n', '\r', ' ', '\t', 'é', 'x"y', '\u00a0', '\f', '€', '😀', 'long text');
const csvText = fc.array(token, { maxLength: 50 }).map((t) => t.join(''));

describe('the byte tokenizer', () => {
  it('gives the text tokenizer’s records, lines and errors (rule, line, message), whatever the chunking and the limit (property)', () => {
    fc.assert(
      fc.property(csvText, fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 6 }), fc.constantFrom(1 << 20, 4, 8, 16, 30), (text, cuts, max) => {
        // Cut at characters, never inside a surrogate pair (the text tokenizer gets whole characters).
        const at = [...new Set(cuts.map((c) => Math.min(c, text.length)))]
          .sort((a, b) => a - b)
          .filter((c) => !(c > 0 && c < text.length && text.charCodeAt(c - 1) >= 0xd800 && text.charCodeAt(c - 1) <= 0xdbff));
        expect(byBytes(text, at, max)).toEqual(byText(text, at, max));
      }),
      { numRuns: 5000 },
    );
  });

  it('does linear work: an unclosed quote over 1 MiB costs a bounded multiple of its length (counted, not timed)', () => {
    const max = 1 << 20,
      chunk = 1 << 16;
    const t = new CsvByteTokenizer(max, true, rangeDecoder('utf-8'), () => undefined);
    let pushed = 0,
      error: unknown;
    try {
      for (let k = 0; k < 64; k++) {
        const b = Buffer.alloc(chunk, 'x');
        if (k === 0) b[0] = 34;
        t.push(b);
        pushed += chunk;
      }
    } catch (e) {
      error = e;
    }
    expect((error as CsvSyntaxError).rule).toBe('line-too-long');
    expect(pushed).toBeLessThanOrEqual(max + chunk);
    expect(t.scanned).toBeLessThanOrEqual((max / chunk + 1) * (max + chunk));
  });

  it('hands records on a chunk at a time, and a handler that says stop ends the read', () => {
    const seen: number[] = [];
    const t = new CsvByteTokenizer(100, true, rangeDecoder('utf-8'), (b) => {
      seen.push(b.count);
      return 'stop';
    });
    t.push(Buffer.from('a\nb\nc\n'));
    t.push(Buffer.from('d\n'));
    t.end();
    expect(seen).toEqual([3]);
    expect(t.done).toBe(true);
  });
});
