/** Computed results: the IDI of a methodology and year, price baskets and their explanation. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
import { MEDIA, clip, countries, language, representation, single, type Query } from './params.js';
import { encodedBytes, send, sendEncoded } from './send.js';
import type { ComputeWorker } from './compute-pool.js';
import { dontHold } from './answers.js';
import type { Store } from '../store/store.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Query }>;

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

/** Jobs queued in the IDI worker at most (each distinct methodology, year and `previous` of a version is one). */
export const MAX_IDI_QUEUED = 64;

export function registerComputedRoutes(app: FastifyInstance, cache: ObservationCache, store: Store, worker: ComputeWorker, tariffs?: TariffTable): void {
  app.get('/v2/idi/:methodology/:year', async (req: Req, reply: FastifyReply) => {
    const id = req.params.methodology.toLowerCase();
    // Bundled ids only: a path here would read a server file.
    if (!bundledMethodologies().includes(id))
      throw new ApiError('notFound', `unknown methodology "${clip(req.params.methodology)}"; methodologies: ${bundledMethodologies().join(', ')}`);
    const wanted = year(req.params.year, true);
    const previous = bool(req.query, 'previous');
    const rep = representation(req.query, req.headers.accept, false);
    const idx = cache.computedIndex();
    // Computed in the worker thread (off the event loop: it reads the version's observations itself), once per
    // version and key; concurrent requests share it. The serialised answers are kept, not the result. While the
    // current version's answer is computed, the previous version's is served (and not held as the current one's).
    const { value: answer, stale } = await cache.memoLatest(
      idx.version,
      `idi|${id}|${wanted}|${previous}`,
      () => worker.run({ kind: 'idi', storePath: store.path, version: idx.version, id, wanted, previous }),
      (a) => encodedBytes(a.json) + encodedBytes(a.csv),
    );
    if (stale) dontHold(reply);
    return rep === 'wb-csv' ? sendEncoded(req, reply, answer.csv, MEDIA.csv) : sendEncoded(req, reply, answer.json, MEDIA.json);
  });

  const basketOf = (id: string): { basket: Basket; all: Map<string, Basket> } => {
    const all = loadBaskets();
    const basket = all.get(id);
    if (!basket) throw new ApiError('notFound', `unknown basket "${clip(id)}"; baskets: ${[...all.keys()].join(', ')}`);
    return { basket, all };
  };

  app.get('/v2/prices/:basket/:year', async (req: Req, reply: FastifyReply) => {
    const { basket, all } = basketOf(req.params.basket);
    const y = year(req.params.year, false) as number;
    const lang = language(single(req.query, 'lang'));
    const rep = representation(req.query, req.headers.accept, false);
    const idx = cache.computedIndex();
    const econ = loadEconomyRegistry();
    let rows: Array<Record<string, unknown>>;
    let origin: string;
    if (tariffs) {
      origin = 'computed from the tariff plans the server was started with';
      rows = cache.memo(idx.version, `prices|${basket.id}|${y}`, () => {
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
  });

  app.get('/v2/prices/:basket/:year/:economy/explain', async (req: Req, reply: FastifyReply) => {
    const { basket } = basketOf(req.params.basket);
    const y = year(req.params.year, false) as number;
    const economy = countries(req.params.economy)?.[0];
    if (!economy || req.params.economy.includes(';')) throw new ApiError('invalidValue', 'explain takes one economy (ISO3 or ISO2)');
    if (!tariffs) throw new ApiError('notAvailable', 'explain needs tariff plans; this server was started without them (ictstat serve --tariffs FILE)');
    if (basket.kind === 'composite')
      throw new ApiError(
        'invalidValue',
        `explain takes a simple basket; "${basket.id}" is composite: explain each of ${basket.composite.components.join(', ')}`,
      );
    const idx = cache.computedIndex();
    const x = cache.memo(idx.version, `explain|${basket.id}|${y}|${economy.iso3}`, () =>
      explainEconomy(tariffs, basket, y, economy.iso3, ConversionInputs.fromTable(idx.table, new Set([economy.iso3]))),
    );
    return send(req, reply, JSON.stringify(x), MEDIA.json);
  });
}
