/**
 * The indicator-series representations: World Bank API v2 JSON and CSV, SDMX-CSV 2.0 and SDMX-JSON 2.0
 * (SDMX 3.0 standard; written by src/api/sdmx from the one SDMX structure), and the canonical observation
 * table as an Arrow IPC stream or a Parquet file.
 */
import { tableToIPC, type Table } from 'apache-arrow';
import type { Language } from '../registry/economies.js';
import type { IndicatorDef } from '../registry/indicators.js';
import { ObservationBuilder } from '../table/observations.js';
import { observationsToParquet } from '../table/parquet.js';
import { csvRow } from '../util/csv.js';
import type { ObservationIndex } from './data.js';
import type { RequestedIndicator } from './params.js';
import { csvOptions, sdmxCsvMessage } from './sdmx/csv.js';
import { makeView } from './sdmx/data.js';
import { sdmxJson2 } from './sdmx/json.js';
import { estimateOf, sdmxStructure, vintageOf } from './sdmx/structure.js';

/** One selected observation: a row of the index, and the indicator code the client asked for. */
export interface Selected {
  row: number;
  ind: RequestedIndicator;
}

/** World Bank's `decimal`: display precision of the indicator. */
function decimals(def: IndicatorDef): number {
  return def.kind === 'count' || def.kind === 'bits-per-second' ? 0 : def.kind === 'currency' || def.kind === 'price' ? 2 : 1;
}

/**
 * One cell of a World Bank answer: an (indicator, economy or aggregate, year), with the index row holding its
 * value or -1 where there is none (the World Bank lists every year asked for, `value: null` where empty).
 */
export interface Cell {
  ind: RequestedIndicator;
  /** ISO3 of the economy, or the aggregate's World Bank code (WLD). */
  code: string;
  /** ISO2, or the aggregate's ISO2-style code (1W). */
  iso2: string;
  name: string;
  year: number;
  row: number;
  /** gapfill: the year the value was taken from. */
  filledFrom?: number;
  /** Why a cell is empty where the reason is not just "not reported" (aggregates). */
  emptyNote?: string;
  /** An aggregate's figure (world and regional estimates as ITU computes them). */
  estimate?: AggregateFigure;
}

/** A World Bank aggregate's figure for one year, and how much of it rests on estimated values. */
export interface AggregateFigure {
  value: number | null;
  /** The World Bank's flag: F = forecast (a nowcast), E = estimated (part of the group's population rests on estimates or is missing), '' = all reported. */
  obsStatus: '' | 'E' | 'F';
  note: string;
  source: string;
  vintage: string;
  reportedShare: number | null;
  ituEstimateShare: number | null;
  ourEstimateShare: number | null;
  estimatedShare: number | null;
  missingShare: number | null;
  nowcast: boolean;
  economies: number;
}

/** World Bank v2 data records, with our fields after theirs. */
export function wbRecords(idx: ObservationIndex, cells: readonly Cell[]): Array<Record<string, unknown>> {
  const s = sdmxStructure();
  return cells.map((c) => {
    const r = c.row;
    const e = c.estimate;
    if (e)
      return {
        indicator: { id: c.ind.code, value: c.ind.def.name },
        country: { id: c.iso2, value: c.name },
        countryiso3code: c.code,
        date: String(c.year),
        value: e.value,
        unit: '',
        obs_status: e.value === null ? '' : e.obsStatus,
        decimal: decimals(c.ind.def),
        note: e.note,
        source: e.source,
        imputed: false,
        vintage: e.vintage,
        ...(c.filledFrom !== undefined ? { gapfilledFrom: String(c.filledFrom) } : {}),
        estimatedShare: e.estimatedShare,
        reportedShare: e.reportedShare,
        ituEstimateShare: e.ituEstimateShare,
        ourEstimateShare: e.ourEstimateShare,
        missingShare: e.missingShare,
        nowcast: e.nowcast,
        economies: e.economies,
      };
    return {
      indicator: { id: c.ind.code, value: c.ind.def.name },
      country: { id: c.iso2, value: c.name },
      countryiso3code: c.code,
      date: String(c.year),
      value: r < 0 ? null : idx.value[r],
      unit: '',
      // E as in SDMX's OBS_STATUS: an ITU estimate or a value derived from other indicators.
      obs_status: r >= 0 && estimateOf(s, idx, r) ? 'E' : '',
      decimal: decimals(c.ind.def),
      note: r < 0 ? (c.emptyNote ?? null) : idx.note[r],
      source: r < 0 ? null : idx.source[r],
      imputed: r >= 0 && idx.derivedFrom[r] !== null,
      vintage: r < 0 ? null : vintageOf(idx, r),
      ...(c.filledFrom !== undefined ? { gapfilledFrom: String(c.filledFrom) } : {}),
    };
  });
}

export const WB_CSV_COLUMNS = [
  'indicator_id',
  'indicator_name',
  'country_id',
  'country_name',
  'countryiso3code',
  'date',
  'value',
  'unit',
  'obs_status',
  'decimal',
  'note',
  'source',
  'imputed',
  'vintage',
  'estimated_share',
];

export function wbCsv(idx: ObservationIndex, cells: readonly Cell[]): string {
  return csvRow(WB_CSV_COLUMNS) + wbCsvRows(idx, cells);
}

/** The CSV rows of World Bank records, without the header. */
export function wbCsvRows(idx: ObservationIndex, cells: readonly Cell[]): string {
  const out: string[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: World Bank records are heterogeneous JSON objects; their fields are read by name
  for (const r of wbRecords(idx, cells) as Array<Record<string, any>>) {
    out.push(
      csvRow([
        r.indicator.id,
        r.indicator.value,
        r.country.id,
        r.country.value,
        r.countryiso3code,
        r.date,
        r.value,
        r.unit,
        r.obs_status,
        r.decimal,
        r.note,
        r.source,
        r.imputed,
        r.vintage,
        r.estimatedShare ?? '',
      ]),
    );
  }
  return out.join('');
}

/** The selected rows as a view of the one SDMX structure (src/api/sdmx), series by (FREQ, REF_AREA, INDICATOR). */
function sdmxView(idx: ObservationIndex, rows: readonly Selected[]) {
  const s = sdmxStructure();
  return {
    s,
    view: makeView(
      s,
      idx,
      rows.map(({ row, ind }) => ({ row, def: ind.def })),
    ),
  };
}

/**
 * SDMX-CSV 2.0 of the structure behind every SDMX format: STRUCTURE, STRUCTURE_ID, ACTION, the dimensions
 * (FREQ, REF_AREA, INDICATOR, TIME_PERIOD), OBS_VALUE and the attributes (UNIT_MEASURE, OBS_STATUS, ESTIMATE,
 * COMMENT_OBS, DATA_SOURCE, VINTAGE).
 */
export function sdmxCsv(idx: ObservationIndex, rows: readonly Selected[]): string {
  const { s, view } = sdmxView(idx, rows);
  return sdmxCsvMessage(s, view, csvOptions(2));
}

/** SDMX-JSON 2.0.0 data message; nothing selected is a message without structures and data sets (still valid). */
export function sdmxJson(idx: ObservationIndex, rows: readonly Selected[], lang: Language, prepared: string): object {
  const { s, view } = sdmxView(idx, rows);
  const h = { id: `ICTSTAT_${idx.version}`, prepared: prepared.replace(/\.000Z$/, 'Z') };
  if (rows.length === 0) {
    const empty = sdmxJson2(s, { ...view, obs: [], series: [] }, h, lang) as { meta: object };
    return { meta: empty.meta, data: { structures: [], dataSets: [] } };
  }
  return sdmxJson2(s, view, h, lang);
}

/**
 * The selected rows as a canonical observation table; then the aggregates' figures (`estimate` cells with a
 * value), under their World Bank codes, with the estimate's sentence as the note and ictstat estimates as the source.
 */
function selectedTable(idx: ObservationIndex, rows: readonly Selected[], aggregates: readonly Cell[] = []): Table {
  const b = new ObservationBuilder(Math.max(16, rows.length + aggregates.length));
  for (const { row } of rows) {
    b.append({
      economy: idx.economy[row],
      indicator: idx.indicator[row],
      year: idx.year[row],
      value: idx.value[row],
      note: idx.note[row],
      source: idx.source[row],
      derived_from: idx.derivedFrom[row],
      submission_id: idx.submission[row] ? String(idx.submission[row]) : null,
    });
  }
  for (const c of aggregates)
    if (c.estimate && c.estimate.value !== null && c.filledFrom === undefined)
      b.append({
        economy: c.code,
        indicator: c.ind.def.id,
        year: c.year,
        value: c.estimate.value,
        note: c.estimate.note,
        source: c.estimate.source,
        derived_from: null,
        submission_id: null,
      });
  return b.toTable();
}

/** The selected rows (and aggregates' figures) as an Arrow IPC stream of the canonical observation table. */
export function arrowStream(idx: ObservationIndex, rows: readonly Selected[], aggregates: readonly Cell[] = []): Uint8Array {
  return tableToIPC(selectedTable(idx, rows, aggregates), 'stream');
}

/** The selected rows (and aggregates' figures) as a Parquet file of the canonical observation table (same schema as the Arrow stream). */
export function parquetFile(idx: ObservationIndex, rows: readonly Selected[], aggregates: readonly Cell[] = []): Uint8Array {
  return observationsToParquet(selectedTable(idx, rows, aggregates));
}
