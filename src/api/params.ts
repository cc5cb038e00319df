/** Query and path parameters: each one validated, each failure an ApiError that says which and why. */
import { LANGUAGES, loadEconomyRegistry, type Economy, type Language } from '../registry/economies.js';
import { loadIndicatorRegistry, type IndicatorDef } from '../registry/indicators.js';
import { ApiError } from './errors.js';

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

/** `date=2015` or `date=2010:2020` (World Bank's annual forms). */
export function dateRange(q: Query): { from: number; to: number } | undefined {
  const s = single(q, 'date');
  if (s === undefined || s === '') return undefined;
  const m = /^(\d{4})(?::(\d{4}))?$/.exec(s.trim());
  if (!m) throw new ApiError('invalidValue', `date must be a year (2015) or a range of years (2010:2020), not "${clip(s)}"`);
  const from = Number(m[1]), to = Number(m[2] ?? m[1]);
  if (from > to) throw new ApiError('invalidValue', `date ${s}: the first year is after the last`);
  return { from, to };
}

export function language(lang: string | undefined): Language {
  if (lang === undefined) return 'en';
  const l = lang.toLowerCase();
  if (!(LANGUAGES as readonly string[]).includes(l)) throw new ApiError('languageNotSupported', `language "${clip(lang)}" is not one of ${LANGUAGES.join(', ')}`);
  return l as Language;
}

function list(codes: string, what: string): string[] {
  const items = codes.split(';').map((s) => s.trim());
  if (items.length > MAX_LIST) throw new ApiError('invalidValue', `at most ${MAX_LIST} ${what} codes in one request`);
  if (items.some((s) => s === '' || s.length > MAX_CODE)) throw new ApiError('invalidValue', `${what} codes are separated by ";" and none may be empty or longer than ${MAX_CODE} characters`);
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
      throw new ApiError('countryNotFound', `unknown country code "${clip(code)}" (ISO3 or ISO2)` + (near.length ? `; did you mean ${near.join(' or ')}?` : ''));
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
 * `format=json|csv` (and `parquet` where SDMX is served) wins (World Bank style); else the Accept header: SDMX-CSV 2.0,
 * SDMX-JSON 2.0, Arrow IPC stream, Parquet, CSV or JSON, by quality. No acceptable type is a 406.
 */
export function representation(q: Query, accept: string | undefined, sdmx: boolean): Representation {
  const format = single(q, 'format');
  if (format !== undefined) {
    const f = format.toLowerCase();
    if (f === 'json') return 'wb-json';
    if (f === 'csv') return 'wb-csv';
    if (sdmx && f === 'parquet') return 'parquet';
    throw new ApiError('invalidValue', `format must be json or csv${sdmx ? ' or parquet' : ''}, not "${clip(format)}" (SDMX and Arrow are chosen with the Accept header)`);
  }
  if (!accept) return 'wb-json';
  if (accept.length > 1024) throw new ApiError('invalidValue', 'the Accept header is too long');
  const ranges = accept.split(',').map((part, order) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qp = params.find((p) => p.startsWith('q='));
    const quality = qp ? Number(qp.slice(2)) : 1;
    const version = params.find((p) => p.startsWith('version='))?.slice(8);
    return { type, quality: Number.isFinite(quality) ? quality : 0, version, order };
  }).filter((r) => r.quality > 0).sort((a, b) => b.quality - a.quality || a.order - b.order);
  for (const r of ranges) {
    if (sdmx && r.type === 'application/vnd.sdmx.data+csv' && (!r.version || r.version.startsWith('2'))) return 'sdmx-csv';
    if (sdmx && r.type === 'application/vnd.sdmx.data+json' && (!r.version || r.version.startsWith('2'))) return 'sdmx-json';
    if (sdmx && r.type === 'application/vnd.apache.arrow.stream') return 'arrow';
    if (sdmx && r.type === MEDIA.parquet) return 'parquet';
    if (r.type === 'text/csv') return 'wb-csv';
    if (r.type === 'application/json' || r.type === 'application/*' || r.type === '*/*') return 'wb-json';
  }
  throw new ApiError('notAcceptable', `cannot produce any of "${clip(accept, 200)}"; this endpoint serves application/json, text/csv` +
    (sdmx ? `, ${MEDIA.sdmxCsv.split(';').slice(0, 2).join(';')}, ${MEDIA.sdmxJson.split(';').slice(0, 2).join(';')}, ${MEDIA.arrow}, ${MEDIA.parquet}` : ''));
}

/** Echo user input in messages only clipped (and never as markup: answers are JSON or text). */
export function clip(s: string, n = 40): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}
