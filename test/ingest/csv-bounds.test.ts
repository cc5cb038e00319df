import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { findings, ingest, rows, tempDir } from './helpers.js';

/**
 * Issue 13, finding 1: the line limit counts records, not `\n`-separated lines, so a quoted field that never
 * closes stops at the limit instead of being buffered whole (the work counted here is the bytes read), and a
 * file whose lines end in CR alone is read line by line. These tests pin behaviour (findings, line numbers,
 * bytes read), whatever tokenizer reads the CSV.
 */
const tmp = tempDir('ictstat-csv-bounds-');
afterAll(() => tmp.cleanup());
const MiB = 1 << 20;

/** A canonical CSV: two good rows, then a quoted note on line 4 that never closes, then `lines` short lines. */
function unclosedQuote(name: string, lines: number): string {
  const f = join(tmp.dir, name);
  const fd = openSync(f, 'w');
  writeSync(fd, 'economy,indicator,year,value,note\nKEN,i99H,2019,20,ok\nKEN,i99H,2020,21,ok\nKEN,i99H,2021,22,"never closed\n');
  const block = Buffer.from('GHA,i99H,2019,30,more text inside the open quote\n'.repeat(2000));
  for (let written = 0; written < lines; written += 2000) writeSync(fd, block);
  closeSync(fd);
  return f;
}

async function readWithBytes(file: string, opts: Parameters<typeof ingest>[1] = {}) {
  let bytesRead = 0;
  const r = await ingest(file, {
    ...opts,
    onProgress: (n) => {
      bytesRead = Math.max(bytesRead, n);
    },
  });
  return { r, bytesRead };
}

describe('CSV records are bounded, quoted or not (issue 13)', () => {
  it('an unclosed quote before 8 MB of lines stops at the 1 MiB limit: line-too-long on the line the record starts, < 3 MiB read', async () => {
    const f = unclosedQuote('unclosed.csv', 160_000); // 160k lines of 50 bytes: 8 MB
    const { r, bytesRead } = await readWithBytes(f);
    expect(r.status).toBe('rejected');
    const [long] = findings(r, 'line-too-long');
    expect(long, JSON.stringify(r.log.sorted())).toBeDefined();
    expect(long.line).toBe(4);
    expect(long.message).toMatch(/quoted|quote/);
    // The read stops at the limit (plus what one read-ahead chunk holds), not at the end of the file.
    expect(bytesRead).toBeLessThan(3 * MiB);
  });

  it('the bytes read grow with the limit, not with the file (no quadratic re-scan, no unbounded buffer)', async () => {
    const small = unclosedQuote('unclosed-small.csv', 40_000);
    const big = unclosedQuote('unclosed-big.csv', 200_000);
    const a = await readWithBytes(small, { maxLineBytes: 256 << 10 });
    const b = await readWithBytes(big, { maxLineBytes: 256 << 10 });
    for (const x of [a, b]) {
      expect(findings(x.r, 'line-too-long').map((g) => g.line)).toEqual([4]);
      expect(x.bytesRead).toBeLessThan((256 << 10) + 2 * MiB);
    }
  });

  it('a quoted field with newlines under the limit is one record, and the lines after it keep their numbers', async () => {
    const f = tmp.file('multiline.csv', 'economy,indicator,year,value,note\nKEN,i99H,2019,20,"two\nlines"\nKEN,i99H,2020,twenty,x\n');
    const r = await ingest(f);
    expect(findings(r, 'not-a-number').map((g) => g.line)).toEqual([4]);
    expect(findings(r, 'line-too-long')).toEqual([]);
  });

  it('a CR-only CSV over 1 MiB is read line by line: every row accepted, a bad row named by its line', async () => {
    const economies = loadEconomyRegistry()
      .all()
      .map((e) => e.iso3);
    const lines = ['economy,indicator,year,value,note'];
    const note = 'n'.repeat(180);
    for (const e of economies) for (let y = 1995; y <= 2024; y++) lines.push(`${e},i99H,${y},${(y - 1990) * 2},${note}`);
    const body = lines.join('\r') + '\r';
    expect(body.length).toBeGreaterThan(MiB);
    const good = await ingest(tmp.file('cr-only.csv', body));
    expect(findings(good, 'line-too-long')).toEqual([]);
    expect(good.status, JSON.stringify(good.log.sorted().slice(0, 3))).toBe('accepted');
    expect(good.accepted).toBe(lines.length - 1);
    // Row 5000 made bad: its line is 5001 (the header is line 1), as a text editor counts CR line ends.
    const bad = [...lines];
    bad[5000] = bad[5000].replace(/,\d+,n/, ',many,n');
    const r = await ingest(tmp.file('cr-only-bad.csv', bad.join('\r') + '\r'));
    expect(findings(r, 'not-a-number').map((g) => g.line)).toEqual([5001]);
  });

  it('CR-only, LF and CRLF line ends give the same rows and lines, quoted fields with newlines included (property)', async () => {
    const economies = ['KEN', 'GHA', 'FRA', 'BRA', 'IND'];
    const note = fc.oneof(
      fc.constantFrom('', 'plain', 'with, comma', 'say ""hi""'),
      fc.string({ maxLength: 8 }).map((s) => s.replace(/[\r\n",]/g, '')),
    );
    const row = fc.record({
      e: fc.integer({ min: 0, max: 4 }),
      year: fc.integer({ min: 2000, max: 2024 }),
      v: fc.integer({ min: 0, max: 100 }),
      note,
      quoted: fc.boolean(),
    });
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(row, { minLength: 1, maxLength: 12, selector: (r) => `${r.e}-${r.year}` }), async (rs) => {
        const results = [];
        for (const eol of ['\n', '\r\n', '\r']) {
          const body = rs.map((r) => `${economies[r.e]},i99H,${r.year},${r.v},${r.quoted ? `"${r.note}${eol}x"` : r.note.replace(/[",]/g, '')}`);
          results.push(await ingest(tmp.file(`eol-${++k}.csv`, ['economy,indicator,year,value,note', ...body].join(eol) + eol)));
        }
        const [lf, crlf, cr] = results.map((r) => ({ status: r.status, rows: rows(r.table, ['economy', 'year', 'value', 'line']) }));
        expect(lf.status).toBe('accepted');
        expect(crlf).toEqual(lf);
        expect(cr).toEqual(lf);
      }),
      { numRuns: 40, seed: 13 },
    );
  });
});
