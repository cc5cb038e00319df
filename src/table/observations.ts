import { DataType, Dictionary, Int32, Precision, Table, Utf8, makeData, makeVector, type Float64, type Int16, type Vector } from 'apache-arrow';
import { isValidRow, rowValues } from './data-view.js';

/**
 * The canonical observation table: one row per (economy, indicator, year) value, as every loader
 * produces it and every engine reads it.
 *
 *   economy, indicator, note, source, series_code, derived_from, submission_id: dictionary<utf8>
 *   year: int16, value: float64, line: int32 (the row's line in its file; 0 when computed)
 */
export const OBSERVATION_COLUMNS = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code', 'derived_from', 'submission_id', 'line'] as const;

const STRING_COLUMNS = ['economy', 'indicator', 'note', 'source', 'series_code', 'derived_from', 'submission_id'] as const;
type StringColumn = (typeof STRING_COLUMNS)[number];

export interface ObservationRow {
  economy: string;
  indicator: string;
  year: number;
  value: number;
  note?: string | null;
  source?: string | null;
  series_code?: string | null;
  derived_from?: string | null;
  submission_id?: string | null;
  line?: number;
}

/** The arrays `ObservationBuilder.appendTarget` hands out. */
export interface AppendTarget {
  year: Int16Array;
  value: Float64Array;
  line: Int32Array;
  economy: Int32Array;
  indicator: Int32Array;
  note: Int32Array;
  source: Int32Array;
  seriesCode: Int32Array;
}

/** Interns strings into a dictionary; index -1 is null. */
class StringDictionary {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  intern(s: string | null | undefined): number {
    if (s === null || s === undefined || s === '') return -1;
    let k = this.index.get(s);
    if (k === undefined) {
      k = this.values.push(s) - 1;
      this.index.set(s, k);
    }
    return k;
  }
}

/**
 * Columnar accumulator for observations: growable typed arrays and interned strings, so a large
 * submission costs a few bytes per row and no per-row objects survive the append.
 */
export class ObservationBuilder {
  length = 0;
  private capacity: number;
  private year: Int16Array;
  private value: Float64Array;
  private line: Int32Array;
  private readonly codes: Record<StringColumn, Int32Array>;
  private readonly dicts: Record<StringColumn, StringDictionary>;

  constructor(initialCapacity = 1024) {
    this.capacity = Math.max(16, Math.ceil(initialCapacity)); // a whole number: `length === capacity` must be reachable
    this.year = new Int16Array(this.capacity);
    this.value = new Float64Array(this.capacity);
    this.line = new Int32Array(this.capacity);
    this.codes = {} as Record<StringColumn, Int32Array>;
    this.dicts = {} as Record<StringColumn, StringDictionary>;
    for (const c of STRING_COLUMNS) {
      this.codes[c] = new Int32Array(this.capacity);
      this.dicts[c] = new StringDictionary();
    }
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const grow = <T extends Int16Array | Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.year = grow(this.year);
    this.value = grow(this.value);
    this.line = grow(this.line);
    for (const c of STRING_COLUMNS) this.codes[c] = grow(this.codes[c]);
    this.capacity = cap;
  }

  append(row: ObservationRow): number {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    this.year[i] = row.year;
    this.value[i] = row.value;
    this.line[i] = row.line ?? 0;
    for (const c of STRING_COLUMNS) this.codes[c][i] = this.dicts[c].intern(row[c]);
    return i;
  }

  /** The dictionary code of a string in a column (-1: null or empty), for callers that resolve each distinct value once. */
  code(column: StringColumn, s: string | null | undefined): number {
    return this.dicts[column].intern(s);
  }

  /**
   * Append one row whose string columns are given as codes (from `code`); derived_from and submission_id are null.
   * No object per row: the ingest validator's path for millions of rows.
   */
  appendCodes(economy: number, indicator: number, year: number, value: number, note: number, source: number, seriesCode: number, line: number): number {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    this.year[i] = year;
    this.value[i] = value;
    this.line[i] = line;
    const c = this.codes;
    c.economy[i] = economy;
    c.indicator[i] = indicator;
    c.note[i] = note;
    c.source[i] = source;
    c.series_code[i] = seriesCode;
    c.derived_from[i] = -1;
    c.submission_id[i] = -1;
    return i;
  }

  /**
   * The arrays rows are appended to, with room for `rows` more: a caller writing many rows at once (the columnar
   * ingest's straight append) writes row `length + k` of each column's array (codes: dictionary codes from `code`,
   * -1 null), then `commit`s. Valid until the next append that grows the builder.
   */
  appendTarget(rows: number): AppendTarget {
    while (this.length + rows > this.capacity) this.grow();
    const c = this.codes;
    return {
      year: this.year,
      value: this.value,
      line: this.line,
      economy: c.economy,
      indicator: c.indicator,
      note: c.note,
      source: c.source,
      seriesCode: c.series_code,
    };
  }

  /** The rows written at `length`..`to - 1` of `appendTarget`'s arrays are appended (derived_from and submission_id null). */
  commit(to: number): void {
    if (to < this.length || to > this.capacity) throw new RangeError(`commit(${to}): rows ${this.length}..${this.capacity} were reserved`);
    this.codes.derived_from.fill(-1, this.length, to);
    this.codes.submission_id.fill(-1, this.length, to);
    this.length = to;
  }

  /** Read-only views used by table-level checks before the table is built. */
  column(name: 'year'): Int16Array;
  column(name: 'value'): Float64Array;
  column(name: 'line'): Int32Array;
  column(name: StringColumn): Int32Array;
  column(name: string): Int16Array | Int32Array | Float64Array {
    if (name === 'year') return this.year.subarray(0, this.length);
    if (name === 'value') return this.value.subarray(0, this.length);
    if (name === 'line') return this.line.subarray(0, this.length);
    return this.codes[name as StringColumn].subarray(0, this.length);
  }

  dictionary(name: StringColumn): readonly string[] {
    return this.dicts[name].values;
  }

  /**
   * Build the Arrow table, keeping the rows where `keep` is 1 (all rows when omitted). `constants` fills a
   * string column with one value for every row (e.g. the submission id, known only once the file is read).
   */
  toTable(keep?: Uint8Array, constants: Partial<Record<StringColumn, string>> = {}): Table {
    let idx: Int32Array | undefined;
    let n = this.length;
    // No row dropped (found by a native search for a 0): nothing to count.
    if (keep && keep.subarray(0, this.length).indexOf(0) >= 0) {
      n = 0;
      for (let i = 0; i < this.length; i++) n += keep[i];
      // Every row kept (the usual submission): the columns are taken whole, not gathered.
      if (n < this.length) {
        idx = new Int32Array(n);
        for (let i = 0, k = 0; i < this.length; i++) if (keep[i]) idx[k++] = i;
      }
    }
    // Whole columns are shared with the table, not copied, when little of the arrays is spare: the builder is done
    // with them (appends only write past `length`); otherwise (or gathered) the table gets arrays of its own.
    const share = !idx && this.length * 4 >= this.capacity * 3;
    const pick = <T extends Int16Array | Int32Array | Float64Array>(a: T): T => {
      if (!idx) return (share ? a.subarray(0, this.length) : a.slice(0, this.length)) as T;
      const out = new (a.constructor as new (n: number) => T)(n);
      for (let k = 0; k < n; k++) out[k] = a[idx[k]];
      return out;
    };
    const columns: Record<string, Vector> = {};
    for (const c of STRING_COLUMNS) {
      const constant = constants[c];
      // A column no row fills (no string interned) is all null, and a constant one has no null: no pass over the rows.
      columns[c] =
        constant !== undefined
          ? dictionaryVectorOver(new Int32Array(n), utf8Vector([constant]), 0)
          : this.dicts[c].values.length === 0
            ? dictionaryVectorOver(new Int32Array(n), utf8Vector([]), n)
            : dictionaryVectorOver(pick(this.codes[c]), utf8Vector(this.dicts[c].values), undefined, !share);
    }
    columns.year = makeVector(pick(this.year));
    columns.value = makeVector(pick(this.value));
    columns.line = makeVector(pick(this.line));
    const ordered: Record<string, Vector> = {};
    for (const c of OBSERVATION_COLUMNS) ordered[c] = columns[c];
    return new Table(ordered);
  }
}

/** A dictionary<utf8, int32> vector from codes (-1 = null) and the dictionary's strings. */
export function dictionaryVector(codes: Int32Array, dictionary: readonly string[]): Vector {
  return dictionaryVectorOver(codes, utf8Vector(dictionary));
}

/**
 * A utf8 vector of non-null strings, its offsets and bytes written directly: the same data Arrow's builder
 * (`vectorFromArray`) makes, without warming up the builder machinery, which cost a `series` a few ms per process.
 */
function utf8Vector(strings: readonly string[]): Vector {
  const encoder = new TextEncoder(),
    parts = strings.map((s) => encoder.encode(s)),
    valueOffsets = new Int32Array(strings.length + 1);
  for (let i = 0; i < parts.length; i++) valueOffsets[i + 1] = valueOffsets[i] + parts[i].length;
  const data = new Uint8Array(valueOffsets[parts.length]);
  for (let i = 0; i < parts.length; i++) data.set(parts[i], valueOffsets[i]);
  return makeVector(makeData({ type: new Utf8(), length: strings.length, nullCount: 0, valueOffsets, data }));
}

/**
 * The same over a dictionary that is already an Arrow vector (shared, not copied: no strings decoded). `nullCount`:
 * the codes' count of -1 when the caller knows it (else counted); `owned`: the codes may be zeroed under their nulls
 * in place (else a column with nulls gets a copy).
 */
function dictionaryVectorOver(codes: Int32Array, dictionary: Vector, nullCount?: number, owned = false): Vector {
  const n = codes.length;
  if (nullCount === undefined) {
    nullCount = 0;
    // A native search first: most columns have no null.
    if (codes.indexOf(-1) >= 0) for (let i = 0; i < n; i++) if (codes[i] < 0) nullCount++;
  }
  let nullBitmap: Uint8Array | undefined;
  let data = codes;
  if (nullCount > 0 && nullCount === n) {
    // Every row null (a column the file does not fill): zero codes (the codes given, when they are zeros: a caller
    // that knew the count), a zero bitmap, no pass over the rows.
    nullBitmap = new Uint8Array((n + 7) >> 3);
    data = codes[0] === 0 ? codes : new Int32Array(n);
  } else if (nullCount > 0) {
    // Validity 8 bits at a time, a byte written once; the codes under a null are 0 (a valid index).
    nullBitmap = new Uint8Array((n + 7) >> 3);
    data = owned ? codes : codes.slice();
    for (let i = 0, k = 0; i < n; i += 8, k++) {
      let bits = 0;
      const to = Math.min(n, i + 8);
      for (let j = i; j < to; j++) {
        if (data[j] >= 0) bits |= 1 << (j - i);
        else data[j] = 0;
      }
      nullBitmap[k] = bits;
    }
  }
  return makeVector(makeData({ type: new Dictionary(new Utf8(), new Int32()), length: n, nullCount, nullBitmap, data, dictionary }));
}

/** An empty observation table with the canonical schema. */
export function emptyObservationTable(): Table {
  return new ObservationBuilder(16).toTable();
}

/** Rows of an observation table as plain objects (for output at the edges, not for hot loops). */
export function observationRows(table: Table): ObservationRow[] {
  const cols = OBSERVATION_COLUMNS.map((c) => [c, table.getChild(c)] as const);
  const rows: ObservationRow[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const r: Record<string, unknown> = {};
    for (const [c, v] of cols) r[c] = v ? v.get(i) : null;
    rows[i] = r as unknown as ObservationRow;
  }
  return rows;
}

/**
 * Whether a table has the canonical observation schema the kernels read straight from memory: dictionary<utf8>
 * economy and indicator, int16 year, float64 value. A table from anywhere else (plain Utf8 strings, int64
 * years, as pandas and pyarrow write them) must go through ingest first.
 */
export function isCanonicalObservationTable(table: Table): boolean {
  const is = (name: string, test: (t: { typeId: number; dictionary?: { typeId: number } }) => boolean): boolean => {
    const f = table.schema.fields.find((x) => x.name === name);
    return f !== undefined && test(f.type as unknown as { typeId: number; dictionary?: { typeId: number } });
  };
  const dictUtf8 = (t: { typeId: number; dictionary?: { typeId: number } }): boolean => DataType.isDictionary(t) && DataType.isUtf8(t.dictionary);
  return (
    is('economy', dictUtf8) &&
    is('indicator', dictUtf8) &&
    is('year', (t) => DataType.isInt(t) && (t as unknown as Int16).bitWidth === 16) &&
    is('value', (t) => DataType.isFloat(t) && (t as unknown as Float64).precision === Precision.DOUBLE)
  );
}

/**
 * The given rows of a single-batch canonical observation table, gathered column by column (typed arrays and
 * dictionary codes; no per-row objects): what a filter over a snapshot needs.
 */
export function takeRows(table: Table, rows: Int32Array): Table {
  if (table.batches.length !== 1 || !isCanonicalObservationTable(table)) throw new Error('takeRows needs a single-batch canonical observation table');
  const columns: Record<string, Vector> = {};
  for (const name of OBSERVATION_COLUMNS) {
    const col = table.getChild(name);
    if (!col) continue;
    const data = col.data[0];
    if (DataType.isDictionary(col.type)) {
      const codes = rowValues<Int32Array>(data);
      const out = new Int32Array(rows.length);
      for (let j = 0; j < rows.length; j++) out[j] = isValidRow(data, rows[j]) ? codes[rows[j]] : -1;
      // the snapshot's dictionaries are utf8 (canonical schema): shared as they are, no string decoded or re-encoded
      columns[name] =
        data.dictionary && DataType.isUtf8(data.dictionary.type)
          ? dictionaryVectorOver(out, data.dictionary, undefined, true)
          : dictionaryVector(out, data.dictionary ? (data.dictionary.toArray() as string[]) : []);
    } else {
      const values = data.values as Int16Array | Int32Array | Float64Array;
      const src = rowValues(data);
      const out = new (values.constructor as Int16ArrayConstructor | Int32ArrayConstructor | Float64ArrayConstructor)(rows.length);
      for (let j = 0; j < rows.length; j++) out[j] = src[rows[j]];
      columns[name] = makeVector(out);
    }
  }
  return new Table(columns);
}

/**
 * The rows in the ranges [starts[k], ends[k]) of a single-batch canonical observation table, in that order, as one
 * batch: each column copied range by range (typed-array copies; validity bits copied bit by bit only where a
 * column has nulls), dictionaries shared. What a selection by indicator over the snapshot needs, whose rows come in
 * runs of one indicator: the same table as `takeRows` of the ranges' rows, without a gather per row.
 */
export function takeRanges(table: Table, starts: Int32Array, ends: Int32Array): Table {
  if (table.batches.length !== 1 || !isCanonicalObservationTable(table)) throw new Error('takeRanges needs a single-batch canonical observation table');
  let n = 0;
  for (let k = 0; k < starts.length; k++) n += ends[k] - starts[k];
  const columns: Record<string, Vector> = {};
  for (const field of table.schema.fields) {
    const data = table.getChild(field.name)!.data[0];
    const values = data.values as Int16Array | Int32Array | Float64Array;
    const src = rowValues(data);
    const out = new (values.constructor as Int16ArrayConstructor | Int32ArrayConstructor | Float64ArrayConstructor)(n);
    for (let k = 0, at = 0; k < starts.length; at += ends[k] - starts[k], k++) out.set(src.subarray(starts[k], ends[k]), at);
    let nullBitmap: Uint8Array | undefined;
    let nullCount = 0;
    if (data.nullCount === data.length) {
      // all null (derived_from): no bits to copy
      nullCount = n;
      nullBitmap = new Uint8Array((n + 7) >> 3);
    } else if (data.nullCount > 0 && data.nullBitmap) {
      nullBitmap = new Uint8Array((n + 7) >> 3);
      for (let k = 0, at = 0; k < starts.length; at += ends[k] - starts[k], k++)
        copyBits(data.nullBitmap, data.offset + starts[k], nullBitmap, at, ends[k] - starts[k]);
      nullCount = n - popCount(nullBitmap);
    }
    columns[field.name] = makeVector(
      makeData({ type: data.type, length: n, nullCount, nullBitmap: nullCount ? nullBitmap : undefined, data: out, dictionary: data.dictionary } as never),
    );
  }
  return new Table(columns);
}

/** Copy `len` bits from `src` at bit `from` to `dst` (zeroed) at bit `to`: bit by bit up to a byte of `dst`, then a byte at a time. */
function copyBits(src: Uint8Array, from: number, dst: Uint8Array, to: number, len: number): void {
  let i = 0;
  for (; i < len && ((to + i) & 7) !== 0; i++) {
    const p = from + i;
    if ((src[p >> 3] >> (p & 7)) & 1) dst[(to + i) >> 3] |= 1 << ((to + i) & 7);
  }
  const shift = (from + i) & 7;
  for (; i + 8 <= len; i += 8) {
    const b = (from + i) >> 3;
    dst[(to + i) >> 3] = shift === 0 ? src[b] : ((src[b] >> shift) | ((b + 1 < src.length ? src[b + 1] : 0) << (8 - shift))) & 0xff;
  }
  for (; i < len; i++) {
    const p = from + i;
    if ((src[p >> 3] >> (p & 7)) & 1) dst[(to + i) >> 3] |= 1 << ((to + i) & 7);
  }
}

const BITS = Uint8Array.from({ length: 256 }, (_, b) => {
  let c = 0;
  for (let x = b; x; x >>= 1) c += x & 1;
  return c;
});
const popCount = (bytes: Uint8Array): number => {
  let c = 0;
  for (let i = 0; i < bytes.length; i++) c += BITS[bytes[i]];
  return c;
};
