/**
 * SDMX-CSV data messages, 1.0 (SDMX 2.1: a DATAFLOW column) and 2.0 (SDMX 3.0: STRUCTURE, STRUCTURE_ID, ACTION),
 * one row per observation, then the dimensions, OBS_VALUE and the attributes of the DSD. Options (media type
 * parameters or query parameters): `labels=id|both|name` (codes; `ID: Name`; names only), `timeFormat=original|
 * normalized` (the year; the ISO 8601 start of the period, `2020-01-01T00:00:00`), `keys=none|obs|series|both`
 * (2.0: SERIES_KEY and OBS_KEY columns after ACTION).
 */
import type { Language } from '../../registry/economies.js';
import { csvRow, formatNumber } from '../../util/csv.js';
import { attributeValues, codeName, type SdmxStructure } from './structure.js';
import { dimValue, syntaxError, type SdmxView } from './data.js';
import { clip } from '../params.js';

export interface CsvOptions {
  version: 1 | 2;
  labels: 'id' | 'both' | 'name';
  timeFormat: 'original' | 'normalized';
  keys: 'none' | 'obs' | 'series' | 'both';
}

const CHOICES = { labels: ['id', 'both', 'name'], timeFormat: ['original', 'normalized'], keys: ['none', 'obs', 'series', 'both'] } as const;

/** The options from the media type's parameters, then the query's (which win). */
export function csvOptions(version: 1 | 2, ...sources: Array<Record<string, string | undefined>>): CsvOptions {
  const o: CsvOptions = { version, labels: 'id', timeFormat: 'original', keys: 'none' };
  for (const src of sources) {
    for (const k of Object.keys(CHOICES) as Array<keyof typeof CHOICES>) {
      const v = src[k] ?? src[k.toLowerCase()];
      if (v === undefined) continue;
      const choice = (CHOICES[k] as readonly string[]).find((c) => c === v.toLowerCase());
      if (!choice) throw syntaxError(`${k} must be ${CHOICES[k].join(', ')}, not "${clip(v)}"`);
      (o as unknown as Record<string, string>)[k] = choice;
    }
  }
  if (version === 1 && o.labels === 'name') throw syntaxError('labels=name is SDMX-CSV 2.0; SDMX-CSV 1.0 has id and both');
  if (version === 1 && o.keys !== 'none') throw syntaxError('keys is SDMX-CSV 2.0 (ask for version=2.0.0)');
  return o;
}

export function sdmxCsvMessage(s: SdmxStructure, v: SdmxView, o: CsvOptions, lang: Language = 'en'): string {
  const concept = (id: string) => s.conceptScheme.concepts.find((c) => c.id === id)?.name ?? id;
  const head = (id: string) => (o.labels === 'id' ? id : o.labels === 'both' ? `${id}: ${concept(id)}` : concept(id));
  const dims = [...s.dimensions.map((d) => d.id), s.timeDimension];
  const codelistOf = new Map<string, string>([
    ...s.dimensions.map((d) => [d.id, d.codelist] as [string, string]),
    ...s.attributes.filter((a) => a.codelist).map((a) => [a.id, a.codelist!] as [string, string]),
  ]);
  const label = (id: string, code: string | null): string | null => {
    if (code === null || o.labels === 'id') return code;
    const cl = codelistOf.get(id),
      c = cl ? s.codelist(cl).byId.get(code) : undefined;
    if (!c) return code;
    return o.labels === 'both' ? `${code}: ${codeName(c, lang)}` : codeName(c, lang);
  };
  const time = (y: string) => (o.timeFormat === 'normalized' ? `${y}-01-01T00:00:00` : y);
  const withSeriesKey = o.keys === 'series' || o.keys === 'both',
    withObsKey = o.keys === 'obs' || o.keys === 'both';
  const lead =
    o.version === 1 ? ['DATAFLOW'] : ['STRUCTURE', 'STRUCTURE_ID', 'ACTION', ...(withSeriesKey ? ['SERIES_KEY'] : []), ...(withObsKey ? ['OBS_KEY'] : [])];
  const withAttrs = v.detail === 'full';
  const out = [csvRow([...lead, ...dims.map(head), head(s.primaryMeasure), ...(withAttrs ? s.attributes.map((a) => head(a.id)) : [])])];
  const flow = s.dataflowRef;
  const seriesDims = s.dimensions.map((d) => d.id);
  // serieskeysonly and nodata: one row per series, without a time period.
  const keysOnly = v.detail === 'serieskeysonly' || v.detail === 'nodata';
  const rows = keysOnly && v.dimAtObs !== 'AllDimensions' ? v.series.map((r) => v.obs[r.start]) : v.obs;
  for (const ob of rows) {
    const key = dims.map((d) => (keysOnly && !v.seriesDims.includes(d) ? '' : dimValue(s, v, ob, d)));
    const cells: unknown[] = o.version === 1 ? [flow] : ['dataflow', flow, 'I'];
    if (withSeriesKey) cells.push(key.slice(0, seriesDims.length).join('.'));
    if (withObsKey) cells.push(key.join('.'));
    dims.forEach((d, i) => {
      cells.push(key[i] === '' ? null : d === s.timeDimension ? time(key[i]) : label(d, key[i]));
    });
    cells.push(keysOnly ? null : formatNumber(v.idx.value[ob.row]));
    if (withAttrs) {
      const vals = attributeValues(s, v.idx, ob.row, ob.def);
      // Free text (footnotes, sources) could be a spreadsheet formula: csvRow neutralises it, as everywhere else.
      s.attributes.forEach((a, i) => {
        const x = vals[i];
        cells.push(a.codelist ? label(a.id, x) : x);
      });
    }
    out.push(csvRow(cells));
  }
  return out.join('');
}
