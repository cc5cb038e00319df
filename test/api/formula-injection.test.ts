/**
 * Issue 13, finding 6: every text that leaves us in CSV is neutralised against spreadsheet formula injection at
 * one place (the CSV field writer), whatever the route: series CSV and SDMX-CSV (note, source and vintage),
 * price baskets' CSV (a submitted source), the report tables; and the canonical CSV reads back to the same text.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObservationBuilder } from '../../src/table/observations.js';
import { parseCsv } from '../../src/util/csv-parse.js';
import { csvField, csvRow } from '../../src/util/csv.js';
import { findings, ingest, rows, tempDir } from '../ingest/helpers.js';
import { startServer, type TestServer } from './helpers.js';

const PAYLOADS = ["@SUM(1+1)*cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', '+1+1', '-2+3', '\t=1', '\r=1'];
/** What a spreadsheet would take as a formula: the first character of the cell's text. */
const dangerous = (cell: string): boolean => /^[=+\-@\t\r]/.test(cell) && !/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(cell);

let s: TestServer;
beforeAll(async () => {
  s = await startServer((store) => {
    const b = new ObservationBuilder();
    PAYLOADS.forEach((p, k) =>
      b.append({ economy: ['KEN', 'GHA', 'FRA', 'BRA', 'IND', 'CHN'][k], indicator: 'internet_users_pct', year: 2020, value: 10 + k, note: p, source: p }),
    );
    b.append({ economy: 'KEN', indicator: 'price_ipb_fixed_telephone_usd', year: 2020, value: 5, source: PAYLOADS[0] });
    store.recordSubmission({ economy: null, submittedBy: 'test', sha256: 'payloads', findings: null, table: b.toTable(), vintage: '+1+1' });
  });
});
afterAll(() => s.close());

function cellsOf(csv: string): string[] {
  return parseCsv(csv)
    .slice(1)
    .flatMap((r) => r.fields);
}

describe('formula injection in CSV answers (issue 13)', () => {
  it('series CSV and SDMX-CSV: no note, source or vintage cell starts a formula', async () => {
    const url = `${s.base}/v2/country/all/indicator/internet_users_pct?date=2020`;
    for (const csv of [
      await (await fetch(`${url}&format=csv`)).text(),
      await (await fetch(url, { headers: { accept: 'application/vnd.sdmx.data+csv; version=2.0.0' } })).text(),
    ]) {
      const cells = cellsOf(csv);
      expect(cells.some((c) => c.includes('+1+1'))).toBe(true);
      expect(cells.filter(dangerous)).toEqual([]);
    }
  });

  it('price basket CSV: the submitted source is neutralised', async () => {
    const csv = await (await fetch(`${s.base}/v2/prices/ipb-fixed-telephone/2020?format=csv`)).text();
    const cells = cellsOf(csv);
    expect(cells.some((c) => c.includes('@SUM'))).toBe(true);
    expect(cells.filter(dangerous)).toEqual([]);
  });

  it('the CSV writer: no string cell it writes starts a formula; numbers, and numeric text, are untouched (property)', () => {
    fc.assert(
      fc.property(fc.string(), (t) => {
        const cell = parseCsv(csvRow([t]))[0]?.fields[0] ?? '';
        expect(dangerous(cell)).toBe(false);
      }),
      { numRuns: 2000, seed: 13 },
    );
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField('-1.5')).toBe('-1.5');
    expect(csvField('=1')).toBe("'=1");
  });

  it('what the writer neutralised reads back as written (canonical CSV -> ingest keeps the note and source)', async () => {
    const tmp = tempDir('ictstat-formula-');
    try {
      const text =
        csvRow(['economy', 'indicator', 'year', 'value', 'note', 'source']) +
        PAYLOADS.slice(0, 4)
          .map((p, k) => csvRow(['KEN', 'i99H', 2016 + k, 20 + k, p, p]))
          .join('');
      const r = await ingest(tmp.file('payloads.csv', text));
      expect(findings(r, 'not-a-number')).toEqual([]);
      expect(rows(r.table, ['note', 'source']).map((x) => x.note)).toEqual(PAYLOADS.slice(0, 4));
    } finally {
      tmp.cleanup();
    }
  });
});
