/**
 * The report table writers (src/table/report-table.ts) against their definitions written out here: Markdown escapes
 * \ | * _ ` [ ] < > with a backslash and makes a line break (LF or CRLF) a space; HTML escapes & < > " '; CSV is the
 * project's CSV row of each value (non-finite numbers empty); `tableTexts` gives the three at once, the same.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Column, htmlEscape, type ReportTable, tableTexts, tableToCsv, tableToHtml, tableToMarkdown } from '../../src/table/report-table.js';
import { csvRow } from '../../src/util/csv.js';

const md = (s: string): string =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .replace(/([*_`[\]<>])/g, '\\$1');
const html = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const printed = (c: Column, v: unknown): string =>
  v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))
    ? ''
    : typeof v === 'number'
      ? c.decimals !== undefined
        ? v.toFixed(c.decimals)
        : String(v)
      : String(v);

function markdownOf(t: ReportTable): string {
  const lines = [
    `### ${md(t.title)}`,
    '',
    `| ${t.columns.map((c) => md(c.label)).join(' | ')} |`,
    `|${t.columns.map((c) => (c.type === 'text' ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of t.rows) lines.push(`| ${t.columns.map((c) => md(printed(c, r[c.key]))).join(' | ')} |`);
  if (t.notes.length) lines.push('', ...t.notes.map((n) => `- ${md(n)}`));
  return lines.join('\n') + '\n';
}

function htmlOf(t: ReportTable): string {
  const head = t.columns.map((c) => `<th data-type="${c.type}" scope="col">${html(c.label)}</th>`).join('');
  const body = t.rows
    .map(
      (r) =>
        '<tr>' +
        t.columns
          .map((c) => {
            const v = r[c.key];
            const lang = c.lang ? ` lang="${html(c.lang)}" dir="auto"` : '';
            return typeof v === 'number' && Number.isFinite(v)
              ? `<td class="num" data-value="${v}">${html(printed(c, v))}</td>`
              : `<td${lang}>${html(printed(c, v))}</td>`;
          })
          .join('') +
        '</tr>',
    )
    .join('\n');
  const notes = t.notes.length ? `<ul class="notes">${t.notes.map((n) => `<li>${html(n)}</li>`).join('')}</ul>` : '';
  return `<table id="${html(t.id)}" class="report-table"><caption>${html(t.title)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${notes}`;
}

const csvOf = (t: ReportTable): string =>
  [
    csvRow(t.columns.map((c) => c.key)),
    ...t.rows.map((r) => csvRow(t.columns.map((c) => (typeof r[c.key] === 'number' && !Number.isFinite(r[c.key]) ? null : r[c.key])))),
  ].join('');

// text full of what the formats escape or quote: backslash, pipe, CR, LF, the Markdown and HTML specials, commas, quotes, formula starts
const text = fc.string({
  unit: fc.constantFrom('a', 'é', ' ', '\\', '|', '\r', '\n', '*', '_', '`', '[', ']', '<', '>', '&', '"', "'", ',', '=', '-', '1', '.'),
  maxLength: 12,
});
const value = fc.oneof(
  text,
  fc.double(),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.constantFrom(null, undefined, Number.NaN, Number.POSITIVE_INFINITY, 1e21, -0, 5e-7),
);
const table = fc.integer({ min: 0, max: 4 }).chain((n) =>
  fc.record({
    id: text,
    title: text,
    columns: fc.tuple(
      ...Array.from({ length: n }, (_, j) =>
        fc.record({
          key: fc.constant(`k${j}`),
          label: text,
          type: fc.constantFrom('text' as const, 'number' as const, 'integer' as const),
          decimals: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
          lang: fc.option(fc.constantFrom('fr', 'ar', '"x"'), { nil: undefined }),
        }),
      ),
    ),
    rows: fc.array(fc.dictionary(fc.constantFrom('k0', 'k1', 'k2', 'k3'), value), { maxLength: 6 }),
    notes: fc.array(text, { maxLength: 3 }),
  }),
) as fc.Arbitrary<ReportTable>;

describe('report table writers', () => {
  it('CSV, Markdown and HTML equal their definitions, and tableTexts gives the same three (random tables, text full of specials)', () => {
    fc.assert(
      fc.property(table, (t) => {
        const csv = tableToCsv(t),
          markdown = tableToMarkdown(t),
          page = tableToHtml(t);
        expect(csv).toBe(csvOf(t));
        expect(markdown).toBe(markdownOf(t));
        expect(page).toBe(htmlOf(t));
        expect(tableTexts(t)).toEqual({ csv, markdown, html: page });
      }),
      { numRuns: 400 },
    );
  });

  it('escapes by hand', () => {
    expect(htmlEscape(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;');
    expect(htmlEscape('plain')).toBe('plain');
    const t: ReportTable = {
      id: 't',
      title: 'a|b\\c',
      columns: [{ key: 'x', label: '*x*', type: 'text' }],
      rows: [{ x: 'line\r\nbreak\nand\rcr [l](u) <b> `c` _e_' }],
      notes: [],
    };
    expect(tableToMarkdown(t)).toBe('### a\\|b\\\\c\n\n| \\*x\\* |\n|---|\n| line break and\rcr \\[l\\](u) \\<b\\> \\`c\\` \\_e\\_ |\n');
  });
});
