/**
 * World, regional and income-group estimates of an indicator from a data source: what `ictstat estimates`, the
 * library (`estimateAggregates`) and the API (`aggregatesForCode`, under World Bank aggregate codes) call.
 */
import {
  auxiliarySeries,
  computeEstimates,
  countryEstimateRows,
  groupEstimatesArrow,
  groupEstimatesTable,
  indicatorSpec,
  loadEstimatesConfig,
  seriesNeeded,
  type Estimates,
  type EstimatesConfig,
  type WorldBankMembershipKind,
} from '../estimates/index.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { loadGroupings, type Grouping, type Groupings } from '../registry/groupings.js';
import { loadIndicatorRegistry, type IndicatorDef, type IndicatorRegistry } from '../registry/indicators.js';
import { loadWorldBankRegistry } from '../registry/worldbank.js';
import type { ReportTable } from '../table/report-table.js';
import { UserInputError, invalidOption } from '../util/errors.js';
import { BUNDLED, describeSource, loadObservations, sourceVintage, type DataSource } from './data-source.js';
import type { Table } from 'apache-arrow';

export interface EstimatesRequest {
  /** Registry id or alias (ITU or World Bank code) of an indicator the estimates file covers. */
  indicator: string;
  /** One year, or a range with from/to. */
  year?: number;
  from?: number;
  to?: number;
  /** Grouping ids ('world' or any registry grouping); default: the estimates file's list. */
  groupings?: readonly string[];
  /** User groupings (e.g. from a CSV via loadGroupingCsv), aggregated beside the named ones. */
  userGroupings?: readonly Grouping[];
  source?: DataSource;
  /** Years after each year its estimates may read (default: the estimates file's; 0 = nothing later). */
  lookAhead?: number;
}

export interface EstimatesResult {
  indicator: IndicatorDef;
  from: number;
  to: number;
  estimates: Estimates;
  /** Where the numbers come from and the data vintage (bundled content hash, store date). */
  source: string;
  vintage: string;
  /** The method in sentences: denominators, assumptions, look-ahead, nowcast rule. */
  notes: string[];
  /** The group figures as a report table (CSV, Markdown, the report). */
  table: ReportTable;
  /** The group figures as Arrow columns. */
  arrow(): Table;
  /** One row per economy and year: value, reported / ITU estimate / our estimate / missing, method, detail. */
  countries(): ReturnType<typeof countryEstimateRows>;
}

export interface EstimatesDeps {
  registry?: IndicatorRegistry;
  groupings?: Groupings;
  config?: EstimatesConfig;
}

export async function estimateAggregates(r: EstimatesRequest, deps: EstimatesDeps = {}): Promise<EstimatesResult> {
  const registry = deps.registry ?? loadIndicatorRegistry();
  const allGroupings = deps.groupings ?? loadGroupings();
  const config = deps.config ?? loadEstimatesConfig(registry);
  const def = registry.resolve(r.indicator);
  const spec = indicatorSpec(config, def.id);
  const from = r.from ?? r.year,
    to = r.to ?? r.year ?? r.from;
  if (from === undefined || to === undefined) throw new UserInputError('give a year, or a range with from and to', { code: 'missing-option', field: 'year' });
  if (from > to) throw invalidOption('from', from, (n) => `${n} ${from} is after the last year ${to}`);
  if (to - from > 60) throw invalidOption('to', to, (n) => `${n}: at most 60 years at once`);
  if (r.lookAhead !== undefined && !(Number.isInteger(r.lookAhead) && r.lookAhead >= 0 && r.lookAhead <= 20))
    throw invalidOption('lookAhead', r.lookAhead, (n) => `${n} must be a whole number of years from 0 to 20`);
  const ids = [...(r.groupings ?? config.groupings.default)];
  const groupings = [...ids.map((id) => (id.toLowerCase() === 'world' ? ('world' as const) : allGroupings.get(id))), ...(r.userGroupings ?? [])];
  const source = r.source ?? BUNDLED;
  const table = await loadObservations(source, seriesNeeded(config, def.id, auxiliarySeries(def.id, spec.imputation)));
  const economies = loadEconomyRegistry()
    .all()
    .map((e) => e.iso3);
  const estimates = computeEstimates({ table, indicator: def.id, from, to, economies, groupings, config, registry, allGroupings, lookAhead: r.lookAhead });
  const vintage = sourceVintage(source);
  const notes = estimateNotes(config, estimates, def, vintage);
  return {
    indicator: def,
    from,
    to,
    estimates,
    source: describeSource(source),
    vintage,
    notes,
    table: groupEstimatesTable(estimates, def, notes),
    arrow: () => groupEstimatesArrow(estimates),
    countries: () => countryEstimateRows(estimates, from),
  };
}

function estimateNotes(c: EstimatesConfig, e: Estimates, def: IndicatorDef, vintage: string): string[] {
  const steps = e.spec.imputation.map((s) => s.method + (s.method === 'trend' ? ` (${s.model})` : '')).join(', then ');
  return [
    `data: ${vintage}`,
    `value = sum over the group of ${def.id} x ${e.spec.denominator === 'population10plus' ? 'population aged 10 and over' : 'population'} / sum of that population (ITU's method, ${c.source})`,
    ...(e.spec.denominator === 'population10plus' ? [`assumption (ours): ${c.population10plus.assumption}`] : []),
    `economies without a value are estimated first: ${steps}; estimates may read ${e.lookAhead} year(s) after their year`,
    'kept apart: reported values, ITU estimates (source or note "ITU estimate..."), our estimates; reported_share + itu_estimate_share + our_estimate_share + missing_share = 1 of the group\'s population',
    `nowcast: less than ${c.nowcast.minInputShare * 100} % of the group's population has a value in the inputs for that year (${c.nowcast.source})`,
    'each edition re-estimates the past: a figure is comparable only within one data vintage and one set of group memberships',
  ];
}

/** What a World Bank aggregate code stands for: the grouping and group its figures are in (one of ours, or one made of the World Bank's membership). */
export interface WorldBankAggregate {
  /** The World Bank code (WLD also for 1W). */
  code: string;
  grouping: string;
  group: string;
  note?: string;
  /** For a code defined by World Bank membership: the one-group grouping of its members. */
  userGrouping?: Grouping;
}

/**
 * A World Bank aggregate code (WLD or 1W, HIC, SSF, EAP, IDA, TEA, ...) as the estimates file maps it: a group of
 * one of our groupings, or the World Bank's own membership (CLASS FY2024) made into a one-group grouping.
 */
export function worldBankAggregate(code: string, config: EstimatesConfig = loadEstimatesConfig(loadIndicatorRegistry())): WorldBankAggregate {
  const wb = loadWorldBankRegistry();
  const key = wb.aggregate(code)?.code ?? code.trim().toUpperCase();
  const hit = Object.hasOwn(config.worldBankCodes.codes, key) ? config.worldBankCodes.codes[key] : undefined;
  if (!hit)
    throw new UserInputError(`no estimates for the aggregate code "${code}"; codes: ${Object.keys(config.worldBankCodes.codes).join(', ')}`, {
      code: 'unknown-aggregate',
      field: 'code',
      value: code,
    });
  if (!('members' in hit)) return { code: key, grouping: hit.grouping, group: hit.group, note: hit.note };
  // Economies in every listed kind, any of the codes within a kind.
  let members: Set<string> | undefined;
  for (const [kind, codes] of Object.entries(hit.members) as Array<[WorldBankMembershipKind, string[]]>) {
    const inKind = new Set<string>();
    for (const c of codes) {
      const list = wb.members(kind, c);
      if (!list)
        throw new UserInputError(`the estimates file maps ${key} to ${kind} "${c}", which the World Bank registry does not have`, {
          code: 'invalid-estimates-file',
          field: 'worldBankCodes',
          value: c,
        });
      for (const e of list) inKind.add(e.iso3);
    }
    members = members ? new Set([...members].filter((e) => inKind.has(e))) : inKind;
  }
  const id = `wb-${key.toLowerCase()}`;
  const name = wb.aggregate(key)?.name ?? key;
  return {
    code: key,
    grouping: id,
    group: name,
    note: hit.note,
    userGrouping: {
      id,
      name,
      source: `World Bank CLASS FY2024 membership (${config.worldBankCodes.source})`,
      groups: new Map([...(members ?? [])].map((e) => [e, name])),
    },
  };
}

/** The figures of World Bank aggregate codes over a year range, from one estimation run: each code's rows, by year. */
export async function worldBankAggregateFigures(
  codes: readonly string[],
  r: { indicator: string; from: number; to: number; source?: DataSource },
  deps: EstimatesDeps = {},
): Promise<{ result: EstimatesResult; aggregates: WorldBankAggregate[]; rows: Map<string, ReportTable['rows']> }> {
  const config = deps.config ?? loadEstimatesConfig(deps.registry ?? loadIndicatorRegistry());
  const aggregates = codes.map((c) => worldBankAggregate(c, config));
  const named = [...new Set(aggregates.filter((a) => !a.userGrouping).map((a) => a.grouping))];
  const user = aggregates.flatMap((a) => (a.userGrouping ? [a.userGrouping] : []));
  const result = await estimateAggregates({ ...r, groupings: named, userGroupings: user }, { ...deps, config });
  const rows = new Map<string, ReportTable['rows']>(aggregates.map((a) => [a.code, []]));
  const byKey = new Map(aggregates.map((a) => [`${a.grouping}\u0000${a.group}`, a.code]));
  for (const row of result.table.rows) {
    const code = byKey.get(`${row.grouping}\u0000${row.group}`);
    if (code) rows.get(code)!.push(row);
  }
  return { result, aggregates, rows };
}

/** The figures of one World Bank aggregate code over a year range. */
export async function aggregatesForCode(code: string, r: { indicator: string; from: number; to: number; source?: DataSource }, deps: EstimatesDeps = {}) {
  const { result, aggregates, rows } = await worldBankAggregateFigures([code], r, deps);
  return { ...result, rows: rows.get(aggregates[0].code)! };
}

/** The series the estimates of an indicator read (what a caller holding the data in memory passes in). */
export function estimatesSeries(indicator: string, deps: EstimatesDeps = {}): string[] {
  const registry = deps.registry ?? loadIndicatorRegistry();
  const config = deps.config ?? loadEstimatesConfig(registry);
  const def = registry.resolve(indicator);
  return seriesNeeded(config, def.id, auxiliarySeries(def.id, indicatorSpec(config, def.id).imputation));
}

/** Whether the estimates file has a method for an indicator (registry id or alias). */
export function hasEstimates(indicator: string, deps: EstimatesDeps = {}): boolean {
  const registry = deps.registry ?? loadIndicatorRegistry();
  const config = deps.config ?? loadEstimatesConfig(registry);
  const def = registry.find(indicator);
  return !!def && Object.hasOwn(config.indicators, def.id);
}
