import { strToU8, zipSync } from 'fflate';
import type { ReportTable } from '../table/report-table.js';
import { neutraliseFormula } from '../util/csv.js';

/**
 * A real Office Open XML workbook (.xlsx), written directly: one sheet per table, numbers as numbers
 * with the table's decimals as the cell format, a bold frozen header row, and a notes row (sources,
 * vintage, departures) under the table. Text cells are inline strings, neutralised against formula
 * injection, so no cell is ever a formula.
 */
export function tablesToXlsx(tables: readonly ReportTable[]): Uint8Array {
  if (tables.length === 0) throw new Error('a workbook needs at least one table');
  const names = uniqueSheetNames(tables.map((t) => t.sheet || t.title || t.id));
  // Styles: 0 default, 1 bold header, 2 integer, 3.. one number format per decimals value.
  const decimals = [...new Set(tables.flatMap((t) => t.columns.filter((c) => c.type === 'number').map((c) => c.decimals ?? 2)))].sort((a, b) => a - b);
  const styleOf = (d: number): number => 3 + decimals.indexOf(d);
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(xml(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
      `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
      `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
      tables.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
      `</Types>`)),
    '_rels/.rels': strToU8(xml(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)),
    'xl/workbook.xml': strToU8(xml(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` +
      names.map((n, i) => `<sheet name="${esc(n)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') + `</sheets></workbook>`)),
    'xl/_rels/workbook.xml.rels': strToU8(xml(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      tables.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
      `<Relationship Id="rId${tables.length + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`)),
    'xl/styles.xml': strToU8(xml(`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
      `<numFmts count="${decimals.length}">${decimals.map((d, i) => `<numFmt numFmtId="${164 + i}" formatCode="${d === 0 ? '0' : '0.' + '0'.repeat(d)}"/>`).join('')}</numFmts>` +
      `<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
      `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
      `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
      `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
      `<cellXfs count="${3 + decimals.length}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
      `<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
      `<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
      decimals.map((_, i) => `<xf numFmtId="${164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`).join('') +
      `</cellXfs></styleSheet>`)),
  };
  tables.forEach((t, i) => {
    const rows: string[] = [];
    rows.push(`<row r="1">${t.columns.map((c, j) => inlineString(ref(j, 1), c.label, 1)).join('')}</row>`);
    t.rows.forEach((r, k) => {
      const n = k + 2;
      rows.push(`<row r="${n}">${t.columns.map((c, j) => {
        const v = r[c.key];
        if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
        if (typeof v === 'number') return `<c r="${ref(j, n)}" s="${c.type === 'integer' ? 2 : c.type === 'number' ? styleOf(c.decimals ?? 2) : 0}"><v>${v}</v></c>`;
        return inlineString(ref(j, n), neutraliseFormula(String(v)), 0);
      }).join('')}</row>`);
    });
    let n = t.rows.length + 3;
    for (const note of t.notes) rows.push(`<row r="${n}">${inlineString(ref(0, n++), neutraliseFormula(note), 0)}</row>`);
    const widths = t.columns.map((c) => Math.min(60, Math.max(c.label.length, ...t.rows.slice(0, 200).map((r) => String(r[c.key] ?? '').length)) + 2));
    files[`xl/worksheets/sheet${i + 1}.xml`] = strToU8(xml(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
      `<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>` +
      `<cols>${widths.map((w, j) => `<col min="${j + 1}" max="${j + 1}" width="${w}" customWidth="1"/>`).join('')}</cols>` +
      `<sheetData>${rows.join('')}</sheetData></worksheet>`));
  });
  return zipSync(files, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') });
}

const xml = (body: string): string => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
const inlineString = (r: string, s: string, style: number): string => `<c r="${r}" t="inlineStr" s="${style}"><is><t xml:space="preserve">${esc(s)}</t></is></c>`;

/** A1-style reference of column j (0-based), row n (1-based). */
export function ref(j: number, n: number): string {
  let s = '';
  for (let k = j + 1; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  return s + n;
}

/** Excel sheet names: at most 31 characters, none of []:*?/\, unique. */
function uniqueSheetNames(titles: string[]): string[] {
  const seen = new Set<string>();
  return titles.map((t) => {
    const base = t.replace(/[[\]:*?/\\]/g, ' ').trim().slice(0, 31) || 'Sheet';
    let name = base;
    for (let k = 2; seen.has(name.toLowerCase()); k++) name = `${base.slice(0, 31 - String(k).length - 1)} ${k}`;
    seen.add(name.toLowerCase());
    return name;
  });
}
