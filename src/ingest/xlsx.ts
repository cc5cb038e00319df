/**
 * Excel workbooks (.xlsx) in: every sheet read through exceljs (maintained, MIT, reads and writes the
 * format; see the README) after the ZIP gate of `zip-guard.ts`, as rows of cells with their references,
 * then fed to the same layouts and validator as CSV. A workbook is read whole (a ZIP archive has its
 * directory at the end), so its size, cells and shared strings are capped instead of streamed.
 */
import ExcelJS from 'exceljs';
import { columnLetters, parseRange } from '../util/a1.js';
import type { Finding, FindingLog, Rule } from './findings.js';
import { detectCsvLayout, type CsvLayout, type LayoutFormat, type LayoutOptions, type RawObservation } from './layouts.js';
import { DEFAULT_ZIP_LIMITS, WorkbookRefused, checkedWorkbookParts, repackStored, type ZipLimits } from './zip-guard.js';

export { DEFAULT_ZIP_LIMITS, WorkbookRefused, type ZipLimits } from './zip-guard.js';

/** One non-empty cell: its reference, its value as exceljs typed it, and the text the layouts read. */
export interface SheetCell {
  /** 1-based column. */
  col: number;
  ref: string;
  kind: 'number' | 'text' | 'date' | 'boolean' | 'error' | 'formula-without-value';
  value: number | string | boolean | Date | null;
  /** The text a CSV cell would hold: numbers in full precision, cached formula results, ISO dates. */
  text: string;
  italic: boolean;
  numFmt?: string;
  /** The top-left cell of the merged range this cell belongs to (its value is the master's). */
  mergedFrom?: string;
}

export interface SheetRow {
  /** 1-based row number. */
  row: number;
  /** Non-empty cells, in column order. */
  cells: SheetCell[];
}

export interface WorkbookSheet {
  name: string;
  /** 0-based position in the workbook. */
  index: number;
  state: 'visible' | 'hidden' | 'veryHidden';
  rows: SheetRow[];
  /** Merged ranges, e.g. "B1:D1". */
  merges: string[];
}

/**
 * Read a workbook's sheets as rows of cells with their references. The bytes pass the ZIP gate first;
 * a hostile or damaged workbook throws `WorkbookRefused` (its `rule` is a finding rule).
 */
export async function readWorkbookSheets(bytes: Uint8Array, limits: Partial<ZipLimits> = {}): Promise<WorkbookSheet[]> {
  const parts = checkedWorkbookParts(bytes, { ...DEFAULT_ZIP_LIMITS, ...limits });
  // exceljs finds worksheets by their part name (xl/worksheets/sheetN.xml) and would skip others silently.
  for (const name of parts.keys())
    if (/^\/?xl\/worksheets\/[^/]+\.xml$/i.test(name) && !/^\/?xl\/worksheets\/sheet\d+\.xml$/.test(name))
      throw new WorkbookRefused(
        'bad-xlsx',
        `the worksheet part ${name} is not named xl/worksheets/sheetN.xml, so its sheet cannot be read; open the workbook in Excel or LibreOffice and save it again`,
      );
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(repackStored(parts)) as unknown as ExcelJS.Buffer);
  } catch (e) {
    throw new WorkbookRefused('bad-xlsx', `exceljs cannot read the workbook: ${(e as Error).message}`);
  }
  return wb.worksheets.map((ws, index) => {
    const merges = ((ws.model as { merges?: string[] }).merges ?? []).slice();
    const rows: SheetRow[] = [];
    ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const cells: SheetCell[] = [];
      row.eachCell({ includeEmpty: false }, (cell, col) => {
        const c = toCell(cell, col);
        if (c) cells.push(c);
      });
      if (cells.length) rows.push({ row: rowNumber, cells });
    });
    return { name: ws.name, index, state: (ws.state ?? 'visible') as WorkbookSheet['state'], rows, merges };
  });
}

function toCell(cell: ExcelJS.Cell, col: number): SheetCell | undefined {
  const merged = cell.isMerged && cell.master.address !== cell.address ? cell.master.address : undefined;
  const source = merged ? cell.master : cell;
  const base = { col, ref: cell.address, italic: !!source.font?.italic, numFmt: source.numFmt || undefined, mergedFrom: merged };
  let v: unknown = source.value;
  let formula = false;
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    if ('formula' in o || 'sharedFormula' in o) {
      formula = true;
      v = o.result;
    } else if ('richText' in o) v = (o.richText as Array<{ text: string }>).map((r) => r.text).join('');
    else if ('hyperlink' in o)
      v = typeof o.text === 'string' ? o.text : ((o.text as { richText?: Array<{ text: string }> })?.richText?.map((r) => r.text).join('') ?? '');
  }
  if (v !== null && typeof v === 'object' && !(v instanceof Date) && 'error' in (v as object)) {
    const err = String((v as { error: string }).error);
    return { ...base, kind: 'error', value: err, text: err };
  }
  if (v === undefined || v === null) return formula ? { ...base, kind: 'formula-without-value', value: null, text: '' } : undefined;
  if (typeof v === 'number') return { ...base, kind: 'number', value: v, text: String(v) };
  if (typeof v === 'boolean') return { ...base, kind: 'boolean', value: v, text: v ? 'TRUE' : 'FALSE' };
  if (v instanceof Date) return { ...base, kind: 'date', value: v, text: isoDate(v) };
  const s = unescapeXstring(String(v));
  return s === '' ? undefined : { ...base, kind: 'text', value: s, text: s };
}

/**
 * ECMA-376 escapes characters XML cannot hold as `_xHHHH_` (Excel writes a carriage return as `_x000D_`,
 * and a literal `_x` as `_x005F_x`); exceljs leaves them as they are.
 */
function unescapeXstring(s: string): string {
  return s.includes('_x') ? s.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))) : s;
}

/** A date cell as ISO text: the day, with the time when it is not midnight (exceljs reads dates as UTC). */
function isoDate(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ');
}

/**
 * The `line` of an observation read from a workbook: sheet position x 2^20 + row (Excel has at most 2^20
 * rows), so that rows of different sheets never share a line and the first sheet's lines are its rows.
 */
export const SHEET_LINE_SPAN = 1 << 20;

export type WorkbookLayout = LayoutFormat;

export interface SheetSummary {
  name: string;
  state: WorkbookSheet['state'];
  /** The layout the sheet was read in; null when it was skipped. */
  layout: WorkbookLayout | null;
  /** Row of the header (1-based), when a layout was found. */
  headerRow?: number;
  /** A cover sheet: it gives the questionnaire sheets their economy and reference year. */
  cover?: boolean;
  observations: number;
}

/** Workbook findings that make the submission unusable as a whole (with those of every format). */
type Fatal = (rule: Rule, message: string, where?: Partial<Finding>) => void;

/** How many rows from the top of a sheet may precede its header (titles, a questionnaire's economy and year). */
const HEADER_SEARCH_ROWS = 30;

/**
 * Feed every visible sheet of a workbook to `accept`, in the layout found in its header row; set the
 * log's locator so that findings name the sheet and cell. Returns what was done with each sheet.
 */
export function readWorkbookObservations(
  sheets: WorkbookSheet[],
  opts: LayoutOptions,
  log: FindingLog,
  accept: (raw: RawObservation) => void,
  fatal: Fatal,
): SheetSummary[] {
  const { file } = opts;
  // Per sheet: header name -> column, and the fixed cells of a questionnaire (economy, year).
  const columnsOf = new Map<number, { names: Map<string, number>; fixed: Map<string, MetaCell> }>();
  const indexOf = new Map(sheets.map((s) => [s.name, s.index]));
  log.locate = (f) => {
    if (f.sheet !== undefined) return (indexOf.get(f.sheet) ?? 0) * SHEET_LINE_SPAN + (f.line ?? 0);
    if (f.line === undefined) return 0;
    const key = f.line;
    const index = Math.floor(f.line / SHEET_LINE_SPAN),
      row = f.line % SHEET_LINE_SPAN;
    const s = sheets[index];
    if (!s) return key;
    f.sheet = s.name;
    f.line = row;
    const cols = columnsOf.get(index);
    if (f.column !== undefined && cols) {
      const fixed = cols.fixed.get(f.column);
      const c = cols.names.get(f.column);
      if (fixed) Object.assign(f, { sheet: fixed.sheet, cell: fixed.ref, line: fixed.row });
      else if (c !== undefined && row > 0) f.cell = `${columnLetters(c)}${row}`;
    }
    return key;
  };
  // One economy and reference year per workbook: a questionnaire sheet without its own header cells takes
  // them from the first sheet that has them (a cover sheet).
  // (A data sheet's header row, "economy | indicator | year", is no such cell.)
  const visibleTops = sheets
    .filter((s) => s.state === 'visible')
    .map((s) => ({ sheet: s.name, rows: s.rows.slice(0, HEADER_SEARCH_ROWS).filter((r) => !detectCsvLayout(rowTexts(r), opts)) }));
  const cover = {
    economy: visibleTops.map((t) => metaCell(t.sheet, t.rows, ECONOMY_LABEL)).find(Boolean),
    year: visibleTops.map((t) => metaCell(t.sheet, t.rows, YEAR_LABEL)).find(Boolean),
  };
  const summaries: SheetSummary[] = [];
  let firstProblem: (() => void) | undefined;
  const skipped: Array<{ sheet: string; row?: number }> = [];
  const coverSheets = new Set<string>();
  for (const sheet of sheets) {
    const summary: SheetSummary = { name: sheet.name, state: sheet.state, layout: null, observations: 0 };
    summaries.push(summary);
    const at = (row: number): number => sheet.index * SHEET_LINE_SPAN + row;
    if (sheet.state !== 'visible') {
      log.add({
        severity: 'info',
        rule: 'hidden-sheet',
        file,
        sheet: sheet.name,
        message: `the ${sheet.state === 'veryHidden' ? 'very hidden' : 'hidden'} sheet "${sheet.name}" is not read (unhide it to submit its data)`,
      });
      continue;
    }
    if (sheet.rows.length === 0) continue;
    const found = findHeader(sheet, opts, cover);
    if (!('layout' in found)) {
      const problem = found;
      if (problem.rule === 'unknown-format') {
        skipped.push({ sheet: sheet.name, row: problem.row });
        firstProblem ??= () =>
          fatal('unknown-format', `no sheet has a header row that matches a supported layout; expected ${WORKBOOK_LAYOUTS}`, { sheet: sheet.name });
      } else fatal(problem.rule, problem.message, { sheet: sheet.name, line: problem.row, cell: problem.cell, column: problem.column });
      continue;
    }
    const { layout, headerRow, width, names, fixed } = found;
    columnsOf.set(sheet.index, { names, fixed });
    for (const m of fixed.values()) if (m.sheet !== sheet.name) coverSheets.add(m.sheet);
    summary.layout = layout.format;
    summary.headerRow = headerRow;

    // Merged cells: one across the header is fatal for the sheet; across columns of a data row the value
    // would be repeated into every column (into every year of a wide sheet): an error; down one column
    // (an economy written once for several rows) the value fills the rows, as a reader expects.
    const mergeRows = new Map<number, string>();
    let headerMerged = false;
    for (const m of sheet.merges) {
      const r = parseRange(m);
      if (!r || r.bottom < headerRow) continue; // titles above the header
      if (r.top <= headerRow) {
        fatal('merged-header', `merged header cells ${m}: unmerge them and give each column its own name`, {
          sheet: sheet.name,
          line: headerRow,
          cell: `${columnLetters(r.left)}${headerRow}`,
          value: m,
        });
        headerMerged = true;
      } else if (r.right > r.left) {
        for (let row = r.top; row <= r.bottom; row++) if (!mergeRows.has(row)) mergeRows.set(row, m);
      }
    }
    if (headerMerged) continue;

    let emitted = 0;
    const count = (raw: RawObservation): void => {
      emitted++;
      accept(raw);
    };
    for (const row of sheet.rows) {
      if (row.row <= headerRow) continue;
      const merge = mergeRows.get(row.row);
      if (merge) {
        const r = parseRange(merge)!;
        log.add({
          severity: 'error',
          rule: 'merged-cell',
          file,
          sheet: sheet.name,
          line: row.row,
          cell: `${columnLetters(r.left)}${row.row}`,
          value: merge,
          message: `cells merged across columns (${merge}): the value would be read into every column; unmerge them`,
        });
        continue;
      }
      const fields: string[] = new Array(width).fill('');
      let outside: SheetCell | undefined;
      for (const c of row.cells) {
        if (c.col <= width) fields[c.col - 1] = c.text;
        else outside ??= c;
        if (c.kind === 'formula-without-value' && c.col <= width)
          log.add({
            severity: 'warning',
            rule: 'formula-without-value',
            file,
            sheet: sheet.name,
            line: row.row,
            cell: c.ref,
            message:
              'a formula without a cached value (the workbook was saved without calculating): read as empty; open it in Excel or LibreOffice and save it again',
          });
        // 45.3% typed into a percentage cell is stored as 0.453: the stored value is read, not the one shown.
        if (c.kind === 'number' && c.col <= width && c.numFmt?.includes('%')) {
          const shown = +((c.value as number) * 100).toPrecision(12);
          log.add({
            severity: 'warning',
            rule: 'unit-hint',
            file,
            sheet: sheet.name,
            line: row.row,
            cell: c.ref,
            value: c.text,
            message: `the cell is formatted as a percentage: its value is ${c.text} (shown as ${shown}%); percentages are submitted as numbers such as ${shown}`,
          });
        }
      }
      if (outside)
        log.add({
          severity: 'warning',
          rule: 'cell-outside-table',
          file,
          sheet: sheet.name,
          line: row.row,
          cell: outside.ref,
          value: outside.text,
          message: "a value right of the header's last column is not read",
        });
      if (fields.every((f) => f.trim() === '')) continue;
      layout.read(fields, at(row.row), count);
    }
    summary.observations = emitted;
  }
  for (const s of summaries) if (coverSheets.has(s.name)) s.cover = true;
  for (const k of skipped)
    if (!coverSheets.has(k.sheet))
      log.add({
        severity: 'warning',
        rule: 'sheet-skipped',
        file,
        sheet: k.sheet,
        line: k.row,
        message: `no header row in the first ${HEADER_SEARCH_ROWS} rows matches a supported layout: the sheet is not read`,
      });
  if (summaries.every((s) => s.layout === null)) {
    const visible = summaries.some((s) => s.state === 'visible');
    if (firstProblem) firstProblem();
    else if (log.errors === 0)
      fatal(visible ? 'empty-file' : 'no-data-rows', visible ? 'every sheet of the workbook is empty' : 'the workbook has no visible sheet');
  }
  return summaries;
}

export const WORKBOOK_LAYOUTS =
  'canonical long, ITU DataHub export, World Bank long or wide (as in CSV, header row within the first 30 rows), ' +
  'or the questionnaire layout (a header row with "Code" and "Answer" columns, the economy and the reference year in header cells above it)';

type HeaderFound = { layout: CsvLayout; headerRow: number; width: number; names: Map<string, number>; fixed: Map<string, MetaCell> };
/** A questionnaire's header cell: the value (economy or year), where it is. */
type MetaCell = { text: string; sheet: string; ref: string; row: number };
type Cover = { economy?: MetaCell; year?: MetaCell };
type HeaderProblem = { rule: Rule; message: string; row?: number; cell?: string; column?: string };

/**
 * The header among the top rows (the rows above it are titles or metadata): a questionnaire header
 * first (its metadata rows, "Economy | KEN | Reference year | 2023", would read as a wide header), else
 * the first row that is the header of a CSV layout.
 */
function findHeader(sheet: WorkbookSheet, opts: LayoutOptions, cover: Cover): HeaderFound | HeaderProblem {
  const top = sheet.rows.slice(0, HEADER_SEARCH_ROWS);
  const headers = top.map((row) => {
    const header = rowTexts(row);
    const width = header.length;
    const names = new Map<string, number>();
    header.forEach((h, j) => {
      if (h.trim() && !names.has(h.trim())) names.set(h.trim(), j + 1);
    });
    return { row: row.row, width, header, names };
  });
  for (let k = 0; k < headers.length; k++) {
    const h = headers[k];
    const q = questionnaireLayout(
      h.header,
      { economy: metaCell(sheet.name, top.slice(0, k), ECONOMY_LABEL) ?? cover.economy, year: metaCell(sheet.name, top.slice(0, k), YEAR_LABEL) ?? cover.year },
      h.row,
    );
    if (!q) continue;
    if ('rule' in q) return q;
    return { layout: q.layout, headerRow: h.row, width: h.width, names: h.names, fixed: q.fixed };
  }
  for (const h of headers) {
    const found = detectCsvLayout(h.header, opts);
    if (!found) continue;
    if ('missing' in found)
      return {
        rule: 'missing-column',
        message: `a ${found.format} sheet needs the column(s) ${found.missing.join(', ')}`,
        row: h.row,
        column: found.missing.join(', '),
      };
    return { layout: found, headerRow: h.row, width: h.width, names: h.names, fixed: new Map() };
  }
  return { rule: 'unknown-format', message: 'no header', row: top[0]?.row };
}

/** A row's texts by column (1-based columns to the last non-empty one); a date on 1 January is its year (a year header written as a date). */
function rowTexts(row: SheetRow): string[] {
  const out: string[] = new Array(row.cells[row.cells.length - 1].col).fill('');
  for (const c of row.cells) out[c.col - 1] = c.kind === 'date' && /-01-01$/.test(c.text) ? c.text.slice(0, 4) : c.text;
  return out;
}

const norm = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .replace(/:$/, '')
    .trim();
const ECONOMY_LABEL = /^(economy|country|economy code|country code|iso code|iso3|iso 3166 code|country iso3)$/;
const YEAR_LABEL = /^(reference year|year|data year|year of data)$/;

/** A labelled header cell among some rows: "Reference year | 2023" (the value right of the label) or "Reference year: 2023". */
function metaCell(sheet: string, rows: SheetRow[], label: RegExp): MetaCell | undefined {
  for (const r of rows)
    for (let i = 0; i < r.cells.length; i++) {
      const c = r.cells[i];
      // "Label: value", split at the first colon (no regular expression: linear whatever the cell holds).
      const t = c.text.trim(),
        colon = t.indexOf(':');
      if (colon > 0 && t.slice(colon + 1).trim() && label.test(norm(t.slice(0, colon))))
        return { text: t.slice(colon + 1).trim(), sheet, ref: c.ref, row: r.row };
      if (label.test(norm(c.text)) && r.cells[i + 1]) return { text: r.cells[i + 1].text, sheet, ref: r.cells[i + 1].ref, row: r.row };
    }
  return undefined;
}

/**
 * ITU's questionnaire layout: one row per indicator (code, name, definition, an "Answer" cell for the
 * value and a "Notes" cell), under header cells that give the economy and the one reference year of
 * the workbook ("Reference year" with the year in the cell to its right, or "Reference year: 2023").
 */
function questionnaireLayout(
  header: string[],
  meta: Cover,
  headerRow: number,
): { layout: CsvLayout; fixed: Map<string, MetaCell> } | HeaderProblem | undefined {
  const names = header.map(norm);
  const at = (...alts: string[]): number => names.findIndex((n) => alts.includes(n));
  const code = at('code', 'indicator code', 'item code'),
    answer = at('answer', 'response');
  if (code < 0 || answer < 0) return undefined;
  const note = at('notes', 'note', 'comments', 'remarks'),
    source = at('source', 'sources');
  const { economy, year } = meta;
  if (!year)
    return {
      rule: 'missing-column',
      message:
        'a questionnaire needs its reference year in a header cell, above the table or on a cover sheet ("Reference year" with the year in the cell to its right)',
      row: headerRow,
      column: 'Reference year',
    };
  if (!economy)
    return {
      rule: 'missing-column',
      message:
        'a questionnaire needs its economy in a header cell, above the table or on a cover sheet ("Economy" with the ISO 3166 code or the name in the cell to its right)',
      row: headerRow,
      column: 'Economy',
    };
  const col = (k: number): string => header[k].trim();
  // The economy and year findings point at their header cells, whatever row reported them.
  const fixed = new Map([
    ['Economy', economy],
    ['Reference year', year],
  ]);
  return {
    fixed,
    layout: {
      format: 'questionnaire',
      description: 'ITU questionnaire',
      width: header.length,
      read(f, line, emit) {
        const value = f[answer].trim(),
          indicator = f[code].trim();
        if (value === '' && indicator === '') return; // a section title
        if (value === '') return; // not answered: no observation (as an empty cell of a wide sheet)
        emit({
          line,
          economy: economy.text,
          indicator,
          year: year.text,
          value,
          note: note >= 0 ? f[note] : undefined,
          source: source >= 0 ? f[source] : undefined,
          seriesCode: indicator,
          economyColumn: 'Economy',
          indicatorColumn: col(code),
          yearColumn: 'Reference year',
          valueColumn: col(answer),
        });
      },
    },
  };
}
