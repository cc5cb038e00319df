/**
 * The indicator-series representations: World Bank API v2 JSON and CSV, SDMX-CSV 2.0 and SDMX-JSON 2.0
 * (SDMX 3.0 standard), and the canonical observation table as an Arrow IPC stream or a Parquet file.
 */
import { tableToIPC, type Table } from 'apache-arrow';
import { loadEconomyRegistry, type Language } from '../registry/economies.js';
import type { IndicatorDef } from '../registry/indicators.js';
import { ObservationBuilder } from '../table/observations.js';
import { observationsToParquet } from '../table/parquet.js';
import { neutraliseFormula } from '../table/report-table.js';
import { csvRow } from '../util/csv.js';
import type { ObservationIndex } from './data.js';
import type { RequestedIndicator } from './params.js';

/** One selected observation: a row of the index, and the indicator code the client asked for. */
export interface Selected { row: number; ind: RequestedIndicator }

export const SDMX_AGENCY = 'ITU';
export const SDMX_DATAFLOW = 'ICT_INDICATORS';
export const SDMX_VERSION = '1.0.0';
const DATAFLOW_REF = `${SDMX_AGENCY}:${SDMX_DATAFLOW}(${SDMX_VERSION})`;

/** World Bank's `decimal`: display precision of the indicator. */
function decimals(def: IndicatorDef): number {
  return def.kind === 'count' || def.kind === 'bits-per-second' ? 0 : def.kind === 'currency' || def.kind === 'price' ? 2 : 1;
}

function vintageOf(idx: ObservationIndex, row: number): string | null {
  return idx.vintages.get(idx.submission[row])?.vintage ?? (idx.derivedFrom[row] ? 'derived' : null);
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
      text(r.note), text(r.source), r.imputed, r.vintage]));
  }
  return out.join('');
}

const text = (s: string | null): string | null => (s === null ? null : neutraliseFormula(s));

/**
 * SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, then the dimensions (FREQ, REF_AREA, INDICATOR,
 * TIME_PERIOD), the measure OBS_VALUE and the attributes (UNIT_MEASURE, OBS_STATUS, COMMENT_OBS,
 * DATA_SOURCE, VINTAGE).
 */
export const SDMX_CSV_COLUMNS = ['STRUCTURE', 'STRUCTURE_ID', 'ACTION', 'FREQ', 'REF_AREA', 'INDICATOR', 'TIME_PERIOD', 'OBS_VALUE', 'UNIT_MEASURE', 'OBS_STATUS', 'COMMENT_OBS', 'DATA_SOURCE', 'VINTAGE'];

export function sdmxCsv(idx: ObservationIndex, rows: readonly Selected[]): string {
  const out = [csvRow(SDMX_CSV_COLUMNS)];
  for (const { row, ind } of rows) {
    out.push(csvRow(['dataflow', DATAFLOW_REF, 'I', 'A', idx.economy[row], ind.def.id, idx.year[row], idx.value[row], ind.def.unit,
      idx.derivedFrom[row] ? 'E' : 'A', text(idx.note[row]), text(idx.source[row]), vintageOf(idx, row)]));
  }
  return out.join('');
}

/**
 * SDMX-JSON 2.0 data message: one series per (REF_AREA, INDICATOR), observations keyed by the index of
 * their TIME_PERIOD value; each observation is [OBS_VALUE, then the index of each observation attribute's value].
 */
export function sdmxJson(idx: ObservationIndex, rows: readonly Selected[], lang: Language, prepared: string): object {
  const econ = loadEconomyRegistry();
  const values = <K>() => {
    const list: K[] = [];
    const at = new Map<string, number>();
    return { list, index: (key: string, make: () => K): number => {
      let k = at.get(key);
      if (k === undefined) at.set(key, (k = list.push(make()) - 1));
      return k;
    } };
  };
  const areas = values<object>(), inds = values<object>(), times = values<object>();
  const units = values<object>(), statuses = values<object>(), comments = values<object>(), sources = values<object>(), vintages = values<object>();
  const series: Record<string, { attributes: Array<number | null>; observations: Record<string, Array<number | string | null>> }> = {};
  for (const { row, ind } of rows) {
    const a = areas.index(idx.economy[row], () => ({ id: idx.economy[row], name: econ.find(idx.economy[row]) ? econ.name(idx.economy[row], lang) : idx.economy[row] }));
    const i = inds.index(ind.def.id, () => ({ id: ind.def.id, name: ind.def.name }));
    const y = String(idx.year[row]);
    const t = times.index(y, () => ({ value: y, start: `${y}-01-01T00:00:00Z`, end: `${y}-12-31T23:59:59Z` }));
    const key = `0:${a}:${i}`;
    const s = (series[key] ??= { attributes: [units.index(ind.def.unit, () => ({ value: ind.def.unit }))], observations: {} });
    const opt = (v: ReturnType<typeof values<object>>, x: string | null): number | null => (x === null ? null : v.index(x, () => ({ value: x })));
    const status = idx.derivedFrom[row] ? 'E' : 'A';
    s.observations[String(t)] = [idx.value[row], statuses.index(status, () => ({ id: status, name: status === 'E' ? 'Estimated value (derived)' : 'Normal value' })),
      opt(comments, idx.note[row]), opt(sources, idx.source[row]), opt(vintages, vintageOf(idx, row))];
  }
  const dim = (id: string, name: string, keyPosition: number, v: { list: object[] }, roles: string[]) => ({ id, name, names: { en: name }, keyPosition, roles, values: v.list });
  const attr = (id: string, name: string, v: { list: object[] }, rel: object) => ({ id, name, names: { en: name }, relationship: rel, values: v.list });
  return {
    meta: {
      schema: 'https://raw.githubusercontent.com/sdmx-twg/sdmx-json/v2.0.0/data-message/tools/schemas/2.0.0/sdmx-json-data-schema.json',
      id: `ictstat-${prepared}`, test: false, prepared, contentLanguages: [lang], sender: { id: 'ICTSTAT', name: 'ictstat' },
    },
    data: {
      structures: [{
        structure: `urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=${DATAFLOW_REF}`,
        name: 'ICT indicators', names: { en: 'ICT indicators' },
        dimensions: {
          dataSet: [],
          series: [dim('FREQ', 'Frequency', 0, { list: [{ id: 'A', name: 'Annual' }] }, ['FREQ']), dim('REF_AREA', 'Reference area', 1, areas, ['REF_AREA']), dim('INDICATOR', 'Indicator', 2, inds, ['INDICATOR'])],
          observation: [dim('TIME_PERIOD', 'Time period', 3, times, ['TIME_PERIOD'])],
        },
        measures: { observation: [{ id: 'OBS_VALUE', name: 'Observation value', names: { en: 'Observation value' }, roles: ['OBS_VALUE'] }] },
        attributes: {
          dataSet: [],
          series: [attr('UNIT_MEASURE', 'Unit of measure', units, { dimensions: ['REF_AREA', 'INDICATOR'] })],
          observation: [
            attr('OBS_STATUS', 'Observation status', statuses, { observation: {} }),
            attr('COMMENT_OBS', 'Comment', comments, { observation: {} }),
            attr('DATA_SOURCE', 'Data source', sources, { observation: {} }),
            attr('VINTAGE', 'Vintage (the submission the value comes from)', vintages, { observation: {} }),
          ],
        },
      }],
      dataSets: [{ structure: 0, action: 'Information', series }],
    },
  };
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
