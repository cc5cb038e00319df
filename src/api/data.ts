/**
 * What the API serves: the store's current observations (or those as of a date), with derived indicators
 * filled where they were not reported, indexed by indicator and economy. Built once per store version and
 * kept until a submission changes the version, so a read costs an index lookup, not a query.
 */
import type { Table } from 'apache-arrow';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { deriveIndicator } from '../table/combine.js';
import type { Store } from '../store/store.js';

export interface ObservationIndex {
  /** The store version (latest submission id) this was built from. */
  version: number;
  /** The store's observations (without derived rows: the IDI pipeline derives what it needs itself). */
  table: Table;
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
}

/** Each derived indicator computed from its inputs (rows only where every input is reported). */
export function derivedTables(table: Table): Table[] {
  const registry = loadIndicatorRegistry();
  return registry.indicators.filter((d) => d.derived).map((d) => deriveIndicator(table, d.id, registry.derived(d.id)!.formula)).filter((t) => t.numRows > 0);
}

/**
 * Index the store's table, then the derived rows where no value was reported (as `series` layers them):
 * the derived rows are added to the index, never merged into a copy of the whole table.
 */
export function buildIndex(table: Table, derived: readonly Table[], version: number, store: Store): ObservationIndex {
  const economy: string[] = [], indicator: string[] = [], note: Array<string | null> = [], source: Array<string | null> = [], derivedFrom: Array<string | null> = [];
  const years: number[] = [], values: number[] = [], submissions: number[] = [];
  const rows = new Map<string, Map<string, number[]>>();
  for (const [k, t] of [table, ...derived].entries()) {
    const c = (name: string) => t.getChild(name);
    const e = c('economy')!, ind = c('indicator')!, y = c('year')!, v = c('value')!, n = c('note'), src = c('source'), df = c('derived_from'), sub = c('submission_id');
    for (let i = 0; i < t.numRows; i++) {
      const ie = e.get(i) as string, ii = ind.get(i) as string, iy = y.get(i) as number;
      let byEconomy = rows.get(ii);
      if (!byEconomy) rows.set(ii, (byEconomy = new Map()));
      let list = byEconomy.get(ie);
      if (!list) byEconomy.set(ie, (list = []));
      if (k > 0 && list.some((r) => years[r] === iy)) continue; // reported: the derived value is not used
      list.push(economy.length);
      economy.push(ie); indicator.push(ii); years.push(iy); values.push(v.get(i) as number);
      note.push((n?.get(i) as string | null) ?? null); source.push((src?.get(i) as string | null) ?? null); derivedFrom.push((df?.get(i) as string | null) ?? null);
      const sid = sub?.get(i) as string | null;
      submissions.push(sid ? Number(sid) : 0);
    }
  }
  const year = Int16Array.from(years);
  for (const byEconomy of rows.values()) for (const list of byEconomy.values()) list.sort((a, b) => year[b] - year[a]);
  const vintages = new Map<number, { vintage: string; receivedAt: string }>();
  let lastUpdated = '';
  for (const s of store.submissions(100_000)) {
    if (s.id > version) continue;
    vintages.set(s.id, { vintage: s.vintage ?? `submission-${s.id}`, receivedAt: s.receivedAt });
    if (s.receivedAt > lastUpdated) lastUpdated = s.receivedAt;
  }
  return {
    version, table, economy, indicator, year, value: Float64Array.from(values), note, source, derivedFrom,
    submission: Int32Array.from(submissions), rows, vintages, lastUpdated: lastUpdated.slice(0, 10),
  };
}

/** The observation index of the current store version, or of a past version (as-of), cached. */
export class ObservationCache {
  private readonly cache = new Map<number, ObservationIndex>();
  private readonly computed = new Map<string, unknown>();
  private computedVersion = -1;
  constructor(private readonly store: Store, private readonly maxVersions = 4) {}

  index(version = this.store.version()): ObservationIndex {
    let idx = this.cache.get(version);
    if (idx) {
      this.cache.delete(version); // keep most recently used last
      this.cache.set(version, idx);
      return idx;
    }
    const table = this.store.observationTable({ version });
    idx = buildIndex(table, derivedTables(table), version, this.store);
    this.cache.set(version, idx);
    while (this.cache.size > this.maxVersions) this.cache.delete(this.cache.keys().next().value!);
    return idx;
  }

  /** A computed result (an IDI, a basket) for the current version, computed once per version and key. */
  memo<T>(version: number, key: string, compute: () => T): T {
    if (version !== this.computedVersion) {
      this.computed.clear();
      this.computedVersion = version;
    }
    if (!this.computed.has(key)) this.computed.set(key, compute());
    return this.computed.get(key) as T;
  }
}
