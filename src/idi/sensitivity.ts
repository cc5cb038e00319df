import { mulberry32 } from '../util/random.js';
import { UserInputError, invalidOption } from '../util/errors.js';
import type { PreparedYear } from './compute.js';
import { normalisationNames } from './normalisations/index.js';
import type { CompiledMethodology } from './methodology.js';
import {
  childrenOf,
  normalisationCode,
  prepareScenarios,
  rankStatistics,
  rankStatisticsWidth,
  scenarioRanks,
  scenarioScores,
  type Factor,
  type ScenarioSetup,
} from './sensitivity-core.js';

export { quantileOfCounts } from './sensitivity-core.js';
import { ScenarioPool } from './sensitivity-pool.js';

/**
 * Uncertainty and sensitivity analysis of an index's ranks (as in the MIS annex): Monte Carlo over
 * weights, normalisation alternatives, imputation alternatives and dropping one indicator, with Sobol
 * first-order and total indices estimated by the Saltelli (2010) and Jansen (1999) estimators from the
 * radial scheme A, B, AB_i. `draws` is the base sample N; the kernel runs N x (factors + 2) scenarios.
 */
export interface SensitivityOptions {
  draws: number;
  seed: number;
  workers: number;
  weightMode: 'dirichlet' | 'uniform';
  /** Dirichlet concentration: the sum of the alphas (higher = weights closer to the methodology's). */
  concentration: number;
  /** Uniform band: each weight times 1 +- band, renormalised. */
  band: number;
  /** Normalisation alternatives, e.g. ['methodology', 'minmax', 'rank']; one or none = not a factor. */
  normalisations: string[];
  imputation: boolean;
  dropOne: boolean;
  onProgress?: (done: number, total: number) => void;
  /** A pool of worker threads to run on (kept by the caller, e.g. the server); else `workers` threads are started for this analysis. */
  pool?: ScenarioPool;
  /**
   * What the analysis is about: the index's ranks, or its scores (intervals of the score). Default: ranks for a
   * ranked methodology, scores for an unranked one (ITU's IDI from 2023); ranks of an unranked index only when
   * asked, and then labelled as ours (`ranksAreOurs`). Scores run on this thread (the worker pool ranks).
   */
  measure?: 'rank' | 'score';
}

/** Per economy, for an analysis of the scores: the score as published, the median and 5th-95th percentile interval, the standard deviation, Sobol indices on the score. */
export interface EconomyScoreSensitivity {
  economy: string;
  score: number | null;
  medianScore: number;
  p05: number;
  p95: number;
  sd: number;
  firstOrder: Record<string, number>;
  total: Record<string, number>;
}

export interface EconomySensitivity {
  economy: string;
  /** The rank with the methodology as published (all factors at their reference). */
  rank: number | null;
  medianRank: number;
  p05: number;
  p95: number;
  /** Standard deviation of the rank over the draws. */
  volatility: number;
  firstOrder: Record<string, number>;
  total: Record<string, number>;
}

interface SensitivityBase {
  year: number;
  draws: number;
  seed: number;
  scenarios: number;
  factors: Array<{ name: string; kind: Factor['kind']; meanFirstOrder: number; meanTotal: number }>;
}
export type SensitivityResult = SensitivityBase &
  (
    | { measure: 'rank'; economies: EconomySensitivity[] /** Ranks of an index its publisher does not rank: ours, not the publisher's. */; ranksAreOurs?: true }
    | { measure: 'score'; economies: EconomyScoreSensitivity[] }
  );

/** The measure of an analysis: the one asked for, else the methodology's (ranks, or scores for an unranked index). */
export const sensitivityMeasure = (m: CompiledMethodology, o: Pick<SensitivityOptions, 'measure'>): 'rank' | 'score' =>
  o.measure ?? (m.spec.ranked === false ? 'score' : 'rank');

/** `reference`: per economy the published rank (measure 'rank') or score (measure 'score'). */
export async function runSensitivity(
  m: CompiledMethodology,
  prepared: PreparedYear,
  reference: Map<string, number | null>,
  o: SensitivityOptions,
): Promise<SensitivityResult> {
  const measure = sensitivityMeasure(m, o);
  if (!(o.draws >= 2)) throw invalidOption('draws', o.draws, (n) => `${n} must be at least 2`);
  const L = m.firstNode,
    N = m.parent.length,
    nE = prepared.economies.length;
  const children = childrenOf(m);
  const factors: Factor[] = [];
  for (let e = L; e < N; e++)
    if (children[e].filter((c) => prepared.weights[c] > 0).length >= 2) factors.push({ kind: 'weights', name: `weights:${m.ids[e]}`, node: e });
  const normalisations = o.normalisations.map((n) => {
    const code = normalisationCode(n);
    if (code === undefined)
      throw invalidOption('normalisations', n, (name) => `${name}: unknown normalisation "${n}" (methodology, ${normalisationNames().join(', ')})`);
    return code;
  });
  if (normalisations.length > 1) factors.push({ kind: 'normalisation', name: 'normalisation' });
  if (o.imputation) factors.push({ kind: 'imputation', name: 'imputation' });
  const droppable = [...Array(L).keys()].filter((k) => prepared.weights[k] > 0);
  if (o.dropOne) factors.push({ kind: 'drop', name: 'drop-one-indicator' });
  if (factors.length === 0) throw new UserInputError('no uncertain input: every factor is switched off');
  const d = factors.length,
    Nd = o.draws;

  // Sampling matrices A and B (N x d) from the seed; scenario rows: A, B, then AB_i for each factor.
  const rand = mulberry32(o.seed);
  const A = Float64Array.from({ length: Nd * d }, rand),
    B = Float64Array.from({ length: Nd * d }, rand);
  const S = Nd * (d + 2);
  // The ranks of every scenario are held at once (the estimators need them all).
  const width = measure === 'score' ? Float64Array.BYTES_PER_ELEMENT : Int32Array.BYTES_PER_ELEMENT;
  const bytes = S * nE * width,
    MAX_BYTES = 2 ** 31;
  if (bytes > MAX_BYTES)
    throw invalidOption(
      'draws',
      Nd,
      (name) =>
        `${name} ${Nd.toLocaleString('en')}: ${S.toLocaleString('en')} scenarios x ${nE} economies need ${(bytes / 2 ** 30).toFixed(1)} GiB of ${measure}s; at most 2 GiB, i.e. draws up to ${Math.floor(MAX_BYTES / ((d + 2) * nE * width)).toLocaleString('en')} here`,
    );
  const u = new Float64Array(S * d);
  u.set(A, 0);
  u.set(B, Nd * d);
  for (let i = 0; i < d; i++) {
    const block = u.subarray((2 + i) * Nd * d, (3 + i) * Nd * d);
    block.set(A);
    for (let r = 0; r < Nd; r++) block[r * d + i] = B[r * d + i];
  }
  const setup: ScenarioSetup = {
    m,
    economies: nE,
    imputed: prepared.matrix.values.slice(0, L * nE),
    raw: prepared.valuesBeforeImputation,
    active: prepared.active,
    baseWeights: prepared.weights,
    factors,
    weightMode: o.weightMode,
    concentration: o.concentration,
    band: o.band,
    normalisations,
    droppable,
    renormalise: (m.spec.coverage?.missingIndicator ?? 'renormalise') === 'renormalise',
    seed: o.seed,
  };
  const summary = (f: Factor, i: number, firstSum: Float64Array, totalSum: Float64Array, counted: number) => ({
    name: f.name,
    kind: f.kind,
    meanFirstOrder: counted ? firstSum[i] / counted : 0,
    meanTotal: counted ? totalSum[i] / counted : 0,
  });
  if (measure === 'score') {
    const scores = scoreScenarios(setup, u, S, o.onProgress);
    const { economies, firstSum, totalSum, counted } = scoreEstimates(scores, prepared, factors, Nd, m.spec.scale, reference);
    return {
      year: prepared.year,
      draws: Nd,
      seed: o.seed,
      scenarios: S,
      measure,
      factors: factors.map((f, i) => summary(f, i, firstSum, totalSum, counted)),
      economies,
    };
  }
  const stats = await rankScenarioStatistics(setup, u, S, Nd, { workers: Math.max(1, Math.floor(o.workers)), pool: o.pool, onProgress: o.onProgress });

  const { economies, firstSum, totalSum, counted } = rankEstimates(stats, prepared, factors, Nd, reference);
  return {
    year: prepared.year,
    draws: Nd,
    seed: o.seed,
    scenarios: S,
    measure,
    ...(m.spec.ranked === false ? { ranksAreOurs: true as const } : {}),
    factors: factors.map((f, i) => summary(f, i, firstSum, totalSum, counted)),
    economies,
  };
}

/**
 * Per active economy, from the statistics of its scenario ranks (`rankStatistics`, on the ranks' thread): median and
 * 5th-95th percentile (type 7) over the A and B samples, volatility, and the Saltelli (2010) first-order and Jansen
 * (1999) total indices, with their sums over economies (in economy order).
 */
function rankEstimates(
  stats: Float64Array,
  prepared: PreparedYear,
  factors: Factor[],
  Nd: number,
  reference: Map<string, number | null>,
): { economies: EconomySensitivity[]; firstSum: Float64Array; totalSum: Float64Array; counted: number } {
  const nE = prepared.economies.length,
    d = factors.length,
    W = rankStatisticsWidth(d);
  const economies: EconomySensitivity[] = [];
  const firstSum = new Float64Array(d),
    totalSum = new Float64Array(d);
  let counted = 0;
  for (let e = 0; e < nE; e++) {
    if (!prepared.active[e]) continue;
    const o = e * W,
      variance = stats[o + 3];
    const firstOrder: Record<string, number> = {},
      total: Record<string, number> = {};
    for (let i = 0; i < d; i++) {
      firstOrder[factors[i].name] = variance > 0 ? stats[o + 4 + i] / Nd / variance : 0;
      total[factors[i].name] = variance > 0 ? stats[o + 4 + d + i] / (2 * Nd) / variance : 0;
      if (variance > 0) {
        firstSum[i] += firstOrder[factors[i].name];
        totalSum[i] += total[factors[i].name];
      }
    }
    if (variance > 0) counted++;
    economies.push({
      economy: prepared.economies[e],
      rank: reference.get(prepared.economies[e]) ?? null,
      medianRank: stats[o],
      p05: stats[o + 1],
      p95: stats[o + 2],
      volatility: Math.sqrt(variance),
      firstOrder,
      total,
    });
  }
  economies.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.medianRank - b.medianRank);
  return { economies, firstSum, totalSum, counted };
}

/** The index scores of every scenario on this thread: scores[s * economies + e] (0..1, NaN = no score). */
function scoreScenarios(setup: ScenarioSetup, u: Float64Array, S: number, onProgress?: (done: number, total: number) => void): Float64Array {
  const nE = setup.economies,
    prepared = prepareScenarios(setup);
  const out = new Float64Array(S * nE);
  const step = Math.max(512, Math.ceil(S / 50));
  for (let from = 0; from < S; from += step) {
    const to = Math.min(S, from + step);
    scenarioScores(prepared, u, from, to, out, from * nE);
    onProgress?.(to, S);
  }
  return out;
}

/**
 * Per active economy, from the scenario scores (on the methodology's scale): median and 5th-95th percentile
 * (type 7) over the A and B samples, standard deviation, and the Saltelli (2010) first-order and Jansen (1999)
 * total indices on the score, with the sums of the rank analysis. A scenario without a score counts as 0.
 */
function scoreEstimates(
  scores: Float64Array,
  prepared: PreparedYear,
  factors: Factor[],
  Nd: number,
  scale: number,
  reference: Map<string, number | null>,
): { economies: EconomyScoreSensitivity[]; firstSum: Float64Array; totalSum: Float64Array; counted: number } {
  const nE = prepared.economies.length,
    d = factors.length,
    twoN = 2 * Nd;
  const at = (i: number): number => {
    const x = scores[i];
    return x === x ? x * scale : 0;
  };
  const firstSum = new Float64Array(d),
    totalSum = new Float64Array(d);
  let counted = 0;
  const economies: EconomyScoreSensitivity[] = [];
  const sample = new Float64Array(twoN);
  for (let e = 0; e < nE; e++) {
    if (!prepared.active[e]) continue;
    for (let r = 0; r < twoN; r++) sample[r] = at(r * nE + e);
    let sum = 0;
    for (let r = 0; r < twoN; r++) sum += sample[r];
    const mean = sum / twoN;
    let squares = 0;
    for (let r = 0; r < twoN; r++) squares += (sample[r] - mean) ** 2;
    const variance = squares / (twoN - 1);
    const s1 = new Float64Array(d),
      st = new Float64Array(d);
    for (let r = 0; r < Nd; r++) {
      const fa = at(r * nE + e),
        fb = at((Nd + r) * nE + e);
      for (let i = 0; i < d; i++) {
        const fab = at(((2 + i) * Nd + r) * nE + e);
        s1[i] += fb * (fab - fa);
        st[i] += (fa - fab) ** 2;
      }
    }
    const firstOrder: Record<string, number> = {},
      total: Record<string, number> = {};
    for (let i = 0; i < d; i++) {
      firstOrder[factors[i].name] = variance > 0 ? s1[i] / Nd / variance : 0;
      total[factors[i].name] = variance > 0 ? st[i] / (2 * Nd) / variance : 0;
      if (variance > 0) {
        firstSum[i] += firstOrder[factors[i].name];
        totalSum[i] += total[factors[i].name];
      }
    }
    if (variance > 0) counted++;
    sample.sort();
    economies.push({
      economy: prepared.economies[e],
      score: reference.get(prepared.economies[e]) ?? null,
      medianScore: quantile(sample, 0.5),
      p05: quantile(sample, 0.05),
      p95: quantile(sample, 0.95),
      sd: Math.sqrt(variance),
      firstOrder,
      total,
    });
  }
  economies.sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || (a.economy < b.economy ? -1 : 1));
  return { economies, firstSum, totalSum, counted };
}

/** The defaults of every front end (CLI, API, report): the MIS annex's factors at a Dirichlet concentration of 50. */
export const SENSITIVITY_DEFAULTS: Omit<SensitivityOptions, 'onProgress'> = {
  draws: 10000,
  seed: 1,
  workers: 1,
  weightMode: 'dirichlet',
  concentration: 50,
  band: 0.25,
  normalisations: ['methodology', 'minmax', 'rank'],
  imputation: true,
  dropOne: true,
};

/** Check the options a user gave; an error names the option by its library name (`field`), each surface renders it its own way. */
export function checkSensitivityOptions(o: Omit<SensitivityOptions, 'onProgress'>): void {
  if (!(Number.isInteger(o.draws) && o.draws >= 2)) throw invalidOption('draws', o.draws, (n) => `${n} must be an integer of at least 2, not ${o.draws}`);
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed < 2 ** 32))
    throw invalidOption('seed', o.seed, (n) => `${n} must be an integer from 0 to 2^32 - 1, not ${o.seed}`);
  if (!(o.concentration > 0 && Number.isFinite(o.concentration)))
    throw invalidOption('concentration', o.concentration, (n) => `${n} must be a number above 0, not ${o.concentration}`);
  if (!(o.band >= 0 && o.band < 1)) throw invalidOption('band', o.band, (n) => `${n} must be within [0, 1), not ${o.band}`);
  if (o.weightMode !== 'dirichlet' && o.weightMode !== 'uniform')
    throw invalidOption('weightMode', o.weightMode, (n) => `${n} must be dirichlet or uniform, not "${String(o.weightMode)}"`);
}

/** Type-7 (linear) quantile of a sorted sample. */
export function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q,
    lo = Math.floor(h);
  return lo + 1 < sorted.length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

/** Scenario ranks on this thread, on the caller's pool, or on `workers` threads started for the call (identical results). */
export async function rankScenarios(
  setup: ScenarioSetup,
  u: Float64Array,
  S: number,
  o: Pick<SensitivityOptions, 'workers' | 'pool' | 'onProgress'>,
): Promise<Int32Array> {
  const nE = setup.economies;
  if (o.pool) return o.pool.ranks(setup, u, S, o.onProgress);
  if (o.workers <= 1) {
    const prepared = prepareScenarios(setup);
    const out = new Int32Array(S * nE);
    const step = Math.max(512, Math.ceil(S / 50));
    for (let from = 0; from < S; from += step) {
      const to = Math.min(S, from + step);
      scenarioRanks(prepared, u, from, to, out, from * nE);
      o.onProgress?.(to, S);
    }
    return out;
  }
  const pool = await ScenarioPool.start(o.workers);
  try {
    return await pool.ranks(setup, u, S, o.onProgress);
  } finally {
    await pool.close();
  }
}

/**
 * `rankStatistics` of every economy's scenario ranks (N base draws): on the caller's pool or on `workers` threads
 * started for the call, which rank and then summarise without a round trip to this thread (busy, in the report,
 * with its tables), else on this thread. The same numbers wherever they run.
 */
async function rankScenarioStatistics(
  setup: ScenarioSetup,
  u: Float64Array,
  S: number,
  Nd: number,
  o: Pick<SensitivityOptions, 'workers' | 'pool' | 'onProgress'>,
): Promise<Float64Array> {
  const nE = setup.economies,
    d = setup.factors.length;
  if (o.pool) return o.pool.rankStatistics(setup, u, S, Nd, o.onProgress);
  if (o.workers <= 1) {
    const stats = new Float64Array(nE * rankStatisticsWidth(d));
    rankStatistics(await rankScenarios(setup, u, S, o), nE, Nd, d, 0, nE, stats);
    return stats;
  }
  const pool = await ScenarioPool.start(o.workers);
  try {
    return await pool.rankStatistics(setup, u, S, Nd, o.onProgress);
  } finally {
    await pool.close();
  }
}
