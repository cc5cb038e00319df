/** The OpenAPI 3 description of the API, and a self-contained HTML page rendered from it (no external scripts). */
import { LANGUAGES } from '../registry/economies.js';
import { MAX_PER_PAGE, MEDIA } from './params.js';
import { sdmxOpenApiPaths } from './sdmx/rest.js';

const q = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const p = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'path', required: true, description, schema });
const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/WorldBankError' } } } });
const paging = [q('page', 'page number, from 1', { type: 'integer', minimum: 1, default: 1 }), q('per_page', `rows per page (a larger value is served at ${MAX_PER_PAGE}; the answer's per_page and pages say so)`, { type: 'integer', minimum: 1, default: 50 })];
const format = q('format', 'json (default) or csv; SDMX and Arrow are chosen with Accept', { type: 'string', enum: ['json', 'csv'] });
const seriesFormat = q('format', 'json (default), csv or parquet; SDMX, Arrow and Parquet are also chosen with Accept', { type: 'string', enum: ['json', 'csv', 'parquet'] });
const lang = p('lang', `language of economy names: ${LANGUAGES.join(', ')} (the paths without it answer in English)`, { type: 'string', enum: [...LANGUAGES] });

export function openApiDocument(): object {
  const seriesGet = {
    summary: 'Indicator series by country (World Bank API v2 conventions)',
    description: 'codes: `all`, or ISO3/ISO2 codes separated by `;`. ids: indicator ids or aliases (ITU codes such as i99H, World Bank codes such as IT.NET.USER.ZS), `;`-separated, case-insensitive. JSON is `[meta, records]` as the World Bank API returns it (records `null` when there is none), with our fields note, source, imputed (derived from other indicators) and vintage. SDMX-CSV 2.0, SDMX-JSON 2.0, an Arrow IPC stream and Parquet (the canonical observation table; also `format=parquet`) by Accept (not paginated).',
    parameters: [p('codes', 'countries'), p('ids', 'indicators'), q('date', 'a year (2015) or a range (2010:2020)'), q('mrv', 'the most recent N years of the indicator', { type: 'integer', minimum: 1 }),
      q('mrnev', 'the N most recent non-empty values per country', { type: 'integer', minimum: 1 }), ...paging, seriesFormat,
      q('asof', 'extension: the data as the store held it on this date (YYYY-MM-DD or ISO date-time)')],
    responses: {
      200: { description: 'the series', content: { [MEDIA.json]: {}, [MEDIA.csv]: {}, [MEDIA.sdmxCsv]: {}, [MEDIA.sdmxJson]: {}, [MEDIA.arrow]: {}, [MEDIA.parquet]: {} } },
      304: { description: 'not modified (If-None-Match matched the ETag)' }, 400: err('invalid parameter'), 404: err('unknown country or indicator'), 406: err('no acceptable representation'),
    },
  };
  const list = (summary: string, extra: object[] = []) => ({ summary, parameters: [...extra, ...paging, format], responses: { 200: { description: '`[meta, records]`' }, 400: err('invalid parameter'), 404: err('unknown code') } });
  return {
    openapi: '3.0.3',
    info: { title: 'ictstat API', version: '0.1.0', description: 'ICT indicator series in World Bank API v2 and SDMX conventions, computed indices and price baskets, and submissions by national statistical offices. Every revision is kept.', license: { name: 'MIT (code); data: see datasets/README.md' } },
    paths: {
      '/v2/country': { get: list('Economies', [q('region', 'World Bank region id (SSF, EAS, ...)'), q('incomeLevel', 'HIC, UMC, LMC, LIC')]) },
      '/v2/country/{codes}': { get: list('Economies by code', [p('codes', 'ISO3/ISO2, `;`-separated')]) },
      '/v2/indicator': { get: list('Indicators') },
      '/v2/indicator/{ids}': { get: list('Indicators by id or alias', [p('ids', 'ids or aliases, `;`-separated')]) },
      '/v2/country/{codes}/indicator/{ids}': { get: seriesGet },
      '/v2/{lang}/country/{codes}/indicator/{ids}': { get: { ...seriesGet, parameters: [lang, ...seriesGet.parameters] } },
      '/v2/{lang}/country': { get: list('Economies, names in a UN language', [lang]) },
      '/v2/idi/{methodology}/{year}': { get: { summary: 'ICT Development Index: scores, ranks, components, imputations', parameters: [p('methodology', 'a bundled methodology id (idi-2017, ...)'), p('year', 'data year, or latest'), q('previous', 'also the previous year, with changes', { type: 'boolean' }), format], responses: { 200: { description: 'JSON: the full result; CSV: the ranking' }, 400: err('invalid parameter'), 404: err('unknown methodology, or no year with enough data') } } },
      '/v2/idi/{methodology}/{year}/sensitivity': { get: { summary: 'Uncertainty and sensitivity of the ranks (Monte Carlo over weights, normalisations, imputation, dropping one indicator): median rank, 5th-95th percentile interval, volatility, first-order and total Sobol indices per economy; for an unranked methodology (idi-2023/2024/2025) the same of the scores (score intervals), its ranks only with ranks=true. Runs on worker threads; one analysis at a time; the last 8 results are kept until the data changes.', parameters: [p('methodology', 'a bundled methodology id'), p('year', 'data year, or latest'), q('draws', 'base sample N, 2 to 10,000 (default 1,000); the kernel runs N x (factors + 2) scenarios', { type: 'integer' }), q('seed', 'random seed (default 1): same seed, same answer', { type: 'integer' }), q('weights', 'dirichlet (default) or uniform'), q('concentration', 'Dirichlet concentration (default 50)', { type: 'number' }), q('band', 'uniform band: each weight times 1 +- band (default 0.25)', { type: 'number' }), q('normalisations', 'comma-separated alternatives (default methodology,minmax,rank)'), q('imputation', 'vary imputation (default true)', { type: 'boolean' }), q('drop', 'drop one indicator at a time (default true)', { type: 'boolean' }), q('ranks', 'unranked methodology: rank intervals instead of score intervals, labelled as ours (default false)', { type: 'boolean' }), format], responses: { 200: { description: 'JSON: factors and economies; CSV: the table of `ictstat idi sensitivity`' }, 400: err('invalid parameter'), 404: err('unknown methodology, or no year with enough data') } } },
      '/v2/prices/{basket}/{year}': { get: { summary: 'Price basket per economy: computed from tariff plans when the server has them, else the published values in the store', parameters: [p('basket', 'basket id'), p('year', 'price year'), format], responses: { 200: { description: 'prices' }, 404: err('unknown basket') } } },
      '/v2/prices/{basket}/{year}/{economy}/explain': { get: { summary: 'Every plan considered, the chosen plan, each conversion input and arithmetic step', parameters: [p('basket', 'a simple basket id'), p('year', 'price year'), p('economy', 'ISO3 or ISO2')], responses: { 200: { description: 'explanation' }, 404: err('unknown basket, or the server has no tariff plans') } } },
      '/v2/submissions': { post: {
        summary: 'Submit observations for the token\'s economy (CSV, JSON, Arrow, Parquet or Excel workbook body; format detected from content)',
        security: [{ bearer: [] }], parameters: [q('vintage', 'a label for this revision')],
        requestBody: { required: true, content: { 'text/csv': {}, 'application/json': {}, [MEDIA.arrow]: {}, [MEDIA.parquet]: {}, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {} } },
        responses: { 201: { description: 'accepted and stored: the validation report' }, 200: { description: 'the same content was already stored: no new revision' },
          401: err('no, unknown or revoked token'), 403: err('rows of another economy'), 413: err('body too large'), 422: err('rejected: the error envelope with `report` (located findings); nothing stored'), 429: err('rate limit') },
      } },
      ...sdmxOpenApiPaths(),
      '/healthz': { get: { summary: 'liveness and store version', responses: { 200: { description: 'ok' } } } },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'created with `ictstat token create --economy ISO3`' } },
      schemas: { WorldBankError: { type: 'array', items: { type: 'object', properties: { message: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, key: { type: 'string' }, value: { type: 'string' }, detail: { type: 'string' } } } } } } } },
    },
  };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function docsPage(): string {
  const doc = openApiDocument() as { info: { title: string; description: string }; paths: Record<string, Record<string, { summary: string; description?: string; parameters?: Array<{ name: string; in: string; description: string }> }>> };
  const sections = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `
<h2><code>${method.toUpperCase()} ${esc(path)}</code></h2><p>${esc(op.summary)}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${op.parameters?.length ? `<ul>${op.parameters.map((x) => `<li><code>${esc(x.name)}</code> (${x.in}): ${esc(x.description)}</li>`).join('')}</ul>` : ''}`));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}h2{font-size:1.05rem;margin-top:1.6rem}</style></head>
<body><h1>${esc(doc.info.title)}</h1><p>${esc(doc.info.description)}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3).
Example: <a href="/v2/country/KEN/indicator/IT.NET.USER.ZS?format=json">/v2/country/KEN/indicator/IT.NET.USER.ZS?format=json</a></p>${sections.join('')}</body></html>`;
}
