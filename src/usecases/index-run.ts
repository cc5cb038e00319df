/**
 * An index run, in the spirit of COINr's "coin": one object with the recipe (methodology, data source and vintage,
 * options), every stage's data (the data-year matrix before and after imputation, the normalised leaves, the
 * aggregated nodes, the ranks) and a log of what each step did. `regen` recomputes with changed options, `compare`
 * sets two runs side by side, `runToJson` serialises a run whose recipe alone regenerates the same numbers, and the
 * sensitivity analysis and the report take a run instead of preparing the year again.
 *
 * What the CLI (`ictstat idi`), the API (`/v2/idi/...`), the report and the library all call.
 */
import type { Table } from 'apache-arrow';
import {
  cellFlags,
  computePrepared,
  FLAG_NAMES,
  latestYearWithData,
  prepareYear,
  requiredIndicators,
  withPrevious,
  type IndexResult,
  type PreparedYear,
} from '../idi/compute.js';
import { CELL_NAMES, isImputed } from '../idi/impute.js';
import { compileMethodology, loadMethodology, type CompiledMethodology, type MethodologySpec } from '../idi/methodology.js';
import { normalisationByCode } from '../idi/normalisations/index.js';
import type { SensitivityOptions, SensitivityResult } from '../idi/sensitivity.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { loadGroupings, type Groupings } from '../registry/groupings.js';
import { loadIndicatorRegistry, type IndicatorRegistry } from '../registry/indicators.js';
import { observationRows } from '../table/observations.js';
import { resultForOutput } from '../idi/tables.js';
import { UserInputError, invalidOption } from '../util/errors.js';
import { BUNDLED, describeSource, loadObservations, sourceFingerprint, type DataSource } from './data-source.js';
import { compareCodes, formatCount } from '../util/format.js';

type SensitivityModule = typeof import('../idi/sensitivity.js');

/** What a run is computed from: everything needed to compute it again. */
export interface IndexRecipe {
  /** A bundled methodology id, a methodology file, the methodology document itself, or one already compiled. */
  methodology: string | MethodologySpec | CompiledMethodology;
  /** The data year, or 'latest': the latest year in which every indicator with data is observed for at least half of the economies. */
  year: number | 'latest';
  /** Where the observations come from (default: the bundled datasets). */
  source?: DataSource;
  /** Also compute the previous year with the same methodology and data, with score and rank changes. */
  previous?: boolean;
  /** 'all' ranks every economy with enough data instead of the methodology's universe. */
  universe?: 'methodology' | 'all';
  /** With a methodology document: the file it came from, as results name it (a serialised run keeps it). */
  methodologyFile?: string;
}

/** One stage of a run: indicator- (or entry-) major values over the economies, NaN = missing. */
export interface Stage {
  rows: string[];
  economies: string[];
  /** values[row * economies.length + economy] */
  values: Float64Array;
}

export interface RunLogEntry {
  step: string;
  detail: string;
}

export interface IndexRun {
  recipe: IndexRecipe;
  methodology: CompiledMethodology;
  /** The data year computed (the recipe's, or the one 'latest' resolved to). */
  year: number;
  /** Where the data came from, in words, and what identifies its content (bundled hash, store version, input hashes). */
  source: { description: string; fingerprint: string };
  /** The observations the run read (the methodology's series). */
  observations: Table;
  stages: {
    /** The data-year matrix as reported (latest value within the look-back window), before imputation. */
    raw: Stage;
    /** Status of each raw/imputed cell: observed, earlier, an imputation method, missing. */
    status: { rows: string[]; economies: string[]; codes: Uint8Array; names: Record<number, string> };
    /** The estimate flag of each cell: reported (official), ITU estimate (marked in the data), imputed (ours), missing. */
    flags: { rows: string[]; economies: string[]; codes: Uint8Array; names: Record<number, string> };
    imputed: Stage;
    /** Leaves normalised to [0, 1] (zscore aside). */
    normalised: Stage;
    /** Nodes and the index, aggregated (0..1, before the methodology's scale). */
    aggregated: Stage;
    /** Ranks of the nodes and the index (1 = best; 0 = not ranked). */
    ranks: { rows: string[]; economies: string[]; values: Int32Array };
  };
  result: IndexResult;
  previous?: IndexResult;
  log: RunLogEntry[];
  /** The prepared year the kernel ran on (what the sensitivity analysis starts from). */
  prepared: PreparedYear;
}

/** The registries a run uses (loaded once; pass them to share between runs). */
export interface RunContext {
  indicators?: IndicatorRegistry;
  groupings?: Groupings;
}

function methodologyOf(recipe: IndexRecipe, indicators: IndicatorRegistry): CompiledMethodology {
  const m = recipe.methodology;
  if (typeof m === 'string') return loadMethodology(m, indicators);
  return 'firstNode' in m ? m : compileMethodology(m, recipe.methodologyFile ?? '(methodology document)', indicators);
}

/** Compute an index run from its recipe. */
export async function runIndex(recipe: IndexRecipe, ctx: RunContext = {}): Promise<IndexRun> {
  const indicators = ctx.indicators ?? loadIndicatorRegistry();
  const groupings = ctx.groupings ?? loadGroupings();
  const m = methodologyOf(recipe, indicators);
  const source = recipe.source ?? BUNDLED;
  const table = await loadObservations(source, requiredIndicators(m, indicators));
  return runOnTable(recipe, m, table, { indicators, groupings });
}

/** A run over observations already loaded (the server keeps them in memory); the recipe still says where they came from. */
export function runOnTable(recipe: IndexRecipe, m: CompiledMethodology, table: Table, ctx: Required<RunContext>): IndexRun {
  const { indicators, groupings } = ctx;
  const source = recipe.source ?? BUNDLED;
  const log: RunLogEntry[] = [];
  log.push({
    step: 'methodology',
    detail: `${m.spec.id}: ${m.indicators.length} indicators, ${m.parent.length - m.indicators.length} nodes${m.unverified.length ? `, ${m.unverified.length} unverified value(s)` : ''}`,
  });
  log.push({
    step: 'load',
    detail: `${formatCount(table.numRows)} observations of ${requiredIndicators(m, indicators).length} series from ${describeSource(source)}`,
  });
  if (recipe.universe !== undefined && recipe.universe !== 'all' && recipe.universe !== 'methodology')
    throw invalidOption(
      'universe',
      recipe.universe,
      (name) => `${name} takes "all" (the default is the methodology's universe), not "${String(recipe.universe)}"`,
    );
  let year: number;
  if (recipe.year === 'latest') {
    const y = latestYearWithData(m, table, 0.5, { indicators, groupings });
    if (y === undefined) throw new UserInputError('no year has enough data for this methodology', { code: 'no-year', field: 'year', value: 'latest' });
    year = y;
    log.push({ step: 'year', detail: `latest year with enough data: ${year}` });
  } else {
    if (!Number.isInteger(recipe.year))
      throw invalidOption('year', recipe.year, (name) => `${name} must be a whole year or "latest", not ${String(recipe.year)}`);
    year = recipe.year;
  }
  const economies = universeOf(recipe);
  const opts = { methodology: m, table, indicators, groupings, economies };
  const prepared = prepareYear({ ...opts, year }, year);
  logPrepared(log, m, prepared);
  const { result, stages } = computePrepared(opts, prepared);
  log.push({ step: 'normalise', detail: m.indicators.map((id, k) => `${id}: ${normalisationByCode(m.method[k]).name}`).join('; ') });
  log.push({
    step: 'aggregate',
    detail: `${m.parent.length - m.firstNode} nodes, ${m.spec.coverage?.missingIndicator ?? 'renormalise'} where an input is missing; scale ${m.spec.scale}`,
  });
  log.push(
    result.methodology.ranked
      ? { step: 'rank', detail: `${result.coverage.ranked} economies ranked, ${result.coverage.notRanked} not` }
      : {
          step: 'scores',
          detail: `${result.coverage.ranked} economies with a score, ${result.coverage.notRanked} without (scores only: the methodology does not rank)`,
        },
  );
  const final: IndexResult = result;
  const L = m.firstNode,
    N = m.parent.length,
    nE = prepared.economies.length;
  const ids = m.ids;
  const run: IndexRun = {
    recipe,
    methodology: m,
    year,
    observations: table,
    source: { description: describeSource(source), fingerprint: sourceFingerprint(source) },
    stages: {
      raw: { rows: ids.slice(0, L), economies: prepared.economies, values: prepared.valuesBeforeImputation },
      status: { rows: ids.slice(0, L), economies: prepared.economies, codes: prepared.matrix.status.slice(0, L * nE), names: CELL_NAMES },
      flags: { rows: ids.slice(0, L), economies: prepared.economies, codes: cellFlags(prepared, L), names: FLAG_NAMES },
      imputed: { rows: ids.slice(0, L), economies: prepared.economies, values: prepared.matrix.values.slice(0, L * nE) },
      normalised: { rows: ids.slice(0, L), economies: prepared.economies, values: stages.scores.slice(0, L * nE) },
      aggregated: { rows: ids.slice(L, N), economies: prepared.economies, values: stages.scores.slice(L * nE, N * nE) },
      ranks: { rows: ids.slice(L, N), economies: prepared.economies, values: stages.ranks },
    },
    result: final,
    previous: undefined,
    log,
    prepared,
  };
  return recipe.previous ? withPreviousYear(run, ctx) : run;
}

/**
 * The run with its previous year (what `previous: true` gives): that year recomputed with the same methodology
 * and data, and the changes in the result. A caller that starts work on the data year alone (the report's
 * sensitivity analysis) runs without `previous`, starts it, then adds the previous year here.
 */
export function withPreviousYear(run: IndexRun, ctx: Required<RunContext>): IndexRun {
  if (run.previous) return run;
  const year = run.year;
  const opts = {
    methodology: run.methodology,
    table: run.observations,
    indicators: ctx.indicators,
    groupings: ctx.groupings,
    economies: universeOf(run.recipe),
  };
  const prev = computePrepared(opts, prepareYear({ ...opts, year: year - 1 }, year - 1)).result;
  const { previousResult, ...withChanges } = withPrevious(run.result, prev);
  return {
    ...run,
    recipe: run.recipe.previous ? run.recipe : { ...run.recipe, previous: true },
    result: withChanges,
    previous: previousResult,
    log: [...run.log, { step: 'previous', detail: `${year - 1} recomputed with the same methodology and data: ${prev.coverage.ranked} ranked` }],
  };
}

/** The economies a recipe's universe names (undefined: the methodology's own). */
function universeOf(recipe: IndexRecipe): string[] | undefined {
  return recipe.universe === 'all'
    ? loadEconomyRegistry()
        .all()
        .map((e) => e.iso3)
    : undefined;
}

function logPrepared(log: RunLogEntry[], m: CompiledMethodology, p: PreparedYear): void {
  const nE = p.economies.length,
    L = m.firstNode;
  let observed = 0,
    earlier = 0;
  const imputed = new Map<string, number>();
  for (let k = 0; k < L; k++)
    for (let e = 0; e < nE; e++) {
      const st = p.matrix.status[k * nE + e];
      if (st === 0) observed++;
      else if (st === 1) earlier++;
      else if (isImputed(st)) imputed.set(CELL_NAMES[st], (imputed.get(CELL_NAMES[st]) ?? 0) + 1);
    }
  log.push({
    step: 'data-year matrix',
    detail: `${nE} economies x ${L} indicators for ${p.year}: ${observed} cells observed, ${earlier} from up to ${p.latestWithin} year(s) earlier`,
  });
  const dropped = m.indicators.filter((_, k) => p.dropped[k]);
  if (dropped.length)
    log.push({
      step: 'drop',
      detail: `no value for any economy: ${dropped.join(', ')} (parents renormalised; minimum indicators lowered to ${p.minIndicators})`,
    });
  log.push({ step: 'coverage', detail: `${p.active.reduce((a, b) => a + b, 0)} of ${nE} economies report at least ${p.minIndicators} indicators` });
  log.push({ step: 'impute', detail: imputed.size ? [...imputed].map(([k, n]) => `${k} ${n}`).join(', ') : 'nothing to impute' });
}

/** The same run with some of its recipe changed (another year, methodology, source, option). */
export function regen(run: IndexRun, changes: Partial<IndexRecipe>, ctx: RunContext = {}): Promise<IndexRun> {
  return runIndex({ ...run.recipe, ...changes }, ctx);
}

export interface RunComparison {
  /** Economies scored in both runs. */
  common: number;
  onlyInA: string[];
  onlyInB: string[];
  /** Spearman's rank correlation of the scores over the common economies. */
  spearman: number | null;
  meanAbsoluteDifference: number | null;
  largest: Array<{ economy: string; a: number; b: number; difference: number }>;
  economies: Array<{ economy: string; scoreA: number | null; scoreB: number | null; difference: number | null; rankA: number | null; rankB: number | null }>;
}

/** Two runs side by side: per economy the scores and ranks of each and the difference (b - a); summary statistics over the economies both score. */
export function compare(a: IndexRun | IndexResult, b: IndexRun | IndexResult, largest = 10): RunComparison {
  const ra = 'result' in a ? a.result : a,
    rb = 'result' in b ? b.result : b;
  const byB = new Map(rb.economies.map((e) => [e.economy, e]));
  const byA = new Map(ra.economies.map((e) => [e.economy, e]));
  const rows: RunComparison['economies'] = [];
  for (const ea of ra.economies) {
    const eb = byB.get(ea.economy);
    const sa = ea.score,
      sb = eb?.score ?? null;
    rows.push({
      economy: ea.economy,
      scoreA: sa,
      scoreB: sb,
      difference: sa !== null && sb !== null ? sb - sa : null,
      rankA: ea.rank ?? null,
      rankB: eb?.rank ?? null,
    });
  }
  for (const eb of rb.economies)
    if (!byA.has(eb.economy)) rows.push({ economy: eb.economy, scoreA: null, scoreB: eb.score, difference: null, rankA: null, rankB: eb.rank ?? null });
  const both = rows.filter((r) => r.difference !== null) as Array<RunComparison['economies'][number] & { scoreA: number; scoreB: number; difference: number }>;
  return {
    common: both.length,
    onlyInA: rows.filter((r) => r.scoreA !== null && r.scoreB === null).map((r) => r.economy),
    onlyInB: rows.filter((r) => r.scoreB !== null && r.scoreA === null).map((r) => r.economy),
    spearman:
      both.length > 1
        ? spearman(
            both.map((r) => r.scoreA),
            both.map((r) => r.scoreB),
          )
        : null,
    meanAbsoluteDifference: both.length ? both.reduce((s, r) => s + Math.abs(r.difference), 0) / both.length : null,
    largest: [...both]
      .sort((x, y) => Math.abs(y.difference) - Math.abs(x.difference) || compareCodes(x.economy, y.economy))
      .slice(0, largest)
      .map((r) => ({ economy: r.economy, a: r.scoreA, b: r.scoreB, difference: r.difference })),
    economies: rows,
  };
}

/** Spearman's rho: Pearson's correlation of the average ranks (ties share their average rank). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const rx = averageRanks(x),
    ry = averageRanks(y);
  const n = x.length,
    mx = rx.reduce((a, b) => a + b, 0) / n,
    my = ry.reduce((a, b) => a + b, 0) / n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

function averageRanks(v: readonly number[]): number[] {
  const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let a = 0; a < order.length; ) {
    let b = a;
    while (b + 1 < order.length && order[b + 1][0] === order[a][0]) b++;
    for (let j = a; j <= b; j++) r[order[j][1]] = (a + b) / 2 + 1;
    a = b + 1;
  }
  return r;
}

/**
 * The sensitivity analysis of a run's ranks, or of its scores for an unranked methodology (rank intervals of an
 * unranked index only with `measure: 'rank'`, labelled as ours), from the run's prepared year (no second preparation).
 * `loaded`: the sensitivity module, from a caller that has it: the scenarios then go to the pool before this returns.
 * (An `import()` of a chunk not read yet completes only as the event loop turns, i.e. once the caller's thread is
 * next free: in the report that was after its tables, 0.3-0.9 s with the ranks' thread idle.)
 */
export async function sensitivityOfRun(
  run: IndexRun,
  o: Partial<SensitivityOptions> = {},
  loaded?: SensitivityModule,
): Promise<SensitivityResult & { names: Map<string, string> }> {
  // Loaded here otherwise: a run alone (the idi command, the API's reads) needs neither the sensitivity modules nor worker_threads.
  const { runSensitivity, SENSITIVITY_DEFAULTS, checkSensitivityOptions, sensitivityMeasure } = loaded ?? (await import('../idi/sensitivity.js'));
  const options = { ...SENSITIVITY_DEFAULTS, ...o };
  checkSensitivityOptions(options);
  const measure = sensitivityMeasure(run.methodology, options);
  const reference = new Map(run.result.economies.map((e) => [e.economy, measure === 'score' ? e.score : (e.rank ?? null)]));
  if (measure === 'rank' && !run.result.methodology.ranked) {
    // An unranked result has no ranks: competition ranks of its unrounded scores (ties share the better rank), ours.
    const scored = run.result.economies.filter((e) => e.score !== null).sort((a, b) => b.score! - a.score!);
    scored.forEach((e, k) => reference.set(e.economy, k > 0 && scored[k - 1].score === e.score ? reference.get(scored[k - 1].economy)! : k + 1));
  }
  const result = await runSensitivity(run.methodology, run.prepared, reference, { ...options, measure });
  return { ...result, names: new Map(run.result.economies.map((e) => [e.economy, e.name])) };
}

/**
 * A run as JSON: the recipe (with the methodology document and the source's content fingerprint), the stages, the
 * result and the log. For an unranked methodology nothing in it is a rank (no ranks stage; the result as
 * `resultForOutput` shows it).
 */
export function runToJson(run: IndexRun): object {
  const ranks = run.result.methodology.ranked;
  const stage = (s: Stage): object => ({ rows: s.rows, economies: s.economies, values: Array.from(s.values, (x) => (Number.isFinite(x) ? x : null)) });
  return {
    format: 'ictstat-index-run',
    version: 1,
    recipe: { ...recipeToJson(run.recipe, run.observations), methodology: run.methodology.spec, methodologyFile: run.methodology.file, year: run.recipe.year },
    year: run.year,
    source: run.source,
    stages: {
      raw: stage(run.stages.raw),
      imputed: stage(run.stages.imputed),
      normalised: stage(run.stages.normalised),
      aggregated: stage(run.stages.aggregated),
      status: {
        rows: run.stages.status.rows,
        economies: run.stages.status.economies,
        codes: Array.from(run.stages.status.codes),
        names: run.stages.status.names,
      },
      flags: { rows: run.stages.flags.rows, economies: run.stages.flags.economies, codes: Array.from(run.stages.flags.codes), names: run.stages.flags.names },
      ...(ranks ? { ranks: { rows: run.stages.ranks.rows, economies: run.stages.ranks.economies, values: Array.from(run.stages.ranks.values) } } : {}),
    },
    result: resultForOutput(run.result),
    ...(run.previous ? { previous: resultForOutput(run.previous) } : {}),
    log: run.log,
  };
}

/** The recipe with a source that JSON can carry: in-memory inputs become the observations they were read as. */
function recipeToJson(recipe: IndexRecipe, observations: Table): IndexRecipe {
  const source = recipe.source ?? BUNDLED;
  const asRecords = (name: string): IndexRecipe => ({
    ...recipe,
    source: {
      kind: 'inputs',
      inputs: [
        {
          name,
          records: observationRows(observations).map((r) => ({
            economy: r.economy,
            indicator: r.indicator,
            year: r.year,
            value: r.value,
            note: r.note,
            source: r.source,
            series_code: r.series_code,
          })),
        },
      ],
    },
  });
  if (source.kind === 'inputs' && source.inputs.some((i) => typeof i !== 'string' && !('path' in i))) return asRecords('observations of the run');
  if (source.kind === 'observations') return asRecords(source.label ?? 'observations');
  return { ...recipe, source };
}

/** The recipe of a serialised run: `runIndex(recipeFromJson(json))` recomputes it. */
export function recipeFromJson(json: unknown): IndexRecipe {
  const doc = json as { format?: string; recipe?: IndexRecipe };
  if (doc?.format !== 'ictstat-index-run' || !doc.recipe)
    throw new UserInputError('not a serialised index run (format "ictstat-index-run")', { code: 'bad-run' });
  return doc.recipe;
}
