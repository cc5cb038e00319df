import type ExcelJSModule from 'exceljs';
import { unzipSync, zipSync } from 'fflate';
import type { ReportTable } from '../table/report-table.js';
import { neutraliseFormula } from '../util/csv.js';
import { importVendored } from './vendor.js';

type ExcelJSType = typeof ExcelJSModule;

export interface WorkbookOptions {
  /** The workbook's created/modified properties (default 2000-01-01T00:00:00Z: fixed, so that output is reproducible). */
  created?: Date;
}

/** Sheets the writer adds after the tables. */
const CONTENTS = 'Contents',
  NOTES = 'Notes';
const FIXED_DATE = new Date(Date.UTC(2000, 0, 1));

/**
 * An Excel workbook (.xlsx) of report tables, written by exceljs, that reads cleanly in pandas, readxl,
 * openpyxl and LibreOffice with default arguments: one sheet per table with its header in row 1 and
 * nothing under the data (numbers as numbers, integer columns as integers, the table's decimals as
 * number formats, text neutralised against formula injection), then a `Contents` sheet (each sheet's
 * full title, table id and rows) and a `Notes` sheet (the method, departures, sources and vintage of
 * each table, one note a row). Byte-identical across runs: fixed document properties, and the archive
 * re-packed with fixed entry timestamps (exceljs's zip library stamps every entry with the clock).
 */
export async function tablesToXlsx(tables: readonly ReportTable[], opts: WorkbookOptions = {}): Promise<Uint8Array> {
  if (tables.length === 0) throw new Error('a workbook needs at least one table');
  // (Excel reserves "History" for its change tracking.)
  const names = sheetNames(
    tables.map((t) => t.sheet || t.title || t.id),
    [CONTENTS, NOTES, 'History'],
  );
  const ExcelJS = await excelJs();
  const wb = new ExcelJS.Workbook();
  wb.creator = 'ictstat';
  wb.lastModifiedBy = 'ictstat';
  wb.created = wb.modified = opts.created ?? FIXED_DATE;

  tables.forEach((t, i) => {
    const ws = wb.addWorksheet(names[i], { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = t.columns.map((c) => ({
      key: c.key,
      header: c.label,
      width: Math.min(60, Math.max(c.label.length, ...t.rows.slice(0, 200).map((r) => String(r[c.key] ?? '').length)) + 2),
      style: c.type === 'integer' ? { numFmt: '0' } : c.type === 'number' ? { numFmt: numberFormat(c.decimals ?? 2) } : {},
    }));
    ws.getRow(1).font = { bold: true };
    for (const r of t.rows) {
      ws.addRow(
        t.columns.map((c) => {
          const v = r[c.key];
          if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return null;
          if (typeof v === 'number') return v;
          return neutraliseFormula(String(v));
        }),
      );
    }
  });

  const contents = wb.addWorksheet(CONTENTS, { views: [{ state: 'frozen', ySplit: 1 }] });
  contents.columns = [
    { header: 'Sheet', width: 34 },
    { header: 'Title', width: 90 },
    { header: 'Table', width: 30 },
    { header: 'Rows', width: 8, style: { numFmt: '0' } },
    { header: 'Notes', width: 8, style: { numFmt: '0' } },
  ];
  contents.getRow(1).font = { bold: true };
  tables.forEach((t, i) => contents.addRow([neutraliseFormula(names[i]), neutraliseFormula(t.title), neutraliseFormula(t.id), t.rows.length, t.notes.length]));

  const notes = wb.addWorksheet(NOTES, { views: [{ state: 'frozen', ySplit: 1 }] });
  notes.columns = [
    { header: 'Sheet', width: 34 },
    { header: 'Note', width: 140 },
  ];
  notes.getRow(1).font = { bold: true };
  tables.forEach((t, i) => {
    for (const n of t.notes) notes.addRow([neutraliseFormula(names[i]), neutraliseFormula(n)]);
  });

  // exceljs stores (its zip library would stamp the time), then the entries are deflated again in the same
  // order with a fixed time. The Date is built from local fields: ZIP times are local, so any zone gives the same bytes.
  const stored = new Uint8Array(await wb.xlsx.writeBuffer({ zip: { compression: 'STORE' } } as ExcelJSModule.XlsxWriteOptions));
  const parts = Object.entries(unzipSync(stored)).filter(([name]) => !name.endsWith('/'));
  return zipSync(Object.fromEntries(parts), { level: 6, mtime: new Date(2000, 0, 1, 0, 0, 0) });
}

let excel: Promise<ExcelJSType> | undefined;
/** exceljs, loaded on first use (its single-file bundle when built: src/report/vendor.ts). */
const excelJs = (): Promise<ExcelJSType> => (excel ??= importVendored<{ default: ExcelJSType }>('exceljs', () => import('exceljs')).then((m) => m.default));

const numberFormat = (d: number): string => (d <= 0 ? '0' : `0.${'0'.repeat(d)}`);

/**
 * Excel sheet names: at most 31 characters, none of []:*?/\ and no leading or trailing quote, unique
 * (case-insensitive, the writer's own sheets reserved). A name that is too long is cut at a word boundary;
 * a collision gets " (2)", " (3)"... within the 31 characters. The full title is on the Contents sheet.
 */
/** Leading and trailing apostrophes off (Excel refuses them in sheet names); a loop, linear whatever the text. */
function trimQuotes(s: string): string {
  let a = 0,
    b = s.length;
  while (a < b && s.charCodeAt(a) === 39) a++;
  while (b > a && s.charCodeAt(b - 1) === 39) b--;
  return s.slice(a, b);
}

export function sheetNames(titles: string[], reserved: string[] = []): string[] {
  const seen = new Set(reserved.map((r) => r.toLowerCase()));
  return titles.map((t) => {
    let base = trimQuotes(t.replace(/[[\]:*?/\\]/g, ' ').replace(/\s+/g, ' ')).trim() || 'Sheet';
    if (base.length > 31) {
      const cut = base.slice(0, 31);
      const space = cut.lastIndexOf(' ');
      base = (space >= 16 ? cut.slice(0, space) : cut).trim();
    }
    let name = base;
    for (let k = 2; seen.has(name.toLowerCase()); k++) {
      const suffix = ` (${k})`;
      name = base.slice(0, 31 - suffix.length).trimEnd() + suffix;
    }
    seen.add(name.toLowerCase());
    return name;
  });
}
