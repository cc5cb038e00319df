/**
 * World Bank API v2 routes, as the World Bank's own clients call them (wbgapi, wbdata, R WDI; the list and what
 * each parses is in the README, "World Bank clients"): countries, indicators, sources, topics, regions, income
 * levels, lending types, the indicator series by country, and wbgapi's source/concept routes (concepts, concept
 * values, data, metadata, search). Singular and plural paths, with or without a language prefix.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { chargeComputation } from './budget.js';
import { loadEconomyRegistry, type Economy, type Language } from '../registry/economies.js';
import { loadIndicatorRegistry, type IndicatorDef } from '../registry/indicators.js';
import { loadWorldBankRegistry, publicCode, type WbSource } from '../registry/worldbank.js';
import { csvRow } from '../util/csv.js';
import { UserInputError } from '../util/errors.js';
import type { ObservationCache, ObservationIndex } from './data.js';
import { ApiError, apiName } from './errors.js';
import { estimatesWorkerLimits } from './compute-pool.js';
import type { ComputeGate } from './gate.js';
import {
  arrowStream,
  parquetFile,
  sdmxCsv,
  sdmxJson,
  WB_CSV_COLUMNS,
  wbCsv,
  wbCsvRows,
  wbRecords,
  type AggregateFigure,
  type Cell,
  type Selected,
} from './formats.js';
import { loadEstimatesConfig } from '../estimates/index.js';
import { estimatesSeries, hasEstimates } from '../usecases/estimates.js';
import { Worker } from 'node:worker_threads';
import { tableToIPC } from 'apache-arrow';
import { workerScript } from '../util/bundle.js';
import type { EstimatesAnswer, EstimatesJob } from './estimates-worker.js';
import { MEDIA, P, areaCode, areas, clip, indicators, paging, representation, type Area, type Query, type RequestedIndicator } from './params.js';
import { registerRoutes, route, type Req, type RouteSpec } from './routes.js';
import { batched, RECORD_BATCH, send } from './send.js';
import type { Store } from '../store/store.js';
import type { FastifyInstance } from 'fastify';

interface Ctx {
  store: Store;
  cache: ObservationCache;
  inFlight: Map<string, number>;
  gate: ComputeGate;
}

/** As-of versions being computed for one client at once (a cached version costs nothing and is not counted). */
/** Records' JSON joined by commas (the inside of a JSON array). */
const jsonList = (rs: readonly unknown[]): string => rs.map((r) => JSON.stringify(r)).join(',');

export const MAX_ASOF_IN_FLIGHT = 2;

const AGGREGATE_REF = { id: 'NA', iso2code: 'NA', value: 'Aggregates' };

const wb = () => loadWorldBankRegistry();

/** The name World Bank clients join on: the World Bank's own (English), else the UN name in the language. */
function economyName(e: Economy, lang: Language): string {
  return (lang === 'en' ? wb().name(e) : undefined) ?? loadEconomyRegistry().name(e.iso3, lang);
}
const areaName = (a: Area, lang: Language): string => (a.kind === 'economy' ? economyName(a.economy, lang) : a.aggregate.name);
const areaIso2 = (a: Area): string => (a.kind === 'economy' ? a.economy.iso2 : a.aggregate.iso2code);

/** The World Bank's list envelope. Pages never number 0, so clients that page until `page == pages` stop. */
function page<T>(items: readonly T[], q: Query, extra: Record<string, unknown> = {}, perPageAsString = true): { meta: Record<string, unknown>; items: T[] } {
  const { page, perPage } = paging(q);
  const total = items.length;
  return {
    meta: { page, pages: Math.max(1, Math.ceil(total / perPage)), per_page: perPageAsString ? String(perPage) : perPage, total, ...extra },
    items: items.slice((page - 1) * perPage, page * perPage),
  };
}

function countryRecord(a: Area, lang: Language): Record<string, unknown> {
  if (a.kind === 'aggregate')
    return {
      id: a.aggregate.code,
      iso2Code: a.aggregate.iso2code,
      name: a.aggregate.name,
      region: AGGREGATE_REF,
      adminregion: { id: '', iso2code: '', value: '' },
      incomeLevel: AGGREGATE_REF,
      lendingType: AGGREGATE_REF,
      capitalCity: '',
      longitude: '',
      latitude: '',
      aggregate: true,
    };
  const e = a.economy,
    r = wb();
  return {
    id: e.iso3,
    iso2Code: e.iso2,
    name: economyName(e, lang),
    region: r.region(e),
    adminregion: r.adminRegion(e),
    incomeLevel: r.incomeLevel(e),
    lendingType: r.lendingType(e),
    ...r.capital(e),
    unName: loadEconomyRegistry().name(e.iso3, lang),
    wbName: r.name(e) ?? null,
    ituRegion: e.ituRegion2025,
    ituMember: e.ituMember,
    m49: e.m49,
    ldc: e.ldc,
    lldc: e.lldc,
    sids: e.sids,
    aggregate: false,
  };
}

/** Every economy and aggregate, by code (the World Bank's /v2/country order). */
function allAreas(): Area[] {
  const list: Area[] = [
    ...loadEconomyRegistry()
      .all()
      .map((economy): Area => ({ kind: 'economy', economy })),
    ...wb()
      .aggregates.filter((a) => !loadEconomyRegistry().find(a.code))
      .map((aggregate): Area => ({ kind: 'aggregate', aggregate })),
  ];
  return list.sort((x, y) => areaCode(x).localeCompare(areaCode(y)));
}

function sourceRecord(s: WbSource, lastupdated: string): Record<string, unknown> {
  return {
    id: s.id,
    lastupdated,
    name: s.name,
    code: s.code,
    description: s.description,
    url: s.url,
    dataavailability: 'Y',
    metadataavailability: 'Y',
    concepts: '3',
  };
}

function indicatorRecord(def: IndicatorDef, code = publicCode(def)): Record<string, unknown> {
  const r = wb(),
    src = r.sourceOf(def);
  return {
    id: code,
    name: def.name,
    unit: def.unit,
    source: { id: src.id, value: src.name },
    sourceNote: def.definition,
    sourceOrganization: def.source,
    topics: r.topicsOf(def).map((t) => ({ id: t.id, value: t.value })),
    registryId: def.id,
    aliases: [def.id, ...def.aliases].filter((a) => a !== code),
    kind: def.kind,
    range: def.range,
    sdg: def.sdg ?? null,
    ...(def.derived ? { formula: def.derived.formula } : {}),
  };
}

/** `all` or `;`-separated ids of a catalogue list; an unknown id is an error naming the known ones. */
function pick<T extends { id: string }>(items: readonly T[], ids: string | undefined, what: string, key: (x: T) => string[] = (x) => [x.id]): readonly T[] {
  if (ids === undefined || ids === '' || ids.toLowerCase() === 'all') return items;
  return ids.split(';').map((id) => {
    const x = items.find((i) => key(i).some((k) => k.toUpperCase() === id.trim().toUpperCase()));
    if (!x) throw new ApiError('invalidValue', `unknown ${what} "${clip(id)}"; known: ${items.map((i) => key(i)[0]).join(', ')}`);
    return x;
  });
}

/** JSON or CSV for the metadata endpoints (no SDMX: that is for data). */
function sendList(
  req: Req,
  reply: FastifyReply,
  // biome-ignore lint/suspicious/noExplicitAny: World Bank records are heterogeneous JSON objects; their fields are read by name
  list: ReturnType<typeof page<Record<string, any>>>,
  csvColumns: string[],
  // biome-ignore lint/suspicious/noExplicitAny: World Bank records are heterogeneous JSON objects; their fields are read by name
  csvCells: (x: Record<string, any>) => unknown[],
) {
  const rep = representation(req.query, req.headers.accept, false);
  if (rep === 'wb-csv') return send(req, reply, [csvRow(csvColumns), ...list.items.map((x) => csvRow(csvCells(x)))].join(''), MEDIA.csv);
  return send(req, reply, JSON.stringify([list.meta, list.items]), MEDIA.json);
}

/**
 * The data of the current store version, or as of `asof` (an extension: YYYY-MM-DD or ISO date-time). An as-of
 * version not in the cache is computed off the event loop, at most MAX_ASOF_IN_FLIGHT at a time per client.
 */
async function indexFor(ctx: Ctx, asOf: string | undefined, req: FastifyRequest): Promise<ObservationIndex> {
  if (asOf === undefined || asOf === '') return ctx.cache.index();
  let version: number;
  try {
    version = ctx.store.versionAsOf(asOf);
  } catch (e) {
    throw e instanceof UserInputError ? new ApiError('invalidValue', e.describe(apiName)) : e;
  }
  if (version === 0) throw new ApiError('invalidValue', `nothing was in the store as of ${asOf}`);
  if (ctx.cache.has(version)) return ctx.cache.index(version);
  const client = req.ip;
  const n = ctx.inFlight.get(client) ?? 0;
  if (n >= MAX_ASOF_IN_FLIGHT)
    throw new ApiError('rateLimited', `at most ${MAX_ASOF_IN_FLIGHT} as-of computations at a time per client; retry in 1 s`, { retryAfter: 1 });
  ctx.inFlight.set(client, n + 1);
  chargeComputation(req);
  try {
    // One core's worth of anonymous computations at a time (gate.ts); a version made meanwhile is not made again.
    return await ctx.gate.run('asof', () => ctx.cache.indexAsync(version));
  } finally {
    const left = (ctx.inFlight.get(client) ?? 1) - 1;
    if (left > 0) ctx.inFlight.set(client, left);
    else ctx.inFlight.delete(client);
  }
}

/**
 * First and last year of each indicator's data, and of all of it (the source's time dimension), per index. Kept
 * per indicator's series map: an index moved by a submission shares the maps of the indicators it did not
 * change, so a new version costs a scan of the changed indicators only, not of every row.
 */
const seriesCoverage = new WeakMap<Map<string, number[]>, [number, number] | null>();
const coverageCache = new WeakMap<ObservationIndex, [number, number] | null>();
function coverage(idx: ObservationIndex, indicator: string | null): [number, number] | undefined {
  if (indicator !== null) {
    const byEconomy = idx.rows.get(indicator);
    return byEconomy ? (ofSeries(idx, byEconomy) ?? undefined) : undefined;
  }
  let all = coverageCache.get(idx);
  if (all === undefined) {
    let lo = Infinity,
      hi = -Infinity;
    for (const byEconomy of idx.rows.values()) {
      const c = ofSeries(idx, byEconomy);
      if (c) [lo, hi] = [Math.min(lo, c[0]), Math.max(hi, c[1])];
    }
    coverageCache.set(idx, (all = lo <= hi ? [lo, hi] : null));
  }
  return all ?? undefined;
}
function ofSeries(idx: ObservationIndex, byEconomy: Map<string, number[]>): [number, number] | null {
  let c = seriesCoverage.get(byEconomy);
  if (c === undefined) {
    let a = Infinity,
      b = -Infinity;
    for (const rows of byEconomy.values())
      for (const r of rows) {
        const y = idx.year[r];
        if (y < a) a = y;
        if (y > b) b = y;
      }
    seriesCoverage.set(byEconomy, (c = a <= b ? [a, b] : null));
  }
  return c;
}

/** Each World Bank aggregate code's figures of one indicator by year, or why there are none. */
type AggregateTable = Map<string, Map<number, AggregateFigure> | string>;

/** At most this many years of aggregates are estimated (the estimates' own limit is 60). */
const AGGREGATE_YEARS = 60;

/**
 * The world and regional estimates of an indicator for every aggregate code of the estimates file, over the
 * indicator's years in this index (the latest 60): one estimation run per index version and indicator, shared by
 * concurrent requests, dropped with the index.
 */
const aggregateCache = new WeakMap<ObservationIndex, Map<string, Promise<AggregateTable>>>();
function aggregateTable(idx: ObservationIndex, def: IndicatorDef, gate: ComputeGate): Promise<AggregateTable> {
  let m = aggregateCache.get(idx);
  if (!m) aggregateCache.set(idx, (m = new Map()));
  let p = m.get(def.id);
  if (!p) {
    p = computeAggregateTable(idx, def, gate);
    m.set(def.id, p);
    p.catch(() => m.delete(def.id)); // a failure is not kept
  }
  return p;
}

/**
 * One estimation run in a worker thread (started for the run, gone after it; a core for a second or two), through
 * the gate of the anonymous computations (gate.ts: one core's worth at a time, a bounded queue, beyond it 503).
 */
function estimateInWorker(job: EstimatesJob, gate: ComputeGate): Promise<EstimatesAnswer> {
  return gate.run('estimates', () => runEstimatesWorker(job));
}

function runEstimatesWorker(job: EstimatesJob): Promise<EstimatesAnswer> {
  const script = workerScript('api/estimates-worker');
  return new Promise((resolve, reject) => {
    const w = new Worker(script, { workerData: job, transferList: [job.ipc.buffer as ArrayBuffer], resourceLimits: estimatesWorkerLimits(job.ipc.byteLength) });
    w.once('message', (m: EstimatesAnswer) => {
      void w.terminate();
      resolve(m);
    });
    // Beyond its heap limit V8 stops it: refused as a computation worker is (503, retry later), the server goes on.
    w.once('error', (e: Error & { code?: string }) =>
      reject(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new ApiError('busy', 'the estimation went beyond its memory limit; retry in a few seconds', { retryAfter: 5 })
          : e,
      ),
    );
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the estimates worker exited with code ${code}`));
    });
  });
}

async function computeAggregateTable(idx: ObservationIndex, def: IndicatorDef, gate: ComputeGate): Promise<AggregateTable> {
  const config = loadEstimatesConfig(loadIndicatorRegistry());
  const codes = Object.keys(config.worldBankCodes.codes);
  const out: AggregateTable = new Map();
  const cov = coverage(idx, def.id);
  if (!hasEstimates(def.id) || !cov) {
    const why = !cov
      ? `no data for ${publicCode(def)}, so no world or regional estimate`
      : `no world or regional estimates of ${publicCode(def)}: the estimates file (indicators/estimates/aggregates.json) covers ${Object.keys(config.indicators).join(', ')}`;
    for (const c of codes) out.set(c, why);
    return out;
  }
  const from = Math.max(cov[0], cov[1] - AGGREGATE_YEARS + 1),
    to = cov[1];
  const label = `store version ${idx.version}${idx.lastUpdated ? ` (${idx.lastUpdated})` : ''}`;
  const table = idx.tableOf(estimatesSeries(def.id));
  const answer = await estimateInWorker({ codes, indicator: def.id, from, to, label, ipc: tableToIPC(table, 'stream') }, gate);
  if (!answer.ok) {
    if (!answer.userError) throw new Error(answer.message);
    for (const c of codes) out.set(c, `no world or regional estimates of ${publicCode(def)}: ${answer.message}`);
    return out;
  }
  const { aggregates } = answer,
    rows = new Map(answer.rows);
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const pct = (x: number | null): string => (x === null ? '?' : `${(x * 100).toFixed(1)} %`);
  for (const a of aggregates) {
    const byYear = new Map<number, AggregateFigure>();
    for (const r of rows.get(a.code) ?? []) {
      const value = num(r.value),
        est = num(r.estimated_share),
        missing = num(r.missing_share),
        nowcast = r.nowcast === 'nowcast';
      byYear.set(r.year as number, {
        value,
        obsStatus: nowcast ? 'F' : (est ?? 0) > 0 || (missing ?? 0) > 0 ? 'E' : '',
        note:
          value === null
            ? `${a.group}: no economy of the group has both a value (reported or estimated) and a population for ${r.year}`
            : `world and regional estimate as ITU computes them (population-weighted over ${r.economies} economies, the missing ones estimated first): ${pct(est)} of the group's population rests on estimates (ITU's ${pct(num(r.itu_estimate_share))}, ours ${pct(num(r.our_estimate_share))}), ${pct(missing)} missing${nowcast ? '; a nowcast: less than half of it has a value that year' : ''}${a.note ? `; ${a.note}` : ''}`,
        source: `ictstat estimates (${a.grouping === 'world' ? 'World' : a.membership ? 'World Bank membership, CLASS FY2024' : a.grouping})`,
        vintage: label,
        reportedShare: num(r.reported_share),
        ituEstimateShare: num(r.itu_estimate_share),
        ourEstimateShare: num(r.our_estimate_share),
        estimatedShare: est,
        missingShare: missing,
        nowcast,
        economies: (r.economies as number) ?? 0,
      });
    }
    out.set(a.code, byYear);
  }
  return out;
}

/** The aggregate tables of the requested indicators, computed only when an aggregate is asked for (or `all`). */
async function aggregatesFor(
  idx: ObservationIndex,
  inds: readonly RequestedIndicator[],
  areas: Area[] | null,
  gate: ComputeGate,
): Promise<Map<string, AggregateTable>> {
  const out = new Map<string, AggregateTable>();
  if (areas && !areas.some((x) => x.kind === 'aggregate')) return out;
  for (const i of inds) if (!out.has(i.def.id)) out.set(i.def.id, await aggregateTable(idx, i.def, gate));
  return out;
}

interface SeriesArgs {
  areas: Area[] | null;
  inds: RequestedIndicator[];
  years: number[] | null;
  range?: { from: number; to: number };
  mrv?: number;
  mrnev?: number;
  gapfill: boolean;
  source?: string;
  lang: Language;
}

/**
 * The World Bank's cells: for each indicator and economy or aggregate, every year of the range (clamped to the
 * data's time dimension), `mrv` = the indicator's N latest years, `mrnev` = the area's N latest values, `gapfill`
 * with mrv. `all` is every economy and every aggregate, as the World Bank answers it (clients skip aggregates by
 * the country list's `region.id` NA: wbgapi's skipAggs, WDI's region "Aggregates").
 */
function cells(idx: ObservationIndex, a: SeriesArgs, aggregates: Map<string, AggregateTable>): Cell[] {
  if (a.mrv !== undefined && a.mrnev !== undefined) throw new ApiError('invalidValue', 'give mrv or mrnev, not both');
  if (a.gapfill && a.mrv === undefined) throw new ApiError('invalidValue', 'gapfill works with mrv (gapfill=Y&mrv=5)');
  if (a.source !== undefined && a.source !== '') {
    const src = pick(wb().sources, a.source, 'source')[0];
    const held = new Set(
      wb()
        .indicatorsOf(src)
        .map((d) => d.id),
    );
    for (const i of a.inds) if (!held.has(i.def.id)) throw new ApiError('indicatorNotFound', `${i.code} is not in source ${src.id} (${src.name})`);
  }
  const areas = a.areas ?? allAreas();
  const all = coverage(idx, null);
  const notComputed = loadEstimatesConfig(loadIndicatorRegistry()).worldBankCodes.notComputed;
  const out: Cell[] = [];
  for (const ind of a.inds) {
    const byEconomy = idx.rows.get(ind.def.id);
    const cov = coverage(idx, ind.def.id);
    let years: number[];
    if (a.years) years = a.years;
    else {
      const lo = Math.max(a.range?.from ?? cov?.[0] ?? Infinity, all?.[0] ?? Infinity),
        hi = Math.min(a.range?.to ?? cov?.[1] ?? -Infinity, all?.[1] ?? -Infinity);
      years = [];
      if (a.mrv !== undefined) {
        const last = Math.min(hi, cov?.[1] ?? -Infinity);
        for (let y = last; y > last - a.mrv && y >= lo; y--) years.push(y);
      } else for (let y = hi; y >= lo; y--) years.push(y);
    }
    const inRange = (y: number): boolean => !a.range || (y >= a.range.from && y <= a.range.to);
    for (const area of areas) {
      const code = areaCode(area),
        base = { ind, code, iso2: areaIso2(area), name: areaName(area, a.lang) };
      if (area.kind === 'aggregate') {
        const t = aggregates.get(ind.def.id)?.get(code) ?? `${area.aggregate.name}: ${notComputed}`;
        const fig = (y: number): AggregateFigure | undefined => (typeof t === 'string' ? undefined : t.get(y));
        const why = (y: number): string => (typeof t === 'string' ? t : `no estimate of ${area.aggregate.name} for ${y} (outside the years of the data)`);
        if (a.mrnev !== undefined) {
          const ys = typeof t === 'string' ? [] : [...t].filter(([y, f]) => f.value !== null && inRange(y)).map(([y]) => y);
          for (const y of ys.sort((p, q) => q - p).slice(0, a.mrnev)) out.push({ ...base, year: y, row: -1, estimate: fig(y) });
          continue;
        }
        for (const y of years) {
          const f = fig(y);
          if (f?.value == null && a.gapfill) {
            let from = -1;
            for (let z = y - 1; z > y - a.mrv! && from < 0; z--) if (fig(z)?.value != null) from = z;
            if (from >= 0) {
              out.push({ ...base, year: y, row: -1, estimate: fig(from), filledFrom: from });
              continue;
            }
          }
          out.push({ ...base, year: y, row: -1, ...(f ? { estimate: f } : { emptyNote: why(y) }) });
        }
        continue;
      }
      const rows = byEconomy?.get(code) ?? [];
      if (a.mrnev !== undefined) {
        const kept = a.range ? rows.filter((r) => inRange(idx.year[r])) : rows;
        for (const r of kept.slice(0, a.mrnev)) out.push({ ...base, year: idx.year[r], row: r });
        continue;
      }
      // The economy's row of each year (the first, as a search of `rows` finds it): one pass, not one per year.
      const at = new Map<number, number>();
      for (const r of rows) if (!at.has(idx.year[r])) at.set(idx.year[r], r);
      const { iso2, name } = base;
      for (const y of years) {
        const r = at.get(y) ?? -1;
        if (r >= 0 || !a.gapfill) {
          // Written out, not spread: a 10,000-record page makes this object 10,000 times.
          out.push({ ind, code, iso2, name, year: y, row: r });
          continue;
        }
        // gapfill: the latest value within mrv years before
        const f = rows.find((x) => idx.year[x] < y && idx.year[x] >= y - a.mrv!);
        out.push(f !== undefined ? { ...base, year: y, row: f, filledFrom: idx.year[f] } : { ...base, year: y, row: r });
      }
    }
  }
  return out;
}

/** Observed cells as index rows (SDMX and Arrow carry observations, not empty cells). */
const observed = (cs: readonly Cell[]): Selected[] => cs.filter((c) => c.row >= 0 && c.filledFrom === undefined).map((c) => ({ row: c.row, ind: c.ind }));

function sendSeries(req: Req, reply: FastifyReply, idx: ObservationIndex, cs: Cell[], lang: Language, q: Query, sourceid: string) {
  const rep = representation(q, req.headers.accept, true);
  switch (rep) {
    case 'sdmx-csv':
      return send(req, reply, sdmxCsv(idx, observed(cs)), MEDIA.sdmxCsv);
    case 'sdmx-json':
      return send(
        req,
        reply,
        JSON.stringify(sdmxJson(idx, observed(cs), lang, idx.lastUpdated ? `${idx.lastUpdated}T00:00:00Z` : new Date(0).toISOString())),
        MEDIA.sdmxJson,
      );
    case 'arrow':
      return send(req, reply, Buffer.from(arrowStream(idx, observed(cs), cs)), MEDIA.arrow);
    case 'parquet':
      return send(req, reply, Buffer.from(parquetFile(idx, observed(cs), cs)), MEDIA.parquet);
    default: {
      const p = page(cs, q, { sourceid, lastupdated: idx.lastUpdated }, false);
      const large = p.items.length > RECORD_BATCH;
      if (rep === 'wb-csv') {
        for (const [k, v] of Object.entries({ 'x-page': p.meta.page, 'x-pages': p.meta.pages, 'x-per-page': p.meta.per_page, 'x-total': p.meta.total }))
          reply.header(k, String(v));
        if (!large) return send(req, reply, wbCsv(idx, p.items), MEDIA.csv);
        return batched(csvRow(WB_CSV_COLUMNS), p.items, (b) => wbCsvRows(idx, b), '', '').then((a) => send(req, reply, a.body, MEDIA.csv, a.etag));
      }
      if (!large) return send(req, reply, JSON.stringify([p.meta, wbRecords(idx, p.items)]), MEDIA.json);
      // [meta,[r1,...,rn]]: the records a batch at a time, byte for byte what the line above writes
      return batched(`[${JSON.stringify(p.meta)},[`, p.items, (b) => jsonList(wbRecords(idx, b)), ',', ']]').then((a) =>
        send(req, reply, a.body, MEDIA.json, a.etag),
      );
    }
  }
}

/** A concept of a source as wbgapi names it (its `concepts` answer); the path segment may be any known spelling. */
const CONCEPTS: Array<{ id: string; keys: string[] }> = [
  { id: 'Country', keys: ['country', 'economy'] },
  { id: 'Series', keys: ['series', 'indicator'] },
  { id: 'Time', keys: ['time', 'year'] },
];
function concept(segment: string): string {
  const c = CONCEPTS.find((x) => x.keys.includes(segment.toLowerCase()));
  if (!c) throw new ApiError('invalidValue', `unknown concept "${clip(segment)}"; this source's concepts are ${CONCEPTS.map((x) => x.keys[0]).join(', ')}`);
  return c.id;
}

/** The source/concept answer shape wbgapi reads: `{page, pages, per_page, total, source: [{id, name, concept: [...]}]}`. */
function conceptAnswer(req: Req, reply: FastifyReply, src: WbSource, concepts: object[], q: Query, total: number) {
  const { page: pg, perPage } = paging(q);
  return send(
    req,
    reply,
    JSON.stringify({
      page: pg,
      pages: Math.max(1, Math.ceil(total / perPage)),
      per_page: String(perPage),
      total,
      source: [{ id: src.id, name: src.name, concept: concepts }],
    }),
    MEDIA.json,
  );
}

function timeIds(values: string, idx: ObservationIndex): number[] {
  if (values.toLowerCase() === 'all') {
    const c = coverage(idx, null);
    const ys: number[] = [];
    if (c) for (let y = c[0]; y <= c[1]; y++) ys.push(y);
    return ys;
  }
  return values.split(';').map((v) => {
    const m = /^(?:YR)?(\d{4})$/i.exec(v.trim());
    if (!m) throw new ApiError('invalidValue', `time must be years (2020 or YR2020), \`;\`-separated, or all; not "${clip(v)}"`);
    return Number(m[1]);
  });
}

const lp = (paths: string[]): string[] => paths.flatMap((p) => [`/v2${p}`, `/v2/{lang}${p}`]);
const both = (singular: string, plural: string, rest = ''): string[] => [`/${singular}${rest}`, `/${plural}${rest}`];

const listResponses = { 200: { description: '`[meta, records]` (an error: HTTP 200 with the World Bank message envelope)' } };
const dataResponses = {
  200: {
    description: 'the series (an error: HTTP 200 with the World Bank message envelope)',
    content: { [MEDIA.json]: {}, [MEDIA.csv]: {}, [MEDIA.sdmxCsv]: {}, [MEDIA.sdmxJson]: {}, [MEDIA.arrow]: {}, [MEDIA.parquet]: {} },
  },
  304: { description: 'not modified (If-None-Match matched the ETag)' },
  406: { description: 'no acceptable representation' },
};
const paging2 = { page: P.page, perPage: P.perPage };

const seriesParams = {
  lang: P.lang,
  areas: P.areas,
  inds: P.indicators,
  date: P.date,
  mrv: P.mrv,
  mrnev: P.mrnev,
  gapfill: P.gapfill,
  frequency: P.frequency,
  source: P.source,
  ...paging2,
  format: P.dataFormat,
  asof: P.asof,
};

// biome-ignore lint/suspicious/noExplicitAny: route specs differ in their parameter types; the list holds any of them
export const WORLD_BANK_ROUTES: ReadonlyArray<RouteSpec<any, Ctx>> = [
  route({
    paths: lp([...both('country', 'countries'), ...both('country', 'countries', '/{codes}')]),
    summary:
      'Economies and World Bank aggregates: World Bank fields (region, adminregion, incomeLevel, lendingType, capitalCity, longitude, latitude of the capital where a source gives them), the World Bank name as `name` (English) with the UN name (`unName`), ITU region and membership',
    params: { lang: P.lang, codes: P.areasOrAll, region: P.region, incomeLevel: P.incomeLevel, lendingType: P.lendingType, ...paging2, format: P.format },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) => {
      let list = a.codes ?? allAreas();
      for (const [kind, code] of [
        ['region', a.region],
        ['incomeLevel', a.incomeLevel],
        ['lendingType', a.lendingType],
      ] as const) {
        if (code === undefined || code === '') continue;
        const members = wb().members(kind, code);
        if (!members)
          throw new ApiError(
            'invalidValue',
            `${kind} "${clip(code)}" is not a World Bank ${kind === 'region' ? 'region (see /v2/region)' : kind === 'incomeLevel' ? 'income level (see /v2/incomelevel)' : 'lending type (see /v2/lendingtype)'}`,
          );
        const set = new Set(members.map((e) => e.iso3));
        list = list.filter((x) => x.kind === 'economy' && set.has(x.economy.iso3));
      }
      return sendList(
        req,
        reply,
        page(
          list.map((x) => countryRecord(x, a.lang)),
          req.query,
        ),
        ['id', 'iso2Code', 'name', 'region', 'incomeLevel', 'lendingType', 'capitalCity', 'ituRegion'],
        (c) => [c.id, c.iso2Code, c.name, c.region.id, c.incomeLevel.id, c.lendingType.id, c.capitalCity, c.ituRegion ?? ''],
      );
    },
  }),
  route({
    paths: lp([...both('indicator', 'indicators'), ...both('indicator', 'indicators', '/{ids}')]),
    summary: 'The indicator catalogue, each under the code World Bank clients know (its WDI code where it has one, else its id), with its source and topics',
    params: { lang: P.lang, ids: P.indicatorsOrAll, source: P.source, ...paging2, format: P.format },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) => {
      let records = a.ids ? a.ids.map((r) => indicatorRecord(r.def, r.code)) : loadIndicatorRegistry().indicators.map((d) => indicatorRecord(d));
      if (a.source) {
        const held = new Set(
          pick(wb().sources, a.source, 'source').flatMap((s) =>
            wb()
              .indicatorsOf(s)
              .map((d) => d.id),
          ),
        );
        records = records.filter((r) => held.has(r.registryId as string));
      }
      return sendList(req, reply, page(records, req.query), ['id', 'name', 'unit', 'source', 'sourceOrganization', 'aliases'], (d) => [
        d.id,
        d.name,
        d.unit,
        d.source.id,
        d.sourceOrganization,
        d.aliases.join(' '),
      ]);
    },
  }),
  route({
    paths: lp([...both('source', 'sources'), ...both('source', 'sources', '/{source}')]),
    summary:
      "Sources (databases) in the World Bank shape: 2 holds every indicator (the World Bank clients' default database); the others group them by publisher",
    params: { lang: P.lang, sourceId: P.sourceId, databid: P.databid, ...paging2, format: P.format },
    responses: listResponses,
    worldBankErrors: true,
    handler: (ctx: Ctx, a, req, reply) => {
      const last = ctx.cache.index().lastUpdated;
      return sendList(
        req,
        reply,
        page(
          pick(wb().sources, a.sourceId, 'source').map((s) => sourceRecord(s, last)),
          req.query,
        ),
        ['id', 'code', 'name', 'lastupdated'],
        (s) => [s.id, s.code, s.name, s.lastupdated],
      );
    },
  }),
  route({
    paths: lp([
      ...both('source', 'sources', '/{source}/indicator'),
      ...both('source', 'sources', '/{source}/indicators'),
      ...both('topic', 'topics', '/{topic}/indicator'),
      ...both('topic', 'topics', '/{topic}/indicators'),
    ]),
    summary: 'The indicators of a source or a topic',
    params: { lang: P.lang, sourceId: P.sourceId, topicId: P.topicId, source: P.source, ...paging2, format: P.format },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) => {
      const groups = a.sourceId !== '' ? pick(wb().sources, a.sourceId, 'source') : pick(wb().topics, a.topicId, 'topic');
      let defs = [...new Set(groups.flatMap((g) => wb().indicatorsOf(g)))];
      if (a.source) {
        const held = new Set(pick(wb().sources, a.source, 'source').flatMap((s) => wb().indicatorsOf(s)));
        defs = defs.filter((d) => held.has(d));
      }
      return sendList(
        req,
        reply,
        page(
          defs.map((d) => indicatorRecord(d)),
          req.query,
        ),
        ['id', 'name', 'unit'],
        (d) => [d.id, d.name, d.unit],
      );
    },
  }),
  route({
    paths: lp([...both('topic', 'topics'), ...both('topic', 'topics', '/{topic}')]),
    summary: 'Topics in the World Bank shape (`id`, `value`, `sourceNote`)',
    params: { lang: P.lang, topicId: P.topicId, ...paging2, format: P.format },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) =>
      sendList(
        req,
        reply,
        page(
          pick(wb().topics, a.topicId, 'topic').map((t) => ({ id: t.id, value: t.value, sourceNote: t.sourceNote })),
          req.query,
        ),
        ['id', 'value'],
        (t) => [t.id, t.value],
      ),
  }),
  route({
    paths: lp([...both('region', 'regions'), ...both('region', 'regions', '/{code}')]),
    summary: 'World Bank regions and other groups of economies (`code`, `iso2code`, `name`; `type=geo|admin|demodividend|smallstates`)',
    params: { lang: P.lang, code: P.groupCode, type: P.regionType, ...paging2, format: P.format },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) => {
      let list: readonly { code: string; iso2code: string; name: string }[] = wb().regions(a.type);
      if (a.code)
        list = pick(
          list.map((r) => ({ ...r, id: r.code })),
          a.code,
          'region',
          (r) => [r.code, r.iso2code],
        );
      return sendList(
        req,
        reply,
        page(
          list.map((r) => ({ id: '', code: r.code, iso2code: r.iso2code, name: r.name })),
          req.query,
        ),
        ['code', 'iso2code', 'name'],
        (r) => [r.code, r.iso2code, r.name],
      );
    },
  }),
  route({
    paths: lp(['incomelevel', 'incomelevels'].flatMap((s) => [`/${s}`, `/${s}/{code}`])),
    summary: 'World Bank income levels (`id`, `iso2code`, `value`)',
    params: { lang: P.lang, code: P.groupCode, ...paging2, format: P.format },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) =>
      sendList(
        req,
        reply,
        page(
          pick(wb().incomeLevels, a.code, 'income level', (l) => [l.id, l.iso2code]).map(({ id, iso2code, value }) => ({ id, iso2code, value })),
          req.query,
        ),
        ['id', 'iso2code', 'value'],
        (l) => [l.id, l.iso2code, l.value],
      ),
  }),
  route({
    paths: lp(['lendingtype', 'lendingtypes'].flatMap((s) => [`/${s}`, `/${s}/{code}`])),
    summary: 'World Bank lending types (`id`, `iso2code`, `value`)',
    params: { lang: P.lang, code: P.groupCode, ...paging2, format: P.format },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) =>
      sendList(
        req,
        reply,
        page(
          pick(wb().lendingTypes, a.code, 'lending type', (l) => [l.id, l.iso2code]),
          req.query,
        ),
        ['id', 'iso2code', 'value'],
        (l) => [l.id, l.iso2code, l.value],
      ),
  }),
  route({
    paths: lp([
      '/country/{codes}/indicator/{ids}',
      '/countries/{codes}/indicators/{ids}',
      '/country/{codes}/indicators/{ids}',
      '/countries/{codes}/indicator/{ids}',
    ]),
    summary: 'Indicator series by economy, as the World Bank answers: every year of the range listed (`value: null` where empty)',
    description:
      "JSON is `[meta, records]` with records {indicator {id, value}, country {id, value}, countryiso3code, date, value, unit, obs_status, decimal} and our fields note, source, imputed (derived from other indicators), vintage (and gapfilledFrom). Without `date`, the years of the indicator's data. Aggregates (WLD or 1W, SSF, HIC, EAP, IDA, ...) carry the world and regional estimates as ITU computes them (`obs_status` F for a nowcast, E where part of the group's population rests on estimates; `estimatedShare`, `reportedShare`, `ituEstimateShare`, `ourEstimateShare`, `missingShare`, `nowcast`, `economies`), empty with a note where the estimates file has no method for the indicator or our sources no membership for the aggregate; `all` means every economy and every aggregate, as the World Bank answers it. SDMX-CSV 2.0, SDMX-JSON 2.0, an Arrow IPC stream and Parquet (by Accept, or format=arrow|parquet) carry the observations only and are not paginated.",
    params: seriesParams,
    responses: dataResponses,
    worldBankErrors: true,
    handler: async (ctx: Ctx, a, req, reply) => {
      const idx = await indexFor(ctx, a.asof, req);
      // SDMX carries the observations only (its REF_AREA codes are economies); the other representations the aggregates too.
      const rep = representation(req.query, req.headers.accept, true);
      const aggs = rep === 'sdmx-csv' || rep === 'sdmx-json' ? new Map() : await aggregatesFor(idx, a.inds, a.areas, ctx.gate);
      const args = { areas: a.areas, inds: a.inds, years: null, range: a.date, mrv: a.mrv, mrnev: a.mrnev, gapfill: a.gapfill, source: a.source, lang: a.lang };
      const cs = cells(idx, args, aggs);
      return sendSeries(req, reply, idx, cs, a.lang, req.query, a.source || '2');
    },
  }),
  route({
    paths: lp(['/sources/{source}/concepts', '/source/{source}/concepts']),
    summary: 'The concepts (dimensions) of a source, as wbgapi reads them: Country, Series, Time',
    params: { lang: P.lang, sourceId: P.sourceId, ...paging2 },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) => {
      const src = pick(wb().sources, a.sourceId, 'source')[0];
      return conceptAnswer(
        req,
        reply,
        src,
        CONCEPTS.map((c) => ({ id: c.id, value: c.id })),
        req.query,
        1,
      );
    },
  }),
  route({
    paths: lp(['/sources/{source}/{concept}/{values}', '/source/{source}/{concept}/{values}']),
    summary: 'The values of a concept of a source (economies and aggregates, series, years YR2020), as wbgapi reads them',
    params: { lang: P.lang, sourceId: P.sourceId, concept: P.concept, values: P.values, ...paging2 },
    responses: listResponses,
    worldBankErrors: true,
    handler: (ctx: Ctx, a, req, reply) => {
      const src = pick(wb().sources, a.sourceId, 'source')[0];
      const c = concept(a.concept);
      let variable: Array<{ id: string; value: string }>;
      if (c === 'Country') variable = (areas(a.values) ?? allAreas()).map((x) => ({ id: areaCode(x), value: areaName(x, a.lang) }));
      else if (c === 'Series') {
        const held = new Set(wb().indicatorsOf(src));
        const defs = a.values.toLowerCase() === 'all' ? [...held].map((d) => ({ def: d, code: publicCode(d) })) : indicators(a.values);
        variable = defs.map((d) => ({ id: d.code, value: d.def.name }));
      } else variable = timeIds(a.values, ctx.cache.index()).map((y) => ({ id: `YR${y}`, value: String(y) }));
      const { page: pg, perPage } = paging(req.query);
      return conceptAnswer(req, reply, src, [{ id: c, variable: variable.slice((pg - 1) * perPage, pg * perPage) }], req.query, variable.length);
    },
  }),
  route({
    paths: lp([
      '/sources/{source}/series/{series}/country/{economy}/time/{time}',
      '/sources/{source}/series/{series}/country/{economy}',
      '/sources/{source}/country/{economy}/series/{series}/time/{time}',
      '/sources/{source}/country/{economy}/series/{series}',
    ]),
    summary:
      'Data by source, series, economy and time, as wbgapi reads it: `{page, pages, per_page, total, lastupdated, source: {id, name, data: [{variable: [{concept, id, value}], value}]}}`',
    params: {
      lang: P.lang,
      sourceId: P.sourceId,
      series: P.series,
      economy: P.economyPath,
      time: P.time,
      mrv: P.mrv,
      mrnev: P.mrnev,
      gapfill: P.gapfill,
      frequency: P.frequency,
      ...paging2,
      asof: P.asof,
    },
    responses: listResponses,
    worldBankErrors: true,
    handler: async (ctx: Ctx, a, req, reply) => {
      const idx = await indexFor(ctx, a.asof, req);
      const src = pick(wb().sources, a.sourceId, 'source')[0];
      const years = a.time === '' || a.time.toLowerCase() === 'all' ? null : timeIds(a.time, idx).sort((x, y) => y - x);
      const args = {
        areas: a.economy,
        inds: a.series,
        years: a.mrv !== undefined || a.mrnev !== undefined ? null : years,
        mrv: a.mrv,
        mrnev: a.mrnev,
        gapfill: a.gapfill,
        source: src.id,
        lang: a.lang,
      };
      const cs = cells(idx, args, await aggregatesFor(idx, a.series, a.economy, ctx.gate));
      const p = page(cs, req.query, {}, false);
      const records = (b: readonly Cell[]) =>
        // biome-ignore lint/suspicious/noExplicitAny: World Bank records are heterogeneous JSON objects; their fields are read by name
        wbRecords(idx, b).map((r: Record<string, any>, i) => ({
          variable: [
            { concept: 'Country', id: b[i].code, value: r.country.value },
            { concept: 'Series', id: r.indicator.id, value: r.indicator.value },
            { concept: 'Time', id: `YR${r.date}`, value: r.date },
          ],
          value: r.value,
          obs_status: r.obs_status,
          note: r.note,
          imputed: r.imputed,
          vintage: r.vintage,
          ...(b[i].estimate
            ? {
                estimatedShare: r.estimatedShare,
                reportedShare: r.reportedShare,
                ituEstimateShare: r.ituEstimateShare,
                ourEstimateShare: r.ourEstimateShare,
                missingShare: r.missingShare,
                nowcast: r.nowcast,
              }
            : {}),
        }));
      const shell = JSON.stringify({ ...p.meta, lastupdated: idx.lastUpdated, source: { id: src.id, name: src.name, data: [] } });
      if (p.items.length <= RECORD_BATCH) return send(req, reply, `${shell.slice(0, -3)}${jsonList(records(p.items))}]}}`, MEDIA.json);
      // {...,"source":{...,"data":[r1,...,rn]}}: the records a batch at a time
      return batched(shell.slice(0, -3), p.items, (b) => jsonList(records(b)), ',', ']}}').then((a) => send(req, reply, a.body, MEDIA.json, a.etag));
    },
  }),
  route({
    paths: lp(['/sources/{source}/series/{series}/metadata', '/sources/{source}/country/{economy}/metadata']),
    summary: 'Series or economy metadata, as wbgapi reads it (concept, variable, metatype fields)',
    params: { lang: P.lang, sourceId: P.sourceId, series: P.seriesOrNone, economy: P.economyOrNone, ...paging2 },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) => {
      const src = pick(wb().sources, a.sourceId, 'source')[0];
      const concepts = a.series
        ? [{ id: 'Series', variable: a.series.map((r) => seriesMeta(r.def, r.code)) }]
        : [{ id: 'Country', variable: (a.economy ?? allAreas()).map((x) => countryMeta(x, a.lang)) }];
      return conceptAnswer(req, reply, src, concepts, req.query, concepts[0].variable.length);
    },
  }),
  route({
    paths: lp(['/sources/{source}/search/{q}']),
    summary: "Search a source's series and economy metadata (case-insensitive text), as wbgapi's search reads it: only the matching fields",
    params: { lang: P.lang, sourceId: P.sourceId, q: P.query, ...paging2 },
    responses: listResponses,
    worldBankErrors: true,
    handler: (_ctx: Ctx, a, req, reply) => {
      const src = pick(wb().sources, a.sourceId, 'source')[0];
      const needle = a.q.trim().toLowerCase();
      if (needle === '' || needle.length > 200) throw new ApiError('invalidValue', 'the search text must be 1 to 200 characters');
      const match = (v: { metatype: Array<{ id: string; value: string }> }) => ({
        ...v,
        metatype: v.metatype.filter((m) => m.value.toLowerCase().includes(needle)),
      });
      const series = wb()
        .indicatorsOf(src)
        .map((d) => match(seriesMeta(d, publicCode(d))))
        .filter((v) => v.metatype.length);
      const countries = allAreas()
        .map((x) => match(countryMeta(x, a.lang)))
        .filter((v) => v.metatype.length);
      const concepts = [...(series.length ? [{ id: 'Series', variable: series }] : []), ...(countries.length ? [{ id: 'Country', variable: countries }] : [])];
      return conceptAnswer(req, reply, src, concepts, req.query, concepts.length);
    },
  }),
];

function seriesMeta(d: IndicatorDef, code: string) {
  return {
    id: code,
    name: d.name,
    metatype: [
      { id: 'IndicatorName', value: d.name },
      { id: 'Longdefinition', value: d.definition },
      { id: 'Unitofmeasure', value: d.unit },
      { id: 'Source', value: d.source },
      {
        id: 'Topic',
        value: wb()
          .topicsOf(d)
          .map((t) => t.value)
          .join('; '),
      },
      { id: 'Aliases', value: [d.id, ...d.aliases].filter((x) => x !== code).join('; ') },
    ].filter((m) => m.value !== ''),
  };
}

function countryMeta(x: Area, lang: Language) {
  // biome-ignore lint/suspicious/noExplicitAny: World Bank records are heterogeneous JSON objects; their fields are read by name
  const r = countryRecord(x, lang) as Record<string, any>;
  return {
    id: areaCode(x),
    name: r.name as string,
    metatype: [
      { id: 'TableName', value: r.name },
      { id: 'ShortName', value: r.unName ?? r.name },
      { id: '2-alphacode', value: r.iso2Code },
      { id: 'Region', value: r.region.value },
      { id: 'IncomeGroup', value: r.incomeLevel.value },
      { id: 'LendingCategory', value: r.lendingType.value },
      { id: 'ITURegion', value: r.ituRegion ?? '' },
    ].filter((m) => m.value !== '' && m.value !== undefined),
  };
}

export function registerWorldBankRoutes(app: FastifyInstance, store: Store, cache: ObservationCache, gate: ComputeGate): void {
  registerRoutes(app, WORLD_BANK_ROUTES, { store, cache, inFlight: new Map(), gate });
}

/** For the fuzzer and tests: whether a path is one of the World Bank read routes (errors answered with 200). */
export function isWorldBankPath(path: string): boolean {
  let p = path;
  try {
    p = decodeURIComponent(path);
  } catch {
    /* a malformed URL: judged as sent */
  }
  return /^\/v2\/(?:[^/]{1,8}\/)?(?:countr|indicator|source|topic|region|incomelevel|lendingtype)/i.test(p);
}
