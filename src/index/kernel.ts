import type { CompiledMethodology } from './methodology.js';

/**
 * The core kernel: normalise -> aggregate -> rank, over typed arrays, for every column at once.
 * A column is one economy in one slice (a data year, or a Monte Carlo scenario); slices are contiguous
 * runs of `sliceLength` columns. Data-dependent normalisations (minmax, zscore, rank) and ranks are
 * computed within each slice, over the columns marked in `include`. No per-row objects in the loops.
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
  /** Missing children: renormalise the other weights (true) or make the parent missing (false). */
  renormalise: boolean;
  /** Override of each leaf's normalisation method code (sensitivity analysis); default: the methodology's. */
  methods?: Uint8Array;
}

export interface KernelOutput {
  /** scores[entry * columns + column]: leaves normalised to [0, 1] (zscore aside), nodes and root aggregated (0..1, before the scale). */
  scores: Float64Array;
  /** ranks[(entry - firstNode) * columns + column] for every node and the root: 1 = best; 0 = not ranked. */
  ranks: Int32Array;
}

export function runKernel(input: KernelInput): KernelOutput {
  const { m, values, columns: C, sliceLength: S, include } = input;
  const L = m.firstNode, N = m.parent.length;
  const weight = input.weights ?? m.weight;
  const methods = input.methods ?? m.method;
  if (values.length !== L * C) throw new Error(`kernel: ${values.length} values for ${L} leaves x ${C} columns`);
  if (C % S !== 0) throw new Error('kernel: columns must be a whole number of slices');
  const scores = new Float64Array(N * C);
  const acc = new Float64Array(N * C), wsum = new Float64Array(N * C), missing = new Uint8Array(N * C);

  for (let k = 0; k < L; k++) normaliseLeaf(methods[k], m.p1[k], m.p2[k], m.direction[k], m.logScale[k], values, scores, k * C, C, S, include);

  // Entries are ordered children before parents: finalise each node when reached, then push it up.
  for (let e = 0; e < N; e++) {
    const base = e * C;
    if (e >= L) {
      const geometric = m.geometric[e] === 1;
      for (let c = 0; c < C; c++) {
        const w = wsum[base + c];
        scores[base + c] = (!input.renormalise && missing[base + c]) || w === 0 ? NaN : geometric ? Math.exp(acc[base + c] / w) : acc[base + c] / w;
      }
    }
    const p = m.parent[e];
    const w = weight[e];
    if (p < 0 || w === 0) continue;
    const pb = p * C;
    if (m.geometric[p] === 1) {
      for (let c = 0; c < C; c++) {
        const x = scores[base + c];
        if (Number.isNaN(x)) missing[pb + c] = 1;
        else { acc[pb + c] += w * Math.log(x); wsum[pb + c] += w; }
      }
    } else {
      for (let c = 0; c < C; c++) {
        const x = scores[base + c];
        if (Number.isNaN(x)) missing[pb + c] = 1;
        else { acc[pb + c] += w * x; wsum[pb + c] += w; }
      }
    }
  }

  const ranks = new Int32Array((N - L) * C);
  for (let e = L; e < N; e++) rankSlices(scores, e * C, ranks, (e - L) * C, C, S, include);
  return { scores, ranks };
}

/** One leaf over all columns: ratio, log-ratio, goalposts (fixed parameters) or minmax, zscore, rank (per slice). */
function normaliseLeaf(method: number, p1: number, p2: number, direction: number, logScale: number,
  values: Float64Array, out: Float64Array, base: number, C: number, S: number, include: Uint8Array): void {
  switch (method) {
    case 0: // ratio: value / reference, within [0, 1]
      for (let c = 0; c < C; c++) out[base + c] = clamp01(values[base + c] / p1);
      return;
    case 1: // log-ratio: log10(value) / log10(reference), within [0, 1]
      for (let c = 0; c < C; c++) {
        const x = values[base + c];
        out[base + c] = Number.isNaN(x) ? NaN : x <= 1 ? 0 : clamp01(Math.log10(x) / p1);
      }
      return;
    case 2: { // goalposts, optionally on log10 values; direction -1 when lower is better
      const span = p2 - p1;
      for (let c = 0; c < C; c++) {
        let x = values[base + c];
        if (logScale) x = x > 0 ? Math.log10(x) : Number.isNaN(x) ? NaN : -Infinity;
        const t = clamp01((x - p1) / span);
        out[base + c] = direction < 0 && !Number.isNaN(t) ? 1 - t : t;
      }
      return;
    }
    default:
      for (let s = 0; s < C; s += S) normaliseSlice(method, direction, values, out, base + s, s, S, include);
  }
}

function normaliseSlice(method: number, direction: number, values: Float64Array, out: Float64Array, base: number, col0: number, S: number, include: Uint8Array): void {
  let n = 0, sum = 0, sum2 = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < S; i++) {
    const x = values[base + i];
    if (Number.isNaN(x) || !include[col0 + i]) continue;
    n++; sum += x; sum2 += x * x;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (method === 3) { // minmax over the slice
    const span = hi - lo;
    for (let i = 0; i < S; i++) {
      const x = values[base + i];
      const t = Number.isNaN(x) ? NaN : span > 0 ? clamp01((x - lo) / span) : 1;
      out[base + i] = direction < 0 && !Number.isNaN(t) ? 1 - t : t;
    }
  } else if (method === 4) { // zscore over the slice
    const mean = sum / n, sd = Math.sqrt(Math.max(0, sum2 / n - mean * mean));
    for (let i = 0; i < S; i++) {
      const x = values[base + i];
      out[base + i] = Number.isNaN(x) ? NaN : sd > 0 ? direction * (x - mean) / sd : 0;
    }
  } else { // rank: (r - 1) / (n - 1), ties sharing their average rank
    const idx: number[] = [];
    for (let i = 0; i < S; i++) if (!Number.isNaN(values[base + i]) && include[col0 + i]) idx.push(i);
    idx.sort((a, b) => values[base + a] - values[base + b]);
    for (let i = 0; i < S; i++) out[base + i] = NaN;
    for (let a = 0; a < idx.length;) {
      let b = a;
      while (b + 1 < idx.length && values[base + idx[b + 1]] === values[base + idx[a]]) b++;
      const t = idx.length > 1 ? (a + b) / 2 / (idx.length - 1) : 1;
      for (let k = a; k <= b; k++) out[base + idx[k]] = direction < 0 ? 1 - t : t;
      a = b + 1;
    }
    for (let i = 0; i < S; i++) if (!include[col0 + i] && !Number.isNaN(values[base + i])) out[base + i] = NaN;
  }
}

/** Competition ranks (1, 2, 2, 4) by descending unrounded score within each slice; ties share the better rank. */
function rankSlices(scores: Float64Array, base: number, ranks: Int32Array, rbase: number, C: number, S: number, include: Uint8Array): void {
  const idx = new Int32Array(S);
  for (let s = 0; s < C; s += S) {
    let n = 0;
    for (let i = 0; i < S; i++) if (include[s + i] && !Number.isNaN(scores[base + s + i])) idx[n++] = i;
    const sorted = idx.subarray(0, n).sort((a, b) => scores[base + s + b] - scores[base + s + a]);
    for (let k = 0; k < n; k++) {
      const i = sorted[k];
      ranks[rbase + s + i] = k > 0 && scores[base + s + i] === scores[base + s + sorted[k - 1]] ? ranks[rbase + s + sorted[k - 1]] : k + 1;
    }
  }
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
