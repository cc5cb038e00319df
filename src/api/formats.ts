/**
 * The indicator-series representations: World Bank API v2 JSON and CSV, SDMX-CSV 2.0 and SDMX-JSON 2.0
 * (SDMX 3.0 standard; written by src/api/sdmx from the one SDMX structure), and the canonical observation
 * table as an Arrow IPC stream or a Parquet file.
 */
import { tableToIPC, type Table } from 'apache-arrow';
import { loadEconomyRegistry, type Language } from '../registry/economies.js';
import type { IndicatorDef } from '../registry/indicators.js';
import { ObservationBuilder } from '../table/observations.js';
import { observationsToParquet } from '../table/parquet.js';
import { csvRow } from '../util/csv.js';
import type { ObservationIndex } from './data.js';
import type { RequestedIndicator } from './params.js';
import { csvOptions, sdmxCsvMessage } from './sdmx/csv.js';
import { makeView } from './sdmx/data.js';
import { sdmxJson2 } from './sdmx/json.js';
import { sdmxStructure, vintageOf } from './sdmx/structure.js';

/** One selected observation: a row of the index, and the indicator code the client asked for. */
export interface Selected { row: number; ind: RequestedIndicator }

/** World Bank's `decimal`: display precision of the indicator. */
function decimals(def: IndicatorDef): number {
  return def.kind === 'count' || def.kind === 'bits-per-second' ? 0 : def.kind === 'currency' || def.kind === 'price' ? 2 : 1;
}

/** World Bank v2 data records, with our fields after theirs. */
export function wbRecords(idx: ObservationIndex, rows: readonly Selected[], lang: Language): object[] {
  const econ = loadEconomyRegistry();
  return rows.map(({ row, ind }) => {
    const e = econ.find(idx.economy[row]);
    return {
      indicator: { id: ind.code, value: ind.def.name },
      country: { id: e?.iso2 ?? idx.economy[row], value: e ? econ.name(e.iso3, lang) : idx.economy[row] },
      countryiso3code: idx.economy[row],
      date: String(idx.year[row]),
      value: idx.value[row],
      unit: '',
      obs_status: '',
      decimal: decimals(ind.def),
      note: idx.note[row],
      source: idx.source[row],
      imputed: idx.derivedFrom[row] !== null,
      vintage: vintageOf(idx, row),
    };
  });
}

export const WB_CSV_COLUMNS = ['indicator_id', 'indicator_name', 'country_id', 'country_name', 'countryiso3code', 'date', 'value', 'unit', 'obs_status', 'decimal', 'note', 'source', 'imputed', 'vintage'];

export function wbCsv(idx: ObservationIndex, rows: readonly Selected[], lang: Language): string {
  const out = [csvRow(WB_CSV_COLUMNS)];
  for (const r of wbRecords(idx, rows, lang) as Array<ReturnType<typeof wbRecords>[number] & Record<string, any>>) {
    out.push(csvRow([r.indicator.id, r.indicator.value, r.country.id, r.country.value, r.countryiso3code, r.date, r.value, r.unit, r.obs_status, r.decimal,
      r.note, r.source, r.imputed, r.vintage]));
  }
  return out.join('');
}


/** The selected rows as a view of the one SDMX structure (src/api/sdmx), series by (FREQ, REF_AREA, INDICATOR). */
function sdmxView(idx: ObservationIndex, rows: readonly Selected[]) {
  const s = sdmxStructure();
  return { s, view: makeView(s, idx, rows.map(({ row, ind }) => ({ row, def: ind.def }))) };
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

/** The selected rows as a canonical observation table. */
function selectedTable(idx: ObservationIndex, rows: readonly Selected[]): Table {
  const b = new ObservationBuilder(Math.max(16, rows.length));
  for (const { row } of rows) {
    b.append({ economy: idx.economy[row], indicator: idx.indicator[row], year: idx.year[row], value: idx.value[row], note: idx.note[row], source: idx.source[row],
      derived_from: idx.derivedFrom[row], submission_id: idx.submission[row] ? String(idx.submission[row]) : null });
  }
  return b.toTable();
}

/** The selected rows as an Arrow IPC stream of the canonical observation table. */
export function arrowStream(idx: ObservationIndex, rows: readonly Selected[]): Uint8Array {
  return tableToIPC(selectedTable(idx, rows), 'stream');
}

/** The selected rows as a Parquet file of the canonical observation table (same schema as the Arrow stream). */
export function parquetFile(idx: ObservationIndex, rows: readonly Selected[]): Uint8Array {
  return observationsToParquet(selectedTable(idx, rows));
}
