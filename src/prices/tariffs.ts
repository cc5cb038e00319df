/**
 * Tariff plans: the loader and validator (CSV read by the project's byte tokenizer, src/ingest/csv-bytes.ts; JSON records, Arrow IPC) into a
 * columnar table of typed arrays, cells read from bytes into the columns (no per-plan objects). Modelled on src/ingest: format from the content, findings that name file,
 * line, column, value and rule (FindingLog / formatFinding), strict by default (any error rejects the file).
 */
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { FIELD_ESCAPED, fieldText, rangeDecoder, streamCsvBatches, type CsvFieldBatch } from '../ingest/csv-bytes.js';
import { FindingLog, formatFinding, type Finding, type Rule } from '../ingest/findings.js';
import { sniffFile, type TextEncoding } from '../ingest/sniff.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { UserInputError } from '../util/errors.js';
import { inputFileSize } from '../util/files.js';
import { suggest } from '../util/suggest.js';

export const TARIFF_COLUMNS = [
  'economy',
  'year',
  'operator',
  'operator_rank',
  'plan',
  'service',
  'payment',
  'currency',
  'price',
  'validity_days',
  'data_mb',
  'voice_min',
  'sms',
  'speed_kbps',
  'technology',
  'extra_mb_price',
  'extra_min_price',
  'extra_sms_price',
  'addon_mb',
  'addon_price',
  'promotional',
  'taxes_included',
  'vat_rate',
  'commitment_months',
  'note',
  'connection_charge',
] as const;
export type TariffColumn = (typeof TARIFF_COLUMNS)[number];
/** Columns a tariff file may leave out (empty in every row): added after the format was first published. */
export const OPTIONAL_TARIFF_COLUMNS: readonly TariffColumn[] = ['connection_charge'];

export const SERVICES = ['mobile', 'fixed'] as const;
export const PAYMENTS = ['prepaid', 'postpaid'] as const;
export const PLAN_TECHNOLOGIES = ['2G', '3G', '4G', '5G', 'fixed'] as const;

/**
 * Plans as columns. Numbers: NaN = empty (not sold / not stated); Infinity = "unlimited" (data, voice, SMS).
 * Enumerations are indexes into SERVICES, PAYMENTS, PLAN_TECHNOLOGIES; strings are dictionary-coded.
 */
export interface TariffTable {
  length: number;
  economy: Int32Array;
  economies: string[];
  year: Int16Array;
  operator: Int32Array;
  operators: string[];
  operatorRank: Int32Array;
  plan: Int32Array;
  plans: string[];
  service: Uint8Array;
  payment: Uint8Array;
  technology: Uint8Array;
  currency: Int32Array;
  currencies: string[];
  price: Float64Array;
  validityDays: Float64Array;
  dataMb: Float64Array;
  voiceMin: Float64Array;
  sms: Float64Array;
  speedKbps: Float64Array;
  extraMbPrice: Float64Array;
  extraMinPrice: Float64Array;
  extraSmsPrice: Float64Array;
  addonMb: Float64Array;
  addonPrice: Float64Array;
  promotional: Uint8Array;
  taxesIncluded: Uint8Array;
  vatRate: Float64Array;
  commitmentMonths: Float64Array;
  /** Per-call connection (set-up) charge in the plan's currency; NaN = none stated. */
  connectionCharge: Float64Array;
  note: Int32Array;
  notes: string[];
  /** The row's line in its file (record number for JSON and Arrow). */
  line: Int32Array;
  file: string;
}

class Dict {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  code(s: string): number {
    let k = this.index.get(s);
    if (k === undefined) this.index.set(s, (k = this.values.push(s) - 1));
    return k;
  }
}

const NUMERIC = [
  'price',
  'validityDays',
  'dataMb',
  'voiceMin',
  'sms',
  'speedKbps',
  'extraMbPrice',
  'extraMinPrice',
  'extraSmsPrice',
  'addonMb',
  'addonPrice',
  'vatRate',
  'commitmentMonths',
  'connectionCharge',
] as const;
const INTS = ['economy', 'operator', 'operatorRank', 'plan', 'currency', 'note', 'line'] as const;
const BYTES = ['service', 'payment', 'technology', 'promotional', 'taxesIncluded'] as const;

/** Growable columns; rows are appended field by field, no per-row objects are kept. */
export class TariffBuilder {
  length = 0;
  private cap: number;
  f64: Record<(typeof NUMERIC)[number], Float64Array>;
  i32: Record<(typeof INTS)[number], Int32Array>;
  u8: Record<(typeof BYTES)[number], Uint8Array>;
  year: Int16Array;
  readonly dicts = { economy: new Dict(), operator: new Dict(), plan: new Dict(), currency: new Dict(), note: new Dict() };

  constructor(capacity = 1024) {
    this.cap = capacity;
    this.f64 = Object.fromEntries(NUMERIC.map((k) => [k, new Float64Array(capacity)])) as TariffBuilder['f64'];
    this.i32 = Object.fromEntries(INTS.map((k) => [k, new Int32Array(capacity)])) as TariffBuilder['i32'];
    this.u8 = Object.fromEntries(BYTES.map((k) => [k, new Uint8Array(capacity)])) as TariffBuilder['u8'];
    this.year = new Int16Array(capacity);
  }

  /** Index of a new row (columns grown as needed). */
  push(): number {
    if (this.length === this.cap) {
      const cap = this.cap * 2;
      const grow = <T extends Float64Array | Int32Array | Uint8Array | Int16Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(cap);
        b.set(a);
        return b;
      };
      for (const k of NUMERIC) this.f64[k] = grow(this.f64[k]);
      for (const k of INTS) this.i32[k] = grow(this.i32[k]);
      for (const k of BYTES) this.u8[k] = grow(this.u8[k]);
      this.year = grow(this.year);
      this.cap = cap;
    }
    return this.length++;
  }

  /** Drop the last row (it failed validation). */
  pop(): void {
    this.length--;
  }

  /**
   * The rows as a table. Its columns are views of the builder's (no copy: the capacity past the last row was
   * never written, so it takes no memory); the builder is done with then.
   */
  toTable(file: string): TariffTable {
    const n = this.length;
    const f = (a: Float64Array): Float64Array => a.subarray(0, n);
    const i = (a: Int32Array): Int32Array => a.subarray(0, n);
    const u = (a: Uint8Array): Uint8Array => a.subarray(0, n);
    return {
      length: n,
      file,
      economy: i(this.i32.economy),
      economies: this.dicts.economy.values,
      year: this.year.subarray(0, n),
      operator: i(this.i32.operator),
      operators: this.dicts.operator.values,
      operatorRank: i(this.i32.operatorRank),
      plan: i(this.i32.plan),
      plans: this.dicts.plan.values,
      service: u(this.u8.service),
      payment: u(this.u8.payment),
      technology: u(this.u8.technology),
      currency: i(this.i32.currency),
      currencies: this.dicts.currency.values,
      price: f(this.f64.price),
      validityDays: f(this.f64.validityDays),
      dataMb: f(this.f64.dataMb),
      voiceMin: f(this.f64.voiceMin),
      sms: f(this.f64.sms),
      speedKbps: f(this.f64.speedKbps),
      extraMbPrice: f(this.f64.extraMbPrice),
      extraMinPrice: f(this.f64.extraMinPrice),
      extraSmsPrice: f(this.f64.extraSmsPrice),
      addonMb: f(this.f64.addonMb),
      addonPrice: f(this.f64.addonPrice),
      promotional: u(this.u8.promotional),
      taxesIncluded: u(this.u8.taxesIncluded),
      vatRate: f(this.f64.vatRate),
      commitmentMonths: f(this.f64.commitmentMonths),
      connectionCharge: f(this.f64.connectionCharge),
      note: i(this.i32.note),
      notes: this.dicts.note.values,
      line: i(this.i32.line),
    };
  }
}

export interface TariffReadResult {
  table: TariffTable;
  log: FindingLog;
  format: 'csv' | 'json' | 'arrow';
  rows: number;
}

// Cell indexes in TARIFF_COLUMNS order.
const ECONOMY = 0,
  YEAR = 1,
  OPERATOR = 2,
  RANK = 3,
  PLAN = 4,
  SERVICE = 5,
  PAYMENT = 6,
  CURRENCY = 7,
  TECHNOLOGY = 14,
  ADDON_MB = 18,
  ADDON_PRICE = 19,
  PROMOTIONAL = 20,
  TAXES = 21,
  VAT = 22,
  NOTE = 24,
  NCOL = TARIFF_COLUMNS.length;
// How a numeric cell is read (`num`).
const REQUIRED = 1,
  UNLIMITED = 2,
  POSITIVE = 4,
  EMPTY_ZERO = 8;
/** Cells compared without case: string cells are case-mapped the way the rules compare them (toLowerCase / toUpperCase). */
const CASE: readonly (0 | 'lower' | 'upper')[] = TARIFF_COLUMNS.map((c) =>
  c === 'service' || c === 'payment' || c === 'promotional' || c === 'taxes_included' ? 'lower' : c === 'currency' || c === 'technology' ? 'upper' : 0,
);
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);
const UNSET = -0x80000000;
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const LIT = {
  unlimited: ascii('unlimited'),
  true: ascii('true'),
  false: ascii('false'),
  fixed: ascii('fixed'),
};
const ENUM_LITS = (xs: readonly string[]): Uint8Array[] => xs.map((x) => ascii(x.toLowerCase()));
const SERVICE_LITS = ENUM_LITS(SERVICES),
  PAYMENT_LITS = ENUM_LITS(PAYMENTS),
  TECHNOLOGY_LITS = ENUM_LITS(PLAN_TECHNOLOGIES);

/** `b[s..e)` equals the lower-case ASCII literal, ASCII letters compared without case (toLowerCase / toUpperCase of ASCII). */
function eqNoCase(b: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  if (e - s !== lit.length) return false;
  for (let k = 0; k < lit.length; k++) {
    const c = b[s + k];
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lit[k]) return false;
  }
  return true;
}

/**
 * The value of a decimal cell in the project's syntax (util/number-syntax.ts: `12`, `-1.5`, `.5`, `3.`, `1e-3`)
 * read from its bytes, NaN when it is not one. Up to 15 digits without exponent the value is the digits as an
 * exact integer divided by an exact power of ten (one correctly rounded division: what Number() gives); anything
 * else is handed to Number().
 */
function decimalAt(b: Uint8Array, s: number, e: number): number {
  let i = s,
    neg = false;
  if (i < e && (b[i] === 43 || b[i] === 45)) neg = b[i++] === 45;
  let m = 0,
    digits = 0,
    frac = 0,
    c = 0;
  while (i < e && (c = b[i] - 48) >= 0 && c <= 9) {
    m = m * 10 + c;
    digits++;
    i++;
  }
  if (i < e && b[i] === 46) {
    i++;
    while (i < e && (c = b[i] - 48) >= 0 && c <= 9) {
      m = m * 10 + c;
      digits++;
      frac++;
      i++;
    }
  }
  if (digits === 0) return NaN;
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    let j = i + 1;
    if (j < e && (b[j] === 43 || b[j] === 45)) j++;
    if (j === e) return NaN;
    for (; j < e; j++) if (b[j] < 48 || b[j] > 57) return NaN;
    return Number(latin1(b, s, e));
  }
  if (i !== e) return NaN;
  if (digits > 15) return Number(latin1(b, s, e));
  const v = frac === 0 ? m : m / POW10[frac];
  return neg ? -v : v;
}

const latin1 = (b: Uint8Array, s: number, e: number): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', s, e);

/** Byte strings to dense ids with a value each (open addressing over an arena): cells coded without a string per cell. */
class ByteCodes {
  private slots = new Int32Array(256).fill(-1);
  private hash: Int32Array<ArrayBuffer> = new Int32Array(64);
  private off: Int32Array<ArrayBuffer> = new Int32Array(64);
  private len: Int32Array<ArrayBuffer> = new Int32Array(64);
  private value: Int32Array<ArrayBuffer> = new Int32Array(64);
  private arena = new Uint8Array(1024);
  private used = 0;
  private n = 0;
  private last = -1;

  /** The value of the bytes `b[s..e)`, or UNSET the first time they are seen (then `set` gives it). */
  get(b: Uint8Array, s: number, e: number): number {
    // Plans come grouped (economy, operator): the key of the row before is the first guess.
    const last = this.last,
      arena = this.arena,
      n = e - s;
    if (last >= 0 && this.len[last] === n) {
      // From the end: names of a run that differ (plan 1, plan 2...) mostly differ there.
      const o = this.off[last] - s;
      let k = e - 1;
      while (k >= s && arena[o + k] === b[k]) k--;
      if (k < s) return this.value[last];
    }
    let h = 0x811c9dc5;
    for (let k = s; k < e; k++) h = Math.imul(h ^ b[k], 16777619);
    const mask = this.slots.length - 1;
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const id = this.slots[j];
      if (id < 0) break;
      if (this.hash[id] !== h || this.len[id] !== n) continue;
      const o = this.off[id];
      let k = 0;
      while (k < n && arena[o + k] === b[s + k]) k++;
      if (k === n) {
        this.last = id;
        return this.value[id];
      }
    }
    this.add(b, s, e, h);
    return UNSET;
  }

  set(v: number): void {
    this.value[this.last] = v;
  }

  private add(b: Uint8Array, s: number, e: number, h: number): void {
    const id = this.n++;
    if (id === this.hash.length) {
      const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
        const x = new Int32Array(a.length * 2);
        x.set(a);
        return x;
      };
      this.hash = grow(this.hash);
      this.off = grow(this.off);
      this.len = grow(this.len);
      this.value = grow(this.value);
    }
    if (this.used + e - s > this.arena.length) {
      const x = new Uint8Array(Math.max(2 * this.arena.length, this.used + e - s));
      x.set(this.arena.subarray(0, this.used));
      this.arena = x;
    }
    this.arena.set(b.subarray(s, e), this.used);
    this.hash[id] = h;
    this.off[id] = this.used;
    this.len[id] = e - s;
    this.used += e - s;
    this.last = id;
    if (2 * this.n > this.slots.length) this.rehash();
    else this.place(id);
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let j = this.hash[id] & mask;
    while (this.slots[j] >= 0) j = (j + 1) & mask;
    this.slots[j] = id;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let id = 0; id < this.n; id++) this.place(id);
  }
}

const encoder = new TextEncoder();

/**
 * Validates one plan into the builder, from its cells as byte ranges (the CSV byte path) or as strings (JSON,
 * Arrow, and CSV records the byte path does not take: the strings are trimmed, case-mapped where a rule compares
 * without case, and encoded, then read by the same code). `read*` return false (row dropped) after logging an
 * error; every finding names line, column, value and rule. No per-row objects: numbers are parsed from bytes,
 * codes and names looked up by their bytes.
 */
export class TariffRowReader {
  private readonly economyCache = new Map<string, number>();
  private readonly economies = loadEconomyRegistry();
  private readonly maxYear = new Date().getUTCFullYear() + 1;
  // The plan being read: its cells are buf[s[c]..e[c]) (trimmed), or the strings of `texts` in string mode.
  private buf: Uint8Array = new Uint8Array(0);
  private readonly s = new Int32Array(NCOL);
  private readonly e = new Int32Array(NCOL);
  private texts: string[] | null = null;
  private readonly trimmed: string[] = new Array<string>(NCOL).fill('');
  private scratch = new Uint8Array(4096);
  private ok = true;
  private line = 0;
  private readonly codes = { economy: new ByteCodes(), operator: new ByteCodes(), plan: new ByteCodes(), note: new ByteCodes() };
  private readonly currencyCode = new Int32Array(26 * 26 * 26).fill(-1);

  constructor(
    private readonly file: string,
    private readonly b: TariffBuilder,
    private readonly log: FindingLog,
  ) {}

  /** A plan as strings, cells in TARIFF_COLUMNS order (missing cells are empty). */
  read(cells: readonly string[], line: number): boolean {
    let at = 0;
    for (let c = 0; c < NCOL; c++) {
      const t = (cells[c] ?? '').trim();
      this.trimmed[c] = t;
      const mapped = CASE[c] === 'lower' ? t.toLowerCase() : CASE[c] === 'upper' ? t.toUpperCase() : t;
      if (this.scratch.length - at < 3 * mapped.length) {
        const x = new Uint8Array(2 * (at + 3 * mapped.length));
        x.set(this.scratch.subarray(0, at));
        this.scratch = x;
      }
      this.s[c] = at;
      at += encoder.encodeInto(mapped, this.scratch.subarray(at)).written;
      this.e[c] = at;
    }
    this.buf = this.scratch;
    this.texts = this.trimmed;
    return this.validate(line);
  }

  /**
   * A plan of ASCII cells: cell c is `buf[starts[f0 + index[c]]..ends[f0 + index[c]])` (untrimmed; an index of -1
   * is a column the file leaves out: empty).
   */
  readBytes(buf: Uint8Array, starts: Int32Array, ends: Int32Array, f0: number, index: Int32Array, line: number): boolean {
    const s = this.s,
      e = this.e;
    for (let c = 0; c < NCOL; c++) {
      const k = index[c];
      let a = k < 0 ? 0 : starts[f0 + k],
        z = k < 0 ? 0 : ends[f0 + k];
      // ASCII blanks that String.prototype.trim removes (all below 33: one compare for the usual cell).
      if (a < z && (buf[a] <= 32 || buf[z - 1] <= 32)) {
        while (a < z && (buf[a] === 32 || (buf[a] >= 9 && buf[a] <= 13))) a++;
        while (z > a && (buf[z - 1] === 32 || (buf[z - 1] >= 9 && buf[z - 1] <= 13))) z--;
      }
      s[c] = a;
      e[c] = z;
    }
    this.buf = buf;
    this.texts = null;
    return this.validate(line);
  }

  /** The (trimmed) text of cell c: for messages and names. */
  private text(c: number): string {
    return this.texts ? this.texts[c] : latin1(this.buf, this.s[c], this.e[c]);
  }

  private err(c: number, value: string, message: string, rule: Rule = 'bad-tariff-field'): void {
    this.ok = false;
    this.log.add({ severity: 'error', rule, file: this.file, line: this.line, column: TARIFF_COLUMNS[c], value, message });
  }

  /** The dictionary code of a name cell (operator, plan, note). */
  private name(c: number, codes: ByteCodes, dict: Dict): number {
    if (this.texts) return dict.code(this.texts[c]);
    let k = codes.get(this.buf, this.s[c], this.e[c]);
    if (k === UNSET) codes.set((k = dict.code(this.text(c))));
    return k;
  }

  private economyOf(code: string): number {
    let k = this.economyCache.get(code);
    if (k === undefined) {
      const c = this.economies.classify(code);
      k = c.kind === 'economy' ? this.b.dicts.economy.code(c.economy.iso3) : -1;
      this.economyCache.set(code, k);
    }
    return k;
  }

  private enumOf(c: number, lits: readonly Uint8Array[], allowed: readonly string[]): number {
    const b = this.buf,
      s = this.s[c],
      e = this.e[c];
    for (let k = 0; k < lits.length; k++) if (eqNoCase(b, s, e, lits[k])) return k;
    this.err(c, this.text(c), `must be one of ${allowed.join('|')}`);
    return 0;
  }

  private bool(c: number): number {
    const b = this.buf,
      s = this.s[c],
      e = this.e[c];
    if (eqNoCase(b, s, e, LIT.true)) return 1;
    if (!eqNoCase(b, s, e, LIT.false)) this.err(c, this.text(c), 'must be true or false');
    return 0;
  }

  private num(c: number, flags: number, max = Infinity): number {
    const b = this.buf,
      s = this.s[c],
      e = this.e[c];
    if (s === e) {
      if (flags & REQUIRED) this.err(c, '', 'must not be empty');
      return flags & EMPTY_ZERO ? 0 : NaN;
    }
    if (flags & UNLIMITED && eqNoCase(b, s, e, LIT.unlimited)) return Infinity;
    const x = decimalAt(b, s, e);
    if (Number.isNaN(x)) {
      const t = this.text(c);
      this.err(
        c,
        t,
        `must be a number${flags & UNLIMITED ? ', "unlimited"' : ''}${flags & REQUIRED ? '' : ' or empty'}` +
          (/^\d{1,3}(,\d{3})+/.test(t) || /^\d+,\d+$/.test(t) ? ' (no thousands separators or decimal commas)' : ''),
      );
      return NaN;
    }
    if (x < 0 || (flags & POSITIVE && x === 0) || x > max) {
      this.err(c, this.text(c), `must be ${flags & POSITIVE ? '> 0' : '>= 0'}${max !== Infinity ? ` and <= ${max}` : ''}`);
      return NaN;
    }
    return x;
  }

  /** Digits only: their value (NaN when the cell is not all digits, or empty). */
  private digits(c: number): number {
    const b = this.buf,
      s = this.s[c],
      e = this.e[c];
    if (s === e) return NaN;
    let v = 0;
    for (let k = s; k < e; k++) {
      const d = b[k] - 48;
      if (d < 0 || d > 9) return NaN;
      v = v * 10 + d;
    }
    return e - s > 15 ? Number(latin1(b, s, e)) : v;
  }

  private validate(line: number): boolean {
    const b = this.b,
      buf = this.buf,
      s = this.s,
      e = this.e;
    const r = b.push();
    this.ok = true;
    this.line = line;
    // economy: one verdict per distinct cell
    let economy: number;
    if (this.texts) economy = this.economyOf(this.texts[ECONOMY]);
    else {
      economy = this.codes.economy.get(buf, s[ECONOMY], e[ECONOMY]);
      if (economy === UNSET) this.codes.economy.set((economy = this.economyOf(this.text(ECONOMY))));
    }
    if (economy < 0) {
      const code = this.text(ECONOMY);
      const c = this.economies.classify(code);
      this.err(
        ECONOMY,
        code,
        'not in the economy registry' +
          (c.kind === 'unknown' && c.suggestions.length
            ? `; did you mean ${c.suggestions.join(' or ')}?`
            : c.kind === 'aggregate'
              ? ' (an aggregate, not an economy)'
              : ''),
        'unknown-economy',
      );
    } else b.i32.economy[r] = economy;
    const year = e[YEAR] - s[YEAR] === 4 ? this.digits(YEAR) : NaN;
    if (!(year >= 1960 && year <= this.maxYear)) this.err(YEAR, this.text(YEAR), `must be a year from 1960 to ${this.maxYear}`);
    else b.year[r] = year;
    if (s[OPERATOR] === e[OPERATOR]) this.err(OPERATOR, '', 'must not be empty');
    else b.i32.operator[r] = this.name(OPERATOR, this.codes.operator, b.dicts.operator);
    const rank = this.digits(RANK);
    if (!(rank >= 1)) this.err(RANK, this.text(RANK), 'must be a whole number >= 1 (1 = largest market share)');
    else b.i32.operatorRank[r] = rank;
    if (s[PLAN] === e[PLAN]) this.err(PLAN, '', 'must not be empty');
    else b.i32.plan[r] = this.name(PLAN, this.codes.plan, b.dicts.plan);
    b.u8.service[r] = this.enumOf(SERVICE, SERVICE_LITS, SERVICES);
    b.u8.payment[r] = this.enumOf(PAYMENT, PAYMENT_LITS, PAYMENTS);
    // currency: three letters, coded by their upper-case index
    let cur = -1;
    if (e[CURRENCY] - s[CURRENCY] === 3) {
      cur = 0;
      for (let k = s[CURRENCY]; k < e[CURRENCY]; k++) {
        const c = buf[k] & 0xdf; // ASCII upper case (a non-letter stays outside A-Z)
        if (c < 65 || c > 90 || buf[k] < 65) {
          cur = -1;
          break;
        }
        cur = cur * 26 + (c - 65);
      }
    }
    if (cur < 0) this.err(CURRENCY, this.text(CURRENCY), 'must be a 3-letter ISO 4217 code');
    else {
      let k = this.currencyCode[cur];
      if (k < 0) k = this.currencyCode[cur] = b.dicts.currency.code(latin1(buf, s[CURRENCY], e[CURRENCY]).toUpperCase());
      b.i32.currency[r] = k;
    }
    const f = b.f64;
    f.price[r] = this.num(8, REQUIRED);
    f.validityDays[r] = this.num(9, REQUIRED | POSITIVE);
    // Allowances: empty = none (0), "unlimited" = Infinity.
    f.dataMb[r] = this.num(10, UNLIMITED | EMPTY_ZERO);
    f.voiceMin[r] = this.num(11, UNLIMITED | EMPTY_ZERO);
    f.sms[r] = this.num(12, UNLIMITED | EMPTY_ZERO);
    f.speedKbps[r] = this.num(13, 0);
    b.u8.technology[r] = this.enumOf(TECHNOLOGY, TECHNOLOGY_LITS, PLAN_TECHNOLOGIES);
    f.extraMbPrice[r] = this.num(15, 0);
    f.extraMinPrice[r] = this.num(16, 0);
    f.extraSmsPrice[r] = this.num(17, 0);
    const addonMb = (f.addonMb[r] = this.num(ADDON_MB, POSITIVE));
    const addonPrice = (f.addonPrice[r] = this.num(ADDON_PRICE, 0));
    if (Number.isNaN(addonMb) !== Number.isNaN(addonPrice) && this.ok) {
      const c = Number.isNaN(addonMb) ? ADDON_MB : ADDON_PRICE;
      this.err(c, this.text(c), 'addon_mb and addon_price go together: give both or neither');
    }
    b.u8.promotional[r] = this.bool(PROMOTIONAL);
    const taxes = (b.u8.taxesIncluded[r] = this.bool(TAXES));
    const vat = (f.vatRate[r] = this.num(VAT, 0, 100));
    if (!taxes && eqNoCase(buf, s[TAXES], e[TAXES], LIT.false) && Number.isNaN(vat) && s[VAT] === e[VAT])
      this.err(VAT, '', 'taxes_included is false, so vat_rate (in percent) is needed to add the tax', 'missing-vat-rate');
    f.commitmentMonths[r] = this.num(23, 0);
    b.i32.note[r] = this.name(NOTE, this.codes.note, b.dicts.note);
    f.connectionCharge[r] = this.num(25, 0);
    b.i32.line[r] = line;
    if (!this.ok) b.pop();
    return this.ok;
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
  /** After each plan read: false when reading stops there (too many errors). */
  const counted = (line: number): boolean => {
    rows++;
    if (log.errors < MAX_ERRORS) return true;
    fatal('too-many-errors', `${log.errors} errors; reading stopped at this line`, { line });
    return false;
  };
  const readCells = (cells: string[], line: number): void => {
    reader.read(cells, line);
    if (!counted(line)) throw new Stop();
  };
  try {
    if (sniffed.kind === 'empty') fatal('empty-file', 'the tariff file is empty');
    else if (sniffed.kind === 'binary') fatal('binary-file', 'the file is binary (not CSV, JSON or Arrow IPC)');
    else if (sniffed.kind === 'parquet') fatal('binary-file', 'the file is Parquet: tariff plans are read from CSV, JSON or Arrow IPC');
    else if (sniffed.kind === 'arrow-file' || sniffed.kind === 'arrow-stream') {
      format = 'arrow';
      let t;
      try {
        const { tableFromIPC } = await import('apache-arrow'); // loaded for Arrow input only
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
    } else await readTariffCsv(path, file, sniffed.encoding, log, reader, counted);
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
  reader: TariffRowReader,
  counted: (line: number) => boolean,
): Promise<void> {
  let index: Int32Array | null | undefined;
  let width = 0;
  const decode = rangeDecoder(encoding);
  const texts = (batch: CsvFieldBatch, r: number): string[] => {
    const fields: string[] = [];
    for (let f = batch.first[r]; f < batch.first[r + 1]; f++) fields.push(fieldText(batch, f, decode));
    return fields;
  };
  await streamCsvBatches(
    path,
    { encoding, maxLineBytes: 1 << 20 },
    (batch) => {
      const { bytes, first, start, end, flags } = batch;
      // One native check per chunk: a chunk of ASCII bytes needs none per record.
      const ascii = isAscii(bytes);
      for (let r = 0; r < batch.count; r++) {
        const line = batch.line[r],
          f0 = first[r],
          nf = first[r + 1] - f0;
        if (index === undefined) {
          const header = texts(batch, r);
          const ix = mapHeader(header, file, log, line);
          if (!ix) return 'stop';
          index = Int32Array.from(ix);
          width = nf;
          continue;
        }
        if (nf !== width) {
          log.add({
            severity: 'error',
            rule: 'malformed-row',
            file,
            line,
            value: texts(batch, r).join(',').slice(0, 120),
            message: `${nf} fields where the header has ${width}`,
          });
          continue;
        }
        // Cells of ASCII bytes without `""` are read from their bytes; any other record from its decoded text.
        let plain = ascii || isAscii(bytes.subarray(start[f0], end[f0 + nf - 1]));
        if (batch.escaped) for (let f = f0; plain && f < f0 + nf; f++) if (flags[f] & FIELD_ESCAPED) plain = false;
        if (plain) reader.readBytes(bytes, start, end, f0, index!, line);
        else {
          const fields = texts(batch, r);
          reader.read(
            Array.from(index!, (k) => fields[k]),
            line,
          );
        }
        if (!counted(line)) return 'stop';
      }
      return undefined;
    },
    (rule, message, where) => log.add({ severity: 'error', rule, file, message, ...where }),
  );
}
