/**
 * Our workbooks (`tablesToXlsx`: the report, `ictstat idi --format xlsx`) read by readers we did not write:
 * Python pandas/openpyxl, R readxl and LibreOffice headless (every sheet exported to CSV, as displayed),
 * each with default arguments. Also: byte-identical output across runs and time zones, sheet names,
 * types and number formats as our own reader sees them. A reader that is missing skips its test with a
 * message, except in CI (CI set), where a missing reader fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readWorkbookSheets } from '../../src/ingest/xlsx.js';
import { buildReport } from '../../src/report/build.js';
import { sheetNames, tablesToXlsx } from '../../src/report/xlsx.js';
import type { ReportTable } from '../../src/table/report-table.js';
import { parseCsv } from '../../src/util/csv-parse.js';
import { ROOT } from '../cli/helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'ictstat-xlsx-out-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Hand-made tables: every cell type, decimals 0..4, nulls, formula-like text, names that collide when cut at 31. */
const TABLES: ReportTable[] = [
  {
    id: 'ranking',
    title: 'IDI 2017 ranking (test)',
    sheet: 'Ranking',
    columns: [
      { key: 'code', label: 'Code', type: 'text' },
      { key: 'name', label: 'Economy', type: 'text' },
      { key: 'score', label: 'IDI', type: 'number', decimals: 2 },
      { key: 'rank', label: 'Rank', type: 'integer' },
      { key: 'share', label: 'Share (%)', type: 'number', decimals: 1 },
      { key: 'ratio', label: 'Ratio', type: 'number', decimals: 4 },
      { key: 'note', label: 'Note', type: 'text' },
    ],
    rows: [
      { code: 'KOR', name: 'Korea (Rep. of)', score: 9.151829478869288, rank: 1, share: 12.34, ratio: 0.123456789, note: '=SUM(A1:A2)' },
      { code: 'CIV', name: "Côte d'Ivoire", score: 3, rank: 2, share: null, ratio: -0.00005, note: '中文 — العربية' },
      { code: 'ISL', name: 'Iceland', score: -0.5, rank: 3, share: 1e7, ratio: 1, note: null },
    ],
    notes: ['Method: test method.', '@note that looks like a formula'],
  },
  {
    id: 'long-1',
    title: 'Mobile-broadband basket, postpaid computer-based (1 GB), 2016',
    columns: [{ key: 'n', label: 'Economies', type: 'integer' }],
    rows: [{ n: 190 }],
    notes: [],
  },
  {
    id: 'long-2',
    title: 'Mobile-broadband basket, postpaid computer-based (1 GB), 2017',
    columns: [{ key: 'n', label: 'Economies', type: 'integer' }],
    rows: [{ n: 191 }],
    notes: ['n'],
  },
  {
    id: 'notes',
    title: 'A table called Notes',
    sheet: 'Notes',
    columns: [{ key: 'x', label: 'x', type: 'number', decimals: 0 }],
    rows: [{ x: 2.5 }, { x: 1e-3 }],
    notes: [],
  },
];
const NAMES = ['Ranking', 'Mobile-broadband basket,', 'Mobile-broadband basket, (2)', 'Notes (2)', 'Contents', 'Notes'];

let synthetic: string;
let report: { dir: string; xlsx: string; sheetToTable: Map<string, string>; ranked: number };

beforeAll(async () => {
  synthetic = join(tmp, 'synthetic.xlsx');
  writeFileSync(synthetic, await tablesToXlsx(TABLES));
  const dir = join(tmp, 'mis-2017');
  await buildReport({ edition: 2017, out: dir, sensitivityDraws: 0 });
  const xlsx = join(dir, 'mis-2017.xlsx');
  const contents = (await readWorkbookSheets(readFileSync(xlsx))).find((s) => s.name === 'Contents')!;
  const ranked = (JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { economiesRanked: number }).economiesRanked;
  report = { dir, xlsx, ranked, sheetToTable: new Map(contents.rows.slice(1).map((r) => [String(r.cells[0].value), String(r.cells[2].value)])) };
}, 120_000);

describe('tablesToXlsx', () => {
  it('sheet names: unique, within 31 characters, cut at a word, the Contents and Notes names reserved', () => {
    const wb = TABLES.map((t) => t.sheet || t.title);
    expect(sheetNames(wb, ['Contents', 'Notes'])).toEqual(NAMES.slice(0, 4));
    expect(sheetNames(['a/b:c', 'A B C', "'quoted'", ''])).toEqual(['a b c', 'A B C (2)', 'quoted', 'Sheet']);
    // spaces and quotes in any mix at the ends, control characters (XML cannot carry them; Excel refuses an empty name)
    expect(sheetNames([" 'a' ", "' 'b", '\u0001', 'c\u0007d'])).toEqual(['a', 'b', 'Sheet', 'c d']);
    expect(sheetNames(Array.from({ length: 12 }, () => 'x'.repeat(40))).every((n) => n.length <= 31)).toBe(true);
    expect(new Set(sheetNames(Array.from({ length: 12 }, () => 'x'.repeat(40)))).size).toBe(12);
  });

  it('is byte-identical across runs at different times and in another time zone', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2031-07-04T13:37:11Z'));
      const a = Buffer.from(await tablesToXlsx(TABLES));
      vi.setSystemTime(new Date('2019-02-28T23:59:59Z'));
      const b = Buffer.from(await tablesToXlsx(TABLES));
      expect(a.equals(b)).toBe(true);
      expect(a.equals(readFileSync(synthetic))).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { tablesToXlsx } from ${JSON.stringify(join(ROOT, 'dist', 'src', 'report', 'xlsx.js'))}; process.stdout.write(Buffer.from(await tablesToXlsx(${JSON.stringify(TABLES)})).toString('base64'));`,
      ],
      { env: { ...process.env, TZ: 'Pacific/Kiritimati' }, encoding: 'utf8' },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(Buffer.from(child.stdout, 'base64').equals(readFileSync(synthetic))).toBe(true);
  });

  it('as our reader sees it: header in row 1, numbers as numbers with the decimals as formats, text neutralised, Contents and Notes', async () => {
    const sheets = await readWorkbookSheets(readFileSync(synthetic));
    expect(sheets.map((s) => s.name)).toEqual(NAMES);
    const r = sheets[0];
    expect(r.rows.map((x) => x.row)).toEqual([1, 2, 3, 4]);
    expect(r.rows[0].cells.map((c) => c.text)).toEqual(['Code', 'Economy', 'IDI', 'Rank', 'Share (%)', 'Ratio', 'Note']);
    const kor = Object.fromEntries(r.rows[1].cells.map((c) => [c.ref, c]));
    expect(kor.C2).toMatchObject({ kind: 'number', value: 9.151829478869288, numFmt: '0.00' });
    expect(kor.D2).toMatchObject({ kind: 'number', value: 1, numFmt: '0' });
    expect(kor.E2).toMatchObject({ value: 12.34, numFmt: '0.0' });
    expect(kor.F2).toMatchObject({ value: 0.123456789, numFmt: '0.0000' });
    expect(kor.G2).toMatchObject({ kind: 'text', value: "'=SUM(A1:A2)" });
    expect(r.rows[2].cells.map((c) => c.ref)).toEqual(['A3', 'B3', 'C3', 'D3', 'F3', 'G3']); // the null share is an empty cell
    expect(sheets[4].rows.map((x) => x.cells.map((c) => c.value))).toEqual([
      ['Sheet', 'Title', 'Table', 'Rows', 'Notes'],
      ['Ranking', 'IDI 2017 ranking (test)', 'ranking', 3, 2],
      ['Mobile-broadband basket,', 'Mobile-broadband basket, postpaid computer-based (1 GB), 2016', 'long-1', 1, 0],
      ['Mobile-broadband basket, (2)', 'Mobile-broadband basket, postpaid computer-based (1 GB), 2017', 'long-2', 1, 1],
      ['Notes (2)', 'A table called Notes', 'notes', 2, 0],
    ]);
    expect(sheets[5].rows.map((x) => x.cells.map((c) => c.value))).toEqual([
      ['Sheet', 'Note'],
      ['Ranking', 'Method: test method.'],
      ['Ranking', "'@note that looks like a formula"],
      ['Mobile-broadband basket, (2)', 'n'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Readers we did not write

function probe(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0;
}
/**
 * Whether to run a reader's test: present, or in CI (where the test then fails on the missing reader: Debian's
 * packages are always installable there). pandas comes from pip, which only a local wheel mirror can serve: where
 * `.ci/run`'s pip install failed, its checks skip with this message, in CI too.
 */
function reader(name: string, present: boolean, install: string, fromPip = false): boolean {
  if (!present && (fromPip || !process.env.CI))
    console.warn(`SKIPPED: the ${name} checks of our workbooks (${name} is not installed here; ${install}).${fromPip ? '' : ' In CI they fail instead.'}`);
  return present || (!fromPip && !!process.env.CI);
}
const HAS = {
  pandas: probe('python3', ['-c', 'import pandas, openpyxl']),
  readxl: probe('Rscript', ['-e', 'library(readxl)']),
  soffice: probe('soffice', ['--version']),
};
const RUN = {
  pandas: reader('pandas/openpyxl', HAS.pandas, 'pip install pandas openpyxl pyarrow', true),
  readxl: reader('R readxl', HAS.readxl, 'apt-get install r-cran-readxl'),
  soffice: reader('LibreOffice', HAS.soffice, 'apt-get install libreoffice-calc-nogui'),
};

type Sheets = Record<string, { columns: string[]; types: string[]; rows: Array<Array<string | number | null>> }>;

const PANDAS = `
import json, sys, warnings
warnings.simplefilter('error')  # openpyxl's "Workbook contains no default style" and the like fail the read
import openpyxl, pandas as pd
openpyxl.load_workbook(sys.argv[1])
out = {}
for name, df in pd.read_excel(sys.argv[1], sheet_name=None).items():
    rows = [[None if pd.isna(v) else (v.item() if hasattr(v, 'item') else v) for v in r] for r in df.itertuples(index=False)]
    out[name] = {'columns': [str(c) for c in df.columns], 'types': [str(t) for t in df.dtypes], 'rows': rows}
json.dump(out, sys.stdout, ensure_ascii=False)
`;
function pandas(file: string): Sheets {
  const r = spawnSync('python3', ['-c', PANDAS, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Sheets;
}

// readxl with default arguments; values printed with 17 significant digits (exact doubles), one JSON-ish line per row.
const READXL = `
suppressMessages(library(readxl))
f <- commandArgs(TRUE)[1]
esc <- function(s) gsub('([\\\\\\\\"])', '\\\\\\\\\\\\1', s)
cell <- function(v) if (is.na(v)) 'null' else if (is.numeric(v)) sprintf('%.17g', v) else paste0('"', esc(as.character(v)), '"')
cat('{')
sheets <- excel_sheets(f)
for (i in seq_along(sheets)) {
  x <- read_excel(f, sheet = sheets[i])
  cols <- paste0('"', esc(names(x)), '"', collapse = ',')
  types <- paste0('"', sapply(x, function(c) class(c)[1]), '"', collapse = ',')
  rows <- if (nrow(x) == 0) '' else paste0(sapply(seq_len(nrow(x)), function(r) paste0('[', paste(sapply(seq_along(x), function(j) cell(x[[j]][r])), collapse = ','), ']')), collapse = ',')
  cat(if (i > 1) ',' else '', '"', esc(sheets[i]), '":{"columns":[', cols, '],"types":[', types, '],"rows":[', rows, ']}', sep = '')
}
cat('}')
`;
function readxl(file: string): Sheets {
  const r = spawnSync('Rscript', ['-e', READXL, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Sheets;
}

/** LibreOffice headless: every sheet to CSV (UTF-8, cell contents as shown), one file per sheet (LibreOffice >= 7.2). */
function libreoffice(file: string): Map<string, string[][]> {
  const out = mkdtempSync(join(tmp, 'lo-'));
  const profile = mkdtempSync(join(tmp, 'lo-profile-')); // a private profile: another soffice running on the machine is not reused
  const r = spawnSync(
    'soffice',
    [
      `-env:UserInstallation=file://${profile}`,
      '--headless',
      '--convert-to',
      'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1',
      '--outdir',
      out,
      file,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  expect(r.status, r.stderr + r.stdout).toBe(0);
  const base = file.replace(/^.*\//, '').replace(/\.xlsx$/, '');
  const sheets = new Map<string, string[][]>();
  for (const f of readdirSync(out))
    sheets.set(
      f.slice(base.length + 1, -4),
      parseCsv(readFileSync(join(out, f), 'utf8')).map((x) => x.fields),
    );
  return sheets;
}

/** The synthetic tables as a reader should see them: labels, then each row's cells (text neutralised). */
function expectedRows(t: ReportTable): Array<Array<string | number | null>> {
  return t.rows.map((r) =>
    t.columns.map((c) => {
      const v = r[c.key];
      if (v === null || v === undefined) return null;
      return typeof v === 'string' && /^[=+\-@]/.test(v) ? `'${v}` : v;
    }),
  );
}

describe.runIf(RUN.pandas)('Python pandas.read_excel and openpyxl, default arguments', () => {
  it('load without a warning; each table: row 1 the header, the rows exact, integer columns int64, numbers float64', () => {
    expect(HAS.pandas, 'pandas/openpyxl missing (pip install pandas openpyxl pyarrow)').toBe(true);
    const got = pandas(synthetic);
    expect(Object.keys(got)).toEqual(NAMES);
    const r = got.Ranking;
    expect(r.columns).toEqual(TABLES[0].columns.map((c) => c.label));
    expect(r.types.slice(2, 6)).toEqual(['float64', 'int64', 'float64', 'float64']);
    expect(r.rows).toEqual(expectedRows(TABLES[0]));
    expect(got['Mobile-broadband basket, (2)']).toEqual({ columns: ['Economies'], types: ['int64'], rows: [[191]] });
    expect(got.Contents.types.slice(3)).toEqual(['int64', 'int64']); // rows and notes counts
  });

  it('the MIS 2017 report workbook: every table sheet equals its CSV (one row per ranked economy, no notes rows, integer ranks)', () => {
    const got = pandas(report.xlsx);
    const ranking = got['IDI 2017 ranking'];
    expect(report.ranked).toBeGreaterThan(150);
    expect(ranking.rows).toHaveLength(report.ranked);
    expect(ranking.types[ranking.columns.indexOf('Rank 2017')]).toBe('int64');
    for (const [sheet, id] of report.sheetToTable) {
      const csv = parseCsv(readFileSync(join(report.dir, 'tables', `${id}.csv`), 'utf8'))
        .slice(1)
        .map((x) => x.fields);
      const rows = got[sheet].rows;
      expect(rows.length, sheet).toBe(csv.length);
      rows.forEach((row, i) =>
        row.forEach((v, j) => {
          const want = csv[i][j];
          if (v === null) expect(want, `${sheet} ${i} ${j}`).toBe('');
          else if (typeof v === 'number') expect(v, `${sheet} ${i} ${j}`).toBe(Number(want));
          else expect(v, `${sheet} ${i} ${j}`).toBe(want);
        }),
      );
    }
  }, 60_000);
});

describe.runIf(RUN.readxl)('R readxl::read_excel, default arguments', () => {
  it('each table: the header, numeric and character columns, the values exact', () => {
    expect(HAS.readxl, 'R readxl missing (apt-get install r-cran-readxl)').toBe(true);
    const got = readxl(synthetic);
    expect(Object.keys(got)).toEqual(NAMES);
    expect(got.Ranking.columns).toEqual(TABLES[0].columns.map((c) => c.label));
    expect(got.Ranking.types).toEqual(['character', 'character', 'numeric', 'numeric', 'numeric', 'numeric', 'character']);
    expect(got.Ranking.rows).toEqual(expectedRows(TABLES[0]));
    expect(got['Notes (2)'].rows).toEqual([[2.5], [0.001]]);
  });

  it("the MIS 2017 report workbook: one row per ranked economy in the ranking, every sheet's numbers equal to its CSV", () => {
    const got = readxl(report.xlsx);
    expect(got['IDI 2017 ranking'].rows).toHaveLength(report.ranked);
    for (const [sheet, id] of report.sheetToTable) {
      const csv = parseCsv(readFileSync(join(report.dir, 'tables', `${id}.csv`), 'utf8'))
        .slice(1)
        .map((x) => x.fields);
      expect(got[sheet].rows.length, sheet).toBe(csv.length);
      got[sheet].rows.forEach((row, i) =>
        row.forEach((v, j) => {
          if (typeof v === 'number') expect(v, `${sheet} ${i} ${j}`).toBe(Number(csv[i][j]));
        }),
      );
    }
  }, 60_000);
});

describe.runIf(RUN.soffice)('LibreOffice headless, every sheet to CSV as displayed', () => {
  /** A displayed number agrees with the value within the precision it is shown with. */
  const withinShown = (shown: string, value: number): boolean => {
    const d = shown.includes('.') ? shown.length - shown.indexOf('.') - 1 : 0;
    return Math.abs(Number(shown) - value) <= 0.5 * 10 ** -d * (1 + 1e-9) + Number.EPSILON * Math.abs(value);
  };

  it('the published decimals are the displayed ones; every number within its displayed precision', () => {
    expect(HAS.soffice, 'LibreOffice missing (apt-get install libreoffice-calc-nogui)').toBe(true);
    const got = libreoffice(synthetic);
    expect([...got.keys()].sort()).toEqual([...NAMES].sort());
    expect(got.get('Ranking')).toEqual([
      ['Code', 'Economy', 'IDI', 'Rank', 'Share (%)', 'Ratio', 'Note'],
      ['KOR', 'Korea (Rep. of)', '9.15', '1', '12.3', '0.1235', "'=SUM(A1:A2)"],
      ['CIV', "Côte d'Ivoire", '3.00', '2', '', '-0.0001', '中文 — العربية'],
      ['ISL', 'Iceland', '-0.50', '3', '10000000.0', '1.0000', ''],
    ]);
    expect(got.get('Notes (2)')).toEqual([['x'], ['3'], ['0']]); // decimals 0: 2.5 shown as 3, 0.001 as 0
  }, 120_000);

  it('the MIS 2017 report workbook: every sheet, every number within its displayed precision of the CSV; IDI values with 2 decimals', () => {
    const got = libreoffice(report.xlsx);
    expect(got.get('IDI 2017 ranking')![1][3]).toMatch(/^\d\.\d\d$/);
    for (const [sheet, id] of report.sheetToTable) {
      const csv = parseCsv(readFileSync(join(report.dir, 'tables', `${id}.csv`), 'utf8'))
        .slice(1)
        .map((x) => x.fields);
      const rows = got.get(sheet)!.slice(1);
      expect(rows.length, sheet).toBe(csv.length);
      rows.forEach((row, i) =>
        row.forEach((shown, j) => {
          const want = csv[i][j];
          if (want !== '' && /^-?[\d.]+(e[+-]?\d+)?$/i.test(want))
            expect(withinShown(shown, Number(want)), `${sheet} row ${i + 2} col ${j + 1}: ${shown} vs ${want}`).toBe(true);
          else expect(shown, `${sheet} row ${i + 2} col ${j + 1}`).toBe(want);
        }),
      );
    }
  }, 180_000);
});
