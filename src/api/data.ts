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
      const cap = this.year.length * 2;
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
  const rs = rowStoreOf(prev);
  if (!rs || version === prev.version) return rs ? prev : undefined;
  const forward = version > prev.version;
  const lo = Math.min(prev.version, version),
    hi = Math.max(prev.version, version);
  const changed = store.changedSeries(lo, hi, opts.maxSeries ?? MAX_INCREMENTAL_SERIES);
  if (!changed) return undefined;
  const rowsBefore = rs.length;
  const registry = loadIndicatorRegistry();
  const derivedDefs = registry.indicators.filter((d) => d.derived).map((d) => ({ id: d.id, formula: registry.derived(d.id)!.formula }));
  const byEconomy = new Map<string, Set<string>>();
  for (const { economy, indicator } of changed) {
    let s = byEconomy.get(economy);
    if (!s) byEconomy.set(economy, (s = new Set()));
    s.add(indicator);
  }
  const rows = new Map(prev.rows);
  const cloned = new Set<string>();
  let clonedEntries = 0;
  for (const [economy, indicators] of byEconomy) {
    const affected = new Set(indicators);
    for (const d of derivedDefs) if (d.formula.inputs.some((i) => indicators.has(i))) affected.add(d.id);
    const query = new Set(affected);
    for (const d of derivedDefs) if (affected.has(d.id)) for (const i of d.formula.inputs) query.add(i);
    const slice = store.observationTable({ version, economies: [economy], indicators: [...query].sort() });
    const fresh = new Map<string, Map<string, number[]>>();
    for (const id of [...affected].sort()) {
      const d = derivedDefs.find((x) => x.id === id);
      const base = sliceOf(slice, id);
      const derived = d ? deriveIndicator(slice, d.id, d.formula) : undefined;
      rs.series(base, derived && derived.numRows > 0 ? derived : undefined, fresh);
    }
    sortLists(fresh.values(), rs.year);
    for (const id of affected) {
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
    for (const s of store.submissionsBetween(prev.version, version)) {
      vintages.set(s.id, { vintage: s.vintage ?? `submission-${s.id}`, receivedAt: s.receivedAt });
      if (s.receivedAt.slice(0, 10) > lastUpdated) lastUpdated = s.receivedAt.slice(0, 10);
    }
  } else {
    vintages = new Map([...prev.vintages].filter(([id]) => id <= version));
    lastUpdated = '';
    for (const v of vintages.values()) if (v.receivedAt.slice(0, 10) > lastUpdated) lastUpdated = v.receivedAt.slice(0, 10);
  }
  const bytes = (rs.length - rowsBefore) * (ROW_BYTES + 8) + (rows.size + clonedEntries + vintages.size) * ENTRY_BYTES;
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
  /** Bytes of computed answers kept for the current version (IDI years, baskets, explanations), LRU. */
  maxComputedBytes?: number;
  /** Beyond this many changed series, a version is built afresh instead of moved from a cached one. */
  maxIncrementalSeries?: number;
  /**
   * Computed answers (IDI years, sensitivity, baskets) follow the store at most this often: each answer is computed
   * at most once per interval however many submissions arrive (series answers are always current).
   */
  computedRefreshMs?: number;
}

export const CACHE_DEFAULTS: Required<CacheOptions> = {
  maxBytes: 256 << 20,
  maxComputedBytes: 64 << 20,
  maxIncrementalSeries: MAX_INCREMENTAL_SERIES,
  computedRefreshMs: 30_000,
};

/**
 * The observation index of the current store version, or of a past version (as-of), cached in an LRU bounded
 * by bytes. An uncached version is the nearest cached one moved by the difference (milliseconds); a full build
 * happens only when nothing cached is near, and concurrent requests for one version share one computation.
 */
export class ObservationCache {
  private readonly cache = new Map<number, ObservationIndex>();
  private readonly pending = new Map<number, Promise<ObservationIndex>>();
  private readonly computed = new Map<string, { value: unknown; bytes: number }>();
  private computedBytes = 0;
  private computedVersion = -1;
  /** The index of the newest version seen: the base an incremental update starts from. */
  private head: ObservationIndex | undefined;
  private readonly opts: Required<CacheOptions>;
  /** Full builds and incremental updates done (for tests and the load benchmark). */
  readonly stats = { builds: 0, updates: 0 };
  /** Versions dropped to keep the budget. */
  evictions = 0;
  bytes = 0;
  constructor(
    private readonly store: Store,
    opts: CacheOptions = {},
  ) {
    this.opts = { ...CACHE_DEFAULTS, ...opts };
  }

  /** Versions held. */
  get size(): number {
    return this.cache.size;
  }

  index(version = this.store.version()): ObservationIndex {
    let idx = this.cache.get(version);
    if (idx) {
      this.cache.delete(version); // keep most recently used last
      this.cache.set(version, idx);
      return idx;
    }
    // The nearest cached version (fewest submissions apart), moved by what changed in between.
    let base: ObservationIndex | undefined;
    for (const c of this.cache.values()) if (!base || Math.abs(c.version - version) < Math.abs(base.version - version)) base = c;
    if (base) {
      idx = advanceIndex(base, version, this.store, { maxSeries: this.opts.maxIncrementalSeries });
      if (idx) {
        this.stats.updates++;
        this.touch(base.version);
      }
    }
    if (!idx) {
      const table = this.store.observationTable({ version });
      idx = buildIndex(table, derivedTables(table), version, this.store);
      this.stats.builds++;
    }
    if (!this.head || version >= this.head.version) this.head = idx;
    this.cache.set(version, idx);
    this.compactHead();
    this.evict(version);
    return idx;
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
   * The same, for a request: concurrent requests for one version share one computation, and the computation
   * starts on a later turn of the event loop (the request that asked can be answered or cancelled meanwhile).
   */
  indexAsync(version = this.store.version()): Promise<ObservationIndex> {
    const hit = this.cache.has(version) ? this.index(version) : undefined;
    if (hit) return Promise.resolve(hit);
    let p = this.pending.get(version);
    if (!p) {
      p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.index(version)).finally(() => this.pending.delete(version));
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
  computedIndex(now = Date.now()): ObservationIndex {
    const current = this.store.version();
    if (this.computedOf === undefined || (current !== this.computedOf && now - this.computedAt >= this.opts.computedRefreshMs)) {
      this.computedOf = current;
      this.computedAt = now;
    }
    return this.index(this.computedOf);
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
      this.evictions++;
      this.bytes = this.footprint();
    }
  }

  /**
   * A computed result (an IDI, a basket) for the current version, computed once per version and key, kept in
   * an LRU bounded by bytes (a string counts its length twice; anything else `bytesOf`, else its JSON length).
   */
  memo<T>(version: number, key: string, compute: () => T, bytesOf?: (value: T) => number): T {
    if (version !== this.computedVersion) {
      this.computed.clear();
      this.computedBytes = 0;
      this.computedVersion = version;
    }
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
    for (const [k, e] of this.computed) {
      if (this.computedBytes <= this.opts.maxComputedBytes || k === key) break;
      this.computed.delete(k);
      this.computedBytes -= e.bytes;
    }
    return value;
  }

  private readonly pendingMemo = new Map<string, Promise<unknown>>();
  /**
   * `memo` for a computation that runs elsewhere (a worker thread): concurrent requests for one version and key
   * share one computation; a failure is not kept.
   */
  memoAsync<T>(version: number, key: string, compute: () => Promise<T>, bytesOf: (value: T) => number): Promise<T> {
    if (version === this.computedVersion && this.computed.has(key)) return Promise.resolve(this.memo(version, key, () => undefined as T));
    const k = `${version}|${key}`;
    let p = this.pendingMemo.get(k) as Promise<T> | undefined;
    if (!p) {
      p = compute()
        .then((value) => (version === this.computedVersion || this.computedVersion < version ? this.memo(version, key, () => value, bytesOf) : value))
        .finally(() => this.pendingMemo.delete(k));
      this.pendingMemo.set(k, p);
    }
    return p;
  }

  /** Bytes of computed answers held. */
  get memoBytes(): number {
    return this.computedBytes;
  }
}
