/**
 * `/v2/idi/{methodology}/{year}/sensitivity`: the uncertainty and sensitivity analysis of the ranks (as
 * `ictstat idi sensitivity` computes it), over the server's current data. The Monte Carlo runs on a pool of
 * worker threads that the server keeps for its lifetime (started on the first request), so the server keeps
 * answering other requests meanwhile; one analysis runs at a time, at most MAX_WAITING more wait their turn
 * (beyond: 503 with Retry-After), and the last few results are kept until the data changes.
 */
import { availableParallelism } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requiredIndicators } from '../idi/compute.js';
import { bundledMethodologies, loadMethodology } from '../idi/methodology.js';
import { SENSITIVITY_DEFAULTS, checkSensitivityOptions, type SensitivityOptions } from '../idi/sensitivity.js';
import { sensitivityOfRun } from '../usecases/index-run.js';
import { ScenarioPool } from '../idi/sensitivity-pool.js';
import { sensitivityTable } from '../idi/tables.js';
import { loadGroupings } from '../registry/groupings.js';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { tableToCsv } from '../table/report-table.js';
import { UserInputError } from '../util/errors.js';
import { isPlainDecimalText } from '../util/number-syntax.js';
import { bool, runOfServer, year } from './computed.js';
import type { ObservationCache } from './data.js';
import { ApiError, apiName } from './errors.js';
import { MEDIA, clip, representation, single, wholeNumber, type Query } from './params.js';
import { send } from './send.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Query }>;

/** A request's base sample N: at most this (N x 9 scenarios with the default factors: about a second on two cores). */
export const API_MAX_DRAWS = 10_000;
export const API_DEFAULT_DRAWS = 1_000;
/** Results kept (per data version): the most recently used. */
const KEEP = 8;
/** Analyses that may wait behind the running one. */
export const MAX_WAITING = 4;

const positive = (q: Query, name: string, fallback: number): number => {
  const s = single(q, name);
  if (s === undefined || s === '') return fallback;
  const x = Number(s);
  if (!isPlainDecimalText(s) || !Number.isFinite(x)) throw new ApiError('invalidValue', `${name} must be a number, not "${clip(s)}"`);
  return x;
};

function options(q: Query): Omit<SensitivityOptions, 'onProgress'> {
  const weights = single(q, 'weights') ?? SENSITIVITY_DEFAULTS.weightMode;
  if (weights !== 'dirichlet' && weights !== 'uniform') throw new ApiError('invalidValue', `weights must be dirichlet or uniform, not "${clip(weights)}"`);
  const normalisations = single(q, 'normalisations');
  const o = {
    ...SENSITIVITY_DEFAULTS,
    draws: wholeNumber(q, 'draws', 2, API_MAX_DRAWS, API_DEFAULT_DRAWS)!,
    seed: wholeNumber(q, 'seed', 0, 2 ** 32 - 1, SENSITIVITY_DEFAULTS.seed)!,
    weightMode: weights as SensitivityOptions['weightMode'],
    concentration: positive(q, 'concentration', SENSITIVITY_DEFAULTS.concentration),
    band: positive(q, 'band', SENSITIVITY_DEFAULTS.band),
    normalisations: normalisations ? normalisations.split(',').map((s) => s.trim()) : SENSITIVITY_DEFAULTS.normalisations,
    imputation: bool(q, 'imputation', true),
    dropOne: bool(q, 'drop', true),
    workers: 1, // the server's pool does the work (see poolFor)
    // ranks=true: rank intervals of an unranked methodology (labelled as ours); default: the methodology's measure.
    ...(bool(q, 'ranks', false) ? { measure: 'rank' as const } : {}),
  };
  if (o.normalisations.length > 7) throw new ApiError('invalidValue', 'at most 7 normalisations');
  try {
    checkSensitivityOptions(o);
  } catch (e) {
    throw e instanceof UserInputError ? new ApiError('invalidValue', e.describe(apiName)) : e;
  }
  return o;
}

export function registerSensitivityRoutes(app: FastifyInstance, cache: ObservationCache): void {
  const kept = new Map<string, Promise<Record<string, unknown>>>();
  let keptVersion = -1;
  let queue: Promise<unknown> = Promise.resolve();
  let pending = 0; // running or waiting
  let pool: Promise<ScenarioPool> | undefined;
  const threads = Math.max(1, Math.min(2, availableParallelism()));
  const poolFor = async (): Promise<ScenarioPool> => {
    const p = pool ? await pool : undefined;
    if (p?.usable) return p;
    pool = ScenarioPool.start(threads);
    pool.catch(() => {
      pool = undefined;
    });
    return pool;
  };
  app.addHook('onClose', async () => {
    if (pool) await (await pool.catch(() => undefined))?.close();
  });

  app.get('/v2/idi/:methodology/:year/sensitivity', async (req: Req, reply: FastifyReply) => {
    const id = req.params.methodology.toLowerCase();
    if (!bundledMethodologies().includes(id))
      throw new ApiError('notFound', `unknown methodology "${clip(req.params.methodology)}"; methodologies: ${bundledMethodologies().join(', ')}`);
    const wanted = year(req.params.year, true);
    const o = options(req.query);
    const rep = representation(req.query, req.headers.accept, false);
    const idx = cache.computedIndex();
    if (idx.version !== keptVersion) {
      kept.clear();
      keptVersion = idx.version;
    }
    const key = JSON.stringify([id, wanted, o]);
    let result = kept.get(key);
    if (!result) {
      if (pending > MAX_WAITING)
        throw new ApiError('busy', `${pending} sensitivity analyses are running or waiting; retry in a few seconds`, { retryAfter: 5 });
      pending++;
      // One analysis at a time: each takes both cores while it runs.
      const run = queue.then(async () => {
        const indicators = loadIndicatorRegistry(),
          groupings = loadGroupings();
        const m = loadMethodology(id, indicators);
        const table = idx.tableOf(requiredIndicators(m, indicators));
        const r = await sensitivityOfRun(runOfServer(m, wanted, table, indicators, groupings), { ...o, pool: await poolFor() });
        const { names, ...rest } = r;
        return {
          methodology: id,
          ...rest,
          economies: rest.economies.map(({ economy, ...e }) => ({ economy, name: names.get(economy) ?? economy, ...e })),
          csv: tableToCsv(sensitivityTable({ methodology: id, ...r })),
        } as Record<string, unknown>;
      });
      queue = run
        .catch(() => undefined)
        .finally(() => {
          pending--;
        });
      result = run;
      kept.set(key, result);
      result.catch(() => {
        if (kept.get(key) === result) kept.delete(key);
      }); // an error is answered, not kept
      while (kept.size > KEEP) kept.delete(kept.keys().next().value!);
    } else {
      // most recently used last
      kept.delete(key);
      kept.set(key, result);
    }
    const { csv, ...body } = await result;
    if (rep === 'wb-csv') return send(req, reply, csv as string, MEDIA.csv);
    return send(req, reply, JSON.stringify(body), MEDIA.json);
  });
}
