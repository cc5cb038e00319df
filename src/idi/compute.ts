import type { Table } from 'apache-arrow';
import { loadIndicatorRegistry, type IndicatorRegistry } from '../registry/indicators.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { loadGroupings, type Groupings } from '../registry/groupings.js';
import { CELL, CELL_NAMES, impute, isImputed, yearMatrix, type ImputationRecord, type YearMatrix } from './impute.js';
import { imputationByName } from './imputation/index.js';
import { runKernel } from './kernel.js';
import type { CompiledMethodology } from './methodology.js';
import { buildPanel, fillDerived, panelIndex, type EstimateMarker, type Panel } from './panel.js';
import { compareCodes } from '../util/format.js';

export interface IndicatorCell {
  value: number | null;
  /** The year the value is from (the data year, an earlier one, or the year it was imputed for). */
  year: number | null;
  status: string;
  normalised: number | null;
  imputation?: ImputationRecord;
  /** The formula, when the value was derived from other indicators rather than reported. */
  derived?: string;
  /** The value is an estimate (its note starts with the methodology's `coverage.notOfficialNote`): it does not count for inclusion. */
  estimate?: true;
}

export interface EconomyResult {
  economy: string;
  name: string;
  /** The economy has an index value (for a ranked index: it is ranked). */
  ranked: boolean;
  /** Why an economy is not ranked. */
  reason?: string;
  score: number | null;
  /** Absent for an unranked methodology (`ranked: false`), as are componentRanks and the previous rank. */
  rank?: number | null;
  /** Node scores on the methodology's scale, by node id. */
  components: Record<string, number | null>;
  componentRanks?: Record<string, number | null>;
  indicators: Record<string, IndicatorCell>;
  /** Inputs filled by an imputation method (not counting the methodology's own look-back). */
  imputed: number;
  /** Inputs the data marks as estimates (ITU's, not ours): they enter the score but do not count for inclusion. */
  estimated: number;
  /** Nodes whose weights were renormalised over the children this economy has. */
  renormalised: string[];
  previous?: { score: number | null; rank?: number | null; scoreChange: number | null; rankChange?: number | null };
}

export interface IndicatorCoverage {
  indicator: string;
  observed: number;
  earlier: number;
  /** Of the observed and earlier values, those the data marks as estimates. */
  estimated: number;
  imputed: Record<string, number>;
  missing: number;
  dropped: boolean;
}

export interface IndexResult {
  methodology: {
    id: string;
    name: string;
    source: string;
    scale: number;
    file: string;
    unverified: Array<{ path: string; reason: string }>;
    /** false: scores only, no ranks (the economies are in descending order of score). */
    ranked: boolean;
  };
  year: number;
  /** Where this computation departs from the published method, in words. */
  departures: string[];
  /** Node ids in output order (sub-indices, then deeper nodes). */
  componentIds: string[];
  economies: EconomyResult[];
  coverage: { ranked: number; notRanked: number; indicators: IndicatorCoverage[] };
}

export interface IndexOptions {
  methodology: CompiledMethodology;
  year: number;
  table: Table;
  previous?: boolean;
  economies?: readonly string[];
  indicators?: IndicatorRegistry;
  groupings?: Groupings;
}

/** How a data-year cell was obtained, as every output flags it: reported (official), an estimate in the data (ITU's), our imputation, missing. */
export const FLAG = { reported: 0, estimate: 1, imputed: 2, missing: 255 } as const;
export const FLAG_NAMES: Readonly<Record<number, string>> = { 0: 'reported', 1: 'ITU estimate', 2: 'imputed (ours)', 255: 'missing' };

/** The flag of every leaf cell (leaves x economies) of a prepared year. */
export function cellFlags(p: PreparedYear, leaves: number): Uint8Array {
  const nE = p.economies.length,
    out = new Uint8Array(leaves * nE);
  for (let cell = 0; cell < out.length; cell++) {
    const st = p.matrix.status[cell];
    out[cell] =
      st === CELL.missing
        ? FLAG.missing
        : isImputed(st)
          ? FLAG.imputed
          : p.panel.estimated[panelIndex(p.panel, Math.floor(cell / nE), p.matrix.yearUsed[cell], cell % nE)]
            ? FLAG.estimate
            : FLAG.reported;
  }
  return out;
}

/** Whether a methodology ranks its economies (ITU's IDI from 2023 does not: Resolution 131). */
export const isRanked = (m: CompiledMethodology): boolean => m.spec.ranked !== false;

/** The economies a methodology ranks: those in any group of its `universe` groupings, else all. */
export function indexUniverse(m: CompiledMethodology, groupings: Groupings, all: readonly string[]): string[] {
  const u = m.spec.universe?.anyGroupOf;
  if (!u) return [...all];
  return all.filter((iso3) => u.some((g) => groupings.groupOf(g, iso3) !== undefined));
}

/** Years after the data year a methodology's imputation may read: its `lookAhead`, else 0 (a published index looks back only). */
export const methodologyLookAhead = (m: CompiledMethodology): number => m.spec.lookAhead?.years ?? 0;

/** What marks a value as an estimate for a methodology's inclusion rule: `coverage.notOfficialNote` in the note or source. */
export function estimateMarker(m: CompiledMethodology): EstimateMarker | undefined {
  const cov = m.spec.coverage;
  return cov?.notOfficialNote ? { prefixes: [cov.notOfficialNote], columns: cov.notOfficialColumns ?? ['note', 'source'] } : undefined;
}

/** Every series an index computation reads: leaves, derivation inputs, imputation predictors, population. */
export function requiredIndicators(m: CompiledMethodology, registry: IndicatorRegistry): string[] {
  const derivations = m.indicators.flatMap((id) => registry.derived(id)?.formula.inputs ?? []);
  return [...new Set([...m.indicators, ...auxiliaryIndicators(m), ...derivations])];
}

/** Extra series an index computation reads besides its leaves: regression predictors, hot-deck similarity, population. */
function auxiliaryIndicators(m: CompiledMethodology): string[] {
  const aux = new Set<string>(['population']);
  for (const s of m.spec.imputation ?? []) for (const id of imputationByName(s.method)!.inputs(s)) aux.add(id);
  return [...aux].filter((id) => !m.indicators.includes(id));
}

/**
 * The latest data year in which every indicator that is ever observed for at least `share` of the methodology's
 * economies in one year is observed in that very year for that share (the look-back window does not count): "the
 * latest year with enough data". Undefined when no year qualifies.
 */
export function latestYearWithData(
  m: CompiledMethodology,
  table: Table,
  share = 0.5,
  opts: { indicators?: IndicatorRegistry; groupings?: Groupings } = {},
): number | undefined {
  const registry = opts.indicators ?? loadIndicatorRegistry();
  const groupings = opts.groupings ?? loadGroupings();
  const economies = indexUniverse(
    m,
    groupings,
    loadEconomyRegistry()
      .all()
      .map((e) => e.iso3),
  );
  const years = table.getChild('year')!;
  let last = 1960;
  for (let i = 0; i < table.numRows; i++) if ((years.get(i) as number) > last) last = years.get(i) as number;
  const panel = buildPanel(table, economies, requiredIndicators(m, registry), 1960, last);
  for (const d of m.indicators.map((id) => registry.derived(id))) if (d) fillDerived(panel, d.def.id, d.formula);
  const nE = economies.length;
  // Observations per indicator and year; an indicator that never reaches the share in any year (no series at all,
  // such as bandwidth, or one latest value per economy, such as ITU's core household snapshot) cannot count against a year.
  const nY = last - 1960 + 1;
  const counts = new Int32Array(m.firstNode * nY);
  for (let k = 0; k < m.firstNode; k++)
    for (let y = 1960; y <= last; y++) {
      let n = 0;
      for (let e = 0; e < nE; e++) if (!Number.isNaN(panel.values[panelIndex(panel, k, y, e)])) n++;
      counts[k * nY + y - 1960] = n;
    }
  const inSeries = Uint8Array.from(m.indicators, (_, k) => (counts.subarray(k * nY, (k + 1) * nY).some((n) => n >= share * nE) ? 1 : 0));
  if (!inSeries.some((x) => x)) return undefined;
  for (let y = last; y >= 1960; y--) {
    let ok = true;
    for (let k = 0; k < m.firstNode && ok; k++) if (inSeries[k]) ok = counts[k * nY + y - 1960] >= share * nE;
    if (ok) return y;
  }
  return undefined;
}

export function computeIndex(opts: IndexOptions): IndexResult & { previousResult?: IndexResult } {
  const result = computeYear(opts, opts.year);
  if (!opts.previous) return result;
  return withPrevious(result, computeYear(opts, opts.year - 1));
}

/**
 * A year's result with the previous year's scores and ranks and the changes (positive rank change = moved up);
 * for an unranked methodology, the previous score and the score change only.
 */
export function withPrevious(result: IndexResult, prev: IndexResult): IndexResult & { previousResult: IndexResult } {
  const prevBy = new Map(prev.economies.map((e) => [e.economy, e]));
  const ranks = result.methodology.ranked;
  for (const e of result.economies) {
    const p = prevBy.get(e.economy);
    const score = p?.ranked ? p.score : null,
      rank = p?.ranked ? (p.rank ?? null) : null;
    const scoreChange = e.ranked && score !== null && e.score !== null ? e.score - score : null;
    e.previous = ranks ? { score, rank, scoreChange, rankChange: e.ranked && rank !== null && e.rank != null ? rank - e.rank : null } : { score, scoreChange };
  }
  return { ...result, previousResult: prev };
}

/** Everything between the data and the kernel for one data year: panel, data-year matrix, coverage, imputation, weights. */
export interface PreparedYear {
  year: number;
  economies: string[];
  panel: Panel;
  matrix: YearMatrix;
  /** The matrix's leaf values before imputation (what "no imputation" means in the sensitivity analysis). */
  valuesBeforeImputation: Float64Array;
  dropped: Uint8Array;
  reported: Int32Array;
  /** Economies that pass the coverage rule. */
  active: Uint8Array;
  minIndicators: number;
  latestWithin: number;
  /** The methodology's weights with dropped leaves (and nodes left empty) at 0. */
  weights: Float64Array;
}

export function prepareYear(opts: IndexOptions, year: number): PreparedYear {
  const m = opts.methodology;
  const registry = opts.indicators ?? loadIndicatorRegistry();
  const groupings = opts.groupings ?? loadGroupings();
  const economies = opts.economies
    ? [...opts.economies]
    : indexUniverse(
        m,
        groupings,
        loadEconomyRegistry()
          .all()
          .map((e) => e.iso3),
      );
  const cov = m.spec.coverage ?? {};
  const latestWithin = cov.latestWithin ?? 0;
  const reach = Math.max(latestWithin, ...(m.spec.imputation ?? []).map((s) => imputationByName(s.method)!.reach(s)));
  const lookAhead = methodologyLookAhead(m);
  const derivations = m.indicators.map((id) => registry.derived(id)).filter((d) => d !== undefined);
  // The panel ends at the last year the methodology may read: nothing after it can enter, whatever a method does.
  const panel: Panel = buildPanel(opts.table, economies, requiredIndicators(m, registry), year - reach, year + Math.min(reach, lookAhead), estimateMarker(m));
  for (const d of derivations) fillDerived(panel, d!.def.id, d!.formula);
  const matrix = yearMatrix(panel, year, latestWithin);
  const nE = economies.length,
    L = m.firstNode,
    N = m.parent.length;

  // Leaves with no reported value for any economy are dropped; their parents renormalise.
  const dropped = new Uint8Array(L);
  for (let k = 0; k < L; k++) {
    let any = false;
    for (let e = 0; e < nE && !any; e++) any = matrix.status[k * nE + e] <= CELL.earlier;
    dropped[k] = any ? 0 : 1;
  }
  const nDropped = dropped.reduce((a, b) => a + b, 0);
  const minIndicators = Math.max(0, (cov.minIndicators ?? 0) - nDropped);
  // Official values only count for inclusion (an estimate enters the score but does not admit an economy).
  const reported = new Int32Array(nE);
  for (let k = 0; k < L; k++)
    if (!dropped[k])
      for (let e = 0; e < nE; e++) {
        const cell = k * nE + e;
        if (matrix.status[cell] <= CELL.earlier && !panel.estimated[panelIndex(panel, k, matrix.yearUsed[cell], e)]) reported[e]++;
      }
  const active = Uint8Array.from(reported, (n) => (n >= Math.max(1, minIndicators) ? 1 : 0));

  const valuesBeforeImputation = matrix.values.slice(0, L * nE);
  impute(matrix, m.spec.imputation ?? [], {
    panel,
    groupings,
    active,
    targets: [...Array(L).keys()].filter((k) => !dropped[k]),
    range: (id) => registry.get(id).range,
    lookAhead,
  });

  const weights = Float64Array.from(m.weight);
  for (let k = 0; k < L; k++) if (dropped[k]) weights[k] = 0;
  for (let e = L; e < N; e++) {
    // a node left with no weighted child drops out too
    let any = false;
    for (let c = 0; c < e; c++) if (m.parent[c] === e && weights[c] > 0) any = true;
    if (!any) weights[e] = 0;
  }
  return { year, economies, panel, matrix, valuesBeforeImputation, dropped, reported, active, minIndicators, latestWithin, weights };
}

function computeYear(opts: IndexOptions, year: number): IndexResult {
  return computePrepared(opts, prepareYear(opts, year)).result;
}

/** The kernel's output for a prepared year: every entry's score (leaves normalised, nodes aggregated; 0..1) and the node ranks. */
export interface KernelStages {
  scores: Float64Array;
  ranks: Int32Array;
}

/** Normalise, aggregate and rank a prepared year, and describe the result per economy. */
export function computePrepared(opts: Omit<IndexOptions, 'year'>, prepared: PreparedYear): { result: IndexResult; stages: KernelStages } {
  const m = opts.methodology;
  const registry = opts.indicators ?? loadIndicatorRegistry();
  const economiesReg = loadEconomyRegistry();
  const cov = m.spec.coverage ?? {};
  const { year, economies, panel, matrix, dropped, reported, active, minIndicators, latestWithin, weights } = prepared;
  const nE = economies.length,
    L = m.firstNode,
    N = m.parent.length;
  const nDropped = dropped.reduce((a, b) => a + b, 0);
  const ranks0 = isRanked(m);
  const { scores, ranks } = runKernel({
    m,
    values: matrix.values.subarray(0, L * nE),
    columns: nE,
    sliceLength: nE,
    include: active,
    weights,
    renormalise: (cov.missingIndicator ?? 'renormalise') === 'renormalise',
  });

  const root = N - 1;
  // Sub-indices first, then deeper nodes (the compiled order is post-order: a child node precedes its parent).
  const depth = (e: number): number => (m.parent[e] < 0 ? 0 : 1 + depth(m.parent[e]));
  const componentIds = [...Array(N - 1 - L).keys()]
    .map((j) => L + j)
    .sort((a, b) => depth(a) - depth(b) || a - b)
    .map((e) => m.ids[e]);
  const out: EconomyResult[] = [];
  for (let e = 0; e < nE; e++) {
    const score = scores[root * nE + e];
    const ranked = active[e] === 1 && Number.isFinite(score);
    const components: Record<string, number | null> = {},
      componentRanks: Record<string, number | null> = {};
    for (let j = L; j < N - 1; j++) {
      const s = scores[j * nE + e];
      components[m.ids[j]] = Number.isFinite(s) && active[e] ? s * m.spec.scale : null;
      componentRanks[m.ids[j]] = ranks[(j - L) * nE + e] || null;
    }
    const official = cov.notOfficialNote ? 'with official values (not estimates)' : 'reported';
    const indicators: Record<string, IndicatorCell> = {};
    let imputed = 0,
      estimated = 0;
    for (let k = 0; k < L; k++) {
      const cell = k * nE + e,
        st = matrix.status[cell];
      const reported = st <= CELL.earlier,
        at = reported ? panelIndex(panel, k, matrix.yearUsed[cell], e) : -1,
        isEstimate = reported && panel.estimated[at] === 1;
      if (isImputed(st)) imputed++;
      else if (isEstimate && !dropped[k]) estimated++;
      // Built in key order with assignments, not spreads of optional parts: this loop makes one cell per economy
      // and indicator (~2,000 for the IDI) and runs once per command, before V8 optimises it (the JSON keeps the order).
      const c: IndicatorCell = {
        value: st === CELL.missing ? null : matrix.values[cell],
        year: st === CELL.missing ? null : matrix.yearUsed[cell],
        status: dropped[k] ? 'dropped' : CELL_NAMES[st],
      } as IndicatorCell;
      if (reported && panel.derived[at]) c.derived = registry.get(m.ids[k]).derived!.formula;
      if (isEstimate) c.estimate = true;
      c.normalised = Number.isFinite(scores[k * nE + e]) ? scores[k * nE + e] : null;
      const record = matrix.records.get(cell);
      if (record !== undefined) c.imputation = record;
      indicators[m.ids[k]] = c;
    }
    const renormalised = active[e] ? renormalisedNodes(m, weights, scores, e, nE) : [];
    out.push({
      economy: economies[e],
      name: economiesReg.name(economies[e]),
      ranked,
      ...(ranked
        ? {}
        : {
            reason: active[e]
              ? 'no index value after imputation'
              : `${reported[e]} of ${L - nDropped} indicators ${official} within ${latestWithin} year(s) of ${year}; the methodology needs ${minIndicators}`,
          }),
      score: ranked ? score * m.spec.scale : null,
      ...(ranks0 ? { rank: ranked ? ranks[(root - L) * nE + e] : null } : {}),
      components,
      ...(ranks0 ? { componentRanks } : {}),
      indicators,
      imputed,
      estimated,
      renormalised,
    });
  }
  // Ranked: by rank; unranked: by descending unrounded score (ties and unscored by code).
  if (ranks0) out.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || compareCodes(a.economy, b.economy));
  else out.sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || compareCodes(a.economy, b.economy));

  const result: IndexResult = {
    methodology: { id: m.spec.id, name: m.spec.name, source: m.spec.source, scale: m.spec.scale, file: m.file, unverified: m.unverified, ranked: ranks0 },
    year,
    componentIds,
    economies: out,
    departures: departures(m, dropped, latestWithin, year, out),
    coverage: {
      ranked: out.filter((e) => e.ranked).length,
      notRanked: out.filter((e) => !e.ranked).length,
      indicators: m.indicators.map((id, k) => coverageOf(matrix, panel, k, active, dropped[k] === 1, id)),
    },
  };
  return { result, stages: { scores, ranks } };
}

/** Node ids where a weighted child is missing for this economy, so the node averaged over fewer children (dropped leaves have weight 0 and do not count). */
function renormalisedNodes(m: CompiledMethodology, weights: Float64Array, scores: Float64Array, e: number, nE: number): string[] {
  const out = new Set<string>();
  for (let c = 0; c < m.parent.length - 1; c++) if (weights[c] > 0 && Number.isNaN(scores[c * nE + e])) out.add(m.ids[m.parent[c]]);
  return [...out];
}

function coverageOf(matrix: YearMatrix, panel: Panel, k: number, active: Uint8Array, dropped: boolean, indicator: string): IndicatorCoverage {
  const nE = matrix.economies.length;
  const c: IndicatorCoverage = { indicator, observed: 0, earlier: 0, estimated: 0, imputed: {}, missing: 0, dropped };
  for (let e = 0; e < nE; e++) {
    if (!active[e]) continue;
    const st = matrix.status[k * nE + e];
    if (st <= CELL.earlier && panel.estimated[panelIndex(panel, k, matrix.yearUsed[k * nE + e], e)]) c.estimated++;
    if (st === CELL.observed) c.observed++;
    else if (st === CELL.earlier) c.earlier++;
    else if (st === CELL.missing) c.missing++;
    else c.imputed[CELL_NAMES[st]] = (c.imputed[CELL_NAMES[st]] ?? 0) + 1;
  }
  return c;
}

function departures(m: CompiledMethodology, dropped: Uint8Array, latestWithin: number, year: number, out: EconomyResult[]): string[] {
  const d: string[] = [];
  for (let k = 0; k < dropped.length; k++)
    if (dropped[k]) {
      const parent = m.ids[m.parent[k]];
      d.push(
        `${m.ids[k]}: no value for any economy within ${latestWithin} year(s) of ${year}; dropped, and the weights of "${parent}" renormalised over its other components (the published method uses it; supply it with --data or --extra-data)`,
      );
    }
  const renorm = out.filter((e) => e.ranked && e.renormalised.length > 0).length;
  if (renorm > 0) d.push(`${renorm} ranked economies lack an input that no imputation method could fill; their nodes were averaged over the inputs they have`);
  if (m.unverified.length)
    d.push(`${m.unverified.length} methodology value(s) are unverified (not in our sources): ${m.unverified.map((u) => u.path).join(', ')}`);
  if ((m.spec.imputation ?? []).length)
    d.push(
      isRanked(m)
        ? 'imputation follows the methods MIS Annex 1 names, with parameters of ours (the methodology file gives each method and its source)'
        : "imputation: the publisher's algorithm is not in our sources; the methodology file's methods (each with its source) fill the missing cells, each marked",
    );
  return d;
}
