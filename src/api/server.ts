/** The HTTP API: World Bank v2 and SDMX indicator series, computed results, submissions. */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import type { TariffTable } from '../prices/tariffs.js';
import type { Store } from '../store/store.js';
import { UserInputError } from '../util/errors.js';
import { ObservationCache } from './data.js';
import { ApiError, errorBody, type WbErrorKind } from './errors.js';
import { registerComputedRoutes } from './computed.js';
import { docsPage, openApiDocument } from './openapi.js';
import { DEFAULT_SUBMISSION_LIMITS, registerSubmissionRoutes, type SubmissionLimits } from './submissions.js';
import { registerWorldBankRoutes } from './worldbank.js';

export interface ServerOptions {
  store: Store;
  /** Fastify's logger (pino): true/options for structured JSON logs, false for none (tests). */
  logger?: FastifyServerOptions['logger'];
  limits?: Partial<SubmissionLimits>;
  /** Tariff plans for computed price baskets and explanations (`serve --tariffs FILE`). */
  tariffs?: TariffTable;
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Header and URL bounds: a request line or headers beyond these get 431/414 from Node itself.
    requestTimeout: 120_000,
    bodyLimit: 1 << 20, // the submissions route sets its own
    // Repeated query parameters arrive as arrays; params.ts rejects them.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 2000 },
    // Errors Fastify meets before routing (a bad percent-encoding, a malformed content type): the same envelope.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const bad = (err as { code?: string }).code === 'FST_ERR_BAD_URL';
      reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify(errorBody('invalidValue', bad ? 'the URL is not valid (bad percent-encoding)' : 'the request is not valid')));
    },
  });
  const limits = { ...DEFAULT_SUBMISSION_LIMITS, ...opts.limits };
  const cache = new ObservationCache(opts.store);

  app.setErrorHandler((err, req, reply) => {
    const e = err as Error & { code?: string; statusCode?: number };
    let kind: WbErrorKind = 'invalidValue', status = 400, detail: string | undefined = e.message, extra: Record<string, unknown> | undefined;
    if (err instanceof ApiError) {
      ({ kind, extra, status } = err);
      if (kind === 'rateLimited' && extra?.retryAfter) {
        reply.header('retry-after', String(extra.retryAfter));
        extra = undefined;
      }
    } else if (err instanceof UserInputError) {
      // A message about the request; keep it.
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
    reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(errorBody(kind, detail, extra)));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type('application/json; charset=utf-8').send(JSON.stringify(errorBody('endpointNotFound', `no endpoint ${req.method} ${req.url.split('?')[0].slice(0, 200)}; see /openapi.json`)));
  });

  // Security headers on every answer (the API serves data, never active content).
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    return payload;
  });

  await app.register(compress, { globalDecompression: false, threshold: 1024 }); // no request decompression: no zip bombs
  // CORS for reads only: submissions are server-to-server with a token.
  await app.register(cors, { origin: '*', methods: ['GET', 'HEAD'], exposedHeaders: ['ETag', 'X-Total', 'X-Page', 'X-Pages', 'X-Per-Page'] });

  app.get('/healthz', async () => {
    const version = opts.store.version();
    return { status: 'ok', storeVersion: version, schemaVersion: opts.store.schemaVersion() };
  });
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(openApiDocument())));
  app.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(docsPage()));
  app.get('/', async (_req, reply) => reply.redirect('/docs'));

  // Build the observation index before the first request, not during it.
  app.addHook('onReady', async () => {
    cache.index();
  });
  registerWorldBankRoutes(app, opts.store, cache);
  registerComputedRoutes(app, cache, opts.tariffs);
  registerSubmissionRoutes(app, opts.store, limits, () => undefined); // the cache follows store.version() by itself
  return app;
}
