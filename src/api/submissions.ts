/**
 * POST /v2/submissions: a CSV, JSON or Arrow body from a bearer token scoped to one economy. The body is
 * written to a private temp file and validated by `submitFile` (the same path as `ictstat db submit`).
 */
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store, TokenRecord } from '../store/store.js';
import type { ComputeWorker } from './compute-pool.js';
import { ApiError } from './errors.js';
import { MEDIA, queryParam, single } from './params.js';
import { errorResponse as err, registerRoutes, route, type Req, type RouteSpec } from './routes.js';
import { ownedTempDir } from '../util/owned-temp.js';

export interface SubmissionLimits {
  /** Largest accepted body, bytes. */
  maxBodyBytes: number;
  /** Submissions per token per window. */
  ratePerToken: number;
  rateWindowMs: number;
  /**
   * Failed authentications (401) per window, counted per client address and per presented token; beyond either,
   * a failing request gets 429. A valid token is checked first and never refused by these counts.
   */
  authFailuresPerIp: number;
  /** Failed authentications per window from all clients together; beyond it every failing request gets 429. */
  authFailuresTotal: number;
}

/** Submissions being validated or waiting in the submission worker at most (beyond: 503 with Retry-After: 1). */
export const MAX_SUBMISSIONS_QUEUED = 32;

export const DEFAULT_SUBMISSION_LIMITS: SubmissionLimits = {
  maxBodyBytes: 32 << 20,
  ratePerToken: 30,
  rateWindowMs: 60_000,
  authFailuresPerIp: 20,
  authFailuresTotal: 2_000,
};

/** A fixed-window counter per key: enough to stop a runaway client; resets with the process; bounded in size. */
export class RateLimiter {
  private readonly windows = new Map<string | number, { start: number; count: number }>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}
  /** Seconds to wait, or 0 when the request may proceed (and is counted). */
  take(key: string | number, now = Date.now()): number {
    const wait = this.check(key, now);
    if (wait === 0) this.windows.get(key)!.count++;
    return wait;
  }
  /** Seconds to wait, or 0; counts nothing. */
  check(key: string | number, now = Date.now()): number {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (w) this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.sweep(now);
      this.windows.set(key, (w = { start: now, count: 0 }));
    }
    return w.count >= this.limit ? Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) : 0;
  }
  /** Count one event (e.g. a failed authentication). */
  hit(key: string | number, now = Date.now()): void {
    this.check(key, now);
    this.windows.get(key)!.count++;
  }
  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    // Still full (a flood of distinct keys): drop the oldest half rather than grow without bound.
    if (this.windows.size >= this.maxKeys) {
      let n = Math.ceil(this.windows.size / 2);
      for (const k of this.windows.keys()) {
        if (n-- <= 0) break;
        this.windows.delete(k);
      }
    }
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    submitter?: TokenRecord;
  }
}

interface SubmissionCtx {
  submit(a: { vintage: string | undefined }, req: Req, reply: FastifyReply): Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: route specs differ in their parameter types; the list holds any of them
export const SUBMISSION_ROUTES: ReadonlyArray<RouteSpec<any, SubmissionCtx>> = [
  route({
    method: 'POST',
    paths: ['/v2/submissions'],
    summary: "Submit observations for the token's economy (CSV, JSON, Arrow, Parquet or Excel workbook body; format detected from content)",
    security: [{ bearer: [] }],
    params: {
      vintage: queryParam('vintage', 'a label for this revision (1 to 64 letters, digits, spaces and . : + - _)', { type: 'string' }, (q) => {
        const vintage = single(q, 'vintage');
        if (vintage !== undefined && !/^[\w .:+-]{1,64}$/.test(vintage))
          throw new ApiError('invalidValue', 'vintage is a label of 1 to 64 letters, digits, spaces and . : + - _');
        return vintage;
      }),
    },
    requestBody: {
      required: true,
      content: {
        'text/csv': {},
        'application/json': {},
        [MEDIA.arrow]: {},
        [MEDIA.parquet]: {},
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {},
      },
    },
    responses: {
      201: { description: 'accepted and stored: the validation report' },
      200: { description: 'the same content was already stored: no new revision' },
      401: err('no, unknown or revoked token'),
      403: err('rows of another economy'),
      413: err('body too large'),
      422: err('rejected: the error envelope with `report` (located findings); nothing stored'),
      429: err('rate limit'),
    },
    worldBankErrors: false,
    handler: (ctx: SubmissionCtx, a, req, reply) => ctx.submit(a, req, reply),
  }),
];

export function registerSubmissionRoutes(
  app: FastifyInstance,
  store: Store,
  limits: SubmissionLimits,
  onStored: () => Promise<void>,
  tempDir: string,
  worker: ComputeWorker,
): void {
  // Bodies being validated; a shutdown removes whatever is left (each is also removed when its request ends).
  const open = new Set<string>();
  app.addHook('onClose', async () => {
    for (const d of open) rmSync(d, { recursive: true, force: true });
  });
  const limiter = new RateLimiter(limits.ratePerToken, limits.rateWindowMs);
  const authFailures = new RateLimiter(limits.authFailuresPerIp, limits.rateWindowMs);
  const total = new RateLimiter(limits.authFailuresTotal, limits.rateWindowMs);
  app.register(async (scope) => {
    // The body is the file: no JSON parsing by Fastify, every content type read as bytes and sniffed by ingest.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (_req, body, done) => done(null, body));

    // Authentication runs before the body is read: an unauthenticated upload is refused without reading it.
    // The token is verified first (a format check and one indexed lookup of its SHA-256: cheap and bounded), so a
    // valid token is never refused because of other clients' failures. A failure counts against the client's
    // address (X-Forwarded-For only with trustProxy) and against the presented token, so neither one client nor
    // one token can fail without limit, whatever addresses it rotates through.
    scope.addHook('onRequest', async (req: FastifyRequest) => {
      const auth = req.headers.authorization;
      const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
      const token = m ? store.verifyToken(m[1]) : undefined;
      if (!token) {
        const keys: Array<string | number> = [`ip:${req.ip}`, ...(m ? [`token:${createHash('sha256').update(m[1]).digest('base64url')}`] : []), 'all'];
        const blocked = Math.max(...keys.map((k, i) => (i === keys.length - 1 ? total : authFailures).check(k)));
        if (blocked > 0)
          throw new ApiError('rateLimited', `too many failed authentications from this client or with this token; retry in ${blocked} s`, {
            retryAfter: blocked,
          });
        for (const [i, k] of keys.entries()) (i === keys.length - 1 ? total : authFailures).hit(k);
        if (!m) throw new ApiError('unauthorized', 'send "Authorization: Bearer <token>" (create one with `ictstat token create --economy ISO3`)');
        req.log.warn({ ip: req.ip }, 'submission with an unknown or revoked token');
        throw new ApiError('unauthorized', 'unknown or revoked token');
      }
      const wait = limiter.take(token.id);
      if (wait > 0)
        throw new ApiError('rateLimited', `at most ${limits.ratePerToken} submissions per ${limits.rateWindowMs / 1000} s per token; retry in ${wait} s`, {
          retryAfter: wait,
        });
      req.submitter = token;
    });

    const submit: SubmissionCtx['submit'] = async ({ vintage }, req, reply) => {
      const token = req.submitter!;
      const body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
      const dir = ownedTempDir(tempDir, 'ictstat-submission-');
      open.add(dir);
      try {
        const file = join(dir, 'body');
        writeFileSync(file, body, { mode: 0o600 });
        // Validated and stored in the submission worker (its own store connection): the parse and the synchronous
        // write with its fsync do not block the event loop.
        const options = { economy: token.economy, submittedBy: `token:${token.id}`, vintage, displayName: 'body' };
        const r = (await worker.run({ kind: 'submit', storePath: store.path, maxPageCount: store.maxPageCount(), file, options })).submit;
        if (r.outcome === 'rejected') {
          req.log.info({ token: token.id, economy: token.economy, findings: r.report.findingCounts }, 'submission rejected (recorded)');
          throw new ApiError('rejected', `the submission failed validation (${r.errors} errors); nothing was stored`, { report: r.report });
        }
        if (r.outcome === 'forbidden') {
          req.log.warn({ token: token.id, economy: token.economy, others: r.otherEconomies!.slice(0, 10) }, 'submission forbidden (recorded)');
          throw new ApiError(
            'forbidden',
            `this token may submit data for ${token.economy} only; the body has rows for ${r.otherEconomies!.slice(0, 10).join(', ')}${r.otherEconomies!.length > 10 ? ', …' : ''}; nothing was stored`,
          );
        }
        const s = r.submission!;
        if (r.outcome === 'accepted') await onStored(); // reads after the 201 see the submission
        req.log.info(
          { token: token.id, economy: token.economy, submission: s.id, observations: s.observations, duplicate: r.outcome === 'duplicate' },
          'submission stored',
        );
        reply.code(r.outcome === 'accepted' ? 201 : 200);
        if (r.outcome === 'accepted') reply.header('location', `/v2/submissions/${s.id}`);
        return {
          status: r.outcome === 'accepted' ? 'accepted' : 'duplicate',
          message: r.outcome === 'accepted' ? `stored as submission ${s.id}` : `the same content is already stored as submission ${s.id}: no new revision`,
          submission: { id: s.id, economy: s.economy, receivedAt: s.receivedAt, vintage: s.vintage, observations: s.observations },
          report: r.report,
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
        open.delete(dir);
      }
    };
    registerRoutes(
      scope,
      SUBMISSION_ROUTES.map((r) => ({ ...r, options: { bodyLimit: limits.maxBodyBytes } })),
      { submit },
    );
  });
}
