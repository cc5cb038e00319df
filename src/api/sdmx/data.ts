/**
 * SDMX REST data queries over the observation index: the flow, key and provider of the path, the query
 * parameters (startPeriod, endPeriod, firstNObservations, lastNObservations, dimensionAtObservation, detail),
 * and the selected observations as a `SdmxView` (rows of the index ordered by series, then observation) that
 * every SDMX writer reads.
 */
import { loadEconomyRegistry } from '../../registry/economies.js';
import { loadIndicatorRegistry, type IndicatorDef } from '../../registry/indicators.js';
import type { ObservationIndex } from '../data.js';
import { clip, single, type Query } from '../params.js';
import { attributeValues, type SdmxStructure } from './structure.js';

/** An SDMX web-service error: its SDMX code (100 no results, 140 syntax, 501 not implemented, 510 too large) and HTTP status. */
export class SdmxError extends Error {
  constructor(
    readonly code: number,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
export const noResults = (why: string) => new SdmxError(100, 404, why);
export const syntaxError = (why: string) => new SdmxError(140, 400, why);
export const notImplemented = (why: string) => new SdmxError(501, 501, why);

/**
 * The most observations (or, for detail=serieskeysonly/nodata, series) one answer holds: about 40 MB of
 * generic SDMX-ML. A query asking for more is answered 413 (SDMX code 510) and told to narrow its key or period.
 */
export const MAX_OBSERVATIONS = 100_000;

export type Detail = 'full' | 'dataonly' | 'serieskeysonly' | 'nodata';
export const DETAILS: readonly Detail[] = ['full', 'dataonly', 'serieskeysonly', 'nodata'];

export interface Obs {
  row: number;
  def: IndicatorDef;
}

export interface SdmxView {
  idx: ObservationIndex;
  /** Ordered by the series dimensions, then the observation dimensions. */
  obs: Obs[];
  /** A dimension id, or AllDimensions (a flat list of observations). */
  dimAtObs: string;
  seriesDims: string[];
  obsDims: string[];
  /** Contiguous ranges of `obs`, one per series (empty with AllDimensions). */
  series: Array<{ start: number; end: number }>;
  detail: Detail;
  /** Attributes (indices into the DSD's list) attached to the series, and to the observation. */
  seriesAttrs: number[];
  obsAttrs: number[];
}

/** The value of a dimension for one observation. */
export function dimValue(s: SdmxStructure, v: SdmxView, o: Obs, dim: string): string {
  switch (dim) {
    case 'FREQ':
      return 'A'; // every observation of the store is annual
    case 'REF_AREA':
      return v.idx.economy[o.row];
    case 'INDICATOR':
      return o.def.id;
    default:
      return dim === s.timeDimension ? String(v.idx.year[o.row]) : '';
  }
}

function pick(s: SdmxStructure, v: SdmxView, o: Obs, which: number[]): Array<[string, string]> {
  const all = attributeValues(s, v.idx, o.row, o.def);
  const out: Array<[string, string]> = [];
  for (const i of which) if (all[i] !== null) out.push([s.attributes[i].id, all[i]!]);
  return out;
}
export const seriesAttributes = (s: SdmxStructure, v: SdmxView, o: Obs) => pick(s, v, o, v.seriesAttrs);
export const obsAttributes = (s: SdmxStructure, v: SdmxView, o: Obs) => pick(s, v, o, v.obsAttrs);

/** Order `obs` into series for a dimension at the observation level and make the view. */
export function makeView(s: SdmxStructure, idx: ObservationIndex, obs: Obs[], dimAtObs = s.timeDimension, detail: Detail = 'full'): SdmxView {
  const allDims = [...s.dimensions.map((d) => d.id), s.timeDimension];
  const obsDims = dimAtObs === 'AllDimensions' ? allDims : [dimAtObs];
  const seriesDims = allDims.filter((d) => !obsDims.includes(d));
  const v: SdmxView = { idx, obs, dimAtObs, seriesDims, obsDims, series: [], detail, seriesAttrs: [], obsAttrs: [] };
  s.attributes.forEach((a, i) => {
    (a.relatedTo !== 'observation' && a.relatedTo.every((d) => seriesDims.includes(d)) ? v.seriesAttrs : v.obsAttrs).push(i);
  });
  const keyOf = (o: Obs, dims: string[]) => dims.map((d) => dimValue(s, v, o, d)).join('\u0000');
  const keyed = obs.map((o) => ({ o, sk: keyOf(o, seriesDims), ok: keyOf(o, obsDims) }));
  keyed.sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : a.ok < b.ok ? -1 : a.ok > b.ok ? 1 : 0));
  v.obs = keyed.map((k) => k.o);
  if (dimAtObs !== 'AllDimensions') {
    for (let i = 0; i < keyed.length; i++) {
      if (i === 0 || keyed[i].sk !== keyed[i - 1].sk) v.series.push({ start: i, end: i + 1 });
      else v.series[v.series.length - 1].end = i + 1;
    }
  }
  return v;
}

/** `ICT_INDICATORS`, `ITU,ICT_INDICATORS` or `ITU,ICT_INDICATORS,1.0.0` (`all`, `*` or `latest` where SDMX allows them). */
export function checkFlow(s: SdmxStructure, flow: string): void {
  const parts = flow.split(',');
  if (parts.length > 3) throw syntaxError(`the flow "${clip(flow)}" is not AGENCY,ID,VERSION`);
  const [agency, id, version] = parts.length === 1 ? ['all', parts[0], 'latest'] : parts.length === 2 ? [parts[0], parts[1], 'latest'] : parts;
  const any = (x: string) => ['all', '*', ''].includes(x.toLowerCase());
  if (
    !(any(agency) || agency.toUpperCase() === s.agency) ||
    id.toUpperCase() !== s.dataflow.id.toUpperCase() ||
    !(any(version) || ['latest', '+', '~'].includes(version.toLowerCase()) || version === s.version)
  )
    throw noResults(`no dataflow ${clip(flow)}; this service has ${s.dataflowRef}`);
}

/** The provider segment: `all`, or our agency. */
export function checkProvider(s: SdmxStructure, provider: string | undefined): void {
  if (provider === undefined || ['all', '*'].includes(provider.toLowerCase())) return;
  const id = provider.split(',').pop()!;
  if (id.toUpperCase() !== s.agency) throw noResults(`no data provider ${clip(provider)}; this service has ${s.agency}`);
}

interface KeyFilter {
  freq: boolean;
  areas: string[] | null;
  indicators: IndicatorDef[] | null;
}

/** The key FREQ.REF_AREA.INDICATOR: each part empty (any) or codes joined by `+`; `all` for everything. */
export function parseKey(s: SdmxStructure, key: string | undefined): KeyFilter {
  const out: KeyFilter = { freq: true, areas: null, indicators: null };
  if (key === undefined || key === '' || key.toLowerCase() === 'all') return out;
  const parts = key.split('.');
  const dims = s.dimensions.map((d) => d.id);
  if (parts.length !== dims.length)
    throw syntaxError(
      `the key "${clip(key, 80)}" has ${parts.length} part${parts.length === 1 ? '' : 's'}; it is ${dims.join('.')} (a part may be empty, or codes joined by +)`,
    );
  const econ = loadEconomyRegistry(),
    inds = loadIndicatorRegistry();
  const unknown: string[] = [];
  parts.forEach((part, i) => {
    if (part === '') return;
    const codes = part.split('+');
    if (codes.some((c) => c === '' || c.length > 64)) throw syntaxError(`the key part ${dims[i]} "${clip(part)}" has an empty or too long code`);
    const dim = dims[i];
    if (dim === 'FREQ') out.freq = codes.some((c) => s.codelist(s.dimensions[i].codelist).byId.has(c.toUpperCase()));
    else if (dim === 'REF_AREA') {
      const found = [...new Set(codes.map((c) => econ.find(c)?.iso3).filter((x): x is string => x !== undefined))];
      if (found.length < codes.length) unknown.push(...codes.filter((c) => !econ.find(c)).map((c) => `${dim}=${clip(c)}`));
      out.areas = found;
    } else if (dim === 'INDICATOR') {
      const found = [...new Set(codes.map((c) => inds.find(c)).filter((x): x is IndicatorDef => x !== undefined))];
      if (found.length < codes.length) unknown.push(...codes.filter((c) => !inds.find(c)).map((c) => `${dim}=${clip(c)}`));
      out.indicators = found;
    }
  });
  if (out.areas?.length === 0 || out.indicators?.length === 0 || !out.freq)
    throw noResults(
      `nothing matches the key ${clip(key, 80)}` +
        (unknown.length
          ? `: ${unknown.slice(0, 5).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the codelists (GET /sdmx/rest/codelist/${s.agency})`
          : ''),
    );
  return out;
}

/** The year of an SDMX period (2020, 2020-06, 2020-06-30, 2020-Q2, 2020-S1, 2020-M06, 2020-W26, 2020-A1, 2020-D180). */
function periodYear(q: Query, name: string): number | undefined {
  const p = single(q, name);
  if (p === undefined || p === '') return undefined;
  if (!/^\d{4}(?:-(?:\d{2}(?:-\d{2}(?:T[\d:.]{2,15}(?:Z|[+-]\d{2}:\d{2})?)?)?|[QSTMWAD]\d{1,3}))?$/.test(p))
    throw syntaxError(`${name} must be an SDMX period (2020, 2020-06, 2020-06-30, 2020-Q2, ...), not "${clip(p)}"`);
  return Number(p.slice(0, 4));
}

function count(q: Query, name: string): number | undefined {
  const v = single(q, name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1) throw syntaxError(`${name} must be a whole number from 1 to 99,999, not "${clip(v)}"`);
  return Number(v);
}

export const DATA_PARAMS = [
  'startPeriod',
  'endPeriod',
  'firstNObservations',
  'lastNObservations',
  'dimensionAtObservation',
  'detail',
  'includeHistory',
  'updatedAfter',
  'format',
  'labels',
  'timeFormat',
  'keys',
];

export interface DataQuery {
  key: KeyFilter;
  from: number;
  to: number;
  firstN?: number;
  lastN?: number;
  dimAtObs: string;
  detail: Detail;
}

/** The query parameters of a data query, each validated. */
export function parseDataQuery(s: SdmxStructure, key: string | undefined, q: Query): DataQuery {
  for (const k of Object.keys(q)) if (!DATA_PARAMS.includes(k)) throw syntaxError(`unknown parameter ${clip(k)}; a data query takes ${DATA_PARAMS.join(', ')}`);
  const history = single(q, 'includeHistory');
  if (history !== undefined && !['true', 'false'].includes(history)) throw syntaxError(`includeHistory must be true or false, not "${clip(history)}"`);
  if (history === 'true')
    throw notImplemented('includeHistory=true is not implemented: the store keeps past vintages, but SDMX history is not served (use /v2/... with asof=DATE)');
  if (single(q, 'updatedAfter') !== undefined) throw notImplemented('updatedAfter is not implemented');
  const from = periodYear(q, 'startPeriod') ?? -Infinity,
    to = periodYear(q, 'endPeriod') ?? Infinity;
  if (from > to) throw syntaxError(`startPeriod (${from}) is after endPeriod (${to})`);
  const firstN = count(q, 'firstNObservations'),
    lastN = count(q, 'lastNObservations');
  const detail = (single(q, 'detail') ?? 'full') as Detail;
  if (!DETAILS.includes(detail)) throw syntaxError(`detail must be one of ${DETAILS.join(', ')}, not "${clip(detail)}"`);
  const dims = [...s.dimensions.map((d) => d.id), s.timeDimension, 'AllDimensions'];
  const dao = single(q, 'dimensionAtObservation') ?? s.timeDimension;
  const dimAtObs = dims.find((d) => d.toLowerCase() === dao.toLowerCase());
  if (!dimAtObs) throw syntaxError(`dimensionAtObservation must be one of ${dims.join(', ')}, not "${clip(dao)}"`);
  return { key: parseKey(s, key), from, to, firstN, lastN, dimAtObs, detail };
}

/**
 * An SDMX REST 2.0 (SDMX 3.0) data query, as the equivalent 2.1 key and parameters: the key's `,` (or) and `*`
 * (any); `c[DIM]=A,B` (eq only) narrowing a key part; `c[TIME_PERIOD]=ge:2010+le:2015` (ge, gt, le, lt, eq; `+` or a
 * space between); `attributes` and `measures` (all or none) as `detail`; `firstNObservations`, `lastNObservations`,
 * `dimensionAtObservation`, `updatedAfter` and `includeHistory` as in 2.1.
 */
export function fromRest2(s: SdmxStructure, key: string | undefined, q: Query): { key: string; query: Query } {
  const dims = s.dimensions.map((d) => d.id);
  let parts = key === undefined || key === '' || key === '*' ? dims.map(() => '') : key.split('.').map((p) => (p === '*' ? '' : p.replace(/,/g, '+')));
  const out: Query = {};
  let from: number | undefined, to: number | undefined;
  const keep = [
    'firstNObservations',
    'lastNObservations',
    'dimensionAtObservation',
    'updatedAfter',
    'includeHistory',
    'format',
    'labels',
    'timeFormat',
    'keys',
  ];
  for (const name of Object.keys(q)) {
    const v = single(q, name) ?? '';
    if (keep.includes(name)) {
      out[name] = v;
      continue;
    }
    const m = /^c\[([A-Za-z][A-Za-z0-9_-]*)\]$/.exec(name);
    if (m && m[1] === s.timeDimension) {
      for (const term of v.split(/[+ ]/).filter((t) => t !== '')) {
        const t = /^(?:(ge|gt|le|lt|eq):)?(\d{4})(?:-[\dQSTMWAD][\d-]*)?$/.exec(term);
        if (!t) throw syntaxError(`c[${s.timeDimension}] takes ge:, gt:, le:, lt: or eq: and a period, not "${clip(term)}"`);
        const y = Number(t[2]),
          op = t[1] ?? 'eq';
        if (op === 'ge' || op === 'eq') from = Math.max(from ?? -Infinity, y);
        if (op === 'gt') from = Math.max(from ?? -Infinity, y + 1);
        if (op === 'le' || op === 'eq') to = Math.min(to ?? Infinity, y);
        if (op === 'lt') to = Math.min(to ?? Infinity, y - 1);
      }
    } else if (m && dims.includes(m[1])) {
      if (/^[a-z]{2}:/.test(v) && !v.startsWith('eq:')) throw notImplemented(`c[${m[1]}] supports eq (a code, or codes joined by ","), not "${clip(v)}"`);
      const codes = v.replace(/^eq:/, '').split(',');
      const i = dims.indexOf(m[1]);
      const current = parts[i] === '' ? null : new Set(parts[i].split('+').map((c) => c.toUpperCase()));
      const narrowed = current ? codes.filter((c) => current.has(c.toUpperCase())) : codes;
      if (!narrowed.length) throw noResults(`the key and c[${m[1]}] select no ${m[1]} together`);
      parts = parts.map((p, k) => (k === i ? narrowed.join('+') : p));
    } else if (name === 'attributes' || name === 'measures') {
      if (!['all', 'none', 'dsd', 'msd', 'dataset', 'series', 'obs'].includes(v) && name === 'attributes')
        throw syntaxError(`attributes must be all, none, dsd, dataset, series or obs, not "${clip(v)}"`);
      if (!['all', 'none'].includes(v) && name === 'measures') throw syntaxError(`measures must be all or none, not "${clip(v)}"`);
    } else
      throw syntaxError(
        `unknown parameter ${clip(name)}; an SDMX REST 2.0 data query takes c[DIMENSION], ${[...keep.slice(0, 5), 'attributes', 'measures'].join(', ')}`,
      );
  }
  const attributes = single(q, 'attributes') ?? 'dsd',
    measures = single(q, 'measures') ?? 'all';
  out.detail = measures === 'none' ? (attributes === 'none' ? 'serieskeysonly' : 'nodata') : attributes === 'none' ? 'dataonly' : 'full';
  if (from !== undefined) out.startPeriod = String(from);
  if (to !== undefined) out.endPeriod = String(to);
  if (from !== undefined && to !== undefined && from > to) throw noResults(`c[${s.timeDimension}] selects no period`);
  return { key: parts.join('.'), query: out };
}

/** The observations a data query selects (404 if none, 413 past MAX_OBSERVATIONS), as a view. */
export function selectData(s: SdmxStructure, idx: ObservationIndex, dq: DataQuery, max = MAX_OBSERVATIONS): SdmxView {
  const obs: Obs[] = [];
  const defs = dq.key.indicators ?? loadIndicatorRegistry().indicators;
  let series = 0;
  if (dq.key.freq)
    for (const def of defs) {
      const byEconomy = idx.rows.get(def.id);
      if (!byEconomy) continue;
      for (const area of dq.key.areas ?? byEconomy.keys()) {
        let rows = byEconomy.get(area);
        if (!rows) continue;
        // Rows are latest year first: lastN takes from the front, firstN from the back.
        if (dq.from !== -Infinity || dq.to !== Infinity) rows = rows.filter((r) => idx.year[r] >= dq.from && idx.year[r] <= dq.to);
        if (dq.lastN !== undefined) rows = rows.slice(0, dq.lastN);
        if (dq.firstN !== undefined) rows = rows.slice(Math.max(0, rows.length - dq.firstN));
        if (rows.length) series++;
        for (const row of rows) obs.push({ row, def });
      }
      const size = dq.detail === 'serieskeysonly' || dq.detail === 'nodata' ? series : obs.length;
      if (size > max) {
        throw new SdmxError(
          510,
          413,
          `the answer would hold more than ${max.toLocaleString('en')} ${size === series ? 'series' : 'observations'} (the limit of one answer); ` +
            'narrow the key (REF_AREA, INDICATOR) or the period (startPeriod, endPeriod, lastNObservations)',
        );
      }
    }
  if (obs.length === 0) throw noResults('no observations match the query');
  return makeView(s, idx, obs, dq.dimAtObs, dq.detail);
}
