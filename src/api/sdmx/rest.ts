/**
 * SDMX 2.1 REST (SDMX REST API 1.x) under /sdmx/rest: data queries (`/data/{flow}/{key}/{provider}`),
 * structure queries (`/dataflow`, `/datastructure`, `/codelist`, `/conceptscheme`, with `references` and
 * `detail`) and the schema of the structure-specific data (`/schema/dataflow/...`). Formats by `Accept` (or
 * `format=`): SDMX-ML 2.1 generic (the default, and what application/xml gets) and structure-specific data,
 * SDMX-CSV 1.0/2.0, SDMX-JSON 1.0/2.0; SDMX-ML 2.1 structures. Errors are SDMX error messages (XML, or JSON
 * when JSON was asked for) with the SDMX REST status: 404 (code 100, no results), 400 (140, syntax), 406, 413
 * (510, more than MAX_OBSERVATIONS), 501 (not implemented).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UserInputError } from '../../util/errors.js';
import type { ObservationCache } from '../data.js';
import { ApiError, apiName } from '../errors.js';
import { clip, single, type Query } from '../params.js';
import { send } from '../send.js';
import { csvOptions, sdmxCsvMessage } from './csv.js';
import {
  checkFlow,
  checkProvider,
  fromRest2,
  MAX_OBSERVATIONS,
  noResults,
  notImplemented,
  parseDataQuery,
  SdmxError,
  selectData,
  syntaxError,
} from './data.js';
import { jsonError, sdmxJson1, sdmxJson2 } from './json.js';
import { sdmxStructure, type Codelist, type SdmxStructure } from './structure.js';
import {
  errorMessage,
  genericData,
  structureMessage,
  structureSpecificData,
  structureSpecificSchema,
  type HeaderInfo,
  type StructureKind,
  type StructureSelection,
} from './xml.js';
import { own } from '../../util/lookup.js';

export const SDMX_MEDIA = {
  generic: 'application/vnd.sdmx.genericdata+xml; version=2.1; charset=utf-8',
  structureSpecific: 'application/vnd.sdmx.structurespecificdata+xml; version=2.1; charset=utf-8',
  structure: 'application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  csv1: 'application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8',
  csv2: 'application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8',
  json1: 'application/vnd.sdmx.data+json; version=1.0.0; charset=utf-8',
  json2: 'application/vnd.sdmx.data+json; version=2.0.0; charset=utf-8',
  error: 'application/xml; charset=utf-8',
} as const;

type DataFormat = 'generic' | 'structureSpecific' | 'csv1' | 'csv2' | 'json1' | 'json2';
interface Choice<F> {
  format: F;
  type: string;
  params: Record<string, string>;
}

interface Range {
  type: string;
  quality: number;
  params: Record<string, string>;
  order: number;
}

/** The Accept header's media ranges, best first (parameters kept: version, labels, timeFormat, keys). */
function ranges(accept: string | undefined): Range[] {
  if (!accept) return [{ type: '*/*', quality: 1, params: {}, order: 0 }];
  if (accept.length > 1024) throw syntaxError('the Accept header is too long');
  return accept
    .split(',')
    .map((part, order) => {
      const [type, ...ps] = part.split(';').map((x) => x.trim());
      const params: Record<string, string> = {};
      for (const p of ps) {
        const i = p.indexOf('=');
        if (i > 0)
          params[p.slice(0, i).trim().toLowerCase()] = p
            .slice(i + 1)
            .trim()
            .replace(/^"|"$/g, '');
      }
      const q = params.q === undefined ? 1 : Number(params.q);
      delete params.q;
      return { type: type.toLowerCase(), quality: Number.isFinite(q) ? q : 0, params, order };
    })
    .filter((r) => r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.order - b.order);
}

const FORMAT_PARAM: Record<string, DataFormat> = {
  genericdata: 'generic',
  generic: 'generic',
  structurespecificdata: 'structureSpecific',
  structurespecific: 'structureSpecific',
  csv: 'csv2',
  csvdata: 'csv2',
  'sdmx-csv': 'csv2',
  json: 'json2',
  jsondata: 'json2',
  'sdmx-json': 'json2',
};

function dataFormat(q: Query, accept: string | undefined): Choice<DataFormat> {
  const f = single(q, 'format');
  if (f !== undefined) {
    const format = own(FORMAT_PARAM, f.toLowerCase()); // own keys only: format=constructor is unknown
    if (!format) throw syntaxError(`format must be one of ${Object.keys(FORMAT_PARAM).join(', ')}, not "${clip(f)}"`);
    return { format, type: SDMX_MEDIA[format], params: {} };
  }
  for (const r of ranges(accept)) {
    const v = r.params.version;
    switch (r.type) {
      case 'application/vnd.sdmx.genericdata+xml':
        if (!v || v === '2.1') return { format: 'generic', type: SDMX_MEDIA.generic, params: r.params };
        break;
      case 'application/vnd.sdmx.structurespecificdata+xml':
        if (!v || v === '2.1') return { format: 'structureSpecific', type: SDMX_MEDIA.structureSpecific, params: r.params };
        break;
      case 'application/vnd.sdmx.data+csv':
        if (v?.startsWith('1')) return { format: 'csv1', type: SDMX_MEDIA.csv1, params: r.params };
        if (!v || v.startsWith('2')) return { format: 'csv2', type: SDMX_MEDIA.csv2, params: r.params };
        break;
      case 'application/vnd.sdmx.data+json':
        if (v?.startsWith('1')) return { format: 'json1', type: SDMX_MEDIA.json1, params: r.params };
        if (!v || v.startsWith('2')) return { format: 'json2', type: SDMX_MEDIA.json2, params: r.params };
        break;
      case 'text/csv':
        return { format: 'csv2', type: 'text/csv; charset=utf-8', params: r.params };
      case 'application/json':
        return { format: 'json2', type: 'application/json; charset=utf-8', params: r.params };
      case 'application/xml':
      case 'text/xml':
        return { format: 'generic', type: `${r.type}; charset=utf-8`, params: {} };
      case 'application/*':
      case '*/*':
        return { format: 'generic', type: SDMX_MEDIA.generic, params: {} };
    }
  }
  throw new SdmxError(
    406,
    406,
    `cannot produce any of "${clip(accept ?? '', 200)}"; data is served as application/vnd.sdmx.genericdata+xml;version=2.1, ` +
      'application/vnd.sdmx.structurespecificdata+xml;version=2.1, application/vnd.sdmx.data+csv;version=1.0.0 or 2.0.0, application/vnd.sdmx.data+json;version=1.0.0 or 2.0.0, application/xml',
  );
}

function structureFormat(q: Query, accept: string | undefined): string {
  const f = single(q, 'format');
  if (f !== undefined && !['structure', 'sdmx-ml', 'xml'].includes(f.toLowerCase()))
    throw new SdmxError(406, 406, `structures are served as SDMX-ML 2.1 only (format=structure), not "${clip(f)}"`);
  for (const r of ranges(accept)) {
    if (r.type === 'application/vnd.sdmx.structure+xml' && (!r.params.version || r.params.version === '2.1')) return SDMX_MEDIA.structure;
    if (r.type === 'application/xml' || r.type === 'text/xml') return `${r.type}; charset=utf-8`;
    if (r.type === 'application/*' || r.type === '*/*') return SDMX_MEDIA.structure;
  }
  throw new SdmxError(
    406,
    406,
    `cannot produce any of "${clip(accept ?? '', 200)}"; structures are served as application/vnd.sdmx.structure+xml;version=2.1 or application/xml`,
  );
}

/** Whether the client asked for JSON (its errors are then SDMX-JSON too). */
function wantsJson(req: FastifyRequest): boolean {
  const f = (req.query as Query | undefined)?.format;
  if (typeof f === 'string' && /json/i.test(f)) return true;
  try {
    const best = ranges(req.headers.accept)[0];
    return best !== undefined && /json/.test(best.type);
  } catch {
    return false;
  }
}

const TITLES: Record<number, string> = {
  100: 'No Results Found',
  140: 'Syntax error',
  150: 'Semantic error',
  406: 'Not Acceptable',
  500: 'Internal Server Error',
  501: 'Not implemented',
  503: 'Service unavailable',
  510: 'Response size exceeds service limit',
  // Custom (SDMX's 1000 and up): a client beyond its budget or its requests in flight (HTTP 429, Retry-After).
  1429: 'Too many requests',
};

/** The SDMX error code of an API error's HTTP status (SDMX REST's error mapping; 1429 is ours). */
const SDMX_CODE_OF_STATUS: Record<number, number> = { 404: 100, 406: 406, 413: 510, 429: 1429, 503: 503 };

/** An SDMX error answer: SDMX-JSON when the client asked for JSON, else SDMX-ML. */
export interface SdmxErrorAnswer {
  type: string;
  body: string;
}

const STRUCTURE_PARAMS = ['references', 'detail', 'format'];
const REFERENCES = ['none', 'parents', 'parentsandsiblings', 'children', 'descendants', 'all', 'dataflow', 'datastructure', 'codelist', 'conceptscheme'];
const STRUCTURE_DETAILS = ['full', 'allstubs', 'referencestubs', 'allcompletestubs', 'referencecompletestubs', 'referencepartial'];
/** SDMX 2.1 structure resources this service does not have (501 rather than 404). */
const OTHER_RESOURCES = [
  'structure',
  'metadatastructure',
  'categoryscheme',
  'categorisation',
  'hierarchicalcodelist',
  'organisationscheme',
  'agencyscheme',
  'dataproviderscheme',
  'dataconsumerscheme',
  'organisationunitscheme',
  'contentconstraint',
  'attachmentconstraint',
  'actualconstraint',
  'allowedconstraint',
  'metadataflow',
  'provisionagreement',
  'structureset',
  'process',
  'reportingtaxonomy',
  'transformationscheme',
  'rulesetscheme',
  'userdefinedoperatorscheme',
  'customtypescheme',
  'namepersonalisationscheme',
  'vtlmappingscheme',
  'metadata',
  'availableconstraint',
];

/** The structure query's artefacts: the resource asked for, then its references. */
function selectStructures(
  s: SdmxStructure,
  kind: StructureKind,
  agency: string,
  id: string,
  version: string,
  item: string | undefined,
  q: Query,
): { sel: StructureSelection; stub: (k: StructureKind) => boolean } {
  for (const k of Object.keys(q))
    if (!STRUCTURE_PARAMS.includes(k)) throw syntaxError(`unknown parameter ${clip(k)}; a structure query takes ${STRUCTURE_PARAMS.join(', ')}`);
  const refs = (single(q, 'references') ?? 'none').toLowerCase();
  if (!REFERENCES.includes(refs)) throw syntaxError(`references must be one of ${REFERENCES.join(', ')}, not "${clip(refs)}"`);
  const detail = (single(q, 'detail') ?? 'full').toLowerCase();
  if (!STRUCTURE_DETAILS.includes(detail)) throw syntaxError(`detail must be one of ${STRUCTURE_DETAILS.join(', ')}, not "${clip(detail)}"`);
  const any = (x: string) => ['all', '*', ''].includes(x.toLowerCase());
  if (!any(agency) && agency.toUpperCase() !== s.agency) throw noResults(`no maintenance agency ${clip(agency)}; this service has ${s.agency}`);
  if (!any(version) && !['latest', '+', '~'].includes(version.toLowerCase()) && version !== s.version)
    throw noResults(`no version ${clip(version)}; every artefact here is version ${s.version}`);
  const match = (x: string) => any(id) || id.split('+').some((p) => p.toUpperCase() === x.toUpperCase());
  const sel: StructureSelection = { dataflow: false, datastructure: false, codelists: [], conceptscheme: false, concepts: s.conceptScheme.concepts };
  const items = item === undefined || any(item) ? null : new Set(item.split('+').map((x) => x.toUpperCase()));
  const usedCodelists = (): Codelist[] => s.codelists;
  switch (kind) {
    case 'dataflow':
      sel.dataflow = match(s.dataflow.id);
      break;
    case 'datastructure':
      sel.datastructure = match(s.dataStructure.id);
      break;
    case 'conceptscheme':
      sel.conceptscheme = match(s.conceptScheme.id);
      break;
    case 'codelist':
      sel.codelists = s.codelists.filter((c) => match(c.id));
      break;
  }
  if (!sel.dataflow && !sel.datastructure && !sel.conceptscheme && sel.codelists.length === 0)
    throw noResults(`no ${kind} ${clip(agency)}/${clip(id)}/${clip(version)}`);
  if (items) {
    if (kind === 'codelist')
      sel.codelists = sel.codelists.map((c) => ({ ...c, codes: c.codes.filter((x) => items.has(x.id.toUpperCase())) })).filter((c) => c.codes.length > 0);
    else if (kind === 'conceptscheme') sel.concepts = sel.concepts.filter((c) => items.has(c.id.toUpperCase()));
    else throw syntaxError('an item id is only for codelist and conceptscheme queries');
    if (kind === 'codelist' ? sel.codelists.length === 0 : sel.concepts.length === 0) throw noResults(`no items ${clip(item ?? '')} in ${kind} ${clip(id)}`);
  }
  const base = { ...sel, codelists: [...sel.codelists] };
  // References: the dataflow uses the DSD, the DSD uses the codelists and the concept scheme.
  const up = refs === 'parents' || refs === 'parentsandsiblings' || refs === 'all';
  const down = refs === 'children' || refs === 'descendants' || refs === 'all';
  if (kind === 'dataflow' && (down || refs === 'datastructure')) sel.datastructure = true;
  if (kind === 'dataflow' && (refs === 'descendants' || refs === 'all' || refs === 'codelist')) sel.codelists = usedCodelists();
  if (kind === 'dataflow' && (refs === 'descendants' || refs === 'all' || refs === 'conceptscheme')) sel.conceptscheme = true;
  if (kind === 'datastructure' && (up || refs === 'dataflow')) sel.dataflow = true;
  if (kind === 'datastructure' && (down || refs === 'codelist')) sel.codelists = usedCodelists();
  if (kind === 'datastructure' && (down || refs === 'conceptscheme')) sel.conceptscheme = true;
  if ((kind === 'codelist' || kind === 'conceptscheme') && (up || refs === 'datastructure')) sel.datastructure = true;
  if ((kind === 'codelist' || kind === 'conceptscheme') && (refs === 'all' || refs === 'dataflow')) sel.dataflow = true;
  if ((kind === 'codelist' || kind === 'conceptscheme') && (refs === 'parentsandsiblings' || refs === 'all')) {
    if (kind === 'conceptscheme') sel.codelists = usedCodelists();
    sel.conceptscheme = true;
  }
  const isBase = (k: StructureKind) =>
    k === 'dataflow'
      ? base.dataflow
      : k === 'datastructure'
        ? base.datastructure
        : k === 'conceptscheme'
          ? base.conceptscheme
          : base.codelists.length > 0 && kind === 'codelist';
  const stub = (k: StructureKind) =>
    detail === 'allstubs' || detail === 'allcompletestubs' || ((detail === 'referencestubs' || detail === 'referencecompletestubs') && !isBase(k));
  return { sel, stub };
}

/** The SDMX REST paths for the OpenAPI document (src/api/openapi.ts). */
export function sdmxOpenApiPaths(): Record<string, object> {
  const q = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } });
  const p = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
  const errors = {
    400: { description: 'SDMX error 140 (syntax)' },
    404: { description: 'SDMX error 100 (no results)' },
    406: { description: 'no acceptable format' },
    501: { description: 'not implemented' },
  };
  const content = Object.fromEntries(Object.values(SDMX_MEDIA).map((t) => [t, {}]));
  const structure = (what: string) => ({
    get: {
      summary: `SDMX 2.1 structure query: ${what} (SDMX-ML 2.1)`,
      parameters: [
        p('agency', 'ITU or all'),
        p('id', 'artefact id or all'),
        p('version', '1.0.0 or latest'),
        q('references', 'none, parents, parentsandsiblings, children, descendants, all, or a type'),
        q('detail', 'full, allstubs, referencestubs'),
      ],
      responses: { 200: { description: what }, ...errors },
    },
  });
  return {
    '/sdmx/rest/data/{flow}/{key}/{provider}': {
      get: {
        summary: 'SDMX 2.1 data query (also /data/{flow} and /data/{flow}/{key})',
        description: `SDMX-ML 2.1 generic (default) or structure-specific data, SDMX-CSV 1.0/2.0 (labels, timeFormat, keys), SDMX-JSON 1.0/2.0, by Accept or format. At most ${MAX_OBSERVATIONS.toLocaleString('en')} observations an answer (413, SDMX code 510).`,
        parameters: [
          p('flow', 'ICT_INDICATORS, ITU,ICT_INDICATORS or ITU,ICT_INDICATORS,1.0.0'),
          p('key', 'FREQ.REF_AREA.INDICATOR, parts empty or codes joined by +, or all'),
          p('provider', 'all or ITU'),
          q('startPeriod', 'SDMX period'),
          q('endPeriod', 'SDMX period'),
          q('firstNObservations', 'per series'),
          q('lastNObservations', 'per series'),
          q('dimensionAtObservation', 'TIME_PERIOD, AllDimensions or a dimension'),
          q('detail', 'full, dataonly, serieskeysonly, nodata'),
          q('format', 'genericdata, structurespecificdata, csv, jsondata'),
        ],
        responses: { 200: { description: 'the data', content }, 413: { description: 'SDMX error 510 (too many observations)' }, ...errors },
      },
    },
    '/sdmx/rest/v2/data/{context}/{agency}/{id}/{version}/{key}': {
      get: {
        summary: 'SDMX REST 2.0 (SDMX 3.0) data query, answered as the equivalent 2.1 query in the same formats',
        parameters: [
          p('context', 'dataflow, datastructure or *'),
          p('agency', 'ITU or *'),
          p('id', 'ICT_INDICATORS (or the DSD id) or *'),
          p('version', '1.0.0, ~ or *'),
          p('key', 'FREQ.REF_AREA.INDICATOR, codes joined by ",", * for any'),
          q('c[REF_AREA]', 'eq filter on a dimension (also c[FREQ], c[INDICATOR])'),
          q('c[TIME_PERIOD]', 'ge:, gt:, le:, lt:, eq: periods joined by +'),
          q('attributes', 'all or none'),
          q('measures', 'all or none'),
          q('firstNObservations', 'per series'),
          q('lastNObservations', 'per series'),
          q('dimensionAtObservation', 'TIME_PERIOD, AllDimensions or a dimension'),
        ],
        responses: { 200: { description: 'the data', content }, 413: { description: 'SDMX error 510 (too many observations)' }, ...errors },
      },
    },
    '/sdmx/rest/dataflow/{agency}/{id}/{version}': structure('the dataflow'),
    '/sdmx/rest/datastructure/{agency}/{id}/{version}': structure('the data structure definition'),
    '/sdmx/rest/codelist/{agency}/{id}/{version}': structure('codelists (CL_FREQ, CL_AREA, CL_INDICATOR, CL_UNIT, CL_OBS_STATUS, CL_ESTIMATE)'),
    '/sdmx/rest/conceptscheme/{agency}/{id}/{version}': structure('the concept scheme'),
    '/sdmx/rest/schema/{context}/{agency}/{id}/{version}': {
      get: {
        summary: 'XML schema of the structure-specific data of the DSD',
        parameters: [
          p('context', 'dataflow or datastructure'),
          p('agency', 'ITU'),
          p('id', 'ICT_INDICATORS or DSD_ICT_INDICATORS'),
          p('version', '1.0.0 or latest'),
          q('dimensionAtObservation', 'TIME_PERIOD (default), AllDimensions or a dimension'),
        ],
        responses: { 200: { description: 'XSD' }, ...errors },
      },
    },
  };
}

/**
 * Registers the SDMX routes; returns how an SDMX error of an HTTP status is written for a request (what the hooks
 * before the routes, such as the client budget's 429, send to SDMX clients).
 */
export function registerSdmxRoutes(app: FastifyInstance, cache: ObservationCache): (req: FastifyRequest, status: number, text: string) => SdmxErrorAnswer {
  const s = sdmxStructure();
  const headerInfo = (): HeaderInfo => {
    const idx = cache.index();
    return { id: `ICTSTAT_${idx.version}`, prepared: idx.lastUpdated ? `${idx.lastUpdated}T00:00:00Z` : new Date(0).toISOString().replace('.000', '') };
  };
  const errorAnswer = (req: FastifyRequest, code: number, text: string): SdmxErrorAnswer =>
    wantsJson(req)
      ? { type: 'application/json; charset=utf-8', body: JSON.stringify(jsonError(s, headerInfo(), code, TITLES[code] ?? 'Error', text)) }
      : { type: SDMX_MEDIA.error, body: errorMessage(code, `${TITLES[code] ?? 'Error'}: ${text}`) };

  void app.register(
    async (scope) => {
      scope.setErrorHandler((err, req, reply) => {
        const e = err as Error & { code?: string; statusCode?: number };
        let code = 140,
          status = 400,
          text = e.message;
        if (err instanceof SdmxError) ({ code, status } = err);
        else if (err instanceof ApiError) {
          // Its own status where SDMX has a code for it (a refusal keeps its 429 or 503 and Retry-After), else 400.
          [code, status] = Object.hasOwn(SDMX_CODE_OF_STATUS, err.status) ? [SDMX_CODE_OF_STATUS[err.status], err.status] : [140, 400];
          const retryAfter = err.extra?.retryAfter;
          if ((status === 429 || status === 503) && retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
        } else if (err instanceof UserInputError) text = err.describe(apiName);
        else if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) status = e.statusCode;
        else {
          req.log.error({ err }, 'unexpected error');
          [code, status, text] = [500, 500, 'an unexpected error occurred; it has been logged'];
        }
        const a = errorAnswer(req, code, text);
        return reply.code(status).type(a.type).send(a.body);
      });
      scope.setNotFoundHandler((req, reply) => {
        const path = req.url.split('?')[0];
        const resource = path
          .replace(/^\/sdmx\/rest\/?/i, '')
          .split('/')[0]
          .toLowerCase();
        const err = OTHER_RESOURCES.includes(resource)
          ? notImplemented(`the ${resource} resource is not implemented; this service has data, dataflow, datastructure, codelist, conceptscheme and schema`)
          : noResults(`no resource ${clip(path, 120)}; see the README's SDMX section`);
        reply
          .code(err.status)
          .type(SDMX_MEDIA.error)
          .send(errorMessage(err.code, `${TITLES[err.code]}: ${err.message}`));
      });

      type DataReq = FastifyRequest<{ Params: { flow: string; key?: string; provider?: string }; Querystring: Query }>;
      const data = async (req: DataReq, reply: FastifyReply) => answer(req, reply, req.params.flow, req.params.key, req.params.provider, req.query);
      const answer = (req: FastifyRequest, reply: FastifyReply, flow: string, key: string | undefined, provider: string | undefined, q: Query) => {
        const choice = dataFormat(q, req.headers.accept);
        checkFlow(s, flow);
        checkProvider(s, provider);
        const dq = parseDataQuery(s, key, q);
        const csv =
          choice.format === 'csv1' || choice.format === 'csv2'
            ? csvOptions(
                choice.format === 'csv1' ? 1 : 2,
                { labels: choice.params.labels, timeFormat: choice.params.timeformat, keys: choice.params.keys },
                { labels: single(q, 'labels'), timeFormat: single(q, 'timeFormat'), keys: single(q, 'keys') },
              )
            : undefined;
        if (!csv)
          for (const k of ['labels', 'timeFormat', 'keys'])
            if (q[k] !== undefined) throw syntaxError(`${k} is an SDMX-CSV option; ask for SDMX-CSV (format=csv or Accept: application/vnd.sdmx.data+csv)`);
        const idx = cache.index();
        const view = selectData(s, idx, dq);
        const h = headerInfo();
        switch (choice.format) {
          case 'generic':
            return send(req, reply, genericData(s, view, h), choice.type);
          case 'structureSpecific':
            return send(req, reply, structureSpecificData(s, view, h), choice.type);
          case 'json1':
            return send(req, reply, JSON.stringify(sdmxJson1(s, view, h, 'en')), choice.type);
          case 'json2':
            return send(req, reply, JSON.stringify(sdmxJson2(s, view, h, 'en')), choice.type);
          default:
            return send(req, reply, sdmxCsvMessage(s, view, csv!), choice.type);
        }
      };
      // SDMX REST 2.0 (SDMX 3.0): /v2/data/{context}/{agency}/{id}/{version}/{key}, as the equivalent 2.1 query.
      type Data2Req = FastifyRequest<{ Params: { context: string; agency: string; id: string; version: string; key?: string }; Querystring: Query }>;
      const data2 = async (req: Data2Req, reply: FastifyReply) => {
        const { context, agency, id, version, key } = req.params;
        const ctx = context.toLowerCase();
        if (ctx === 'provisionagreement') throw notImplemented('provision agreements are not implemented (contexts: dataflow, datastructure)');
        if (ctx !== 'dataflow' && ctx !== 'datastructure' && ctx !== '*')
          throw syntaxError(`context must be dataflow, datastructure or *, not "${clip(context)}"`);
        const any = (x: string) => x === '*' || x.toLowerCase() === 'all';
        const target = ctx === 'datastructure' ? s.dataStructure.id : s.dataflow.id;
        if (!any(id) && id.toUpperCase() !== target.toUpperCase()) throw noResults(`no ${ctx} ${clip(id)}`);
        checkFlow(s, `${agency},${s.dataflow.id},${version.replace(/^~$/, 'latest')}`);
        const v21 = fromRest2(s, key, req.query);
        return answer(req, reply, s.dataflow.id, v21.key, undefined, v21.query);
      };
      scope.get('/v2/data/:context/:agency/:id/:version', data2);
      scope.get('/v2/data/:context/:agency/:id/:version/:key', data2);
      scope.get('/data/:flow', data);
      scope.get('/data/:flow/:key', data);
      scope.get('/data/:flow/:key/:provider', data);

      type StructReq = FastifyRequest<{ Params: { agency?: string; id?: string; version?: string; item?: string }; Querystring: Query }>;
      const structure = (kind: StructureKind) => async (req: StructReq, reply: FastifyReply) => {
        const type = structureFormat(req.query, req.headers.accept);
        const p = req.params;
        const { sel, stub } = selectStructures(s, kind, p.agency ?? 'all', p.id ?? 'all', p.version ?? 'latest', p.item, req.query);
        return send(req, reply, structureMessage(s, sel, headerInfo(), stub), type);
      };
      for (const kind of ['dataflow', 'datastructure', 'codelist', 'conceptscheme'] as const) {
        const h = structure(kind);
        scope.get(`/${kind}`, h);
        scope.get(`/${kind}/:agency`, h);
        scope.get(`/${kind}/:agency/:id`, h);
        scope.get(`/${kind}/:agency/:id/:version`, h);
        if (kind === 'codelist' || kind === 'conceptscheme') scope.get(`/${kind}/:agency/:id/:version/:item`, h);
      }

      // The XML schema of structure-specific data (SDMX 2.1 REST schema query): for the dataflow or the DSD.
      type SchemaReq = FastifyRequest<{ Params: { context: string; agency: string; id: string; version?: string }; Querystring: Query }>;
      scope.get('/schema/:context/:agency/:id/:version?', async (req: SchemaReq, reply) => {
        for (const k of Object.keys(req.query))
          if (k !== 'dimensionAtObservation' && k !== 'explicitMeasure')
            throw syntaxError(`unknown parameter ${clip(k)}; a schema query takes dimensionAtObservation`);
        const { context, agency, id, version = 'latest' } = req.params;
        const target = context.toLowerCase() === 'dataflow' ? s.dataflow.id : context.toLowerCase() === 'datastructure' ? s.dataStructure.id : null;
        if (target === null) throw notImplemented(`schema context ${clip(context)} is not implemented (dataflow, datastructure)`);
        if (
          agency.toUpperCase() !== s.agency ||
          id.toUpperCase() !== target.toUpperCase() ||
          !(['latest', '+', '~'].includes(version.toLowerCase()) || version === s.version)
        )
          throw noResults(`no ${context} ${clip(agency)}/${clip(id)}/${clip(version)}`);
        const dims = [...s.dimensions.map((d) => d.id), s.timeDimension, 'AllDimensions'];
        const dao = single(req.query, 'dimensionAtObservation') ?? s.timeDimension;
        const dimAtObs = dims.find((d) => d.toLowerCase() === dao.toLowerCase());
        if (!dimAtObs) throw syntaxError(`dimensionAtObservation must be one of ${dims.join(', ')}, not "${clip(dao)}"`);
        return send(req, reply, structureSpecificSchema(s, dimAtObs), SDMX_MEDIA.xml);
      });
    },
    { prefix: '/sdmx/rest' },
  );
  return (req, status, text) => errorAnswer(req, Object.hasOwn(SDMX_CODE_OF_STATUS, status) ? SDMX_CODE_OF_STATUS[status] : 500, text);
}
