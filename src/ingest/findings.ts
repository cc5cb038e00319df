/**
 * Validation findings. Each names the file, line, column, value and rule, so that a statistician can
 * go to the cell. The log keeps every count but only the first examples of each rule, so a hostile
 * file with millions of bad rows costs bounded memory.
 */
export type Severity = 'error' | 'warning' | 'info';

export const RULES = {
  'empty-file': 'the file has no content',
  'no-data-rows': 'the file has a header but no data rows',
  'binary-file': 'the file is not text, JSON, Arrow or Parquet',
  'unknown-format': 'the header matches no supported layout',
  'missing-column': 'a required column is missing',
  'malformed-row': "a row does not have the header's number of fields",
  'line-too-long': 'a line is longer than the limit',
  'bad-json': 'the JSON cannot be parsed or is not a list of records',
  'bad-arrow': 'the Arrow data cannot be read or lacks a column',
  'bad-parquet': 'the Parquet file cannot be read or lacks a column',
  encoding: 'the file is not UTF-8',
  'too-large': 'the file exceeds a size limit',
  'too-many-errors': 'reading stopped after too many errors',
  'work-budget': 'reading spent more work than the file’s size allows (a bound on the parser, not a rule on the data)',
  // Workbooks (.xlsx)
  'bad-xlsx': 'the workbook cannot be read (damaged, encrypted, or not an Excel workbook)',
  'zip-bomb': "the workbook's archive inflates beyond the size, ratio or entry limits",
  'xml-dtd': 'a part of the workbook declares a DTD or entities (entity expansion refused)',
  'too-many-strings': 'the workbook has more shared strings than the limit',
  'hidden-sheet': 'a hidden sheet (not read)',
  'sheet-skipped': 'a sheet whose header matches no layout (not read)',
  'merged-header': "merged cells in a sheet's header row",
  'merged-cell': 'cells of a data row merged across columns',
  'formula-without-value': 'a formula cell without a cached value (read as empty)',
  'cell-outside-table': "a value right of the header's last column (not read)",
  'unknown-economy': 'the economy code is not in the economy registry',
  'non-iso-entity': 'a non-ISO entity code (recoded to ISO 3166 where one exists, else skipped)',
  aggregate: 'a regional or income aggregate, not an economy (skipped)',
  'unknown-indicator': 'the indicator is not in the indicator registry',
  'missing-value': 'the value is empty (row skipped)',
  'zero-price': 'a price of exactly 0: a placeholder for "no data", not a free service (row skipped)',
  'not-a-number': 'the value is not a number',
  'out-of-range': "the value is outside the indicator's valid range",
  'unit-hint': 'the value looks like it is in another unit',
  'bad-year': 'the year is not a whole number',
  'year-out-of-range': 'the year is outside 1960..next year',
  'duplicate-conflict': 'the same economy, indicator and year twice with different values',
  duplicate: 'the same economy, indicator and year twice with the same value (kept once)',
  'year-jump': 'the value changes from one year to the next by more than the jump factor',
  'text-too-long': 'a note or source is longer than its limit (2,000 and 1,000 characters)',
  // Tariff plans and price baskets (src/prices)
  'bad-tariff-field': 'a tariff plan field is not a valid value for its column',
  'missing-vat-rate': 'a plan whose taxes are not included has no vat_rate',
  'unknown-column': 'a column that the tariff format does not have',
  'missing-conversion': 'an exchange rate, PPP factor or GNI per capita is missing: that figure is left empty',
} as const;
export type Rule = keyof typeof RULES;

export interface Finding {
  severity: Severity;
  rule: Rule;
  file: string;
  line?: number;
  column?: string;
  value?: string;
  message: string;
  /** Workbooks: the sheet, and the cell (`B17`); `line` is then the row. */
  sheet?: string;
  cell?: string;
}

/** Characters of a cell kept in a finding. */
export const MAX_FINDING_VALUE = 200;

export class FindingLog {
  readonly counts = new Map<Rule, { severity: Severity; count: number }>();
  readonly examples: Finding[] = [];
  private readonly perRule = new Map<Rule, number>();
  errors = 0;
  warnings = 0;

  /**
   * Sets `sheet`, `cell` and the row of a finding from its line (workbooks; see `readWorkbookObservations`);
   * returns the key that orders it in the file (sheet, then row).
   */
  locate?: (f: Finding) => number;
  private readonly order = new WeakMap<Finding, number>();

  constructor(readonly examplesPerRule = 50) {}

  add(f: Finding): void {
    // A finding keeps the start of the offending text only: a log of many findings stays small whatever the cells hold.
    if (f.value !== undefined && f.value.length > MAX_FINDING_VALUE) f = { ...f, value: f.value.slice(0, MAX_FINDING_VALUE) + '…' };
    if (this.locate) this.order.set(f, this.locate(f));
    const c = this.counts.get(f.rule);
    if (c) c.count++;
    else this.counts.set(f.rule, { severity: f.severity, count: 1 });
    if (f.severity === 'error') this.errors++;
    else if (f.severity === 'warning') this.warnings++;
    const k = this.perRule.get(f.rule) ?? 0;
    if (k < this.examplesPerRule) {
      this.examples.push(f);
      this.perRule.set(f.rule, k + 1);
    }
  }

  count(rule: Rule): number {
    return this.counts.get(rule)?.count ?? 0;
  }

  /** Examples in file order (line), errors before warnings on the same line. */
  sorted(): Finding[] {
    const rank = { error: 0, warning: 1, info: 2 };
    const key = (f: Finding): number => this.order.get(f) ?? f.line ?? 0;
    return [...this.examples].sort((a, b) => key(a) - key(b) || rank[a.severity] - rank[b.severity]);
  }
}

/**
 * `file:line: column "c", value "v": message [rule]` — the one-line form every output uses; in a
 * workbook `file[Sheet]!B17:` (or `file[Sheet]:17` when the finding has a row but no cell).
 */
export function formatFinding(f: Finding): string {
  const book = f.sheet !== undefined ? `${f.file}[${f.sheet}]` : f.file;
  const where = f.cell !== undefined && f.sheet !== undefined ? `${book}!${f.cell}` : f.line !== undefined ? `${book}:${f.line}` : book;
  const cell = [f.column !== undefined ? `column "${f.column}"` : '', f.value !== undefined ? `value "${truncate(f.value)}"` : ''].filter(Boolean).join(', ');
  return `${where}: ${f.severity}: ${cell ? cell + ': ' : ''}${f.message} [${f.rule}]`;
}

function truncate(s: string, max = 60): string {
  const printable = s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return printable.length > max ? printable.slice(0, max) + '…' : printable;
}
