/** Computed results: the IDI of a methodology and year, price baskets and their explanation. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Table } from 'apache-arrow';
import { bundledMethodologies, type CompiledMethodology } from '../idi/methodology.js';
import type { Groupings } from '../registry/groupings.js';
import type { IndicatorRegistry } from '../registry/indicators.js';
import { runOnTable, type IndexRun } from '../usecases/index-run.js';
import { UserInputError } from '../util/errors.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { loadBaskets, type Basket } from '../prices/basket.js';
import { ConversionInputs, computeCompositeBasket, computeSimpleBasket, economyPriceRecord } from '../prices/compute.js';
import { explainEconomy } from '../prices/explain.js';
import type { TariffTable } from '../prices/tariffs.js';
import { csvRow } from '../util/csv.js';
import type { ObservationCache } from './data.js';
import { ApiError } from './errors.js';
import { MEDIA, P, clip, countries, language, pathParam, queryParam, representation, single, type Query } from './params.js';
import { errorResponse as err, registerRoutes, route, type Req, type RouteSpec } from './routes.js';
import { encodedBytes, send, sendEncoded } from './send.js';
import type { ComputeWorker } from './compute-pool.js';
import type { ComputeGate } from './gate.js';
import { holdWhile } from './answers.js';
import { chargeComputation } from './budget.js';
import type { Store } from '../store/store.js';

export const year = (s: string, allowLatest: boolean): number | 'latest' => {
  if (allowLatest && s === 'latest') return 'latest';
  if (!/^\d{4}$/.test(s) || Number(s) < 1960 || Number(s) > 2100)
    throw new ApiError('invalidValue', `year must be a year from 1960 to 2100${allowLatest ? ' or "latest"' : ''}, not "${clip(s)}"`);
  return Number(s);
};
export const bool = (q: Query, name: string, fallback = false): boolean => {
  const v = single(q, name);
  if (v === undefined || v === '') return fallback;
  if (v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new ApiError('invalidValue', `${name} must be true or false`);
};

/** An index run over the server's in-memory observations; a year without enough data is a 404. */
export function runOfServer(
  m: CompiledMethodology,
  year: number | 'latest',
  table: Table,
  indicators: IndicatorRegistry,
  groupings: Groupings,
  previous = false,
): IndexRun {
  try {
    return runOnTable({ methodology: m, year, previous, source: { kind: 'observations', table, label: "the server's current data" } }, m, table, {
      indicators,
      groupings,
    });
  } catch (e) {
    if (e instanceof UserInputError && e.code === 'no-year') throw new ApiError('notFound', `no year has enough data for ${m.spec.id}`);
    throw e;
  }
}

const basketOf = (id: string): { basket: Basket; all: Map<string, Basket> } => {
  const all = loadBaskets();
  const basket = all.get(id);
  if (!basket) throw new ApiError('notFound', `unknown basket "${clip(id)}"; baskets: ${[...all.keys()].join(', ')}`);
  return { basket, all };
};

/** A bundled methodology id (lower case), or a 404 naming them: never a path (it would read a server file). */
export function methodologyId(s: string): string {
  const id = s.toLowerCase();
  const ids = (bundled ??= bundledMethodologies());
  if (!ids.includes(id)) throw new ApiError('notFound', `unknown methodology "${clip(s)}"; methodologies: ${ids.join(', ')}`);
  return id;
}
/** The bundled methodologies, listed once per process (a directory read per request would cost more than the answer). */
let bundled: string[] | undefined;

/** Path and query parameters of the computed routes (the sensitivity route shares the first two). */
export const CP = {
  methodology: pathParam('methodology', 'a bundled methodology id (idi-2017, idi-2023, ...)', { type: 'string' }, methodologyId),
  year: pathParam('year', 'data year, or latest', { type: 'string' }, (s) => year(s, true)),
  previous: queryParam('previous', 'also the previous year, with changes', { type: 'boolean' }, (q) => bool(q, 'previous')),
  // An unknown basket is a 404 before the year is read (the order the handlers always had).
  basket: pathParam('basket', 'basket id', { type: 'string' }, (s) => basketOf(s).basket.id),
  priceYear: pathParam('year', 'price year', { type: 'integer' }, (s) => year(s, false) as number),
  economy: pathParam('economy', 'ISO3 or ISO2', { type: 'string' }, (s) => s),
  lang: queryParam('lang', 'language of economy names (en fr es ru zh ar)', { type: 'string' }, (q) => language(single(q, 'lang'))),
};

/** What the handlers of the computed routes share: the server's data, its worker, its tariff plans. */
interface ComputedCtx {
  idi(a: { methodology: string; year: number | 'latest'; previous: boolean }, req: Req, reply: FastifyReply): Promise<unknown>;
  prices(a: { basket: string; year: number; lang: ReturnType<typeof language> }, req: Req, reply: FastifyReply): Promise<unknown>;
  explain(a: { basket: string; year: number; economy: string }, req: Req, reply: FastifyReply): Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: route specs differ in their parameter types; the list holds any of them
export const COMPUTED_ROUTES: ReadonlyArray<RouteSpec<any, ComputedCtx>> = [
  route({
    paths: ['/v2/idi/{methodology}/{year}'],
    summary: 'ICT Development Index: scores, ranks, components, imputations',
    params: { methodology: CP.methodology, year: CP.year, previous: CP.previous, format: P.format },
    responses: {
      200: { description: 'JSON: the full result; CSV: the ranking' },
      400: err('invalid parameter'),
      404: err('unknown methodology, or no year with enough data'),
    },
    worldBankErrors: false,
    handler: (ctx: ComputedCtx, a, req, reply) => ctx.idi(a, req, reply),
  }),
  route({
    paths: ['/v2/prices/{basket}/{year}'],
    summary: 'Price basket per economy: computed from tariff plans when the server has them, else the published values in the store',
    params: { basket: CP.basket, year: CP.priceYear, lang: CP.lang, format: P.format },
    responses: { 200: { description: 'prices' }, 400: err('invalid parameter'), 404: err('unknown basket') },
    worldBankErrors: false,
    handler: (ctx: ComputedCtx, a, req, reply) => ctx.prices(a, req, reply),
  }),
  route({
    paths: ['/v2/prices/{basket}/{year}/{economy}/explain'],
    summary: 'Every plan considered, the chosen plan, each conversion input and arithmetic step',
    params: { basket: CP.basket, year: CP.priceYear, economy: CP.economy },
    responses: { 200: { description: 'explanation' }, 400: err('invalid parameter'), 404: err('unknown basket, or the server has no tariff plans') },
    worldBankErrors: false,
    handler: (ctx: ComputedCtx, a, req, reply) => ctx.explain(a, req, reply),
  }),
];

/** Jobs queued in the IDI worker at most (each distinct methodology, year and `previous` of a version is one). */
export const MAX_IDI_QUEUED = 64;

export function registerComputedRoutes(
  app: FastifyInstance,
  cache: ObservationCache,
  store: Store,
  worker: ComputeWorker,
  gate: ComputeGate,
  tariffs?: TariffTable,
): void {
  const idi: ComputedCtx['idi'] = async ({ methodology: id, year: wanted, previous }, req, reply) => {
    const rep = representation(req.query, req.headers.accept, false);
    const idx = cache.computedIndex();
    // Computed in the worker thread (off the event loop: it reads the version's observations itself), once per
    // version and key; concurrent requests share it. The serialised answers are kept, not the result. While the
    // current version's answer is computed, the previous version's is served (and not held as the current one's).
    const memoKey = `idi|${id}|${wanted}|${previous}`;
    const { value: answer, stale } = await cache.memoLatest(
      idx.version,
      memoKey,
      () => {
        chargeComputation(req);
        // One core's worth of anonymous computations at a time (gate.ts).
        return gate.run('idi', () => worker.run({ kind: 'idi', storePath: store.path, version: idx.version, id, wanted, previous }), MAX_IDI_QUEUED);
      },
      (a) => encodedBytes(a.json) + encodedBytes(a.csv),
    );
    if (stale) holdWhile(reply, () => cache.computingInstead(idx.version, memoKey));
    return rep === 'wb-csv' ? sendEncoded(req, reply, answer.csv, MEDIA.csv) : sendEncoded(req, reply, answer.json, MEDIA.json);
  };

  const prices: ComputedCtx['prices'] = async (a, req, reply) => {
    const { basket, all } = basketOf(a.basket);
    const y = a.year;
    const lang = a.lang;
    const rep = representation(req.query, req.headers.accept, false);
    const idx = cache.computedIndex();
    const econ = loadEconomyRegistry();
    let rows: Array<Record<string, unknown>>;
    let origin: string;
    if (tariffs) {
      origin = 'computed from the tariff plans the server was started with';
      rows = cache.memo(idx.version, `prices|${basket.id}|${y}`, () => {
        chargeComputation(req);
        const inputs = ConversionInputs.fromTable(idx.table, new Set(tariffs.economies));
        const r = basket.kind === 'composite' ? computeCompositeBasket(tariffs, basket, all, y, inputs) : computeSimpleBasket(tariffs, basket, y, inputs);
        return r.prices.map(economyPriceRecord);
      });
    } else {
      // Published values (price_<basket>_{usd,ppp,gni_pct}) from the store.
      origin = 'published values in the store';
      const ids = loadIndicatorRegistry().indicators.filter((d) => d.basket === basket.id);
      const byEconomy = new Map<string, Record<string, unknown>>();
      for (const d of ids) {
        for (const [economy, list] of idx.rows.get(d.id) ?? []) {
          const row = list.find((r) => idx.year[r] === y);
          if (row === undefined) continue;
          const rec = byEconomy.get(economy) ?? {
            economy,
            name: econ.find(economy) ? econ.name(economy, lang) : economy,
            basket: basket.id,
            year: y,
            price_usd: null,
            price_ppp: null,
            pct_gni: null,
            source: idx.source[row],
          };
          rec[d.basketUnit === 'gni_pct' ? 'pct_gni' : `price_${d.basketUnit}`] = idx.value[row];
          byEconomy.set(economy, rec);
        }
      }
      rows = [...byEconomy.values()].sort((a, b) => ((a.economy as string) < (b.economy as string) ? -1 : 1));
    }
    if (rep === 'wb-csv') {
      const cols = rows.length ? Object.keys(rows[0]).filter((k) => k !== 'warnings') : ['economy', 'basket', 'year'];
      return send(req, reply, [csvRow(cols), ...rows.map((r) => csvRow(cols.map((c) => r[c])))].join(''), MEDIA.csv);
    }
    return send(req, reply, JSON.stringify({ basket: basket.id, name: basket.name, year: y, origin, prices: rows }), MEDIA.json);
  };

  const explain: ComputedCtx['explain'] = async (a, req, reply) => {
    const { basket } = basketOf(a.basket);
    const y = a.year;
    const economy = countries(a.economy)?.[0];
    if (!economy || a.economy.includes(';')) throw new ApiError('invalidValue', 'explain takes one economy (ISO3 or ISO2)');
    if (!tariffs) throw new ApiError('notAvailable', 'explain needs tariff plans; this server was started without them (ictstat serve --tariffs FILE)');
    if (basket.kind === 'composite')
      throw new ApiError(
        'invalidValue',
        `explain takes a simple basket; "${basket.id}" is composite: explain each of ${basket.composite.components.join(', ')}`,
      );
    const idx = cache.computedIndex();
    const x = cache.memo(idx.version, `explain|${basket.id}|${y}|${economy.iso3}`, () => {
      chargeComputation(req);
      return explainEconomy(tariffs, basket, y, economy.iso3, ConversionInputs.fromTable(idx.table, new Set([economy.iso3])));
    });
    return send(req, reply, JSON.stringify(x), MEDIA.json);
  };
  registerRoutes(app, COMPUTED_ROUTES, { idi, prices, explain });
}
