/**
 * An input format: how one kind of submission file becomes raw observations. One file per format in this folder
 * holds how the format is recognised (from the sniffed head of the file, never its name) and how it is read; the
 * registry (`index.ts`) tries the formats in order and the first that recognises the file reads it. A new format is
 * one file here plus its line in the registry and its test; `ingestFile` itself names no format.
 */
import { readFileSync } from 'node:fs';
import type { IndicatorRegistry } from '../../registry/indicators.js';
import type { Finding, FindingLog, Rule } from '../findings.js';
import type { RawObservation } from '../layouts.js';
import type { Sniffed } from '../sniff.js';
import type { ObservationValidator } from '../validate.js';
import type { ObservationBuilder } from '../../table/observations.js';
import type { SheetSummary, ZipLimits } from '../xlsx.js';
import type { WorkBudget } from '../../util/work-budget.js';

export type Fatal = (rule: Rule, message: string, where?: Partial<Finding>) => void;

export interface ReadLimits {
  maxRows: number;
  maxErrors: number;
  maxLineBytes: number;
  maxWholeFileBytes: number;
  workUnitsPerByte: number;
}

/** What a reader gets: the file, the limits, and where its observations and findings go. */
export interface ReadContext {
  path: string;
  /** The name findings give the file. */
  file: string;
  size: number;
  sniffed: Sniffed;
  limits: ReadLimits;
  log: FindingLog;
  /** Indicator of a file without an indicator column (World Bank long CSV). */
  indicator?: string;
  acceptValid: boolean;
  workbookLimits?: Partial<ZipLimits>;
  indicators: IndicatorRegistry;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Each observation read; throws `StopReading` when a limit is hit (a reader lets it through). */
  accept(raw: RawObservation): void;
  /**
   * The columnar path (CSV): the validator and builder `accept` feeds, and `counted`, called after each observation
   * given to the validator directly (counts it; throws `StopReading` when a limit is hit).
   */
  validator: ObservationValidator;
  builder: ObservationBuilder;
  counted(line: number): void;
  /**
   * `n` observations appended straight to the builder (no step found anything to say), each within the limits: the
   * caller appended them only while the builder held fewer than `limits.maxRows` rows.
   */
  countedMany(n: number): void;
  fatal: Fatal;
  /** Every byte of the file, as read (the file's hash is computed in the same pass). */
  onChunk(chunk: Buffer): void;
  /** The submission's work budget (src/util/work-budget.ts): readers spend the bytes they pass over; observations are spent by `counted`. */
  budget: WorkBudget;
}

/** What a reader found: the format name the result reports, and how findings name the value column and lines. */
export interface ReadOutcome {
  format: string;
  /** The value column's name in the file's vocabulary (for table-level findings); default `value`. */
  valueColumn?: string;
  /** Workbooks: each sheet and its observations. */
  sheets?: SheetSummary[];
  /** How table-level findings name a line (workbooks: sheet and row). */
  lineName?: (line: number) => string;
}

export interface InputFormat {
  name: string;
  /** One line for the docs. */
  description: string;
  /** Whether this format reads the file, from its sniffed first 64 KiB. */
  recognises(sniffed: Sniffed, head: Uint8Array): boolean;
  /** The format the result reports when a limit stops the reading before `read` returns (e.g. the file is too large). */
  stoppedAs(sniffed: Sniffed): string;
  /** Findings of this format that make a file unusable as a whole, whatever acceptValid says (beyond the common ones). */
  structuralRules?: readonly Rule[];
  /** Rejected rows are located by sheet and cell (the rejects file gets those columns). */
  cells?: boolean;
  /** Read the file; problems are findings (through `ctx.fatal` or `ctx.log`), never exceptions. */
  read(ctx: ReadContext): Promise<ReadOutcome>;
}

/** Stops the reading when a limit is hit; the finding that says why is already logged. */
export class StopReading extends Error {}

/** JSON, Arrow, Parquet and workbooks are read whole, so their size is capped (CSV streams in bounded memory at any size). */
export function readWhole(ctx: ReadContext, what = 'JSON, Arrow and Parquet files'): Buffer {
  const max = ctx.limits.maxWholeFileBytes;
  if (ctx.size > max) {
    ctx.fatal('too-large', `${(ctx.size / 2 ** 20).toFixed(0)} MiB is above the ${max / 2 ** 20} MiB limit for ${what}; submit large files as CSV`);
    throw new StopReading();
  }
  const bytes = readFileSync(ctx.path);
  ctx.onChunk(bytes);
  // Whole-file readers pass over their bytes once (their decoders are linear and capped by the size above).
  ctx.budget.spend(bytes.length);
  return bytes;
}

/** JSON and columnar values as the text a CSV cell would hold, so one validator serves every format. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'NaN';
  // int64/uint64 Arrow columns (pandas and pyarrow write them by default) come back as BigInt.
  if (typeof v === 'bigint') return v.toString();
  return typeof v === 'string' ? v : JSON.stringify(v);
}
export const optionalText = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : cellText(v));

export const errorMessage = (e: unknown): string => String((e as Error)?.message ?? e);

/** Rows of decoded columns with the canonical names (Arrow or Parquet); the line of a row is its row number. */
export function acceptColumns(
  names: readonly string[],
  numRows: number,
  column: (name: string) => { get(row: number): unknown } | null | undefined,
  rule: 'bad-arrow' | 'bad-parquet',
  what: string,
  ctx: ReadContext,
): void {
  const col = (name: string) => column(name) ?? undefined;
  const missing = ['economy', 'indicator', 'year', 'value'].filter((c) => !col(c));
  if (missing.length) {
    ctx.fatal(rule, `the ${what} lacks the column(s) ${missing.join(', ')} (it has ${names.join(', ') || 'none'})`, { column: missing.join(', ') });
    return;
  }
  const [e, i, y, v, n, s, sc] = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code'].map(col);
  for (let r = 0; r < numRows; r++) {
    ctx.accept({
      line: r + 1,
      economy: cellText(e!.get(r)),
      indicator: cellText(i!.get(r)),
      year: cellText(y!.get(r)),
      value: cellText(v!.get(r)),
      note: n ? optionalText(n.get(r)) : undefined,
      source: s ? optionalText(s.get(r)) : undefined,
      seriesCode: sc ? optionalText(sc.get(r)) : undefined,
      economyColumn: 'economy',
      indicatorColumn: 'indicator',
      yearColumn: 'year',
      valueColumn: 'value',
    });
  }
}
