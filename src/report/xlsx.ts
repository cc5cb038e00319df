import type { ReportTable } from '../table/report-table.js';
import { neutraliseFormula } from '../util/csv.js';
import { deflatePart, type ZipPart, zipParts } from './zip.js';

export interface WorkbookOptions {
  /** The workbook's created/modified properties (default 2000-01-01T00:00:00Z: fixed, so that output is reproducible). */
  created?: Date;
}

/** Sheets the writer adds after the tables. */
const CONTENTS = 'Contents',
  NOTES = 'Notes';
const FIXED_DATE = new Date(Date.UTC(2000, 0, 1));

/** A sheet as the writer lays it out: columns (width, number format), row 1 the labels, then the values. */
interface Sheet {
  columns: Array<{ label: string; width: number; numFmt: string | undefined }>;
  rows: Array<Array<string | number | null>>;
}

/**
 * An Excel workbook (.xlsx, ECMA-376 SpreadsheetML) of report tables that reads cleanly in pandas, readxl,
 * openpyxl and LibreOffice with default arguments: one sheet per table with its header in row 1 (bold, frozen)
 * and nothing under the data (numbers as numbers, integer columns as integers, the table's decimals as
 * number formats, text neutralised against formula injection), then a `Contents` sheet (each sheet's
 * full title, table id and rows) and a `Notes` sheet (the method, departures, sources and vintage of
 * each table, one note a row). Written here, part by part (the cells exceljs 4.4 wrote before, with its
 * layout: shared strings, one cell style per number format and weight, column styles, styled empty cells),
 * and deflated by node:zlib: a few tens of milliseconds where exceljs took 0.6-0.8 s of CPU. Byte-identical
 * across runs: fixed document properties and entry times.
 */
export async function tablesToXlsx(tables: readonly ReportTable[], opts: WorkbookOptions = {}): Promise<Uint8Array> {
  return Promise.resolve(workbookBytes(tables, opts));
}

/** `tablesToXlsx`, synchronously. */
export function workbookBytes(tables: readonly ReportTable[], opts: WorkbookOptions = {}): Uint8Array {
  return new WorkbookWriter(opts).finish(tables);
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
/** Number formats built into SpreadsheetML (ECMA-376 Part 1, 18.8.30): referenced by id, not declared. */
const BUILTIN_FORMATS: Record<string, number> = { General: 0, '0': 1, '0.00': 2 };

/**
 * The workbook writer behind `tablesToXlsx`, for a caller with time to spare before its last table exists (the
 * report, while the sensitivity analysis runs): `prepare` lays out, writes and deflates a table's sheet at once,
 * `finish` adds the rest in the order given. The sheet XML holds no sheet name (names are given at `finish`, over
 * all tables), only ids of shared strings and cell styles, which this writer numbers in the order it meets them:
 * the cells are the same whatever was prepared, the bytes depend on what was prepared in which order.
 */
export class WorkbookWriter {
  private readonly formats = new Map<string, number>();
  private readonly xfs: Array<{ fmt: number; bold: boolean }> = [{ fmt: 0, bold: false }];
  private readonly xfIndex = new Map<string, number>([['0,false', 0]]);
  private readonly strings = new Map<string, number>();
  private stringRefs = 0;
  private readonly prepared = new Map<ReportTable, ZipPart>();

  constructor(private readonly opts: WorkbookOptions = {}) {}

  /** Write and deflate a table's sheet now; `finish` uses it where the table comes. */
  prepare(t: ReportTable): void {
    if (!this.prepared.has(t)) this.prepared.set(t, deflatePart('', this.sheetXml(tableSheet(t))));
  }

  /** The workbook of these tables, in this order, then the Contents and Notes sheets. */
  finish(tables: readonly ReportTable[]): Uint8Array {
    if (tables.length === 0) throw new Error('a workbook needs at least one table');
    // (Excel reserves "History" for its change tracking.)
    const names = sheetNames(
      tables.map((t) => t.sheet || t.title || t.id),
      [CONTENTS, NOTES, 'History'],
    );
    const sheetParts = tables.map((t) => this.prepared.get(t) ?? deflatePart('', this.sheetXml(tableSheet(t))));
    const count = { label: '', width: 8, numFmt: '0' };
    const contents: Sheet = {
      columns: [
        { label: 'Sheet', width: 34, numFmt: undefined },
        { label: 'Title', width: 90, numFmt: undefined },
        { label: 'Table', width: 30, numFmt: undefined },
        { ...count, label: 'Rows' },
        { ...count, label: 'Notes' },
      ],
      rows: tables.map((t, i) => [cellText(names[i]), cellText(t.title), cellText(t.id), t.rows.length, t.notes.length]),
    };
    const notes: Sheet = {
      columns: [
        { label: 'Sheet', width: 34, numFmt: undefined },
        { label: 'Note', width: 140, numFmt: undefined },
      ],
      rows: tables.flatMap((t, i) => t.notes.map((n) => [cellText(names[i]), cellText(n)])),
    };
    sheetParts.push(deflatePart('', this.sheetXml(contents)), deflatePart('', this.sheetXml(notes)));
    names.push(CONTENTS, NOTES);
    return this.package(names, sheetParts);
  }

  /** A cell style: 0 the default, then one per (number format, bold) pair in order of first use (header cells are bold). */
  private style(numFmt: string | undefined, bold: boolean): number {
    let fmt = numFmt === undefined ? 0 : BUILTIN_FORMATS[numFmt];
    if (fmt === undefined && numFmt !== undefined) {
      fmt = this.formats.get(numFmt) ?? 164 + this.formats.size;
      this.formats.set(numFmt, fmt);
    }
    const key = `${fmt},${bold}`;
    let s = this.xfIndex.get(key);
    if (s === undefined) {
      s = this.xfs.length;
      this.xfs.push({ fmt, bold });
      this.xfIndex.set(key, s);
    }
    return s;
  }

  private stringId(s: string): number {
    this.stringRefs++;
    let id = this.strings.get(s);
    if (id === undefined) {
      id = this.strings.size;
      this.strings.set(s, id);
    }
    return id;
  }

  /** A worksheet part: the frozen header row (bold), column widths and number formats, then the rows. */
  private sheetXml(sh: Sheet): string {
    const letters = sh.columns.map((_, j) => columnLetters(j));
    const colStyle = sh.columns.map((c) => (c.numFmt === undefined ? 0 : this.style(c.numFmt, false)));
    const headStyle = sh.columns.map((c) => this.style(c.numFmt, true));
    const boldRow = this.style(undefined, true);
    const last = `${letters[letters.length - 1] ?? 'A'}${sh.rows.length + 1}`;
    const out: string[] = [
      `${XML}<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}"><dimension ref="A1:${last}"/>`,
      '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>',
      '<sheetFormatPr defaultRowHeight="15"/>',
    ];
    // (as exceljs did: an unstyled column of width 9, its default, is left to the sheet's default width; and no
    // <cols> at all when no column is left, since the schema wants at least one <col> in it: Excel repairs an empty one)
    const cols = sh.columns.flatMap((c, j) =>
      c.width !== 9 || colStyle[j]
        ? [`<col min="${j + 1}" max="${j + 1}" width="${c.width}"${colStyle[j] ? ` style="${colStyle[j]}"` : ''} customWidth="1"/>`]
        : [],
    );
    if (cols.length) out.push('<cols>', ...cols, '</cols>');
    out.push(`<sheetData><row r="1" s="${boldRow}" customFormat="1">`);
    sh.columns.forEach((c, j) => out.push(`<c r="${letters[j]}1" s="${headStyle[j]}" t="s"><v>${this.stringId(c.label)}</v></c>`));
    out.push('</row>');
    // per column, the start of a cell (`<c r="B`) and its style attribute
    const open = letters.map((l) => `<c r="${l}`),
      style = colStyle.map((s) => (s ? ` s="${s}"` : ''));
    for (let i = 0; i < sh.rows.length; i++) {
      const row = sh.rows[i],
        r = i + 2;
      out.push(`<row r="${r}">`);
      for (let j = 0; j < row.length; j++) {
        const v = row[j];
        // an empty cell keeps its column's style (as exceljs wrote it); an unstyled one is not written
        if (v === null) {
          if (style[j]) out.push(`${open[j]}${r}"${style[j]}/>`);
        } else if (typeof v === 'number') out.push(`${open[j]}${r}"${style[j]}><v>${v}</v></c>`);
        else out.push(`${open[j]}${r}"${style[j]} t="s"><v>${this.stringId(v)}</v></c>`);
      }
      out.push('</row>');
    }
    out.push('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>');
    // (one join: no chain of concatenated strings for the collector to carry)
    return out.join('');
  }

  /** The package: the sheets given (deflated, named), the shared strings and styles met so far, the workbook and its properties. */
  private package(names: string[], sheetParts: ZipPart[]): Uint8Array {
    const sst: string[] = [`${XML}<sst xmlns="${NS_MAIN}" count="${this.stringRefs}" uniqueCount="${this.strings.size}">`];
    for (const s of this.strings.keys())
      sst.push(/^\s|\n|\s$/.test(s) ? `<si><t xml:space="preserve">${xmlText(s)}</t></si>` : `<si><t>${xmlText(s)}</t></si>`);
    sst.push('</sst>');

    const font = '<sz val="11"/><name val="Calibri"/><family val="2"/>';
    const styles =
      `${XML}<styleSheet xmlns="${NS_MAIN}">` +
      (this.formats.size
        ? `<numFmts count="${this.formats.size}">${[...this.formats].map(([code, id]) => `<numFmt numFmtId="${id}" formatCode="${xmlText(code)}"/>`).join('')}</numFmts>`
        : '') +
      `<fonts count="2"><font>${font}</font><font><b/>${font}</font></fonts>` +
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      `<cellXfs count="${this.xfs.length}">${this.xfs
        .map(
          ({ fmt, bold }) =>
            `<xf numFmtId="${fmt}" fontId="${bold ? 1 : 0}" fillId="0" borderId="0" xfId="0"${fmt ? ' applyNumberFormat="1"' : ''}${bold ? ' applyFont="1"' : ''}/>`,
        )
        .join('')}</cellXfs>` +
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>';

    const sheetEntries = names.map((name, i) => ({ name, path: `worksheets/sheet${i + 1}.xml`, rel: `rId${i + 3}` }));
    const workbook =
      `${XML}<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}"><bookViews><workbookView/></bookViews><sheets>` +
      sheetEntries.map((e, i) => `<sheet name="${xmlText(e.name)}" sheetId="${i + 1}" r:id="${e.rel}"/>`).join('') +
      '</sheets></workbook>';
    const workbookRels =
      `${XML}<Relationships xmlns="${NS_PKG_REL}">` +
      `<Relationship Id="rId1" Type="${NS_REL}/styles" Target="styles.xml"/>` +
      `<Relationship Id="rId2" Type="${NS_REL}/sharedStrings" Target="sharedStrings.xml"/>` +
      sheetEntries.map((e) => `<Relationship Id="${e.rel}" Type="${NS_REL}/worksheet" Target="${e.path}"/>`).join('') +
      '</Relationships>';
    const contentTypes =
      `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
      `<Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/>` +
      sheetEntries.map((e) => `<Override PartName="/xl/${e.path}" ContentType="${CT}.worksheet+xml"/>`).join('') +
      `<Override PartName="/xl/styles.xml" ContentType="${CT}.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="${CT}.sharedStrings+xml"/>` +
      '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
      '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>';
    const rootRels =
      `${XML}<Relationships xmlns="${NS_PKG_REL}">` +
      `<Relationship Id="rId1" Type="${NS_REL}/officeDocument" Target="xl/workbook.xml"/>` +
      `<Relationship Id="rId2" Type="${NS_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>` +
      `<Relationship Id="rId3" Type="${NS_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>`;
    const when = `${(this.opts.created ?? FIXED_DATE).toISOString().slice(0, 19)}Z`;
    const core =
      `${XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
      `<dc:creator>ictstat</dc:creator><cp:lastModifiedBy>ictstat</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified></cp:coreProperties>`;
    const app =
      `${XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">` +
      `<Application>ictstat</Application><HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>${names.length}</vt:i4></vt:variant></vt:vector></HeadingPairs>` +
      `<TitlesOfParts><vt:vector size="${names.length}" baseType="lpstr">${names.map((n) => `<vt:lpstr>${xmlText(n)}</vt:lpstr>`).join('')}</vt:vector></TitlesOfParts></Properties>`;

    const parts: Array<[string, string]> = [
      ['[Content_Types].xml', contentTypes],
      ['_rels/.rels', rootRels],
      ['docProps/app.xml', app],
      ['docProps/core.xml', core],
      ['xl/workbook.xml', workbook],
      ['xl/_rels/workbook.xml.rels', workbookRels],
      ['xl/styles.xml', styles],
      ['xl/sharedStrings.xml', sst.join('')],
    ];
    return zipParts([...parts.map(([name, xml]) => deflatePart(name, xml)), ...sheetParts.map((p, i) => ({ ...p, name: `xl/${sheetEntries[i].path}` }))]);
  }
}

/** A table as a sheet: each column's label, width (the longest of the label and the first 200 values, plus 2, at most 60) and format; text neutralised. */
function tableSheet(t: ReportTable): Sheet {
  return {
    columns: t.columns.map((c) => {
      let longest = c.label.length;
      const sample = Math.min(200, t.rows.length);
      for (let k = 0; k < sample; k++) longest = Math.max(longest, String(t.rows[k][c.key] ?? '').length);
      return {
        label: cellText(c.label),
        width: Math.min(60, longest + 2),
        numFmt: c.type === 'integer' ? '0' : c.type === 'number' ? numberFormat(c.decimals ?? 2) : undefined,
      };
    }),
    rows: t.rows.map((r) =>
      t.columns.map((c) => {
        const v = r[c.key];
        if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return null;
        if (typeof v === 'number') return v;
        return cellText(String(v));
      }),
    ),
  };
}

/** A to Z, AA to ZZ, ... for column index j (0-based). */
function columnLetters(j: number): string {
  let s = '';
  for (let n = j + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** The characters XML 1.0 cannot carry (C0 controls but TAB, LF and CR; DEL; U+FFFE and U+FFFF), dropped from text cells. */
const UNWRITABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]/g,
  HAS_UNWRITABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]/;

/**
 * A text cell or header as written: the unwritable characters dropped first, then neutralised against formula
 * injection (util/csv.ts, the one rule for CSV and XLSX), so that dropping a character cannot uncover a formula.
 */
export const cellText = (s: string): string => neutraliseFormula(HAS_UNWRITABLE.test(s) ? s.replace(UNWRITABLE, '') : s);

/**
 * Text for XML content or a quoted attribute: & < > " ' escaped; the unwritable characters dropped (as exceljs did,
 * U+FFFE and U+FFFF too); and a literal `_xHHHH_` written `_x005F_xHHHH_`, which SpreadsheetML readers decode back to
 * the text (otherwise they would read it as the escaped character). A CR is written as it is, so it reads back as LF
 * (XML's line-end rule): `_x000D_` would keep it for Excel, readxl and LibreOffice, but openpyxl, and so pandas,
 * would show those seven characters.
 */
export function xmlText(s: string): string {
  if (!/[&<>"'\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]|_x[0-9A-Fa-f]{4}_/.test(s)) return s;
  return s
    .replace(/_(?=x[0-9A-Fa-f]{4}_)/g, '_x005F_')
    .replace(UNWRITABLE, '')
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

const numberFormat = (d: number): string => (d <= 0 ? '0' : `0.${'0'.repeat(d)}`);

/**
 * Excel sheet names: at most 31 characters, none of []:*?/\ nor a control character, no leading or trailing quote, unique
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

/** Spaces and apostrophes off both ends, in any mix (" 'a' " gives "a"). */
function trimName(s: string): string {
  for (;;) {
    const t = trimQuotes(s.trim());
    if (t === s) return s;
    s = t;
  }
}

/** The first n UTF-16 units of s, one fewer where the nth would split a surrogate pair (an emoji cut in half). */
function cutUnits(s: string, n: number): string {
  if (s.length <= n) return s;
  const last = s.charCodeAt(n - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
}

export function sheetNames(titles: string[], reserved: string[] = []): string[] {
  const seen = new Set(reserved.map((r) => r.toLowerCase()));
  return titles.map((t) => {
    // (control characters too: XML 1.0 cannot carry them, and a name of nothing else would be empty)
    let base = trimName(t.replace(/[[\]:*?/\\\x00-\x1F\x7F]/g, ' ').replace(/\s+/g, ' ')) || 'Sheet';
    if (base.length > 31) {
      const cut = cutUnits(base, 31);
      const space = cut.lastIndexOf(' ');
      base = trimName(space >= 16 ? cut.slice(0, space) : cut) || 'Sheet';
    }
    let name = base;
    for (let k = 2; seen.has(name.toLowerCase()); k++) {
      const suffix = ` (${k})`;
      name = cutUnits(base, 31 - suffix.length).trimEnd() + suffix;
    }
    seen.add(name.toLowerCase());
    return name;
  });
}
