/**
 * The columnar tariff reader (src/prices/tariffs.ts over the byte tokenizer of src/ingest/csv-bytes.ts: field byte
 * ranges, numbers from bytes, codes by bytes) against the reader it replaced (test/prices/legacy-tariff-reader.ts: records as strings through
 * streamCsvRecords, one string check per cell): on random tariff files (fast-check, fixed seed), the same table
 * (every column, every dictionary) or the same rejection, and the same findings (rule, line, column, value,
 * message, in order) and counts. The files mix valid plans with what real and hostile files hold: case and blank
 * variants, Unicode blanks and case mappings, every number syntax, quoted fields, CR/LF/CRLF, blank lines, BOM,
 * Latin-1, invalid UTF-8, wrong field counts, shuffled, missing and unknown columns, files past the 64 KiB block.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FindingLog } from '../../src/ingest/findings.js';
import { TARIFF_COLUMNS, readTariffs } from '../../src/prices/tariffs.js';
import { readTariffs as legacyReadTariffs } from './legacy-tariff-reader.js';

const SEED = 20261201;
const dir = mkdtempSync(join(tmpdir(), 'ictstat-tariff-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
/** A blank a cell may be padded with (trim removes them all; only space and tab are blanks to the tokenizer). */
const pad = fc.oneof({ weight: 12, arbitrary: fc.constant('') }, { weight: 1, arbitrary: pick(' ', '\t', '  ', '\u00a0', '\v', '\ufeff', ' \u2003') });
const num = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 100000 }).map((x) => String(x / 100)) },
  { weight: 2, arbitrary: fc.double({ noNaN: true }).map(String) },
  {
    weight: 3,
    arbitrary: pick(
      '',
      '0',
      '-0',
      '+5',
      '-3',
      '.5',
      '5.',
      '.',
      '1e3',
      '1E-2',
      '2e',
      '1e999',
      '1e-400',
      '0x10',
      '1_000',
      '1,000',
      '12,5',
      '1,234,567.5',
      '007',
      '123456789012345678901',
      '0.1234567890123456789',
      '99999999999999.5',
      '4503599627370497',
      'abc',
      'NaN',
      'Infinity',
      'unlimited',
      'UNLIMITED',
      'Unlimited ',
      '٣',
      '１２',
      '1.5.2',
      '--1',
    ),
  },
);
/** Values every rule accepts (case and blank variants included). */
const valid: Record<(typeof TARIFF_COLUMNS)[number], fc.Arbitrary<string>> = {
  economy: pick('KEN', 'KEN', 'UGA', 'ken', 'FRA', 'CIV'),
  year: pick('2021', '2022'),
  operator: pick('Safaricom', 'Airtel', 'Telkom Kenya', 'Orange, S.A.', 'Télécel', 'MTN "Y\'ello"', 'Straße'),
  operator_rank: pick('1', '2', '3', '01'),
  plan: pick('P1', 'P2', 'Data 2GB', 'Plan, big', 'Ünlimited', 'p1'),
  service: pick('mobile', 'mobile', 'Mobile', 'MOBILE', 'fixed'),
  payment: pick('prepaid', 'postpaid', 'PrePaid'),
  currency: pick('KES', 'kes', 'USD', 'XTS', 'uß'),
  price: fc.oneof(
    fc.integer({ min: 0, max: 100000 }).map((x) => String(x / 100)),
    pick('1e3', '.5', '5.', '+5', '-0', '007', '0.1234567890123456789'),
  ),
  validity_days: pick('30', '7', '1', '90', '30.5'),
  data_mb: fc.oneof(fc.integer({ min: 0, max: 100000 }).map(String), pick('', 'unlimited', 'UNLIMITED', '1e999')),
  voice_min: fc.oneof(fc.integer({ min: 0, max: 1000 }).map(String), pick('', 'Unlimited')),
  sms: fc.oneof(fc.integer({ min: 0, max: 1000 }).map(String), pick('', 'unlimited')),
  speed_kbps: pick('', '', '512', '1e4'),
  technology: pick('4G', '4G', '3G', '4g', '5G', '2G', 'fixed', 'FIXED', 'fıxed'),
  extra_mb_price: pick('', '', '0.05'),
  extra_min_price: pick('', '', '1.5'),
  extra_sms_price: pick('', '1'),
  addon_mb: fc.constant(''),
  addon_price: fc.constant(''),
  promotional: pick('false', 'false', 'true', 'TRUE', 'False'),
  taxes_included: pick('true', 'true', 'True'),
  vat_rate: pick('', '16', '0', '100'),
  commitment_months: pick('', '', '12'),
  note: pick('', '', 'synthetic', 'promo, limited', 'note "quoted"', 'é', ' x '),
  connection_charge: pick('', '', '0.5'),
};
/** What real and hostile files hold besides. */
const messy: Record<(typeof TARIFF_COLUMNS)[number], fc.Arbitrary<string>> = {
  economy: pick('KEN', 'KEN', 'ken', 'Kenya', 'KE', '404', 'UGA', 'FRA', 'WLD', 'XYZ', 'KENN', '', 'Côte d’Ivoire', 'CIV', 'XKX'),
  year: pick('2021', '2022', '2022', '1959', '1960', '2999', '21', '02021', '2021.0', '', 'year', '２０２１'),
  operator: pick('Safaricom', 'Airtel', 'Telkom Kenya', 'Orange, S.A.', 'Télécel', 'MTN "Y\'ello"', '', 'op', 'Straße'),
  operator_rank: pick('1', '2', '3', '0', '01', '1.0', '-1', '', 'x', '99999999999'),
  plan: pick('P1', 'P2', 'Data 2GB', 'Plan, big', '', 'Ünlimited', 'P1', 'p1'),
  service: pick('mobile', 'mobile', 'Mobile', 'MOBILE', 'fixed', 'mobil', '', 'mobİle'),
  payment: pick('prepaid', 'prepaid', 'postpaid', 'PrePaid', 'pre-paid', ''),
  currency: pick('KES', 'KES', 'kes', 'Kes', 'USD', 'US', 'USDX', 'U$D', '', 'uß', 'eur', 'XTS', '€€€'),
  price: num,
  validity_days: fc.oneof({ weight: 4, arbitrary: pick('30', '7', '1', '90') }, { weight: 1, arbitrary: num }),
  data_mb: num,
  voice_min: num,
  sms: num,
  speed_kbps: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: num }),
  technology: pick('4G', '4G', '3G', '4g', '5G', '2G', 'fixed', 'FIXED', 'Fixed', 'fıxed', 'LTE', '', '6G'),
  extra_mb_price: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: num }),
  extra_min_price: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: num }),
  extra_sms_price: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: num }),
  addon_mb: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: num }),
  addon_price: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: num }),
  promotional: pick('false', 'false', 'true', 'TRUE', 'False', 'yes', '', '0'),
  taxes_included: pick('true', 'true', 'false', 'FALSE', 'True', 'no', ''),
  vat_rate: fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: pick('16', '0', '100', '100.5', '-1', 'x', '16%') }),
  commitment_months: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: num }),
  note: pick('', '', 'synthetic', 'promo, limited', 'note "quoted"', 'é', ' x '),
  connection_charge: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: num }),
};
const rowOf = (cells: typeof valid): fc.Arbitrary<Record<string, string>> =>
  fc.record(
    Object.fromEntries(TARIFF_COLUMNS.map((c) => [c, fc.tuple(pad, cells[c], pad).map(([a, v, b]) => a + v + b)])) as Record<string, fc.Arbitrary<string>>,
  );
/** Mostly valid plans (a file with one bad plan is rejected: both outcomes must come up), some with messy cells. */
const row = fc.oneof(
  { weight: 12, arbitrary: rowOf(valid) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(rowOf(valid), rowOf(messy), fc.array(fc.constantFrom(...TARIFF_COLUMNS), { minLength: 1, maxLength: 4 }))
      .map(([v, m, cols]) => ({ ...v, ...Object.fromEntries(cols.map((c) => [c, m[c]])) })),
  },
);
/** A CSV field: quoted when it must be, sometimes when it need not be. */
const quote = (v: string, always: boolean): string => (always || /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

interface FileSpec {
  columns: string[];
  rows: { cells: Record<string, string>; quoteAll: boolean; extra: number; end: string; blankBefore: string | null }[];
  bom: boolean;
  finalNewline: boolean;
  encoding: 'utf-8' | 'latin1';
  corrupt: number | null;
  repeat: number;
  json: boolean;
}
const fileSpec: fc.Arbitrary<FileSpec> = fc.record({
  columns: fc.oneof(
    { weight: 8, arbitrary: fc.constant([...TARIFF_COLUMNS]) },
    { weight: 2, arbitrary: fc.shuffledSubarray([...TARIFF_COLUMNS], { minLength: TARIFF_COLUMNS.length - 1 }) },
    { weight: 1, arbitrary: fc.constant(TARIFF_COLUMNS.filter((c) => c !== 'connection_charge')) },
    { weight: 1, arbitrary: fc.constant([...TARIFF_COLUMNS.slice(0, -1), 'conection_charge']) },
    { weight: 1, arbitrary: fc.constant([...TARIFF_COLUMNS.map((c) => (c === 'note' ? ' note ' : c))]) },
  ),
  rows: fc.array(
    fc.record({
      cells: row,
      quoteAll: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      extra: fc.oneof({ weight: 60, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: pick(-1, 1, -25) }),
      end: fc.oneof({ weight: 12, arbitrary: fc.constant('\n') }, { weight: 2, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constant('\r') }),
      blankBefore: fc.oneof({ weight: 15, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: pick('', '  ', '\t', ' ,', '\u00a0') }),
    }),
    { minLength: 0, maxLength: 25 },
  ),
  bom: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  finalNewline: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  encoding: fc.oneof({ weight: 8, arbitrary: fc.constant('utf-8' as const) }, { weight: 1, arbitrary: fc.constant('latin1' as const) }),
  corrupt: fc.oneof({ weight: 10, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }),
  // Files past the 64 KiB blocks of the reader (and of streamCsvRecords).
  repeat: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 30, max: 120 }) }),
  // The same plans as JSON records (the string path of the reader).
  json: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

function fileBytes(f: FileSpec): Buffer {
  if (f.json) return Buffer.from(JSON.stringify(f.rows.map((r) => Object.fromEntries(f.columns.map((c) => [c, r.cells[c.trim()] ?? ''])))));
  const lines: string[] = [f.columns.join(',') + '\n'];
  for (let k = 0; k < f.repeat; k++)
    for (const r of f.rows) {
      if (r.blankBefore !== null) lines.push(r.blankBefore + '\n');
      let cells = f.columns.map((c) => quote(r.cells[c.trim()] ?? '', r.quoteAll));
      if (r.extra > 0) cells.push('x');
      if (r.extra < 0) cells = cells.slice(0, Math.max(1, cells.length + r.extra));
      lines.push(cells.join(',') + r.end);
    }
  let text = (f.bom ? '\ufeff' : '') + lines.join('');
  if (!f.finalNewline) text = text.replace(/(\r\n|\r|\n)$/, '');
  // Latin-1: the characters it has as single bytes (the others as '?').
  let bytes = f.encoding === 'latin1' ? Buffer.from(text.replace(/[^\x00-\xff]/g, '?'), 'latin1') : Buffer.from(text, 'utf8');
  if (f.corrupt !== null && bytes.length > 0) {
    const at = Math.floor(f.corrupt * bytes.length);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xc3]), bytes.subarray(at)]);
  }
  return bytes;
}

type Outcome = { ok: true; result: Awaited<ReturnType<typeof readTariffs>> } | { ok: false; message: string; code: unknown };

async function outcome(read: typeof readTariffs, path: string, log: FindingLog): Promise<Outcome> {
  try {
    return { ok: true, result: await read(path, 'tariffs.csv', log) };
  } catch (e) {
    return { ok: false, message: (e as Error).message, code: (e as { code?: unknown }).code };
  }
}

/** Element by element with Object.is: -0 is not 0, NaN is NaN. */
function sameArray(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) expect({ what, k, value: b[k] }).toEqual({ what, k, value: a[k] });
}

let files = 0;
async function compare(bytes: Buffer): Promise<Outcome> {
  const path = join(dir, `t${files++}.csv`);
  writeFileSync(path, bytes);
  const oldLog = new FindingLog(),
    newLog = new FindingLog();
  const was = await outcome(legacyReadTariffs as unknown as typeof readTariffs, path, oldLog);
  const now = await outcome(readTariffs, path, newLog);
  rmSync(path);
  expect(newLog.examples).toEqual(oldLog.examples);
  expect([...newLog.counts]).toEqual([...oldLog.counts]);
  expect(newLog.errors).toBe(oldLog.errors);
  expect(now.ok).toBe(was.ok);
  if (!now.ok || !was.ok) {
    expect(now).toEqual(was);
    return now;
  }
  const a = was.result.table as unknown as Record<string, unknown>,
    b = now.result.table as unknown as Record<string, unknown>;
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const k of Object.keys(a)) {
    const x = a[k],
      y = b[k];
    if (ArrayBuffer.isView(x) || Array.isArray(x)) sameArray(x as ArrayLike<unknown>, y as ArrayLike<unknown>, k);
    else expect(y, k).toEqual(x);
  }
  expect(now.result.rows).toBe(was.result.rows);
  expect(now.result.format).toBe(was.result.format);
  return now;
}

describe('the columnar tariff reader reads what the string reader read', () => {
  it('random tariff files: the same table or rejection, the same findings', async () => {
    let accepted = 0,
      rejected = 0;
    await fc.assert(
      fc.asyncProperty(fileSpec, async (f) => {
        const o = await compare(fileBytes(f));
        if (o.ok) accepted++;
        else rejected++;
      }),
      { seed: SEED, numRuns: 1000 },
    );
    // The generator reaches both outcomes (a property that only ever compares rejections would prove little).
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  }, 240_000);

  it('valid random plans (no corruption): the same table, cell by cell', async () => {
    const clean = fc.array(
      fc.record({
        price: fc.integer({ min: 1, max: 10 ** 9 }).map((x) => String(x / 1000)),
        data: fc.oneof(fc.integer({ min: 0, max: 10 ** 7 }).map(String), fc.constant('unlimited'), fc.constant('')),
        voice: fc.oneof(fc.integer({ min: 0, max: 10 ** 4 }).map(String), fc.constant('Unlimited')),
        name: fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !/[",\r\n]/.test(s) && s.trim() !== ''),
        eco: pick('KEN', 'UGA', 'tza', 'FRA', ' DEU'),
      }),
      { minLength: 1, maxLength: 200 },
    );
    await fc.assert(
      fc.asyncProperty(clean, async (plans) => {
        const body = plans
          .map((p, k) => `${p.eco},2022,${p.name},1,P${k % 7},mobile,prepaid,KES,${p.price},30,${p.data},${p.voice},,,4G,,,,,,false,true,,,${p.name},`)
          .join('\n');
        const o = await compare(Buffer.from(`${TARIFF_COLUMNS.join(',')}\n${body}\n`));
        expect(o.ok).toBe(true);
      }),
      { seed: SEED, numRuns: 150 },
    );
  }, 120_000);

  it('at the 64 KiB block boundary: a character split across it, a CR before it, a quote after it, invalid bytes in the next block', async () => {
    const head = `${TARIFF_COLUMNS.join(',')}\n`;
    const plan = (op: string, end = '\n') => `KEN,2022,${op},1,P,mobile,prepaid,KES,10,30,100,10,10,,4G,,,,,,false,true,,,,${end}`;
    for (let shift = -3; shift <= 3; shift++) {
      // The filler leaves room for one plan whose CR is the block's last byte (shift 0) or near it.
      const filler = plan('Safaricom').repeat(Math.floor((65536 - head.length - 200) / plan('Safaricom').length));
      const gap = 65536 - Buffer.byteLength(head + filler) + shift;
      const padded = head + filler + plan('X'.repeat(gap - plan('').length), '\r');
      expect(Buffer.byteLength(padded)).toBe(65536 + shift);
      for (const tail of [plan('Télécel'), plan('"Orange, S.A."'), plan('é').repeat(3), plan('Safaricom', '\r\n')]) {
        expect((await compare(Buffer.from(padded + tail))).ok).toBe(true);
        await compare(Buffer.concat([Buffer.from(padded), Buffer.from([0xe9]), Buffer.from(tail)]));
        await compare(Buffer.concat([Buffer.from(padded + tail), Buffer.from([0xc3])]));
      }
    }
  }, 120_000);

  it('records over the 1 MiB record limit, quoted or not, and a stray quote: the same finding', async () => {
    const head = `${TARIFF_COLUMNS.join(',')}\n`;
    const good = 'KEN,2022,Op,1,P,mobile,prepaid,KES,10,30,100,10,10,,4G,,,,,,false,true,,,,\n';
    const big = 'x'.repeat((1 << 20) + 10);
    for (const bad of [`KEN,2022,${big},1\n`, `KEN,2022,"${big}",1\n`, `KEN,2022,"open,1\n${good}`, `KEN,2022,a"b,1\n`, `KEN,2022,é${big}\n`])
      expect((await compare(Buffer.from(head + good.repeat(50) + bad + good))).ok).toBe(false);
  }, 120_000);
});
