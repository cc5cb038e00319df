/** The OpenAPI 3 description of the API, and a self-contained HTML page rendered from it (no external scripts). */
import { MEDIA, P } from './params.js';
import type { Param, RouteSpec } from './routes.js';
import { sdmxOpenApiPaths } from './sdmx/rest.js';
import { WORLD_BANK_ROUTES } from './worldbank.js';

const q = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const p = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'path', required: true, description, schema });
const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/WorldBankError' } } } });
const format = q('format', 'json (default) or csv; SDMX and Arrow are chosen with Accept', { type: 'string', enum: ['json', 'csv'] });

/** OpenAPI operations of declared routes: parameters from the same objects that parse them. */
// biome-ignore lint/suspicious/noExplicitAny: route specs differ in their parameter types; the list holds any of them
export function declaredPaths(specs: ReadonlyArray<RouteSpec<any, any>>): Record<string, { get: object }> {
  const out: Record<string, { get: object }> = {};
  for (const spec of specs) {
    const declared = Object.values(spec.params as Record<string, Param<unknown>>);
    for (const path of spec.paths) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const params = [
        ...inPath.map((name) => {
          const d = declared.find((x) => x.in === 'path' && x.name === name) ?? Object.values(P).find((x) => x.in === 'path' && x.name === name);
          return { name, in: 'path', required: true, description: d?.description ?? name, schema: d?.schema ?? { type: 'string' } };
        }),
        ...declared.filter((x) => x.in === 'query').map((x) => ({ name: x.name, in: 'query', required: false, description: x.description, schema: x.schema })),
      ];
      out[path] = {
        get: { summary: spec.summary, ...(spec.description ? { description: spec.description } : {}), parameters: params, responses: spec.responses },
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
      '/v2/idi/{methodology}/{year}': {
        get: {
          summary: 'ICT Development Index: scores, ranks, components, imputations',
          parameters: [
            p('methodology', 'a bundled methodology id (idi-2017, ...)'),
            p('year', 'data year, or latest'),
            q('previous', 'also the previous year, with changes', { type: 'boolean' }),
            format,
          ],
          responses: {
            200: { description: 'JSON: the full result; CSV: the ranking' },
            400: err('invalid parameter'),
            404: err('unknown methodology, or no year with enough data'),
          },
        },
      },
      '/v2/idi/{methodology}/{year}/sensitivity': {
        get: {
          summary:
            'Uncertainty and sensitivity of the ranks (Monte Carlo over weights, normalisations, imputation, dropping one indicator): median rank, 5th-95th percentile interval, volatility, first-order and total Sobol indices per economy; for an unranked methodology (idi-2023/2024/2025) the same of the scores (score intervals), its ranks only with ranks=true. Runs on worker threads; one analysis at a time; the last 8 results are kept until the data changes.',
          parameters: [
            p('methodology', 'a bundled methodology id'),
            p('year', 'data year, or latest'),
            q('draws', 'base sample N, 2 to 10,000 (default 1,000); the kernel runs N x (factors + 2) scenarios', { type: 'integer' }),
            q('seed', 'random seed (default 1): same seed, same answer', { type: 'integer' }),
            q('weights', 'dirichlet (default) or uniform'),
            q('concentration', 'Dirichlet concentration (default 50)', { type: 'number' }),
            q('band', 'uniform band: each weight times 1 +- band (default 0.25)', { type: 'number' }),
            q('normalisations', 'comma-separated alternatives (default methodology,minmax,rank)'),
            q('imputation', 'vary imputation (default true)', { type: 'boolean' }),
            q('drop', 'drop one indicator at a time (default true)', { type: 'boolean' }),
            q('ranks', 'unranked methodology: rank intervals instead of score intervals, labelled as ours (default false)', { type: 'boolean' }),
            format,
          ],
          responses: {
            200: { description: 'JSON: factors and economies; CSV: the table of `ictstat idi sensitivity`' },
            400: err('invalid parameter'),
            404: err('unknown methodology, or no year with enough data'),
          },
        },
      },
      '/v2/prices/{basket}/{year}': {
        get: {
          summary: 'Price basket per economy: computed from tariff plans when the server has them, else the published values in the store',
          parameters: [p('basket', 'basket id'), p('year', 'price year'), format],
          responses: { 200: { description: 'prices' }, 404: err('unknown basket') },
        },
      },
      '/v2/prices/{basket}/{year}/{economy}/explain': {
        get: {
          summary: 'Every plan considered, the chosen plan, each conversion input and arithmetic step',
          parameters: [p('basket', 'a simple basket id'), p('year', 'price year'), p('economy', 'ISO3 or ISO2')],
          responses: { 200: { description: 'explanation' }, 404: err('unknown basket, or the server has no tariff plans') },
        },
      },
      '/v2/submissions': {
        post: {
          summary: "Submit observations for the token's economy (CSV, JSON, Arrow, Parquet or Excel workbook body; format detected from content)",
          security: [{ bearer: [] }],
          parameters: [q('vintage', 'a label for this revision')],
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
        },
      },
      ...sdmxOpenApiPaths(),
      '/healthz': { get: { summary: 'liveness and store version', responses: { 200: { description: 'ok' } } } },
      '/openapi.json': { get: { summary: 'this document', responses: { 200: { description: 'OpenAPI 3' } } } },
      '/docs': { get: { summary: 'an HTML page of this document', responses: { 200: { description: 'HTML' } } } },
      '/': { get: { summary: 'redirects to /docs', responses: { 302: { description: 'to /docs' } } } },
      '/report': { get: { summary: 'redirects to /report/index.html', responses: { 302: { description: 'to the MIS report' } } } },
      '/report/{path}': {
        get: {
          summary:
            "the MIS report edition of `serve --report-edition`, regenerated from the store's current data (built on first request and after a submission changes the store)",
          parameters: [p('path', 'a file of the report build (index.html, ...)')],
          responses: { 200: { description: 'a file of the report' }, 404: err('no such file in the report build') },
        },
      },
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
