import ExcelJS from 'exceljs';
import { parseCsv } from '../../src/util/csv-parse.js';

export type CellInput =
  | string
  | number
  | boolean
  | Date
  | null
  | undefined
  | { formula: string; result?: number | string }
  | { richText: Array<{ text: string }> };

export interface SheetSpec {
  name: string;
  rows: CellInput[][];
  /** Rows above the table (titles, a questionnaire's economy and year). */
  merges?: string[];
  state?: 'visible' | 'hidden' | 'veryHidden';
  /** Cell formats by A1 reference (e.g. a date format). */
  numFmt?: Record<string, string>;
  italic?: string[];
  protect?: boolean;
}

/** A workbook written by exceljs (what a statistician's spreadsheet program would save). */
export async function workbook(sheets: SheetSpec[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name, { state: s.state ?? 'visible' });
    s.rows.forEach((r, i) => {
      r.forEach((v, j) => {
        if (v === undefined || v === null) return;
        // As Excel saves it: a carriage return escaped (XML would turn CR LF into LF), a literal "_x" too.
        ws.getCell(i + 1, j + 1).value = (typeof v === 'string' ? v.replace(/_x/g, '_x005F_x').replace(/\r/g, '_x000D_') : v) as ExcelJS.CellValue;
      });
    });
    for (const m of s.merges ?? []) ws.mergeCells(m);
    for (const [ref, fmt] of Object.entries(s.numFmt ?? {})) ws.getCell(ref).numFmt = fmt;
    for (const ref of s.italic ?? []) ws.getCell(ref).font = { italic: true };
    if (s.protect) await ws.protect('', { selectLockedCells: true, selectUnlockedCells: true });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A CSV file's records as sheet rows: numeric fields become number cells, as a spreadsheet program reads them. */
export function csvToRows(text: string): CellInput[][] {
  return parseCsv(text).map((r) =>
    r.fields.map((f) => (f !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(f) && Number.isFinite(Number(f)) ? Number(f) : f === '' ? null : f)),
  );
}
