/**
 * What the API serves: the store's current observations (or those as of a date), with derived indicators
 * filled where they were not reported, indexed by indicator and economy. Built once at start; an accepted
 * submission is then applied incrementally (only the series it touches, and the derived series that depend on
 * them, are re-read from the store), so a write costs milliseconds, not a rebuild, and reads never stall.
 * The result is the same as a fresh build of that version (test/api/incremental.test.ts checks it).
 */
import type { Table } from 'apache-arrow';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { deriveIndicator } from '../table/combine.js';
import { ObservationBuilder } from '../table/observations.js';
import type { Store } from '../store/store.js';
import { UserInputError } from '../util/errors.js';
import { ApiError } from './errors.js';

export interface ObservationIndex {
  /** The store version (latest submission id) this was built from. */
  version: number;
  /** The store's observations (without derived rows: the IDI pipeline derives what it needs itself); read lazily. */
  readonly table: Table;
  /**
   * The same rows for some indicators only, built from this index in memory (no store read): what the IDI and
   * the sensitivity analysis need after a submission, in milliseconds instead of a full table read. Kept per
   * set of indicators for the life of the index.
   */
  tableOf(indicators: readonly string[]): Table;
  economy: string[];
  indicator: string[];
  year: Int16Array;
  value: Float64Array;
  note: Array<string | null>;
  source: Array<string | null>;
  derivedFrom: Array<string | null>;
  submission: Int32Array;
  /** indicator -> economy -> row numbers, latest year first. */
  rows: Map<string, Map<string, number[]>>;
  /** Vintage label of each submission (its label, else `submission-<id>`), and when it was received. */
  vintages: Map<number, { vintage: string; receivedAt: string }>;
  /** Date of the latest submission in this version (YYYY-MM-DD): World Bank's `lastupdated`. */
  lastUpdated: string;
  /** Estimated memory of what this index holds on its own (its maps and, for a full build, its row storage). */
  bytes: number;
}

/** Estimated bytes per row of the row storage (typed arrays, the five string/null slots) and per map entry. */
const ROW_BYTES = 15 + 5 * 8;
const ENTRY_BYTES = 64;

/** Each derived indicator computed from its inputs (rows only where every input is reported). */
export function derivedTables(table: Table): Table[] {
  const registry = loadIndicatorRegistry();
  return registry.indicators
    .filter((d) => d.derived)
    .map((d) => deriveIndicator(table, d.id, registry.derived(d.id)!.formula))
    .filter((t) => t.numRows > 0);
}

/**
 * Row storage shared by successive index versions: rows are only ever appended, so an older version's row
 * numbers stay valid while a newer version adds rows past them. Typed arrays grow by doubling (an index keeps
 * the arrays it was made with; they hold all of its rows).
 */
class RowStore {
  economy: string[] = [];
  indicator: string[] = [];
  note: Array<string | null> = [];
  source: Array<string | null> = [];
  derivedFrom: Array<string | null> = [];
  year: Int16Array;
  value: Float64Array;
  submission: Int32Array;
  /** 1 = a row of the store, 0 = a derived row (computed where no value was reported). */
  stored: Uint8Array;
  length = 0;
  /** Rows no longer referenced by the newest version (replaced by a later revision). */
  garbage = 0;
  constructor(capacity = 1024) {
    this.year = new Int16Array(capacity);
    this.value = new Float64Array(capacity);
    this.submission = new Int32Array(capacity);
    this.stored = new Uint8Array(capacity);
  }
  push(
    economy: string,
    indicator: string,
    year: number,
    value: number,
    note: string | null,
    source: string | null,
    derivedFrom: string | null,
    submission: number,
    stored: boolean,
  ): number {
    if (this.length === this.year.length) {
      const cap = Math.max(1024, this.year.length * 2);
      const grow = <T extends Int16Array | Int32Array | Float64Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(cap);
        b.set(a);
        return b;
      };
      this.year = grow(this.year);
      this.value = grow(this.value);
      this.submission = grow(this.submission);
      this.stored = grow(this.stored);
    }
    const r = this.length++;
    this.economy.push(economy);
    this.indicator.push(indicator);
    this.note.push(note);
    this.source.push(source);
    this.derivedFrom.push(derivedFrom);
    this.year[r] = year;
    this.value[r] = value;
    this.submission[r] = submission;
    this.stored[r] = stored ? 1 : 0;
    return r;
  }
  /** Append the rows of one (indicator, economy) series: `base` rows, then `derived` rows for years not reported; latest year first. */
  series(base: Table | undefined, derived: Table | undefined, lists: Map<string, Map<string, number[]>>): void {
    for (const [k, t] of [base, derived].entries()) {
      if (!t) continue;
      const c = (name: string) => t.getChild(name);
      const e = c('economy')!,
        ind = c('indicator')!,
        y = c('year')!,
        v = c('value')!,
        n = c('note'),
        src = c('source'),
        df = c('derived_from'),
        sub = c('submission_id');
      for (let i = 0; i < t.numRows; i++) {
        const ie = e.get(i) as string,
          ii = ind.get(i) as string,
          iy = y.get(i) as number;
        let byEconomy = lists.get(ii);
        if (!byEconomy) lists.set(ii, (byEconomy = new Map()));
        let list = byEconomy.get(ie);
        if (!list) byEconomy.set(ie, (list = []));
        if (k > 0 && list.some((r) => this.year[r] === iy)) continue; // reported: the derived value is not used
        const sid = sub?.get(i) as string | null;
        list.push(
          this.push(
            ie,
            ii,
            iy,
            v.get(i) as number,
            (n?.get(i) as string | null) ?? null,
            (src?.get(i) as string | null) ?? null,
            (df?.get(i) as string | null) ?? null,
            sid ? Number(sid) : 0,
            k === 0,
          ),
        );
      }
    }
  }
}

function sortLists(lists: Iterable<Map<string, number[]>>, year: Int16Array): void {
  for (const byEconomy of lists) for (const list of byEconomy.values()) list.sort((a, b) => year[b] - year[a]);
}

function makeIndex(
  rs: RowStore,
  version: number,
  rows: Map<string, Map<string, number[]>>,
  vintages: ObservationIndex['vintages'],
  lastUpdated: string,
  table: () => Table,
  bytes: number,
  ownRows = true,
): ObservationIndex {
  let t: Table | undefined;
  const subsets = new Map<string, Table>();
  const idx = {
    version,
    economy: rs.economy,
    indicator: rs.indicator,
    year: rs.year,
    value: rs.value,
    note: rs.note,
    source: rs.source,
    derivedFrom: rs.derivedFrom,
    submission: rs.submission,
    rows,
    vintages,
    lastUpdated,
    bytes,
    get table(): Table {
      return (t ??= table());
    },
    tableOf(indicators: readonly string[]): Table {
      const ids = [...new Set(indicators)].sort(),
        key = ids.join('|');
      let sub = subsets.get(key);
      if (!sub) subsets.set(key, (sub = storedRows(rs, rows, ids)));
      return sub;
    },
  };
  Object.defineProperty(idx, 'rowStore', { value: rs, enumerable: false });
  Object.defineProperty(idx, 'ownRows', { value: ownRows, enumerable: false });
  return idx;
}
/** The stored (not derived) rows of some indicators as an observation table. */
function storedRows(rs: RowStore, rows: Map<string, Map<string, number[]>>, indicators: readonly string[]): Table {
  const b = new ObservationBuilder(1024);
  for (const id of indicators)
    for (const list of rows.get(id)?.values() ?? [])
      for (const r of list)
        if (rs.stored[r] === 1)
          b.append({
            economy: rs.economy[r],
            indicator: id,
            year: rs.year[r],
            value: rs.value[r],
            note: rs.note[r],
            source: rs.source[r],
            derived_from: rs.derivedFrom[r],
            submission_id: rs.submission[r] ? String(rs.submission[r]) : null,
          });
  return b.toTable();
}
const rowStoreOf = (idx: ObservationIndex): RowStore | undefined => (idx as unknown as { rowStore?: RowStore }).rowStore;

/**
 * Index the store's table, then the derived rows where no value was reported (as `series` layers them):
 * the derived rows are added to the index, never merged into a copy of the whole table.
 */
export function buildIndex(table: Table, derived: readonly Table[], version: number, store: Store): ObservationIndex {
  const rs = new RowStore(Math.max(1024, table.numRows + derived.reduce((a, t) => a + t.numRows, 0)));
  const rows = new Map<string, Map<string, number[]>>();
  rs.series(table, undefined, rows);
  for (const t of derived) rs.series(undefined, t, rows);
  sortLists(rows.values(), rs.year);
  const vintages = new Map<number, { vintage: string; receivedAt: string }>();
  let lastUpdated = '';
  for (const s of store.submissions(100_000)) {
    if (s.id > version) continue;
    vintages.set(s.id, { vintage: s.vintage ?? `submission-${s.id}`, receivedAt: s.receivedAt });
    if (s.receivedAt > lastUpdated) lastUpdated = s.receivedAt;
  }
  return makeIndex(rs, version, rows, vintages, lastUpdated.slice(0, 10), () => table, rowStoreBytes(rs, rows));
}

/** Row storage plus the entries of the series maps (every list of row numbers). */
function rowStoreBytes(rs: RowStore, rows: Map<string, Map<string, number[]>>): number {
  let entries = 0;
  for (const inner of rows.values()) entries += inner.size;
  return rs.year.length * ROW_BYTES + entries * ENTRY_BYTES + rs.length * 8;
}

/** What an index holds besides its row storage (its maps, lists and vintages), as `bytes` estimated it. */
function mapBytes(idx: ObservationIndex): number {
  const rs = rowStoreOf(idx);
  return (idx as unknown as { ownRows?: boolean }).ownRows && rs ? Math.max(0, idx.bytes - rs.year.length * ROW_BYTES) : idx.bytes;
}

/** Beyond this many changed (economy, indicator) series a version is built afresh rather than applied. */
const MAX_INCREMENTAL_SERIES = 5_000;

/**
 * The index of `version` from the index of another version `prev`, earlier or later: the series that the
 * submissions between the two wrote, and the derived series whose inputs they wrote, are re-read from the store
 * as of `version` (one small query per economy) and replace their previous lists. Undefined when too much changed.
 * This is what makes an as-of request cost the difference between two versions rather than a rebuild.
 */
export function advanceIndex(
  prev: ObservationIndex,
  version: number,
  store: Store,
  opts: { compactAt?: number; maxSeries?: number } = {},
): ObservationIndex | undefined {
  const steps = advanceSteps(prev, version, store, opts);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * `advanceIndex` with a turn of the event loop (`turn`; a test counts them) after each economy re-read: an as-of
 * version tens of economies away from the nearest one held took 0.1-0.2 s of the event loop at once (profiled in
 * the soak, where 20 clients ask for 10 as-of versions as they start), now a few milliseconds per turn.
 */
export async function advanceIndexAsync(
  prev: ObservationIndex,
  version: number,
  store: Store,
  opts: { compactAt?: number; maxSeries?: number; turn?: () => Promise<void> } = {},
): Promise<ObservationIndex | undefined> {
  const turn = opts.turn ?? (() => new Promise<void>((r) => setImmediate(r)));
  const steps = advanceSteps(prev, version, store, opts);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    await turn();
  }
}

/** The columns of a few rows of the observation table, as plain arrays (they cross a thread boundary). */
export interface DeltaRows {
  numRows: number;
  economy: string[];
  indicator: string[];
  year: number[];
  value: number[];
  note: Array<string | null>;
  source: Array<string | null>;
  derived_from: Array<string | null>;
  submission_id: Array<string | null>;
}

/**
 * What moves an index from version `from` to version `to`: per economy that changed in between, the series the
 * submissions wrote and the derived series whose inputs they wrote, as of `to` (each indicator's reported rows, and
 * its derived rows); forward, the submissions in between (their vintages). Read from the store alone (no index),
 * so it can be read in the data worker (`readDelta`) and applied on the event loop in a fraction of a millisecond
 * (`applyDelta`).
 */
export interface IndexDelta {
  from: number;
  to: number;
  /** `ids`: the economy's affected indicators in the order their lists are replaced (an index's map order follows it). */
  economies: Array<{ economy: string; ids: string[]; series: Array<{ id: string; base?: DeltaRows; derived?: DeltaRows }> }>;
  submissions: Array<{ id: number; vintage: string | null; receivedAt: string }>;
}

const DELTA_COLUMNS = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'derived_from', 'submission_id'] as const;
function deltaRows(t: Table | undefined): DeltaRows | undefined {
  if (!t || t.numRows === 0) return undefined;
  const out = { numRows: t.numRows } as DeltaRows;
  for (const name of DELTA_COLUMNS) {
    const c = t.getChild(name);
    const a: unknown[] = new Array(t.numRows);
    for (let i = 0; i < t.numRows; i++) a[i] = c ? (c.get(i) ?? null) : null;
    (out as unknown as Record<string, unknown[]>)[name] = a;
  }
  return out;
}
/** DeltaRows read as the row storage reads a table. */
const asTable = (d: DeltaRows | undefined): Table | undefined =>
  d && ({ numRows: d.numRows, getChild: (name: string) => ({ get: (i: number) => (d as unknown as Record<string, unknown[]>)[name][i] }) } as unknown as Table);

/**
 * The steps of reading a delta: it yields after each economy's series are read (one small query per economy), so
 * that on the event loop a move is a few milliseconds per turn. Undefined when more than `maxSeries` changed.
 */
function* deltaSteps(from: number, to: number, store: Store, maxSeries: number): Generator<void, IndexDelta | undefined> {
  const lo = Math.min(from, to),
    hi = Math.max(from, to);
  const changed = store.changedSeries(lo, hi, maxSeries);
  if (!changed) return undefined;
  const registry = loadIndicatorRegistry();
  const derivedDefs = registry.indicators.filter((d) => d.derived).map((d) => ({ id: d.id, formula: registry.derived(d.id)!.formula }));
  const byEconomy = new Map<string, Set<string>>();
  for (const { economy, indicator } of changed) {
    let s = byEconomy.get(economy);
    if (!s) byEconomy.set(economy, (s = new Set()));
    s.add(indicator);
  }
  const economies: IndexDelta['economies'] = [];
  let first = true;
  for (const [economy, indicators] of byEconomy) {
    if (!first) yield;
    first = false;
    const affected = new Set(indicators);
    for (const d of derivedDefs) if (d.formula.inputs.some((i) => indicators.has(i))) affected.add(d.id);
    const query = new Set(affected);
    for (const d of derivedDefs) if (affected.has(d.id)) for (const i of d.formula.inputs) query.add(i);
    const slice = store.observationTable({ version: to, economies: [economy], indicators: [...query].sort() });
    const series: IndexDelta['economies'][number]['series'] = [];
    for (const id of [...affected].sort()) {
      const d = derivedDefs.find((x) => x.id === id);
      series.push({ id, base: deltaRows(sliceOf(slice, id)), derived: d ? deltaRows(deriveIndicator(slice, d.id, d.formula)) : undefined });
    }
    economies.push({ economy, ids: [...affected], series });
  }
  const submissions = to > from ? store.submissionsBetween(from, to).map((s) => ({ id: s.id, vintage: s.vintage ?? null, receivedAt: s.receivedAt })) : [];
  return { from, to, economies, submissions };
}

/** The delta from version `from` to `to` at once (the data worker reads it: compute-worker.ts). */
export function readDelta(from: number, to: number, store: Store, maxSeries = MAX_INCREMENTAL_SERIES): IndexDelta | undefined {
  const steps = deltaSteps(from, to, store, maxSeries);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/** The steps of `advanceIndex`: the delta read a turn per economy, then applied. */
function* advanceSteps(
  prev: ObservationIndex,
  version: number,
  store: Store,
  opts: { compactAt?: number; maxSeries?: number },
): Generator<void, ObservationIndex | undefined> {
  const rs = rowStoreOf(prev);
  if (!rs || version === prev.version) return rs ? prev : undefined;
  const delta = yield* deltaSteps(prev.version, version, store, opts.maxSeries ?? MAX_INCREMENTAL_SERIES);
  return delta && applyDelta(prev, delta, store, opts);
}

/**
 * `prev` (of version `delta.from`) moved by `delta`: the changed series' rows appended to its row storage (shared
 * and only appended to, so other moves may have appended rows since the delta was read) and their lists replaced,
 * copy on write. Undefined when `prev` is not the delta's starting version.
 */
export function applyDelta(prev: ObservationIndex, delta: IndexDelta, store: Store, opts: { compactAt?: number } = {}): ObservationIndex | undefined {
  const rs = rowStoreOf(prev);
  if (!rs || prev.version !== delta.from) return undefined;
  const version = delta.to;
  if (version === prev.version) return prev;
  const forward = version > prev.version;
  let rowsAdded = 0;
  const rows = new Map(prev.rows);
  const cloned = new Set<string>();
  let clonedEntries = 0;
  for (const { economy, ids, series } of delta.economies) {
    const fresh = new Map<string, Map<string, number[]>>();
    for (const { base, derived } of series) {
      const before = rs.length;
      rs.series(asTable(base), asTable(derived), fresh);
      rowsAdded += rs.length - before;
    }
    sortLists(fresh.values(), rs.year);
    for (const id of ids) {
      const old = rows.get(id)?.get(economy);
      if (old && forward) rs.garbage += old.length;
      const list = fresh.get(id)?.get(economy);
      let inner = rows.get(id);
      if (!cloned.has(id) || !inner) {
        // Copy on write: the previous version keeps its own inner map.
        inner = new Map(cloned.has(id) ? [] : (inner ?? []));
        cloned.add(id);
        clonedEntries += inner.size;
        rows.set(id, inner);
      }
      if (list?.length) inner.set(economy, list);
      else inner.delete(economy);
      if (inner.size === 0) rows.delete(id);
    }
  }
  let vintages: ObservationIndex['vintages'];
  let lastUpdated: string;
  if (forward) {
    vintages = new Map(prev.vintages);
    lastUpdated = prev.lastUpdated;
    for (const s of delta.submissions) {
      vintages.set(s.id, { vintage: s.vintage ?? `submission-${s.id}`, receivedAt: s.receivedAt });
      if (s.receivedAt.slice(0, 10) > lastUpdated) lastUpdated = s.receivedAt.slice(0, 10);
    }
  } else {
    vintages = new Map([...prev.vintages].filter(([id]) => id <= version));
    lastUpdated = '';
    for (const v of vintages.values()) if (v.receivedAt.slice(0, 10) > lastUpdated) lastUpdated = v.receivedAt.slice(0, 10);
  }
  const bytes = rowsAdded * (ROW_BYTES + 8) + (rows.size + clonedEntries + vintages.size) * ENTRY_BYTES;
  const idx = makeIndex(rs, version, rows, vintages, lastUpdated, () => store.observationTable({ version }), bytes, false);
  const live = rs.length - rs.garbage;
  return forward && rs.garbage > (opts.compactAt ?? Math.max(20_000, live / 4)) ? compact(idx) : idx;
}

/** The rows of one indicator of a small table (a filtered copy). */
function sliceOf(t: Table, indicator: string): Table | undefined {
  const ind = t.getChild('indicator')!;
  const keep: number[] = [];
  for (let i = 0; i < t.numRows; i++) if (ind.get(i) === indicator) keep.push(i);
  if (!keep.length) return undefined;
  // Tables here are a few hundred rows: a plain row-object pass is simpler than Arrow filtering.
  const rows = keep.map((i) => t.get(i)!.toJSON() as Record<string, unknown>);
  return {
    numRows: rows.length,
    getChild: (name: string) => (t.getChild(name) ? { get: (i: number) => rows[i][name] } : null),
  } as unknown as Table;
}

/**
 * An index as typed arrays, to leave a worker thread without copying (compute-worker.ts builds full indexes):
 * strings as codes into one dictionary (-1: null), the series as (indicator, economy, first, count) into `seriesRows`.
 */
export interface PackedIndex {
  version: number;
  length: number;
  dict: string[];
  economy: Int32Array;
  indicator: Int32Array;
  note: Int32Array;
  source: Int32Array;
  derivedFrom: Int32Array;
  year: Int16Array;
  value: Float64Array;
  submission: Int32Array;
  stored: Uint8Array;
  /** indicator code, economy code, start in seriesRows, count: four per series. */
  series: Int32Array;
  seriesRows: Int32Array;
  vintages: Array<[number, string, string]>;
  lastUpdated: string;
}

export function packIndex(idx: ObservationIndex): PackedIndex {
  const rs = rowStoreOf(idx)!;
  const codes = new Map<string, number>();
  const dict: string[] = [];
  const code = (s: string | null): number => {
    if (s === null) return -1;
    let c = codes.get(s);
    if (c === undefined) {
      codes.set(s, (c = dict.length));
      dict.push(s);
    }
    return c;
  };
  const n = rs.length;
  const col = (a: Array<string | null>): Int32Array => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = code(a[i]);
    return out;
  };
  let count = 0,
    rows = 0;
  for (const inner of idx.rows.values()) {
    count += inner.size;
    for (const list of inner.values()) rows += list.length;
  }
  const series = new Int32Array(4 * count),
    seriesRows = new Int32Array(rows);
  let s = 0,
    r = 0;
  for (const [ind, inner] of idx.rows)
    for (const [economy, list] of inner) {
      series.set([code(ind), code(economy), r, list.length], s);
      s += 4;
      for (const x of list) seriesRows[r++] = x;
    }
  return {
    version: idx.version,
    length: n,
    dict,
    economy: col(rs.economy),
    indicator: col(rs.indicator),
    note: col(rs.note),
    source: col(rs.source),
    derivedFrom: col(rs.derivedFrom),
    year: rs.year.slice(0, n),
    value: rs.value.slice(0, n),
    submission: rs.submission.slice(0, n),
    stored: rs.stored.slice(0, n),
    series,
    seriesRows,
    vintages: [...idx.vintages].map(([id, v]) => [id, v.vintage, v.receivedAt]),
    lastUpdated: idx.lastUpdated,
  };
}

/** The index a worker packed (its table, when asked, is read from the store). */
/** Rows (and series) unpacked per turn of the event loop: a full index is ~200,000 rows, 0.1-0.15 s at once. */
export const UNPACK_BATCH = 16_384;

/**
 * The index a worker packed, on this thread: its strings decoded and its series mapped UNPACK_BATCH at a time, the
 * event loop free between batches (`turn`; a test counts them), so that an as-of version built for an anonymous
 * request never holds up the answers from memory.
 */
export async function unpackIndex(p: PackedIndex, store: Store, o: { turn?: () => Promise<void>; batch?: number } = {}): Promise<ObservationIndex> {
  const turn = o.turn ?? (() => new Promise<void>((r) => setImmediate(r))),
    batch = o.batch ?? UNPACK_BATCH;
  const rs = new RowStore(0);
  const codes = [p.economy, p.indicator, p.note, p.source, p.derivedFrom];
  const cols = codes.map(() => new Array<string | null>(p.length));
  for (let from = 0; from < p.length; from += batch) {
    if (from > 0) await turn();
    const to = Math.min(p.length, from + batch);
    for (let c = 0; c < codes.length; c++) {
      const a = codes[c],
        out = cols[c];
      for (let i = from; i < to; i++) out[i] = a[i] < 0 ? null : p.dict[a[i]];
    }
  }
  rs.economy = cols[0] as string[];
  rs.indicator = cols[1] as string[];
  [rs.note, rs.source, rs.derivedFrom] = [cols[2], cols[3], cols[4]];
  [rs.year, rs.value, rs.submission, rs.stored, rs.length] = [p.year, p.value, p.submission, p.stored, p.length];
  const rows = new Map<string, Map<string, number[]>>();
  for (let s = 0; s < p.series.length; s += 4) {
    if (s > 0 && s % (4 * batch) === 0) await turn();
    const ind = p.dict[p.series[s]];
    let inner = rows.get(ind);
    if (!inner) rows.set(ind, (inner = new Map()));
    inner.set(p.dict[p.series[s + 1]], Array.from(p.seriesRows.subarray(p.series[s + 2], p.series[s + 2] + p.series[s + 3])));
  }
  const vintages = new Map(p.vintages.map(([id, vintage, receivedAt]) => [id, { vintage, receivedAt }]));
  return makeIndex(rs, p.version, rows, vintages, p.lastUpdated, () => store.observationTable({ version: p.version }), rowStoreBytes(rs, rows));
}

/** Copy the rows still referenced into a new row store (garbage from replaced revisions dropped). */
export function compact(idx: ObservationIndex): ObservationIndex {
  const old = rowStoreOf(idx)!;
  const rs = new RowStore(Math.max(1024, old.length - old.garbage));
  const rows = new Map<string, Map<string, number[]>>();
  for (const [id, inner] of idx.rows) {
    const m = new Map<string, number[]>();
    for (const [economy, list] of inner)
      m.set(
        economy,
        list.map((r) =>
          rs.push(
            old.economy[r],
            old.indicator[r],
            old.year[r],
            old.value[r],
            old.note[r],
            old.source[r],
            old.derivedFrom[r],
            old.submission[r],
            old.stored[r] === 1,
          ),
        ),
      );
    rows.set(id, m);
  }
  const t = idx;
  return makeIndex(rs, idx.version, rows, idx.vintages, idx.lastUpdated, () => t.table, rowStoreBytes(rs, rows));
}

export interface CacheOptions {
  /** Bytes of observation indexes kept (least recently used dropped first; the newest version is always kept). */
  maxBytes?: number;
  /** Bytes of computed answers kept (IDI years, analyses, baskets, explanations; the current and the previous version), LRU. */
  maxComputedBytes?: number;
  /** Beyond this many changed series, a version is built afresh instead of moved from a cached one. */
  maxIncrementalSeries?: number;
  /**
   * Computed answers (IDI years, sensitivity, baskets) follow the store at most this often: each answer is computed
   * at most once per interval however many submissions arrive (series answers are always current). Meanwhile, and
   * while an answer of the new version is computed, the previous version's answer is served.
   */
  computedRefreshMs?: number;
  /**
   * Where full builds run (the server: a worker thread, see compute-worker.ts); without it they run on the
   * calling thread. With it, a read of the current version while its full build runs gets the newest version held.
   */
  builder?: (version: number) => Promise<ObservationIndex>;
  /**
   * Where the deltas of as-of moves are read (the server: the data worker, see compute-worker.ts); without it a
   * request's move reads them on the calling thread, a turn of the event loop per economy.
   */
  deltaReader?: (from: number, to: number, maxSeries: number) => Promise<IndexDelta | undefined>;
  /** The store's current version (the server asks it once per turn of the event loop); default: the store, each time. */
  version?: () => number;
}

export const CACHE_DEFAULTS: Required<Omit<CacheOptions, 'builder' | 'deltaReader' | 'version'>> = {
  maxBytes: 48 << 20,
  maxComputedBytes: 32 << 20,
  maxIncrementalSeries: MAX_INCREMENTAL_SERIES,
  computedRefreshMs: 10_000,
};

type Held = { value: unknown; bytes: number };

/**
 * The observation index of the current store version, or of a past version (as-of), cached in an LRU bounded
 * by bytes. An uncached version is the nearest cached one moved by the difference (milliseconds); a full build
 * happens only when nothing cached is near (in the builder's worker thread when there is one), and concurrent
 * requests for one version share one computation.
 */
export class ObservationCache {
  private readonly cache = new Map<number, ObservationIndex>();
  private readonly pending = new Map<number, Promise<ObservationIndex>>();
  private computed = new Map<string, Held>();
  /** The previous computed version's answers: served while the current version's are computed. */
  private previous = new Map<string, Held>();
  /** Deterministic failures (a year without data, bad options) of the current computed version: answered, not recomputed. */
  private failed = new Map<string, Error>();
  private computedBytes = 0;
  private previousBytes = 0;
  private computedVersion = -1;
  /** The index of the newest version seen: the base an incremental update starts from. */
  private head: ObservationIndex | undefined;
  private readonly opts: Required<Omit<CacheOptions, 'builder' | 'deltaReader' | 'version'>>;
  private readonly currentVersion: () => number;
  private readonly builder: CacheOptions['builder'];
  private readonly deltaReader: CacheOptions['deltaReader'];
  /**
   * Full builds (on this thread or the builder's), incremental updates (of which moves whose delta was read by the
   * delta reader), stale answers served (for tests and the soak).
   */
  readonly stats = { builds: 0, updates: 0, workerBuilds: 0, workerDeltas: 0, staleAnswers: 0 };
  /** Versions dropped to keep the budget. */
  evictions = 0;
  bytes = 0;
  constructor(
    private readonly store: Store,
    opts: CacheOptions = {},
  ) {
    const { builder, deltaReader, version, ...rest } = opts;
    this.opts = { ...CACHE_DEFAULTS, ...rest };
    this.currentVersion = version ?? (() => store.version());
    this.builder = builder;
    this.deltaReader = deltaReader;
  }

  /** Versions held. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * The index of `version` (default the current one): held, or moved from the nearest held version (ms), or built.
   * With a builder, the current version's full build runs in its worker and this returns the newest index held
   * meanwhile (what a read sees for the second or so a build of a very large change takes).
   */
  index(version?: number, storeVersion?: number): ObservationIndex {
    const current = version === undefined;
    const v = version ?? storeVersion ?? this.currentVersion();
    if (!current) this.transient.delete(v);
    const held = this.hit(v) ?? this.moved(v, current);
    if (held) return held;
    if (this.builder && current && this.head) {
      void this.indexAsync(v, true).catch(() => undefined);
      return this.head;
    }
    return this.insert(v, this.buildHere(v), current);
  }

  /**
   * Versions held only because they were the current one, never asked for as such (as of a date, or by version):
   * once a newer version is current nothing asks for them, so they are dropped then (their memory would otherwise
   * grow with every submission up to the budget). The computed answers' version stays while it is theirs.
   */
  private readonly transient = new Set<number>();
  /** Versions dropped because a newer one became current (see `transient`). */
  superseded = 0;

  private hit(version: number): ObservationIndex | undefined {
    const idx = this.cache.get(version);
    if (idx) this.touch(version);
    return idx;
  }

  /** The nearest cached version (fewest submissions apart), moved by what changed in between; undefined when too much did. */
  private moved(version: number, current = false): ObservationIndex | undefined {
    const base = this.nearest(version);
    if (!base) return undefined;
    const idx = advanceIndex(base, version, this.store, { maxSeries: this.opts.maxIncrementalSeries });
    if (!idx) return undefined;
    this.stats.updates++;
    this.touch(base.version);
    return this.insert(version, idx, current);
  }

  /**
   * `moved` for a request's index: an as-of version's delta read by the delta reader (off the event loop) and
   * applied here; the current version's, or without a reader, a few milliseconds per turn of the event loop
   * (advanceIndexAsync).
   */
  private async movedAsync(version: number, current = false): Promise<ObservationIndex | undefined> {
    const base = this.nearest(version);
    if (!base) return undefined;
    let idx: ObservationIndex | undefined;
    // Not the current version's move (a submission's): a read of the new version sees it at once (the next read
    // after a write is the write's), so it is moved on this thread (`index`) rather than awaited from the worker.
    if (this.deltaReader && !current && base.version !== version) {
      const delta = await this.deltaReader(base.version, version, this.opts.maxIncrementalSeries);
      idx = delta && applyDelta(base, delta, this.store);
      if (idx) this.stats.workerDeltas++;
    } else idx = await advanceIndexAsync(base, version, this.store, { maxSeries: this.opts.maxIncrementalSeries });
    if (!idx) return undefined;
    this.stats.updates++;
    this.touch(base.version);
    return this.hit(version) ?? this.insert(version, idx, current);
  }

  private nearest(version: number): ObservationIndex | undefined {
    let base: ObservationIndex | undefined;
    for (const c of this.cache.values()) if (!base || Math.abs(c.version - version) < Math.abs(base.version - version)) base = c;
    return base;
  }

  private buildHere(version: number): ObservationIndex {
    const table = this.store.observationTable({ version });
    this.stats.builds++;
    return buildIndex(table, derivedTables(table), version, this.store);
  }

  private insert(version: number, idx: ObservationIndex, current = false): ObservationIndex {
    const newHead = !this.head || version > this.head.version;
    if (!this.head || version >= this.head.version) this.head = idx;
    this.cache.set(version, idx);
    if (current) this.transient.add(version);
    else this.transient.delete(version);
    if (newHead)
      for (const v of this.transient)
        if (v < version && v !== this.computedOf) {
          this.cache.delete(v);
          this.transient.delete(v);
          this.superseded++;
        }
    this.compactHead();
    this.evict(version);
    return this.cache.get(version) ?? idx;
  }

  /**
   * As-of indexes append their rows to the row storage they were moved from (often the newest version's): when
   * that storage holds more than twice what the newest version uses, the newest version is copied into fresh
   * storage, and the old one goes when the last as-of index that uses it is evicted.
   */
  private compactHead(): void {
    const head = this.head!;
    const rs = rowStoreOf(head);
    if (!rs) return;
    let live = 0;
    for (const inner of head.rows.values()) for (const list of inner.values()) live += list.length;
    if (rs.length <= 2 * live + 20_000) return;
    const fresh = compact(head);
    this.head = fresh;
    this.cache.set(head.version, fresh);
  }

  /** Estimated bytes held: each distinct row storage once, plus each index's own maps. */
  private footprint(): number {
    const stores = new Set<RowStore>();
    let bytes = 0;
    for (const idx of this.cache.values()) {
      const rs = rowStoreOf(idx);
      if (rs && !stores.has(rs)) {
        stores.add(rs);
        bytes += rs.year.length * ROW_BYTES;
      }
      bytes += mapBytes(idx);
    }
    return bytes;
  }

  /**
   * The same, for a request: concurrent requests for one version share one computation, which starts on a later
   * turn of the event loop (the request that asked can be answered or cancelled meanwhile); a full build runs in
   * the builder's worker when there is one.
   */
  indexAsync(asked?: number, current = asked === undefined): Promise<ObservationIndex> {
    const version = asked ?? this.currentVersion();
    if (!current) this.transient.delete(version);
    const hit = this.hit(version);
    if (hit) return Promise.resolve(hit);
    let p = this.pending.get(version);
    if (!p) {
      p = new Promise<void>((resolve) => setImmediate(resolve))
        .then(async () => {
          const idx = this.hit(version) ?? (await this.movedAsync(version, current));
          if (idx) return idx;
          if (!this.builder) return this.insert(version, this.buildHere(version), current);
          const built = await this.builder(version);
          this.stats.workerBuilds++;
          return this.insert(version, built, current);
        })
        .finally(() => this.pending.delete(version));
      this.pending.set(version, p);
    }
    return p;
  }

  private computedAt = 0;
  private computedOf: number | undefined;
  /**
   * The index computed answers are made from: the current version, but moved on at most once per
   * `computedRefreshMs` (so a stream of submissions does not make every anonymous IDI request a new computation).
   */
  computedIndex(now = Date.now(), current = this.currentVersion()): ObservationIndex {
    if (this.computedOf === undefined || (current !== this.computedOf && now - this.computedAt >= this.opts.computedRefreshMs)) {
      const idx = this.index(undefined, current); // with a builder, the newest held while a full build of `current` runs
      this.computedOf = idx.version;
      if (idx.version === current) this.computedAt = now;
      return idx;
    }
    return this.hit(this.computedOf) ?? this.index(this.computedOf);
  }

  /** True when this version needs no computation. */
  has(version: number): boolean {
    return this.cache.has(version);
  }

  private touch(version: number): void {
    const idx = this.cache.get(version);
    if (!idx) return;
    this.cache.delete(version);
    this.cache.set(version, idx);
  }

  /** Drop the least recently used versions until the budget holds (never the newest version, never `keep`). */
  private evict(keep: number): void {
    this.bytes = this.footprint();
    for (const [v, idx] of this.cache) {
      if (this.bytes <= this.opts.maxBytes) break;
      if (v === keep || idx === this.head) continue;
      this.cache.delete(v);
      this.transient.delete(v);
      this.evictions++;
      this.bytes = this.footprint();
    }
  }

  /** The computed answers move to `version`: the current ones become the previous ones (a newer version only). */
  private moveComputed(version: number): void {
    if (version === this.computedVersion) return;
    if (version > this.computedVersion) [this.previous, this.previousBytes] = [this.computed, this.computedBytes];
    else [this.previous, this.previousBytes] = [new Map(), 0];
    this.computed = new Map();
    this.computedBytes = 0;
    this.failed = new Map();
    this.computedVersion = version;
  }

  /**
   * A computed result (an IDI, a basket) for the current version, computed once per version and key, kept in
   * an LRU bounded by bytes (a string counts its length twice; anything else `bytesOf`, else its JSON length).
   */
  memo<T>(version: number, key: string, compute: () => T, bytesOf?: (value: T) => number): T {
    this.moveComputed(version);
    const hit = this.computed.get(key);
    if (hit) {
      this.computed.delete(key);
      this.computed.set(key, hit);
      return hit.value as T;
    }
    const value = compute();
    const bytes = 2 * key.length + (typeof value === 'string' ? 2 * value.length : bytesOf ? bytesOf(value) : 2 * (JSON.stringify(value)?.length ?? 0));
    this.computed.set(key, { value, bytes });
    this.computedBytes += bytes;
    // The budget holds both versions: the previous version's answers go first.
    for (const [k, e] of this.previous) {
      if (this.computedBytes + this.previousBytes <= this.opts.maxComputedBytes) break;
      this.previous.delete(k);
      this.previousBytes -= e.bytes;
    }
    for (const [k, e] of this.computed) {
      if (this.computedBytes + this.previousBytes <= this.opts.maxComputedBytes || k === key) break;
      this.computed.delete(k);
      this.computedBytes -= e.bytes;
    }
    return value;
  }

  private readonly pendingMemo = new Map<string, Promise<unknown>>();
  /**
   * `memo` for a computation that runs elsewhere (a worker thread): concurrent requests for one version and key
   * share one computation; a deterministic failure (an ApiError or UserInputError) is kept for the version, so
   * that asking again costs nothing; other failures are not kept.
   */
  memoAsync<T>(version: number, key: string, compute: () => Promise<T>, bytesOf: (value: T) => number): Promise<T> {
    if (version === this.computedVersion) {
      if (this.computed.has(key)) return Promise.resolve(this.memo(version, key, () => undefined as T));
      const f = this.failed.get(key);
      if (f) return Promise.reject(f);
    }
    const k = `${version}|${key}`;
    let p = this.pendingMemo.get(k) as Promise<T> | undefined;
    if (!p) {
      p = compute()
        .then((value) => (version >= this.computedVersion ? this.memo(version, key, () => value, bytesOf) : value))
        .catch((e: unknown) => {
          if (version >= this.computedVersion && isDeterministic(e)) {
            this.moveComputed(version);
            if (this.failed.size < 10_000) this.failed.set(key, e);
          }
          throw e;
        })
        .finally(() => this.pendingMemo.delete(k));
      this.pendingMemo.set(k, p);
    }
    return p;
  }

  /**
   * `memoAsync`, answering at once from the previous version while the current version's answer is computed
   * (`stale: true`: the caller must not let it be held as the current version's answer).
   */
  memoLatest<T>(version: number, key: string, compute: () => Promise<T>, bytesOf: (value: T) => number): Promise<{ value: T; stale: boolean }> {
    if (version > this.computedVersion) this.moveComputed(version);
    const fresh = this.memoAsync(version, key, compute, bytesOf);
    const old = this.servesPrevious(version, key) ? this.previous.get(key) : undefined;
    if (!old) return fresh.then((value) => ({ value, stale: false }));
    fresh.catch(() => undefined); // answered when asked again
    this.stats.staleAnswers++;
    return Promise.resolve({ value: old.value as T, stale: true });
  }

  /** Is the previous version's answer what `memoLatest(version, key)` answers now (the current one's not ready)? */
  servesPrevious(version: number, key: string): boolean {
    return version === this.computedVersion && !this.computed.has(key) && !this.failed.has(key) && this.previous.has(key);
  }

  /** Is the previous version's answer still served while the current one's is being computed (not failed, not done)? */
  computingInstead(version: number, key: string): boolean {
    return this.servesPrevious(version, key) && this.pendingMemo.has(`${version}|${key}`);
  }

  /** Bytes of computed answers held. */
  get memoBytes(): number {
    return this.computedBytes + this.previousBytes;
  }
}

/** Failures that asking again would repeat: about the request or the data, not the machine. */
function isDeterministic(e: unknown): e is Error {
  return (e instanceof ApiError && e.status < 500) || (e instanceof UserInputError && e.code !== 'store-unavailable');
}
