/** The OpenAPI 3 description of the API, and a self-contained HTML page rendered from it (no external scripts). */
import { P } from './params.js';
import type { Store } from '../store/store.js';
import { sdmxOpenApiPaths } from './sdmx/rest.js';
import { WORLD_BANK_ROUTES } from './worldbank.js';
import { COMPUTED_ROUTES } from './computed.js';
import { SENSITIVITY_ROUTES } from './sensitivity.js';
import { SUBMISSION_ROUTES } from './submissions.js';
import { REPORT_ROUTES } from './report.js';
import { route, type Param, type RouteSpec } from './routes.js';

/** OpenAPI operations of declared routes: parameters from the same objects that parse them. */
// biome-ignore lint/suspicious/noExplicitAny: route specs differ in their parameter types; the list holds any of them
export function declaredPaths(specs: ReadonlyArray<RouteSpec<any, any>>): Record<string, Record<string, object>> {
  const out: Record<string, Record<string, object>> = {};
  for (const spec of specs) {
    const declared = Object.values(spec.params as Record<string, Param<unknown>>);
    for (const declaredPath of spec.paths) {
      const path = declaredPath.replace(/\{(\w+)\*\}/g, '{$1}');
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const params = [
        ...inPath.map((name) => {
          const d = declared.find((x) => x.in === 'path' && x.name === name) ?? Object.values(P).find((x) => x.in === 'path' && x.name === name);
          return { name, in: 'path', required: true, description: d?.description ?? name, schema: d?.schema ?? { type: 'string' } };
        }),
        ...declared.filter((x) => x.in === 'query').map((x) => ({ name: x.name, in: 'query', required: false, description: x.description, schema: x.schema })),
      ];
      out[path] = {
        ...out[path],
        [(spec.method ?? 'GET').toLowerCase()]: {
          summary: spec.summary,
          ...(spec.description ? { description: spec.description } : {}),
          ...(spec.security ? { security: spec.security } : {}),
          ...(params.length ? { parameters: params } : {}),
          ...(spec.requestBody ? { requestBody: spec.requestBody } : {}),
          responses: spec.responses,
        },
      };
    }
  }
  return out;
}

export function openApiDocument(): object {
  return {
    openapi: '3.0.3',
    info: {
      title: 'ictstat API',
      version: '0.1.0',
      description:
        'ICT indicator series in World Bank API v2 and SDMX conventions, computed indices and price baskets, and submissions by national statistical offices. Every revision is kept. World Bank routes answer their errors with HTTP 200 and the World Bank message envelope, as the World Bank does (its clients read the body, not the status).',
      license: { name: 'MIT (code); data: see datasets/README.md' },
    },
    paths: {
      ...declaredPaths(WORLD_BANK_ROUTES),
      ...declaredPaths(COMPUTED_ROUTES),
      ...declaredPaths(SENSITIVITY_ROUTES),
      ...declaredPaths(SUBMISSION_ROUTES),
      ...sdmxOpenApiPaths(),
      ...declaredPaths(META_ROUTES),
      ...declaredPaths(REPORT_ROUTES),
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'created with `ictstat token create --economy ISO3`' } },
      schemas: {
        WorldBankError: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              message: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { id: { type: 'string' }, key: { type: 'string' }, value: { type: 'string' }, detail: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    },
  };
}

/** Health, this document, its HTML page and the root: declared like the others, so the document lists them too. */
// biome-ignore lint/suspicious/noExplicitAny: route specs differ in their parameter types; the list holds any of them
export const META_ROUTES: ReadonlyArray<RouteSpec<any, { store: Store }>> = [
  route({
    paths: ['/healthz'],
    summary: 'liveness and store version',
    params: {},
    responses: { 200: { description: 'ok' } },
    worldBankErrors: false,
    handler: ({ store }: { store: Store }) => ({ status: 'ok', storeVersion: store.version(), schemaVersion: store.schemaVersion() }),
  }),
  route({
    paths: ['/openapi.json'],
    summary: 'this document',
    params: {},
    responses: { 200: { description: 'OpenAPI 3' } },
    worldBankErrors: false,
    handler: (_ctx: { store: Store }, _a, _req, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(openApiDocument())),
  }),
  route({
    paths: ['/docs'],
    summary: 'an HTML page of this document',
    params: {},
    responses: { 200: { description: 'HTML' } },
    worldBankErrors: false,
    handler: (_ctx: { store: Store }, _a, _req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        .send(docsPage()),
  }),
  route({
    paths: ['/'],
    summary: 'redirects to /docs',
    params: {},
    responses: { 302: { description: 'to /docs' } },
    worldBankErrors: false,
    handler: (_ctx: { store: Store }, _a, _req, reply) => reply.redirect('/docs'),
  }),
];

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function docsPage(): string {
  const doc = openApiDocument() as {
    info: { title: string; description: string };
    paths: Record<string, Record<string, { summary: string; description?: string; parameters?: Array<{ name: string; in: string; description: string }> }>>;
  };
  const sections = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(
      ([method, op]) => `
<h2><code>${method.toUpperCase()} ${esc(path)}</code></h2><p>${esc(op.summary)}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${op.parameters?.length ? `<ul>${op.parameters.map((x) => `<li><code>${esc(x.name)}</code> (${x.in}): ${esc(x.description)}</li>`).join('')}</ul>` : ''}`,
    ),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}h2{font-size:1.05rem;margin-top:1.6rem}</style></head>
<body><h1>${esc(doc.info.title)}</h1><p>${esc(doc.info.description)}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3).
Example: <a href="/v2/country/KEN/indicator/IT.NET.USER.ZS?format=json">/v2/country/KEN/indicator/IT.NET.USER.ZS?format=json</a></p>${sections.join('')}</body></html>`;
}
