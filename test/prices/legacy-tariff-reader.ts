/**
 * THE TARIFF READER AS IT WAS before the columnar one (src/prices/tariffs.ts), kept as the oracle of
 * test/prices/tariff-reader.property.test.ts only: CSV records through streamCsvRecords as strings, one string check
 * per cell (the column lists and the column builder, unchanged, are the library's). Not used by the library.
 */
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { FindingLog, formatFinding, type Finding, type Rule } from '../../src/ingest/findings.js';
import { sniffFile, type TextEncoding } from '../../src/ingest/sniff.js';
import { streamCsvRecords } from '../../src/ingest/csv-stream.js';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { UserInputError } from '../../src/util/errors.js';
import { inputFileSize } from '../../src/util/files.js';
import { suggest } from '../../src/util/suggest.js';
import { isDecimalText } from '../../src/util/number-syntax.js';
import {
  OPTIONAL_TARIFF_COLUMNS,
  PAYMENTS,
  PLAN_TECHNOLOGIES,
  SERVICES,
  TARIFF_COLUMNS,
  TariffBuilder,
  type TariffColumn,
  type TariffReadResult,
} from '../../src/prices/tariffs.js';

/**
 * Validates one plan (cells by column index in TARIFF_COLUMNS order) into the builder.
 * Returns false (row dropped) after logging an error; every finding names line, column, value and rule.
 */
export class TariffRowReader {
  private readonly economyCache = new Map<string, string | null>();
  private readonly economies = loadEconomyRegistry();
  private readonly maxYear = new Date().getUTCFullYear() + 1;

  constructor(
    private readonly file: string,
    private readonly b: TariffBuilder,
    private readonly log: FindingLog,
  ) {}

  read(cells: readonly string[], line: number): boolean {
    const b = this.b,
      file = this.file;
    const r = b.push();
    let ok = true;
    const err = (column: TariffColumn, value: string, message: string, rule: Rule = 'bad-tariff-field'): void => {
      ok = false;
      this.log.add({ severity: 'error', rule, file, line, column, value, message });
    };
    const cell = (c: number): string => (cells[c] ?? '').trim();
    // economy
    const code = cell(0);
    let iso3 = this.economyCache.get(code);
    if (iso3 === undefined) {
      const c = this.economies.classify(code);
      iso3 = c.kind === 'economy' ? c.economy.iso3 : null;
      this.economyCache.set(code, iso3);
    }
    if (iso3 === null) {
      const c = this.economies.classify(code);
      err(
        'economy',
        code,
        'not in the economy registry' +
          (c.kind === 'unknown' && c.suggestions.length
            ? `; did you mean ${c.suggestions.join(' or ')}?`
            : c.kind === 'aggregate'
              ? ' (an aggregate, not an economy)'
              : ''),
        'unknown-economy',
      );
    } else b.i32.economy[r] = b.dicts.economy.code(iso3);
    // year
    const yearText = cell(1);
    const year = Number(yearText);
    if (!/^\d{4}$/.test(yearText) || year < 1960 || year > this.maxYear) err('year', yearText, `must be a year from 1960 to ${this.maxYear}`);
    else b.year[r] = year;
    const operator = cell(2);
    if (!operator) err('operator', operator, 'must not be empty');
    else b.i32.operator[r] = b.dicts.operator.code(operator);
    const rank = cell(3);
    if (!/^\d+$/.test(rank) || Number(rank) < 1) err('operator_rank', rank, 'must be a whole number >= 1 (1 = largest market share)');
    else b.i32.operatorRank[r] = Number(rank);
    const plan = cell(4);
    if (!plan) err('plan', plan, 'must not be empty');
    else b.i32.plan[r] = b.dicts.plan.code(plan);
    const enumOf = (c: number, col: TariffColumn, allowed: readonly string[], lower = true): number => {
      const v = lower ? cell(c).toLowerCase() : cell(c).toUpperCase() === 'FIXED' ? 'fixed' : cell(c).toUpperCase();
      const k = allowed.indexOf(v);
      if (k < 0) err(col, cell(c), `must be one of ${allowed.join('|')}`);
      return Math.max(k, 0);
    };
    b.u8.service[r] = enumOf(5, 'service', SERVICES);
    b.u8.payment[r] = enumOf(6, 'payment', PAYMENTS);
    const currency = cell(7).toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) err('currency', cell(7), 'must be a 3-letter ISO 4217 code');
    else b.i32.currency[r] = b.dicts.currency.code(currency);
    const num = (
      c: number,
      col: TariffColumn,
      opts: { required?: boolean; unlimited?: boolean; positive?: boolean; max?: number; emptyAs?: number },
    ): number => {
      const t = cell(c);
      if (t === '') {
        if (opts.required) err(col, t, 'must not be empty');
        return opts.emptyAs ?? NaN;
      }
      if (opts.unlimited && t.toLowerCase() === 'unlimited') return Infinity;
      if (!isDecimalText(t)) {
        err(
          col,
          t,
          `must be a number${opts.unlimited ? ', "unlimited"' : ''}${opts.required ? '' : ' or empty'}` +
            (/^\d{1,3}(,\d{3})+/.test(t) || /^\d+,\d+$/.test(t) ? ' (no thousands separators or decimal commas)' : ''),
        );
        return NaN;
      }
      const x = Number(t);
      if (x < 0 || (opts.positive && x === 0) || (opts.max !== undefined && x > opts.max)) {
        err(col, t, `must be ${opts.positive ? '> 0' : '>= 0'}${opts.max !== undefined ? ` and <= ${opts.max}` : ''}`);
        return NaN;
      }
      return x;
    };
    b.f64.price[r] = num(8, 'price', { required: true });
    b.f64.validityDays[r] = num(9, 'validity_days', { required: true, positive: true });
    // Allowances: empty = none (0), "unlimited" = Infinity.
    b.f64.dataMb[r] = num(10, 'data_mb', { unlimited: true, emptyAs: 0 });
    b.f64.voiceMin[r] = num(11, 'voice_min', { unlimited: true, emptyAs: 0 });
    b.f64.sms[r] = num(12, 'sms', { unlimited: true, emptyAs: 0 });
    b.f64.speedKbps[r] = num(13, 'speed_kbps', {});
    b.u8.technology[r] = enumOf(14, 'technology', PLAN_TECHNOLOGIES, false);
    b.f64.extraMbPrice[r] = num(15, 'extra_mb_price', {});
    b.f64.extraMinPrice[r] = num(16, 'extra_min_price', {});
    b.f64.extraSmsPrice[r] = num(17, 'extra_sms_price', {});
    const addonMb = (b.f64.addonMb[r] = num(18, 'addon_mb', { positive: true }));
    const addonPrice = (b.f64.addonPrice[r] = num(19, 'addon_price', {}));
    if (Number.isNaN(addonMb) !== Number.isNaN(addonPrice) && ok)
      err(
        Number.isNaN(addonMb) ? 'addon_mb' : 'addon_price',
        Number.isNaN(addonMb) ? cell(18) : cell(19),
        'addon_mb and addon_price go together: give both or neither',
      );
    const bool = (c: number, col: TariffColumn): number => {
      const t = cell(c).toLowerCase();
      if (t !== 'true' && t !== 'false') err(col, cell(c), 'must be true or false');
      return t === 'true' ? 1 : 0;
    };
    b.u8.promotional[r] = bool(20, 'promotional');
    const taxes = (b.u8.taxesIncluded[r] = bool(21, 'taxes_included'));
    const vat = (b.f64.vatRate[r] = num(22, 'vat_rate', { max: 100 }));
    if (!taxes && cell(21).toLowerCase() === 'false' && Number.isNaN(vat) && cell(22) === '')
      err('vat_rate', '', 'taxes_included is false, so vat_rate (in percent) is needed to add the tax', 'missing-vat-rate');
    b.f64.commitmentMonths[r] = num(23, 'commitment_months', {});
    b.i32.note[r] = b.dicts.note.code(cell(24));
    b.f64.connectionCharge[r] = num(25, 'connection_charge', {});
    b.i32.line[r] = line;
    if (!ok) b.pop();
    return ok;
  }
}

/** Header check: every column of the format, no others (order free). Returns the cell index of each column. */
function mapHeader(header: readonly string[], file: string, log: FindingLog, line = 1): number[] | null {
  const names = header.map((h) => h.trim().replace(/^\ufeff/, ''));
  let ok = true;
  for (const [k, h] of names.entries())
    if (!(TARIFF_COLUMNS as readonly string[]).includes(h)) {
      const near = suggest(h, TARIFF_COLUMNS);
      log.add({
        severity: 'error',
        rule: 'unknown-column',
        file,
        line,
        column: h,
        value: h,
        message: `column ${k + 1} is not a tariff column` + (near.length ? `; did you mean "${near[0]}"?` : ''),
      });
      ok = false;
    }
  const missing = TARIFF_COLUMNS.filter((c) => !names.includes(c) && !OPTIONAL_TARIFF_COLUMNS.includes(c));
  if (missing.length) {
    log.add({
      severity: 'error',
      rule: 'missing-column',
      file,
      line,
      column: missing.join(', '),
      message: `a tariff file needs the columns ${TARIFF_COLUMNS.filter((c) => !OPTIONAL_TARIFF_COLUMNS.includes(c)).join(',')} (optional: ${OPTIONAL_TARIFF_COLUMNS.join(', ')})`,
    });
    ok = false;
  }
  return ok ? TARIFF_COLUMNS.map((c) => names.indexOf(c)) : null;
}

const MAX_ERRORS = 1000;
class Stop extends Error {}

/**
 * Read and validate a tariff file (CSV, JSON or Arrow, detected from the content). Throws UserInputError when
 * rejected; `log` receives every finding (given, it can be read after a rejection).
 */
export async function readTariffs(path: string, displayName?: string, log = new FindingLog()): Promise<TariffReadResult> {
  const file = displayName ?? path; // what findings call the input
  const size = inputFileSize(path, 'tariff file');
  const builder = new TariffBuilder(Math.min(1 << 22, Math.max(1024, Math.ceil(size / 80))));
  const reader = new TariffRowReader(file, builder, log);
  const fatal = (rule: Rule, message: string, where: Partial<Finding> = {}): void => log.add({ severity: 'error', rule, file, message, ...where });
  const sniffed = sniffFile(path);
  let format: TariffReadResult['format'] = 'csv';
  let rows = 0;
  const readCells = (cells: string[], line: number): void => {
    rows++;
    reader.read(cells, line);
    if (log.errors >= MAX_ERRORS) {
      fatal('too-many-errors', `${log.errors} errors; reading stopped at this line`, { line });
      throw new Stop();
    }
  };
  try {
    if (sniffed.kind === 'empty') fatal('empty-file', 'the tariff file is empty');
    else if (sniffed.kind === 'binary') fatal('binary-file', 'the file is binary (not CSV, JSON or Arrow IPC)');
    else if (sniffed.kind === 'parquet') fatal('binary-file', 'the file is Parquet: tariff plans are read from CSV, JSON or Arrow IPC');
    else if (sniffed.kind === 'arrow-file' || sniffed.kind === 'arrow-stream') {
      format = 'arrow';
      let t;
      try {
        t = tableFromIPC(readFileSync(path));
      } catch (e) {
        fatal('bad-arrow', `cannot read Arrow IPC: ${(e as Error).message}`);
      }
      if (t) {
        const names = t.schema.fields.map((f) => f.name);
        const index = mapHeader(names, file, log);
        if (index) {
          const cols = index.map((k) => (k < 0 ? null : t.getChildAt(k)!));
          for (let i = 0; i < t.numRows; i++)
            readCells(
              cols.map((c) => (c ? cellText(c.get(i)) : '')),
              i + 1,
            );
        }
      }
    } else if (sniffed.kind === 'json') {
      format = 'json';
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(path, sniffed.encoding === 'utf-8' ? 'utf8' : 'latin1'));
      } catch (e) {
        fatal('bad-json', `not valid JSON: ${(e as Error).message}`);
      }
      const records = Array.isArray(doc) ? doc : (doc as { plans?: unknown[] } | undefined)?.plans;
      if (doc !== undefined && !Array.isArray(records)) fatal('bad-json', 'expected an array of plan records, or {"plans": [...]}');
      else if (records) {
        const keys = new Set<string>();
        for (const r of records) if (r && typeof r === 'object') for (const k of Object.keys(r)) keys.add(k);
        // Absent keys in some records are empty cells; the key set must still be the format's.
        const index = mapHeader(
          [
            ...TARIFF_COLUMNS.filter((c) => keys.has(c) || c === 'note' || OPTIONAL_TARIFF_COLUMNS.includes(c)),
            ...[...keys].filter((k) => !(TARIFF_COLUMNS as readonly string[]).includes(k)),
          ],
          file,
          log,
        );
        if (index)
          records.forEach((r, k) => {
            if (!r || typeof r !== 'object') {
              fatal('bad-json', `record ${k + 1} is not an object`, { line: k + 1 });
              return;
            }
            readCells(
              TARIFF_COLUMNS.map((c) => cellText((r as Record<string, unknown>)[c])),
              k + 1,
            );
          });
      }
    } else await readTariffCsv(path, file, sniffed.encoding, log, readCells);
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  if (log.errors === 0 && builder.length === 0) fatal('no-data-rows', 'the tariff file has a header but no plans');
  if (log.errors > 0) {
    const shown = log
      .sorted()
      .filter((f) => f.severity === 'error')
      .slice(0, 20)
      .map(formatFinding);
    throw new UserInputError(
      `${file}: tariff file rejected: ${log.errors} error(s)\n${shown.join('\n')}${log.errors > shown.length ? `\n... and ${log.errors - shown.length} more` : ''}`,
    );
  }
  return { table: builder.toTable(file), log, format, rows };
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'unlimited' : String(v);
  if (typeof v === 'bigint') return v.toString();
  return String(v);
}

async function readTariffCsv(
  path: string,
  file: string,
  encoding: TextEncoding,
  log: FindingLog,
  readCells: (cells: string[], line: number) => void,
): Promise<void> {
  let index: number[] | null | undefined;
  let width = 0;
  await streamCsvRecords(
    path,
    { encoding, maxLineBytes: 1 << 20 },
    (fields, at) => {
      if (index === undefined) {
        index = mapHeader(fields, file, log, at);
        width = fields.length;
        return index ? undefined : 'stop';
      }
      if (fields.length !== width) {
        log.add({
          severity: 'error',
          rule: 'malformed-row',
          file,
          line: at,
          value: fields.join(',').slice(0, 120),
          message: `${fields.length} fields where the header has ${width}`,
        });
        return;
      }
      try {
        readCells(
          index!.map((k) => fields[k]),
          at,
        );
      } catch (e) {
        if (e instanceof Stop) return 'stop';
        throw e;
      }
    },
    (rule, message, where) => log.add({ severity: 'error', rule, file, message, ...where }),
  );
}
