/**
 * Workbooks in: CSV -> XLSX -> ingest is the identity on the observation table for the long, wide,
 * DataHub-like and questionnaire layouts (the workbooks written by exceljs here, from real ITU and World
 * Bank files where there are some); cells located in findings; merged cells, formulas, dates, numbers
 * stored as text, hidden sheets, trailing rows; hostile archives refused before exceljs parses them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { strToU8, zipSync } from 'fflate';
import { formatFinding } from '../../src/ingest/findings.js';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { loadIndicatorRegistry, isPriceIndicator } from '../../src/registry/indicators.js';
import { readWorkbookSheets, WorkbookRefused, DEFAULT_ZIP_LIMITS } from '../../src/ingest/xlsx.js';
import { ingestInput } from '../../src/ingest/inputs.js';
import { csvRow } from '../../src/util/csv.js';
import { parseCsv } from '../../src/util/csv-parse.js';
import { FIXTURES, NOW, ROOT, SHARED, findings as findingsOf, ingest, rows, ruleCounts as ruleCountsOf, tempDir } from './helpers.js';
import { RULES, type Rule } from '../../src/ingest/findings.js';
import { csvToRows, workbook, type CellInput } from './xlsx-helpers.js';

const tmp = tempDir('ictstat-xlsx-');
afterAll(() => tmp.cleanup());
let n = 0;
/** The rules the tests below look at, for the coverage check at the end. */
const covered = new Set<string>();
const findings = (r: Parameters<typeof findingsOf>[0], rule: Rule) => {
  covered.add(rule);
  return findingsOf(r, rule);
};
const ruleCounts = (r: Parameters<typeof ruleCountsOf>[0]) => {
  const c = ruleCountsOf(r);
  for (const k of Object.keys(c)) covered.add(k);
  return c;
};
const NO_LINE = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code'];
const WITH_LINE = [...NO_LINE, 'line'];

/** Ingest a CSV text and the same cells as a one-sheet workbook; both accepted, the same table. */
async function sameAsCsv(csv: string, name: string, opts: { indicator?: string; compareLines?: boolean } = {}) {
  const fromCsv = await ingest(tmp.file(`${name}.csv`, csv), { indicator: opts.indicator, jumpFactor: 0 });
  const book = await workbook([{ name: 'Data', rows: csvToRows(csv) }]);
  const fromXlsx = await ingest(tmp.file(`${name}.xlsx`, book), { indicator: opts.indicator, jumpFactor: 0 });
  expect(fromXlsx.format).toBe('xlsx');
  expect(fromXlsx.status, JSON.stringify(fromXlsx.log.sorted().slice(0, 3))).toBe(fromCsv.status);
  expect(fromXlsx.sheets?.[0]).toMatchObject({ name: 'Data', layout: fromCsv.format, headerRow: 1 });
  const cols = opts.compareLines ? WITH_LINE : NO_LINE;
  expect(rows(fromXlsx.table, cols)).toEqual(rows(fromCsv.table, cols));
  expect(ruleCounts(fromXlsx)).toEqual(ruleCounts(fromCsv));
  return { fromCsv, fromXlsx };
}

describe('CSV -> XLSX -> ingest is the identity on the observation table', () => {
  it('canonical long (fast-check: values in full double precision, notes with quotes, commas, unicode; numbers stored as text, title rows, blank rows)', async () => {
    const economies = loadEconomyRegistry()
      .all()
      .map((e) => e.iso3);
    const indicators = loadIndicatorRegistry().indicators;
    const obs = fc
      .record({
        economy: fc.constantFrom(...economies),
        ind: fc.constantFrom(...indicators),
        year: fc.integer({ min: 1960, max: 2026 }),
        frac: fc.double({ min: 0, max: 1, noNaN: true }),
        note: fc.option(
          fc
            .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
            .map((s) => s.replace(/[\x00-\x1f\x7f]/g, '').trim())
            .filter((s) => s.length > 0),
          { nil: null },
        ),
        asText: fc.boolean(),
        blankAfter: fc.boolean(),
      })
      .map((o) => ({ ...o, value: Math.min(o.ind.range[1], o.ind.range[0] + (o.ind.range[1] - o.ind.range[0]) * o.frac) }))
      // A price of exactly 0 is a placeholder, dropped at ingest (issue 17 item 1): not an observation to round-trip.
      .filter((o) => !(o.value === 0 && isPriceIndicator(o.ind)));
    const titles = fc.array(fc.constantFrom('Internet use, submitted by the regulator', 'Draft — do not circulate', '2024 round'), { maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(obs, { minLength: 1, maxLength: 30, selector: (o) => `${o.economy}|${o.ind.id}|${o.year}` }),
        titles,
        async (list, above) => {
          const csv =
            csvRow(['economy', 'indicator', 'year', 'value', 'note']) +
            list.map((o) => csvRow([o.economy, o.ind.id, o.year, Object.is(o.value, -0) ? 0 : o.value, o.note])).join('');
          const fromCsv = await ingest(tmp.file(`p${++n}.csv`, csv), { jumpFactor: 0 });
          // Title rows above the header; some numbers stored as text; blank rows between the data rows.
          const cells: CellInput[][] = [...above.map((t) => [t]), ['economy', 'indicator', 'year', 'value', 'note']];
          const lines: number[] = [];
          for (const o of list) {
            const v = Object.is(o.value, -0) ? 0 : o.value;
            cells.push([o.economy, o.ind.id, o.asText ? String(o.year) : o.year, o.asText ? String(v) : v, o.note]);
            lines.push(cells.length);
            if (o.blankAfter) cells.push([]);
          }
          const fromXlsx = await ingest(tmp.file(`p${n}.xlsx`, await workbook([{ name: 'Data', rows: cells }])), { jumpFactor: 0 });
          expect(fromXlsx.status).toBe(fromCsv.status);
          const a = rows(fromCsv.table, NO_LINE),
            b = rows(fromXlsx.table, NO_LINE);
          expect(b).toEqual(a);
          for (let i = 0; i < a.length; i++) expect(Object.is(a[i].value, b[i].value)).toBe(true);
          expect(rows(fromXlsx.table, ['line']).map((r) => r.line)).toEqual(lines); // the first sheet's lines are its rows
          expect(fromXlsx.sheets?.[0].headerRow).toBe(above.length + 1);
        },
      ),
      { numRuns: 25, seed: 20250630 },
    );
  }, 120_000);

  it('canonical long with note and source (the fixture), lines included', async () => {
    await sameAsCsv(readFileSync(join(FIXTURES, 'canonical-note-source.csv'), 'utf8'), 'note-source', { compareLines: true });
  });

  it('DataHub-like: the real ITU export individuals_using_internet.csv, every row (4,956 lines)', async () => {
    const csv = readFileSync(join(SHARED, 'itu-datahub', 'individuals_using_internet.csv'), 'utf8');
    // (lines differ: CSV lines are physical lines, and some sources span two)
    const { fromXlsx } = await sameAsCsv(csv, 'datahub');
    expect(fromXlsx.format).toBe('xlsx');
    expect(fromXlsx.accepted).toBeGreaterThan(4000);
  }, 60_000);

  it('wide by year: the real World Bank series IT.CEL.SETS.P2 pivoted to one column per year', async () => {
    const long = parseCsv(readFileSync(join(SHARED, 'wdi', 'it.cel.sets.p2.csv'), 'utf8'))
      .slice(1)
      .map((r) => r.fields);
    const years = [...new Set(long.map((r) => Number(r[2])))].sort((a, b) => a - b);
    const byEcon = new Map<string, Map<number, string>>();
    for (const [, code, y, v] of long) {
      if (!byEcon.has(code)) byEcon.set(code, new Map());
      byEcon.get(code)!.set(Number(y), v);
    }
    const csv =
      csvRow(['Country Code', 'Series Code', ...years.map(String)]) +
      [...byEcon].map(([code, m]) => csvRow([code, 'IT.CEL.SETS.P2', ...years.map((y) => m.get(y) ?? '')])).join('');
    const { fromXlsx } = await sameAsCsv(csv, 'wide', { compareLines: true });
    expect(fromXlsx.sheets?.[0].layout).toBe('wide');
    expect(fromXlsx.accepted).toBeGreaterThan(10_000);
  }, 60_000);

  it('World Bank Databank wide with ".." cells (the fixture)', async () => {
    await sameAsCsv(readFileSync(join(FIXTURES, 'wide-databank.csv'), 'utf8'), 'databank', { compareLines: true });
  });

  it('questionnaire: one row per indicator under the economy and reference-year header cells = the canonical CSV of the same answers', async () => {
    const answers: Array<[string, string, string, number | null, string | null]> = [
      [
        'i99H',
        'Individuals using the Internet',
        'Proportion of individuals who used the Internet from any location in the last three months.',
        48.3,
        'LFS 2023',
      ],
      ['i112', 'Fixed-telephone subscriptions', 'Number of active fixed-telephone lines.', 61_812, null],
      [
        'i271mw',
        'Active mobile-broadband subscriptions',
        'Sum of handset-based and computer-based mobile-broadband subscriptions.',
        45_007_331,
        'Regulator, Q4',
      ],
      ['i4213tfbb', 'Fixed-broadband subscriptions', 'Subscriptions to high-speed access to the public Internet.', null, null], // not answered
    ];
    const csv =
      csvRow(['economy', 'indicator', 'year', 'value', 'note', 'series_code']) +
      answers
        .filter((a) => a[3] !== null)
        .map(([code, , , v, note]) => csvRow(['KEN', code, 2023, v, note, code]))
        .join('');
    const fromCsv = await ingest(tmp.file('q.csv', csv), { jumpFactor: 0 });
    expect(fromCsv.status).toBe('accepted');
    const book = await workbook([
      {
        name: 'Questionnaire',
        protect: true,
        merges: ['A1:F1'],
        rows: [
          ['ITU World Telecommunication/ICT Indicators questionnaire, short form'],
          ['Economy', 'KEN', null, 'Reference year', 2023],
          [],
          ['Code', 'Indicator', 'Definition', 'Unit', 'Answer', 'Notes'],
          ['Access'], // a section title
          ...answers.map(([code, name, def, v, note]) => [code, name, def, code === 'i99H' ? '%' : 'count', v, note]),
        ],
      },
    ]);
    const fromXlsx = await ingest(tmp.file('q.xlsx', book), { jumpFactor: 0 });
    expect(fromXlsx.status, JSON.stringify(fromXlsx.log.sorted())).toBe('accepted');
    expect(fromXlsx.sheets?.[0]).toMatchObject({ layout: 'questionnaire', headerRow: 4, observations: 3 });
    expect(rows(fromXlsx.table, NO_LINE)).toEqual(rows(fromCsv.table, NO_LINE));
    expect(rows(fromXlsx.table, ['line']).map((r) => r.line)).toEqual([6, 7, 8]);
  });
});

describe('located findings in a malformed workbook', () => {
  it('a text value in a number cell, an unknown indicator code: sheet and cell, file[Sheet]!D3', async () => {
    const book = await workbook([
      { name: 'Notes', rows: [['Submitted by the regulator'], ['see the data sheet']] },
      {
        name: 'Data 2023',
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['KEN', 'i99H', 2022, 40.1],
          ['KEN', 'i99H', 2023, 'forty'],
          ['KEN', 'i99Hx', 2021, 35],
        ],
      },
    ]);
    const r = await ingest(tmp.file('bad.xlsx', book));
    expect(r.status).toBe('rejected');
    const nan = findings(r, 'not-a-number');
    expect(nan).toHaveLength(1);
    expect(nan[0]).toMatchObject({ sheet: 'Data 2023', cell: 'D3', line: 3, column: 'value', value: 'forty' });
    expect(formatFinding(nan[0])).toMatch(/\/bad\.xlsx\[Data 2023\]!D3: error: column "value", value "forty": the value is not a number \[not-a-number\]$/);
    expect(findings(r, 'unknown-indicator')[0]).toMatchObject({ sheet: 'Data 2023', cell: 'B4', value: 'i99Hx' });
    expect(findings(r, 'unknown-indicator')[0].message).toMatch(/did you mean "i99H"/);
    // The notes sheet is no table: skipped with a warning, not an error.
    expect(findings(r, 'sheet-skipped')[0]).toMatchObject({ sheet: 'Notes', severity: 'warning' });
    expect(r.sheets?.map((s) => [s.name, s.layout])).toEqual([
      ['Notes', null],
      ['Data 2023', 'canonical'],
    ]);
  });

  it('a merged header: the range and its first cell; the sheet is not read', async () => {
    const book = await workbook([
      {
        name: 'Wide',
        merges: ['B1:C1'],
        rows: [
          ['iso3', '2019', null, '2021'],
          ['KEN', 30, 35, 40],
        ],
      },
    ]);
    const r = await ingest(tmp.file('merged.xlsx', book), { indicator: 'internet_users_pct' });
    expect(r.status).toBe('rejected');
    const f = findings(r, 'merged-header')[0];
    expect(f).toMatchObject({ sheet: 'Wide', cell: 'B1', value: 'B1:C1', line: 1 });
    expect(formatFinding(f)).toMatch(/\/merged\.xlsx\[Wide\]!B1: error: value "B1:C1": merged header cells B1:C1/);
    expect(r.table.numRows).toBe(0);
  });

  it('merged data cells: down a column they fill the rows; across columns of a wide row they are an error', async () => {
    const book = await workbook([
      {
        name: 'Long',
        merges: ['A2:A3'],
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['GHA', 'i99H', 2020, 50],
          [null, 'i99H', 2021, 55],
        ],
      },
      {
        name: 'Wide',
        merges: ['B3:C3'],
        rows: [
          ['iso3', 'indicator', '2019', '2020'],
          ['KEN', 'i99H', 30, 35],
          ['UGA', 'i99H', 20, null],
        ],
      },
    ]);
    const r = await ingest(tmp.file('merged-data.xlsx', book), { acceptValid: true });
    expect(rows(r.table, ['economy', 'year', 'value'])).toEqual([
      { economy: 'GHA', year: 2020, value: 50 },
      { economy: 'GHA', year: 2021, value: 55 },
      { economy: 'KEN', year: 2019, value: 30 },
      { economy: 'KEN', year: 2020, value: 35 },
    ]);
    expect(findings(r, 'merged-cell')[0]).toMatchObject({ sheet: 'Wide', cell: 'B3', value: 'B3:C3' });
  });

  it('duplicates across sheets name the sheet and row of the first', async () => {
    const head = ['economy', 'indicator', 'year', 'value'];
    const book = await workbook([
      { name: 'A', rows: [head, ['KEN', 'i99H', 2020, 30]] },
      { name: 'B', rows: [head, [], ['KEN', 'i99H', 2020, 31]] },
    ]);
    const r = await ingest(tmp.file('dup.xlsx', book));
    const f = findings(r, 'duplicate-conflict')[0];
    expect(f).toMatchObject({ sheet: 'B', line: 3 });
    expect(f.message).toMatch(/also given on \[A\] row 2 with value 30/);
  });

  it('one economy and reference year per workbook: section sheets take them from a cover sheet; findings on them point there', async () => {
    const section = (rows: CellInput[][]) => [['Code', 'Indicator', 'Answer', 'Notes'], ...rows];
    const book = await workbook([
      {
        name: 'Data',
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['KEN', 'i99H', 2019, 20],
        ],
      }, // a data sheet's header is no cover
      { name: 'Cover', rows: [['ITU short questionnaire'], [], ['Country', 'Kenya'], ['Reference year', 2023]] },
      { name: 'Fixed', rows: section([['i112', 'Fixed-telephone subscriptions', 61_812, null]]) },
      { name: 'Mobile', rows: section([['i271mw', 'Active mobile-broadband subscriptions', 45_007_331, 'Q4']]) },
    ]);
    const r = await ingest(tmp.file('cover.xlsx', book));
    expect(r.status, JSON.stringify(r.log.sorted())).toBe('accepted');
    expect(rows(r.table, ['economy', 'indicator', 'year', 'value'])).toEqual([
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2019, value: 20 },
      { economy: 'KEN', indicator: 'fixed_tel_subs', year: 2023, value: 61812 },
      { economy: 'KEN', indicator: 'mobile_bb_subs', year: 2023, value: 45007331 },
    ]);
    expect(r.sheets?.map((x) => [x.layout, x.cover ?? false])).toEqual([
      ['canonical', false],
      [null, true],
      ['questionnaire', false],
      ['questionnaire', false],
    ]);
    expect(ruleCounts(r)).toEqual({}); // the cover sheet is no skipped sheet
    const bad = await ingest(
      tmp.file(
        'cover-bad.xlsx',
        await workbook([
          {
            name: 'Cover',
            rows: [
              ['Economy', 'KEN'],
              ['Reference year', 2031],
            ],
          },
          { name: 'S1', rows: section([['i112', 'x', 1, null]]) },
        ]),
      ),
    );
    expect(findings(bad, 'year-out-of-range')[0]).toMatchObject({ sheet: 'Cover', cell: 'B2', line: 2, value: '2031' });
  });

  it('a questionnaire without its reference year: a missing-column error naming what is needed', async () => {
    const book = await workbook([
      {
        name: 'Q',
        rows: [
          ['Economy', 'KEN'],
          ['Code', 'Indicator', 'Answer'],
          ['i99H', 'Internet', 40],
        ],
      },
    ]);
    const r = await ingest(tmp.file('q-noyear.xlsx', book));
    expect(r.status).toBe('rejected');
    expect(findings(r, 'missing-column')[0]).toMatchObject({ sheet: 'Q', column: 'Reference year', line: 2 });
  });

  it('an unknown economy in the questionnaire header is located at its header cell', async () => {
    const book = await workbook([
      { name: 'Q', rows: [['Economy:', 'KENIA'], ['Reference year: 2023'], ['Code', 'Indicator', 'Answer', 'Notes'], ['i99H', 'Internet', 40, null]] },
    ]);
    const r = await ingest(tmp.file('q-econ.xlsx', book));
    expect(findings(r, 'unknown-economy')[0]).toMatchObject({ sheet: 'Q', cell: 'B1', value: 'KENIA' });
  });
});

describe('cells as a spreadsheet holds them', () => {
  it('formulas (cached values), numbers stored as text, rich text, dates, hidden sheets, empty trailing rows, titles above the header', async () => {
    const book = await workbook([
      { name: 'Lookup', state: 'hidden', rows: [['code'], ['i99H']] },
      {
        name: 'Data',
        numFmt: { C6: 'yyyy-mm-dd' },
        rows: [
          ['Internet use, Kenya'], // a title row above the header
          [],
          ['economy', 'indicator', 'year', 'value', 'note'],
          ['KEN', 'i99H', 2019, { formula: 'B9*2', result: 22.5 }, { richText: [{ text: 'rich ' }, { text: 'note' }] }],
          ['KEN', 'i99H', '2020', ' 25.5 ', null], // numbers stored as text
          ['KEN', 'i99H', new Date(Date.UTC(2021, 0, 1)), 30, null], // a date in the year column: refused with the date shown
          ['KEN', 'i99H', 2022, { formula: 'NOW()' }, null], // no cached value
          [],
          [],
          [],
        ],
      },
    ]);
    const r = await ingest(tmp.file('cells.xlsx', book), { acceptValid: true });
    expect(rows(r.table, ['year', 'value', 'note', 'line'])).toEqual([
      { year: 2019, value: 22.5, note: 'rich note', line: 4 + (1 << 20) },
      { year: 2020, value: 25.5, note: null, line: 5 + (1 << 20) },
    ]);
    expect(findings(r, 'hidden-sheet')[0]).toMatchObject({ severity: 'info', sheet: 'Lookup' });
    expect(findings(r, 'bad-year')[0]).toMatchObject({ sheet: 'Data', cell: 'C6', value: '2021-01-01' });
    expect(findings(r, 'formula-without-value')[0]).toMatchObject({ sheet: 'Data', cell: 'D7' });
    expect(r.sheets).toEqual([
      { name: 'Lookup', state: 'hidden', layout: null, observations: 0 },
      { name: 'Data', state: 'visible', layout: 'canonical', headerRow: 3, observations: 4 },
    ]);
  });

  it('a value typed as 45.3% (stored 0.453): read as stored, with a unit-hint warning at the cell', async () => {
    const book = await workbook([
      {
        name: 'D',
        numFmt: { D2: '0.0%' },
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['KEN', 'i99H', 2020, 0.453],
          ['GHA', 'i99H', 2020, 41],
        ],
      },
    ]);
    const r = await ingest(tmp.file('pct.xlsx', book));
    expect(r.status).toBe('accepted');
    expect(rows(r.table, ['economy', 'value'])).toEqual([
      { economy: 'KEN', value: 0.453 },
      { economy: 'GHA', value: 41 },
    ]);
    expect(findings(r, 'unit-hint')[0]).toMatchObject({ severity: 'warning', sheet: 'D', cell: 'D2', value: '0.453' });
    expect(findings(r, 'unit-hint')[0].message).toMatch(/shown as 45\.3%.*such as 45\.3$/);
  });

  it('a worksheet part exceljs would not find (not xl/worksheets/sheetN.xml) is refused, not read as empty', async () => {
    const ok = await workbook([
      {
        name: 'D',
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['KEN', 'i99H', 2020, 30],
        ],
      },
    ]);
    const { unzipSync } = await import('fflate');
    const parts = unzipSync(ok);
    const renamed = Object.fromEntries(
      Object.entries(parts).map(([k, v]) => [
        k === 'xl/worksheets/sheet1.xml' ? 'xl/worksheets/data.xml' : k,
        k === 'xl/_rels/workbook.xml.rels' ? strToU8(new TextDecoder().decode(v).replace('worksheets/sheet1.xml', 'worksheets/data.xml')) : v,
      ]),
    );
    const r = await ingest(tmp.file('renamed.xlsx', zipSync(renamed)));
    expect(r.status).toBe('rejected');
    expect(findings(r, 'bad-xlsx')[0].message).toMatch(/xl\/worksheets\/data\.xml is not named xl\/worksheets\/sheetN\.xml/);
  });

  it.skipIf(!existsSync(join(SHARED, 'itu-prices')))(
    "readWorkbookSheets on ITU's own (Excel-written) price workbooks: the economies and numeric values the releases have",
    async () => {
      // The counts are those of the issue and SOURCES.md: Dec 2025 221 economies x 45 codes, 41,853 numeric values;
      // Mar 2024 222 economies, 29,072 numeric values; missing values are the text NA.
      for (const [file, sheetName, economies, codes, numeric] of [
        ['ITU_ICTPriceBaskets_2008-2025_Dec2025.xlsx', 'economies_2008-2025', 221, 45, 41_853],
        ['ITU_ICTPriceBaskets_2008-2023_Mar2024.xlsx', 'economies_2008-2023', 222, 15, 29_072],
      ] as const) {
        const sheets = await readWorkbookSheets(readFileSync(join(SHARED, 'itu-prices', file)));
        const s = sheets.find((x) => x.name === sheetName)!;
        const head = s.rows[0].cells;
        const years = new Set(head.filter((c) => /^\d{4}$/.test(c.text)).map((c) => c.col));
        const col = (name: string): number => head.find((c) => c.text === name)!.col;
        const iso = new Set<string>(),
          code = new Set<string>();
        let nums = 0,
          other = 0;
        for (const r of s.rows.slice(1))
          for (const c of r.cells) {
            if (c.col === col('IsoCode')) iso.add(c.text);
            if (c.col === col('Code')) code.add(c.text);
            if (years.has(c.col)) {
              if (c.kind === 'number') nums++;
              else if (c.text !== 'NA') other++;
            }
          }
        expect([iso.size, code.size, nums, other], file).toEqual([economies, codes, numeric, 0]);
      }
    },
    120_000,
  );

  it("readWorkbookSheets gives each cell its reference, kind, text and italics (for readers of ITU's own workbooks)", async () => {
    const book = await workbook([
      {
        name: 'S',
        italic: ['B2'],
        rows: [
          ['a', 'b'],
          [1.25, 7],
        ],
      },
    ]);
    const [s] = await readWorkbookSheets(book);
    expect(s.rows).toEqual([
      { row: 1, cells: [expect.objectContaining({ ref: 'A1', kind: 'text', text: 'a', italic: false }), expect.objectContaining({ ref: 'B1', text: 'b' })] },
      {
        row: 2,
        cells: [
          expect.objectContaining({ ref: 'A2', kind: 'number', value: 1.25, text: '1.25' }),
          expect.objectContaining({ ref: 'B2', value: 7, italic: true }),
        ],
      },
    ]);
  });

  it('a workbook with no table: unknown-format; a workbook with only hidden sheets: no-data-rows', async () => {
    const r1 = await ingest(tmp.file('prose.xlsx', await workbook([{ name: 'Read me', rows: [['This workbook has no data']] }])));
    expect(r1.status).toBe('rejected');
    expect(findings(r1, 'unknown-format')[0].message).toMatch(/no sheet has a header row/);
    const r2 = await ingest(
      tmp.file(
        'hidden.xlsx',
        await workbook([
          {
            name: 'H',
            state: 'hidden',
            rows: [
              ['economy', 'indicator', 'year', 'value'],
              ['KEN', 'i99H', 2020, 1],
            ],
          },
        ]),
      ),
    );
    expect(r2.status).toBe('rejected');
    expect(ruleCounts(r2)).toMatchObject({ 'hidden-sheet': 1, 'no-data-rows': 1 });
  });

  it('a value right of the header is not read (a warning at its cell); a workbook of empty sheets is empty-file', async () => {
    const book = await workbook([
      {
        name: 'D',
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['KEN', 'i99H', 2020, 30, null, 'checked by JM'],
        ],
      },
    ]);
    const r = await ingest(tmp.file('outside.xlsx', book));
    expect(r.status).toBe('accepted');
    expect(findings(r, 'cell-outside-table')[0]).toMatchObject({ severity: 'warning', sheet: 'D', cell: 'F2', value: 'checked by JM' });
    const empty = await ingest(
      tmp.file(
        'empty.xlsx',
        await workbook([
          { name: 'Sheet1', rows: [] },
          { name: 'Sheet2', rows: [] },
        ]),
      ),
    );
    expect(empty.status).toBe('rejected');
    expect(findings(empty, 'empty-file')[0].message).toBe('every sheet of the workbook is empty');
  });

  it('the limits of every format: --max-rows stops the read at the row (located), a file above the whole-file cap is refused unread', async () => {
    const book = await workbook([
      {
        name: 'D',
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['KEN', 'i99H', 2019, 20],
          ['KEN', 'i99H', 2020, 21],
          ['KEN', 'i99H', 2021, 22],
        ],
      },
    ]);
    const r = await ingest(tmp.file('rows.xlsx', book), { maxRows: 2 });
    expect(r.status).toBe('rejected');
    expect(findings(r, 'too-large')[0]).toMatchObject({ sheet: 'D', line: 4 });
    const big = await ingest(tmp.file('big.xlsx', book), { maxWholeFileBytes: 1024 });
    expect(findings(big, 'too-large')[0].message).toMatch(/MiB limit for workbooks; submit large files as CSV$/);
  });

  it('the same workbook as bytes (ingestInput) gives the same result', async () => {
    const book = await workbook([
      {
        name: 'Data',
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['KEN', 'i99H', 2020, 30],
        ],
      },
    ]);
    const r = await ingestInput({ bytes: book, name: 'upload.xlsx' }, { now: NOW });
    expect(r.status).toBe('accepted');
    expect(r.format).toBe('xlsx');
    expect(r.file).toBe('upload.xlsx');
  });
});

/** A ZIP archive with the parts of a minimal workbook, plus or instead of the given ones. */
function zipOf(parts: Record<string, string | Uint8Array>, level: 0 | 9 = 9): Uint8Array {
  const base: Record<string, string> = {
    '[Content_Types].xml':
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
    'xl/workbook.xml': '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>',
  };
  const all = { ...base, ...parts };
  return zipSync(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, typeof v === 'string' ? strToU8(v) : v])), { level });
}

describe('hostile workbooks are refused before exceljs parses them', () => {
  const refused = async (bytes: Uint8Array, rule: string, message: RegExp, limits = {}) => {
    const r = await ingest(tmp.file(`h${++n}.xlsx`, bytes), { workbookLimits: limits });
    expect(r.status).toBe('rejected');
    expect(ruleCounts(r)).toEqual({ [rule]: 1 });
    expect(r.log.sorted()[0].message).toMatch(message);
    await expect(readWorkbookSheets(bytes, limits)).rejects.toBeInstanceOf(WorkbookRefused);
  };

  it('a zip bomb: 64 MiB of one byte compressed 1000-fold (the ratio, from the central directory)', async () => {
    await refused(zipOf({ 'xl/worksheets/sheet1.xml': new Uint8Array(64 << 20).fill(0x20) }), 'zip-bomb', /inflates \d+-fold .* above the ratio limit of 200/);
  });

  it('a forged central directory (declared 1 KiB, inflates to 8 MiB): stopped while inflating', async () => {
    const z = zipOf({ 'xl/worksheets/sheet1.xml': new Uint8Array(8 << 20).fill(0x20) });
    // Patch the entry's uncompressed size in its local header and in the central directory.
    const v = new DataView(z.buffer, z.byteOffset, z.byteLength);
    const name = 'xl/worksheets/sheet1.xml';
    const find = (sig: number): number[] => {
      const out: number[] = [];
      for (let o = 0; o + 4 <= z.length; o++)
        if (
          v.getUint32(o, true) === sig &&
          new TextDecoder().decode(z.subarray(o + (sig === 0x04034b50 ? 30 : 46), o + (sig === 0x04034b50 ? 30 : 46) + name.length)) === name
        )
          out.push(o);
      return out;
    };
    for (const o of find(0x04034b50)) v.setUint32(o + 22, 1024, true);
    for (const o of find(0x02014b50)) v.setUint32(o + 24, 1024, true);
    await refused(z, 'zip-bomb', /inflates beyond its declared 1,024 bytes/);
  });

  it('the total size and the entry count', async () => {
    await refused(
      zipOf({ 'xl/media/a.bin': new Uint8Array(3 << 20).map((_, i) => (i * 2654435761) >>> 24) }),
      'zip-bomb',
      /the archive inflates to more than 2 MiB \(declared sizes; at xl\/media\/a\.bin\)/,
      { maxUncompressedBytes: 2 << 20 },
    );
    await refused(
      zipOf(Object.fromEntries(Array.from({ length: DEFAULT_ZIP_LIMITS.maxEntries + 1 }, (_, i) => [`xl/p${i}.xml`, '<a/>']))),
      'zip-bomb',
      /2003 entries in the archive, above the limit of 2000/,
    );
  });

  it('billion laughs: a DTD with nested entities in a sheet is refused, nothing expanded', async () => {
    const lol =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
      ']>' +
      '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>';
    await refused(zipOf({ 'xl/worksheets/sheet1.xml': lol }), 'xml-dtd', /declares a DTD or entities .*\(billion laughs\)/);
    // also when the marker straddles two inflate chunks
    const padded = ' '.repeat((16 << 10) * 3 - 4) + '<!DOCTYPE x>';
    await refused(zipOf({ 'xl/sharedStrings.xml': padded }, 0), 'xml-dtd', /DTD/);
    // and in a part whose name does not end in .xml (exceljs would still parse xl/worksheets/sheet1.xml.bak as a sheet)
    await refused(zipOf({ 'xl/worksheets/sheet1.xml.bak': lol }), 'xml-dtd', /sheet1\.xml\.bak declares a DTD/);
    // An SVG image (kept as bytes by exceljs) may have a DOCTYPE: not refused.
    const withSvg = zipOf({
      ...Object.fromEntries(
        Object.entries(
          (await import('fflate')).unzipSync(
            await workbook([
              {
                name: 'D',
                rows: [
                  ['economy', 'indicator', 'year', 'value'],
                  ['KEN', 'i99H', 2020, 30],
                ],
              },
            ]),
          ),
        ),
      ),
      'xl/media/image1.svg': '<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>',
    });
    expect((await ingest(tmp.file('svg.xlsx', withSvg))).status).toBe('accepted');
  });

  it('a huge shared-string table: counted while inflating, refused above the cap', async () => {
    const strings = Array.from({ length: 5001 }, (_, i) => `<si><t>s${i}</t></si>`).join('');
    await refused(zipOf({ 'xl/sharedStrings.xml': `<sst count="5001">${strings}</sst>` }), 'too-many-strings', /more than 5,000 shared strings/, {
      maxSharedStrings: 5000,
    });
    // The default cap is a million strings.
    expect(DEFAULT_ZIP_LIMITS.maxSharedStrings).toBe(1_000_000);
  });

  it('more cells than the cap: counted while inflating, refused before exceljs builds them', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => [`KEN`, 'i99H', 1960 + i, i]);
    const book = await workbook([{ name: 'D', rows: [['economy', 'indicator', 'year', 'value'], ...rows] }]);
    await refused(book, 'too-large', /more than 200 cells in the workbook \(at xl\/worksheets\/sheet1\.xml\)/, { maxCells: 200 });
    expect((await ingest(tmp.file('cells-ok.xlsx', book), { workbookLimits: { maxCells: 244 } })).status).toBe('accepted'); // 61 rows x 4 cells
  });

  it('merged ranges that would expand to billions of cells', async () => {
    const sheet =
      '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells></worksheet>';
    await refused(zipOf({ 'xl/worksheets/sheet1.xml': sheet }), 'too-large', /merged ranges cover more than/);
  });

  it('a ZIP that is not a workbook, a damaged one, a legacy .xls', async () => {
    await refused(zipSync({ 'readme.txt': strToU8('hello') }), 'bad-xlsx', /a ZIP archive, not an Excel workbook/);
    await refused(
      zipSync({ mimetype: strToU8('application/vnd.oasis.opendocument.spreadsheet'), 'content.xml': strToU8('<a/>') }),
      'bad-xlsx',
      /an OpenDocument file \(\.ods\).*save it as \.xlsx/,
    );
    const book = await workbook([
      {
        name: 'D',
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['KEN', 'i99H', 2020, 30],
        ],
      },
    ]);
    await refused(book.subarray(0, book.length - 30), 'bad-xlsx', /not a readable ZIP archive|damaged/);
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]);
    const r = await ingest(tmp.file('old.xls', xls));
    expect(findings(r, 'binary-file')[0].message).toMatch(/legacy Excel \.xls/);
  });

  it('never throws on ZIP magic followed by garbage, or a workbook with bytes flipped (fast-check)', async () => {
    const book = await workbook([
      {
        name: 'D',
        rows: [
          ['economy', 'indicator', 'year', 'value'],
          ['KEN', 'i99H', 2020, 30],
          ['GHA', 'i99H', 2020, 40],
        ],
      },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), b])),
          fc.array(fc.tuple(fc.nat(book.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
            const b = Buffer.from(book);
            for (const [i, x] of flips) b[i] = x;
            return b;
          }),
        ),
        async (bytes) => {
          const r = await ingest(tmp.file(`g${++n}.xlsx`, bytes));
          expect(['accepted', 'rejected']).toContain(r.status);
          if (r.status === 'rejected') expect(r.log.errors).toBeGreaterThan(0);
        },
      ),
      { numRuns: 150, seed: 20250630 },
    );
  }, 120_000);
});

describe('coverage', () => {
  it('every rule the workbook reader emits is looked at by a test above', () => {
    const src = ['xlsx.ts', 'zip-guard.ts'].map((f) => readFileSync(join(ROOT, 'src', 'ingest', f), 'utf8')).join('\n');
    const emitted = Object.keys(RULES).filter((k) => src.includes(`'${k}'`));
    expect(emitted.length).toBeGreaterThanOrEqual(12);
    expect(emitted.filter((k) => !covered.has(k))).toEqual([]);
  });
});

describe('surfaces: `ictstat ingest book.xlsx` and POST /v2/submissions', () => {
  it('the CLI reads a workbook, prints its sheets and located findings, and writes the accepted table', async () => {
    const { ictstat, expectNoStackTrace } = await import('../cli/helpers.js');
    const good = tmp.file(
      'cli.xlsx',
      await workbook([
        {
          name: 'Data',
          rows: [
            ['economy', 'indicator', 'year', 'value'],
            ['KEN', 'i99H', 2020, 30],
            ['GHA', 'i99H', 2020, 40],
          ],
        },
      ]),
    );
    const out = join(tmp.dir, 'cli.csv');
    const r = ictstat(['ingest', good, '--out', out]);
    expectNoStackTrace(r);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cli\.xlsx: ACCEPTED \(Excel workbook, UTF-8\)/);
    expect(r.stdout).toMatch(/sheet "Data": canonical, header row 1, 2 observations/);
    expect(readFileSync(out, 'utf8')).toMatch(/^economy,indicator,year,value.*\nKEN,internet_users_pct,2020,30/s);
    const bad = tmp.file(
      'cli-bad.xlsx',
      await workbook([
        {
          name: 'Data',
          rows: [
            ['economy', 'indicator', 'year', 'value'],
            ['KEN', 'i99H', 2020, 'n/a'],
          ],
        },
      ]),
    );
    const b = ictstat(['ingest', bad]);
    expectNoStackTrace(b);
    expect(b.code).toBe(2);
    expect(b.stdout).toMatch(/cli-bad\.xlsx\[Data\]!D2: error: column "value", value "n\/a": the value is not a number \[not-a-number\]/);
    const bomb = tmp.file('cli-bomb.xlsx', zipOf({ 'xl/worksheets/sheet1.xml': new Uint8Array(16 << 20).fill(0x20) }));
    const z = ictstat(['ingest', bomb]);
    expectNoStackTrace(z);
    expect(z.code).toBe(2);
    expect(z.stdout).toMatch(/error: entry xl\/worksheets\/sheet1\.xml inflates \d+-fold .* \[zip-bomb\]/);
  }, 60_000);

  it('POST /v2/submissions accepts a workbook body (the same ingest path) and rejects a malformed one with located findings', async () => {
    const { startServer } = await import('../api/helpers.js');
    let token = '';
    const s = await startServer(
      (store) => {
        token = store.createToken('KEN', 'test').token;
      },
      { limits: { maxBodyBytes: 1 << 20, ratePerToken: 8, rateWindowMs: 60_000 } },
    );
    try {
      const post = async (body: Buffer) =>
        fetch(`${s.base}/v2/submissions`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', authorization: `Bearer ${token}` },
        });
      const ok = await post(
        await workbook([
          {
            name: 'KEN',
            rows: [
              ['Economy', 'KEN'],
              ['Reference year', 2023],
              [],
              ['Code', 'Indicator', 'Definition', 'Answer', 'Notes'],
              ['i99H', 'Internet', 'def', 41.5, null],
            ],
          },
        ]),
      );
      expect(ok.status).toBe(201);
      const body = await ok.json();
      expect(body).toMatchObject({
        status: 'accepted',
        submission: { economy: 'KEN', observations: 1 },
        report: { format: 'xlsx', accepted: 1, sheets: [{ name: 'KEN', layout: 'questionnaire' }] },
      });
      const [, data] = await (await fetch(`${s.base}/v2/country/KEN/indicator/i99H?date=2023`)).json();
      expect(data[0]).toMatchObject({ value: 41.5 });
      const bad = await post(
        await workbook([
          {
            name: 'D',
            rows: [
              ['economy', 'indicator', 'year', 'value'],
              ['KEN', 'i99H', 2021, 'abc'],
            ],
          },
        ]),
      );
      expect(bad.status).toBe(422);
      const report = (await bad.json())[0].report;
      expect(report.findings).toEqual([expect.objectContaining({ file: 'body', sheet: 'D', cell: 'D2', line: 2, rule: 'not-a-number' })]);
    } finally {
      await s.close();
    }
  }, 60_000);
});

describe('--accept-valid on a workbook', () => {
  it('accepts the valid rows; the rejects file names the sheet and cell of each rejected row (conflicts on both sides)', async () => {
    const head = ['economy', 'indicator', 'year', 'value'];
    const book = await workbook([
      { name: 'A', rows: [head, ['KEN', 'i99H', 2020, 30], ['KEM', 'i99H', 2020, 1]] },
      { name: 'B', rows: [head, ['KEN', 'i99H', 2020, 31], ['UGA', 'i99H', 2020, 'x'], ['UGA', 'i99H', 2021, 12]] },
    ]);
    const rejectsFile = join(tmp.dir, 'av.rejects.csv');
    const r = await ingest(tmp.file('av.xlsx', book), { acceptValid: true, rejectsFile });
    expect(r.status).toBe('accepted');
    expect(rows(r.table, ['economy', 'year', 'value'])).toEqual([{ economy: 'UGA', year: 2021, value: 12 }]);
    const rej = parseCsv(readFileSync(rejectsFile, 'utf8')).map((x) => x.fields);
    expect(rej[0]).toEqual(['line', 'rule', 'message', 'economy', 'indicator', 'year', 'value', 'note', 'source', 'sheet', 'cell']);
    const where = rej
      .slice(1)
      .map((x) => [x[1], x[0], x[9], x[10]])
      .sort();
    expect(where).toEqual(
      [
        ['duplicate-conflict', '2', 'A', 'D2'],
        ['duplicate-conflict', '2', 'B', 'D2'],
        ['not-a-number', '3', 'B', 'D3'],
        ['unknown-economy', '3', 'A', 'A3'],
      ].sort(),
    );
  });
});
