import { csvField, csvRow, formatNumber } from '../util/csv.js';

/**
 * A report table: what every output format (CSV, Markdown, HTML, XLSX, JSON) renders. Numbers stay
 * numbers; `decimals` says how they are shown (published IDI values have 2 decimals).
 */
export interface Column {
  key: string;
  label: string;
  type: 'text' | 'number' | 'integer';
  decimals?: number;
  /** BCP 47 language of the column's text (economy names in --lang): HTML cells get `lang` and `dir="auto"`. */
  lang?: string;
}

export interface ReportTable {
  id: string;
  title: string;
  columns: Column[];
  rows: Array<Record<string, string | number | null | undefined>>;
  /** Sources, vintage and departures from the published method: printed with the table in every format. */
  notes: string[];
  /** Worksheet name in a workbook (at most 31 characters); default: the title. */
  sheet?: string;
}

function cellText(c: Column, v: string | number | null | undefined, fixed: boolean): string {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  if (typeof v === 'number') return fixed && c.decimals !== undefined ? v.toFixed(c.decimals) : String(v);
  return v;
}

// (a finite number's text, String or toFixed, holds only digits, '.', '-', '+' and 'e': nothing any format escapes or quotes)

/** CSV: full-precision numbers (a CSV is data, not a print); text neutralised by the CSV writer. */
export function tableToCsv(t: ReportTable): string {
  const cols = t.columns,
    n = cols.length;
  const out = [csvRow(cols.map((c) => c.key))];
  for (const r of t.rows) {
    let line = '';
    for (let j = 0; j < n; j++) {
      const v = r[cols[j].key];
      if (j > 0) line += ',';
      if (typeof v === 'number') line += formatNumber(v);
      else if (v !== null && v !== undefined) line += csvField(v);
    }
    out.push(line, '\n');
  }
  // (lines joined once: no chain of concatenated strings for the collector to carry)
  return out.join('');
}

/** Markdown's special characters in text: \\ | * _ ` [ ] < > escaped with a backslash, a line break (LF or CRLF) made a space. */
const MD_SPECIAL = /[\\|\n*_`[\]<>]/;
const mdEscape = (s: string): string => (MD_SPECIAL.test(s) ? s.replace(/\r?\n|[\\|*_`[\]<>]/g, (c) => (c.length > 1 || c === '\n' ? ' ' : `\\${c}`)) : s);

/** Each cell as printed (numbers with the column's decimals, nothing for a missing value), row by row: what Markdown and HTML show. */
function printedCells(t: ReportTable): string[][] {
  const cols = t.columns;
  return t.rows.map((r) => cols.map((c) => cellText(c, r[c.key], true)));
}

/** Markdown (GitHub tables), numbers with the table's decimals. */
export function tableToMarkdown(t: ReportTable): string {
  return markdownOf(t, printedCells(t));
}

function markdownOf(t: ReportTable, printed: string[][]): string {
  const cols = t.columns,
    n = cols.length;
  const out = [
    `### ${mdEscape(t.title)}\n\n`,
    `| ${cols.map((c) => mdEscape(c.label)).join(' | ')} |\n`,
    `|${cols.map((c) => (c.type === 'text' ? '---' : '---:')).join('|')}|\n`,
  ];
  for (let i = 0; i < t.rows.length; i++) {
    const r = t.rows[i],
      cells = printed[i];
    let line = n ? '|' : '|  |';
    for (let j = 0; j < n; j++) line += ` ${typeof r[cols[j].key] === 'number' ? cells[j] : mdEscape(cells[j])} |`;
    out.push(line, '\n');
  }
  if (t.notes.length) out.push('\n', ...t.notes.map((x) => `- ${mdEscape(x)}\n`));
  return out.join('');
}

/** The table as CSV, Markdown and HTML at once (each cell's printed text made once for the two that print). */
export function tableTexts(t: ReportTable): { csv: string; markdown: string; html: string } {
  const printed = printedCells(t);
  return { csv: tableToCsv(t), markdown: markdownOf(t, printed), html: htmlOf(t, printed) };
}

const HTML_SPECIAL = /[&<>"']/;
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const htmlEscape = (s: string): string => (HTML_SPECIAL.test(s) ? s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]) : s);

/** An HTML table; every text escaped; numeric cells carry their full value in data-value for sorting. */
export function tableToHtml(t: ReportTable): string {
  return htmlOf(t, printedCells(t));
}

function htmlOf(t: ReportTable, printed: string[][]): string {
  const cols = t.columns,
    n = cols.length;
  const head = cols.map((c) => `<th data-type="${c.type}" scope="col">${htmlEscape(c.label)}</th>`).join('');
  const open = cols.map((c) => (c.lang ? `<td lang="${htmlEscape(c.lang)}" dir="auto">` : '<td>'));
  const body: string[] = [];
  for (let i = 0; i < t.rows.length; i++) {
    const r = t.rows[i],
      cells = printed[i];
    let row = i > 0 ? '\n<tr>' : '<tr>';
    for (let j = 0; j < n; j++) {
      const v = r[cols[j].key];
      row += typeof v === 'number' && Number.isFinite(v) ? `<td class="num" data-value="${v}">${cells[j]}</td>` : `${open[j]}${htmlEscape(cells[j])}</td>`;
    }
    body.push(row, '</tr>');
  }
  const notes = t.notes.length ? `<ul class="notes">${t.notes.map((x) => `<li>${htmlEscape(x)}</li>`).join('')}</ul>` : '';
  return `<table id="${htmlEscape(t.id)}" class="report-table"><caption>${htmlEscape(t.title)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body.join('')}\n</tbody></table>${notes}`;
}
