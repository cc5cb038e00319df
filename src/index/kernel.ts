import type { CompiledMethodology } from './methodology.js';

/**
 * The core kernel: normalise -> aggregate -> rank, over typed arrays, for every column at once.
 * A column is one economy in one slice (a data year, or a Monte Carlo scenario); slices are contiguous
 * runs of `sliceLength` columns. Data-dependent normalisations (minmax, zscore, rank) and ranks are
 * computed within each slice, over the columns marked in `include`. Weights and normalisation methods
 * may differ per slice (scenarios). No per-row objects and no comparator callbacks in the loops.
 */
export interface KernelInput {
  m: CompiledMethodology;
  /** Leaf-major raw values: values[leaf * columns + column]; NaN = missing. */
  values: Float64Array;
  columns: number;
  sliceLength: number;
  /** 1 = the column takes part (in ranks and in data-dependent normalisations). */
  include: Uint8Array;
  /** Weight of each entry within its parent (default: the methodology's); 0 drops an entry. */
  weights?: Float64Array;
  /** Per-slice weights: sliceWeights[slice * entries + entry]; overrides `weights`. */
  sliceWeights?: Float64Array;
  /** Per-slice normalisation method codes: sliceMethods[slice * leaves + leaf]; default: the methodology's. */
  sliceMethods?: Uint8Array;
  /** Missing children: renormalise the other weights (true) or make the parent missing (false). */
  renormalise: boolean;
  /** Which entries get ranks: every node (default) or only the index. */
  rank?: 'nodes' | 'root';
  /**
   * Which scores to return: every entry's (default) or only the index's (then `scores` holds just the root
   * row, scores[column]): the other entries live in a block-sized scratch buffer that stays in cache.
   */
  keep?: 'all' | 'root';
}

export interface KernelOutput {
  /** scores[entry * columns + column]: leaves normalised to [0, 1] (zscore aside), nodes and root aggregated (0..1, before the scale); with keep 'root' only the root: scores[column]. */
  scores: Float64Array;
  /** ranks[(entry - firstNode) * columns + column] for the ranked nodes (only the root with rank 'root': ranks[column]): 1 = best; 0 = not ranked. */
  ranks: Int32Array;
}

/** Normalisation method codes, as compiled methodologies carry them per leaf. */
export const NORMALISATION_CODES = { ratio: 0, 'log-ratio': 1, goalposts: 2, minmax: 3, zscore: 4, rank: 5 } as const;

/** A method code for values that are already normalised: the kernel copies them. */
export const PRENORMALISED = 6;

/**
 * Normalise the leaves of one slice with the given method per leaf (default: the methodology's), without
 * aggregating: the scenario-invariant part of a Monte Carlo run, computed once per alternative.
 */
export function normaliseLeaves(m: CompiledMethodology, values: Float64Array, S: number, include: Uint8Array, methods: Uint8Array = m.method): Float64Array {
  const L = m.firstNode;
  if (values.length !== L * S) throw new Error(`normaliseLeaves: ${values.length} values for ${L} leaves x ${S} columns`);
  const out = new Float64Array(L * S);
  for (let k = 0; k < L; k++) normaliseLeaf(methods[k], m, k, values, k * S, out, k * S, S, S, include, 0);
  return out;
}

/** Columns per block (rounded down to whole slices, at least one slice). */
const BLOCK_COLUMNS = 2048;

export function runKernel(input: KernelInput): KernelOutput {
  const { m, values, columns: C, sliceLength: S, include } = input;
  const L = m.firstNode, N = m.parent.length;
  if (values.length !== L * C) throw new Error(`kernel: ${values.length} values for ${L} leaves x ${C} columns`);
  if (C % S !== 0) throw new Error('kernel: columns must be a whole number of slices');
  const nSlices = C / S;
  const baseWeights = input.weights ?? m.weight;
  const sw = input.sliceWeights;
  if (sw && sw.length !== nSlices * N) throw new Error('kernel: sliceWeights must have slices x entries values');
  const sm = input.sliceMethods;
  if (sm && sm.length !== nSlices * L) throw new Error('kernel: sliceMethods must have slices x leaves values');

  const keepAll = input.keep !== 'root';
  const first = input.rank === 'root' ? N - 1 : L;
  if (!keepAll && first < N - 1) throw new Error("kernel: keep 'root' ranks only the root (rank: 'root')");
  const scores = new Float64Array((keepAll ? N : 1) * C);
  const ranks = new Int32Array((N - first) * C);
  const keys = new Float64Array(S), cols = new Int32Array(S);

  // Blocks of whole slices, small enough that a block's node accumulators (and the scores it has just
  // written) stay in cache: each block is normalised, aggregated and ranked before the next is touched.
  // Per column the arithmetic is the same, in the same order, whatever the block size.
  const renormalise = input.renormalise;
  const slicesPerBlock = Math.max(1, Math.floor(BLOCK_COLUMNS / S)), B = slicesPerBlock * S, M = N - L;
  const acc = new Float64Array(M * B), wsum = new Float64Array(M * B), missing = new Uint8Array(M * B);
  // Where a block's scores go: straight into the output (every entry), or into a scratch of N x B.
  const scratch = keepAll ? scores : new Float64Array(N * B);
  const stride = keepAll ? C : B;
  for (let b0 = 0; b0 < C; b0 += B) {
    const bc = Math.min(B, C - b0), s0 = b0 / S, s1 = s0 + bc / S;
    const off = keepAll ? b0 : 0; // scratch[e * stride + off + c] is entry e, block column c
    acc.fill(0); wsum.fill(0); missing.fill(0);
    for (let k = 0; k < L; k++) {
      if (!sm) normaliseLeaf(m.method[k], m, k, values, k * C + b0, scratch, k * stride + off, bc, S, include, b0);
      else for (let s = s0; s < s1; s++) {
        const method = sm[s * L + k];
        if (method === PRENORMALISED && !keepAll) continue; // read in place below, no copy
        normaliseLeaf(method, m, k, values, k * C + s * S, scratch, k * stride + off + (s - s0) * S, S, S, include, s * S);
      }
    }
    // Entries are ordered children before parents: finalise each node when reached, then push it up.
    for (let e = 0; e < N; e++) {
      const base = e * stride + off;
      if (e >= L) finaliseNode(scratch, base, acc, wsum, missing, (e - L) * B, bc, m.geometric[e] === 1, renormalise);
      const p = m.parent[e];
      if (p < 0) continue;
      const pb = (p - L) * B, geometric = m.geometric[p] === 1;
      for (let s = s0; s < s1; s++) {
        const w = sw ? sw[s * N + e] : baseWeights[e];
        if (w === 0) continue;
        const from = (s - s0) * S;
        const inPlace = e < L && !keepAll && sm !== undefined && sm[s * L + e] === PRENORMALISED;
        const x = inPlace ? values : scratch, xbase = inPlace ? e * C + s * S : base + from;
        if (geometric) pushUpLog(x, xbase, acc, wsum, missing, pb + from, S, w);
        else pushUp(x, xbase, acc, wsum, missing, pb + from, S, w);
      }
    }
    for (let e = first; e < N; e++) rankSlices(scratch, e * stride + off, ranks, (e - first) * C + b0, bc, S, include, b0, keys, cols);
    if (!keepAll) scores.set(scratch.subarray((N - 1) * B, (N - 1) * B + bc), b0);
  }
  return { scores, ranks };
}

/** A node's score from its accumulators: the weighted mean over the children present (exp of it for geometric). */
function finaliseNode(out: Float64Array, obase: number, acc: Float64Array, wsum: Float64Array, missing: Uint8Array, nb: number, count: number, geometric: boolean, renormalise: boolean): void {
  for (let c = 0; c < count; c++) {
    const w = wsum[nb + c];
    const mean = w === 0 || (!renormalise && missing[nb + c] === 1) ? NaN : acc[nb + c] / w;
    out[obase + c] = geometric ? Math.exp(mean) : mean;
  }
}

/** Add a child's scores, times its weight, to its parent's accumulators (a missing score marks the parent). */
function pushUp(x: Float64Array, xbase: number, acc: Float64Array, wsum: Float64Array, missing: Uint8Array, pbase: number, count: number, w: number): void {
  for (let c = 0; c < count; c++) {
    const v = x[xbase + c];
    if (v !== v) missing[pbase + c] = 1; // NaN
    else {
      acc[pbase + c] += w * v;
      wsum[pbase + c] += w;
    }
  }
}

/** The same for a geometric parent: weighted logs. */
function pushUpLog(x: Float64Array, xbase: number, acc: Float64Array, wsum: Float64Array, missing: Uint8Array, pbase: number, count: number, w: number): void {
  for (let c = 0; c < count; c++) {
    const v = x[xbase + c];
    if (v !== v) missing[pbase + c] = 1;
    else {
      acc[pbase + c] += w * Math.log(v);
      wsum[pbase + c] += w;
    }
  }
}

/**
 * One leaf over `count` columns: values[vbase + i] -> out[obase + i] (i < count); ratio, log-ratio, goalposts
 * (fixed parameters) or minmax, zscore, rank (per slice of S columns; include[col0 + i] says who takes part).
 */
function normaliseLeaf(method: number, m: CompiledMethodology, k: number, values: Float64Array, vbase: number,
  out: Float64Array, obase: number, count: number, S: number, include: Uint8Array, col0: number): void {
  const p1 = m.p1[k], p2 = m.p2[k], direction = m.direction[k];
  switch (method) {
    case 0: // ratio: value / reference, within [0, 1]
      for (let i = 0; i < count; i++) out[obase + i] = clamp01(values[vbase + i] / p1);
      return;
    case 1: // log-ratio: log10(value) / log10(reference), within [0, 1]
      for (let i = 0; i < count; i++) {
        const x = values[vbase + i];
        out[obase + i] = x !== x ? NaN : x <= 1 ? 0 : clamp01(Math.log10(x) / p1);
      }
      return;
    case 2: { // goalposts, optionally on log10 values; direction -1 when lower is better
      const span = p2 - p1, logScale = m.logScale[k] === 1;
      for (let i = 0; i < count; i++) {
        let x = values[vbase + i];
        if (logScale) x = x > 0 ? Math.log10(x) : x !== x ? NaN : -Infinity;
        const t = clamp01((x - p1) / span);
        out[obase + i] = direction < 0 && t === t ? 1 - t : t;
      }
      return;
    }
    case PRENORMALISED: // already normalised (values computed once and reused, e.g. across Monte Carlo scenarios)
      for (let i = 0; i < count; i++) out[obase + i] = values[vbase + i];
      return;
    default:
      for (let s = 0; s < count; s += S) normaliseSlice(method, direction, values, vbase + s, out, obase + s, col0 + s, S, include);
  }
}

function normaliseSlice(method: number, direction: number, values: Float64Array, vbase: number, out: Float64Array, obase: number, col0: number, S: number, include: Uint8Array): void {
  let n = 0, sum = 0, sum2 = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < S; i++) {
    const x = values[vbase + i];
    if (x !== x || !include[col0 + i]) continue;
    n++; sum += x; sum2 += x * x;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (method === 3) { // minmax over the slice
    const span = hi - lo;
    for (let i = 0; i < S; i++) {
      const x = values[vbase + i];
      const t = x !== x || !include[col0 + i] ? NaN : span > 0 ? clamp01((x - lo) / span) : 1;
      out[obase + i] = direction < 0 && t === t ? 1 - t : t;
    }
  } else if (method === 4) { // zscore over the slice
    const mean = sum / n, sd = Math.sqrt(Math.max(0, sum2 / n - mean * mean));
    for (let i = 0; i < S; i++) {
      const x = values[vbase + i];
      out[obase + i] = x !== x || !include[col0 + i] ? NaN : sd > 0 ? direction * (x - mean) / sd : 0;
    }
  } else { // rank: (r - 1) / (n - 1), ties sharing their average rank
    // Sort (negated value, column) pairs with the kernel's own quicksort (descending negated = ascending
    // values), then walk runs of equal values: no allocation, no comparator, no binary search.
    if (rankKeys.length < S) { rankKeys = new Float64Array(S); rankCols = new Int32Array(S); }
    let m = 0;
    for (let i = 0; i < S; i++) {
      const x = values[vbase + i];
      out[obase + i] = NaN;
      if (x === x && include[col0 + i]) { rankKeys[m] = -x; rankCols[m++] = i; }
    }
    sortDescending(rankKeys, rankCols, 0, m - 1);
    for (let a = 0; a < m;) {
      let b = a;
      while (b + 1 < m && rankKeys[b + 1] === rankKeys[a]) b++;
      const t = m > 1 ? (a + b) / 2 / (m - 1) : 1;
      for (let j = a; j <= b; j++) out[obase + rankCols[j]] = direction < 0 ? 1 - t : t;
      a = b + 1;
    }
  }
}

/** Scratch for the rank normalisation, grown to the longest slice seen. */
let rankKeys = new Float64Array(256), rankCols = new Int32Array(256);

/**
 * Competition ranks (1, 2, 2, 4) by descending unrounded score within each slice; ties share the better
 * rank. Each slice's scores are sorted with their column (a specialised quicksort on two typed arrays, no
 * comparator callback) and the ranks assigned in one walk of the sorted order.
 */
function rankSlices(scores: Float64Array, sbase: number, ranks: Int32Array, rbase: number, count: number, S: number, include: Uint8Array, col0: number, keys: Float64Array, cols: Int32Array): void {
  for (let s = 0; s < count; s += S) {
    let n = 0;
    for (let i = 0; i < S; i++) {
      const x = scores[sbase + s + i];
      ranks[rbase + s + i] = 0;
      if (include[col0 + s + i] && x === x) { keys[n] = x; cols[n++] = i; }
    }
    sortDescending(keys, cols, 0, n - 1);
    let rank = 0;
    for (let j = 0; j < n; j++) {
      if (j === 0 || keys[j] !== keys[j - 1]) rank = j + 1;
      ranks[rbase + s + cols[j]] = rank;
    }
  }
}

/** Sort keys[lo..hi] descending, moving cols along: quicksort (median of three), insertion sort for short runs. */
function sortDescending(keys: Float64Array, cols: Int32Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] > keys[lo]) swap(keys, cols, mid, lo);
    if (keys[hi] > keys[lo]) swap(keys, cols, hi, lo);
    if (keys[hi] > keys[mid]) swap(keys, cols, hi, mid);
    const pivot = keys[mid];
    let i = lo, j = hi;
    for (;;) {
      while (keys[i] > pivot) i++;
      while (keys[j] < pivot) j--;
      if (i >= j) break;
      swap(keys, cols, i, j);
      i++; j--;
    }
    // Recurse into the smaller part, loop on the larger.
    if (j - lo < hi - j) { sortDescending(keys, cols, lo, j); lo = j + 1; }
    else { sortDescending(keys, cols, j + 1, hi); hi = j; }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const k = keys[i], c = cols[i];
    let j = i - 1;
    while (j >= lo && keys[j] < k) { keys[j + 1] = keys[j]; cols[j + 1] = cols[j]; j--; }
    keys[j + 1] = k; cols[j + 1] = c;
  }
}

function swap(keys: Float64Array, cols: Int32Array, a: number, b: number): void {
  const k = keys[a]; keys[a] = keys[b]; keys[b] = k;
  const c = cols[a]; cols[a] = cols[b]; cols[b] = c;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
