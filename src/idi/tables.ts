import type { Groupings } from '../registry/groupings.js';
import { aggregateByGroup, type GroupStat } from '../stats/groups.js';
import type { ReportTable, Column } from '../table/report-table.js';
import type { IndexResult } from './compute.js';

/**
 * The ranking: economy, name, score, rank, one column per component, imputed (our imputations), estimated (inputs
 * the data marks as estimates); previous-year columns with
 * --previous; a note. For an unranked methodology (ITU's IDI from 2023) the same table without any rank
 * column, in descending order of score, with score changes only: "the scores".
 */
export function rankingTable(r: IndexResult, previous: boolean): ReportTable {
  const ranks = r.methodology.ranked;
  const columns: Column[] = [
    { key: 'economy', label: 'economy', type: 'text' },
    { key: 'name', label: 'name', type: 'text' },
    { key: 'score', label: 'score', type: 'number', decimals: 2 },
    ...(ranks ? [{ key: 'rank', label: 'rank', type: 'integer' } as Column] : []),
    ...r.componentIds.map((id): Column => ({ key: id, label: id, type: 'number', decimals: 2 })),
    { key: 'imputed', label: 'imputed', type: 'integer' },
    { key: 'estimated', label: 'estimated', type: 'integer' },
  ];
  if (previous)
    columns.push(
      { key: 'score_prev', label: 'score_prev', type: 'number', decimals: 2 },
      ...(ranks ? [{ key: 'rank_prev', label: 'rank_prev', type: 'integer' } as Column] : []),
      { key: 'score_change', label: 'score_change', type: 'number', decimals: 2 },
      ...(ranks ? [{ key: 'rank_change', label: 'rank_change', type: 'integer' } as Column] : []),
    );
  columns.push({ key: 'note', label: 'note', type: 'text' });
  const dropped = r.coverage.indicators.filter((c) => c.dropped).map((c) => c.indicator);
  const rows = r.economies.map((e) => {
    const notes: string[] = [];
    if (!e.ranked) notes.push(`${ranks ? 'not ranked' : 'no score'}: ${e.reason}`);
    if (!ranks && e.ranked) {
      const est = Object.entries(e.indicators)
        .filter(([, c]) => c.estimate)
        .map(([id]) => id);
      const imp = Object.entries(e.indicators)
        .filter(([, c]) => c.imputation)
        .map(([id, c]) => `${id} (${c.imputation!.method})`);
      if (est.length) notes.push(`estimated: ${est.join(', ')}`);
      if (imp.length) notes.push(`imputed: ${imp.join(', ')}`);
    }
    if (dropped.length && e.ranked) notes.push(`departs from the published method: ${dropped.join(', ')} not available`);
    if (e.renormalised.length && e.ranked) notes.push(`averaged over the inputs available in ${e.renormalised.join(', ')}`);
    return {
      economy: e.economy,
      name: e.name,
      score: e.score,
      ...(ranks ? { rank: e.rank ?? null } : {}),
      ...Object.fromEntries(r.componentIds.map((id) => [id, e.components[id]])),
      imputed: e.imputed,
      estimated: e.estimated,
      ...(previous ? { score_prev: e.previous?.score ?? null, score_change: e.previous?.scoreChange ?? null } : {}),
      ...(previous && ranks ? { rank_prev: e.previous?.rank ?? null, rank_change: e.previous?.rankChange ?? null } : {}),
      note: notes.join('; '),
    };
  });
  return {
    id: `${r.methodology.id}-${r.year}`,
    title: `${r.methodology.name}, data year ${r.year}`,
    columns,
    rows,
    notes: ranks
      ? [
          `Methodology: ${r.methodology.id} (${r.methodology.source}); scores on a 0-${r.methodology.scale} scale; ranks from unrounded scores, ties share the better rank.`,
          `Ranked: ${r.coverage.ranked}; not ranked: ${r.coverage.notRanked}.`,
          ...r.departures.map((d) => `Departure: ${d}`),
        ]
      : [
          `Methodology: ${r.methodology.id} (${r.methodology.source}); scores on a 0-${r.methodology.scale} scale, in descending order of the unrounded score; the methodology reports scores only, economies are not ranked.`,
          `With a score: ${r.coverage.ranked}; without (too little official data): ${r.coverage.notRanked}.`,
          ...r.departures.map((d) => `Departure: ${d}`),
        ],
  };
}

/**
 * An index result as JSON output shows it: for an unranked methodology, nothing that speaks of ranks (the
 * `ranked` flags read `scored`, the coverage counts `scored` / `notScored`, the methodology says
 * `scoresOnly: true`); a ranked one unchanged.
 */
export function resultForOutput<T extends IndexResult>(r: T): unknown {
  if (r.methodology.ranked) return r;
  const {
    coverage: { ranked: scored, notRanked: notScored, ...coverage },
    economies,
    methodology: { ranked: _ranked, ...methodology },
    ...rest
  } = r;
  void _ranked;
  return {
    ...rest,
    methodology: { ...methodology, scoresOnly: true },
    economies: economies.map(({ ranked, ...e }) => ({ ...e, scored: ranked })),
    coverage: { scored, notScored, ...coverage },
  };
}

export const GROUPING_ALIASES: Record<string, (year: number) => string> = {
  // The current regions: ITU recomputes its tables with current membership; the 2021 file leaves Palestine
  // and Palau under "Other Economies", which would drop ranked economies from every regional row.
  'itu-region': () => 'itu-region-2025',
  income: () => 'wb-income-fy2024',
  'wb-income': () => 'wb-income-fy2024',
};

/** The statistics groupTable can give (the group kernel's), by output column. */
const GROUP_COLUMNS: Record<string, GroupStat> = { n: 'count', mean: 'mean', median: 'median', pop_weighted_mean: 'weighted-mean', min: 'min', max: 'max' };

/**
 * Group aggregates of the index and each component for ranked economies: count, mean, median,
 * population-weighted mean, min, max (or the `statistics` given: an unranked methodology's own group figures,
 * e.g. ITU's unweighted min, mean, max, median). `world` is every ranked economy. Balanced (with a previous
 * year): only economies ranked in both years, in both (for editions: the economies common to both).
 */
export function groupTable(
  r: IndexResult,
  groupingIds: readonly string[],
  groupings: Groupings,
  population: Map<string, number>,
  balancedWith?: IndexResult,
  statistics: readonly GroupStat[] = ['count', 'mean', 'median', 'weighted-mean', 'min', 'max'],
): ReportTable {
  const ranked = r.economies.filter((e) => e.ranked && (!balancedWith || balancedWith.economies.some((p) => p.economy === e.economy && p.ranked)));
  const measures = [r.methodology.id, ...r.componentIds];
  const wanted = Object.entries(GROUP_COLUMNS).filter(([key, stat]) => key === 'n' || statistics.includes(stat));
  const stats = [...new Set<GroupStat>(['count', ...wanted.map(([, s]) => s)])];
  const rows: ReportTable['rows'] = [];
  for (const raw of groupingIds) {
    const gid = GROUPING_ALIASES[raw.toLowerCase()]?.(r.year) ?? raw;
    const labelOf = (iso3: string): string | undefined => (gid === 'world' ? 'World' : groupings.groupOf(gid, iso3));
    const labels = [...new Set(ranked.map((e) => labelOf(e.economy)).filter((g): g is string => g !== undefined))].sort();
    const group = Int32Array.from(ranked, (e) => labels.indexOf(labelOf(e.economy) ?? '\u0000'));
    const weights = Float64Array.from(ranked, (e) => population.get(e.economy) ?? NaN);
    for (const measure of measures) {
      const values = Float64Array.from(ranked, (e) => (measure === r.methodology.id ? e.score : e.components[measure]) ?? NaN);
      const out = aggregateByGroup({ values, nEconomies: ranked.length, nYears: 1 }, { group, nGroups: labels.length, weights, stats }).stats;
      labels.forEach((label, g) => rows.push({ measure, grouping: gid, group: label, ...Object.fromEntries(wanted.map(([key, s]) => [key, out[s]![g]])) }));
    }
  }
  const num = (key: string): Column => ({ key, label: key, type: 'number', decimals: 2 });
  const who = r.methodology.ranked ? 'ranked economies' : 'economies with a score';
  return {
    id: `${r.methodology.id}-${r.year}-groups`,
    title: `${r.methodology.name}, data year ${r.year}: group aggregates`,
    columns: [
      { key: 'measure', label: 'measure', type: 'text' },
      { key: 'grouping', label: 'grouping', type: 'text' },
      { key: 'group', label: 'group', type: 'text' },
      ...wanted.map(([key]): Column => (key === 'n' ? { key, label: key, type: 'integer' } : num(key))),
    ],
    rows,
    notes: [
      `Over ${who}${balancedWith ? ` with a value in both ${balancedWith.year} and ${r.year} (balanced: the economies common to both)` : ''}` +
        (statistics.includes('weighted-mean')
          ? '; population-weighted means use the population of the data year (or the latest earlier).'
          : "; unweighted (simple) statistics of the economies' scores."),
    ],
  };
}

function scoreSensitivityTable(r: SensitivityTableInput & { measure: 'score' }): ReportTable {
  const num = (key: string, label: string, decimals: number): Column => ({ key, label, type: 'number', decimals });
  const columns: Column[] = [
    { key: 'economy', label: 'economy', type: 'text' },
    { key: 'name', label: 'name', type: 'text' },
    num('score', 'score', 2),
    num('median_score', 'median score', 2),
    num('p05_score', 'p05 score', 2),
    num('p95_score', 'p95 score', 2),
    num('sd', 'sd', 2),
    ...r.factors.flatMap((f): Column[] => [num(`S_${f.name}`, `S ${f.name}`, 3), num(`ST_${f.name}`, `ST ${f.name}`, 3)]),
  ];
  const rows = r.economies.map((e) => ({
    economy: e.economy,
    name: r.names.get(e.economy) ?? e.economy,
    score: e.score,
    median_score: e.medianScore,
    p05_score: e.p05,
    p95_score: e.p95,
    sd: e.sd,
    ...Object.fromEntries(
      r.factors.flatMap((f) => [
        [`S_${f.name}`, e.firstOrder[f.name]],
        [`ST_${f.name}`, e.total[f.name]],
      ]),
    ),
  }));
  return {
    id: `${r.methodology}-${r.year}-sensitivity`,
    title: `Sensitivity of the scores, ${r.methodology}, data year ${r.year}`,
    sheet: 'Sensitivity of the scores',
    columns,
    rows,
    notes: [
      `Monte Carlo over ${r.factors.map((f) => f.name).join(', ')}: base sample N = ${r.draws}, ${r.scenarios} scenarios (Saltelli's radial scheme), seed ${r.seed}. ` +
        'Median score and 5th-95th percentile interval over the A and B samples; sd = standard deviation of the score; S = first-order Sobol index (Saltelli 2010), ST = total index (Jansen 1999), on the score. The index reports scores only; rank intervals are given only on request (idi sensitivity --ranks) and are then ours.',
    ],
  };
}

/** What sensitivityTable needs of a sensitivity result (SensitivityResult and the economies' names). */
export type SensitivityTableInput = {
  methodology: string;
  year: number;
  draws: number;
  seed: number;
  scenarios: number;
  factors: Array<{ name: string }>;
  names: Map<string, string>;
} & (
  | {
      measure?: 'rank';
      ranksAreOurs?: true;
      economies: Array<{
        economy: string;
        rank: number | null;
        medianRank: number;
        p05: number;
        p95: number;
        volatility: number;
        firstOrder: Record<string, number>;
        total: Record<string, number>;
      }>;
    }
  | {
      measure: 'score';
      economies: Array<{
        economy: string;
        score: number | null;
        medianScore: number;
        p05: number;
        p95: number;
        sd: number;
        firstOrder: Record<string, number>;
        total: Record<string, number>;
      }>;
    }
);

/**
 * Per economy: the published rank, the median rank, the 5th-95th percentile interval, the volatility and the
 * Sobol indices of each factor; for an analysis of the scores (an unranked index), the same of the score.
 */
export function sensitivityTable(r: SensitivityTableInput): ReportTable {
  if (r.measure === 'score') return scoreSensitivityTable(r);
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
    economy: e.economy,
    name: r.names.get(e.economy) ?? e.economy,
    rank: e.rank,
    median_rank: e.medianRank,
    p05_rank: e.p05,
    p95_rank: e.p95,
    volatility: e.volatility,
    ...Object.fromEntries(
      r.factors.flatMap((f) => [
        [`S_${f.name}`, e.firstOrder[f.name]],
        [`ST_${f.name}`, e.total[f.name]],
      ]),
    ),
  }));
  return {
    id: `${r.methodology}-${r.year}-sensitivity`,
    title: `Sensitivity of the ranks, ${r.methodology}, data year ${r.year}`,
    sheet: 'Sensitivity of the ranks',
    columns,
    rows,
    notes: [
      ...(r.ranksAreOurs
        ? [
            `The publisher does not rank economies on ${r.methodology}: these ranks (of the unrounded scores, ties sharing the better rank) and their intervals are ours, not the publisher's.`,
          ]
        : []),
      `Monte Carlo over ${r.factors.map((f) => f.name).join(', ')}: base sample N = ${r.draws}, ${r.scenarios} scenarios (Saltelli's radial scheme), seed ${r.seed}. ` +
        'Median rank and 5th-95th percentile interval over the A and B samples; volatility = standard deviation of the rank; S = first-order Sobol index (Saltelli 2010), ST = total index (Jansen 1999), on the rank. An economy not ranked in a scenario counts as last.',
    ],
  };
}
