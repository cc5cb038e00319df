/**
 * Route declarations: each route's paths, parameters (with the parser that reads them) and answers, in one
 * object that both registers the route on Fastify and becomes its OpenAPI operation (openapi.ts). A handler sees
 * only what its declared parameters parsed, so the document cannot drift from what the code accepts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UserInputError } from '../util/errors.js';
import { ApiError, apiName, errorBody } from './errors.js';
import type { Query } from './params.js';

export type Req = FastifyRequest<{ Params: Record<string, string | undefined>; Querystring: Query }>;

export interface Param<T> {
  name: string;
  in: 'path' | 'query';
  description: string;
  schema: object;
  parse(req: Req): T;
}

type Parsed<P> = { [K in keyof P]: P[K] extends Param<infer T> ? T : never };

export interface RouteSpec<P extends Record<string, Param<unknown>> = Record<string, Param<unknown>>, C = unknown> {
  /** GET unless said. */
  method?: 'GET' | 'POST';
  /** OpenAPI-style paths (`/v2/country/{codes}`); `{lang}` marks the language prefix, `{path*}` the rest of the path. */
  paths: string[];
  /** Fastify route options (a body limit). */
  options?: { bodyLimit?: number };
  /** OpenAPI requestBody and security of the operation. */
  requestBody?: object;
  security?: object[];
  summary: string;
  description?: string;
  params: P;
  /** OpenAPI responses. */
  responses: Record<string, object>;
  /**
   * World Bank read semantics: a request the route cannot answer gets HTTP 200 with the World Bank's message
   * envelope (what wbgapi, wbdata and R WDI read: wbgapi raises on any other status before reading the body).
   * Content negotiation (406) and server faults keep their statuses.
   */
  worldBankErrors: boolean;
  handler(ctx: C, args: Parsed<P>, req: Req, reply: FastifyReply): Promise<unknown> | unknown;
}

/** An OpenAPI response answered with the error envelope. */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/WorldBankError' } } },
});

export function route<P extends Record<string, Param<unknown>>, C>(spec: RouteSpec<P, C>): RouteSpec<P, C> {
  return spec;
}

/** `/v2/{lang}/country/{codes}` -> `/v2/:lang/country/:codes`; `/report/{path*}` -> `/report/*` */
export const fastifyPath = (p: string): string => p.replace(/\{\w+\*\}/g, '*').replace(/\{(\w+)\}/g, ':$1');

// biome-ignore lint/suspicious/noExplicitAny: route specs differ in their parameter types; the list holds any of them
export function registerRoutes<C>(app: FastifyInstance, specs: ReadonlyArray<RouteSpec<any, C>>, ctx: C): void {
  for (const spec of specs) {
    const handler = async (req: Req, reply: FastifyReply) => {
      try {
        const args: Record<string, unknown> = {};
        for (const [k, p] of Object.entries(spec.params as Record<string, Param<unknown>>)) args[k] = p.parse(req);
        return await spec.handler(ctx, args as Parsed<typeof spec.params>, req, reply);
      } catch (e) {
        if (!spec.worldBankErrors) throw e;
        const err = e instanceof UserInputError ? new ApiError('invalidValue', e.describe(apiName)) : e;
        // Rate limits and overload keep their 429/503 and Retry-After (a signal to wait, not an answer), as 406 and 5xx do.
        if (!(err instanceof ApiError) || err.status === 406 || err.status === 429 || err.status >= 500) throw err;
        return reply
          .code(200)
          .type('application/json; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(JSON.stringify(errorBody(err.kind, err.message, err.extra)));
      }
    };
    for (const p of spec.paths) app.route({ method: spec.method ?? 'GET', url: fastifyPath(p), ...spec.options, handler: handler as never });
  }
}
