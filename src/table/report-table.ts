import { csvRow } from '../util/csv.js';

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

/** CSV: full-precision numbers (a CSV is data, not a print); text neutralised by the CSV writer. */
export function tableToCsv(t: ReportTable): string {
  const out = [csvRow(t.columns.map((c) => c.key))];
  for (const r of t.rows)
    out.push(
      csvRow(
        t.columns.map((c) => {
          const v = r[c.key];
          return typeof v === 'number' && !Number.isFinite(v) ? null : v;
        }),
      ),
    );
  return out.join('');
}

const mdEscape = (s: string): string =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .replace(/([*_`[\]<>])/g, '\\$1');

/** Markdown (GitHub tables), numbers with the table's decimals. */
export function tableToMarkdown(t: ReportTable): string {
  const lines = [
    `### ${mdEscape(t.title)}`,
    '',
    `| ${t.columns.map((c) => mdEscape(c.label)).join(' | ')} |`,
    `|${t.columns.map((c) => (c.type === 'text' ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of t.rows) lines.push(`| ${t.columns.map((c) => mdEscape(cellText(c, r[c.key], true))).join(' | ')} |`);
  if (t.notes.length) lines.push('', ...t.notes.map((n) => `- ${mdEscape(n)}`));
  return lines.join('\n') + '\n';
}

export const htmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** An HTML table; every text escaped; numeric cells carry their full value in data-value for sorting. */
export function tableToHtml(t: ReportTable): string {
  const head = t.columns.map((c) => `<th data-type="${c.type}" scope="col">${htmlEscape(c.label)}</th>`).join('');
  const body = t.rows
    .map(
      (r) =>
        '<tr>' +
        t.columns
          .map((c) => {
            const v = r[c.key];
            const num = typeof v === 'number' && Number.isFinite(v);
            const lang = c.lang ? ` lang="${htmlEscape(c.lang)}" dir="auto"` : '';
            return num ? `<td class="num" data-value="${v}">${htmlEscape(cellText(c, v, true))}</td>` : `<td${lang}>${htmlEscape(cellText(c, v, true))}</td>`;
          })
          .join('') +
        '</tr>',
    )
    .join('\n');
  const notes = t.notes.length ? `<ul class="notes">${t.notes.map((n) => `<li>${htmlEscape(n)}</li>`).join('')}</ul>` : '';
  return `<table id="${htmlEscape(t.id)}" class="report-table"><caption>${htmlEscape(t.title)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${notes}`;
}
