import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { loadIndicatorRegistry, type IndicatorRegistry } from '../registry/indicators.js';
import { indicatorsDir, snapshotDir } from '../util/paths.js';
import { suggest } from '../util/suggest.js';
import { UserInputError } from '../util/errors.js';

/** A methodology file as written (see indicators/methodologies/methodology.schema.json). */
export interface Provenance {
  source?: string;
  unverified?: boolean;
  reason?: string;
  recalled?: boolean;
}
/** A leaf's normalisation: a registered method's name (`src/idi/normalisations/`) and its parameters. */
export interface Normalise extends Provenance {
  method: string;
  reference?: number;
  log10Reference?: number;
  lower?: number;
  upper?: number;
  direction?: 1 | -1;
  log?: boolean;
  /** Goalposts on ln(x + 1) of the value and of both bounds. */
  transform?: 'ln1p';
}
export interface LeafSpec extends Provenance {
  indicator: string;
  weight: number;
  normalise: Normalise;
}
export interface NodeSpec extends Provenance {
  id: string;
  name: string;
  weight: number;
  aggregation?: 'arithmetic' | 'geometric';
  components: ComponentSpec[];
}
export type ComponentSpec = LeafSpec | NodeSpec;
/** A step of the imputation list: a registered method (`src/idi/imputation/`) and its parameters. */
export type ImputationSpec = ImputationStep;
export interface MethodologySpec extends Provenance {
  id: string;
  name: string;
  source: string;
  description?: string;
  edition?: number;
  defaultDataYear?: number;
  scale: number;
  /** false: the index reports scores only, no ranks in any output (ITU's IDI from 2023, Resolution 131); default true. */
  ranked?: boolean;
  /** The economies the index ranks: those with a group in any of these groupings (default: every economy). */
  universe?: Provenance & { anyGroupOf: string[] };
  coverage?: Provenance & {
    minIndicators?: number;
    latestWithin?: number;
    /** A value whose note starts with this (case-insensitive) is an estimate: it does not count towards minIndicators. */
    notOfficialNote?: string;
    /** Where notOfficialNote is looked for (default: the note and the source). */
    notOfficialColumns?: Array<'note' | 'source'>;
    missingIndicator?: 'renormalise' | 'exclude';
  };
  /** How many years after the data year the imputation may read (default 0: no value from after the reference year enters). */
  lookAhead?: Provenance & { years: number };
  imputation?: ImputationSpec[];
  /** The methodology's own group figures: which groupings (ids, or "world") and which unweighted statistics (`--groups methodology`). */
  groups?: Provenance & { groupings: string[]; statistics: Array<'count' | 'mean' | 'median' | 'min' | 'max'> };
  components: ComponentSpec[];
}

export { NORMALISATION_CODES } from './kernel.js';
import { imputationByName, imputationSchema, type ImputationStep } from './imputation/index.js';
import { normalisationByCode, normalisationCodeOf, normaliseSchema, transformCode, type NormaliseSpec } from './normalisations/index.js';

/**
 * A methodology compiled for the kernel: leaves first (in tree order), then the internal nodes in
 * post-order, the root (the index itself) last. Parents always come after their children, so one pass
 * from the first entry to the last aggregates the whole tree.
 */
export interface CompiledMethodology {
  spec: MethodologySpec;
  file: string;
  /** Registry ids of the leaves, in kernel order. */
  indicators: string[];
  /** Per leaf: method code and parameters (p1, p2 as the method needs them; direction; transform code: 0 none, 1 log10, 2 ln(x + 1)). */
  method: Uint8Array;
  p1: Float64Array;
  p2: Float64Array;
  direction: Int8Array;
  logScale: Uint8Array;
  /** Per entry (leaves then nodes): parent entry index (-1 for the root) and weight within the parent. */
  parent: Int32Array;
  weight: Float64Array;
  /** Per entry: 1 = geometric mean (nodes only). */
  geometric: Uint8Array;
  /** Ids of the entries: indicator ids for leaves, node ids for nodes, the methodology id for the root. */
  ids: string[];
  names: string[];
  /** Index of the first node entry (= number of leaves); the root is the last entry. */
  firstNode: number;
  /** Every value marked unverified, with its JSON path and reason. */
  unverified: Array<{ path: string; reason: string }>;
}

const isLeaf = (c: ComponentSpec): c is LeafSpec => 'indicator' in c;

let validateSchema: ValidateFunction | undefined;

/** The methodology schema as validated: the file's, with the methods and their parameters from the registries. */
export function methodologySchema(): { schema: object; key: string } {
  const text = readFileSync(join(indicatorsDir(), 'methodologies', 'methodology.schema.json'), 'utf8');
  const schema = JSON.parse(text);
  const defs = schema.$defs ?? schema.definitions;
  defs.normalise = normaliseSchema(defs.normalise);
  defs.imputation = imputationSchema(defs.imputation);
  const json = JSON.stringify(schema);
  return { schema, key: createHash('sha256').update(json).digest('hex') };
}

/** Where `npm run build` writes the validator compiled ahead (Ajv standalone code) with the key of its schema. */
export const precompiledValidatorPath = (): string => join(snapshotDir(), 'methodology-validate.cjs');

function schemaValidator(): ValidateFunction {
  if (validateSchema) return validateSchema;
  const require = createRequire(import.meta.url);
  const { schema, key } = methodologySchema();
  // The validator compiled ahead skips loading and running Ajv's compiler; used only for the very same schema.
  const ahead = precompiledValidatorPath();
  if (existsSync(ahead)) {
    const mod = require(ahead) as { schemaKey?: string; validate?: ValidateFunction };
    if (mod.schemaKey === key && mod.validate) return (validateSchema = mod.validate);
  }
  const Ajv = require('ajv').default ?? require('ajv');
  return (validateSchema = new Ajv({ allErrors: true, strict: false }).compile(schema));
}

/** The standalone source of the methodology validator (CommonJS), for the build to write beside the snapshot. */
export function precompiledValidatorSource(): string {
  const require = createRequire(import.meta.url);
  const Ajv = require('ajv').default ?? require('ajv');
  const standalone = require('ajv/dist/standalone').default;
  const { schema, key } = methodologySchema();
  const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true } });
  const validate = ajv.compile(schema);
  return `${standalone(ajv, validate)}\nmodule.exports.validate = module.exports;\nmodule.exports.schemaKey = ${JSON.stringify(key)};\n`;
}

export { bundledMethodologies } from './bundled-methodologies.js';
import { bundledMethodologies } from './bundled-methodologies.js';

/**
 * Where `npm run build` records the methodology files it validated against the schema (their SHA-256, with the
 * schema's key): a file with the very same bytes under the very same schema skips the validator at load (loading it
 * and its first run were a tenth of `ictstat idi`); its meaning is still checked at every load.
 */
export const validatedAheadPath = (): string => join(snapshotDir(), 'methodologies-valid.json');

const textSha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** What the build writes to `validatedAheadPath()`: the schema key and the hash of every bundled methodology the schema accepts. */
export function validatedAheadRecord(): { schemaKey: string; sha256: string[] } {
  const validate = schemaValidator(),
    dir = join(indicatorsDir(), 'methodologies');
  const sha256 = bundledMethodologies()
    .map((id) => readFileSync(join(dir, `${id}.json`), 'utf8'))
    .filter((text) => validate(JSON.parse(text)))
    .map(textSha256)
    .sort();
  return { schemaKey: methodologySchema().key, sha256 };
}

/** Whether the build validated these bytes under today's schema (false when the record is missing or from another schema). */
function validatedAhead(text: string): boolean {
  let record: { schemaKey?: unknown; sha256?: unknown };
  try {
    record = JSON.parse(readFileSync(validatedAheadPath(), 'utf8'));
  } catch {
    return false;
  }
  return Array.isArray(record.sha256) && record.sha256.includes(textSha256(text)) && record.schemaKey === methodologySchema().key;
}

/** A methodology by bundled id or by path to a JSON file; validated and compiled, or a UserInputError listing every problem. */
export function loadMethodology(idOrFile: string, indicators: IndicatorRegistry = loadIndicatorRegistry()): CompiledMethodology {
  const bundledPath = join(indicatorsDir(), 'methodologies', `${idOrFile}.json`);
  const file = /[\\/]|\.json$/i.test(idOrFile) ? idOrFile : bundledPath;
  if (!existsSync(file)) {
    const near = suggest(idOrFile, bundledMethodologies());
    throw new UserInputError(
      `unknown methodology "${idOrFile}": not a bundled id (${bundledMethodologies().join(', ')}) nor a file` +
        (near.length ? `; did you mean ${near.join(' or ')}?` : ''),
    );
  }
  let doc: unknown, text: string;
  try {
    text = readFileSync(file, 'utf8');
    doc = JSON.parse(text);
  } catch (e) {
    throw new UserInputError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  return compile(doc, file, indicators, validatedAhead(text));
}

/** Levels of a methodology tree, the index itself and the indicators included (the IDI has 3). */
export const MAX_METHODOLOGY_DEPTH = 64;

/** The depth of a document's component tree, counted without recursion (and stopping past the limit). */
function treeDepth(doc: unknown): number {
  let deepest = 1;
  const stack: Array<[unknown, number]> = [[doc, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    const children = (node as { components?: unknown } | null)?.components;
    if (!Array.isArray(children)) continue;
    for (const c of children) {
      if (depth + 1 > deepest) deepest = depth + 1;
      if (deepest > MAX_METHODOLOGY_DEPTH) return deepest;
      stack.push([c, depth + 1]);
    }
  }
  return deepest;
}

/** Validate (schema, then meaning) and compile a methodology document. */
export function compileMethodology(doc: unknown, file: string, indicators: IndicatorRegistry = loadIndicatorRegistry()): CompiledMethodology {
  return compile(doc, file, indicators, false);
}

/** `schemaChecked`: the document's bytes are ones the build validated under this schema (`validatedAhead`). */
function compile(doc: unknown, file: string, indicators: IndicatorRegistry, schemaChecked: boolean): CompiledMethodology {
  // Before anything walks the tree recursively (the schema validator, the compiler): depth is bounded.
  const depth = treeDepth(doc);
  if (depth > MAX_METHODOLOGY_DEPTH)
    throw new UserInputError(
      `${file}: invalid methodology: it nests components more than ${MAX_METHODOLOGY_DEPTH} levels deep; at most ${MAX_METHODOLOGY_DEPTH} levels (the index, its sub-indices, ..., its indicators)`,
    );
  const validate = schemaChecked ? undefined : schemaValidator();
  if (validate && !validate(doc))
    throw new UserInputError(
      `${file}: invalid methodology:\n` +
        schemaProblems(validate.errors ?? [])
          .map((p) => `  ${p}`)
          .join('\n'),
    );
  const spec = doc as MethodologySpec;
  const problems: string[] = [];
  const unverified: CompiledMethodology['unverified'] = [];
  const note = (path: string, p: Provenance | undefined): void => {
    if (p?.unverified) unverified.push({ path, reason: p.reason ?? '(no reason given)' });
  };
  note('/coverage', spec.coverage);
  note('/lookAhead', spec.lookAhead);
  note('/groups', spec.groups);
  spec.imputation?.forEach((m, k) => {
    note(`/imputation/${k}`, m);
    for (const key of imputationByName(m.method)!.indicatorFields) {
      const v = m[key];
      if (typeof v === 'string' && !indicators.find(v)) problems.push(`/imputation/${k}/${key}: unknown indicator "${v}"` + didYouMean(indicators.suggest(v)));
      else if (typeof v === 'string') m[key] = indicators.find(v)!.id;
    }
  });

  // Walk the tree: leaves in order, nodes in post-order.
  const leaves: Array<{ spec: LeafSpec; path: string; id: string }> = [];
  const nodes: Array<{ spec: NodeSpec | null; path: string; children: Array<{ kind: 'leaf' | 'node'; index: number; weight: number }> }> = [];
  const seenIds = new Map<string, string>();
  const seenIndicators = new Map<string, string>();
  const walk = (components: ComponentSpec[], path: string): Array<{ kind: 'leaf' | 'node'; index: number; weight: number }> => {
    const sum = components.reduce((s, c) => s + c.weight, 0);
    if (Math.abs(sum - 1) > 1e-6) problems.push(`${path}: the weights of the components sum to ${+sum.toFixed(6)}, not 1`);
    return components.map((c, k) => {
      const p = `${path}/${k}`;
      note(p, c);
      if (isLeaf(c)) {
        note(`${p}/normalise`, c.normalise);
        const def = indicators.find(c.indicator);
        if (!def) problems.push(`${p}/indicator: unknown indicator "${c.indicator}"` + didYouMean(indicators.suggest(c.indicator)));
        const id = def?.id ?? c.indicator;
        if (seenIndicators.has(id)) problems.push(`${p}/indicator: ${id} is already used at ${seenIndicators.get(id)}`);
        seenIndicators.set(id, p);
        problems.push(...normalisationByCode(normalisationCodeOf(c.normalise.method)!).check(c.normalise as NormaliseSpec, `${p}/normalise`));
        leaves.push({ spec: c, path: p, id });
        return { kind: 'leaf' as const, index: leaves.length - 1, weight: c.weight };
      }
      if (seenIds.has(c.id)) problems.push(`${p}/id: duplicate component id "${c.id}" (also at ${seenIds.get(c.id)})`);
      seenIds.set(c.id, p);
      const children = walk(c.components, `${p}/components`);
      nodes.push({ spec: c, path: p, children });
      return { kind: 'node' as const, index: nodes.length - 1, weight: c.weight };
    });
  };
  const top = walk(spec.components, '/components');
  nodes.push({ spec: null, path: '', children: top });
  if (problems.length) throw new UserInputError(`${file}: invalid methodology:\n` + problems.map((p) => `  ${p}`).join('\n'));

  const L = leaves.length,
    N = L + nodes.length;
  const parent = new Int32Array(N).fill(-1),
    weight = new Float64Array(N),
    geometric = new Uint8Array(N);
  const ids: string[] = [],
    names: string[] = [];
  const method = new Uint8Array(L),
    p1 = new Float64Array(L),
    p2 = new Float64Array(L),
    direction = new Int8Array(L).fill(1),
    logScale = new Uint8Array(L);
  leaves.forEach((l, k) => {
    const n = l.spec.normalise;
    ids.push(l.id);
    names.push(indicators.find(l.id)?.name ?? l.id);
    method[k] = normalisationCodeOf(n.method)!;
    const leaf = normalisationByCode(method[k]).parameters(n as NormaliseSpec);
    p1[k] = leaf.p1;
    p2[k] = leaf.p2;
    logScale[k] = transformCode(leaf);
    direction[k] = leaf.direction;
  });
  nodes.forEach((n, j) => {
    const entry = L + j;
    ids.push(n.spec?.id ?? spec.id);
    names.push(n.spec?.name ?? spec.name);
    geometric[entry] = n.spec?.aggregation === 'geometric' ? 1 : 0;
    for (const c of n.children) {
      const child = c.kind === 'leaf' ? c.index : L + c.index;
      parent[child] = entry;
      weight[child] = c.weight;
    }
  });
  return {
    spec,
    file,
    indicators: leaves.map((l) => l.id),
    method,
    p1,
    p2,
    direction,
    logScale,
    parent,
    weight,
    geometric,
    ids,
    names,
    firstNode: L,
    unverified,
  };
}

const didYouMean = (s: string[]): string => (s.length ? `; did you mean ${s.map((x) => `"${x}"`).join(' or ')}?` : '');

/** ajv errors as one line per problem (the "if/then" wrappers and duplicate reports dropped). */
function schemaProblems(errors: ErrorObject[]): string[] {
  const out = new Set<string>();
  // The branches of an anyOf (log-ratio: reference or log10Reference) are reported once, by the anyOf itself.
  const alternatives = new Map<string, string[]>();
  for (const e of errors) {
    const k = e.schemaPath.indexOf('/anyOf/');
    if (k < 0) continue;
    const key = `${e.instancePath}|${e.schemaPath.slice(0, k)}`;
    if (e.keyword === 'required') alternatives.set(key, [...(alternatives.get(key) ?? []), `"${(e.params as { missingProperty: string }).missingProperty}"`]);
  }
  for (const e of errors) {
    if (e.keyword === 'if' || e.schemaPath.includes('/anyOf/')) continue;
    const at = e.instancePath || '/';
    let msg = e.message ?? 'invalid';
    if (e.keyword === 'anyOf') {
      const alt = alternatives.get(`${e.instancePath}|${e.schemaPath.replace(/\/anyOf$/, '')}`);
      if (alt?.length) msg = `missing ${alt.join(' or ')}`;
    }
    if (e.keyword === 'additionalProperties') msg = `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    if (e.keyword === 'enum') msg = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    if (e.keyword === 'required') msg = `missing "${(e.params as { missingProperty: string }).missingProperty}"`;
    out.add(`${at}: ${msg}`);
  }
  return [...out];
}
