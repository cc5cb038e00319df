import type { ObservationBuilder } from '../table/observations.js';
import { restoreFormulaText } from '../util/csv.js';
import { decimalFromBytes } from '../util/number-syntax.js';
import { FIELD_ESCAPED, fieldText, isAsciiSpace, type CsvFieldBatch, type RangeDecoder } from './csv-bytes.js';
import { StopReading } from './formats/format.js';
import { isNoObservation, type ColumnLayout, type RawObservation } from './layouts.js';
import {
  VALUE_EMPTY,
  VALUE_NUMBER,
  valueStateOf,
  type EconomyVerdict,
  type IndicatorVerdict,
  type ObservationValidator,
  type YearVerdict,
} from './validate.js';

/** Distinct cells of a text column remembered by their bytes (beyond, a cell is decoded per row). */
const KEYS_LIMIT = 1 << 16;

/**
 * Byte strings interned by content: an open-addressing table (FNV-1a) over one pool of bytes, so a cell is looked up
 * by its byte range without making a string of it. Bounded: past `limit` distinct keys, `id` answers -1.
 */
class ByteKeys {
  private pool = new Uint8Array(1 << 12);
  private poolLength = 0;
  private offset = new Int32Array(256);
  private length = new Int32Array(256);
  private slots = new Int32Array(512).fill(-1);
  size = 0;
  /** Whether the last `id` added its key. */
  added = false;

  /** The last key found: rows come in runs of one economy and indicator, so it is compared first (no hashing). */
  private last = -1;

  id(b: Uint8Array, s: number, e: number): number {
    const last = this.last;
    if (last >= 0 && this.length[last] === e - s) {
      // From the end (codes of a run that differ mostly differ there), the pool in a local (not reloaded per byte).
      const pool = this.pool,
        o = this.offset[last] - s;
      let i = e - 1;
      while (i >= s && pool[o + i] === b[i]) i--;
      if (i < s) {
        this.added = false;
        return last;
      }
    }
    const id = this.find(b, s, e);
    if (id >= 0) this.last = id;
    return id;
  }

  private find(b: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const mask = this.slots.length - 1,
      len = e - s,
      pool = this.pool;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const id = this.slots[k];
      if (id < 0) break;
      if (this.length[id] === len) {
        const o = this.offset[id];
        let i = 0;
        while (i < len && pool[o + i] === b[s + i]) i++;
        if (i === len) {
          this.added = false;
          return id;
        }
      }
    }
    if (this.size >= KEYS_LIMIT) {
      this.added = false;
      return -1;
    }
    return this.add(b, s, e, h);
  }

  private add(b: Uint8Array, s: number, e: number, h: number): number {
    const len = e - s,
      id = this.size++;
    if (this.poolLength + len > this.pool.length) {
      const p = new Uint8Array(Math.max(this.pool.length * 2, this.poolLength + len));
      p.set(this.pool.subarray(0, this.poolLength));
      this.pool = p;
    }
    this.pool.set(b.subarray(s, e), this.poolLength);
    if (id === this.offset.length) {
      const o = new Int32Array(id * 2),
        l = new Int32Array(id * 2);
      o.set(this.offset);
      l.set(this.length);
      this.offset = o;
      this.length = l;
    }
    this.offset[id] = this.poolLength;
    this.length[id] = len;
    this.poolLength += len;
    if (this.size * 2 > this.slots.length) this.rehash();
    else this.place(id, h);
    this.added = true;
    return id;
  }

  private place(id: number, h: number): void {
    const mask = this.slots.length - 1;
    let k = h & mask;
    while (this.slots[k] >= 0) k = (k + 1) & mask;
    this.slots[k] = id;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let id = 0; id < this.size; id++) {
      let h = 0x811c9dc5;
      const o = this.offset[id];
      for (let i = o; i < o + this.length[id]; i++) h = Math.imul(h ^ this.pool[i], 0x01000193);
      this.place(id, h);
    }
  }
}

/** A text column's cells by their bytes: the decoded (and prepared) text, and whatever is decided from it, once. */
class TextColumn<V> {
  readonly keys = new ByteKeys();
  readonly texts: string[] = [];
  readonly decided: Array<V | undefined> = [];
  constructor(private readonly prepare: (cell: string) => string) {}

  /** The id of a field's cell (-1: an escaped or unremembered cell, decoded per row). */
  id(batch: CsvFieldBatch, f: number, decode: RangeDecoder): number {
    if (batch.escaped && batch.flags[f] & FIELD_ESCAPED) return -1;
    const id = this.keys.id(batch.bytes, batch.start[f], batch.end[f]);
    if (this.keys.added) {
      this.texts.push(this.prepare(decode(batch.bytes, batch.start[f], batch.end[f])));
      this.decided.push(undefined);
    }
    return id;
  }
}

/** Value cells: the fast path's number (VALUE_NUMBER), VALUE_EMPTY, this (no observation: a wide cell's `..`), or SLOW (read from the text). */
const NO_OBSERVATION = 3,
  SLOW = 4;

/** A CSV cell as the text path prepares notes and sources: trimmed, formula neutralisation undone (util/csv.ts). */
const prepareText = (s: string): string => restoreFormulaText(s.trim());
const asIs = (s: string): string => s;

export interface ColumnSink {
  validator: ObservationValidator;
  builder: ObservationBuilder;
  /** After each observation: counts it, and throws StopReading when a limit is hit. */
  counted(line: number): void;
  /** A row with another number of fields than the header: a finding; true: go on reading. */
  malformed(fields: number, line: number, value: string): boolean;
}

/**
 * The columnar path of CSV ingest (issue 14): each batch of records (byte ranges, `csv-bytes.ts`) is decoded column
 * by column into typed arrays, with no string per cell where a dictionary lookup on bytes does: economy, indicator,
 * note, source and series code cells are interned by their bytes (a string is made once per distinct cell), years
 * and values are parsed from the bytes (the syntax of the text path; anything outside the fast path is read from its
 * text). Then each row, in file order, goes through the validator's steps with those verdicts and numbers, so the
 * findings, their order and the table are the record path's (property-tested against it).
 */
export class CsvColumnReader {
  private readonly economies = new TextColumn<EconomyVerdict>(asIs);
  private readonly indicators = new TextColumn<IndicatorVerdict>(asIs);
  private readonly notes = new TextColumn<number>(prepareText);
  private readonly sources = new TextColumn<number>(prepareText);
  private readonly seriesCodes = new TextColumn<number>(asIs);
  private readonly slots: number;
  /** The header's number of fields. */
  readonly width: number;
  private fixedIndicator: IndicatorVerdict | undefined;
  private readonly wideYears: YearVerdict[] = [];
  // Per batch: a row's cell ids, year and values (values: rows x slots).
  private econ = new Int32Array(0);
  private ind = new Int32Array(0);
  private note = new Int32Array(0);
  private source = new Int32Array(0);
  private series = new Int32Array(0);
  private year = new Int32Array(0);
  private state = new Uint8Array(0);
  private value = new Float64Array(0);
  private ok = new Uint8Array(0);
  // The row being checked, and its record once built (for findings).
  private batch!: CsvFieldBatch;
  private row = 0;
  private slot = 0;
  private built: RawObservation | undefined;
  // The row's verdicts, once its steps passed (for the append).
  private ev!: EconomyVerdict;
  private iv!: IndicatorVerdict;
  private yv: YearVerdict = 0;
  private readonly rowOf = (): RawObservation => (this.built ??= this.materialise());

  constructor(
    private readonly layout: ColumnLayout,
    private readonly decode: RangeDecoder,
    private readonly sink: ColumnSink,
  ) {
    this.slots = layout.slots;
    this.width = layout.width;
  }

  /** The records of a batch from `from` on; 'stop' when a limit or a malformed row ends the read. */
  accept(batch: CsvFieldBatch, from: number): undefined | 'stop' {
    this.batch = batch;
    const rows = batch.count;
    if (this.econ.length < rows) this.allocate(rows);
    this.decodeColumns(batch, from);
    const builder = this.sink.builder;
    const c = this.layout.columns;
    const width = this.layout.width;
    for (let r = from; r < rows; r++) {
      const line = batch.line[r];
      const nf = batch.first[r + 1] - batch.first[r];
      if (nf !== width) {
        const f0 = batch.first[r];
        const texts: string[] = [];
        for (let f = f0; f < f0 + nf; f++) texts.push(fieldText(batch, f, this.decode));
        if (!this.sink.malformed(nf, line, texts.join(',').slice(0, 120))) return 'stop';
        continue;
      }
      for (let s = 0; s < this.slots; s++) {
        const v = r * this.slots + s;
        if (this.state[v] === NO_OBSERVATION) continue;
        this.row = r;
        this.slot = s;
        this.built = undefined;
        if (this.observation(line, v, c.economyColumn, c.indicatorColumn)) {
          builder.appendCodes(
            this.ev.code,
            this.iv.code,
            this.yv as number,
            this.value[v],
            this.textCode(this.notes, this.note[r], 'note', c.note),
            this.textCode(this.sources, this.source[r], 'source', c.source),
            this.seriesCode(),
            line,
          );
        }
        try {
          this.sink.counted(line);
        } catch (e) {
          if (e instanceof StopReading) return 'stop';
          throw e;
        }
      }
    }
    return undefined;
  }

  /** The validator's steps for one observation (slot `v` of the row); true: append it. */
  private observation(line: number, v: number, economyColumn: string, indicatorColumn: string): boolean {
    const validator = this.sink.validator;
    const r = this.row;
    const ev = (this.ev = this.economyOf(r, economyColumn));
    // The steps are called only when they have something to say (a finding, or no observation).
    if (ev.finding !== undefined || ev.iso3 === null) {
      const id = this.econ[r];
      const cell = id >= 0 ? this.economies.texts[id] : this.cellText(r, this.layout.columns.economy);
      if (!validator.economyPasses(ev, line, cell, this.rowOf)) return false;
    }
    const iv = (this.iv = this.indicatorOf(r, indicatorColumn));
    if (iv.def === null && !validator.indicatorPasses(iv, this.rowOf)) return false;
    const state = this.state[v];
    let value = this.value[v],
      st = state;
    const c = this.layout.columns;
    if (state === SLOW) {
      const t = this.cellText(r, c.years ? c.years[this.slot][1] : c.value).trim();
      st = valueStateOf(t);
      value = st === VALUE_NUMBER ? Number(t) : Number.NaN;
      this.value[v] = value;
    }
    const yv = (this.yv = this.yearOf(r, this.slot));
    return validator.restPasses(
      line,
      iv,
      yv,
      st,
      value,
      c.note >= 0 ? this.textLength(this.notes, this.note[r], c.note) : -1,
      c.source >= 0 ? this.textLength(this.sources, this.source[r], c.source) : -1,
      this.rowOf,
    );
  }

  private economyOf(r: number, column: string): EconomyVerdict {
    const id = this.econ[r];
    if (id < 0) return this.sink.validator.economyVerdict(this.cellText(r, this.layout.columns.economy), column);
    const t = this.economies;
    return (t.decided[id] ??= this.sink.validator.economyVerdict(t.texts[id], column));
  }

  private indicatorOf(r: number, column: string): IndicatorVerdict {
    const c = this.layout.columns;
    if (c.indicator < 0) return (this.fixedIndicator ??= this.sink.validator.indicatorVerdict(c.fixedIndicator!, column));
    const id = this.ind[r];
    if (id < 0) return this.sink.validator.indicatorVerdict(this.cellText(r, c.indicator), column);
    const t = this.indicators;
    return (t.decided[id] ??= this.sink.validator.indicatorVerdict(t.texts[id], column));
  }

  private yearOf(r: number, s: number): YearVerdict {
    const years = this.layout.columns.years;
    const validator = this.sink.validator;
    if (years) return (this.wideYears[s] ??= validator.yearVerdict(String(years[s][0])));
    const y = this.year[r];
    return y >= 0 ? validator.yearInRange(y) : validator.yearVerdict(this.cellText(r, this.layout.columns.year));
  }

  /** The length of a note or source as the validator checks it (the prepared text's). */
  private textLength(t: TextColumn<number>, id: number, column: number): number {
    return id >= 0 ? t.texts[id].length : prepareText(this.cellText(this.row, column)).length;
  }

  /** The builder's code of a note or source (prepared, then trimmed as the record path appends it). */
  private textCode(t: TextColumn<number>, id: number, name: 'note' | 'source', column: number): number {
    if (column < 0) return -1;
    const b = this.sink.builder;
    if (id < 0) return b.code(name, prepareText(this.cellText(this.row, column)).trim());
    return (t.decided[id] ??= b.code(name, t.texts[id].trim()));
  }

  private seriesCode(): number {
    const c = this.layout.columns;
    const b = this.sink.builder;
    if (c.seriesCode < 0) return b.code('series_code', c.fixedSeriesCode?.trim());
    const id = this.series[this.row];
    if (id < 0) return b.code('series_code', this.cellText(this.row, c.seriesCode).trim());
    const t = this.seriesCodes;
    return (t.decided[id] ??= b.code('series_code', t.texts[id].trim()));
  }

  private cellText(r: number, column: number): string {
    return fieldText(this.batch, this.batch.first[r] + column, this.decode);
  }

  /** The row's record, as the record path reads it (layouts' `observationAt`, notes and sources prepared). */
  private materialise(): RawObservation {
    const b = this.batch,
      r = this.row;
    const fields: string[] = [];
    for (let f = b.first[r]; f < b.first[r + 1]; f++) fields.push(fieldText(b, f, this.decode));
    const raw = this.layout.observationAt(fields, b.line[r], this.slot);
    if (raw.note !== undefined) raw.note = prepareText(raw.note);
    if (raw.source !== undefined) raw.source = prepareText(raw.source);
    return raw;
  }

  private allocate(rows: number): void {
    const n = Math.max(rows, this.econ.length * 2, 1024);
    this.econ = new Int32Array(n);
    this.ind = new Int32Array(n);
    this.note = new Int32Array(n);
    this.source = new Int32Array(n);
    this.series = new Int32Array(n);
    this.year = new Int32Array(n);
    this.state = new Uint8Array(n * this.slots);
    this.value = new Float64Array(n * this.slots);
  }

  /** Column by column over the batch's well-formed rows: cell ids, years, values. */
  private decodeColumns(batch: CsvFieldBatch, from: number): void {
    const c = this.layout.columns,
      width = this.layout.width,
      rows = batch.count,
      first = batch.first,
      decode = this.decode;
    // Rows of another width are left to the row pass (a finding); their cells are not read.
    const ok = this.ok.length >= rows ? this.ok : (this.ok = new Uint8Array(Math.max(rows, this.ok.length * 2)));
    for (let r = from; r < rows; r++) ok[r] = first[r + 1] - first[r] === width ? 1 : 0;
    for (let r = from; r < rows; r++) if (ok[r]) this.econ[r] = this.economies.id(batch, first[r] + c.economy, decode);
    if (c.indicator >= 0) for (let r = from; r < rows; r++) if (ok[r]) this.ind[r] = this.indicators.id(batch, first[r] + c.indicator, decode);
    if (c.note >= 0) for (let r = from; r < rows; r++) if (ok[r]) this.note[r] = this.notes.id(batch, first[r] + c.note, decode);
    if (c.source >= 0) for (let r = from; r < rows; r++) if (ok[r]) this.source[r] = this.sources.id(batch, first[r] + c.source, decode);
    if (c.seriesCode >= 0) for (let r = from; r < rows; r++) if (ok[r]) this.series[r] = this.seriesCodes.id(batch, first[r] + c.seriesCode, decode);
    const bytes = batch.bytes;
    if (c.years) {
      const slots = this.slots;
      for (let r = from; r < rows; r++) if (ok[r]) for (let s = 0; s < slots; s++) this.cell(bytes, first[r] + c.years[s][1], r * slots + s, true);
      return;
    }
    for (let r = from; r < rows; r++) {
      if (!ok[r]) continue;
      this.cell(bytes, first[r] + c.value, r, false);
      this.year[r] = yearFromBytes(batch, first[r] + c.year);
    }
  }

  /** A value cell: its state and number (ASCII white space trimmed; other text is read from its string). */
  private cell(bytes: Buffer, f: number, v: number, wide: boolean): void {
    const batch = this.batch;
    let s = batch.start[f],
      e = batch.end[f];
    while (s < e && isAsciiSpace(bytes[s])) s++;
    while (e > s && isAsciiSpace(bytes[e - 1])) e--;
    if ((batch.escaped && batch.flags[f] & FIELD_ESCAPED) || (s < e && (bytes[s] >= 0x80 || bytes[e - 1] >= 0x80))) {
      // Unicode blanks or quotes: the text decides (a wide cell may still be no observation).
      if (wide && isNoObservation(fieldText(batch, f, this.decode).trim())) this.state[v] = NO_OBSERVATION;
      else this.state[v] = SLOW;
      return;
    }
    if (s === e) {
      this.state[v] = wide ? NO_OBSERVATION : VALUE_EMPTY;
      return;
    }
    if (wide && e - s === 2 && bytes[s] === 46 && bytes[s + 1] === 46) {
      this.state[v] = NO_OBSERVATION;
      return;
    }
    const x = decimalFromBytes(bytes, s, e);
    if (Number.isNaN(x)) this.state[v] = SLOW;
    else {
      this.state[v] = VALUE_NUMBER;
      this.value[v] = x;
    }
  }
}

/** A year cell of 1-4 ASCII digits (optionally `.0...`), blanks trimmed: the year; -1: read it from its text. */
function yearFromBytes(batch: CsvFieldBatch, f: number): number {
  if (batch.escaped && batch.flags[f] & FIELD_ESCAPED) return -1;
  const b = batch.bytes;
  let s = batch.start[f],
    e = batch.end[f];
  while (s < e && isAsciiSpace(b[s])) s++;
  while (e > s && isAsciiSpace(b[e - 1])) e--;
  let y = 0,
    i = s;
  for (; i < e && i - s < 5; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) break;
    y = y * 10 + d;
  }
  const digits = i - s;
  if (digits < 1 || digits > 4) return -1;
  if (i < e) {
    if (b[i] !== 46 || i + 1 >= e) return -1;
    for (i++; i < e; i++) if (b[i] !== 48) return -1;
  }
  return y;
}
