import type { ObservationBuilder } from '../table/observations.js';
import { restoreFormulaText } from '../util/csv.js';
import { decimalFromBytes, plainDecimalFromBytes } from '../util/number-syntax.js';
import { isPriceIndicator } from '../registry/indicators.js';
import { FIELD_ESCAPED, fieldText, isAsciiSpace, type CsvFieldBatch, type RangeDecoder } from './csv-bytes.js';
import { StopReading } from './formats/format.js';
import { isNoObservation, type ColumnLayout, type RawObservation } from './layouts.js';
import {
  FIRST_YEAR,
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

  /**
   * What the row loop's fast path reads of a decided cell, by id (-2: not decided yet, or decided against): an
   * economy's and an indicator's builder code when it passes without a finding, a note's, source's or series
   * code's builder code once a row with it was appended (-1: null).
   */
  fast = new Int32Array(256).fill(-2);
  constructor(private readonly prepare: (cell: string) => string) {}

  /** The id of a field's cell (-1: an escaped or unremembered cell, decoded per row). */
  id(batch: CsvFieldBatch, f: number, decode: RangeDecoder): number {
    if (batch.escaped && batch.flags[f] & FIELD_ESCAPED) return -1;
    return this.idOf(batch.bytes, batch.start[f], batch.end[f], decode);
  }

  /** The id of the (unescaped) cell of bytes `b[s, e)`. */
  idOf(b: Buffer, s: number, e: number, decode: RangeDecoder): number {
    const id = this.keys.id(b, s, e);
    if (this.keys.added) {
      this.texts.push(this.prepare(decode(b, s, e)));
      this.decided.push(undefined);
      if (id === this.fast.length) {
        const f = new Int32Array(id * 2).fill(-2);
        f.set(this.fast);
        this.fast = f;
      }
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
  /** Counts `n` observations appended while the builder held fewer than `maxRows` rows (no limit can be hit). */
  countedMany(n: number): void;
  maxRows: number;
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
 *
 * Rows come in runs (one economy and indicator, one note and source): a run of adjacent text fields equal to the
 * previous row's is one compare of bytes, its ids copied; a row of a long layout whose cells were all decided before
 * and that passes is appended with no step called (`acceptLong`).
 */
export class CsvColumnReader {
  private readonly economies = new TextColumn<EconomyVerdict>(asIs);
  private readonly indicators = new TextColumn<IndicatorVerdict>(asIs);
  private readonly notes = new TextColumn<number>(prepareText);
  private readonly sources = new TextColumn<number>(prepareText);
  private readonly seriesCodes = new TextColumn<number>(asIs);
  /** The text columns, in the order of `TEXT_ROLES`. */
  private readonly texts: TextColumn<unknown>[] = [this.economies, this.indicators, this.notes, this.sources, this.seriesCodes];
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
  /** Adjacent text fields, compared with the previous row's at once (`textSpans`). */
  private readonly spans: TextSpan[];
  // The fast path's verdicts by indicator builder code: the range, and whether a 0 is a price placeholder.
  private lo = new Float64Array(64);
  private hi = new Float64Array(64);
  private zeroSkips = new Uint8Array(64);
  /** The builder code of a layout's fixed series code (-2: not known yet). */
  private fixedSeries = -2;
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
    this.spans = textSpans(layout);
  }

  /** The records of a batch from `from` on; 'stop' when a limit or a malformed row ends the read. */
  accept(batch: CsvFieldBatch, from: number): undefined | 'stop' {
    this.batch = batch;
    const rows = batch.count;
    if (this.econ.length < rows) this.allocate(rows);
    this.decodeColumns(batch, from);
    if (this.slots === 1) return this.acceptLong(batch, from);
    const c = this.layout.columns;
    const width = this.layout.width;
    for (let r = from; r < rows; r++) {
      const line = batch.line[r];
      const nf = batch.first[r + 1] - batch.first[r];
      if (nf !== width) {
        if (!this.malformed(batch, r, nf, line)) return 'stop';
        continue;
      }
      for (let s = 0; s < this.slots; s++) {
        const v = r * this.slots + s;
        if (this.state[v] === NO_OBSERVATION) continue;
        if (this.checked(r, s, line, v, c) === 'stop') return 'stop';
      }
    }
    return undefined;
  }

  /**
   * A long layout's rows. A row whose cells were all decided before (economy and indicator passing with no finding,
   * note, source and series code appended before) and that passes the year, value and range rules is appended
   * straight from the typed arrays: what the steps would do for it, without calling them. Any other row takes the
   * steps (`checked`), in file order, so the findings and their order are the steps'.
   */
  private acceptLong(batch: CsvFieldBatch, from: number): undefined | 'stop' {
    const c = this.layout.columns,
      width = this.width,
      rows = batch.count,
      first = batch.first,
      lines = batch.line;
    const builder = this.sink.builder,
      maxRows = this.sink.maxRows;
    const econFast = this.economies.fast,
      indFast = this.indicators.fast,
      noteFast = this.notes.fast,
      sourceFast = this.sources.fast,
      seriesFast = this.seriesCodes.fast;
    const econ = this.econ,
      ind = this.ind,
      note = this.note,
      source = this.source,
      series = this.series,
      year = this.year,
      state = this.state,
      value = this.value;
    // Decided again after each row that takes the steps (its verdicts may grow these arrays).
    let lo = this.lo,
      hi = this.hi,
      zeroSkips = this.zeroSkips;
    const lastYear = this.sink.validator.lastYear;
    const noteAt = c.note,
      sourceAt = c.source,
      seriesAt = c.seriesCode;
    const fixedOf = (): number => (c.indicator < 0 ? (this.fixedIndicator?.def ? this.fixedIndicator.code : -2) : -3);
    let fixedInd = fixedOf();
    // Rows appended straight are written into the builder's arrays at `at` and committed (and counted) at once before
    // any other row, and at the end. The room for the whole batch is made first: no row of it grows the arrays.
    const t = builder.appendTarget(rows - from);
    const tEcon = t.economy,
      tInd = t.indicator,
      tYear = t.year,
      tValue = t.value,
      tNote = t.note,
      tSource = t.source,
      tSeries = t.seriesCode,
      tLine = t.line;
    let at = builder.length,
      straight = 0;
    const commit = (): void => {
      if (straight === 0) return;
      builder.commit(at);
      this.sink.countedMany(straight);
      straight = 0;
    };
    for (let r = from; r < rows; r++) {
      const line = lines[r];
      const nf = first[r + 1] - first[r];
      if (nf !== width) {
        commit();
        if (!this.malformed(batch, r, nf, line)) return 'stop';
        continue;
      }
      // At the row limit, the steps' path appends the row and stops the read (its finding names the line).
      if (state[r] === VALUE_NUMBER && at < maxRows) {
        const e = econ[r],
          ec = e >= 0 ? econFast[e] : -2;
        const ic = fixedInd === -3 ? (ind[r] >= 0 ? indFast[ind[r]] : -2) : fixedInd;
        const y = year[r],
          x = value[r];
        const nc = noteAt < 0 ? -1 : note[r] >= 0 ? noteFast[note[r]] : -2,
          sc = sourceAt < 0 ? -1 : source[r] >= 0 ? sourceFast[source[r]] : -2,
          qc = seriesAt < 0 ? this.fixedSeries : series[r] >= 0 ? seriesFast[series[r]] : -2;
        if (
          ec >= 0 &&
          ic >= 0 &&
          y >= FIRST_YEAR &&
          y <= lastYear &&
          x >= lo[ic] &&
          x <= hi[ic] &&
          x - x === 0 &&
          (x !== 0 || zeroSkips[ic] === 0) &&
          nc !== -2 &&
          sc !== -2 &&
          qc !== -2
        ) {
          tEcon[at] = ec;
          tInd[at] = ic;
          tYear[at] = y;
          tValue[at] = x;
          tNote[at] = nc;
          tSource[at] = sc;
          tSeries[at] = qc;
          tLine[at++] = line;
          straight++;
          continue;
        }
      }
      commit();
      if (this.checked(r, 0, line, r, c) === 'stop') return 'stop';
      at = builder.length;
      lo = this.lo;
      hi = this.hi;
      zeroSkips = this.zeroSkips;
      fixedInd = fixedOf();
    }
    commit();
    return undefined;
  }

  /** A row of another width than the header's: a finding; false: stop reading. */
  private malformed(batch: CsvFieldBatch, r: number, nf: number, line: number): boolean {
    const f0 = batch.first[r];
    const texts: string[] = [];
    for (let f = f0; f < f0 + nf; f++) texts.push(fieldText(batch, f, this.decode));
    return this.sink.malformed(nf, line, texts.join(',').slice(0, 120));
  }

  /** One observation through the validator's steps (slot `s` of row `r`, value index `v`), appended if it passes. */
  private checked(r: number, s: number, line: number, v: number, c: ColumnLayout['columns']): undefined | 'stop' {
    this.row = r;
    this.slot = s;
    this.built = undefined;
    if (this.observation(line, v, c.economyColumn, c.indicatorColumn)) {
      this.sink.builder.appendCodes(
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
    let v = t.decided[id];
    if (v === undefined) {
      v = t.decided[id] = this.sink.validator.economyVerdict(t.texts[id], column);
      if (v.finding === undefined && v.iso3 !== null) t.fast[id] = v.code;
    }
    return v;
  }

  private indicatorOf(r: number, column: string): IndicatorVerdict {
    const c = this.layout.columns;
    if (c.indicator < 0) {
      if (this.fixedIndicator === undefined) this.fastRange((this.fixedIndicator = this.sink.validator.indicatorVerdict(c.fixedIndicator!, column)));
      return this.fixedIndicator;
    }
    const id = this.ind[r];
    if (id < 0) return this.sink.validator.indicatorVerdict(this.cellText(r, c.indicator), column);
    const t = this.indicators;
    let v = t.decided[id];
    if (v === undefined) {
      v = t.decided[id] = this.sink.validator.indicatorVerdict(t.texts[id], column);
      if (v.def !== null) t.fast[id] = v.code;
      this.fastRange(v);
    }
    return v;
  }

  /** The range rules of an indicator, by its builder code, for the fast path (a price's 0 is skipped, with a warning). */
  private fastRange(v: IndicatorVerdict): void {
    if (v.def === null) return;
    const code = v.code;
    if (code >= this.lo.length) {
      const n = Math.max(code + 1, this.lo.length * 2);
      const lo = new Float64Array(n),
        hi = new Float64Array(n),
        z = new Uint8Array(n);
      lo.set(this.lo);
      hi.set(this.hi);
      z.set(this.zeroSkips);
      this.lo = lo;
      this.hi = hi;
      this.zeroSkips = z;
    }
    this.lo[code] = v.def.range[0];
    this.hi[code] = v.def.range[1];
    this.zeroSkips[code] = isPriceIndicator(v.def) ? 1 : 0;
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
    let code = t.decided[id];
    if (code === undefined) code = t.fast[id] = t.decided[id] = b.code(name, t.texts[id].trim());
    return code;
  }

  private seriesCode(): number {
    const c = this.layout.columns;
    const b = this.sink.builder;
    if (c.seriesCode < 0) return (this.fixedSeries = b.code('series_code', c.fixedSeriesCode?.trim()));
    const id = this.series[this.row];
    if (id < 0) return b.code('series_code', this.cellText(this.row, c.seriesCode).trim());
    const t = this.seriesCodes;
    let code = t.decided[id];
    if (code === undefined) code = t.fast[id] = t.decided[id] = b.code('series_code', t.texts[id].trim());
    return code;
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

  /** Over the batch's well-formed rows: cell ids (span by span), then years and values (column by column). */
  private decodeColumns(batch: CsvFieldBatch, from: number): void {
    const c = this.layout.columns,
      width = this.layout.width,
      rows = batch.count,
      first = batch.first;
    // Rows of another width are left to the row pass (a finding); their cells are not read.
    const ok = this.ok.length >= rows ? this.ok : (this.ok = new Uint8Array(Math.max(rows, this.ok.length * 2)));
    for (let r = from; r < rows; r++) ok[r] = first[r + 1] - first[r] === width ? 1 : 0;
    this.decodeTexts(batch, from);
    const bytes = batch.bytes,
      starts = batch.start,
      ends = batch.end,
      flags = batch.flags;
    const escaped = batch.escaped !== 0;
    if (c.years) {
      const slots = this.slots;
      for (let r = from; r < rows; r++)
        if (ok[r])
          for (let s = 0; s < slots; s++) {
            const f = first[r] + c.years[s][1];
            this.cellAt(bytes, starts[f], ends[f], escaped && (flags[f] & FIELD_ESCAPED) !== 0, r * slots + s, true);
          }
      return;
    }
    const year = this.year,
      value = this.value,
      state = this.state;
    for (let r = from; r < rows; r++) {
      if (!ok[r]) continue;
      const y = first[r] + c.year,
        s = starts[y];
      if (escaped && flags[y] & FIELD_ESCAPED) year[r] = -1;
      else if (ends[y] - s === 4) {
        // The usual cell: four digits.
        const d0 = bytes[s] - 48,
          d1 = bytes[s + 1] - 48,
          d2 = bytes[s + 2] - 48,
          d3 = bytes[s + 3] - 48;
        year[r] = d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9 && d3 >= 0 && d3 <= 9 ? d0 * 1000 + d1 * 100 + d2 * 10 + d3 : -1;
      } else year[r] = yearFromRange(bytes, s, ends[y]);
    }
    for (let r = from; r < rows; r++) {
      if (!ok[r]) continue;
      const f = first[r] + c.value;
      const e = escaped && (flags[f] & FIELD_ESCAPED) !== 0;
      // The usual cell: a plain decimal with no blanks around it; any other (blanks, empty, an exponent, text) is
      // read by `cellAt` (the whole grammar).
      const x = e ? Number.NaN : plainDecimalFromBytes(bytes, starts[f], ends[f]);
      if (x === x) {
        state[r] = VALUE_NUMBER;
        value[r] = x;
      } else this.cellAt(bytes, starts[f], ends[f], e, r, false);
    }
  }

  /**
   * The text cells' ids, row by row: a span of adjacent text fields laid out as the previous row's (the same field
   * offsets) and holding the same bytes holds the same cells (no quotes or `""` in either: the batch has none of
   * `""`, and equal bytes at equal offsets are equal fields), so its ids are copied; otherwise each cell is looked up.
   */
  private decodeTexts(batch: CsvFieldBatch, from: number): void {
    const rows = batch.count,
      first = batch.first,
      starts = batch.start,
      ends = batch.end,
      bytes = batch.bytes,
      ok = this.ok,
      decode = this.decode,
      texts = this.texts;
    const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ids = [this.econ, this.ind, this.note, this.source, this.series];
    // With `""` somewhere in the batch, every cell is looked up (an escaped cell's id is -1).
    const runs = batch.escaped === 0;
    for (const span of this.spans) {
      const { from: f, to, roles, fields } = span;
      // A run of rows with the span as the first's: its ids are filled in at the run's end (rows of another width in
      // it get them too, unread).
      let prev = -1,
        run = -1;
      for (let r = from; r <= rows; r++) {
        if (r < rows && !ok[r]) continue;
        if (r < rows && runs && prev >= 0 && sameSpan(bytes, words, starts, ends, first[r] + f, first[prev] + f, to - f)) {
          prev = r;
          continue;
        }
        if (run >= 0 && prev > run) for (let k = 0; k < roles.length; k++) ids[roles[k]].fill(ids[roles[k]][run], run + 1, prev + 1);
        if (r === rows) break;
        for (let k = 0; k < roles.length; k++) ids[roles[k]][r] = texts[roles[k]].id(batch, first[r] + fields[k], decode);
        prev = run = r;
      }
    }
  }

  /** A value cell `bytes[s, e)`: its state and number at `v` (ASCII white space trimmed; other text is read from its string). */
  private cellAt(bytes: Buffer, s: number, e: number, escaped: boolean, v: number, wide: boolean): void {
    const s0 = s,
      e0 = e;
    while (s < e && isAsciiSpace(bytes[s])) s++;
    while (e > s && isAsciiSpace(bytes[e - 1])) e--;
    if (escaped || (s < e && (bytes[s] >= 0x80 || bytes[e - 1] >= 0x80))) {
      // Unicode blanks or quotes: the text decides (a wide cell may still be no observation).
      const t = wide ? this.decode(bytes, s0, e0) : '';
      if (wide && isNoObservation((escaped ? t.replaceAll('""', '"') : t).trim())) this.state[v] = NO_OBSERVATION;
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

/** A year cell `b[s, e)` of 1-4 ASCII digits (optionally `.0...`), blanks trimmed: the year; -1: read it from its text. */
function yearFromRange(b: Uint8Array, s: number, e: number): number {
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

/** Adjacent fields `from`..`to` of a row holding text cells: `roles[k]` (an index of `TEXT_ROLES`) is in field `fields[k]`. */
interface TextSpan {
  from: number;
  to: number;
  roles: number[];
  fields: number[];
}

/** The layout's text columns grouped into spans of adjacent fields (a field may hold two roles: a DataHub seriesCode). */
function textSpans(layout: ColumnLayout): TextSpan[] {
  const c = layout.columns;
  const at = [c.economy, c.indicator, c.note, c.source, c.seriesCode];
  const cells = at.map((f, t) => [f, t] as const).filter(([f]) => f >= 0 && f < layout.width);
  cells.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const spans: TextSpan[] = [];
  for (const [f, t] of cells) {
    const last = spans[spans.length - 1];
    if (last && f <= last.to + 1) {
      last.to = f;
      last.roles.push(t);
      last.fields.push(f);
    } else spans.push({ from: f, to: f, roles: [t], fields: [f] });
  }
  return spans;
}

/**
 * Whether the `n + 1` fields from field `a` are laid out as those from field `b` (each field at the same offset from
 * the span's start, of the same length) over the same bytes: compared 4 bytes at a time (`words` views `bytes`), from
 * the end, where the codes of a run differ.
 */
function sameSpan(bytes: Uint8Array, words: DataView, starts: Int32Array, ends: Int32Array, a: number, b: number, n: number): boolean {
  const sa = starts[a],
    sb = starts[b],
    ea = ends[a + n];
  if (ea - sa !== ends[b + n] - sb) return false;
  for (let k = 0; k < n; k++) if (ends[a + k] - sa !== ends[b + k] - sb || starts[a + k + 1] - sa !== starts[b + k + 1] - sb) return false;
  const d = sb - sa;
  let i = ea - 4;
  while (i >= sa && words.getInt32(i, true) === words.getInt32(i + d, true)) i -= 4;
  if (i >= sa) return false;
  for (i += 3; i >= sa; i--) if (bytes[i] !== bytes[i + d]) return false;
  return true;
}
