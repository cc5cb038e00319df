import { isPriceIndicator, type IndicatorDef, type IndicatorRegistry } from '../registry/indicators.js';
import type { ObservationBuilder } from '../table/observations.js';
import type { FindingLog, Finding, Rule } from './findings.js';
import type { RawObservation } from './layouts.js';
import { isDecimalText } from '../util/number-syntax.js';

/** What validation needs of the economy registry. */
export interface EconomyClassifier {
  classify(
    code: string,
  ):
    | { kind: 'economy'; economy: { iso3: string } }
    | { kind: 'non-iso'; code: string; name: string; iso3: string | null }
    | { kind: 'aggregate'; code: string; name: string }
    | { kind: 'unknown'; suggestions: string[] };
}

export interface ValidationOptions {
  file: string;
  indicators: IndicatorRegistry;
  economies: EconomyClassifier;
  log: FindingLog;
  /** Latest valid year is this year + 1. */
  now?: Date;
  /** Year-on-year ratio beyond which a change is flagged (a warning). */
  jumpFactor?: number;
  /** Name of the value column, for findings of the table-level rules. */
  valueColumn?: string;
  /** How messages name a line (default "line 17"; a workbook says "[Sheet] row 17"). */
  lineName?: (line: number) => string;
  /** Called with each row rejected by a row-level error (for the rejects file). */
  onReject?: (raw: RawObservation, finding: Finding) => void;
}

/** Longest note and source (characters): the bundled data's longest are 902 and 445; beyond, `text-too-long`. */
export const TEXT_LIMITS = { note: 2_000, source: 1_000 } as const;

/** The first year an observation may have. */
export const FIRST_YEAR = 1960;

/** A verdict per distinct economy code; `code` is the builder's dictionary code of the iso3 (resolved once). */
export type EconomyVerdict =
  | { iso3: string; code: number; finding?: Omit<Finding, 'file' | 'line' | 'value'> }
  | { iso3: null; code: -1; finding: Omit<Finding, 'file' | 'line' | 'value'> };
export type IndicatorVerdict = { def: IndicatorDef; code: number } | { def: null; code: -1; finding: Omit<Finding, 'file' | 'line' | 'value'> };
/** A year cell's verdict: the year, or why it is not one (few distinct texts in any file). */
export type YearVerdict = number | { rule: 'bad-year' | 'year-out-of-range'; message: string };

/** What a value cell holds, once trimmed: a number (`Number` of a decimal text), nothing, or no decimal text. */
export const VALUE_NUMBER = 0,
  VALUE_EMPTY = 1,
  VALUE_NOT_DECIMAL = 2;

/** The state of a trimmed value cell's text. */
export const valueStateOf = (trimmed: string): number => (trimmed === '' ? VALUE_EMPTY : isDecimalText(trimmed) ? VALUE_NUMBER : VALUE_NOT_DECIMAL);

/** Distinct economy and indicator cells remembered (a hostile file can hold millions; beyond, each is decided anew). */
const VERDICT_CACHE_SIZE = 1 << 16;

/**
 * Row-level rules, applied as rows stream in; a valid row goes into the builder as codes and numbers. Whatever can
 * be decided per distinct text is decided once (economy and indicator codes with their dictionary codes, year
 * cells), so a row of a file with millions costs a few map lookups, one number parse and no object of its own; the
 * rules over the whole submission then run over the builder's typed columns (`checkSubmission`).
 *
 * A row is checked in steps, in this order, each ending the row when it fails: `economyPasses`, `indicatorPasses`,
 * `restPasses` (year, value, texts, range). `accept` runs them on a record of strings; the columnar CSV path
 * (`csv-columns.ts`) runs the same steps on verdicts and numbers it decoded from bytes, so both give the same
 * findings. A step's findings that need the row's cells take them from `rowOf` (built only then).
 */
export class ObservationValidator {
  readonly lastYear: number;
  private readonly economyCache = new Map<string, EconomyVerdict>();
  private readonly indicatorCache = new Map<string, IndicatorVerdict>();
  private readonly yearCache = new Map<string, YearVerdict>();
  private lastEconomyCell: string | undefined;
  private lastEconomy!: EconomyVerdict;
  private lastIndicatorCell: string | undefined;
  private lastIndicator!: IndicatorVerdict;
  private current!: RawObservation;
  private readonly currentRow = (): RawObservation => this.current;

  constructor(
    private readonly opts: ValidationOptions,
    private readonly builder: ObservationBuilder,
  ) {
    this.lastYear = (opts.now ?? new Date()).getUTCFullYear() + 1;
  }

  private reject(raw: RawObservation, rule: Rule, column: string, value: string, message: string): false {
    const f: Finding = { severity: 'error', rule, file: this.opts.file, line: raw.line, column, value, message };
    this.opts.log.add(f);
    this.opts.onReject?.(raw, f);
    return false;
  }

  /** Validate one observation; returns true if it was appended. */
  accept(raw: RawObservation): boolean {
    this.current = raw;
    // Rows of a file come in runs of one economy and indicator: the last verdict is tried first (a string compare,
    // cheaper than hashing the cell for the map).
    let ev = this.lastEconomy;
    if (raw.economy !== this.lastEconomyCell) {
      ev = this.economyVerdict(raw.economy, raw.economyColumn);
      this.lastEconomyCell = raw.economy;
      this.lastEconomy = ev;
    }
    if (!this.economyPasses(ev, raw.line, raw.economy, this.currentRow)) return false;
    let iv = this.lastIndicator;
    if (raw.indicator !== this.lastIndicatorCell) {
      iv = this.indicatorVerdict(raw.indicator, raw.indicatorColumn);
      this.lastIndicatorCell = raw.indicator;
      this.lastIndicator = iv;
    }
    if (!this.indicatorPasses(iv, this.currentRow)) return false;
    const valueText = raw.value.trim();
    const state = valueStateOf(valueText);
    const note = raw.note,
      source = raw.source;
    const year = this.yearVerdict(raw.year);
    const value = state === VALUE_NUMBER ? Number(valueText) : Number.NaN;
    if (!this.restPasses(raw.line, iv, year, state, value, note?.length ?? -1, source?.length ?? -1, this.currentRow)) return false;
    const b = this.builder;
    // The submission id is the same for every row: set on the table.
    b.appendCodes(
      ev.code,
      iv.code,
      year as number,
      value,
      b.code('note', note?.trim()),
      b.code('source', source?.trim()),
      b.code('series_code', raw.seriesCode?.trim()),
      raw.line,
    );
    return true;
  }

  /** Step 1: the economy verdict's finding (a warning for a recoded or skipped entity); false: no observation. */
  economyPasses(ev: EconomyVerdict, line: number, cell: string, rowOf: () => RawObservation): boolean {
    if (ev.finding) {
      const { log, file } = this.opts;
      log.add({ ...ev.finding, file, line, value: cell });
      if (ev.finding.severity === 'error') this.opts.onReject?.(rowOf(), { ...ev.finding, file, line, value: cell });
    }
    return ev.iso3 !== null;
  }

  /** Step 2: a known indicator. */
  indicatorPasses(iv: IndicatorVerdict, rowOf: () => RawObservation): boolean {
    if (iv.def !== null) return true;
    const raw = rowOf();
    return this.reject(raw, iv.finding.rule, raw.indicatorColumn, raw.indicator, iv.finding.message);
  }

  /**
   * Step 3: the year, the value (given as `state` and, for a number, its value), the lengths of the note and source
   * as the builder gets them (-1: none), the indicator's range and unit, a price's 0. True: append the row.
   */
  restPasses(
    line: number,
    iv: IndicatorVerdict,
    year: YearVerdict,
    state: number,
    value: number,
    noteLength: number,
    sourceLength: number,
    rowOf: () => RawObservation,
  ): boolean {
    if (typeof year !== 'number') {
      const raw = rowOf();
      return this.reject(raw, year.rule, raw.yearColumn, raw.year, year.message);
    }
    const { log, file } = this.opts;
    if (state === VALUE_EMPTY) {
      const raw = rowOf();
      log.add({
        severity: 'warning',
        rule: 'missing-value',
        file,
        line,
        column: raw.valueColumn,
        value: raw.value,
        message: 'empty value: no observation, row skipped',
      });
      return false;
    }
    if (state !== VALUE_NUMBER) {
      const raw = rowOf();
      const valueText = raw.value.trim();
      const hint = /^\d{1,3}(,\d{3})+(\.\d+)?$/.test(valueText)
        ? ' (thousands separators are not allowed: write 1234567.5)'
        : /^\d+,\d+$/.test(valueText)
          ? ' (use a decimal point, not a comma)'
          : '';
      return this.reject(raw, 'not-a-number', raw.valueColumn, raw.value, `the value is not a number${hint}`);
    }
    if (!Number.isFinite(value)) {
      const raw = rowOf();
      return this.reject(raw, 'not-a-number', raw.valueColumn, raw.value, 'the value is not a finite number');
    }
    if (noteLength > TEXT_LIMITS.note) return this.textTooLong(rowOf(), 'note', rowOf().note!);
    if (sourceLength > TEXT_LIMITS.source) return this.textTooLong(rowOf(), 'source', rowOf().source!);
    const def = (iv as { def: IndicatorDef }).def;
    const lo = def.range[0],
      hi = def.range[1];
    if (def.kind === 'per-100' && value > hi) {
      const raw = rowOf();
      return this.reject(
        raw,
        'unit-hint',
        raw.valueColumn,
        raw.value,
        `${def.id} is per 100 inhabitants; ${value} looks like a count (submit counts under the count indicator, e.g. ${countSibling(def)})`,
      );
    }
    if (value < lo || value > hi) {
      const raw = rowOf();
      return this.reject(raw, 'out-of-range', raw.valueColumn, raw.value, `${def.id} must be within ${lo}..${hi} (${def.unit})`);
    }
    // ITU's exports carry 0 where a basket was not priced (DataHub 2022 fixed broadband: 0 in US$, PPP$ and % GNI alike).
    if (value === 0 && isPriceIndicator(def)) {
      const raw = rowOf();
      log.add({
        severity: 'warning',
        rule: 'zero-price',
        file,
        line,
        column: raw.valueColumn,
        value: raw.value,
        message: `${def.id} is a price; 0 is a placeholder for no data, not an observation: row skipped`,
      });
      return false;
    }
    return true;
  }

  private textTooLong(raw: RawObservation, column: 'note' | 'source', text: string): false {
    return this.reject(
      raw,
      'text-too-long',
      column,
      text,
      `the ${column} has ${text.length.toLocaleString('en')} characters; at most ${TEXT_LIMITS[column].toLocaleString('en')}`,
    );
  }

  /** The verdict on a year cell's text (cached under the text). */
  yearVerdict(text: string): YearVerdict {
    const cached = this.yearCache.get(text);
    if (cached !== undefined) return cached;
    const t = text.trim();
    const year = Number(t);
    const v: YearVerdict =
      !/^\d{1,4}(?:\.0+)?$/.test(t) || !Number.isInteger(year)
        ? { rule: 'bad-year', message: 'the year must be a whole number such as 2021' }
        : this.yearInRange(year);
    // Bounded: a file can hold many distinct bad cells; only the first few thousand texts are remembered.
    if (this.yearCache.size < 4096) this.yearCache.set(text, v);
    return v;
  }

  /** The verdict on a whole year (as read from a year cell). */
  yearInRange(year: number): YearVerdict {
    return year < FIRST_YEAR || year > this.lastYear ? { rule: 'year-out-of-range', message: `the year must be within ${FIRST_YEAR}..${this.lastYear}` } : year;
  }

  /** The verdict on an economy cell (cached under the cell's text, decided on its trimmed text). */
  economyVerdict(cell: string, column: string): EconomyVerdict {
    const cached = this.economyCache.get(cell);
    if (cached) return cached;
    const code = cell.trim();
    let v: EconomyVerdict;
    const c = this.opts.economies.classify(code);
    switch (c.kind) {
      case 'economy':
        v = { iso3: c.economy.iso3, code: this.builder.code('economy', c.economy.iso3) };
        break;
      case 'non-iso':
        v = c.iso3
          ? {
              iso3: c.iso3,
              code: this.builder.code('economy', c.iso3),
              finding: { severity: 'warning', rule: 'non-iso-entity', column, message: `${code} (${c.name}) is not an ISO 3166 code; recoded to ${c.iso3}` },
            }
          : {
              iso3: null,
              code: -1,
              finding: { severity: 'warning', rule: 'non-iso-entity', column, message: `${code} (${c.name}) is not an ISO 3166 economy; row skipped` },
            };
        break;
      case 'aggregate':
        v = {
          iso3: null,
          code: -1,
          finding: { severity: 'warning', rule: 'aggregate', column, message: `${code} (${c.name}) is an aggregate, not an economy; row skipped` },
        };
        break;
      default:
        v = {
          iso3: null,
          code: -1,
          finding: {
            severity: 'error',
            rule: 'unknown-economy',
            column,
            message:
              code === ''
                ? 'the economy code is empty'
                : `unknown economy code "${code}"` + (c.suggestions.length ? `; did you mean ${c.suggestions.join(' or ')}?` : ''),
          },
        };
    }
    if (this.economyCache.size < VERDICT_CACHE_SIZE) this.economyCache.set(cell, v);
    return v;
  }

  /** The verdict on an indicator cell (cached under the cell's text, decided on its trimmed text). */
  indicatorVerdict(cell: string, column: string): IndicatorVerdict {
    const cached = this.indicatorCache.get(cell);
    if (cached) return cached;
    const code = cell.trim();
    let v: IndicatorVerdict;
    const def = this.opts.indicators.find(code);
    if (def) v = { def, code: this.builder.code('indicator', def.id) };
    else {
      const near = this.opts.indicators.suggest(code);
      v = {
        def: null,
        code: -1,
        finding: {
          severity: 'error',
          rule: 'unknown-indicator',
          column,
          message:
            (code === '' ? 'the indicator is empty' : `unknown indicator "${code}"`) +
            (near.length ? `; did you mean ${near.map((s) => `"${s}"`).join(' or ')}?` : ''),
        },
      };
    }
    if (this.indicatorCache.size < VERDICT_CACHE_SIZE) this.indicatorCache.set(cell, v);
    return v;
  }
}

/** fixed_bb_p100 -> fixed_bb_subs: the count a per-100 indicator is derived from, for the unit hint. */
function countSibling(def: IndicatorDef): string {
  return def.derived?.formula.split(/[^a-z0-9_]+/i).find((t) => t.endsWith('_subs')) ?? 'the count indicator';
}

/**
 * Rules over the whole submission, vectorised over the builder's columns: duplicates (same economy,
 * indicator and year), year-on-year jumps, percentages submitted as fractions. Returns a keep-mask
 * (0 for rows in a conflicting duplicate and for repeated identical rows).
 */
export function checkSubmission(builder: ObservationBuilder, opts: ValidationOptions, onConflict?: (row: number, finding: Finding) => void): Uint8Array {
  const n = builder.length;
  const keep = new Uint8Array(n).fill(1);
  if (n === 0) return keep;
  const econ = builder.column('economy'),
    ind = builder.column('indicator'),
    year = builder.column('year');
  const value = builder.column('value'),
    line = builder.column('line');
  const econs = builder.dictionary('economy'),
    inds = builder.dictionary('indicator');
  const nInd = inds.length;
  const { log, file } = opts;
  const jump = opts.jumpFactor ?? 10;
  const column = opts.valueColumn ?? 'value';
  const lineName = opts.lineName ?? ((l: number): string => `line ${l}`);
  const yearJump = (a: number, b: number): void => {
    const ratio = value[b] > value[a] ? value[b] / value[a] : value[a] / value[b];
    if (ratio > jump)
      log.add({
        severity: 'warning',
        rule: 'year-jump',
        file,
        line: line[b],
        column,
        value: String(value[b]),
        message: `${econs[econ[b]]} ${inds[ind[b]]}: ${value[a]} in ${year[a]} to ${value[b]} in ${year[b]} (x${ratio.toPrecision(3)}, beyond the jump factor ${jump})`,
      });
  };

  // A file already grouped by series, years rising within each (a canonical export, the usual case): the sorted
  // order is its runs sorted by series, each in file order, and it holds no duplicate; only the jumps are checked.
  const runs = seriesRuns(econ, ind, year, nInd, econs.length);
  if (runs) {
    if (jump > 0)
      for (let k = 0; k < runs.length; k += 2) for (let b = runs[k] + 1; b < runs[k + 1]; b++) if (value[b - 1] > 0 && value[b] > 0) yearJump(b - 1, b);
  } else {
    const order = sortBySeriesAndYear(econ, ind, year, nInd);
    for (let k = 1; k < n; k++) {
      const a = order[k - 1],
        b = order[k];
      const sameSeries = econ[a] === econ[b] && ind[a] === ind[b];
      if (!sameSeries) continue;
      if (year[a] === year[b]) {
        const what = `${econs[econ[b]]} ${inds[ind[b]]} ${year[b]}`;
        if (value[a] === value[b]) {
          keep[b] = 0;
          log.add({
            severity: 'warning',
            rule: 'duplicate',
            file,
            line: line[b],
            column,
            value: String(value[b]),
            message: `${what} repeats ${lineName(line[a])}; kept once`,
          });
        } else {
          const f: Finding = {
            severity: 'error',
            rule: 'duplicate-conflict',
            file,
            line: line[b],
            column,
            value: String(value[b]),
            message: `${what} is also given on ${lineName(line[a])} with value ${value[a]}`,
          };
          log.add(f);
          if (keep[a])
            onConflict?.(a, {
              severity: f.severity,
              rule: f.rule,
              file,
              column,
              line: line[a],
              value: String(value[a]),
              message: `${what} is also given on ${lineName(line[b])} with value ${value[b]}`,
            });
          onConflict?.(b, f);
          keep[a] = 0;
          keep[b] = 0;
        }
      } else if (jump > 0 && value[a] > 0 && value[b] > 0 && keep[a] && keep[b]) yearJump(a, b);
    }
  }

  // Percentages given as fractions: every value of a percent indicator within 0..1.
  const maxByInd = new Float64Array(nInd).fill(-Infinity),
    countByInd = new Uint32Array(nInd),
    firstLine = new Int32Array(nInd);
  for (let i = 0; i < n; i++) {
    if (value[i] > maxByInd[ind[i]]) maxByInd[ind[i]] = value[i];
    if (countByInd[ind[i]]++ === 0) firstLine[ind[i]] = line[i];
  }
  for (let j = 0; j < nInd; j++) {
    const def = opts.indicators.find(inds[j]);
    if (def?.kind === 'percent' && countByInd[j] >= 3 && maxByInd[j] > 0 && maxByInd[j] <= 1)
      log.add({
        severity: 'warning',
        rule: 'unit-hint',
        file,
        line: firstLine[j],
        column,
        value: String(maxByInd[j]),
        message: `every ${def.id} value is within 0..1: percentages look like fractions (submit 45.2 for 45.2%)`,
      });
  }
  return keep;
}

/**
 * When every series (economy, indicator) is one run of consecutive rows with strictly rising years: the runs in the
 * order `sortBySeriesAndYear` gives their rows (by series), as pairs `[start, end)` (run k: `runs[2k]`..`runs[2k+1]`).
 * Null otherwise, and when the series keys do not fit a bitmap of 4 MiB. `nEcon`: a bound on the economy codes.
 */
export function seriesRuns(econ: Int32Array, ind: Int32Array, year: Int16Array, nInd: number, nEcon?: number): Int32Array | null {
  const n = econ.length;
  if (nEcon === undefined) {
    nEcon = 0;
    for (let i = 0; i < n; i++) if (econ[i] >= nEcon) nEcon = econ[i] + 1;
  }
  const stride = Math.max(1, nInd);
  if (nEcon * stride > 1 << 25) return null;
  const seen = new Uint8Array((nEcon * stride + 7) >> 3);
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && econ[i] === econ[i - 1] && ind[i] === ind[i - 1]) {
      if (year[i] <= year[i - 1]) return null;
      continue;
    }
    const key = econ[i] * stride + ind[i];
    if (econ[i] < 0 || econ[i] >= nEcon || ind[i] < 0 || ind[i] >= stride || seen[key >> 3] & (1 << (key & 7))) return null; // the series came before, in another run
    seen[key >> 3] |= 1 << (key & 7);
    starts.push(i);
  }
  const runs = starts.length;
  // Sorted by series key (distinct keys: one run each), the run's index in the low bits.
  const RUN = 2 ** 23;
  if (runs >= RUN) return null;
  const keys = new Float64Array(runs);
  for (let k = 0; k < runs; k++) keys[k] = (econ[starts[k]] * stride + ind[starts[k]]) * RUN + k;
  keys.sort();
  const out = new Int32Array(2 * runs);
  for (let k = 0; k < runs; k++) {
    const run = keys[k] % RUN;
    out[2 * k] = starts[run];
    out[2 * k + 1] = run + 1 < runs ? starts[run + 1] : n;
  }
  return out;
}

/**
 * Row order by (economy, indicator, year), ties by row: two stable counting sorts (by year, then by series), linear
 * in the rows plus the key ranges, over typed arrays (the comparison sort of a million packed keys cost 10x more).
 */
export function sortBySeriesAndYear(econ: Int32Array, ind: Int32Array, year: Int16Array, nInd: number): Uint32Array {
  const n = econ.length;
  if (n === 0) return new Uint32Array(0);
  let nEcon = 0,
    minYear = 32767,
    maxYear = -32768;
  for (let i = 0; i < n; i++) {
    if (econ[i] >= nEcon) nEcon = econ[i] + 1;
    if (year[i] < minYear) minYear = year[i];
    if (year[i] > maxYear) maxYear = year[i];
  }
  const stride = Math.max(1, nInd),
    years = maxYear - minYear + 1;
  const series = Math.max(1, nEcon * stride);
  const keys = new Uint32Array(n);
  // One pass by (series, year) when the key range is small (a submission's usual case); else by year, then by series.
  if (series * years <= Math.max(4 * n, 1 << 22)) {
    for (let i = 0; i < n; i++) keys[i] = (econ[i] * stride + ind[i]) * years + (year[i] - minYear);
    return countingSort(keys, series * years, null);
  }
  for (let i = 0; i < n; i++) keys[i] = year[i] - minYear;
  const byYear = countingSort(keys, years, null);
  for (let i = 0; i < n; i++) keys[i] = econ[i] * stride + ind[i];
  return countingSort(keys, series, byYear);
}

/** Stable counting sort of rows (in the order `rows`, or 0..n-1) by their keys, integers in [0, range). */
function countingSort(keys: Uint32Array, range: number, rows: Uint32Array | null): Uint32Array {
  const n = keys.length;
  const count = new Uint32Array(range + 1);
  for (let i = 0; i < n; i++) count[keys[i] + 1]++;
  for (let k = 1; k <= range; k++) count[k] += count[k - 1];
  const out = new Uint32Array(n);
  if (rows)
    for (let j = 0; j < n; j++) {
      const i = rows[j];
      out[count[keys[i]]++] = i;
    }
  else for (let i = 0; i < n; i++) out[count[keys[i]]++] = i;
  return out;
}
