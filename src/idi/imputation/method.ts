/**
 * An imputation method: how cells of the data-year matrix that are still missing get a value. One file per method
 * holds its parameters (JSON schema), the series it reads, how far in time it looks, and its arithmetic; the
 * registry (`index.ts`) gives each its cell status code by name. Each method fills only cells still missing, for
 * the economies that pass the coverage rule, and records for every cell what it did (method, sentence, inputs).
 */
import type { Groupings } from '../../registry/groupings.js';
import { panelIndex, type Panel } from '../panel.js';

/** A step of a methodology's `imputation` list as written: a registered method's name and its parameters. */
export interface ImputationStep {
  method: string;
  source?: string;
  unverified?: boolean;
  reason?: string;
  [parameter: string]: unknown;
}

export interface ImputationRecord {
  method: string;
  /** One sentence a statistician can check. */
  detail: string;
  inputs: Record<string, number | string | number[] | string[]>;
}

/** Status of a cell: reported in the data year, reported earlier within the look-back, imputed (a method's code), missing. */
export const OBSERVED = 0,
  EARLIER = 1,
  MISSING = 255;

/** The values of one data year, indicator-major (values[k * nE + e]), with how each cell was obtained. */
export interface YearMatrix {
  year: number;
  economies: string[];
  indicators: string[];
  values: Float64Array;
  status: Uint8Array;
  yearUsed: Int16Array;
  records: Map<number, ImputationRecord>;
}

export interface ImputationContext {
  panel: Panel;
  groupings: Groupings;
  /** Indicators (matrix rows) to impute: the methodology's leaves. */
  targets: readonly number[];
  /** Economies to impute for (those that pass the coverage rule). */
  active: Uint8Array;
  /** Valid range of each matrix row, to keep regression estimates plausible. */
  range: (indicator: string) => [number, number];
  /**
   * How many years after the data year a method may read (undefined: as far as its own reach). A published
   * index uses 0: no value from after its reference year enters. Estimates of past years may look forward.
   */
  lookAhead?: number;
}

export interface ImputationMethod {
  name: string;
  description: string;
  /** JSON schema of the step's own properties and which are required. */
  schema: { properties: Record<string, object>; required?: string[] };
  /** Properties that name indicators (resolved to registry ids when the methodology is compiled). */
  indicatorFields: readonly string[];
  /** Series the method reads besides the leaves (a predictor, a similarity measure). */
  inputs(step: ImputationStep): string[];
  /** How many years either side of the data year the method reads. */
  reach(step: ImputationStep): number;
  /** Fill missing cells; `code` is the status this method's cells get. */
  apply(m: YearMatrix, ctx: ImputationContext, step: ImputationStep, code: number): void;
}

export const isKnown = (s: number): boolean => s !== MISSING;
export const isReported = (s: number): boolean => s === OBSERVED || s === EARLIER;

/** Every missing cell of row k among the active economies. */
export function forEachMissing(m: YearMatrix, ctx: ImputationContext, k: number, f: (e: number, cell: number) => void): void {
  const nE = m.economies.length;
  for (let e = 0; e < nE; e++) {
    const cell = k * nE + e;
    if (ctx.active[e] && m.status[cell] === MISSING) f(e, cell);
  }
}

export function setCell(m: YearMatrix, cell: number, value: number, code: number, year: number, record: ImputationRecord): void {
  m.values[cell] = value;
  m.status[cell] = code;
  m.yearUsed[cell] = year;
  m.records.set(cell, record);
}

/** The panel's value of row k, economy e, year y (NaN outside the panel's years). */
export function panelValue(p: Panel, k: number, y: number, e: number): number {
  return y < p.firstYear || y >= p.firstYear + p.nYears ? NaN : p.values[panelIndex(p, k, y, e)];
}

/** The last year a method may read for the matrix's data year: the panel's end, cut by the look-ahead. */
export function lastReadableYear(m: YearMatrix, ctx: ImputationContext): number {
  const end = ctx.panel.firstYear + ctx.panel.nYears - 1;
  return ctx.lookAhead === undefined ? end : Math.min(end, m.year + ctx.lookAhead);
}

export const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;
