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
  'malformed-row': 'a row does not have the header\'s number of fields',
  'line-too-long': 'a line is longer than the limit',
  'bad-json': 'the JSON cannot be parsed or is not a list of records',
  'bad-arrow': 'the Arrow data cannot be read or lacks a column',
  'bad-parquet': 'the Parquet file cannot be read or lacks a column',
  'encoding': 'the file is not UTF-8',
  'too-large': 'the file exceeds a size limit',
  'too-many-errors': 'reading stopped after too many errors',
  'unknown-economy': 'the economy code is not in the economy registry',
  'non-iso-entity': 'a non-ISO entity code (recoded to ISO 3166 where one exists, else skipped)',
  'aggregate': 'a regional or income aggregate, not an economy (skipped)',
  'unknown-indicator': 'the indicator is not in the indicator registry',
  'missing-value': 'the value is empty (row skipped)',
  'not-a-number': 'the value is not a number',
  'out-of-range': 'the value is outside the indicator\'s valid range',
  'unit-hint': 'the value looks like it is in another unit',
  'bad-year': 'the year is not a whole number',
  'year-out-of-range': 'the year is outside 1960..next year',
  'duplicate-conflict': 'the same economy, indicator and year twice with different values',
  'duplicate': 'the same economy, indicator and year twice with the same value (kept once)',
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
}

/** Characters of a cell kept in a finding. */
export const MAX_FINDING_VALUE = 200;

export class FindingLog {
  readonly counts = new Map<Rule, { severity: Severity; count: number }>();
  readonly examples: Finding[] = [];
  private readonly perRule = new Map<Rule, number>();
  errors = 0;
  warnings = 0;

  constructor(readonly examplesPerRule = 50) {}

  add(f: Finding): void {
    // A finding keeps the start of the offending text only: a log of many findings stays small whatever the cells hold.
    if (f.value !== undefined && f.value.length > MAX_FINDING_VALUE) f = { ...f, value: f.value.slice(0, MAX_FINDING_VALUE) + '…' };
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
    return [...this.examples].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || rank[a.severity] - rank[b.severity]);
  }
}

/** `file:line: column "c", value "v": message [rule]` — the one-line form every output uses. */
export function formatFinding(f: Finding): string {
  const where = f.line !== undefined ? `${f.file}:${f.line}` : f.file;
  const cell = [f.column !== undefined ? `column "${f.column}"` : '', f.value !== undefined ? `value "${truncate(f.value)}"` : '']
    .filter(Boolean).join(', ');
  return `${where}: ${f.severity}: ${cell ? cell + ': ' : ''}${f.message} [${f.rule}]`;
}

function truncate(s: string, max = 60): string {
  const printable = s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return printable.length > max ? printable.slice(0, max) + '…' : printable;
}
