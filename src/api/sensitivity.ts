/**
 * `/v2/idi/{methodology}/{year}/sensitivity`: the uncertainty and sensitivity analysis of the ranks (as
 * `ictstat idi sensitivity` computes it), over the server's current data. The whole analysis runs in a worker
 * thread that the server keeps for its lifetime (compute-worker.ts, with its own pool of scenario threads), so the
 * event loop never waits for one; it passes the gate of the anonymous computations (gate.ts: one at a time with the
 * others, so one scenario thread), at most MAX_WAITING + 1 running or waiting (beyond: 503 with Retry-After), and results are kept per data version with the other computed answers (bounded by bytes).
 */
import { availableParallelism } from 'node:os';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SENSITIVITY_DEFAULTS, checkSensitivityOptions, type SensitivityOptions } from '../idi/sensitivity.js';
import type { Store } from '../store/store.js';
import { UserInputError } from '../util/errors.js';
import { isPlainDecimalText } from '../util/number-syntax.js';
import { holdWhile } from './answers.js';
import { chargeComputation } from './budget.js';
import type { ComputeWorker } from './compute-pool.js';
import type { ComputeGate } from './gate.js';
import { CP, bool } from './computed.js';
import type { ObservationCache } from './data.js';
import { ApiError, apiName } from './errors.js';
import { MEDIA, P, clip, queryParam, representation, single, wholeNumber, type Query } from './params.js';
import { errorResponse, registerRoutes, route, type Req, type RouteSpec } from './routes.js';
import { encodedBytes, sendEncoded } from './send.js';

/** A request's base sample N: at most this (N x 9 scenarios with the default factors: about two seconds on one scenario thread). */
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

/** The query parameters of the analysis, each parsed by its declaration (in the order they were always checked). */
const SP = {
  weights: queryParam('weights', 'dirichlet (default) or uniform', { type: 'string', enum: ['dirichlet', 'uniform'] }, (q) => {
    const weights = single(q, 'weights') ?? SENSITIVITY_DEFAULTS.weightMode;
    if (weights !== 'dirichlet' && weights !== 'uniform') throw new ApiError('invalidValue', `weights must be dirichlet or uniform, not "${clip(weights)}"`);
    return weights as SensitivityOptions['weightMode'];
  }),
  draws: queryParam(
    'draws',
    `base sample N, 2 to ${API_MAX_DRAWS.toLocaleString('en')} (default ${API_DEFAULT_DRAWS.toLocaleString('en')}); the kernel runs N x (factors + 2) scenarios`,
    { type: 'integer', minimum: 2, maximum: API_MAX_DRAWS },
    (q) => wholeNumber(q, 'draws', 2, API_MAX_DRAWS, API_DEFAULT_DRAWS)!,
  ),
  seed: queryParam(
    'seed',
    `random seed (default ${SENSITIVITY_DEFAULTS.seed}): same seed, same answer`,
    { type: 'integer', minimum: 0 },
    (q) => wholeNumber(q, 'seed', 0, 2 ** 32 - 1, SENSITIVITY_DEFAULTS.seed)!,
  ),
  concentration: queryParam('concentration', `Dirichlet concentration (default ${SENSITIVITY_DEFAULTS.concentration})`, { type: 'number' }, (q) =>
    positive(q, 'concentration', SENSITIVITY_DEFAULTS.concentration),
  ),
  band: queryParam('band', `uniform band: each weight times 1 +- band (default ${SENSITIVITY_DEFAULTS.band})`, { type: 'number' }, (q) =>
    positive(q, 'band', SENSITIVITY_DEFAULTS.band),
  ),
  normalisations: queryParam(
    'normalisations',
    `comma-separated alternatives (default ${SENSITIVITY_DEFAULTS.normalisations.join(',')})`,
    { type: 'string' },
    (q) => {
      const n = single(q, 'normalisations');
      return n ? n.split(',').map((s) => s.trim()) : SENSITIVITY_DEFAULTS.normalisations;
    },
  ),
  imputation: queryParam('imputation', 'vary imputation (default true)', { type: 'boolean' }, (q) => bool(q, 'imputation', true)),
  drop: queryParam('drop', 'drop one indicator at a time (default true)', { type: 'boolean' }, (q) => bool(q, 'drop', true)),
  ranks: queryParam('ranks', 'unranked methodology: rank intervals instead of score intervals, labelled as ours (default false)', { type: 'boolean' }, (q) =>
    bool(q, 'ranks', false),
  ),
};
type Parsed = { [K in keyof typeof SP]: ReturnType<(typeof SP)[K]['parse']> };

function options(a: Parsed): Omit<SensitivityOptions, 'onProgress'> {
  const o = {
    ...SENSITIVITY_DEFAULTS,
    draws: a.draws,
    seed: a.seed,
    weightMode: a.weights,
    concentration: a.concentration,
    band: a.band,
    normalisations: a.normalisations,
    imputation: a.imputation,
    dropOne: a.drop,
    workers: 1, // the worker's pool of scenario threads does the work
    // ranks=true: rank intervals of an unranked methodology (labelled as ours); default: the methodology's measure.
    ...(a.ranks ? { measure: 'rank' as const } : {}),
  };
  if (o.normalisations.length > 7) throw new ApiError('invalidValue', 'at most 7 normalisations');
  try {
    checkSensitivityOptions(o);
  } catch (e) {
    throw e instanceof UserInputError ? new ApiError('invalidValue', e.describe(apiName)) : e;
  }
  return o;
}

interface SensitivityCtx {
  answer(a: Parsed & { methodology: string; year: number | 'latest' }, req: Req, reply: FastifyReply): Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: route specs differ in their parameter types; the list holds any of them
export const SENSITIVITY_ROUTES: ReadonlyArray<RouteSpec<any, SensitivityCtx>> = [
  route({
    paths: ['/v2/idi/{methodology}/{year}/sensitivity'],
    summary:
      'Uncertainty and sensitivity of the ranks (Monte Carlo over weights, normalisations, imputation, dropping one indicator): median rank, 5th-95th percentile interval, volatility, first-order and total Sobol indices per economy; for an unranked methodology (idi-2023/2024/2025) the same of the scores (score intervals), its ranks only with ranks=true. Runs in the compute worker; a bounded queue (beyond it 503 with Retry-After); results are kept per data version.',
    params: { methodology: CP.methodology, year: CP.year, ...SP, format: P.format },
    responses: {
      200: { description: 'JSON: factors and economies; CSV: the table of `ictstat idi sensitivity`' },
      400: errorResponse('invalid parameter'),
      404: errorResponse('unknown methodology, or no year with enough data'),
      503: { description: 'too many analyses running or waiting (Retry-After)' },
    },
    worldBankErrors: false,
    handler: (ctx: SensitivityCtx, a, req, reply) => ctx.answer(a, req, reply),
  }),
];

export function registerSensitivityRoutes(app: FastifyInstance, cache: ObservationCache, store: Store, worker: ComputeWorker, gate: ComputeGate): void {
  // The scenario threads: as many as the gate lets computations run at once (one core's worth), and the machine has.
  const threads = Math.max(1, Math.min(gate.opts.running, availableParallelism()));
  const answer: SensitivityCtx['answer'] = async ({ methodology: id, year: wanted, ...a }, req, reply) => {
    const o = options(a);
    const rep = representation(req.query, req.headers.accept, false);
    const idx = cache.computedIndex();
    // The whole analysis (the index run, its preparation, the Monte Carlo) runs in the worker, once per version
    // and options; the worker's queue bounds how many wait (beyond: 503 with Retry-After).
    const memoKey = `sensitivity|${JSON.stringify([id, wanted, o])}`;
    const { value, stale } = await cache.memoLatest(
      idx.version,
      memoKey,
      () => {
        chargeComputation(req);
        return gate.run(
          'sensitivity',
          () => worker.run({ kind: 'sensitivity', storePath: store.path, version: idx.version, id, wanted, options: o, threads }),
          MAX_WAITING + 1,
        );
      },
      (a) => encodedBytes(a.json) + encodedBytes(a.csv),
    );
    if (stale) holdWhile(reply, () => cache.computingInstead(idx.version, memoKey));
    return rep === 'wb-csv' ? sendEncoded(req, reply, value.csv, MEDIA.csv) : sendEncoded(req, reply, value.json, MEDIA.json);
  };
  registerRoutes(app, SENSITIVITY_ROUTES, { answer });
}
