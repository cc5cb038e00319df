import { gamma, logGamma, mixSeed, mulberry32 } from '../util/random.js';
import type { CompiledMethodology } from './methodology.js';
import { NORMALISATION_CODES, normaliseLeaves, runKernel } from './kernel.js';
import { own } from '../util/lookup.js';

/**
 * The part of the sensitivity analysis that runs the kernel: scenario -> (weights, methods, values)
 * -> ranks. It is pure and depends only on its inputs, so worker threads give results identical to
 * one thread. Kept free of file and registry access so that a worker can import it cheaply.
 */
export interface Factor {
  kind: 'weights' | 'normalisation' | 'imputation' | 'drop';
  name: string;
  /** For weights: the node entry whose children's weights vary. */
  node?: number;
}

export interface ScenarioSetup {
  m: CompiledMethodology;
  economies: number;
  /** Leaf-major data-year values, with and without imputation (leaves x economies). */
  imputed: Float64Array;
  raw: Float64Array;
  active: Uint8Array;
  baseWeights: Float64Array;
  factors: Factor[];
  weightMode: 'dirichlet' | 'uniform';
  concentration: number;
  band: number;
  /** Normalisation alternatives (method codes; 255 = the methodology's own). */
  normalisations: number[];
  /** Leaves that the drop factor can drop (0 = none, k = the k-th of these). */
  droppable: number[];
  renormalise: boolean;
  seed: number;
}

export const METHODOLOGY_NORMALISATION = 255;
/** The kernel's code of a normalisation name; undefined for any other name (prototype keys included). */
export const normalisationCode = (name: string): number | undefined => (name === 'methodology' ? METHODOLOGY_NORMALISATION : own(NORMALISATION_CODES, name));

/** The children entries of each node, from the parent array. */
export function childrenOf(m: CompiledMethodology): number[][] {
  const out: number[][] = m.parent.length ? Array.from({ length: m.parent.length }, () => []) : [];
  m.parent.forEach((p, c) => {
    if (p >= 0) out[p].push(c);
  });
  return out;
}

/**
 * What every batch of scenarios shares, computed once per setup (per worker): the children of each node, and
 * the bank of normalised leaves. The normalised leaves depend only on (data source, normalisation
 * alternative), not on the weights or the dropped indicator, so each combination is normalised once and every
 * scenario reads its combination in place.
 */
export interface PreparedScenarios {
  setup: ScenarioSetup;
  children: number[][];
  alternatives: number[];
  bank: Float64Array;
}

export function prepareScenarios(setup: ScenarioSetup): PreparedScenarios {
  const { m, economies: nE } = setup,
    L = m.firstNode;
  const alternatives = [METHODOLOGY_NORMALISATION, ...setup.normalisations.filter((c) => c !== METHODOLOGY_NORMALISATION)];
  const bank = new Float64Array(2 * alternatives.length * L * nE);
  [setup.imputed, setup.raw].forEach((source, i) =>
    alternatives.forEach((code, j) =>
      bank.set(
        normaliseLeaves(m, source, nE, setup.active, code === METHODOLOGY_NORMALISATION ? m.method : new Uint8Array(L).fill(code)),
        (i * alternatives.length + j) * L * nE,
      ),
    ),
  );
  return { setup, children: childrenOf(m), alternatives, bank };
}

/**
 * Ranks of the index for scenarios [from, to): scenario s takes its factor values from row s of `u`
 * (scenarios x factors, in [0, 1)). Writes ranks[(s - from) * economies + e] (0 = not ranked) into `out`
 * from `outBase` (a new array by default) and returns it.
 */
export function scenarioRanks(
  input: ScenarioSetup | PreparedScenarios,
  u: Float64Array,
  from: number,
  to: number,
  out?: Int32Array,
  outBase = 0,
  batch = 512,
): Int32Array {
  const nE = 'bank' in input ? input.setup.economies : input.economies;
  const o = out ?? new Int32Array((to - from) * nE);
  runScenarios(input, u, from, to, batch, (_scores, ranks, at) => o.set(ranks, outBase + at));
  return o;
}

/**
 * Index scores (0..1, before the scale; NaN = no score) for scenarios [from, to): like scenarioRanks, for an
 * unranked index whose uncertainty is reported as score intervals. scores[(s - from) * economies + e].
 */
export function scenarioScores(
  input: ScenarioSetup | PreparedScenarios,
  u: Float64Array,
  from: number,
  to: number,
  out?: Float64Array,
  outBase = 0,
  batch = 512,
): Float64Array {
  const nE = 'bank' in input ? input.setup.economies : input.economies;
  const o = out ?? new Float64Array((to - from) * nE);
  runScenarios(input, u, from, to, batch, (scores, _ranks, at) => o.set(scores, outBase + at));
  return o;
}

/** The scenario loop: each batch's index scores and ranks go to `sink` (at = offset of the batch's first scenario row, in values). */
function runScenarios(
  input: ScenarioSetup | PreparedScenarios,
  u: Float64Array,
  from: number,
  to: number,
  batch: number,
  sink: (scores: Float64Array, ranks: Int32Array, at: number) => void,
): void {
  const prepared = 'bank' in input ? input : prepareScenarios(input);
  const { setup, children, alternatives, bank } = prepared;
  const { m, economies: nE, factors } = setup;
  const L = m.firstNode,
    N = m.parent.length,
    d = factors.length;
  for (let b0 = from; b0 < to; b0 += batch) {
    const b1 = Math.min(to, b0 + batch),
      K = b1 - b0;
    const sliceOffset = new Int32Array(K);
    const sliceWeights = new Float64Array(K * N);
    for (let s = 0; s < K; s++) {
      const row = (b0 + s) * d;
      const w = sliceWeights.subarray(s * N, (s + 1) * N);
      w.set(setup.baseWeights);
      let source = 0,
        alternative = 0;
      for (let f = 0; f < d; f++) {
        const x = u[row + f],
          fac = factors[f];
        if (fac.kind === 'weights') drawWeights(setup, children[fac.node!], w, x, f);
        else if (fac.kind === 'normalisation') {
          const code = setup.normalisations[Math.min(setup.normalisations.length - 1, Math.floor(x * setup.normalisations.length))];
          alternative = alternatives.indexOf(code);
        } else if (fac.kind === 'imputation') {
          if (x >= 0.5) source = 1;
        } else {
          const k = Math.min(setup.droppable.length, Math.floor(x * (setup.droppable.length + 1)));
          if (k > 0) w[setup.droppable[k - 1]] = 0;
        }
      }
      // A node left with no weighted child drops out of its parent.
      for (let e = L; e < N; e++) if (w[e] > 0 && children[e].every((c) => w[c] === 0)) w[e] = 0;
      sliceOffset[s] = (source * alternatives.length + alternative) * L * nE;
    }
    const { scores, ranks } = runKernel({
      m,
      prenormalised: { bank, sliceOffset },
      columns: K * nE,
      sliceLength: nE,
      include: setup.active,
      sliceWeights,
      renormalise: setup.renormalise,
      rank: 'root',
      keep: 'root',
    });
    sink(scores, ranks, (b0 - from) * nE);
  }
}

/** The children weights of one node for a scenario: Dirichlet around the methodology's, or a uniform band. */
export function drawWeights(setup: ScenarioSetup, kids: readonly number[], w: { [entry: number]: number }, x: number, factor: number): void {
  const live = kids.filter((c) => setup.baseWeights[c] > 0);
  if (live.length < 2) return;
  // The factor value x seeds the draw: the same x gives the same weights (a Sobol "group" factor).
  const seed = mixSeed(setup.seed, factor, x);
  const rand = mulberry32(seed);
  let total = 0;
  const total0 = live.reduce((a, c) => a + setup.baseWeights[c], 0);
  for (const c of live) {
    const base = setup.baseWeights[c] / total0;
    const v = setup.weightMode === 'dirichlet' ? gamma(setup.concentration * base, rand) : base * (1 + setup.band * (2 * rand() - 1));
    w[c] = v;
    total += v;
  }
  if (!(total > 0 && Number.isFinite(total))) {
    // A very small concentration: every gamma variate underflowed to 0. The same draw (same seed, same random
    // numbers) in logarithms, normalised by the largest: the weights of a Dirichlet with tiny alphas.
    const again = mulberry32(seed),
      logs = live.map((c) => logGamma((setup.concentration * setup.baseWeights[c]) / total0, again));
    const top = Math.max(...logs);
    total = 0;
    live.forEach((c, k) => {
      w[c] = Math.exp(logs[k] - top);
      total += w[c];
    });
  }
  for (const c of live) w[c] = (w[c] / total) * total0;
}

/** Values per economy in `rankStatistics`' output: median, 5th and 95th percentile, variance, then the d first-order and the d total sums. */
export const rankStatisticsWidth = (d: number): number => 4 + 2 * d;

/**
 * What the estimators need of the scenario ranks (ranks[s * economies + e], scenario rows A (N), B (N), then AB_i
 * (N each) for the d factors; unranked counts as the last rank), for economies e0..e1-1: over the A and B samples the
 * type-7 median, 5th and 95th percentile and the variance, and over the base draws r the Saltelli (2010) first-order
 * and Jansen (1999) total sums, f_B (f_ABi - f_A) and (f_A - f_ABi)^2. out[(e - e0) * rankStatisticsWidth(d) + ...].
 * The ranks are read row by row (contiguous economies; a scenario's row once per pass), never one economy's
 * column down the whole array; every sum adds its terms in scenario order, as the definitions write them.
 */
export function rankStatistics(
  ranks: Int32Array,
  nE: number,
  Nd: number,
  d: number,
  e0: number,
  e1: number,
  out: Float64Array,
  block = RANK_STATISTICS_BLOCK,
): void {
  // In blocks of economies: the counting sort's counts are block x (nE + 1), not economies x (economies + 1).
  const W = rankStatisticsWidth(d);
  for (let b = e0; b < e1; b += block) rankStatisticsOfBlock(ranks, nE, Nd, d, b, Math.min(e1, b + block), out.subarray((b - e0) * W));
}

/** Economies per block of `rankStatistics`: 256 x (nE + 1) counts, 10 MB for 10,000 economies. */
export const RANK_STATISTICS_BLOCK = 256;

function rankStatisticsOfBlock(ranks: Int32Array, nE: number, Nd: number, d: number, e0: number, e1: number, out: Float64Array): void {
  const G = e1 - e0,
    twoN = 2 * Nd,
    W = rankStatisticsWidth(d),
    V = nE + 1;
  const sum = new Float64Array(G),
    squares = new Float64Array(G),
    mean = new Float64Array(G),
    s1 = new Float64Array(G * d),
    st = new Float64Array(G * d);
  const counts = new Int32Array(G * V); // ranks are whole numbers 1..nE: a counting sort gives the quantiles
  for (let r = 0; r < twoN; r++)
    for (let g = 0, at = r * nE + e0; g < G; g++) {
      const x = ranks[at + g] || nE;
      sum[g] += x;
      counts[g * V + x]++;
    }
  for (let g = 0; g < G; g++) mean[g] = sum[g] / twoN;
  for (let r = 0; r < twoN; r++)
    for (let g = 0, at = r * nE + e0; g < G; g++) {
      const x = ranks[at + g] || nE;
      squares[g] += (x - mean[g]) ** 2;
    }
  radialSums(ranks, nE, Nd, d, e0, G, s1, st);
  for (let g = 0; g < G; g++) {
    const o = g * W,
      c = counts.subarray(g * V, (g + 1) * V);
    out[o] = quantileOfCounts(c, twoN, 0.5);
    out[o + 1] = quantileOfCounts(c, twoN, 0.05);
    out[o + 2] = quantileOfCounts(c, twoN, 0.95);
    out[o + 3] = squares[g] / (twoN - 1);
    for (let i = 0; i < d; i++) {
      out[o + 4 + i] = s1[g * d + i];
      out[o + 4 + d + i] = st[g * d + i];
    }
  }
}

/**
 * The radial sums of economies e0..e0+G-1 into s1 and st (g * d + i), over the base draws r in order: per r, the A and
 * B rows and each AB_i row are read along the economies. The squares of whole-number differences are exact, so t * t
 * is (f_A - f_ABi) ** 2. (A small function of its own: V8 compiles it early and well.)
 */
function radialSums(ranks: Int32Array, nE: number, Nd: number, d: number, e0: number, G: number, s1: Float64Array, st: Float64Array): void {
  const blockStride = Nd * nE;
  for (let r = 0; r < Nd; r++) {
    const a0 = r * nE + e0,
      b0 = (Nd + r) * nE + e0;
    for (let i = 0; i < d; i++) {
      const ab0 = (2 + i) * blockStride + r * nE + e0;
      for (let g = 0, o = i; g < G; g++, o += d) {
        const fa = ranks[a0 + g] || nE,
          fab = ranks[ab0 + g] || nE,
          t = fa - fab;
        s1[o] += (ranks[b0 + g] || nE) * (fab - fa);
        st[o] += t * t;
      }
    }
  }
}

/** The type-7 quantile of a sample of whole numbers given by its counts (counts[v] = how many equal v): what quantile() gives on the sorted sample. */
export function quantileOfCounts(counts: Int32Array, n: number, q: number): number {
  const h = (n - 1) * q,
    lo = Math.floor(h);
  const at = (k: number): number => {
    // the k-th smallest value (0-based)
    for (let v = 0, seen = 0; v < counts.length; v++) {
      seen += counts[v];
      if (seen > k) return v;
    }
    return NaN;
  };
  const x = at(lo);
  return lo + 1 < n ? x + (h - lo) * (at(lo + 1) - x) : x;
}
