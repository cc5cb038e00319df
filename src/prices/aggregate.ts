/**
 * Group figures of price-basket series (ITU's "Medians 2008-2021"): for each basket and unit, a dense
 * economies x years panel goes through THE group kernel (`aggregateByGroup`, src/stats/groups.ts) once per
 * grouping. Balanced = only the economies with a value in every year in which the series has any value.
 */
import { aggregateByGroup, type GroupStat } from '../stats/groups.js';
import { invalidOption } from '../util/errors.js';
import { csvRow } from '../util/csv.js';

/** One basket series (basket x unit) as a dense panel. */
export interface BasketPanel {
  basket: string;
  unit: string;
  economies: readonly string[];
  years: readonly number[];
  /** Economy-major values[e * nYears + y]; NaN = no value. */
  values: Float64Array;
}

/**
 * A grouping: a name and, per group, the economies in it. Groups of one grouping may overlap (ITU's
 * "low and middle income" contains the three lower income groups); each group is aggregated on its own.
 */
export interface GroupSpec {
  grouping: string;
  groups: ReadonlyArray<{ group: string; members: ReadonlySet<string> }>;
}

export interface AggregateRow {
  basket: string;
  unit: string;
  grouping: string;
  group: string;
  year: number;
  value: number;
  n: number;
  /** The window of a release's medians sheet ("annual", "2021-2025"), when the aggregation spec has windows. */
  window?: string;
}

/** A medians window of a release (indicators/baskets/aggregation/*.json): the years it covers and whether it is balanced. */
export interface MedianWindow {
  label: string;
  from: number | null;
  to: number | null;
  balanced: boolean;
}

export interface AggregateOptions {
  stat: 'median' | 'mean';
  balanced: boolean;
}

/** The panel restricted to the years from..to (null = open). */
export function panelWindow(p: BasketPanel, from: number | null, to: number | null): BasketPanel {
  const keep = p.years.map((y, k) => [y, k] as const).filter(([y]) => (from === null || y >= from) && (to === null || y <= to));
  const nY = p.years.length,
    nK = keep.length;
  const values = new Float64Array(p.economies.length * nK);
  for (let e = 0; e < p.economies.length; e++) for (let j = 0; j < nK; j++) values[e * nK + j] = p.values[e * nY + keep[j][1]];
  return { ...p, years: keep.map(([y]) => y), values };
}

/** Each window's group figures (windows balanced or not, as the spec says), rows labelled with their window. */
export function aggregateWindows(
  panels: readonly BasketPanel[],
  groupings: readonly GroupSpec[],
  stat: 'median' | 'mean',
  windows: readonly MedianWindow[],
): AggregateRow[] {
  const rows: AggregateRow[] = [];
  for (const w of windows)
    for (const r of aggregatePanels(
      panels.map((p) => panelWindow(p, w.from, w.to)),
      groupings,
      { stat, balanced: w.balanced },
    ))
      rows.push({ ...r, window: w.label });
  return rows;
}

export function aggregatePanels(panels: readonly BasketPanel[], groupings: readonly GroupSpec[], opts: AggregateOptions): AggregateRow[] {
  return aggregatePanelStats(panels, groupings, [opts.stat], opts.balanced)[0];
}

/** `aggregatePanels` for several statistics from one kernel pass per group (the rows of each, in the order of `stats`). */
export function aggregatePanelStats(
  panels: readonly BasketPanel[],
  groupings: readonly GroupSpec[],
  which: ReadonlyArray<'median' | 'mean'>,
  balanced: boolean,
): AggregateRow[][] {
  const out: AggregateRow[][] = which.map(() => []);
  const stats: GroupStat[] = [...which, 'count'];
  for (const p of panels) {
    const nE = p.economies.length,
      nY = p.years.length;
    // Balance over the whole panel (the world), not within the group: ITU uses one set of economies per series.
    const balancedSet = balanced ? balancedEconomies(p) : null;
    for (const spec of groupings) {
      // Overlapping groups are split into partitions of the kernel: one call per group keeps it simple and exact.
      for (const { group, members } of spec.groups) {
        const groupIndex = new Int32Array(nE);
        for (let e = 0; e < nE; e++) groupIndex[e] = members.has(p.economies[e]) ? 0 : -1;
        if (balancedSet) for (let e = 0; e < nE; e++) if (!balancedSet[e]) groupIndex[e] = -1;
        const agg = aggregateByGroup({ values: p.values, nEconomies: nE, nYears: nY }, { group: groupIndex, nGroups: 1, stats });
        const count = agg.stats.count!;
        which.forEach((stat, k) => {
          const value = agg.stats[stat]!,
            rows = out[k];
          for (let y = 0; y < nY; y++) {
            if (count[y] === 0) continue;
            rows.push({ basket: p.basket, unit: p.unit, grouping: spec.grouping, group, year: p.years[y], value: value[y], n: count[y] });
          }
        });
      }
    }
  }
  return out;
}

/** Economies (1) with a value in every year in which any economy of the panel has one. */
export function balancedEconomies(p: BasketPanel): Uint8Array {
  const nE = p.economies.length,
    nY = p.years.length;
  const yearHasData = new Uint8Array(nY);
  for (let i = 0; i < p.values.length; i++) if (!Number.isNaN(p.values[i])) yearHasData[i % nY] = 1;
  const keep = new Uint8Array(nE);
  for (let e = 0; e < nE; e++) {
    let ok = 1;
    for (let y = 0; y < nY; y++)
      if (yearHasData[y] && Number.isNaN(p.values[e * nY + y])) {
        ok = 0;
        break;
      }
    keep[e] = ok;
  }
  return keep;
}

export const AGGREGATE_COLUMNS = ['basket', 'unit', 'grouping', 'group', 'year', 'value', 'n'] as const;

/** Values are written as computed (no rounding), so a comparison with a published sheet shows real differences. */
export function aggregatesToCsv(rows: readonly AggregateRow[]): string {
  if (rows.some((r) => r.window !== undefined))
    return csvRow([...AGGREGATE_COLUMNS, 'window']) + rows.map((r) => csvRow([r.basket, r.unit, r.grouping, r.group, r.year, r.value, r.n, r.window])).join('');
  return csvRow(AGGREGATE_COLUMNS) + rows.map((r) => csvRow([r.basket, r.unit, r.grouping, r.group, r.year, r.value, r.n])).join('');
}

export function assertStat(stat: string): asserts stat is 'median' | 'mean' {
  if (stat !== 'median' && stat !== 'mean') throw invalidOption('stat', stat, (n) => `${n} must be median or mean, not "${stat}"`);
}
