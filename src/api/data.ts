/**
 * What the API serves: the store's current observations (or those as of a date), with derived indicators
 * filled where they were not reported, indexed by indicator and economy. Built once per store version and
 * kept until a submission changes the version, so a read costs an index lookup, not a query.
 */
import type { Table } from 'apache-arrow';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { deriveIndicator, mergeByPrecedence } from '../table/combine.js';
import type { Store } from '../store/store.js';

export interface ObservationIndex {
  /** The store version (latest submission id) this was built from. */
  version: number;
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

/** Add each derived indicator where its inputs are reported and it is not (as `series` does). */
export function withDerived(table: Table): Table {
  const registry = loadIndicatorRegistry();
  const derived = registry.indicators.filter((d) => d.derived).map((d) => deriveIndicator(table, d.id, registry.derived(d.id)!.formula));
  return derived.some((t) => t.numRows > 0) ? mergeByPrecedence([table, ...derived]) : table;
}

export function buildIndex(table: Table, version: number, store: Store): ObservationIndex {
  const n = table.numRows;
  const col = (name: string) => table.getChild(name)!;
  const strings = (name: string): Array<string | null> => {
    const c = col(name);
    const out = new Array<string | null>(n);
    for (let i = 0; i < n; i++) out[i] = (c.get(i) as string | null) ?? null;
    return out;
  };
  const economy = strings('economy') as string[], indicator = strings('indicator') as string[];
  const year = Int16Array.from(col('year').toArray() as Int16Array), value = Float64Array.from(col('value').toArray() as Float64Array);
  const sub = strings('submission_id');
  const submission = Int32Array.from(sub, (s) => (s ? Number(s) : 0));
  const rows = new Map<string, Map<string, number[]>>();
  for (let i = 0; i < n; i++) {
    let byEconomy = rows.get(indicator[i]);
    if (!byEconomy) rows.set(indicator[i], (byEconomy = new Map()));
    let list = byEconomy.get(economy[i]);
    if (!list) byEconomy.set(economy[i], (list = []));
    list.push(i);
  }
  for (const byEconomy of rows.values()) for (const list of byEconomy.values()) list.sort((a, b) => year[b] - year[a]);
  const vintages = new Map<number, { vintage: string; receivedAt: string }>();
  let lastUpdated = '';
  for (const s of store.submissions(100_000)) {
    if (s.id > version) continue;
    vintages.set(s.id, { vintage: s.vintage ?? `submission-${s.id}`, receivedAt: s.receivedAt });
    if (s.receivedAt > lastUpdated) lastUpdated = s.receivedAt;
  }
  return {
    version, table, economy, indicator, year, value, note: strings('note'), source: strings('source'), derivedFrom: strings('derived_from'),
    submission, rows, vintages, lastUpdated: lastUpdated.slice(0, 10),
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
    idx = buildIndex(withDerived(this.store.observationTable({ version })), version, this.store);
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
