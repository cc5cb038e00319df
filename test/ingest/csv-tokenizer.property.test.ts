import { parseString } from 'fast-csv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, CsvTokenizer } from '../../src/ingest/csv-tokenizer.js';

/** fast-csv, the parser the tokenizer replaces, as the oracle: its records (blank lines and empty records dropped, as the reader always did) or "error". */
function oracle(text: string): Promise<string[][] | 'error'> {
  return new Promise((resolve) => {
    const rows: string[][] = [];
    parseString(text, { headers: false, ignoreEmpty: false, trim: false })
      .on('data', (r: string[]) => rows.push(r))
      .on('error', () => resolve('error'))
      .on('end', () => resolve(rows.filter((r) => r.length > 0 && !(r.length === 1 && r[0].trim() === ''))));
  });
}

/** The tokenizer fed in chunks of the given sizes. */
function tokenize(text: string, chunks: number[], max = 1 << 20): { records: string[][]; lines: number[] } | 'error' {
  const records: string[][] = [],
    lines: number[] = [];
  const t = new CsvTokenizer(max, (f, line) => {
    records.push(f);
    lines.push(line);
  });
  try {
    let at = 0;
    for (let k = 0; at < text.length; k++) {
      const size = Math.max(1, chunks[k % Math.max(1, chunks.length)] ?? text.length);
      t.push(text.slice(at, at + size));
      at += size;
    }
    t.end();
  } catch (e) {
    if (e instanceof CsvSyntaxError) return 'error';
    throw e;
  }
  return { records, lines };
}

const token = fc.constantFrom('a', 'bc', ',', '"', '""', '\n', '\r\n', '\r', ' ', '\t', 'é', 'x"y');
const csvText = fc.array(token, { maxLength: 40 }).map((t) => t.join(''));

describe('the CSV tokenizer', () => {
  it('reads what fast-csv reads, whatever the chunking (records, or a syntax error)', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 5 }), async (text, chunks) => {
        const expected = await oracle(text);
        const got = tokenize(text, chunks);
        if (expected === 'error') expect(got).toBe('error');
        else {
          expect(got).not.toBe('error');
          expect((got as { records: string[][] }).records).toEqual(expected);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('gives each record the line it starts on (LF, CRLF and CR each end one line; breaks inside quotes count)', () => {
    const r = tokenize('a,b\r\n"x\ny",z\r\rlast', [3]);
    expect(r).toEqual({ records: [['a', 'b'], ['x\ny', 'z'], ['last']], lines: [1, 2, 5] });
  });

  it('stops a record longer than the limit, quoted or not, closed or not, without reading further', () => {
    for (const text of ['"' + 'x'.repeat(5000), 'y'.repeat(5000) + '\nz', 'a,"' + 'q\n'.repeat(3000) + '"\n']) {
      const t = new CsvTokenizer(1000, () => undefined);
      let err: unknown;
      try {
        for (let i = 0; i < text.length; i += 64) t.push(text.slice(i, i + 64));
        t.end();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CsvSyntaxError);
      expect((err as CsvSyntaxError).rule).toBe('line-too-long');
      expect((err as CsvSyntaxError).line).toBe(1);
    }
  });

  it('does linear work: an unclosed quote over 1 MiB costs a bounded multiple of its length (counted, not timed)', () => {
    const max = 1 << 20,
      chunk = 1 << 16;
    const t = new CsvTokenizer(max, () => undefined);
    const piece = '"' + 'x'.repeat(chunk - 1);
    let pushed = 0;
    try {
      for (let k = 0; k < 64; k++) {
        t.push(k === 0 ? piece : 'x'.repeat(chunk));
        pushed += chunk;
      }
    } catch (e) {
      expect((e as CsvSyntaxError).rule).toBe('line-too-long');
    }
    expect(pushed).toBeLessThanOrEqual(max + chunk);
    // Each chunk rescans the carried record: at most (max / chunk + 1) passes over at most max characters.
    expect(t.scanned).toBeLessThanOrEqual((max / chunk + 1) * (max + chunk));
  });

  it('a handler that says stop ends the read', () => {
    const seen: string[][] = [];
    const t = new CsvTokenizer(100, (f) => {
      seen.push(f);
      return 'stop';
    });
    t.push('a\nb\nc\n');
    t.end();
    expect(seen).toEqual([['a']]);
  });
});
