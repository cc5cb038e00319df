import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { loadIndicatorRegistry, type IndicatorRegistry } from '../registry/indicators.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { ObservationBuilder } from '../table/observations.js';
import { readParquetColumns, readParquetFooter, type ParquetFooter } from '../table/parquet.js';
import { csvRow, restoreFormulaText } from '../util/csv.js';
import { inputFileSize } from '../util/files.js';
import { FindingLog, type Finding, type Rule } from './findings.js';
import { EXPECTED_LAYOUTS, detectCsvLayout, type CsvFormat, type CsvLayout, type RawObservation } from './layouts.js';
import { sniffFile, type TextEncoding } from './sniff.js';
import { streamCsvRecords } from './csv-stream.js';
import { ObservationValidator, checkSubmission, type EconomyClassifier } from './validate.js';
import {
  SHEET_LINE_SPAN,
  WORKBOOK_STRUCTURAL_RULES,
  WorkbookRefused,
  readWorkbookObservations,
  readWorkbookSheets,
  type SheetSummary,
  type ZipLimits,
} from './xlsx.js';

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
  /** Progress callback (bytes read, total bytes); the CLI draws a bar on a terminal. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** The name findings and the result give the input (default: the path); in-memory inputs are read from a private temporary file. */
  displayName?: string;
  indicators?: IndicatorRegistry;
  economies?: EconomyClassifier;
  /** Workbooks: caps checked on the ZIP archive before it is parsed (see DEFAULT_ZIP_LIMITS). */
  workbookLimits?: Partial<ZipLimits>;
}

export type IngestFormat = 'canonical' | 'itu-datahub' | 'wb-long' | 'wide' | 'json' | 'arrow-file' | 'arrow-stream' | 'parquet' | 'xlsx' | 'unknown';

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
  /** Workbooks: each sheet, the layout it was read in (null: not read) and its observations. */
  sheets?: SheetSummary[];
}

export const DEFAULT_LIMITS = {
  maxRows: 5_000_000,
  maxErrors: 1000,
  maxLineBytes: 1 << 20,
  maxWholeFileBytes: 64 << 20, // JSON.parse of a file needs several times its size in memory; also Parquet's uncompressed row groups (and a workbook is read whole)
};

/** Stops the reading when a limit is hit; the finding that says why is already logged. */
class StopReading extends Error {}

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
    const book = format === 'xlsx';
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
  const accept = (raw: RawObservation): void => {
    observationsRead++;
    validator.accept(raw);
    if (builder.length > limits.maxRows) {
      fatal(
        'too-large',
        `more than ${limits.maxRows.toLocaleString('en')} observations; reading stopped (the limit is the maxRows option, --max-rows on the command line)`,
        { line: raw.line },
      );
      throw new StopReading();
    }
    if (!opts.acceptValid && log.errors >= limits.maxErrors) {
      fatal(
        'too-many-errors',
        `${log.errors} errors; reading stopped at this line (fix them, or accept the valid rows only: --accept-valid on the command line)`,
        { line: raw.line },
      );
      throw new StopReading();
    }
  };

  const sniffed = sniffFile(path);
  let format: IngestFormat = 'unknown';
  let sheets: SheetSummary[] | undefined;
  try {
    switch (sniffed.kind) {
      case 'empty':
        fatal('empty-file', size === 0 ? 'the file is empty' : 'the file holds only white space');
        break;
      case 'binary':
        fatal(
          'binary-file',
          sniffed.utf16
            ? 'the file is UTF-16 text; save it as UTF-8 (or Latin-1) CSV'
            : sniffed.compoundFile
              ? 'a legacy Excel .xls workbook or a password-protected one: save it as .xlsx (Excel Workbook) without a password'
              : 'the file is binary (not CSV, JSON, Arrow IPC, Parquet or an Excel workbook): it holds NUL or control bytes',
        );
        break;
      case 'xlsx': {
        format = 'xlsx';
        const bytes = hashed(readWhole(path, size, limits.maxWholeFileBytes, fatal, 'workbooks'), hashChunk);
        opts.onProgress?.(size, size);
        try {
          const book = await readWorkbookSheets(bytes, opts.workbookLimits);
          sheets = readWorkbookObservations(book, { file, indicator: opts.indicator }, log, accept, fatal);
        } catch (e) {
          if (!(e instanceof WorkbookRefused)) throw e;
          fatal(e.rule, e.message);
        }
        break;
      }
      case 'arrow-file':
      case 'arrow-stream':
        format = sniffed.kind;
        readArrow(hashed(readWhole(path, size, limits.maxWholeFileBytes, fatal), hashChunk), file, accept, fatal);
        break;
      case 'parquet':
        format = 'parquet';
        await readParquet(hashed(readWhole(path, size, limits.maxWholeFileBytes, fatal), hashChunk), limits, accept, fatal);
        break;
      case 'json':
        format = 'json';
        readJson(
          hashed(readWhole(path, size, limits.maxWholeFileBytes, fatal), hashChunk).toString(sniffed.encoding === 'utf-8' ? 'utf8' : 'latin1'),
          accept,
          fatal,
        );
        break;
      case 'text': {
        if (sniffed.encoding === 'latin1')
          log.add({ severity: 'warning', rule: 'encoding', file, message: `not valid UTF-8 (byte ${sniffed.invalidUtf8At}); read as Latin-1 (Windows-1252)` });
        format = await readCsv(path, file, size, sniffed.encoding, opts, limits, accept, fatal, hashChunk);
        // Only blank lines (form feeds, repeated byte-order marks...): no header was found, and nothing said why.
        if (format === 'unknown' && log.errors === 0) fatal('empty-file', 'the file holds no header row, only blank lines or white space');
        break;
      }
    }
  } catch (e) {
    if (!(e instanceof StopReading)) throw e;
  }

  // Table-level rules once every row is in.
  const valueColumn = { 'itu-datahub': 'dataValue', 'wb-long': 'Value', wide: '(year column)' }[format as string] ?? 'value';
  const sha256 = hashedBytes === size ? hash.digest('hex') : await hashFile(path);
  const submissionId = opts.submissionId ?? `${basename(file)}@${sha256.slice(0, 12)}`;
  const lineName =
    format === 'xlsx' && sheets ? (line: number): string => `[${sheets![Math.floor(line / SHEET_LINE_SPAN)]?.name}] row ${line % SHEET_LINE_SPAN}` : undefined;
  const keep = checkSubmission(builder, { file, indicators, economies, log, jumpFactor: opts.jumpFactor, valueColumn, lineName }, (row, f) => {
    const ec = builder.column('economy')[row],
      ic = builder.column('indicator')[row];
    conflictRows++;
    writeReject([builder.dictionary('economy')[ec], builder.dictionary('indicator')[ic], builder.column('year')[row], builder.column('value')[row]], f);
  });
  if (rejectsFd !== undefined) closeSync(rejectsFd);

  if (builder.length === 0 && log.errors === 0 && format !== 'unknown')
    fatal('no-data-rows', observationsRead === 0 ? 'the file has a header but no data rows' : 'no row holds an observation that can be used');
  // A mid-file UTF-8 failure stops the reading (an error); the Latin-1 warning from the sniffer does not.
  const structural = STRUCTURAL_RULES.some((r) => log.count(r) > 0) || log.counts.get('encoding')?.severity === 'error';
  const status: IngestResult['status'] = structural || (!opts.acceptValid && log.errors > 0) ? 'rejected' : 'accepted';
  if (status === 'rejected') keep.fill(0);
  const summary = summarise(builder, keep);
  return {
    file,
    submissionId,
    sha256,
    format,
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
  'no-data-rows',
  ...WORKBOOK_STRUCTURAL_RULES,
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

const hashed = (bytes: Buffer, onChunk: (b: Buffer) => void): Buffer => {
  onChunk(bytes);
  return bytes;
};

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** SHA-256 of a file, streamed: it names the submission and is kept with every revision. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

type Fatal = (rule: Rule, message: string, where?: Partial<Finding>) => void;

/** JSON, Arrow, Parquet and workbooks are read whole, so their size is capped (CSV streams in bounded memory at any size). */
function readWhole(file: string, size: number, max: number, fatal: Fatal, what = 'JSON, Arrow and Parquet files'): Buffer {
  if (size > max) {
    fatal('too-large', `${(size / 2 ** 20).toFixed(0)} MiB is above the ${max / 2 ** 20} MiB limit for ${what}; submit large files as CSV`);
    throw new StopReading();
  }
  return readFileSync(file);
}

async function readCsv(
  path: string,
  file: string,
  size: number,
  encoding: TextEncoding,
  opts: IngestOptions,
  limits: typeof DEFAULT_LIMITS,
  accept: (raw: RawObservation) => void,
  fatal: Fatal,
  onChunk: (chunk: Buffer) => void,
): Promise<IngestFormat> {
  let layout: CsvLayout | undefined;
  let format: IngestFormat = 'unknown';
  // Text a CSV writer neutralised against formula injection (ours: util/csv.ts) reads back as it was written.
  const acceptCsv = (raw: RawObservation): void => {
    if (raw.note !== undefined) raw.note = restoreFormulaText(raw.note.trim());
    if (raw.source !== undefined) raw.source = restoreFormulaText(raw.source.trim());
    accept(raw);
  };
  await streamCsvRecords(
    path,
    { encoding, maxLineBytes: limits.maxLineBytes, onBytes: (n) => opts.onProgress?.(n, size), onChunk },
    (fields, at) => {
      if (!layout) {
        const found = detectCsvLayout(fields, { file, indicator: opts.indicator });
        if (!found) {
          fatal('unknown-format', `the header matches no supported layout; expected ${EXPECTED_LAYOUTS}`, { line: at, value: fields.join(',').slice(0, 120) });
          return 'stop';
        }
        if ('missing' in found) {
          fatal('missing-column', `a ${found.format} file needs the column(s) ${found.missing.join(', ')}`, { line: at, column: found.missing.join(', ') });
          return 'stop';
        }
        layout = found;
        format = found.format as CsvFormat; // detectCsvLayout finds CSV layouts only
        return;
      }
      if (fields.length !== layout.width) {
        fatal('malformed-row', `${fields.length} fields where the header has ${layout.width}`, { line: at, value: fields.join(',').slice(0, 120) });
        return opts.acceptValid ? undefined : 'stop';
      }
      try {
        layout.read(fields, at, acceptCsv);
      } catch (e) {
        if (e instanceof StopReading) return 'stop';
        throw e;
      }
    },
    fatal,
  );
  return format;
}

/** A JSON array of records {economy, indicator, year, value[, note][, source]} (or {"observations": [...]}). */
function readJson(text: string, accept: (raw: RawObservation) => void, fatal: Fatal): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? lineColumnAt(text, Number(pos[1])) : undefined;
    fatal('bad-json', `not valid JSON: ${msg}`, where ? { line: where.line, column: `character ${where.column}` } : {});
    return;
  }
  const records = Array.isArray(doc) ? doc : (doc as { observations?: unknown })?.observations;
  if (!Array.isArray(records)) {
    fatal('bad-json', 'expected a list of records [{"economy": ..., "indicator": ..., "year": ..., "value": ...}, ...] or {"observations": [...]}');
    return;
  }
  const lines = recordLines(text);
  for (let k = 0; k < records.length; k++) {
    const r = records[k];
    const line = lines[k] ?? 0;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      fatal('bad-json', `record ${k + 1} is not an object`, { line });
      continue;
    }
    const rec = r as Record<string, unknown>;
    const missing = ['economy', 'indicator', 'year', 'value'].filter((f) => !(f in rec));
    if (missing.length) {
      fatal('missing-column', `record ${k + 1} lacks ${missing.join(', ')}`, { line, column: missing.join(', ') });
      continue;
    }
    accept({
      line,
      economy: text_(rec.economy),
      indicator: text_(rec.indicator),
      year: text_(rec.year),
      value: text_(rec.value),
      note: optional(rec.note),
      source: optional(rec.source),
      seriesCode: optional(rec.series_code),
      economyColumn: 'economy',
      indicatorColumn: 'indicator',
      yearColumn: 'year',
      valueColumn: 'value',
    });
  }
}

/** JSON values as the text a CSV cell would hold, so one validator serves every format. */
function text_(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'NaN';
  // int64/uint64 Arrow columns (pandas and pyarrow write them by default) come back as BigInt.
  if (typeof v === 'bigint') return v.toString();
  return typeof v === 'string' ? v : JSON.stringify(v);
}
const optional = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : text_(v));

/**
 * The line on which each record starts (one pass, strings skipped): the records are the top-level array,
 * or the array under the top-level key "observations" (not whatever array comes first). Every element
 * counts, scalars too, so that a bad element does not shift the lines of the records after it.
 */
function recordLines(text: string): number[] {
  const out: number[] = [];
  let line = 1,
    depth = 0,
    inString = false,
    target = -1,
    stringStart = 0,
    key = '',
    expectRecord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) {
        inString = false;
        if (depth === 1) key = text.slice(stringStart, i); // the last string before a '[' at depth 1 is its key
      }
      continue;
    }
    if (expectRecord && depth === target - 1 && c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 93) {
      out.push(line);
      expectRecord = false;
    }
    if (c === 34) {
      inString = true;
      stringStart = i + 1;
    } else if (c === 91 || c === 123) {
      depth++;
      if (target < 0 && c === 91 && (depth === 1 || (depth === 2 && key === 'observations'))) {
        target = depth + 1; // records sit one level inside
        expectRecord = true;
      }
    } else if (c === 93 || c === 125) depth--;
    else if (c === 44 && depth === target - 1) expectRecord = true;
  }
  return out;
}

function lineColumnAt(text: string, pos: number): { line: number; column: number } {
  let line = 1,
    last = -1;
  for (let i = 0; i < pos && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  return { line, column: pos - last };
}

/** Arrow IPC (file or stream) with the canonical columns; the line of a row is its row number. */
function readArrow(bytes: Buffer, file: string, accept: (raw: RawObservation) => void, fatal: Fatal): void {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    fatal('bad-arrow', `cannot read Arrow IPC: ${(e as Error).message}`);
    return;
  }
  acceptColumns(
    table.schema.fields.map((f) => f.name),
    table.numRows,
    (name) => table.getChild(name),
    'bad-arrow',
    'Arrow table',
    accept,
    fatal,
  );
  void file;
}

/**
 * Parquet: the footer is parsed and checked against the limits first (rows, and the row groups' uncompressed
 * bytes, which is what decoding allocates), then the columns are decoded (each page capped at the same size)
 * and read as an Arrow table's would be.
 */
async function readParquet(bytes: Buffer, limits: typeof DEFAULT_LIMITS, accept: (raw: RawObservation) => void, fatal: Fatal): Promise<void> {
  let footer: ParquetFooter;
  try {
    footer = readParquetFooter(bytes);
  } catch (e) {
    fatal('bad-parquet', `cannot read the Parquet footer: ${message(e)}`);
    return;
  }
  const decoded = footer.rowGroups.reduce((a, g) => a + g.bytes, 0);
  if (footer.rows > limits.maxRows) {
    fatal(
      'too-large',
      `the Parquet footer gives ${footer.rows.toLocaleString('en')} rows, above the ${limits.maxRows.toLocaleString('en')} limit (raise it with --max-rows)`,
    );
    return;
  }
  if (decoded > limits.maxWholeFileBytes) {
    const big = footer.rowGroups.reduce((k, g, i) => (g.bytes > footer.rowGroups[k].bytes ? i : k), 0);
    fatal(
      'too-large',
      `the Parquet row groups hold ${(decoded / 2 ** 20).toFixed(1)} MiB uncompressed (row group ${big + 1}: ${(footer.rowGroups[big].bytes / 2 ** 20).toFixed(1)} MiB), above the ${limits.maxWholeFileBytes / 2 ** 20} MiB limit; submit large files as CSV`,
    );
    return;
  }
  const names = footer.columns.map((c) => c.name);
  const missing = ['economy', 'indicator', 'year', 'value'].filter((c) => !names.includes(c));
  if (missing.length) {
    fatal('bad-parquet', `the Parquet file lacks the column(s) ${missing.join(', ')} (it has ${names.join(', ') || 'none'})`, { column: missing.join(', ') });
    return;
  }
  let cols;
  try {
    cols = await readParquetColumns(bytes, footer, limits.maxWholeFileBytes, PARQUET_READ_COLUMNS);
  } catch (e) {
    fatal('bad-parquet', `cannot read Parquet: ${message(e)}`);
    return;
  }
  const data = cols.data;
  acceptColumns(
    [...data.keys()],
    cols.rows,
    (name) => {
      const v = data.get(name);
      return v && { get: (r: number) => v[r] };
    },
    'bad-parquet',
    'Parquet file',
    accept,
    fatal,
  );
}

const PARQUET_READ_COLUMNS = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code'];
const message = (e: unknown): string => String((e as Error)?.message ?? e);

/** Rows of decoded columns with the canonical names (Arrow or Parquet); the line of a row is its row number. */
function acceptColumns(
  names: readonly string[],
  numRows: number,
  column: (name: string) => { get(row: number): unknown } | null | undefined,
  rule: 'bad-arrow' | 'bad-parquet',
  what: string,
  accept: (raw: RawObservation) => void,
  fatal: Fatal,
): void {
  const col = (name: string) => column(name) ?? undefined;
  const missing = ['economy', 'indicator', 'year', 'value'].filter((c) => !col(c));
  if (missing.length) {
    fatal(rule, `the ${what} lacks the column(s) ${missing.join(', ')} (it has ${names.join(', ') || 'none'})`, { column: missing.join(', ') });
    return;
  }
  const [e, i, y, v, n, s, sc] = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code'].map(col);
  for (let r = 0; r < numRows; r++) {
    accept({
      line: r + 1,
      economy: text_(e!.get(r)),
      indicator: text_(i!.get(r)),
      year: text_(y!.get(r)),
      value: text_(v!.get(r)),
      note: n ? optional(n.get(r)) : undefined,
      source: s ? optional(s.get(r)) : undefined,
      seriesCode: sc ? optional(sc.get(r)) : undefined,
      economyColumn: 'economy',
      indicatorColumn: 'indicator',
      yearColumn: 'year',
      valueColumn: 'value',
    });
  }
}
