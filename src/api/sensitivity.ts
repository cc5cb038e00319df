/**
 * `/v2/idi/{methodology}/{year}/sensitivity`: the uncertainty and sensitivity analysis of the ranks (as
 * `ictstat idi sensitivity` computes it), over the server's current data. The whole analysis runs in a worker
 * thread that the server keeps for its lifetime (compute-worker.ts, with its own pool of scenario threads), so the
 * event loop never waits for one; one analysis runs at a time, at most MAX_WAITING more wait their turn (beyond:
 * 503 with Retry-After), and results are kept per data version with the other computed answers (bounded by bytes).
 */
import { availableParallelism } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bundledMethodologies } from '../idi/methodology.js';
import { SENSITIVITY_DEFAULTS, checkSensitivityOptions, type SensitivityOptions } from '../idi/sensitivity.js';
import type { Store } from '../store/store.js';
import { UserInputError } from '../util/errors.js';
import { isPlainDecimalText } from '../util/number-syntax.js';
import { dontHold } from './answers.js';
import type { ComputeWorker } from './compute-pool.js';
import { bool, year } from './computed.js';
import type { ObservationCache } from './data.js';
import { ApiError, apiName } from './errors.js';
import { MEDIA, clip, representation, single, wholeNumber, type Query } from './params.js';
import { encodedBytes, sendEncoded } from './send.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Query }>;

/** A request's base sample N: at most this (N x 9 scenarios with the default factors: about a second on two cores). */
export const API_MAX_DRAWS = 10_000;
export const API_DEFAULT_DRAWS = 1_000;
/** Analyses that may wait behind the running one (the sensitivity worker's queue holds MAX_WAITING + 1). */
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
    workers: 1, // the worker's pool of scenario threads does the work
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

export function registerSensitivityRoutes(app: FastifyInstance, cache: ObservationCache, store: Store, worker: ComputeWorker): void {
  const threads = Math.max(1, Math.min(2, availableParallelism()));
  app.get('/v2/idi/:methodology/:year/sensitivity', async (req: Req, reply: FastifyReply) => {
    const id = req.params.methodology.toLowerCase();
    if (!bundledMethodologies().includes(id))
      throw new ApiError('notFound', `unknown methodology "${clip(req.params.methodology)}"; methodologies: ${bundledMethodologies().join(', ')}`);
    const wanted = year(req.params.year, true);
    const o = options(req.query);
    const rep = representation(req.query, req.headers.accept, false);
    const idx = cache.computedIndex();
    // The whole analysis (the index run, its preparation, the Monte Carlo) runs in the worker, once per version
    // and options; the worker's queue bounds how many wait (beyond: 503 with Retry-After).
    const { value, stale } = await cache.memoLatest(
      idx.version,
      `sensitivity|${JSON.stringify([id, wanted, o])}`,
      () => worker.run({ kind: 'sensitivity', storePath: store.path, version: idx.version, id, wanted, options: o, threads }),
      (a) => encodedBytes(a.json) + encodedBytes(a.csv),
    );
    if (stale) dontHold(reply);
    return rep === 'wb-csv' ? sendEncoded(req, reply, value.csv, MEDIA.csv) : sendEncoded(req, reply, value.json, MEDIA.json);
  });
}
