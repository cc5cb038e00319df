/**
 * World and regional estimates (ITU Facts and Figures): country estimates for every economy and year, then the
 * population-weighted group figures with their estimated shares. Pure: the data, the registries and the
 * estimates file come in as arguments.
 */
import { Table, makeVector, vectorFromArray, Utf8, type Vector } from 'apache-arrow';
import type { Grouping, Groupings } from '../registry/groupings.js';
import type { IndicatorRegistry } from '../registry/indicators.js';
import type { ReportTable } from '../table/report-table.js';
import { aggregateEstimates, type GroupAssignment, type GroupEstimates } from './aggregate.js';
import { indicatorSpec, type EstimatesConfig, type IndicatorEstimateSpec } from './config.js';
import { KIND_NAMES, estimateCountries, type CountryEstimates } from './country.js';
import { DENOMINATOR_SERIES, denominatorPanel } from './population.js';
import { CELL_NAMES } from '../idi/imputation/index.js';

export { aggregateEstimates, type AggregateOptions, type GroupAssignment, type GroupEstimates } from './aggregate.js';
export {
  checkEstimatesConfig,
  indicatorSpec,
  loadEstimatesConfig,
  type EstimatesConfig,
  type IndicatorEstimateSpec,
  type WorldBankCode,
  type WorldBankMembershipKind,
} from './config.js';
export { KIND, KIND_NAMES, auxiliarySeries, estimateCountries, type CountryEstimateOptions, type CountryEstimates } from './country.js';
export { ituEstimateMask, marksItuEstimate } from './flags.js';
export { DENOMINATOR_SERIES, denominatorPanel } from './population.js';

/** The series an indicator's estimates read: itself, predictors, marker series, denominators, GNI. */
export function seriesNeeded(config: EstimatesConfig, indicator: string, aux: readonly string[]): string[] {
  const spec = indicatorSpec(config, indicator);
  return [...new Set([indicator, ...aux, ...(spec.estimateFlagFrom ?? []), ...DENOMINATOR_SERIES[spec.denominator]])];
}

/** Group indices per economy for a grouping; `world` is every economy in one group. */
export function assignGroups(grouping: Grouping | 'world', economies: readonly string[], worldName: string): GroupAssignment {
  if (grouping === 'world') return { grouping: 'world', names: [worldName], group: new Int32Array(economies.length) };
  const names = [...new Set(grouping.groups.values())].sort();
  const index = new Map(names.map((n, k) => [n, k]));
  return { grouping: grouping.id, names, group: Int32Array.from(economies, (e) => index.get(grouping.groups.get(e) ?? '') ?? -1) };
}

export interface EstimatesInput {
  table: Table;
  indicator: string;
  from: number;
  to: number;
  economies: readonly string[];
  /** Groupings to aggregate over: 'world' or a grouping. */
  groupings: readonly (Grouping | 'world')[];
  config: EstimatesConfig;
  registry: IndicatorRegistry;
  /** The registry's groupings (hot-deck reads its regions there). */
  allGroupings: Groupings;
  /** Override the file's look-ahead (0: nothing after each year enters). */
  lookAhead?: number;
}

export interface Estimates {
  spec: IndicatorEstimateSpec;
  lookAhead: number;
  countries: CountryEstimates;
  /** Denominator population, economy-major like the country values. */
  denominator: Float64Array;
  groups: GroupEstimates;
}

/** Country estimates over [from - 1, to] (the year before gives the first year's growth), then the group figures over [from, to]. */
export function computeEstimates(i: EstimatesInput): Estimates {
  const spec = indicatorSpec(i.config, i.indicator);
  const lookAhead = i.lookAhead ?? i.config.lookAhead.value;
  const first = i.from - 1;
  const countries = estimateCountries({
    table: i.table,
    indicator: i.indicator,
    economies: i.economies,
    firstYear: first,
    lastYear: i.to,
    steps: spec.imputation,
    lookAhead,
    auxiliaryLatestWithin: i.config.auxiliaryLatestWithin.value,
    marker: i.config.ituEstimate,
    estimateFlagFrom: spec.estimateFlagFrom,
    groupings: i.allGroupings,
    registry: i.registry,
  });
  const denominator = denominatorPanel(i.table, i.economies, first, i.to, spec.denominator, i.config.population10plus.under10ShareOf0to14);
  const all = aggregateEstimates(
    countries,
    denominator,
    i.groupings.map((g) => assignGroups(g, i.economies, i.config.groupings.world)),
    {
      scale: spec.scale ?? 100,
      minInputShare: i.config.nowcast.minInputShare,
    },
  );
  return { spec, lookAhead, countries, denominator, groups: dropFirstYear(all, first) };
}

/** The group figures without the extra first year (kept only for growth). */
function dropFirstYear(g: GroupEstimates, first: number): GroupEstimates {
  const keep: number[] = [];
  for (let o = 0; o < g.year.length; o++) if (g.year[o] !== first) keep.push(o);
  const pick = <T extends Float64Array | Int32Array | Int16Array | Uint8Array | string[]>(a: T): T =>
    (Array.isArray(a) ? keep.map((o) => a[o]) : new (a.constructor as new (xs: number[]) => T)(keep.map((o) => (a as Float64Array)[o]))) as T;
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(g)) out[k] = pick(v as Float64Array);
  return out as unknown as GroupEstimates;
}

/** The columns of the group figures, in the order every output uses (CSV, JSON, Arrow, the report). */
export const GROUP_COLUMNS = [
  ['grouping', 'text'],
  ['group', 'text'],
  ['year', 'integer'],
  ['value', 'number'],
  ['count', 'number'],
  ['complement', 'number'],
  ['growth_pct', 'number'],
  ['population', 'number'],
  ['covered_population', 'number'],
  ['economies', 'integer'],
  ['reported_share', 'number'],
  ['itu_estimate_share', 'number'],
  ['our_estimate_share', 'number'],
  ['estimated_share', 'number'],
  ['missing_share', 'number'],
  ['nowcast', 'text'],
  ['unweighted_mean', 'number'],
  ['min', 'number'],
  ['max', 'number'],
] as const;

const FIELD: Record<string, keyof GroupEstimates> = {
  grouping: 'grouping',
  group: 'group',
  year: 'year',
  value: 'value',
  count: 'count',
  complement: 'complement',
  growth_pct: 'growthPct',
  population: 'population',
  covered_population: 'coveredPopulation',
  economies: 'economies',
  reported_share: 'reportedShare',
  itu_estimate_share: 'ituEstimateShare',
  our_estimate_share: 'ourEstimateShare',
  estimated_share: 'estimatedShare',
  missing_share: 'missingShare',
  nowcast: 'nowcast',
  unweighted_mean: 'unweightedMean',
  min: 'min',
  max: 'max',
};

/** The group figures as a report table (one row per grouping, group and year). */
export function groupEstimatesTable(e: Estimates, indicator: { id: string; name: string; unit: string }, notes: string[]): ReportTable {
  const g = e.groups;
  const rows = Array.from(g.year, (_, o) => {
    const r: Record<string, string | number | null> = {};
    for (const [key] of GROUP_COLUMNS) {
      const v = (g[FIELD[key]] as ArrayLike<number | string>)[o];
      r[key] = key === 'nowcast' ? (v ? 'nowcast' : '') : key === 'complement' && !e.spec.complement ? null : (v as number | string);
    }
    return r;
  });
  const label: Record<string, string> = { value: `${indicator.name} (${indicator.unit})`, count: e.spec.count, complement: e.spec.complement ?? 'complement' };
  return {
    id: `estimates-${indicator.id}`,
    title: `${indicator.name}: world, regional and group estimates`,
    sheet: 'estimates',
    columns: GROUP_COLUMNS.map(([key, type]) => ({
      key,
      label: label[key] ?? key.replace(/_/g, ' '),
      type,
      ...(type === 'number'
        ? {
            decimals: key.endsWith('share')
              ? 3
              : key === 'value' || key === 'unweighted_mean' || key === 'min' || key === 'max' || key === 'growth_pct'
                ? 1
                : 0,
          }
        : {}),
    })),
    rows,
    notes,
  };
}

/** The group figures as an Arrow table straight from the typed columns. */
export function groupEstimatesArrow(e: Estimates): Table {
  const g = e.groups;
  const cols: Record<string, Vector> = {};
  for (const [key] of GROUP_COLUMNS) {
    const v = g[FIELD[key]];
    cols[key] =
      key === 'nowcast' ? makeVector(Uint8Array.from(v as Uint8Array)) : Array.isArray(v) ? vectorFromArray(v, new Utf8()) : makeVector(v as Float64Array);
  }
  return new Table(cols);
}

/** One row per economy and year: value, kind (reported / ITU estimate / our estimate / missing), method, its sentence and inputs (JSON). */
export function countryEstimateRows(
  e: Estimates,
  from: number,
): Array<{ economy: string; year: number; value: number | null; kind: string; method: string; detail: string; inputs: string; denominator: number | null }> {
  const c = e.countries,
    out = [];
  for (let k = 0; k < c.economies.length; k++)
    for (let y = 0; y < c.nYears; y++) {
      const cell = k * c.nYears + y,
        year = c.firstYear + y;
      if (year < from) continue;
      const v = c.values[cell],
        d = e.denominator[cell];
      out.push({
        economy: c.economies[k],
        year,
        value: Number.isNaN(v) ? null : v,
        kind: KIND_NAMES[c.kind[cell]],
        method: c.kind[cell] === 2 ? CELL_NAMES[c.method[cell]] : '',
        detail: c.records.get(cell)?.detail ?? '',
        inputs: c.records.has(cell) ? JSON.stringify(c.records.get(cell)!.inputs) : '',
        denominator: Number.isFinite(d) ? d : null,
      });
    }
  return out;
}
