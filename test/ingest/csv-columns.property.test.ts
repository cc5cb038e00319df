import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { streamCsvRecords } from '../../src/ingest/csv-stream.js';
import { INPUT_FORMATS, StopReading, type InputFormat } from '../../src/ingest/formats/index.js';
import type { IngestResult } from '../../src/ingest/ingest.js';
import { EXPECTED_LAYOUTS, detectCsvLayout, type CsvLayout, type RawObservation } from '../../src/ingest/layouts.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { restoreFormulaText } from '../../src/util/csv.js';
import { decimalFromBytes, plainDecimalFromBytes } from '../../src/util/number-syntax.js';
import { ingest, rows, tempDir } from './helpers.js';

/**
 * The columnar CSV path (byte ranges, cells interned by their bytes, numbers parsed from bytes) against the record
 * path it replaced (the text tokenizer, one record of strings per row through `layout.read` and the validator's
 * `accept`), kept here as the oracle: on random CSVs of every layout, with hostile cells, quotes, line ends, blank
 * lines, Latin-1 and small limits, both give the same status, counts, findings (in order, every field), table,
 * dictionaries and rejects file.
 */
const tmp = tempDir('ictstat-csv-columns-');
afterAll(() => tmp.cleanup());

const VALUE_COLUMN: Record<string, string> = { 'itu-datahub': 'dataValue', 'wb-long': 'Value', wide: '(year column)' };

/** The record path, as `formats/csv.ts` read CSV before the columnar path (session 4). */
const recordPath: InputFormat = {
  name: 'csv-records',
  description: 'the record path (oracle)',
  recognises: (s) => s.kind === 'text',
  stoppedAs: () => 'unknown',
  async read(ctx) {
    const { file, log, fatal } = ctx;
    if (ctx.sniffed.encoding === 'latin1')
      log.add({ severity: 'warning', rule: 'encoding', file, message: `not valid UTF-8 (byte ${ctx.sniffed.invalidUtf8At}); read as Latin-1 (Windows-1252)` });
    let layout: CsvLayout | undefined;
    let format = 'unknown';
    const acceptCsv = (raw: RawObservation): void => {
      if (raw.note !== undefined) raw.note = restoreFormulaText(raw.note.trim());
      if (raw.source !== undefined) raw.source = restoreFormulaText(raw.source.trim());
      ctx.accept(raw);
    };
    await streamCsvRecords(
      ctx.path,
      { encoding: ctx.sniffed.encoding, maxLineBytes: ctx.limits.maxLineBytes, onBytes: (n) => ctx.onProgress?.(n, ctx.size), onChunk: ctx.onChunk },
      (fields, at) => {
        if (!layout) {
          const found = detectCsvLayout(fields, { file, indicator: ctx.indicator });
          if (!found) {
            fatal('unknown-format', `the header matches no supported layout; expected ${EXPECTED_LAYOUTS}`, {
              line: at,
              value: fields.join(',').slice(0, 120),
            });
            return 'stop';
          }
          if ('missing' in found) {
            fatal('missing-column', `a ${found.format} file needs the column(s) ${found.missing.join(', ')}`, { line: at, column: found.missing.join(', ') });
            return 'stop';
          }
          layout = found;
          format = found.format;
          return;
        }
        if (fields.length !== layout.width) {
          fatal('malformed-row', `${fields.length} fields where the header has ${layout.width}`, { line: at, value: fields.join(',').slice(0, 120) });
          return ctx.acceptValid ? undefined : 'stop';
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
    if (format === 'unknown' && log.errors === 0) fatal('empty-file', 'the file holds no header row, only blank lines or white space');
    return { format, valueColumn: VALUE_COLUMN[format] };
  },
};
const RECORD_FORMATS = INPUT_FORMATS.map((f) => (f.name === 'csv' ? recordPath : f));

const HEADERS = [
  'economy,indicator,year,value',
  'economy,indicator,year,value,note,source,series_code',
  ' Economy , INDICATOR,year,value,note',
  'seriesCode,entityIso,dataValue,dataYear,dataNote,dataSource',
  'Country Name,Country Code,Year,Value',
  'economy,indicator,2019,2020 [YR2020],YR2021,note',
  'Country Code,2019,2020',
  'economy,indicator,year',
  'foo,bar',
];
// Each cell: mostly valid, sometimes hostile.
const ECONOMIES = [
  ['KEN', 'GHA', 'FRA', 'ken', 'KE', '404'],
  [' KEN ', 'WLD', 'KSO', 'ANT', 'ZZZ', '', 'KÉN', '"KEN"', '"K""N"', '\u00a0KEN'],
];
const INDICATORS = [
  ['i99H', 'internet_users_pct', 'i911', 'price_ipb_mobile_cellular_usd'],
  [' i99H', 'nope', '', '"i99H"'],
];
const YEARS = [
  ['2015', '2016', '2017', '2018', '2019', '2020', '2021', '2022'],
  [' 2021', '2019.0', '2019.', '1800', '2030', 'abc', '20190', '', '0', '"2019"', '\u00a02019', '٢٠١٩'],
];
const VALUES = [
  ['20', '-1.5', '.5', '3.', '1e-3', '1E2', '+4', '-0', '0', '0.30000000000000004', '99.999999999999999999', ' 7 ', '"8"', '1e-30', '12.25'],
  ['"1,234"', '"12,5"', '12,5', '', '  ', '..', '1e999', '123456789012345678', 'NaN', '\u00a05', '5\u00a0', '"1,5"', '1e', '.', '-', '5000', '٥'],
];
const NOTES = ['', 'x', 'a note', '€ “q”', "'=cmd", "'+1", ' padded ', '"with, comma"', '"say ""hi"""', '"two\nlines"', '"cr\rline"', 'é', 'n'.repeat(30)];
const EOLS = ['\n', '\r\n', '\r'];

const cell = ([good, bad]: string[][]) => fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 6 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
const rare = <T>(usual: T, ...others: T[]) => fc.oneof({ arbitrary: fc.constant(usual), weight: 30 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
const row = fc.record({
  economy: cell(ECONOMIES),
  indicator: cell(INDICATORS),
  year: cell(YEARS),
  value: cell(VALUES),
  note: cell([NOTES.slice(0, 3), NOTES.slice(3)]),
  source: cell([NOTES.slice(0, 3), NOTES.slice(3)]),
  extra: rare(0, 1, -1),
  blankBefore: rare('', '\n', ' \n', '\f\n', ' \f,\n'),
  mangle: rare('', '"x"y', '"open', ' "q" ', '\t'),
});

/** A line of the header's layout from a generated row (wide: the value repeated over the year columns). */
function line(header: string, r: RowT): string {
  const cols = header.split(',').map((h) => h.trim().toLowerCase());
  const cells = cols.map((c, k) => {
    if (c === 'economy' || c === 'country code' || c === 'entityiso') return r.economy;
    if (c === 'indicator' || c === 'seriescode') return r.indicator;
    if (c === 'year' || c === 'datayear') return r.year;
    if (c === 'value' || c === 'datavalue') return r.value;
    if (c === 'note' || c === 'datanote') return r.note;
    if (c === 'source' || c === 'datasource') return r.source;
    if (c === 'series_code') return k % 2 ? r.indicator : '';
    if (c === 'country name') return 'Kenya';
    return k % 3 === 0 ? '' : r.value; // a year column of a wide file
  });
  if (r.extra > 0) cells.push('extra');
  if (r.extra < 0) cells.pop();
  if (r.mangle) cells[cells.length - 1] += r.mangle;
  return r.blankBefore + cells.join(',');
}
type RowT = {
  economy: string;
  indicator: string;
  year: string;
  value: string;
  note: string;
  source: string;
  extra: number;
  blankBefore: string;
  mangle: string;
};

const file = fc.record({
  header: fc.oneof({ arbitrary: fc.constantFrom(...HEADERS.slice(0, -2)), weight: 8 }, { arbitrary: fc.constantFrom(...HEADERS.slice(-2)), weight: 1 }),
  rows: fc.array(row, { maxLength: 25 }),
  eol: fc.constantFrom(...EOLS),
  finalEol: fc.boolean(),
  bom: fc.constantFrom(false, false, false, true),
  latin1: fc.constantFrom(false, false, false, false, true),
  acceptValid: fc.boolean(),
  maxErrors: fc.constantFrom(1000, 1000, 3, 1),
  maxRows: fc.oneof({ arbitrary: fc.constant(5_000_000), weight: 6 }, { arbitrary: fc.constant(4), weight: 1 }),
  maxLineBytes: fc.oneof({ arbitrary: fc.constant(1 << 20), weight: 6 }, { arbitrary: fc.constantFrom(70, 200), weight: 1 }),
});

/** Everything a caller sees of a result, the file's name aside. */
function seen(r: IngestResult, rejects: string | undefined) {
  return {
    status: r.status,
    format: r.format,
    encoding: r.encoding,
    counts: [r.observationsRead, r.accepted, r.valid, r.rejected, r.skipped, r.economies, r.years],
    indicators: r.indicators,
    findings: r.log.sorted(),
    ruleCounts: [...r.log.counts.entries()],
    errors: [r.log.errors, r.log.warnings],
    table: rows(r.table, ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code', 'line']).map((x) => ({
      ...x,
      neg0: Object.is(x.value, -0),
    })),
    dictionaries: ['economy', 'indicator', 'note', 'source', 'series_code'].map((c) => {
      const d = r.table.getChild(c)?.data[0]?.dictionary;
      return d ? d.toArray() : null;
    }),
    rejects: rejects && r.rejectsFile ? readFileSync(rejects, 'utf8') : null,
  };
}

let k = 0;
describe('the columnar CSV path', () => {
  it('gives the record path’s result on random CSVs: status, counts, findings, table, dictionaries, rejects (property)', async () => {
    await fc.assert(
      fc.asyncProperty(file, async (f) => {
        const text = [f.header, ...f.rows.map((r) => line(f.header, r))].join(f.eol) + (f.finalEol ? f.eol : '');
        let bytes: Buffer = Buffer.from((f.bom ? '\ufeff' : '') + text, 'utf8');
        // Latin-1: é, NBSP, € (0x80) and “ (0x93) as one byte make the file invalid UTF-8 (read as Windows-1252, with a warning).
        if (f.latin1)
          bytes = Buffer.from(
            text
              .replace(/[^\x00-\xff€“]/g, '?')
              .replace(/€/g, '\x80')
              .replace(/“/g, '\x93'),
            'latin1',
          );
        const name = `f${++k}.csv`;
        const path = tmp.file(name, bytes);
        const opts = { acceptValid: f.acceptValid, maxErrors: f.maxErrors, maxRows: f.maxRows, maxLineBytes: f.maxLineBytes, displayName: name };
        const ra = join(tmp.dir, `${name}.a.rejects.csv`),
          rb = join(tmp.dir, `${name}.b.rejects.csv`);
        const a = await ingest(path, { ...opts, rejectsFile: ra });
        const b = await ingest(path, { ...opts, rejectsFile: rb, formats: RECORD_FORMATS });
        expect(seen(a, ra)).toEqual(seen(b, rb));
      }),
      { numRuns: 600, seed: 14 },
    );
  });

  it('reads a big file the same as the record path: the benchmark-like canonical rows, chunks of 64 KiB, quoted notes across chunk ends', async () => {
    const lines = ['economy,indicator,year,value,note,source,series_code'];
    const econ = ['KEN', 'GHA', 'FRA', 'BRA', 'IND', 'WLD', 'ZZZ'];
    const inds = loadIndicatorRegistry()
      .indicators.filter((d) => !d.derived && d.kind === 'percent')
      .map((d) => d.id);
    for (let i = 0; i < 20_000; i++) {
      const e = econ[Math.floor(i / 66) % 7],
        ind = inds[Math.floor(i / 462) % inds.length];
      const note = i % 13 === 0 ? '"multi\nline, note ""q"""' : '';
      lines.push(`${e},${ind},${1960 + (i % 66)},${((i * 7.31) % 100).toFixed(i % 5)},${note},src${i % 3},${i % 2 ? 'IT.NET' : ''}`);
    }
    const path = tmp.file('big.csv', lines.join('\r\n') + '\r\n');
    const a = await ingest(path, { acceptValid: true, rejectsFile: join(tmp.dir, 'big.a.csv') });
    const b = await ingest(path, { acceptValid: true, rejectsFile: join(tmp.dir, 'big.b.csv'), formats: RECORD_FORMATS });
    expect(a.accepted).toBeGreaterThan(10_000);
    expect(seen(a, join(tmp.dir, 'big.a.csv'))).toEqual(seen(b, join(tmp.dir, 'big.b.csv')));
  });
});

// Rows in runs (one economy, indicator, note and source over many rows, as exports are ordered): after a run's first
// row every cell is decided, so most rows take the straight append; a value out of range, a price's 0, a count under a
// per-100 indicator, an empty or textual value, a year out of range or a repeated year anywhere in a run must still
// give the steps' findings, in order, and the same table.
describe('the columnar CSV path on rows in runs', () => {
  const run = fc.record({
    economy: fc.constantFrom('KEN', 'GHA', 'WLD', 'KSO', 'ZZZ', 'ken'),
    indicator: fc.constantFrom('internet_users_pct', 'price_ipb_mobile_cellular_usd', 'mobile_cell_p100', 'fixed_tel_subs', 'i99H', 'nope'),
    note: fc.constantFrom('', 'a note', "'=x", '"q, r"', 'n'.repeat(2001)),
    source: fc.constantFrom('', 'ITU', 'src'),
    series: fc.constantFrom('', 'IT.NET.USER.ZS'),
    first: fc.integer({ min: 1955, max: 2020 }),
    values: fc.array(
      fc.oneof(
        { arbitrary: fc.constantFrom('12.5', '40', '0.5', '99.99', '7'), weight: 12 },
        { arbitrary: fc.constantFrom('0', '-1', '150', '5000', '1e3', '', 'x', ' 8 ', '3e-1', '1e400', '"9"'), weight: 1 },
      ),
      { minLength: 1, maxLength: 40 },
    ),
    repeat: fc.constantFrom(false, false, false, true),
  });
  it('gives the record path’s result: status, counts, findings, table, dictionaries, rejects (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(run, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.constantFrom(5_000_000, 30),
        fc.constantFrom('\n', '\r\n'),
        async (runs, acceptValid, maxRows, eol) => {
          const lines = ['economy,indicator,year,value,note,source,series_code'];
          for (const r of runs)
            r.values.forEach((v, k) => {
              const year = r.first + (r.repeat && k === 3 ? 2 : k);
              lines.push([r.economy, r.indicator, year, v, r.note, r.source, r.series].join(','));
            });
          const name = `runs${++k}.csv`;
          const path = tmp.file(name, lines.join(eol) + eol);
          const opts = { acceptValid, maxRows, displayName: name };
          const ra = join(tmp.dir, `${name}.a.rejects.csv`),
            rb = join(tmp.dir, `${name}.b.rejects.csv`);
          const a = await ingest(path, { ...opts, rejectsFile: ra });
          const b = await ingest(path, { ...opts, rejectsFile: rb, formats: RECORD_FORMATS });
          expect(seen(a, ra)).toEqual(seen(b, rb));
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('a Windows-1252 file', () => {
  it('reads 0x80-0x9f as Windows-1252 (€, “), as the record path does, not as ISO-8859-1', async () => {
    const bytes = Buffer.concat([
      Buffer.from('economy,indicator,year,value,note\nKEN,i99H,2019,20,', 'latin1'),
      Buffer.from([0x80, 0x20, 0x93, 0x71, 0x94, 0xe9]),
      Buffer.from('\n', 'latin1'),
    ]);
    const path = tmp.file('cp1252.csv', bytes);
    const a = await ingest(path),
      b = await ingest(path, { formats: RECORD_FORMATS });
    expect(a.encoding).toBe('latin1');
    expect(rows(a.table, ['note'])).toEqual([{ note: '€ “q”é' }]);
    expect(seen(a, undefined)).toEqual(seen(b, undefined));
  });
});

describe('plainDecimalFromBytes', () => {
  it('is Number() of the text wherever it answers, and answers for [-]digits[.digits] of at most 15 digits (property)', () => {
    const plain = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{0,10}$/), fc.option(fc.stringMatching(/^\d{0,10}$/)))
      .map(([s, i, f]) => `${s}${i}${f === null ? '' : `.${f}`}`);
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(plain, fc.string({ maxLength: 12 }), fc.constantFrom('1e3', ' 5', '5 ', '.', '-.', '-.5', '3.', '-0', '0.1')), (t) => {
        const b = Buffer.from(t, 'latin1');
        const x = plainDecimalFromBytes(b, 0, b.length);
        const digits = t.replace(/[^0-9]/g, '').length;
        const ok = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/.test(t) && digits <= 15;
        if (!ok) expect(x).toBeNaN();
        else {
          answered++;
          expect(Object.is(x, Number(t)), t).toBe(true);
        }
      }),
      { numRuns: 20_000 },
    );
    expect(answered).toBeGreaterThan(5_000);
    for (const t of ['123456789012345', '0.00000000000001', '-999999999999.99'])
      expect(Object.is(plainDecimalFromBytes(Buffer.from(t), 0, t.length), Number(t)), t).toBe(true);
    for (const t of ['1234567890123456', '1.234567890123456', '+1', '1e2']) expect(plainDecimalFromBytes(Buffer.from(t), 0, t.length), t).toBeNaN();
  });
});

describe('decimalFromBytes', () => {
  it('is Number() of the text wherever it answers, and answers for short decimals (property)', () => {
    const decimal = fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        fc.stringMatching(/^\d{0,9}$/),
        fc.option(fc.stringMatching(/^\d{0,9}$/)),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 40 }))),
      )
      .map(([s, i, f, e]) => `${s}${i}${f === null ? '' : `.${f}`}${e === null ? '' : `${e[0]}${e[1]}${e[2]}`}`);
    fc.assert(
      fc.property(fc.oneof(decimal, fc.string({ maxLength: 12 })), (t) => {
        const b = Buffer.from(t, 'latin1');
        const x = decimalFromBytes(b, 0, b.length);
        const ok = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(t);
        if (!ok) expect(x).toBeNaN();
        else if (!Number.isNaN(x)) expect(Object.is(x, Number(t))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    // The fast path's reach: 15 significant digits (leading and trailing zeros aside), powers of ten within 1e±22.
    for (const t of ['0.1', '123456789012345', '-0', '5e22', '1e-22', '.5', '3.', '400040000000000000', '0.000120', '1200.0300'])
      expect(Object.is(decimalFromBytes(Buffer.from(t), 0, t.length), Number(t)), t).toBe(true);
    for (const t of ['1234567890123456', '1e23', '1e-23', '0.30000000000000004']) expect(decimalFromBytes(Buffer.from(t), 0, t.length), t).toBeNaN();
  });
});
