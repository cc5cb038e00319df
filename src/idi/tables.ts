import type { Groupings } from '../registry/groupings.js';
import { aggregateByGroup } from '../stats/groups.js';
import type { ReportTable, Column } from '../table/report-table.js';
import type { IndexResult } from './compute.js';

/** The ranking: economy, name, score, rank, one column per component, imputed; previous-year columns with --previous; a note. */
export function rankingTable(r: IndexResult, previous: boolean): ReportTable {
  const columns: Column[] = [
    { key: 'economy', label: 'economy', type: 'text' },
    { key: 'name', label: 'name', type: 'text' },
    { key: 'score', label: 'score', type: 'number', decimals: 2 },
    { key: 'rank', label: 'rank', type: 'integer' },
    ...r.componentIds.map((id): Column => ({ key: id, label: id, type: 'number', decimals: 2 })),
    { key: 'imputed', label: 'imputed', type: 'integer' },
  ];
  if (previous) columns.push(
    { key: 'score_prev', label: 'score_prev', type: 'number', decimals: 2 },
    { key: 'rank_prev', label: 'rank_prev', type: 'integer' },
    { key: 'score_change', label: 'score_change', type: 'number', decimals: 2 },
    { key: 'rank_change', label: 'rank_change', type: 'integer' },
  );
  columns.push({ key: 'note', label: 'note', type: 'text' });
  const dropped = r.coverage.indicators.filter((c) => c.dropped).map((c) => c.indicator);
  const rows = r.economies.map((e) => {
    const notes: string[] = [];
    if (!e.ranked) notes.push(`not ranked: ${e.reason}`);
    if (dropped.length && e.ranked) notes.push(`departs from the published method: ${dropped.join(', ')} not available`);
    if (e.renormalised.length && e.ranked) notes.push(`averaged over the inputs available in ${e.renormalised.join(', ')}`);
    return {
      economy: e.economy, name: e.name, score: e.score, rank: e.rank,
      ...Object.fromEntries(r.componentIds.map((id) => [id, e.components[id]])),
      imputed: e.imputed,
      ...(previous ? { score_prev: e.previous?.score ?? null, rank_prev: e.previous?.rank ?? null, score_change: e.previous?.scoreChange ?? null, rank_change: e.previous?.rankChange ?? null } : {}),
      note: notes.join('; '),
    };
  });
  return {
    id: `${r.methodology.id}-${r.year}`,
    title: `${r.methodology.name}, data year ${r.year}`,
    columns, rows,
    notes: [`Methodology: ${r.methodology.id} (${r.methodology.source}); scores on a 0-${r.methodology.scale} scale; ranks from unrounded scores, ties share the better rank.`,
      `Ranked: ${r.coverage.ranked}; not ranked: ${r.coverage.notRanked}.`, ...r.departures.map((d) => `Departure: ${d}`)],
  };
}

export const GROUPING_ALIASES: Record<string, (year: number) => string> = {
  // The current regions: ITU recomputes its tables with current membership; the 2021 file leaves Palestine
  // and Palau under "Other Economies", which would drop ranked economies from every regional row.
  'itu-region': () => 'itu-region-2025',
  income: () => 'wb-income-fy2024',
  'wb-income': () => 'wb-income-fy2024',
};

/**
 * Group aggregates of the index and each component for ranked economies: count, mean, median,
 * population-weighted mean, min, max. `world` is every ranked economy. Balanced (with a previous
 * year): only economies ranked in both years, in both.
 */
export function groupTable(r: IndexResult, groupingIds: readonly string[], groupings: Groupings, population: Map<string, number>, balancedWith?: IndexResult): ReportTable {
  const ranked = r.economies.filter((e) => e.ranked && (!balancedWith || balancedWith.economies.some((p) => p.economy === e.economy && p.ranked)));
  const measures = [r.methodology.id, ...r.componentIds];
  const rows: ReportTable['rows'] = [];
  for (const raw of groupingIds) {
    const gid = GROUPING_ALIASES[raw.toLowerCase()]?.(r.year) ?? raw;
    const labelOf = (iso3: string): string | undefined => (gid === 'world' ? 'World' : groupings.groupOf(gid, iso3));
    const labels = [...new Set(ranked.map((e) => labelOf(e.economy)).filter((g): g is string => g !== undefined))].sort();
    const group = Int32Array.from(ranked, (e) => labels.indexOf(labelOf(e.economy) ?? '\u0000'));
    const weights = Float64Array.from(ranked, (e) => population.get(e.economy) ?? NaN);
    for (const measure of measures) {
      const values = Float64Array.from(ranked, (e) => (measure === r.methodology.id ? e.score : e.components[measure]) ?? NaN);
      const { stats } = aggregateByGroup({ values, nEconomies: ranked.length, nYears: 1 }, { group, nGroups: labels.length, weights, stats: ['count', 'mean', 'median', 'weighted-mean', 'min', 'max'] });
      labels.forEach((label, g) => rows.push({
        measure, grouping: gid, group: label, n: stats.count![g], mean: stats.mean![g], median: stats.median![g],
        pop_weighted_mean: stats['weighted-mean']![g], min: stats.min![g], max: stats.max![g],
      }));
    }
  }
  const num = (key: string): Column => ({ key, label: key, type: 'number', decimals: 2 });
  return {
    id: `${r.methodology.id}-${r.year}-groups`,
    title: `${r.methodology.name}, data year ${r.year}: group aggregates`,
    columns: [{ key: 'measure', label: 'measure', type: 'text' }, { key: 'grouping', label: 'grouping', type: 'text' }, { key: 'group', label: 'group', type: 'text' },
      { key: 'n', label: 'n', type: 'integer' }, num('mean'), num('median'), num('pop_weighted_mean'), num('min'), num('max')],
    rows,
    notes: [`Over ranked economies${balancedWith ? ` ranked in both ${balancedWith.year} and ${r.year} (balanced)` : ''}; population-weighted means use the population of the data year (or the latest earlier).`],
  };
}

/** What sensitivityTable needs of a sensitivity result (SensitivityResult and the economies' names). */
export interface SensitivityTableInput {
  methodology: string;
  year: number; draws: number; seed: number; scenarios: number;
  factors: Array<{ name: string }>;
  economies: Array<{ economy: string; rank: number | null; medianRank: number; p05: number; p95: number; volatility: number; firstOrder: Record<string, number>; total: Record<string, number> }>;
  names: Map<string, string>;
}

/** Per economy: the published rank, the median rank, the 5th-95th percentile interval, the volatility and the Sobol indices of each factor. */
export function sensitivityTable(r: SensitivityTableInput): ReportTable {
  const columns: Column[] = [
    { key: 'economy', label: 'economy', type: 'text' },
    { key: 'name', label: 'name', type: 'text' },
    { key: 'rank', label: 'rank', type: 'integer' },
    { key: 'median_rank', label: 'median rank', type: 'number', decimals: 1 },
    { key: 'p05_rank', label: 'p05 rank', type: 'number', decimals: 1 },
    { key: 'p95_rank', label: 'p95 rank', type: 'number', decimals: 1 },
    { key: 'volatility', label: 'volatility', type: 'number', decimals: 2 },
    ...r.factors.flatMap((f): Column[] => [
      { key: `S_${f.name}`, label: `S ${f.name}`, type: 'number', decimals: 3 },
      { key: `ST_${f.name}`, label: `ST ${f.name}`, type: 'number', decimals: 3 },
    ]),
  ];
  const rows = r.economies.map((e) => ({
    economy: e.economy, name: r.names.get(e.economy) ?? e.economy, rank: e.rank, median_rank: e.medianRank, p05_rank: e.p05, p95_rank: e.p95, volatility: e.volatility,
    ...Object.fromEntries(r.factors.flatMap((f) => [[`S_${f.name}`, e.firstOrder[f.name]], [`ST_${f.name}`, e.total[f.name]]])),
  }));
  return {
    id: `${r.methodology}-${r.year}-sensitivity`,
    title: `Sensitivity of the ranks, ${r.methodology}, data year ${r.year}`,
    sheet: 'Sensitivity of the ranks',
    columns, rows,
    notes: [`Monte Carlo over ${r.factors.map((f) => f.name).join(', ')}: base sample N = ${r.draws}, ${r.scenarios} scenarios (Saltelli's radial scheme), seed ${r.seed}. ` +
      'Median rank and 5th-95th percentile interval over the A and B samples; volatility = standard deviation of the rank; S = first-order Sobol index (Saltelli 2010), ST = total index (Jansen 1999), on the rank. An economy not ranked in a scenario counts as last.'],
  };
}
