/** World Bank API v2 compatible endpoints: country, indicator, and indicator series by country. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadEconomyRegistry, type Economy, type Language } from '../registry/economies.js';
import { loadIndicatorRegistry, type IndicatorDef } from '../registry/indicators.js';
import { csvRow } from '../util/csv.js';
import type { ObservationCache, ObservationIndex } from './data.js';
import { ApiError, apiName } from './errors.js';
import { UserInputError } from '../util/errors.js';
import { arrowStream, parquetFile, sdmxCsv, sdmxJson, wbCsv, wbRecords, type Selected } from './formats.js';
import { MEDIA, countries, dateRange, indicators, language, paging, representation, single, wholeNumber, type Query } from './params.js';
import { send } from './send.js';
import type { Store } from '../store/store.js';
import { own } from '../util/lookup.js';

const WB_REGIONS: Record<string, [string, string]> = {
  'East Asia & Pacific': ['EAS', 'Z4'], 'Europe & Central Asia': ['ECS', 'Z7'], 'Latin America & Caribbean': ['LCN', 'ZJ'],
  'Middle East & North Africa': ['MEA', 'ZQ'], 'North America': ['NAC', 'XU'], 'South Asia': ['SAS', '8S'], 'Sub-Saharan Africa': ['SSF', 'ZG'],
};
const WB_INCOME: Record<string, [string, string]> = {
  'High income': ['HIC', 'XD'], 'Upper middle income': ['UMC', 'XT'], 'Lower middle income': ['LMC', 'XN'], 'Low income': ['LIC', 'XM'],
};

interface Params { lang?: string; codes?: string; ids?: string }
type Req = FastifyRequest<{ Params: Params; Querystring: Query }>;

/** World Bank's list envelope; metadata lists carry per_page as a string, as the real API does. */
function page<T>(items: readonly T[], q: Query, extra: Record<string, unknown> = {}, perPageAsString = true): { meta: Record<string, unknown>; items: T[] | null } {
  const { page, perPage } = paging(q);
  const total = items.length;
  const pages = Math.ceil(total / perPage);
  return {
    meta: { page, pages, per_page: perPageAsString ? String(perPage) : perPage, total, ...extra },
    items: total === 0 ? null : items.slice((page - 1) * perPage, page * perPage),
  };
}

function countryRecord(e: Economy, lang: Language): object {
  const region = e.wbRegion ? own(WB_REGIONS, e.wbRegion) : undefined, income = e.incomeGroup ? own(WB_INCOME, e.incomeGroup) : undefined;
  return {
    id: e.iso3, iso2Code: e.iso2, name: loadEconomyRegistry().name(e.iso3, lang),
    region: { id: region?.[0] ?? '', iso2code: region?.[1] ?? '', value: e.wbRegion ?? '' },
    adminregion: { id: '', iso2code: '', value: '' },
    incomeLevel: { id: income?.[0] ?? '', iso2code: income?.[1] ?? '', value: e.incomeGroup ?? '' },
    lendingType: { id: '', iso2code: '', value: '' },
    capitalCity: '', longitude: '', latitude: '',
    ituRegion: e.ituRegion2025, ituMember: e.ituMember, m49: e.m49, ldc: e.ldc, lldc: e.lldc, sids: e.sids,
  };
}

function indicatorRecord(def: IndicatorDef, code = def.id): object {
  return {
    id: code, name: def.name, unit: def.unit, source: { id: def.agency, value: def.source }, sourceNote: def.definition, sourceOrganization: def.source,
    topics: [], aliases: def.aliases, kind: def.kind, range: def.range, sdg: def.sdg ?? null, ...(def.derived ? { formula: def.derived.formula } : {}),
  };
}

/** JSON or CSV for the metadata endpoints (no SDMX: that is for data). */
function sendList(req: Req, reply: FastifyReply, list: ReturnType<typeof page>, csvColumns: string[], csvCells: (x: any) => unknown[]) {
  const rep = representation(req.query, req.headers.accept, false);
  if (rep === 'wb-csv') return send(req, reply, [csvRow(csvColumns), ...(list.items ?? []).map((x) => csvRow(csvCells(x)))].join(''), MEDIA.csv);
  return send(req, reply, JSON.stringify([list.meta, list.items]), MEDIA.json);
}

/** As-of versions being computed for one client at once (a cached version costs nothing and is not counted). */
export const MAX_ASOF_IN_FLIGHT = 2;

export function registerWorldBankRoutes(app: FastifyInstance, store: Store, cache: ObservationCache): void {
  /** The data of the current store version, or as of `asof` (an extension: YYYY-MM-DD or ISO date-time). */
  // As-of computations in flight per client address: a client waits for its own before starting more.
  const inFlight = new Map<string, number>();
  const indexFor = async (q: Query, client: string): Promise<ObservationIndex> => {
    const asOf = single(q, 'asof');
    if (asOf === undefined || asOf === '') return cache.index();
    let version: number;
    try {
      version = store.versionAsOf(asOf);
    } catch (e) {
      throw e instanceof UserInputError ? new ApiError('invalidValue', e.describe(apiName)) : e;
    }
    if (version === 0) throw new ApiError('invalidValue', `nothing was in the store as of ${asOf}`);
    if (cache.has(version)) return cache.index(version);
    const n = inFlight.get(client) ?? 0;
    if (n >= MAX_ASOF_IN_FLIGHT) throw new ApiError('rateLimited', `at most ${MAX_ASOF_IN_FLIGHT} as-of computations at a time per client; retry in 1 s`, { retryAfter: 1 });
    inFlight.set(client, n + 1);
    try {
      return await cache.indexAsync(version);
    } finally {
      const left = (inFlight.get(client) ?? 1) - 1;
      if (left > 0) inFlight.set(client, left);
      else inFlight.delete(client);
    }
  };

  const countryList = async (req: Req, reply: FastifyReply) => {
    const lang = language(req.params.lang);
    let list: readonly Economy[] = req.params.codes ? countries(req.params.codes) ?? loadEconomyRegistry().all() : loadEconomyRegistry().all();
    const region = single(req.query, 'region'), income = single(req.query, 'incomeLevel') ?? single(req.query, 'incomelevel');
    if (region !== undefined) {
      const r = Object.entries(WB_REGIONS).find(([, [id, iso2]]) => id === region.toUpperCase() || iso2 === region.toUpperCase());
      if (!r) throw new ApiError('invalidValue', `region must be one of ${Object.values(WB_REGIONS).map(([id]) => id).join(', ')}`);
      list = list.filter((e) => e.wbRegion === r[0]);
    }
    if (income !== undefined) {
      const r = Object.entries(WB_INCOME).find(([, [id, iso2]]) => id === income.toUpperCase() || iso2 === income.toUpperCase());
      if (!r) throw new ApiError('invalidValue', `incomeLevel must be one of ${Object.values(WB_INCOME).map(([id]) => id).join(', ')}`);
      list = list.filter((e) => e.incomeGroup === r[0]);
    }
    const records = list.map((e) => countryRecord(e, lang)) as Array<Record<string, any>>;
    return sendList(req, reply, page(records, req.query), ['id', 'iso2Code', 'name', 'region', 'incomeLevel', 'ituRegion'],
      (c) => [c.id, c.iso2Code, c.name, c.region.id, c.incomeLevel.id, c.ituRegion]);
  };

  const indicatorList = async (req: Req, reply: FastifyReply) => {
    language(req.params.lang);
    const records = req.params.ids
      ? indicators(req.params.ids).map((r) => indicatorRecord(r.def, r.code))
      : loadIndicatorRegistry().indicators.map((d) => indicatorRecord(d));
    return sendList(req, reply, page(records, req.query), ['id', 'name', 'unit', 'kind', 'aliases'],
      (d) => [d.id, d.name, d.unit, d.kind, d.aliases.join(' ')]);
  };

  const series = async (req: Req, reply: FastifyReply) => {
    const lang = language(req.params.lang);
    const econs = countries(req.params.codes!);
    const inds = indicators(req.params.ids!);
    const q = req.query;
    const rep = representation(q, req.headers.accept, true);
    const range = dateRange(q);
    const mrv = wholeNumber(q, 'mrv', 1, 1000), mrnev = wholeNumber(q, 'mrnev', 1, 1000);
    if (mrv !== undefined && mrnev !== undefined) throw new ApiError('invalidValue', 'give mrv or mrnev, not both');
    paging(q); // validated before any work
    const idx = await indexFor(q, req.ip);
    const selected: Selected[] = [];
    for (const ind of inds) {
      const byEconomy = idx.rows.get(ind.def.id);
      if (!byEconomy) continue;
      const codes = econs ? econs.map((e) => e.iso3) : [...byEconomy.keys()].sort();
      const perIndicator: Selected[] = [];
      for (const code of codes) {
        let rows = byEconomy.get(code) ?? [];
        if (range) rows = rows.filter((r) => idx.year[r] >= range.from && idx.year[r] <= range.to);
        if (mrnev !== undefined) rows = rows.slice(0, mrnev);
        for (const row of rows) perIndicator.push({ row, ind });
      }
      if (mrv !== undefined) {
        // Most recent values: the latest `mrv` years of the indicator, as World Bank counts them.
        let latest = -Infinity;
        for (const s of perIndicator) latest = Math.max(latest, idx.year[s.row]);
        for (const s of perIndicator) if (idx.year[s.row] > latest - mrv) selected.push(s);
      } else selected.push(...perIndicator);
    }
    switch (rep) {
      case 'sdmx-csv': return send(req, reply, sdmxCsv(idx, selected), MEDIA.sdmxCsv);
      case 'sdmx-json': return send(req, reply, JSON.stringify(sdmxJson(idx, selected, lang, idx.lastUpdated ? `${idx.lastUpdated}T00:00:00Z` : new Date(0).toISOString())), MEDIA.sdmxJson);
      case 'arrow': return send(req, reply, Buffer.from(arrowStream(idx, selected)), MEDIA.arrow);
      case 'parquet': return send(req, reply, Buffer.from(parquetFile(idx, selected)), MEDIA.parquet);
      default: {
        const p = page(selected, q, { sourceid: 'ictstat', lastupdated: idx.lastUpdated }, false);
        if (rep === 'wb-csv') {
          for (const [k, v] of Object.entries({ 'x-page': p.meta.page, 'x-pages': p.meta.pages, 'x-per-page': p.meta.per_page, 'x-total': p.meta.total })) reply.header(k, String(v));
          return send(req, reply, wbCsv(idx, p.items ?? [], lang), MEDIA.csv);
        }
        return send(req, reply, JSON.stringify([p.meta, p.items && wbRecords(idx, p.items, lang)]), MEDIA.json);
      }
    }
  };

  for (const prefix of ['/v2', '/v2/:lang']) {
    app.get(`${prefix}/country`, countryList);
    app.get(`${prefix}/countries`, countryList);
    app.get(`${prefix}/country/:codes`, countryList);
    app.get(`${prefix}/indicator`, indicatorList);
    app.get(`${prefix}/indicators`, indicatorList);
    app.get(`${prefix}/indicator/:ids`, indicatorList);
    app.get(`${prefix}/country/:codes/indicator/:ids`, series);
    app.get(`${prefix}/countries/:codes/indicators/:ids`, series);
  }
}
