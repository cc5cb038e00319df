/**
 * Group figures as ITU computes them: each economy's value times its denominator population is a count, counts
 * are summed over the group and divided by the group's (covered) population; beside every figure the shares of
 * the group's population whose value is reported, an ITU estimate, ours, or missing. All sums run through the
 * group kernel (`stats/groups.ts`), over economy-major typed arrays.
 */
import { aggregateByGroup } from '../stats/groups.js';
import { KIND, type CountryEstimates } from './country.js';

/** A grouping as group indices per economy (-1: in no group), with the groups' names. */
export interface GroupAssignment {
  grouping: string;
  names: readonly string[];
  group: Int32Array;
}

export interface AggregateOptions {
  /** Values are per `scale` people: count = value x population / scale. */
  scale: number;
  /** Below this share of the group's population with a value in the inputs, a figure is a nowcast. */
  minInputShare: number;
}

/** One column per field, one entry per (grouping, group, year), grouping-major then group then year. */
export interface GroupEstimates {
  grouping: string[];
  group: string[];
  year: Int16Array;
  /** Population-weighted: sum of counts / covered population x scale. */
  value: Float64Array;
  /** The plain mean over the economies (for comparison: not ITU's figure). */
  unweightedMean: Float64Array;
  min: Float64Array;
  max: Float64Array;
  /** Economies with a value and a population. */
  economies: Int32Array;
  /** Sum of value x population / scale (people online, subscriptions). */
  count: Float64Array;
  /** Covered population minus the count (people offline), for shares. */
  complement: Float64Array;
  /** Growth of the count over the previous year, %. */
  growthPct: Float64Array;
  /** The group's denominator population (every member with a population) and the part with a value. */
  population: Float64Array;
  coveredPopulation: Float64Array;
  reportedShare: Float64Array;
  ituEstimateShare: Float64Array;
  ourEstimateShare: Float64Array;
  /** ITU's and our estimates together: how much of the figure rests on estimated values. */
  estimatedShare: Float64Array;
  missingShare: Float64Array;
  nowcast: Uint8Array;
}

export function aggregateEstimates(
  est: CountryEstimates,
  denominator: Float64Array,
  assignments: readonly GroupAssignment[],
  opts: AggregateOptions,
): GroupEstimates {
  const nE = est.economies.length,
    nY = est.nYears,
    cells = nE * nY;
  if (denominator.length !== cells) throw new Error(`denominator has ${denominator.length} cells, expected ${nE} x ${nY}`);
  // Only cells with both a value and a population enter; the kinds' populations are summed as values.
  const values = new Float64Array(cells),
    counts = new Float64Array(cells),
    pop = new Float64Array(cells);
  const byKind = [KIND.reported, KIND.ituEstimate, KIND.ourEstimate].map(() => new Float64Array(cells).fill(NaN));
  for (let c = 0; c < cells; c++) {
    const w = denominator[c],
      x = est.values[c];
    pop[c] = Number.isFinite(w) ? w : NaN;
    const ok = Number.isFinite(w) && !Number.isNaN(x);
    values[c] = ok ? x : NaN;
    counts[c] = ok ? (x * w) / opts.scale : NaN;
    if (ok && est.kind[c] < byKind.length) byKind[est.kind[c]][c] = w;
  }
  const total = assignments.reduce((n, a) => n + a.names.length * nY, 0);
  const out: GroupEstimates = {
    grouping: new Array(total),
    group: new Array(total),
    year: new Int16Array(total),
    value: new Float64Array(total),
    unweightedMean: new Float64Array(total),
    min: new Float64Array(total),
    max: new Float64Array(total),
    economies: new Int32Array(total),
    count: new Float64Array(total),
    complement: new Float64Array(total),
    growthPct: new Float64Array(total),
    population: new Float64Array(total),
    coveredPopulation: new Float64Array(total),
    reportedShare: new Float64Array(total),
    ituEstimateShare: new Float64Array(total),
    ourEstimateShare: new Float64Array(total),
    estimatedShare: new Float64Array(total),
    missingShare: new Float64Array(total),
    nowcast: new Uint8Array(total),
  };
  const panel = (v: Float64Array) => ({ values: v, nEconomies: nE, nYears: nY });
  const zero = (x: number): number => (Number.isNaN(x) ? 0 : x);
  let o = 0;
  for (const a of assignments) {
    const g = { group: a.group, nGroups: a.names.length };
    const main = aggregateByGroup(panel(values), { ...g, stats: ['weighted-mean', 'mean', 'min', 'max', 'count'], weights: pop }).stats;
    const sum = (v: Float64Array): Float64Array => aggregateByGroup(panel(v), { ...g, stats: ['sum'] }).stats.sum!;
    const cnt = sum(counts),
      popAll = sum(pop),
      [rep, itu, ours] = byKind.map(sum);
    for (let k = 0; k < a.names.length; k++)
      for (let y = 0; y < nY; y++, o++) {
        const c = k * nY + y;
        const P = zero(popAll[c]),
          covered = zero(rep[c]) + zero(itu[c]) + zero(ours[c]);
        out.grouping[o] = a.grouping;
        out.group[o] = a.names[k];
        out.year[o] = est.firstYear + y;
        out.value[o] = main['weighted-mean']![c];
        out.unweightedMean[o] = main.mean![c];
        out.min[o] = main.min![c];
        out.max[o] = main.max![c];
        out.economies[o] = main.count![c];
        out.count[o] = covered > 0 ? cnt[c] : NaN;
        out.complement[o] = covered > 0 ? covered - cnt[c] : NaN;
        out.growthPct[o] = y > 0 && cnt[c - 1] > 0 && covered > 0 ? (cnt[c] / cnt[c - 1] - 1) * 100 : NaN;
        out.population[o] = P;
        out.coveredPopulation[o] = covered;
        const share = (x: number): number => (P > 0 ? zero(x) / P : NaN);
        out.reportedShare[o] = share(rep[c]);
        out.ituEstimateShare[o] = share(itu[c]);
        out.ourEstimateShare[o] = share(ours[c]);
        out.estimatedShare[o] = share(zero(itu[c]) + zero(ours[c]));
        out.missingShare[o] = share(P - covered);
        out.nowcast[o] = P > 0 && (zero(rep[c]) + zero(itu[c])) / P < opts.minInputShare ? 1 : 0;
      }
  }
  return out;
}
