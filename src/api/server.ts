/** The HTTP API: World Bank v2 and SDMX indicator series, computed results, submissions. */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { tmpdir } from 'node:os';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import type { TariffTable } from '../prices/tariffs.js';
import { submissionsRecordedHere, type Store } from '../store/store.js';
import { UserInputError } from '../util/errors.js';
import { sweepOrphans } from '../util/owned-temp.js';
import { CACHE_DEFAULTS, ObservationCache, unpackIndex, type CacheOptions } from './data.js';
import { AnswerCache, registerAnswerCache, servedFromMemory, type AnswerOptions } from './answers.js';
import { ClientBudget, registerClientBudget, type BudgetOptions } from './budget.js';
import type { ResourceLimits } from 'node:worker_threads';
import { ComputeWorker, workerLimits } from './compute-pool.js';
import { MAX_IDI_QUEUED, registerComputedRoutes } from './computed.js';
import { MAX_WAITING, registerSensitivityRoutes } from './sensitivity.js';
import { ApiError, apiName, errorBody, type WbErrorKind } from './errors.js';
import { META_ROUTES } from './openapi.js';
import { registerRoutes } from './routes.js';
import { DEFAULT_SUBMISSION_LIMITS, MAX_SUBMISSIONS_QUEUED, registerSubmissionRoutes, type SubmissionLimits } from './submissions.js';
import { registerWorldBankRoutes } from './worldbank.js';
import { registerReportRoutes } from './report.js';
import { registerSdmxRoutes } from './sdmx/rest.js';
import { WARM, warmServer, type WarmResult } from './warm.js';
import { ComputeGate, type GateOptions } from './gate.js';
import { CONNECTION_LIMITS, limitConnections, type ConnectionLimits, type ConnectionStats } from './connections.js';
import { defaultMethodology } from '../report/build.js';

declare module 'fastify' {
  interface FastifyInstance {
    ictstatRoutes: Array<{ method: string; url: string }>;
    ictstatCache: ObservationCache;
    ictstatAnswers: AnswerCache;
    /** The per-client budget (budget.ts); undefined when the server was started without one. */
    ictstatBudget: ClientBudget | undefined;
    /**
     * Warm the server (warm.ts): call it after `ready()` and before `listen()`, as `ictstat serve` does; the
     * server's own requests are not counted against any client's budget.
     */
    ictstatWarm: () => Promise<WarmResult>;
    /** The worker threads of the server's computations (IDI answers and full index builds; sensitivity analyses). */
    ictstatWorkers: { data: ComputeWorker; sensitivity: ComputeWorker; submission: ComputeWorker };
    /** The gate of the anonymous computations (gate.ts). */
    ictstatGate: ComputeGate;
    /** Connections accepted and closed at once for the connection bounds (connections.ts). */
    ictstatConnections: ConnectionStats;
  }
}

export interface ServerOptions {
  store: Store;
  /** Fastify's logger (pino): true/options for structured JSON logs, false for none (tests). */
  logger?: FastifyServerOptions['logger'];
  limits?: Partial<SubmissionLimits>;
  /** Connection limits (defaults: HTTP_LIMITS); tests shorten the timeouts. */
  httpLimits?: Partial<HttpLimits>;
  /** Tariff plans for computed price baskets and explanations (`serve --tariffs FILE`). */
  tariffs?: TariffTable;
  /** The MIS edition served at /report (default 2017: the classic IDI, data year 2016). */
  reportEdition?: number;
  /**
   * Fastify's `trustProxy`: which proxies' X-Forwarded-For to believe for the client address (true: every hop, the
   * leftmost address; or addresses/CIDRs such as "127.0.0.1" or "10.0.0.0/8"). Unset: the socket's address, X-Forwarded-For ignored.
   * Behind a reverse proxy it must be set, or every client shares the proxy's address (and its limits).
   */
  trustProxy?: boolean | string | string[];
  /**
   * Where the server keeps its temporary files (submission bodies while they are validated, the report build);
   * default the system's temporary directory. At start, what a killed server left there is removed.
   */
  tempDir?: string;
  /** Memory budgets of the observation index and computed-answer caches (defaults: CACHE_DEFAULTS in data.ts). */
  cache?: Omit<CacheOptions, 'builder'>;
  /** Memory budget of the answers held whole, with their encodings (defaults: ANSWER_DEFAULTS in answers.ts). */
  answers?: AnswerOptions;
  /**
   * The budget of cost units per client (defaults: CLIENT_BUDGET in budget.ts); false: none (a load benchmark from
   * one address, measuring the server's throughput for many clients).
   */
  clientBudget?: BudgetOptions | false;
  /** The computation workers' V8 limits, replacing those sized from the byte limits (`workerHeapLimits`; tests). */
  workerLimits?: Partial<Record<keyof FastifyInstance['ictstatWorkers'], ResourceLimits>>;
  /** The gate of the anonymous computations (defaults: COMPUTE_GATE in gate.ts). */
  gate?: GateOptions;
  /** Bounds on open connections (defaults: CONNECTION_LIMITS in connections.ts). */
  connections?: Partial<ConnectionLimits>;
}

/**
 * Each computation worker's V8 limits, sized from what it may hold: the data and sensitivity workers hold the
 * observation tables they compute from and the answers they make, bounded like the server's caches (the index
 * cache's and the computed answers' byte budgets); the submission worker holds one submission being read, about
 * 6 bytes of heap per byte of body (measured: an 11 MB CSV of 289,000 rows, 92 MiB live), so 8 per byte of the
 * body limit. Beyond it a worker is stopped and its jobs get 503 (compute-pool.ts).
 */
export function workerHeapLimits(cache: Omit<CacheOptions, 'builder'> = {}, maxBodyBytes = DEFAULT_SUBMISSION_LIMITS.maxBodyBytes) {
  const c = { ...CACHE_DEFAULTS, ...cache };
  return {
    data: workerLimits(c.maxBytes + c.maxComputedBytes),
    sensitivity: workerLimits(c.maxBytes + c.maxComputedBytes),
    submission: workerLimits(8 * maxBodyBytes),
  };
}

/**
 * Connection limits (see SECURITY.md): a request must send its headers within `headersTimeout` and all of it
 * within `requestTimeout`; an idle socket is closed after `connectionTimeout`, an idle keep-alive connection
 * after `keepAliveTimeout`; headers are capped at `maxHeaderSize` (431), path parameters at `maxParamLength`.
 */
export const HTTP_LIMITS = {
  headersTimeout: 10_000,
  requestTimeout: 120_000,
  // Socket inactivity, also while the server works on an answer (a report build, an analysis): not shorter.
  connectionTimeout: 60_000,
  keepAliveTimeout: 10_000,
  maxHeaderSize: 16_384,
  maxParamLength: 2_000,
  bodyLimit: 1 << 20,
  /** How often Node looks for requests past headersTimeout/requestTimeout. */
  connectionsCheckingInterval: 2_000,
};
export type HttpLimits = typeof HTTP_LIMITS;

/** Never logged: the bearer token (pino replaces these with "[redacted]"). */
export const LOG_REDACT = ['req.headers.authorization', 'headers.authorization', 'authorization', 'req.headers.cookie'];

function loggerOptions(logger: ServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const base = logger === true ? {} : (logger as Record<string, unknown>);
  return { ...base, redact: { paths: LOG_REDACT, censor: '[redacted]' } } as FastifyServerOptions['logger'];
}

/**
 * CORS for reads only: submissions are server-to-server with a token, so /v2/submissions gets no CORS headers at
 * all, and no route allows the Authorization header cross-origin (POST is a CORS-safelisted method: it is the
 * headers that must be refused). Undefined: no CORS.
 */
const READ_CORS = {
  origin: '*',
  methods: ['GET', 'HEAD'],
  allowedHeaders: ['Accept', 'Accept-Language', 'If-None-Match'],
  exposedHeaders: ['ETag', 'X-Total', 'X-Page', 'X-Pages', 'X-Per-Page', 'Retry-After'],
};
const corsFor = (url: string | undefined): typeof READ_CORS | undefined => ((url ?? '').toLowerCase().startsWith('/v2/submissions') ? undefined : READ_CORS);
/** The headers of a simple (not preflight) cross-origin answer under a policy, for replies sent before the CORS hook. */
const corsHeaders = (c: typeof READ_CORS | undefined): Record<string, string> =>
  c ? { 'access-control-allow-origin': c.origin, 'access-control-expose-headers': c.exposedHeaders.join(', ') } : {};

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const L = { ...HTTP_LIMITS, ...opts.httpLimits };
  const tempDir = opts.tempDir ?? tmpdir();
  sweepOrphans(tempDir, ['ictstat-report-', 'ictstat-submission-']);
  const app = Fastify({
    logger: loggerOptions(opts.logger),
    trustProxy: opts.trustProxy ?? false,
    requestTimeout: L.requestTimeout,
    connectionTimeout: L.connectionTimeout,
    keepAliveTimeout: L.keepAliveTimeout,
    // Node's own limits: headers beyond maxHeaderSize get 431, a request whose headers take longer than headersTimeout is dropped (slowloris).
    // requireHostHeader false: a request without Host reaches the onRequest hook below and gets the error envelope.
    http: {
      maxHeaderSize: L.maxHeaderSize,
      headersTimeout: L.headersTimeout,
      requestTimeout: L.requestTimeout,
      connectionsCheckingInterval: L.connectionsCheckingInterval,
      requireHostHeader: false,
    },
    bodyLimit: L.bodyLimit, // the submissions route sets its own
    // The start builds the observation index in the data worker (seconds on a loaded machine): not a plugin's 10 s.
    pluginTimeout: 300_000,
    // Repeated query parameters arrive as arrays; params.ts rejects them.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: L.maxParamLength },
    // Errors Fastify meets before routing (a bad percent-encoding, a malformed content type): the same envelope.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const bad = (err as { code?: string }).code === 'FST_ERR_BAD_URL';
      reply
        .code(400)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(errorBody('invalidValue', bad ? 'the URL is not valid (bad percent-encoding)' : 'the request is not valid')));
    },
    // Errors of the HTTP parser (headers too large, a malformed request line, a timeout): the envelope, then close.
    clientErrorHandler: (err, socket) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      const [status, text, detail] =
        code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', `the request headers are larger than ${L.maxHeaderSize} bytes`]
          : code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request Timeout', 'the request took too long to arrive']
            : [400, 'Bad Request', 'the request is not valid HTTP'];
      const body = JSON.stringify(errorBody('invalidValue', detail));
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });
  // Every route, as registered (the test checks that the only write route is the token-guarded submission one).
  const routes: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) routes.push({ method: String(m), url: r.url });
  });
  app.decorate('ictstatRoutes', routes);
  // Open connections bounded in all and, without a proxy in front, per address (connections.ts).
  app.decorate('ictstatConnections', limitConnections(app.server, { ...CONNECTION_LIMITS, ...opts.connections }, !opts.trustProxy));
  const limits = { ...DEFAULT_SUBMISSION_LIMITS, ...opts.limits };
  const store = opts.store;
  const heap = { ...workerHeapLimits(opts.cache, limits.maxBodyBytes), ...opts.workerLimits };
  const workers = {
    data: new ComputeWorker('IDI', MAX_IDI_QUEUED, 5, heap.data),
    sensitivity: new ComputeWorker('sensitivity analysis', MAX_WAITING + 1, 5, heap.sensitivity),
    submission: new ComputeWorker('submission', MAX_SUBMISSIONS_QUEUED, 1, heap.submission),
  };
  app.decorate('ictstatWorkers', workers);
  const gate = new ComputeGate(opts.gate);
  app.decorate('ictstatGate', gate);
  app.addHook('onClose', async () => {
    await Promise.all([workers.data.close(), workers.sensitivity.close(), workers.submission.close()]);
  });
  // Full builds of the observation index (at start, after a very large change) in the data worker.
  const cache = new ObservationCache(store, {
    ...opts.cache,
    builder: async (version) => unpackIndex((await workers.data.run({ kind: 'index', storePath: store.path, version }, { bounded: false })).index, store),
    // As-of moves: the store reads and derivations in the data worker too (the event loop applies the delta).
    deltaReader: async (from, to, maxSeries) =>
      (await workers.data.run({ kind: 'delta', storePath: store.path, from, to, maxSeries }, { bounded: false })).delta ?? undefined,
    // The store's version as the requests of this turn of the event loop see it (storeVersion, below).
    version: () => storeVersion(),
  });
  app.decorate('ictstatCache', cache);
  const answers = new AnswerCache(opts.answers);
  app.decorate('ictstatAnswers', answers);

  app.setErrorHandler((err, req, reply) => {
    const e = err as Error & { code?: string; statusCode?: number };
    let kind: WbErrorKind = 'invalidValue',
      status = 400,
      detail: string | undefined = e.message,
      extra: Record<string, unknown> | undefined;
    if (err instanceof ApiError) {
      ({ kind, extra, status } = err);
      if ((kind === 'rateLimited' || kind === 'busy') && extra?.retryAfter) {
        reply.header('retry-after', String(extra.retryAfter));
        extra = undefined;
      }
    } else if (err instanceof UserInputError && err.code === 'store-unavailable') {
      // The environment's fault (disk full, corrupt or read-only store): the operator's to fix; the path stays in the log.
      req.log.error({ err: e.message }, 'store unavailable');
      [kind, status, detail] = ['storeUnavailable', 503, 'the data store cannot be used right now (the operator has been told in the log); retry later'];
      reply.header('retry-after', '60');
    } else if (err instanceof UserInputError) {
      detail = err.describe(apiName); // a message about the request, naming parameters as the API does
    } else if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      [kind, status, detail] = ['tooLarge', 413, `the body is larger than ${limits.maxBodyBytes.toLocaleString('en')} bytes`];
    } else if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      [kind, status] = ['unsupportedMediaType', 415];
    } else if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      status = e.statusCode; // Fastify's own client errors (bad URL encoding, bad content length): no internals in them
    } else {
      req.log.error({ err }, 'unexpected error');
      [kind, status, detail] = ['unexpected', 500, undefined];
    }
    reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(errorBody(kind, detail, extra)));
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(errorBody('endpointNotFound', `no endpoint ${req.method} ${req.url.split('?')[0].slice(0, 200)}; see /openapi.json`)));
  });

  // Security headers on every answer (the API serves data, never active content).
  // (Callback hooks here and below: an async hook costs every request a promise and a turn of the microtask queue.)
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin');
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    done(null, payload);
  });

  // HTTP/1.1 requires Host (RFC 9112 3.2); Node would answer a bare 400 without the envelope.
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.raw.httpVersionMajor === 1 && req.raw.httpVersionMinor >= 1 && !req.headers.host)
      return done(new ApiError('invalidValue', 'the request has no Host header (HTTP/1.1 requires one)'));
    done();
  });
  // Every request is counted against its client's budget, answers from memory too (budget.ts).
  const budget = opts.clientBudget === false ? undefined : new ClientBudget(opts.clientBudget);
  app.decorate('ictstatBudget', budget);
  // (its 429s are sent before the CORS plugin's hook runs, so they carry the read routes' CORS headers themselves)
  // The server's own requests while it warms (before it listens: no client is connected) are not counted.
  let warming = false;
  // SDMX errors as the SDMX routes write them (set when they are registered, below).
  let sdmxError: ReturnType<typeof registerSdmxRoutes> | undefined;
  if (budget)
    registerClientBudget(
      app,
      budget,
      servedFromMemory,
      (url) => corsHeaders(corsFor(url)),
      () => warming,
      (req, detail) => (sdmxError && req.url.toLowerCase().startsWith('/sdmx/') ? sdmxError(req, 429, detail) : undefined),
    );
  // Answers from memory (answers.ts): before compression, so that answers are held uncompressed and sent encoded.
  // Computed answers follow the computed version, every other read the store's version; answers of versions that
  // are not current any more are dropped as soon as a request sees the new version. An as-of answer whose version
  // is older than the store's is made from data that can no longer change (receipt order is id order, see
  // Store.recordSubmission): it is held under its own version (`a<id>`) and kept across submissions (LRU).
  let curS = '',
    curC = '',
    curR = '';
  let reportTag: () => string | undefined = () => undefined;
  const keep = (t: string) => t === curS || t === curC || t === curR || t.startsWith('a');
  // The version of an as-of date earlier than the newest submission never changes either: kept (bounded).
  const asOfVersions = new Map<string, number>();
  // The store's version, asked once per turn of the event loop (the query is a third of the CPU of an answer sent
  // from memory: under load a turn serves many requests), and again at once after a submission recorded by this
  // thread or through the API (below); one by another process is seen from the next turn on.
  let turnVersion = -1,
    turnRecorded = -1;
  const clearTurn = () => {
    turnVersion = -1;
  };
  const storeVersion = (): number => {
    const recorded = submissionsRecordedHere();
    if (turnVersion < 0 || recorded !== turnRecorded) {
      turnVersion = store.version();
      turnRecorded = recorded;
      setImmediate(clearTurn);
    }
    return turnVersion;
  };
  registerAnswerCache(app, answers, (path, query) => {
    if (path.startsWith('/report/')) {
      const r = reportTag();
      if (r !== undefined && r !== curR) {
        curR = r;
        answers.retain(keep);
      }
      return r;
    }
    if (path.startsWith('/v2/submissions') || !(path.startsWith('/v2/') || path.startsWith('/sdmx/') || path === '/openapi.json')) return undefined;
    let s: string, c: string | undefined, v: number;
    try {
      // The version of the index that answers (the newest held while a full build of the current one runs).
      v = storeVersion();
      s = `s${cache.index(undefined, v).version}`;
      c = path.startsWith('/v2/idi/') || path.startsWith('/v2/prices/') ? `c${cache.computedIndex(Date.now(), v).version}` : undefined;
    } catch {
      return undefined; // the store cannot be read: the route answers (503)
    }
    if (s !== curS || (c !== undefined && c !== curC)) {
      [curS, curC] = [s, c ?? curC];
      answers.retain(keep);
    }
    const asOf = c === undefined ? query.asof : undefined;
    if (typeof asOf === 'string' && asOf !== '') {
      try {
        const a = asOfVersions.get(asOf) ?? store.versionAsOf(asOf);
        if (a > 0 && a < v) {
          if (asOfVersions.size >= 10_000) asOfVersions.clear();
          asOfVersions.set(asOf, a);
          return `a${a}`;
        }
      } catch {
        return undefined; // not a date: the route answers (400)
      }
    }
    return c ?? s;
  });
  await app.register(compress, { globalDecompression: false, threshold: 1024 }); // no request decompression: no zip bombs
  // CORS for reads only: submissions are server-to-server with a token, so /v2/submissions gets no CORS headers at
  // all, and no route allows the Authorization header cross-origin (POST is a CORS-safelisted method: it is the
  // headers that must be refused).
  await app.register(cors, { delegator: (req, done) => done(null, corsFor(req.url) ?? { origin: false }) });

  registerRoutes(app, META_ROUTES, { store: opts.store });

  // Build the observation index before the first request, not during it (in the data worker).
  // The submission worker is started too (its modules loaded, its store connection open): the first submission
  // does not wait for it.
  app.addHook('onReady', async () => {
    await Promise.all([cache.indexAsync(), workers.submission.run({ kind: 'warm', storePath: store.path }, { bounded: false })]);
  });
  const edition = opts.reportEdition ?? 2017;
  app.decorate('ictstatWarm', async () => {
    if (app.server.listening) throw new Error('warm the server before it listens'); // its requests are not counted
    await app.ready();
    warming = true;
    try {
      // The latest as-of versions' indexes first (each moved from its neighbour, on this thread, before any client).
      const earlier = store.submissions(WARM.asOfVersions + 1).slice(1);
      const versions = [...new Set(earlier.map((x) => store.versionAsOf(x.receivedAt)))].filter((v) => v > 0 && v < store.version());
      for (const v of versions) await cache.indexAsync(v, false);
      const r = await warmServer(app, { methodology: defaultMethodology(edition), index: await cache.indexAsync(), asOf: earlier[0]?.receivedAt });
      app.log.info(r, 'warmed');
      return r;
    } catch (err) {
      app.log.warn({ err }, 'not warmed'); // a cold start, not a failed one (the routes report the fault to the client)
      return { requests: 0, failed: 0, ms: 0 };
    } finally {
      warming = false;
    }
  });
  registerWorldBankRoutes(app, opts.store, cache, gate);
  registerComputedRoutes(app, cache, store, workers.data, gate, opts.tariffs);
  registerSensitivityRoutes(app, cache, store, workers.sensitivity, gate);
  sdmxError = registerSdmxRoutes(app, cache);
  // After a stored submission, before it is acknowledged: the index moves to the new version (incrementally, a few
  // ms; a very large change is built in the worker), and the answers of the previous version are dropped.
  registerSubmissionRoutes(
    app,
    opts.store,
    limits,
    async () => {
      clearTurn(); // stored by the submission worker's connection: the next request asks the store again
      const idx = await cache.indexAsync();
      answers.retain((t) => !t.startsWith('s') || t === `s${idx.version}`); // as-of (a), computed (c) and report (r) answers stay
      curS = `s${idx.version}`;
    },
    tempDir,
    workers.submission,
  );
  reportTag = registerReportRoutes(app, opts.store, edition, tempDir, gate, storeVersion);
  return app;
}
