import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { Table } from 'apache-arrow';
import { loadIndicatorRegistry, type IndicatorRegistry } from '../registry/indicators.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { ObservationBuilder } from '../table/observations.js';
import { csvRow } from '../util/csv.js';
import { inputFileSize } from '../util/files.js';
import { WORK_BUDGET, WorkBudget, workLimit } from '../util/work-budget.js';
import { FindingLog, type Finding, type Rule } from './findings.js';
import { INPUT_FORMATS, StopReading, type InputFormat, type ReadContext, type ReadOutcome } from './formats/index.js';
import type { RawObservation } from './layouts.js';
import { SNIFF_BYTES, sniffBytes, type TextEncoding } from './sniff.js';
import { ObservationValidator, checkSubmission, type EconomyClassifier } from './validate.js';
import type { SheetSummary, ZipLimits } from './xlsx.js';

export interface IngestOptions {
  /** Indicator of a file that has no indicator column (World Bank long CSV); default: from the file name. */
  indicator?: string;
  /** Accept the valid rows and write the bad ones to `rejectsFile`, instead of rejecting the whole submission. */
  acceptValid?: boolean;
  rejectsFile?: string;
  submissionId?: string;
  jumpFactor?: number;
  now?: Date;
  /** Limits that keep memory bounded whatever the input. */
  maxRows?: number;
  maxErrors?: number;
  maxLineBytes?: number;
  maxWholeFileBytes?: number;
  /** The work budget's units per byte (default WORK_BUDGET.unitsPerByte): a bound on the parsers, see src/util/work-budget.ts. */
  workUnitsPerByte?: number;
  /** Progress callback (bytes read, total bytes); the CLI draws a bar on a terminal. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** The name findings and the result give the input (default: the path); in-memory inputs are read from a private temporary file. */
  displayName?: string;
  indicators?: IndicatorRegistry;
  economies?: EconomyClassifier;
  /** Workbooks: caps checked on the ZIP archive before it is parsed (see DEFAULT_ZIP_LIMITS). */
  workbookLimits?: Partial<ZipLimits>;
  /** The input formats tried, in order (default: the registry, `formats/index.ts`). */
  formats?: readonly InputFormat[];
}

/** The format a result reports: the registry's (CSV files report their layout), or a caller's own format's name. */
export type IngestFormat =
  | 'canonical'
  | 'itu-datahub'
  | 'wb-long'
  | 'wide'
  | 'json'
  | 'arrow-file'
  | 'arrow-stream'
  | 'parquet'
  | 'xlsx'
  | 'unknown'
  | (string & {});

export interface IngestResult {
  file: string;
  submissionId: string;
  sha256: string;
  format: IngestFormat;
  encoding: TextEncoding;
  status: 'accepted' | 'rejected';
  /** The accepted observations (empty when rejected). */
  table: Table;
  log: FindingLog;
  /** Observations read (a wide row counts once per filled year cell). */
  observationsRead: number;
  accepted: number;
  /** Rows that pass every rule (accepted unless the submission as a whole is rejected). */
  valid: number;
  rejected: number;
  skipped: number;
  economies: number;
  indicators: string[];
  years: [number, number] | null;
  rejectsFile?: string;
  /** The work budget: units spent and the limit (src/util/work-budget.ts). */
  work: { spent: number; limit: number };
  /** Workbooks: each sheet, the layout it was read in (null: not read) and its observations. */
  sheets?: SheetSummary[];
}

export const DEFAULT_LIMITS = {
  maxRows: 5_000_000,
  maxErrors: 1000,
  maxLineBytes: 1 << 20,
  /** The work budget's units per byte of the file (src/util/work-budget.ts; the row part is maxRows). */
  workUnitsPerByte: WORK_BUDGET.unitsPerByte,
  maxWholeFileBytes: 64 << 20, // JSON.parse of a file needs several times its size in memory; also Parquet's uncompressed row groups (and a workbook is read whole)
};

/**
 * Read one submission file into the canonical Arrow observation table and validate it.
 * The file's format and encoding are detected from its content. Problems in the content are findings in
 * the result, never exceptions; only a file that cannot be opened throws (a UserInputError).
 */
export async function ingestFile(path: string, opts: IngestOptions = {}): Promise<IngestResult> {
  const file = opts.displayName ?? path;
  const size = inputFileSize(path);
  const limits = { ...DEFAULT_LIMITS, ...definedOnly(opts) };
  const log = new FindingLog();
  const indicators = opts.indicators ?? loadIndicatorRegistry();
  const economies = opts.economies ?? loadEconomyRegistry();
  const builder = new ObservationBuilder(Math.min(1 << 20, Math.max(1024, Math.ceil(size / 40))));
  let rejectsFd: number | undefined;
  let rejectedRows = 0,
    conflictRows = 0;
  const rejectsPath = opts.acceptValid ? (opts.rejectsFile ?? `${path}.rejects.csv`) : undefined;
  const writeReject = (cells: Array<string | number | undefined>, f: Finding): void => {
    rejectedRows++;
    if (!rejectsPath) return;
    // A workbook's rejects name the sheet and cell too (line is then the row).
    if (f.sheet === undefined) log.locate?.(f);
    const book = reader?.cells === true;
    if (rejectsFd === undefined) {
      rejectsFd = openSync(rejectsPath, 'w');
      writeSync(rejectsFd, csvRow(['line', 'rule', 'message', 'economy', 'indicator', 'year', 'value', 'note', 'source', ...(book ? ['sheet', 'cell'] : [])]));
    }
    // Every row has the header's width (a conflict row has no note or source).
    const six = Array.from({ length: 6 }, (_, k) => cells[k]);
    writeSync(rejectsFd, csvRow([f.line, f.rule, f.message, ...six, ...(book ? [f.sheet, f.cell] : [])]));
  };
  let observationsRead = 0;
  // The file is hashed as it is read (one pass); only a read that stopped early hashes the rest afterwards.
  const hash = createHash('sha256');
  let hashedBytes = 0;
  const hashChunk = (chunk: Buffer): void => {
    hash.update(chunk);
    hashedBytes += chunk.length;
  };
  const budget = new WorkBudget(workLimit(size, limits.maxRows, { unitsPerByte: limits.workUnitsPerByte }));
  const validator = new ObservationValidator(
    {
      file,
      indicators,
      economies,
      log,
      now: opts.now,
      jumpFactor: opts.jumpFactor,
      onReject: (raw, f) => writeReject([raw.economy, raw.indicator, raw.year, raw.value, raw.note, raw.source], f),
    },
    builder,
  );
  const fatal = (rule: Rule, message: string, where: Partial<Finding> = {}): void => log.add({ severity: 'error', rule, file, message, ...where });
  // After every observation, whichever path validated it: the limits.
  const counted = (line: number): void => {
    observationsRead++;
    budget.spent++;
    if (builder.length > limits.maxRows) {
      fatal(
        'too-large',
        `more than ${limits.maxRows.toLocaleString('en')} observations; reading stopped (the limit is the maxRows option, --max-rows on the command line)`,
        { line },
      );
      throw new StopReading();
    }
    if (!opts.acceptValid && log.errors >= limits.maxErrors) {
      fatal(
        'too-many-errors',
        `${log.errors} errors; reading stopped at this line (fix them, or accept the valid rows only: --accept-valid on the command line)`,
        { line },
      );
      throw new StopReading();
    }
  };
  const countedMany = (n: number): void => {
    observationsRead += n;
    budget.spent += n;
  };
  const accept = (raw: RawObservation): void => {
    validator.accept(raw);
    counted(raw.line);
  };

  const head = readHead(path);
  const sniffed = sniffBytes(head, head.length < SNIFF_BYTES);
  const reader = (opts.formats ?? INPUT_FORMATS).find((f) => f.recognises(sniffed, head));
  let outcome: ReadOutcome = { format: reader ? reader.stoppedAs(sniffed) : 'unknown' };
  const format = (): string => outcome.format;
  const ctx: ReadContext = {
    path,
    file,
    size,
    sniffed,
    limits,
    log,
    indicator: opts.indicator,
    acceptValid: opts.acceptValid === true,
    workbookLimits: opts.workbookLimits,
    indicators,
    onProgress: opts.onProgress,
    accept,
    validator,
    builder,
    counted,
    countedMany,
    fatal,
    onChunk: hashChunk,
    budget,
  };
  try {
    if (reader) outcome = await reader.read(ctx);
    else fatal('unknown-format', 'no input format reads this file');
  } catch (e) {
    if (!(e instanceof StopReading)) throw e;
  }
  const sheets = outcome.sheets;

  // Table-level rules once every row is in.
  const valueColumn = outcome.valueColumn ?? 'value';
  const sha256 = hashedBytes === size ? hash.digest('hex') : await hashFile(path);
  const submissionId = opts.submissionId ?? `${basename(file)}@${sha256.slice(0, 12)}`;
  const lineName = outcome.lineName;
  const keep = checkSubmission(builder, { file, indicators, economies, log, jumpFactor: opts.jumpFactor, valueColumn, lineName }, (row, f) => {
    const ec = builder.column('economy')[row],
      ic = builder.column('indicator')[row];
    conflictRows++;
    writeReject([builder.dictionary('economy')[ec], builder.dictionary('indicator')[ic], builder.column('year')[row], builder.column('value')[row]], f);
  });
  if (rejectsFd !== undefined) closeSync(rejectsFd);

  if (builder.length === 0 && log.errors === 0 && format() !== 'unknown')
    fatal('no-data-rows', observationsRead === 0 ? 'the file has a header but no data rows' : 'no row holds an observation that can be used');
  // A mid-file UTF-8 failure stops the reading (an error); the Latin-1 warning from the sniffer does not.
  const structural =
    [...STRUCTURAL_RULES, ...(reader?.structuralRules ?? [])].some((r) => log.count(r) > 0) || log.counts.get('encoding')?.severity === 'error';
  const status: IngestResult['status'] = structural || (!opts.acceptValid && log.errors > 0) ? 'rejected' : 'accepted';
  if (status === 'rejected') keep.fill(0);
  const summary = summarise(builder, keep);
  return {
    file,
    submissionId,
    sha256,
    format: format(),
    encoding: sniffed.encoding,
    status,
    table: builder.toTable(keep, { submission_id: submissionId }),
    log,
    observationsRead,
    accepted: summary.rows,
    rejected: rejectedRows,
    // Rows neither accepted nor rejected: aggregates, non-ISO entities, empty values, repeated identical rows;
    // in a rejected submission the valid rows are not skipped, they are `valid`.
    skipped: Math.max(0, observationsRead - builder.length - (rejectedRows - conflictRows)) + log.count('duplicate'),
    valid: builder.length - conflictRows - log.count('duplicate'),
    economies: summary.economies,
    indicators: summary.indicators,
    years: summary.years,
    rejectsFile: rejectedRows > 0 ? rejectsPath : undefined,
    work: { spent: budget.spent, limit: budget.limit },
    ...(sheets ? { sheets } : {}),
  };
}

/** Findings that make a file unusable as a whole, whatever --accept-valid says. */
const STRUCTURAL_RULES: Rule[] = [
  'empty-file',
  'binary-file',
  'unknown-format',
  'missing-column',
  'malformed-row',
  'line-too-long',
  'bad-json',
  'bad-arrow',
  'bad-parquet',
  'too-large',
  'too-many-errors',
  'work-budget',
  'no-data-rows',
];

function summarise(builder: ObservationBuilder, keep: Uint8Array): { rows: number; economies: number; indicators: string[]; years: [number, number] | null } {
  const econ = builder.column('economy'),
    ind = builder.column('indicator'),
    year = builder.column('year');
  const seenEcon = new Uint8Array(builder.dictionary('economy').length),
    seenInd = new Uint8Array(builder.dictionary('indicator').length);
  let rows = 0,
    lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    rows++;
    seenEcon[econ[i]] = 1;
    seenInd[ind[i]] = 1;
    if (year[i] < lo) lo = year[i];
    if (year[i] > hi) hi = year[i];
  }
  return {
    rows,
    economies: seenEcon.reduce((a, b) => a + b, 0),
    indicators: builder.dictionary('indicator').filter((_, k) => seenInd[k]),
    years: rows ? [lo, hi] : null,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** SHA-256 of a file, streamed: it names the submission and is kept with every revision. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The first bytes of a file, from which its format is recognised. */
function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, SNIFF_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}
