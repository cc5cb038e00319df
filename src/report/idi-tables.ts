/**
 * The IDI tables of a Measuring the Information Society edition, built on `computeIndex` (with the previous
 * year) and on the ranking table of src/idi/tables.ts: global ranking, one table per sub-index, one per ITU
 * region, summary statistics and the most dynamic economies. Every table is a `ReportTable`, so it is written
 * as CSV, Markdown, HTML and a workbook sheet by the shared writers.
 */
import type { IndexResult, EconomyResult } from '../idi/compute.js';
import { groupTable, rankingTable, GROUPING_ALIASES } from '../idi/tables.js';
import type { Groupings } from '../registry/groupings.js';
import { ITU_REGIONS } from '../registry/economies.js';
import { aggregateByGroup, type GroupStat } from '../stats/groups.js';
import type { Column, ReportTable } from '../table/report-table.js';

export interface IdiTableContext {
  result: IndexResult;
  previous: IndexResult;
  edition: number;
  /** Economy name in the report's language. */
  name: (iso3: string) => string;
  lang: string;
  groupings: Groupings;
  /** Source and vintage lines, appended to every table's notes. */
  notes: string[];
}

/** Top-level components (sub-indices or pillars): id and name, in the methodology's order. */
export function topComponents(r: IndexResult, spec: { components: readonly object[] }): Array<{ id: string; name: string }> {
  return (spec.components as Array<{ id?: unknown; name?: unknown }>)
    .filter((c) => typeof c.id === 'string' && r.componentIds.includes(c.id))
    .map((c) => ({ id: c.id as string, name: typeof c.name === 'string' ? c.name : (c.id as string) }));
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Ranked economies in rank order (ties by code). */
const byRank = (r: IndexResult): EconomyResult[] =>
  r.economies.filter((e) => e.ranked && e.rank !== null).sort((a, b) => a.rank! - b.rank! || cmpStr(a.economy, b.economy));

/** Ranks of values, descending, ties share the better rank (the IDI rule), from unrounded values. */
export function ranksDescending(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => b - a);
  return values.map((v) => sorted.indexOf(v) + 1);
}

export function idiTables(ctx: IdiTableContext, components: Array<{ id: string; name: string }>): ReportTable[] {
  const { result: r, previous: p, edition: E } = ctx;
  const prevBy = new Map(p.economies.map((e) => [e.economy, e]));
  const code: Column = { key: 'code', label: 'Code', type: 'text' };
  const economy: Column = { key: 'economy', label: 'Economy', type: 'text', lang: ctx.lang };
  const scale = r.methodology.scale;
  const short = r.methodology.id.startsWith('idi') ? 'IDI' : 'Index';
  const dropped = r.coverage.indicators.filter((c) => c.dropped).map((c) => c.indicator);
  const methodNote = `${r.methodology.name} (${r.methodology.id}; ${r.methodology.source}): ${short} ${E} uses data year ${r.year}, ${short} ${E - 1} data year ${p.year}, both computed with the same methodology and the same data vintage; 0-${scale} scale; ranks from unrounded scores, ties share the better rank.`;
  const departures = r.departures.map((d) => `Departure from the published method: ${d}`);
  const base = [methodNote, ...departures, ...ctx.notes];

  // Global ranking: the ranking table of src/idi/tables.ts, reshaped to the MIS columns.
  const ranking = rankingTable(r, true);
  const rankingRows = new Map(ranking.rows.map((row) => [row.economy as string, row]));
  const ranked = byRank(r);
  const notRanked = r.economies.filter((e) => !e.ranked);
  const global: ReportTable = {
    id: 'idi-ranking',
    sheet: `${short} ${E} ranking`,
    title: `${short} ${E}: global ranking (data year ${r.year}) and ${short} ${E - 1} (data year ${p.year})`,
    columns: [
      code,
      economy,
      { key: 'rank', label: `Rank ${E}`, type: 'integer' },
      { key: 'score', label: `${short} ${E}`, type: 'number', decimals: 2 },
      { key: 'rank_prev', label: `Rank ${E - 1}`, type: 'integer' },
      { key: 'score_prev', label: `${short} ${E - 1}`, type: 'number', decimals: 2 },
      { key: 'rank_change', label: 'Rank change', type: 'integer' },
      { key: 'imputed', label: 'Imputed inputs', type: 'integer' },
    ],
    rows: ranked.map((e) => {
      const row = rankingRows.get(e.economy)!;
      return {
        code: e.economy,
        economy: ctx.name(e.economy),
        rank: row.rank,
        score: row.score,
        rank_prev: row.rank_prev,
        score_prev: row.score_prev,
        rank_change: row.rank_change,
        imputed: row.imputed,
      };
    }),
    notes: [
      ...base,
      `Ranked: ${r.coverage.ranked} economies in ${r.year}, ${p.coverage.ranked} in ${p.year}. Rank change: positive = moved up; empty = not ranked in ${p.year}.`,
      ...(notRanked.length ? [`Not ranked in ${r.year} (too little data): ${notRanked.map((e) => `${ctx.name(e.economy)} (${e.economy})`).join(', ')}.`] : []),
      ...(dropped.length ? [`Indicators without data in our sources (dropped, their sub-index averaged over the others): ${dropped.join(', ')}.`] : []),
    ],
  };

  // One table per sub-index (pillar): its rank and value in both years.
  const subTables: ReportTable[] = components.map((c) => ({
    id: `idi-subindex-${c.id}`,
    sheet: `${c.name}`.slice(0, 31),
    title: `${c.name} ${E} (data year ${r.year}) and ${E - 1}`,
    columns: [
      code,
      economy,
      { key: 'rank', label: `Rank ${E}`, type: 'integer' },
      { key: 'value', label: `${E}`, type: 'number', decimals: 2 },
      { key: 'rank_prev', label: `Rank ${E - 1}`, type: 'integer' },
      { key: 'value_prev', label: `${E - 1}`, type: 'number', decimals: 2 },
      { key: 'change', label: 'Change', type: 'number', decimals: 2 },
    ],
    rows: ranked
      .filter((e) => e.componentRanks?.[c.id] !== null && e.componentRanks?.[c.id] !== undefined)
      .sort((a, b) => a.componentRanks![c.id]! - b.componentRanks![c.id]! || cmpStr(a.economy, b.economy))
      .map((e) => {
        const q = prevBy.get(e.economy);
        const v = e.components[c.id],
          vp = q?.ranked ? q.components[c.id] : null;
        return {
          code: e.economy,
          economy: ctx.name(e.economy),
          rank: e.componentRanks?.[c.id],
          value: v,
          rank_prev: q?.ranked ? q.componentRanks?.[c.id] : null,
          value_prev: vp,
          change: v !== null && vp !== null && vp !== undefined ? v - vp : null,
        };
      }),
    notes: [`${c.name}: on the 0-${scale} scale, ranked among the economies ranked on the index.`, ...base],
  }));

  // One table per ITU region: regional rank, global rank, score, regional average.
  const regionGrouping = GROUPING_ALIASES['itu-region'](r.year);
  const regionTables: ReportTable[] = [];
  for (const region of ITU_REGIONS) {
    const members = ranked.filter((e) => ctx.groupings.groupOf(regionGrouping, e.economy) === region);
    if (!members.length) continue;
    const scores = members.map((e) => e.score!);
    const regional = ranksDescending(scores);
    const avg = scores.reduce((a, b) => a + b, 0) / scores.length;
    regionTables.push({
      id: `idi-region-${region.toLowerCase().replace(/[^a-z]+/g, '-')}`,
      sheet: `${short} ${E} ${region}`,
      title: `${short} ${E}: ${region} (data year ${r.year})`,
      columns: [
        code,
        economy,
        { key: 'regional_rank', label: 'Regional rank', type: 'integer' },
        { key: 'global_rank', label: 'Global rank', type: 'integer' },
        { key: 'score', label: `${short} ${E}`, type: 'number', decimals: 2 },
        { key: 'regional_average', label: 'Regional average', type: 'number', decimals: 2 },
        { key: 'above_average', label: 'Above average', type: 'text' },
      ],
      rows: members.map((e, k) => ({
        code: e.economy,
        economy: ctx.name(e.economy),
        regional_rank: regional[k],
        global_rank: e.rank,
        score: e.score,
        regional_average: avg,
        above_average: e.score! > avg ? 'yes' : 'no',
      })),
      notes: [
        `${region}: ${members.length} ranked economies (ITU regions: grouping ${regionGrouping}); regional average = simple mean of their ${short} values (${avg.toFixed(2)}).`,
        ...base,
      ],
    });
  }

  // Summary statistics over the economies ranked in both years, through the group kernel (two "years").
  const both = ranked.filter((e) => prevBy.get(e.economy)?.ranked);
  const measures = [{ id: r.methodology.id, name: short }, ...components];
  const summaryRows: ReportTable['rows'] = [];
  for (const m of measures) {
    const values = new Float64Array(both.length * 2);
    both.forEach((e, k) => {
      const q = prevBy.get(e.economy)!;
      values[k * 2] = (m.id === r.methodology.id ? e.score : e.components[m.id]) ?? NaN;
      values[k * 2 + 1] = (m.id === r.methodology.id ? q.score : q.components[m.id]) ?? NaN;
    });
    const { stats } = aggregateByGroup(
      { values, nEconomies: both.length, nYears: 2 },
      { group: new Int32Array(both.length), nGroups: 1, stats: ['count', 'mean', 'min', 'max'] },
    );
    const [mean, mean0] = [stats.mean![0], stats.mean![1]];
    summaryRows.push({
      measure: m.name,
      n: stats.count![0],
      mean,
      min: stats.min![0],
      max: stats.max![0],
      range: stats.max![0] - stats.min![0],
      mean_prev: mean0,
      min_prev: stats.min![1],
      max_prev: stats.max![1],
      range_prev: stats.max![1] - stats.min![1],
      mean_change: mean - mean0,
    });
  }
  const num = (key: string, label: string): Column => ({ key, label, type: 'number', decimals: 2 });
  const summary: ReportTable = {
    id: 'idi-summary',
    sheet: `${short} ${E} summary`,
    title: `${short} ${E} and ${E - 1}: summary statistics of the index and sub-indices`,
    columns: [
      { key: 'measure', label: 'Measure', type: 'text' },
      { key: 'n', label: 'Economies', type: 'integer' },
      num('mean', `Average ${E}`),
      num('min', `Min ${E}`),
      num('max', `Max ${E}`),
      num('range', `Range ${E}`),
      num('mean_prev', `Average ${E - 1}`),
      num('min_prev', `Min ${E - 1}`),
      num('max_prev', `Max ${E - 1}`),
      num('range_prev', `Range ${E - 1}`),
      num('mean_change', 'Change of the average'),
    ],
    rows: summaryRows,
    notes: [
      `Over the ${both.length} economies ranked in both ${r.year} and ${p.year} (simple averages), so that the change compares the same economies.`,
      ...base,
    ],
  };

  // Most dynamic economies: the ten largest rank gains and value gains (ties at the tenth place included).
  const withPrev = ranked.filter((e) => e.previous && e.previous.rankChange !== null && e.previous.scoreChange !== null);
  const top = (key: (e: EconomyResult) => number): EconomyResult[] => {
    const sorted = [...withPrev].sort((a, b) => key(b) - key(a) || a.rank! - b.rank! || cmpStr(a.economy, b.economy));
    if (sorted.length <= 10) return sorted;
    const cut = key(sorted[9]);
    return sorted.filter((e, k) => k < 10 || key(e) === cut);
  };
  const dynColumns: Column[] = [
    code,
    economy,
    { key: 'rank_change', label: 'Rank change', type: 'integer' },
    { key: 'rank', label: `Rank ${E}`, type: 'integer' },
    { key: 'rank_prev', label: `Rank ${E - 1}`, type: 'integer' },
    num('score_change', `${short} change`),
    num('score', `${short} ${E}`),
    num('score_prev', `${short} ${E - 1}`),
  ];
  const dynRow = (e: EconomyResult) => ({
    code: e.economy,
    economy: ctx.name(e.economy),
    rank_change: e.previous!.rankChange,
    rank: e.rank,
    rank_prev: e.previous!.rank,
    score_change: e.previous!.scoreChange,
    score: e.score,
    score_prev: e.previous!.score,
  });
  const dynRank: ReportTable = {
    id: 'idi-dynamic-rank',
    sheet: 'Most dynamic (rank)',
    title: `Most dynamic economies ${E - 1}-${E}: by rank change`,
    columns: dynColumns,
    rows: top((e) => e.previous!.rankChange!).map(dynRow),
    notes: [`The ten largest rank gains among the ${withPrev.length} economies ranked in both years (ties at the tenth place included).`, ...base],
  };
  const dynValue: ReportTable = {
    id: 'idi-dynamic-value',
    sheet: 'Most dynamic (value)',
    title: `Most dynamic economies ${E - 1}-${E}: by ${short} value change`,
    columns: [
      code,
      economy,
      num('score_change', `${short} change`),
      num('score', `${short} ${E}`),
      num('score_prev', `${short} ${E - 1}`),
      { key: 'rank', label: `Rank ${E}`, type: 'integer' },
      { key: 'rank_prev', label: `Rank ${E - 1}`, type: 'integer' },
      { key: 'rank_change', label: 'Rank change', type: 'integer' },
    ],
    rows: top((e) => e.previous!.scoreChange!).map(dynRow),
    notes: [`The ten largest ${short} value gains among the ${withPrev.length} economies ranked in both years (ties at the tenth place included).`, ...base],
  };
  return [global, ...subTables, ...regionTables, summary, dynRank, dynValue];
}

/**
 * The IDI tables of an edition of an unranked index (ITU's IDI from 2023): scores, not ranks (Resolution 131).
 * - idi-scores: every economy with a score, in descending order of the unrounded score: the index, its
 *   pillars, the previous edition's score and the change, and which inputs were estimated or imputed;
 * - idi-groups: the methodology's own group figures (ITU's Annex 4: unweighted min, mean, max, median of the
 *   index and pillars per group) through groupTable and the group kernel;
 * - idi-change: the index and pillars of both editions over the economies common to both, through the
 *   same group figures (World), so that the change compares the same economies.
 * Report tables show one decimal (the published precision, rounded half up from the unrounded values);
 * the CSV files keep full precision.
 */
export function idiScoreTables(
  ctx: IdiTableContext,
  components: Array<{ id: string; name: string }>,
  groups: { groupings: string[]; statistics: GroupStat[] } | undefined,
): ReportTable[] {
  const { result: r, previous: p, edition: E } = ctx;
  const short = r.methodology.id.startsWith('idi') ? 'IDI' : 'Index';
  const one = (key: string, label: string): Column => ({ key, label, type: 'number', decimals: 1 });
  const prevBy = new Map(p.economies.map((e) => [e.economy, e]));
  const scored = r.economies.filter((e) => e.ranked && e.score !== null);
  const notScored = r.economies.filter((e) => !e.ranked);
  const base = [
    `${r.methodology.name} (${r.methodology.id}; ${r.methodology.source}): ${short} ${E} uses reference year ${r.year}, ${short} ${E - 1} reference year ${p.year}, both computed with the same methodology and data vintage; 0-${r.methodology.scale} scale. Scores only: the methodology does not rank economies. One decimal, rounded half up from the unrounded values (the CSV files keep full precision).`,
    ...r.departures.map((d) => `Departure from the published method: ${d}`),
    ...ctx.notes,
  ];
  const cells = (e: EconomyResult, pick: (c: EconomyResult['indicators'][string]) => boolean): string =>
    Object.entries(e.indicators)
      .filter(([, c]) => pick(c))
      .map(([id, c]) => (c.imputation ? `${id} (${c.imputation.method})` : id))
      .join(', ');
  const common = scored.filter((e) => prevBy.get(e.economy)?.ranked);
  const scores: ReportTable = {
    id: 'idi-scores',
    sheet: `${short} ${E} scores`,
    title: `${short} ${E}: scores (reference year ${r.year}) and ${short} ${E - 1} (reference year ${p.year})`,
    columns: [
      { key: 'code', label: 'Code', type: 'text' },
      { key: 'economy', label: 'Economy', type: 'text', lang: ctx.lang },
      one('score', `${short} ${E}`),
      ...components.map((c) => one(c.id, c.name)),
      one('score_prev', `${short} ${E - 1}`),
      one('change', 'Change'),
      { key: 'estimated', label: 'Estimated inputs', type: 'text' },
      { key: 'imputed', label: 'Imputed inputs', type: 'text' },
    ],
    rows: scored.map((e) => {
      const q = prevBy.get(e.economy);
      const prev = q?.ranked ? q.score : null;
      return {
        code: e.economy,
        economy: ctx.name(e.economy),
        score: e.score,
        ...Object.fromEntries(components.map((c) => [c.id, e.components[c.id]])),
        score_prev: prev,
        change: prev !== null && prev !== undefined ? e.score! - prev : null,
        estimated: cells(e, (c) => c.estimate === true),
        imputed: cells(e, (c) => c.imputation !== undefined),
      };
    }),
    notes: [
      ...base,
      `${scored.length} economies with a score in ${r.year}, ${p.coverage.ranked} in ${p.year}; ${common.length} in both (the change is given for those).`,
      "Estimated inputs: values the data marks as estimates (they enter the score but do not count for inclusion). Imputed inputs: cells missing in the data, filled by the methodology's imputation methods (never an average over the inputs present).",
      ...(notScored.length
        ? [`No score in ${r.year} (too little official data): ${notScored.map((e) => `${ctx.name(e.economy)} (${e.economy})`).join(', ')}.`]
        : []),
    ],
  };
  const out: ReportTable[] = [scores];
  if (groups) {
    const g = groupTable(r, groups.groupings, ctx.groupings, new Map(), undefined, groups.statistics);
    out.push({
      ...g,
      id: 'idi-groups',
      sheet: `${short} ${E} groups`,
      title: `${short} ${E} and pillars by group (reference year ${r.year})`,
      columns: g.columns.map((c) => (c.type === 'number' ? { ...c, decimals: 1 } : c)),
      notes: [...g.notes, ...base],
    });
    const both = groupTable(r, ['world'], ctx.groupings, new Map(), p, groups.statistics);
    const before = groupTable(p, ['world'], ctx.groupings, new Map(), r, groups.statistics);
    const prevRow = new Map(before.rows.map((x) => [x.measure === p.methodology.id ? r.methodology.id : x.measure, x]));
    out.push({
      id: 'idi-change',
      sheet: `${short} ${E - 1}-${E} change`,
      title: `${short} ${E - 1} to ${E} over the ${common.length} economies common to both`,
      columns: [
        { key: 'measure', label: 'Measure', type: 'text' },
        { key: 'n', label: 'Economies', type: 'integer' },
        one('mean', `Average ${E}`),
        one('mean_prev', `Average ${E - 1}`),
        one('change', 'Change of the average'),
        one('median', `Median ${E}`),
        one('median_prev', `Median ${E - 1}`),
      ],
      rows: both.rows.map((x) => {
        const y = prevRow.get(x.measure as string);
        return {
          measure: x.measure,
          n: x.n,
          mean: x.mean,
          mean_prev: y?.mean,
          change: (x.mean as number) - (y?.mean as number),
          median: x.median,
          median_prev: y?.median,
        };
      }),
      notes: [
        `Over the ${common.length} economies with a score in both ${p.year} and ${r.year} (simple averages), so that the change compares the same economies.`,
        ...base,
      ],
    });
  }
  return out;
}
