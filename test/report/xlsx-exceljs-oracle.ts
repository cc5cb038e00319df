/**
 * The report's workbook writer as it was until session 6 (exceljs 4.4 writing, fflate re-packing with fixed
 * times), kept as the oracle of test/report/xlsx-writer.test.ts: our own writer must give the same cells, types,
 * number formats, fonts, column widths, frozen panes and sheets, as readers we did not write see them. Its text goes
 * through the writer's `cellText` (headers too, as since the review of session 6), so that the two differ only in how
 * they write it.
 */
import ExcelJS from 'exceljs';
import { unzipSync, zipSync } from 'fflate';
import type { ReportTable } from '../../src/table/report-table.js';
import { cellText } from '../../src/report/xlsx.js';
import { sheetNames } from '../../src/report/xlsx.js';

const numberFormat = (d: number): string => (d <= 0 ? '0' : `0.${'0'.repeat(d)}`);

export async function exceljsWorkbook(tables: readonly ReportTable[]): Promise<Uint8Array> {
  const names = sheetNames(
    tables.map((t) => t.sheet || t.title || t.id),
    ['Contents', 'Notes', 'History'],
  );
  const wb = new ExcelJS.Workbook();
  wb.creator = 'ictstat';
  wb.lastModifiedBy = 'ictstat';
  wb.created = wb.modified = new Date(Date.UTC(2000, 0, 1));
  tables.forEach((t, i) => {
    const ws = wb.addWorksheet(names[i], { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = t.columns.map((c) => ({
      key: c.key,
      header: cellText(c.label),
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
          return cellText(String(v));
        }),
      );
    }
  });
  const contents = wb.addWorksheet('Contents', { views: [{ state: 'frozen', ySplit: 1 }] });
  contents.columns = [
    { header: 'Sheet', width: 34 },
    { header: 'Title', width: 90 },
    { header: 'Table', width: 30 },
    { header: 'Rows', width: 8, style: { numFmt: '0' } },
    { header: 'Notes', width: 8, style: { numFmt: '0' } },
  ];
  contents.getRow(1).font = { bold: true };
  tables.forEach((t, i) => contents.addRow([cellText(names[i]), cellText(t.title), cellText(t.id), t.rows.length, t.notes.length]));
  const notes = wb.addWorksheet('Notes', { views: [{ state: 'frozen', ySplit: 1 }] });
  notes.columns = [
    { header: 'Sheet', width: 34 },
    { header: 'Note', width: 140 },
  ];
  notes.getRow(1).font = { bold: true };
  tables.forEach((t, i) => {
    for (const n of t.notes) notes.addRow([cellText(names[i]), cellText(n)]);
  });
  const stored = new Uint8Array(await wb.xlsx.writeBuffer({ zip: { compression: 'STORE' } } as ExcelJS.XlsxWriteOptions));
  const parts = Object.entries(unzipSync(stored)).filter(([name]) => !name.endsWith('/'));
  return zipSync(Object.fromEntries(parts), { level: 6, mtime: new Date(2000, 0, 1, 0, 0, 0) });
}
