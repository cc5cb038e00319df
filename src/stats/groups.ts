/**
 * Group aggregates over a dense economies x years panel (typed arrays, NaN = missing): count, sum, mean,
 * median, weighted mean, min and max for each group and year, in one pass per statistic. The IDI tables,
 * the price-basket medians and the report all call this one kernel.
 */
export const GROUP_STATS = ['count', 'sum', 'mean', 'median', 'weighted-mean', 'min', 'max'] as const;
export type GroupStat = (typeof GROUP_STATS)[number];

export interface PanelValues {
  /** Economy-major: values[e * nYears + y]; NaN where there is no value. */
  values: Float64Array;
  nEconomies: number;
  nYears: number;
}

export interface GroupAggregateOptions {
  /** Group index of each economy (-1: in no group). */
  group: Int32Array;
  nGroups: number;
  stats: readonly GroupStat[];
  /** Weights in the panel's shape (e.g. population), for `weighted-mean`; a cell without a weight is left out. */
  weights?: Float64Array;
  /**
   * A balanced panel: only economies with a value in every year in which any economy has one (ITU's rule
   * for its historical price medians). The kept economies are returned in `included`.
   */
  balanced?: boolean;
}

export interface GroupAggregates {
  /** Each statistic as a groups x years array: out[g * nYears + y] (NaN for an empty cell). */
  stats: Partial<Record<GroupStat, Float64Array>>;
  /** Economies that entered the aggregates (all with a group when not balanced). */
  included: Uint8Array;
}

export function aggregateByGroup(panel: PanelValues, opts: GroupAggregateOptions): GroupAggregates {
  const { values, nEconomies: nE, nYears: nY } = panel;
  const { group, nGroups: nG, weights } = opts;
  if (values.length !== nE * nY) throw new Error(`panel has ${values.length} cells, expected ${nE} x ${nY}`);
  if (group.length !== nE) throw new Error(`group has ${group.length} entries, expected ${nE}`);
  if (weights && weights.length !== values.length) throw new Error("weights must have the panel's shape");

  const included = new Uint8Array(nE);
  for (let e = 0; e < nE; e++) included[e] = group[e] >= 0 && group[e] < nG ? 1 : 0;
  if (opts.balanced) {
    const yearHasData = new Uint8Array(nY);
    for (let e = 0; e < nE; e++) for (let y = 0; y < nY; y++) if (!Number.isNaN(values[e * nY + y])) yearHasData[y] = 1;
    for (let e = 0; e < nE; e++) {
      if (!included[e]) continue;
      for (let y = 0; y < nY; y++)
        if (yearHasData[y] && Number.isNaN(values[e * nY + y])) {
          included[e] = 0;
          break;
        }
    }
  }

  const cells = nG * nY;
  const count = new Float64Array(cells),
    sum = new Float64Array(cells);
  const min = new Float64Array(cells).fill(Infinity),
    max = new Float64Array(cells).fill(-Infinity);
  const wsum = new Float64Array(cells),
    wxsum = new Float64Array(cells);
  for (let e = 0; e < nE; e++) {
    if (!included[e]) continue;
    const g = group[e];
    for (let y = 0; y < nY; y++) {
      const x = values[e * nY + y];
      if (Number.isNaN(x)) continue;
      const c = g * nY + y;
      count[c]++;
      sum[c] += x;
      if (x < min[c]) min[c] = x;
      if (x > max[c]) max[c] = x;
      if (weights) {
        const w = weights[e * nY + y];
        if (!Number.isNaN(w)) {
          wsum[c] += w;
          wxsum[c] += w * x;
        }
      }
    }
  }

  const out: GroupAggregates['stats'] = {};
  const empty = (a: Float64Array): Float64Array => {
    for (let c = 0; c < cells; c++) if (count[c] === 0) a[c] = NaN;
    return a;
  };
  for (const s of opts.stats) {
    switch (s) {
      case 'count':
        out.count = count;
        break;
      case 'sum':
        out.sum = empty(sum.slice());
        break;
      case 'mean':
        out.mean = empty(sum.map((v, c) => v / count[c]));
        break;
      case 'min':
        out.min = empty(min);
        break;
      case 'max':
        out.max = empty(max);
        break;
      case 'weighted-mean':
        if (!weights) throw new Error('weighted-mean needs weights');
        out['weighted-mean'] = wxsum.map((v, c) => (wsum[c] > 0 ? v / wsum[c] : NaN));
        break;
      case 'median':
        out.median = groupMedians(panel, group, nG, included, count);
        break;
    }
  }
  return { stats: out, included };
}

/** Medians per group and year: values bucketed by group (a counting sort), then each bucket sorted. */
function groupMedians(panel: PanelValues, group: Int32Array, nG: number, included: Uint8Array, count: Float64Array): Float64Array {
  const { values, nEconomies: nE, nYears: nY } = panel;
  const out = new Float64Array(nG * nY).fill(NaN);
  const start = new Int32Array(nG + 1);
  const bucket = new Float64Array(nE);
  const fill = new Int32Array(nG);
  for (let y = 0; y < nY; y++) {
    for (let g = 0; g < nG; g++) start[g + 1] = start[g] + count[g * nY + y];
    fill.fill(0);
    for (let e = 0; e < nE; e++) {
      if (!included[e]) continue;
      const x = values[e * nY + y];
      if (Number.isNaN(x)) continue;
      const g = group[e];
      bucket[start[g] + fill[g]++] = x;
    }
    for (let g = 0; g < nG; g++) {
      const n = start[g + 1] - start[g];
      if (n === 0) continue;
      const seg = bucket.subarray(start[g], start[g + 1]).sort();
      out[g * nY + y] = n % 2 ? seg[(n - 1) / 2] : (seg[n / 2 - 1] + seg[n / 2]) / 2;
    }
  }
  return out;
}
