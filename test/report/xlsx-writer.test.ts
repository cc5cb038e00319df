/**
 * Our workbook writer (src/report/xlsx.ts, src/report/zip.ts) against the exceljs writer it replaced
 * (test/report/xlsx-exceljs-oracle.ts), cell by cell, as two readers we did not write see them: exceljs reading
 * and Python openpyxl. Same sheets in the same order, frozen header row, column widths, and for every cell its
 * value, type, number format and bold font — on the MIS 2017 report's tables and on random tables (fast-check).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReportTable } from '../../src/table/report-table.js';
import { buildReport } from '../../src/report/build.js';
import { sheetNames, tablesToXlsx, xmlText } from '../../src/report/xlsx.js';
import { deflatePart, tableCrc32, zipParts } from '../../src/report/zip.js';
import { exceljsWorkbook } from './xlsx-exceljs-oracle.js';

// The tables the report hands to the writer (which has prepared most sheets before), captured on the way.
const captured = vi.hoisted(() => ({ tables: [] as ReportTable[][] }));
vi.mock('../../src/report/xlsx.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/report/xlsx.js')>();
  class CapturingWriter extends m.WorkbookWriter {
    override finish(tables: readonly ReportTable[]): Uint8Array {
      captured.tables.push(structuredClone([...tables]));
      return super.finish(tables);
    }
  }
  return { ...m, WorkbookWriter: CapturingWriter };
});

const tmp = mkdtempSync(join(tmpdir(), 'ictstat-xlsx-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type CellView = [address: string, type: number, value: unknown, numFmt: string | undefined, bold: boolean];
interface SheetView {
  name: string;
  frozen: string;
  widths: Array<number | undefined>;
  cells: CellView[];
}

/** A workbook as exceljs reads it. */
async function viaExceljs(bytes: Uint8Array): Promise<SheetView[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  return wb.worksheets.map((ws) => {
    const cells: CellView[] = [];
    for (let r = 1; r <= ws.rowCount; r++)
      for (let c = 1; c <= ws.columnCount; c++) {
        const cell = ws.getCell(r, c);
        cells.push([cell.address, cell.type, cell.value, cell.numFmt, !!cell.font?.bold]);
      }
    const v = ws.views[0] as { state?: string; ySplit?: number } | undefined;
    return { name: ws.name, frozen: `${v?.state}:${v?.ySplit}`, widths: (ws.columns ?? []).map((c) => c.width), cells };
  });
}

const OPENPYXL = `
import json, sys, openpyxl
from openpyxl.utils import get_column_letter
out = []
for ws in openpyxl.load_workbook(sys.argv[1]).worksheets:
    widths = {}
    for key, d in ws.column_dimensions.items():
        for j in range(d.min or 1, (d.max or d.min or 1) + 1):
            widths[get_column_letter(j)] = d.width
    cells = [[c.coordinate, c.value, c.data_type, c.number_format, bool(c.font.b)] for row in ws.iter_rows() for c in row]
    out.append({'name': ws.title, 'frozen': ws.freeze_panes, 'widths': widths, 'cells': cells})
json.dump(out, sys.stdout, ensure_ascii=False)
`;
const HAS_OPENPYXL = spawnSync('python3', ['-c', 'import openpyxl'], { encoding: 'utf8' }).status === 0;
if (!HAS_OPENPYXL) console.warn('SKIPPED: the openpyxl comparison of our workbook writer with exceljs (pip install openpyxl).');

function viaOpenpyxl(bytes: Uint8Array, name: string): unknown {
  const file = join(tmp, `${name}.xlsx`);
  writeFileSync(file, bytes);
  const r = spawnSync('python3', ['-c', OPENPYXL, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

let reportTables: ReportTable[];
let reportWorkbook: Uint8Array;
beforeAll(async () => {
  await buildReport({ edition: 2017, out: join(tmp, 'mis-2017'), sensitivityDraws: 40 });
  expect(captured.tables).toHaveLength(1);
  reportTables = captured.tables[0];
  reportWorkbook = readFileSync(join(tmp, 'mis-2017', 'mis-2017.xlsx'));
}, 120_000);

describe('our workbook writer gives the cells exceljs wrote', () => {
  it('the MIS 2017 report (its workbook as written, sheets prepared ahead, and in one go): every sheet, width, frozen pane and cell (value, type, number format, bold), read by exceljs', async () => {
    expect(reportTables.map((t) => t.id)).toContain('idi-sensitivity');
    const theirs = await viaExceljs(await exceljsWorkbook(reportTables));
    for (const bytes of [reportWorkbook, await tablesToXlsx(reportTables)]) {
      const ours = await viaExceljs(bytes);
      expect(ours.map((s) => s.name)).toEqual(theirs.map((s) => s.name));
      expect(ours.length).toBe(reportTables.length + 2);
      expect(ours.reduce((n, s) => n + s.cells.length, 0)).toBeGreaterThan(5000);
      for (let i = 0; i < ours.length; i++) expect(ours[i], ours[i].name).toEqual(theirs[i]);
    }
  }, 60_000);

  it.runIf(HAS_OPENPYXL)(
    'the MIS 2017 report, read by openpyxl',
    async () => {
      const theirs = viaOpenpyxl(await exceljsWorkbook(reportTables), 'theirs');
      expect(viaOpenpyxl(reportWorkbook, 'ours')).toEqual(theirs);
      expect(viaOpenpyxl(await tablesToXlsx(reportTables), 'ours-one-go')).toEqual(theirs);
    },
    60_000,
  );

  // Text of every kind the writer must escape, drop (C0 controls, DEL) or keep (TAB, LF; spaces at the ends; CR is
  // written as it is, and reads back as LF: tested apart, below).
  const text = fc.string({
    unit: fc.constantFrom('a', 'Z', ' ', '\t', '\n', '\r', '=', '-', '+', '@', "'", '"', '&', '<', '>', '\u0001', '\u007f', 'é', '中', '😀', '_', '0', '.'),
    maxLength: 12,
  });
  const num = fc.oneof(fc.double(), fc.integer({ min: -1e6, max: 1e6 }), fc.constantFrom(0, -0, 1e-7, 1e21, 0.1 + 0.2));
  const table = fc
    .record({
      id: text,
      title: text,
      sheet: fc.option(text, { nil: undefined }),
      cols: fc.array(
        fc.record({ label: text, type: fc.constantFrom('text', 'number', 'integer'), decimals: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) }),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
      rows: fc.array(fc.array(fc.oneof(text, num, fc.constant(null)), { minLength: 5, maxLength: 5 }), { maxLength: 6 }),
      notes: fc.array(text, { maxLength: 3 }),
    })
    .map(
      (t): ReportTable => ({
        id: t.id,
        title: t.title,
        sheet: t.sheet,
        columns: t.cols.map((c, j) => ({ key: `k${j}`, label: c.label, type: c.type as 'text', decimals: c.decimals })),
        rows: t.rows.map((r) => Object.fromEntries(t.cols.map((_, j) => [`k${j}`, r[j]]))),
        notes: t.notes,
      }),
    );

  it('random tables: the same as exceljs wrote, read by exceljs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(table, { minLength: 1, maxLength: 3 }), async (tables) => {
        expect(await viaExceljs(await tablesToXlsx(tables))).toEqual(await viaExceljs(await exceljsWorkbook(tables)));
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it.runIf(HAS_OPENPYXL)(
    'random tables, read by openpyxl (one workbook of many)',
    async () => {
      const tables = fc.sample(table, { numRuns: 25, seed: 14 });
      expect(viaOpenpyxl(await tablesToXlsx(tables), 'r-ours')).toEqual(viaOpenpyxl(await exceljsWorkbook(tables), 'r-theirs'));
    },
    60_000,
  );
});

describe('what exceljs got wrong or left to the archive', () => {
  it('text that looks like an OOXML escape (_x0041_) reads back as written (exceljs read it as "A")', async () => {
    const t: ReportTable = { id: 't', title: 'T', columns: [{ key: 'a', label: '_x0041_', type: 'text' }], rows: [{ a: 'a_x00e9_b _X0041_' }], notes: [] };
    const [sheet] = await viaExceljs(await tablesToXlsx([t]));
    expect(sheet.cells.map((c) => c[2])).toEqual(['_x0041_', 'a_x00e9_b _X0041_']);
    expect(xmlText('_x0041_&<')).toBe('_x005F_x0041_&amp;&lt;');
  });

  it('text: CR reads back as LF (XML line ends), U+FFFE/U+FFFF are dropped (XML cannot carry them), and it is neutralised after the drop, headers too', async () => {
    const t: ReportTable = {
      id: 't',
      title: 'T',
      columns: [
        { key: 'a', label: '=1+1', type: 'text' },
        { key: 'b', label: 'b', type: 'text' },
      ],
      rows: [
        { a: 'a\rb', b: 'c\r\nd' },
        { a: 'x\uFFFFy\uFFFE', b: '\u0001=1+1' },
      ],
      notes: [],
    };
    const bytes = await tablesToXlsx([t]);
    const [sheet] = await viaExceljs(bytes);
    expect(sheet.cells.map((c) => c[2])).toEqual(["'=1+1", 'b', 'a\nb', 'c\nd', 'xy', "'=1+1"]);
    if (HAS_OPENPYXL) {
      const [o] = viaOpenpyxl(bytes, 'cr') as Array<{ cells: unknown[][] }>;
      expect(o.cells.map((c) => c[1])).toEqual(["'=1+1", 'b', 'a\nb', 'c\nd', 'xy', "'=1+1"]);
    }
  });

  it('no empty <cols> (the schema wants one <col> at least; Excel repairs the file): a sheet of default-width text columns has none', async () => {
    const t: ReportTable = { id: 't', title: 'T', columns: [{ key: 'a', label: 'Economy', type: 'text' }], rows: [{ a: 'KEN' }], notes: [] };
    const sheet1 = Buffer.from(unzipSync(await tablesToXlsx([t]))['xl/worksheets/sheet1.xml']).toString('utf8');
    expect(sheet1).toContain('<sheetData>');
    expect(sheet1).not.toContain('<cols>');
    const sheet2 = Buffer.from(unzipSync(await tablesToXlsx([{ ...t, rows: [{ a: 'a longer value' }] }]))['xl/worksheets/sheet1.xml']).toString('utf8');
    expect(sheet2).toMatch(/<cols><col min="1" max="1" width="16" customWidth="1"\/><\/cols>/);
  });

  it('sheet names cut at 31 UTF-16 units never split a surrogate pair, with or without a " (2)" suffix', () => {
    const long = `${'a'.repeat(30)}😀 tail`;
    const [one, two] = sheetNames([long, long]);
    expect(one).toBe('a'.repeat(30));
    expect(two).toBe(`${'a'.repeat(27)} (2)`);
    const names = sheetNames([`${'b'.repeat(26)}😀😀😀`, `${'b'.repeat(26)}😀😀😀`]);
    for (const n of names) expect(n.length <= 31 && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(n), n).toBe(true);
  });

  it('a ZIP archive of 65,535 parts or more is refused (0xFFFF entries is the ZIP64 marker)', () => {
    const part = deflatePart('p', '');
    expect(() => zipParts(Array.from({ length: 0xffff }, (_, i) => ({ ...part, name: `p${i}` })))).toThrow(/65,534 parts/);
    expect(zipParts(Array.from({ length: 3 }, (_, i) => ({ ...part, name: `p${i}` }))).length).toBeGreaterThan(0);
  });

  it('the archive: every part inflates to what was given, CRCs agree with zlib and with the table-driven CRC, fixed times', () => {
    const parts: Array<[string, string]> = [
      ['a.xml', '<a/>'],
      ['dir/b.txt', 'é'.repeat(5000)],
      ['empty', ''],
    ];
    const zip = zipParts(parts.map(([name, content]) => deflatePart(name, content)));
    const back = unzipSync(zip);
    for (const [name, content] of parts) expect(Buffer.from(back[name]).toString('utf8')).toBe(content);
    // fflate does not check CRCs: read each central-directory entry's CRC and sizes and check them here
    const z = Buffer.from(zip);
    const end = z.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(z.readUInt16LE(end + 10)).toBe(parts.length);
    for (let at = z.readUInt32LE(end + 16), k = 0; k < parts.length; k++) {
      expect(z.readUInt32LE(at)).toBe(0x02014b50);
      const nameLength = z.readUInt16LE(at + 28);
      const name = z.subarray(at + 46, at + 46 + nameLength).toString('utf8');
      expect(z.readUInt32LE(at + 16), name).toBe(zlib.crc32(back[name]) >>> 0);
      expect(z.readUInt32LE(at + 24), name).toBe(back[name].length);
      at += 46 + nameLength;
    }
    expect(Buffer.from(zipParts(parts.map(([name, content]) => deflatePart(name, content)))).equals(Buffer.from(zip))).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(tableCrc32(bytes)).toBe(zlib.crc32(bytes) >>> 0);
      }),
    );
    // DOS date 2000-01-01, time 00:00 in every local header
    expect(Buffer.from(zip).readUInt16LE(12)).toBe((20 << 9) | (1 << 5) | 1);
    expect(Buffer.from(zip).readUInt16LE(10)).toBe(0);
  });
});
