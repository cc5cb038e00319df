import type { CompiledMethodology } from './methodology.js';
import { aggregateColumns } from './fused.js';
import { NORMALISATIONS, isFixedNormalisation, normalisationByCode, transformFlags, type FixedNormalisation } from './normalisations/index.js';
import { sortDescending } from './sort.js';

/**
 * The core kernel: normalise -> aggregate -> rank, over typed arrays, for every column at once.
 * A column is one economy in one slice (a data year, or a Monte Carlo scenario); slices are contiguous
 * runs of `sliceLength` columns. Data-dependent normalisations (minmax, zscore, rank) and ranks are
 * computed within each slice, over the columns marked in `include`. Weights and normalisation methods
 * may differ per slice (scenarios). No per-row objects and no comparator callbacks in the loops.
 */
export interface KernelInput {
  m: CompiledMethodology;
  /** Leaf-major raw values: values[leaf * columns + column]; NaN = missing. Not needed with `prenormalised`. */
  values?: Float64Array;
  /**
   * Leaves already normalised and shared between slices (Monte Carlo scenarios reuse a few normalised
   * sets): slice s reads leaf k, column i at bank[sliceOffset[s] + k * sliceLength + i]. Replaces `values`
   * and the normalisation; nothing is copied.
   */
  prenormalised?: { bank: Float64Array; sliceOffset: Int32Array };
  columns: number;
  sliceLength: number;
  /** 1 = the column takes part (in ranks and in data-dependent normalisations); `sliceLength` long = the same for every slice. */
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
  /** Which scores to return: every entry's (default) or only the index's (then `scores` holds just the root row, scores[column]). */
  keep?: 'all' | 'root';
}

export interface KernelOutput {
  /** scores[entry * columns + column]: leaves normalised to [0, 1] (zscore aside), nodes and root aggregated (0..1, before the scale); with keep 'root' only the root: scores[column]. */
  scores: Float64Array;
  /** ranks[(entry - firstNode) * columns + column] for the ranked nodes (only the root with rank 'root': ranks[column]): 1 = best; 0 = not ranked. */
  ranks: Int32Array;
}

/** Normalisation method codes by name, as compiled methodologies carry them per leaf (assigned by the registry). */
export const NORMALISATION_CODES: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, Object.fromEntries(NORMALISATIONS.map((m, code) => [m.name, code]))),
);

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

/** Scratch of the normalised leaves of one block (keep 'root'), reused between calls. */
let leafScratch = new Float64Array(0);

export function runKernel(input: KernelInput): KernelOutput {
  const { m, values, prenormalised: pre, columns: C, sliceLength: S, include } = input;
  const L = m.firstNode,
    N = m.parent.length;
  if ((values === undefined) === (pre === undefined)) throw new Error('kernel: give either values or prenormalised leaves');
  if (values && values.length !== L * C) throw new Error(`kernel: ${values.length} values for ${L} leaves x ${C} columns`);
  if (C % S !== 0) throw new Error('kernel: columns must be a whole number of slices');
  const nSlices = C / S;
  if (pre && pre.sliceOffset.length !== nSlices) throw new Error('kernel: prenormalised.sliceOffset must have one offset per slice');
  if (pre)
    for (let s = 0; s < nSlices; s++) {
      const o = pre.sliceOffset[s];
      if (!(o >= 0 && o + L * S <= pre.bank.length)) throw new Error(`kernel: slice ${s} reads the bank from ${o}, past its ${pre.bank.length} values`);
    }
  if (include.length !== C && include.length !== S) throw new Error('kernel: include must have one flag per column or per slice column');
  const sharedInclude = include.length !== C; // the same flags for every slice
  const sw = input.sliceWeights,
    baseWeights = input.weights ?? m.weight;
  if (sw && sw.length !== nSlices * N) throw new Error('kernel: sliceWeights must have slices x entries values');
  const sm = input.sliceMethods;
  if (sm && sm.length !== nSlices * L) throw new Error('kernel: sliceMethods must have slices x leaves values');

  const keepAll = input.keep !== 'root';
  const first = input.rank === 'root' ? N - 1 : L;
  if (!keepAll && first < N - 1) throw new Error("kernel: keep 'root' ranks only the root (rank: 'root')");
  const scores = new Float64Array((keepAll ? N : 1) * C);
  const ranks = new Int32Array((N - first) * C);
  const sortScratch = rankScratch(S);
  // Leaves with a fixed-parameter method are normalised inside the compiled aggregation, from the raw values;
  // the others (per-slice statistics, per-slice methods, a prenormalised bank) are normalised first.
  const inline = values && !sm ? Uint8Array.from(m.method, (code) => (isFixedNormalisation(code) ? 1 : 0)) : new Uint8Array(L);
  const aggregate = aggregateColumns(m, input.renormalise, keepAll, inline);
  const allInline = inline.every((b) => b === 1);

  // Blocks of whole slices, small enough that a block's normalised leaves stay in cache while they are
  // aggregated and the block's scores while they are ranked. Per column the arithmetic does not depend on
  // the block size.
  const slicesPerBlock = Math.max(1, Math.floor(BLOCK_COLUMNS / S)),
    B = slicesPerBlock * S;
  // Where a block's normalised leaves go: into the output (keep 'all': they are returned) or a scratch.
  if (!keepAll && !pre && !allInline && leafScratch.length < L * B) leafScratch = new Float64Array(L * B);
  const leaves = keepAll ? scores : leafScratch,
    stride = keepAll ? C : B;
  for (let b0 = 0; b0 < C; b0 += B) {
    const bc = Math.min(B, C - b0),
      s0 = b0 / S,
      s1 = s0 + bc / S;
    const off = keepAll ? b0 : 0; // leaves[k * stride + off + c] is leaf k, block column c
    if (values)
      for (let k = 0; k < L; k++) {
        if (inline[k] === 1) continue;
        if (!sm) normaliseLeaf(m.method[k], m, k, values, k * C + b0, leaves, k * stride + off, bc, S, include, sharedInclude ? -1 : b0);
        else
          for (let s = s0; s < s1; s++)
            normaliseLeaf(sm[s * L + k], m, k, values, k * C + s * S, leaves, k * stride + off + (s - s0) * S, S, S, include, sharedInclude ? -1 : s * S);
      }
    else if (keepAll) {
      // prenormalised leaves are returned too: copy them into the output
      for (let s = s0; s < s1; s++)
        for (let k = 0; k < L; k++) scores.set(pre!.bank.subarray(pre!.sliceOffset[s] + k * S, pre!.sliceOffset[s] + (k + 1) * S), k * C + s * S);
    }
    for (let s = s0; s < s1; s++) {
      const readBank = pre !== undefined && !keepAll;
      const x = readBank ? pre.bank : leaves,
        xBase = readBank ? pre.sliceOffset[s] : off + (s - s0) * S,
        xStride = readBank ? S : stride;
      aggregate(values, s * S, C, x, xBase, xStride, sw ?? baseWeights, sw ? s * N : 0, scores, s * S, C, S);
    }
    for (let e = first; e < N; e++)
      rankSlices(scores, (keepAll ? e * C : 0) + b0, ranks, (e - first) * C + b0, bc, S, include, sharedInclude ? -1 : b0, sortScratch);
  }
  return { scores, ranks };
}

/**
 * One leaf over `count` columns: values[vbase + i] -> out[obase + i] (i < count): a fixed-parameter method through
 * its generated loop, a per-slice method slice by slice (S columns; include[col0 + i] says who takes part; col0 < 0:
 * include is one slice long, shared).
 */
function normaliseLeaf(
  method: number,
  m: CompiledMethodology,
  k: number,
  values: Float64Array,
  vbase: number,
  out: Float64Array,
  obase: number,
  count: number,
  S: number,
  include: Uint8Array,
  col0: number,
): void {
  const nm = normalisationByCode(method);
  if (nm.kind === 'fixed') {
    fixedLoop(method, nm, m.logScale[k], m.direction[k])(values, vbase, out, obase, count, m.p1[k], m.p2[k] - m.p1[k]);
    return;
  }
  for (let s = 0; s < count; s += S) nm.slice(m.direction[k], values, vbase + s, out, obase + s, col0 < 0 ? 0 : col0 + s, S, include);
}

type FixedLoop = (values: Float64Array, vbase: number, out: Float64Array, obase: number, count: number, p: number, q: number) => void;
const fixedLoops = new Map<string, FixedLoop>();

/** The loop of a fixed-parameter method, generated from the method's own statements (the ones the compiled aggregation inlines). */
function fixedLoop(code: number, nm: FixedNormalisation, transform: number, direction: number): FixedLoop {
  const key = `${code}:${transform}:${direction < 0 ? -1 : 1}`;
  let fn = fixedLoops.get(key);
  if (!fn) {
    const body = nm.statements({ ...transformFlags(transform), direction }, 'p', 'q');
    fn = new Function(
      'values',
      'vbase',
      'out',
      'obase',
      'count',
      'p',
      'q',
      `"use strict";\nfor (let i = 0; i < count; i++) { let v = values[vbase + i]; ${body} out[obase + i] = v; }`,
    ) as FixedLoop;
    fixedLoops.set(key, fn);
  }
  return fn;
}

/** The arrays rankSlices sorts in: one slice's keys and columns, a second copy, bucket ids and counts. */
interface RankScratch {
  keys: Float64Array;
  cols: Int32Array;
  keys2: Float64Array;
  cols2: Int32Array;
  bucket: Int32Array;
  counts: Int32Array;
}
const rankScratch = (S: number): RankScratch => ({
  keys: new Float64Array(S),
  cols: new Int32Array(S),
  keys2: new Float64Array(S),
  cols2: new Int32Array(S),
  bucket: new Int32Array(S),
  counts: new Int32Array(S),
});

/**
 * Competition ranks (1, 2, 2, 4) by descending unrounded score within each slice; ties share the better
 * rank. Each slice's scores are sorted with their column (typed arrays, no comparator callback) and the
 * ranks assigned in one walk of the sorted order.
 */
function rankSlices(
  scores: Float64Array,
  sbase: number,
  ranks: Int32Array,
  rbase: number,
  count: number,
  S: number,
  include: Uint8Array,
  col0: number,
  t: RankScratch,
): void {
  const { keys, cols } = t;
  for (let s = 0; s < count; s += S) {
    let n = 0,
      lo = Infinity,
      hi = -Infinity;
    const ib = col0 < 0 ? 0 : col0 + s; // include of column i: include[ib + i]
    for (let i = 0; i < S; i++) {
      const x = scores[sbase + s + i];
      if (include[ib + i] && x === x) {
        keys[n] = x;
        cols[n++] = i;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
    sortDescendingByBuckets(t, n, lo, hi);
    let rank = 0;
    for (let j = 0; j < n; j++) {
      if (j === 0 || keys[j] !== keys[j - 1]) rank = j + 1;
      ranks[rbase + s + cols[j]] = rank;
    }
  }
}

/**
 * Sort t.keys[0..n) descending, moving t.cols along, in about linear time: distribute the keys into n buckets
 * by value between lo and hi (floating-point scaling is monotonic, so the buckets come out in order), then one
 * insertion sort pass, which only moves keys within their bucket. The insertion pass compares the exact keys,
 * so the result is a correct sort whatever the distribution; if the keys bunch up (many moves), the quicksort
 * takes over.
 */
function sortDescendingByBuckets(t: RankScratch, n: number, lo: number, hi: number): void {
  const { keys, cols, keys2, cols2, bucket, counts } = t;
  const span = hi - lo;
  if (!(span > 0)) return; // fewer than two distinct keys: any order is sorted
  const scale = (n - 1) / span,
    top = n - 1;
  for (let b = 0; b < n; b++) counts[b] = 0;
  for (let j = 0; j < n; j++) {
    const b = top - (((keys[j] - lo) * scale) | 0); // highest keys first; |0 of NaN (infinite keys) is 0
    bucket[j] = b;
    counts[b]++;
  }
  for (let b = 0, sum = 0; b < n; b++) {
    const c = counts[b];
    counts[b] = sum;
    sum += c;
  }
  for (let j = 0; j < n; j++) {
    const p = counts[bucket[j]]++;
    keys2[p] = keys[j];
    cols2[p] = cols[j];
  }
  let budget = 8 * n;
  keys[0] = keys2[0];
  cols[0] = cols2[0];
  for (let i = 1; i < n; i++) {
    const k = keys2[i],
      c = cols2[i];
    let j = i - 1;
    if (keys[j] >= k) {
      keys[i] = k;
      cols[i] = c;
      continue;
    }
    while (j >= 0 && keys[j] < k) {
      keys[j + 1] = keys[j];
      cols[j + 1] = cols[j];
      j--;
    }
    keys[j + 1] = k;
    cols[j + 1] = c;
    budget -= i - 1 - j;
    if (budget < 0) {
      // bunched keys: hand the rest to the quicksort
      keys.set(keys2.subarray(i + 1, n), i + 1);
      cols.set(cols2.subarray(i + 1, n), i + 1);
      sortDescending(keys, cols, 0, n - 1);
      return;
    }
  }
}
