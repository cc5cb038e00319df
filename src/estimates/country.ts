/**
 * Country estimates for every economy and year of an indicator: the reported values, ITU's own estimates (kept
 * as they are, marked), and ours for the cells still missing, filled by the imputation registry's methods in the
 * order the estimates file gives, with a look-ahead. Dense typed arrays throughout, economy-major for the group
 * kernel: values[e * nYears + y].
 */
import type { Table } from 'apache-arrow';
import {
  CELL,
  buildPanel,
  imputationByName,
  impute,
  panelIndex,
  yearMatrix,
  type ImputationContext,
  type ImputationRecord,
  type ImputationStep,
} from '../idi/imputation/index.js';
import type { Groupings } from '../registry/groupings.js';
import type { IndicatorRegistry } from '../registry/indicators.js';
import { ituEstimateMask, type EstimateMarker } from './flags.js';

/** The three kinds every output keeps apart, and a cell no method could fill. */
export const KIND = { reported: 0, ituEstimate: 1, ourEstimate: 2, missing: 3 } as const;
export const KIND_NAMES = ['reported', 'ITU estimate', 'our estimate', 'missing'] as const;

export interface CountryEstimateOptions {
  table: Table;
  indicator: string;
  economies: readonly string[];
  firstYear: number;
  lastYear: number;
  steps: readonly ImputationStep[];
  lookAhead: number;
  /** Years back a predictor or similarity value may come from when the data year's is not out yet. */
  auxiliaryLatestWithin: number;
  marker: EstimateMarker;
  /** Series whose ITU-estimate marks also mark the indicator. */
  estimateFlagFrom?: readonly string[];
  groupings: Groupings;
  registry: IndicatorRegistry;
}

export interface CountryEstimates {
  indicator: string;
  economies: string[];
  firstYear: number;
  nYears: number;
  /** Economy-major: values[e * nYears + y]; NaN where no method could fill the cell. */
  values: Float64Array;
  /** KIND of each cell. */
  kind: Uint8Array;
  /** Imputation status code (CELL) of each cell: observed, a method's code, or missing. */
  method: Uint8Array;
  /** What each of our estimates rests on (method, sentence, inputs), by cell. */
  records: Map<number, ImputationRecord>;
}

/** The series the steps read besides the indicator itself (predictors, similarity measures), in order. */
export function auxiliarySeries(indicator: string, steps: readonly ImputationStep[]): string[] {
  const out: string[] = [];
  for (const s of steps) for (const id of imputationByName(s.method)!.inputs(s)) if (id !== indicator && !out.includes(id)) out.push(id);
  return out;
}

export function estimateCountries(o: CountryEstimateOptions): CountryEstimates {
  const aux = auxiliarySeries(o.indicator, o.steps);
  const flagFrom = (o.estimateFlagFrom ?? []).filter((id) => id !== o.indicator && !aux.includes(id));
  const rows = [o.indicator, ...aux, ...flagFrom];
  const reach = Math.max(o.auxiliaryLatestWithin, ...o.steps.map((s) => imputationByName(s.method)!.reach(s)));
  const panel = buildPanel(o.table, o.economies, rows, o.firstYear - reach, o.lastYear + o.lookAhead);
  const marks = ituEstimateMask(
    o.table,
    panel,
    o.marker,
    [o.indicator, ...(o.estimateFlagFrom ?? [])].map((from) => ({ from, to: 0 })),
  );
  const nE = o.economies.length,
    nY = o.lastYear - o.firstYear + 1;
  const values = new Float64Array(nE * nY).fill(NaN),
    kind = new Uint8Array(nE * nY).fill(KIND.missing),
    method = new Uint8Array(nE * nY).fill(CELL.missing);
  const records = new Map<number, ImputationRecord>();
  const all = new Uint8Array(nE).fill(1);
  const auxRows = aux.map((_, k) => k + 1);
  const range = (id: string): [number, number] => o.registry.get(id).range;
  for (let y = 0; y < nY; y++) {
    const year = o.firstYear + y;
    const m = yearMatrix(panel, year, 0);
    // Predictors and similarity measures: the data year's, else the latest earlier one (never a later one).
    if (auxRows.length && o.auxiliaryLatestWithin > 0)
      impute(m, [{ method: 'nearest-year', window: o.auxiliaryLatestWithin }], {
        panel,
        groupings: o.groupings,
        targets: auxRows,
        active: all,
        range,
        lookAhead: 0,
      });
    const ctx: ImputationContext = { panel, groupings: o.groupings, targets: [0], active: all, range, lookAhead: o.lookAhead };
    impute(m, o.steps, ctx);
    for (let e = 0; e < nE; e++) {
      const st = m.status[e],
        out = e * nY + y; // row 0 is the indicator
      if (st === CELL.missing) continue;
      values[out] = m.values[e];
      method[out] = st;
      if (st === CELL.observed) kind[out] = marks[panelIndex(panel, 0, year, e)] ? KIND.ituEstimate : KIND.reported;
      else {
        kind[out] = KIND.ourEstimate;
        const r = m.records.get(e);
        if (r) records.set(out, r);
      }
    }
  }
  return { indicator: o.indicator, economies: [...o.economies], firstYear: o.firstYear, nYears: nY, values, kind, method, records };
}
