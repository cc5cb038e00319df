/** Query and path parameters: each one validated, each failure an ApiError that says which and why. */
import { LANGUAGES, loadEconomyRegistry, type Economy, type Language } from '../registry/economies.js';
import { loadIndicatorRegistry, type IndicatorDef } from '../registry/indicators.js';
import { ApiError } from './errors.js';
import { loadWorldBankRegistry, type WbAggregate } from '../registry/worldbank.js';
import type { Param } from './routes.js';

export const MAX_PER_PAGE = 10_000;
const MAX_LIST = 300; // codes in one `;`-separated path segment
const MAX_CODE = 64;

export type Query = Record<string, string | string[] | undefined>;

/** A query parameter given once (a repeated parameter is an error, not a silent pick). */
export function single(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw new ApiError('invalidValue', `${name} is given ${v.length} times; give it once`);
  return v;
}

export function wholeNumber(q: Query, name: string, min: number, max: number, fallback?: number): number | undefined {
  const s = single(q, name);
  if (s === undefined || s === '') return fallback;
  // At most as many digits as the maximum has: a long string of digits is refused before any conversion.
  if (!/^\d+$/.test(s) || s.length > String(max).length || Number(s) < min || Number(s) > max)
    throw new ApiError('invalidValue', `${name} must be a whole number from ${min} to ${max.toLocaleString('en')}, not "${clip(s)}"`);
  return Number(s);
}

/**
 * `page` and `per_page`. A per_page above the maximum is served at the maximum (the answer's `per_page` and
 * `pages` say so, and clients page on): real World Bank clients ask for more in one go (the R package WDI asks
 * for 32,500, pandas-datareader for 25,000) and the World Bank API answers them.
 */
export function paging(q: Query): { page: number; perPage: number } {
  const perPage = wholeNumber(q, 'per_page', 1, 999_999_999, 50)!;
  return { page: wholeNumber(q, 'page', 1, 1_000_000_000, 1)!, perPage: Math.min(perPage, MAX_PER_PAGE) };
}

/** `date=2015` or `date=2010:2020` (World Bank's annual forms; `YR2015` as wbgapi writes years is accepted). */
export function dateRange(q: Query): { from: number; to: number } | undefined {
  const s = single(q, 'date');
  if (s === undefined || s === '') return undefined;
  if (/^\d{4}[MQ]\d{1,2}(:\d{4}[MQ]\d{1,2})?$/.test(s.trim()))
    throw new ApiError('invalidValue', `date ${clip(s)}: the data is annual; give years (2010:2020)`);
  const m = /^(?:YR)?(\d{4})(?::(?:YR)?(\d{4}))?$/i.exec(s.trim());
  if (!m) throw new ApiError('invalidValue', `date must be a year (2015) or a range of years (2010:2020), not "${clip(s)}"`);
  const from = Number(m[1]),
    to = Number(m[2] ?? m[1]);
  if (from > to) throw new ApiError('invalidValue', `date ${s}: the first year is after the last`);
  return { from, to };
}

export function language(lang: string | undefined): Language {
  if (lang === undefined) return 'en';
  const l = lang.toLowerCase();
  if (!(LANGUAGES as readonly string[]).includes(l))
    throw new ApiError('languageNotSupported', `language "${clip(lang)}" is not one of ${LANGUAGES.join(', ')}`);
  return l as Language;
}

function list(codes: string, what: string): string[] {
  const items = codes.split(';').map((s) => s.trim());
  if (items.length > MAX_LIST) throw new ApiError('invalidValue', `at most ${MAX_LIST} ${what} codes in one request`);
  if (items.some((s) => s === '' || s.length > MAX_CODE))
    throw new ApiError('invalidValue', `${what} codes are separated by ";" and none may be empty or longer than ${MAX_CODE} characters`);
  return items;
}

/** `all`, or `;`-separated ISO3/ISO2 codes (case-insensitive); null = all. */
export function countries(codes: string): Economy[] | null {
  if (codes.toLowerCase() === 'all') return null;
  const reg = loadEconomyRegistry();
  const out: Economy[] = [];
  for (const code of list(codes, 'country')) {
    const e = /^[A-Za-z]{2,3}$/.test(code) ? reg.find(code) : undefined;
    if (!e) {
      const near = reg.suggest(code);
      throw new ApiError(
        'countryNotFound',
        `unknown country code "${clip(code)}" (ISO3 or ISO2)` + (near.length ? `; did you mean ${near.join(' or ')}?` : ''),
      );
    }
    if (!out.includes(e)) out.push(e);
  }
  return out;
}

export interface RequestedIndicator {
  def: IndicatorDef;
  /** The code as the client knows it: the alias it asked for (e.g. IT.NET.USER.ZS) or the registry id. */
  code: string;
}

/** `;`-separated indicator ids or aliases (ITU codes, World Bank codes), case-insensitive. */
export function indicators(ids: string): RequestedIndicator[] {
  const reg = loadIndicatorRegistry();
  const out: RequestedIndicator[] = [];
  for (const key of list(ids, 'indicator')) {
    const def = reg.find(key);
    if (!def) {
      const near = reg.suggest(key);
      throw new ApiError('indicatorNotFound', `unknown indicator "${clip(key)}"` + (near.length ? `; did you mean ${near.join(' or ')}?` : ''));
    }
    const code = [def.id, ...def.aliases].find((a) => a.toLowerCase() === key.toLowerCase()) ?? def.id;
    if (!out.some((r) => r.def === def)) out.push({ def, code });
  }
  return out;
}

export type Representation = 'wb-json' | 'wb-csv' | 'sdmx-csv' | 'sdmx-json' | 'arrow' | 'parquet';

export const MEDIA = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  sdmxCsv: 'application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8',
  sdmxJson: 'application/vnd.sdmx.data+json; version=2.0.0; charset=utf-8',
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
} as const;

/**
 * `format=json|csv` (and `arrow`, `parquet` where SDMX is served) wins (World Bank style); else the Accept header: SDMX-CSV 2.0,
 * SDMX-JSON 2.0, Arrow IPC stream, Parquet, CSV or JSON, by quality. No acceptable type is a 406.
 */
export function representation(q: Query, accept: string | undefined, sdmx: boolean): Representation {
  const format = single(q, 'format');
  if (format !== undefined) {
    const f = format.toLowerCase();
    if (f === 'json') return 'wb-json';
    if (f === 'csv') return 'wb-csv';
    if (sdmx && f === 'arrow') return 'arrow';
    if (sdmx && f === 'parquet') return 'parquet';
    throw new ApiError(
      'invalidValue',
      `format must be json${sdmx ? ', csv, arrow or parquet' : ' or csv'}, not "${clip(format)}"` + (sdmx ? ' (SDMX is chosen with the Accept header)' : ''),
    );
  }
  if (!accept) return 'wb-json';
  if (accept.length > 1024) throw new ApiError('invalidValue', 'the Accept header is too long');
  const ranges = accept
    .split(',')
    .map((part, order) => {
      const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const qp = params.find((p) => p.startsWith('q='));
      const quality = qp ? Number(qp.slice(2)) : 1;
      const version = params.find((p) => p.startsWith('version='))?.slice(8);
      return { type, quality: Number.isFinite(quality) ? quality : 0, version, order };
    })
    .filter((r) => r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.order - b.order);
  for (const r of ranges) {
    if (sdmx && r.type === 'application/vnd.sdmx.data+csv' && (!r.version || r.version.startsWith('2'))) return 'sdmx-csv';
    if (sdmx && r.type === 'application/vnd.sdmx.data+json' && (!r.version || r.version.startsWith('2'))) return 'sdmx-json';
    if (sdmx && r.type === 'application/vnd.apache.arrow.stream') return 'arrow';
    if (sdmx && r.type === MEDIA.parquet) return 'parquet';
    if (r.type === 'text/csv') return 'wb-csv';
    if (r.type === 'application/json' || r.type === 'application/*' || r.type === '*/*') return 'wb-json';
  }
  throw new ApiError(
    'notAcceptable',
    `cannot produce any of "${clip(accept, 200)}"; this endpoint serves application/json, text/csv` +
      (sdmx ? `, ${MEDIA.sdmxCsv.split(';').slice(0, 2).join(';')}, ${MEDIA.sdmxJson.split(';').slice(0, 2).join(';')}, ${MEDIA.arrow}, ${MEDIA.parquet}` : ''),
  );
}

/** Echo user input in messages only clipped (and never as markup: answers are JSON or text). */
export function clip(s: string, n = 40): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}

/** An economy, or a World Bank aggregate (WLD, SSF, HIC, ... or their ISO2-style codes 1W, ZG, XD). */
export type Area = { kind: 'economy'; economy: Economy } | { kind: 'aggregate'; aggregate: WbAggregate };

/** `all`, or `;`-separated economy (ISO3/ISO2) and aggregate codes; null = all economies. */
export function areas(codes: string): Area[] | null {
  if (codes.toLowerCase() === 'all') return null;
  const reg = loadEconomyRegistry(),
    wb = loadWorldBankRegistry();
  const out: Area[] = [];
  for (const code of list(codes, 'country')) {
    const e = /^[A-Za-z]{2,3}$/.test(code) ? reg.find(code) : undefined;
    const a = e ? undefined : /^[A-Za-z0-9]{2,3}$/.test(code) ? wb.aggregate(code) : undefined;
    if (!e && !a) {
      const near = reg.suggest(code);
      throw new ApiError(
        'countryNotFound',
        `unknown country code "${clip(code)}" (ISO3 or ISO2, or a World Bank aggregate such as WLD)` +
          (near.length ? `; did you mean ${near.join(' or ')}?` : ''),
      );
    }
    const area: Area = e ? { kind: 'economy', economy: e } : { kind: 'aggregate', aggregate: a! };
    if (!out.some((x) => areaCode(x) === areaCode(area))) out.push(area);
  }
  return out;
}
export const areaCode = (a: Area): string => (a.kind === 'economy' ? a.economy.iso3 : a.aggregate.code);

// Parameter declarations: what a route lists in its RouteSpec, documented and parsed by the same object.
export const queryParam = <T>(name: string, description: string, schema: object, parse: (q: Query) => T): Param<T> => ({
  name,
  in: 'query',
  description,
  schema,
  parse: (req) => parse(req.query),
});
export const pathParam = <T>(name: string, description: string, schema: object, parse: (s: string) => T): Param<T> => ({
  name,
  in: 'path',
  description,
  schema,
  parse: (req) => parse(req.params[name] ?? ''),
});
const str = { type: 'string' };

/** A Y/N flag as the World Bank writes it (also true/false, 1/0). */
function flag(q: Query, name: string): boolean {
  const s = single(q, name);
  if (s === undefined || s === '') return false;
  if (/^(y|yes|true|1)$/i.test(s)) return true;
  if (/^(n|no|false|0)$/i.test(s)) return false;
  throw new ApiError('invalidValue', `${name} must be Y or N, not "${clip(s)}"`);
}

export const P = {
  lang: {
    name: 'lang',
    in: 'path',
    description: `language of names: ${LANGUAGES.join(', ')} (paths without it answer in English)`,
    schema: { type: 'string', enum: [...LANGUAGES] },
    parse: (req) => language(req.params.lang),
  } as Param<Language>,
  areas: pathParam('codes', '`all`, or economy codes (ISO3, ISO2) and World Bank aggregate codes (WLD, SSF, HIC, or 1W, ZG, XD), `;`-separated', str, areas),
  /** The same, on routes where the segment is optional (`/v2/country` and `/v2/country/{codes}`): absent = all. */
  areasOrAll: pathParam(
    'codes',
    '`all`, or economy codes (ISO3, ISO2) and World Bank aggregate codes (WLD, SSF, HIC, or 1W, ZG, XD), `;`-separated',
    str,
    (s) => (s === '' ? null : areas(s)),
  ),
  indicatorsOrAll: pathParam('ids', 'indicator codes (World Bank, ITU or registry ids), `;`-separated, case-insensitive', str, (s) =>
    s === '' ? null : indicators(s),
  ),
  indicators: pathParam(
    'ids',
    'indicator codes: World Bank codes (IT.NET.USER.ZS), ITU codes (i99H) or registry ids, `;`-separated, case-insensitive',
    str,
    indicators,
  ),
  sourceId: pathParam('source', 'a source id (`all` or `;`-separated ids; 2 = every indicator)', str, (s) => s),
  topicId: pathParam('topic', 'a topic id (`all` or `;`-separated ids)', str, (s) => s),
  groupCode: pathParam('code', 'a code (`all` or `;`-separated codes; the ISO2-style code also works)', str, (s) => s),
  concept: pathParam('concept', 'a concept: country, series or time (also economy, indicator, year)', str, (s) => s),
  values: pathParam('values', '`all`, or `;`-separated ids of the concept (for time: 2020 or YR2020)', str, (s) => s),
  series: pathParam('series', 'series codes, `;`-separated (as the indicators path parameter)', str, indicators),
  economyPath: pathParam('economy', 'economy codes, `;`-separated, or `all` (as the countries path parameter)', str, areas),
  seriesOrNone: pathParam('series', 'series codes, `;`-separated', str, (s) => (s === '' ? null : indicators(s))),
  economyOrNone: pathParam('economy', 'economy codes, `;`-separated, or `all`', str, (s) => (s === '' ? null : areas(s))),
  time: pathParam('time', '`all`, or years `;`-separated (2020 or YR2020)', str, (s) => s),
  query: pathParam('q', 'search text (case-insensitive)', str, (s) => s),
  date: queryParam('date', 'a year (2015) or a range (2010:2020): every year of it is listed, `value: null` where empty', str, dateRange),
  mrv: queryParam(
    'mrv',
    "the N latest years of the indicator's coverage, one row per economy and year (null where that economy has none)",
    { type: 'integer', minimum: 1, maximum: 1000 },
    (q) => wholeNumber(q, 'mrv', 1, 1000),
  ),
  mrnev: queryParam('mrnev', "each economy's N latest non-empty values", { type: 'integer', minimum: 1, maximum: 1000 }, (q) =>
    wholeNumber(q, 'mrnev', 1, 1000),
  ),
  gapfill: queryParam(
    'gapfill',
    'Y: with mrv, an empty year takes the latest earlier value, going back at most mrv years (`gapfilledFrom` says from which year)',
    { type: 'string', enum: ['Y', 'N'] },
    (q) => flag(q, 'gapfill'),
  ),
  frequency: queryParam('frequency', 'Y (annual: the only frequency of this data; Q and M are refused)', { type: 'string', enum: ['Y'] }, (q) => {
    const f = single(q, 'frequency');
    if (f !== undefined && f !== '' && !/^(y|a)$/i.test(f)) throw new ApiError('invalidValue', `frequency ${clip(f)}: the data is annual (frequency=Y)`);
    return 'Y' as const;
  }),
  source: queryParam('source', 'a source id (see /v2/sources): only its indicators', str, (q) => single(q, 'source')),
  page: queryParam('page', 'page number, from 1', { type: 'integer', minimum: 1, default: 1 }, (q) => paging(q).page),
  perPage: queryParam(
    'per_page',
    `rows per page (default 50; a larger value than ${MAX_PER_PAGE.toLocaleString('en')} is served at ${MAX_PER_PAGE.toLocaleString('en')}; the answer's per_page and pages say so)`,
    { type: 'integer', minimum: 1, default: 50 },
    (q) => paging(q).perPage,
  ),
  format: queryParam('format', 'json (default) or csv', { type: 'string', enum: ['json', 'csv'] }, (q) => single(q, 'format')),
  dataFormat: queryParam(
    'format',
    'json (default), csv, arrow (an Arrow IPC stream) or parquet; SDMX-CSV 2.0 and SDMX-JSON 2.0 by Accept',
    { type: 'string', enum: ['json', 'csv', 'arrow', 'parquet'] },
    (q) => single(q, 'format'),
  ),
  asof: queryParam('asof', 'extension: the data as the store held it on this date (YYYY-MM-DD or ISO date-time)', str, (q) => single(q, 'asof')),
  region: queryParam('region', 'World Bank region code (SSF, EAS, ...; administrative regions SSA, EAP, ...)', str, (q) => single(q, 'region')),
  incomeLevel: queryParam(
    'incomeLevel',
    'World Bank income level (HIC, UMC, LMC, LIC, MIC, LMY, INX); `incomelevel` also works',
    str,
    (q) => single(q, 'incomeLevel') ?? single(q, 'incomelevel'),
  ),
  lendingType: queryParam(
    'lendingType',
    'World Bank lending type (IBD, IDB, IDX, LNX); `lendingtype` also works',
    str,
    (q) => single(q, 'lendingType') ?? single(q, 'lendingtype'),
  ),
  regionType: queryParam('type', 'region group: geo, admin, demodividend or smallstates', str, (q) => single(q, 'type')),
  databid: queryParam('databid', 'Y: accepted as wbgapi sends it (sources always carry their data and metadata availability)', { type: 'string' }, (q) =>
    flag(q, 'databid'),
  ),
} satisfies Record<string, Param<unknown>>;
