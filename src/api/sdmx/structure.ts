/**
 * The one SDMX structure behind every SDMX representation the API serves: the dataflow, its data structure
 * definition, concept scheme and codelists, read from `indicators/sdmx.json` with CL_AREA, CL_INDICATOR and
 * CL_UNIT built from the economy and indicator registries. Also the observation-level attribute values
 * (unit code, status, estimate flag) that every writer takes from here, so that they agree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LANGUAGES, loadEconomyRegistry, type Language } from '../../registry/economies.js';
import { loadIndicatorRegistry, type IndicatorDef } from '../../registry/indicators.js';
import { indicatorsDir } from '../../util/paths.js';
import { UserInputError } from '../../util/errors.js';
import type { ObservationIndex } from '../data.js';

export interface Code {
  id: string;
  names: Partial<Record<Language, string>>;
  description?: string;
}
export interface Codelist {
  id: string;
  name: string;
  codes: Code[];
  byId: Map<string, Code>;
}
export interface Concept {
  id: string;
  name: string;
  description: string;
}
export interface DimensionDef {
  id: string;
  codelist: string;
  position: number;
}
export interface AttributeDef {
  id: string;
  codelist?: string;
  assignment: 'Mandatory' | 'Conditional';
  /** The dimensions the attribute depends on, or the observation. */
  relatedTo: string[] | 'observation';
}

export interface SdmxStructure {
  agency: string;
  agencyName: string;
  version: string;
  dataflow: { id: string; name: string };
  dataStructure: { id: string; name: string };
  conceptScheme: { id: string; name: string; concepts: Concept[] };
  /** The key dimensions in key order (FREQ, REF_AREA, INDICATOR); the time dimension comes after them. */
  dimensions: DimensionDef[];
  timeDimension: string;
  primaryMeasure: string;
  attributes: AttributeDef[];
  codelists: Codelist[];
  codelist(id: string): Codelist;
  /** `ITU:ICT_INDICATORS(1.0.0)`. */
  dataflowRef: string;
  /** The unit code of an indicator (CL_UNIT). */
  unitCode(def: IndicatorDef): string;
  /** Lower-cased text whose presence in the data source or the note marks an ITU estimate. */
  ituEstimateText: string;
}

interface ConfigFile {
  agency: string;
  agencyName: string;
  version: string;
  dataflow: { id: string; name: string };
  dataStructure: { id: string; name: string };
  conceptScheme: { id: string; name: string };
  concepts: Concept[];
  dimensions: Array<{ id: string; codelist: string }>;
  timeDimension: string;
  primaryMeasure: string;
  attributes: AttributeDef[];
  codelists: Array<{ id: string; name: string; codes?: Array<{ id: string; name: string }>; from?: 'economies' | 'indicators' | 'units' }>;
  ituEstimateText: string;
}

/** SDMX IDType: what an id (a code, a concept) may contain. */
const ID = /^[A-Za-z0-9_@$-]+$/;

/** A unit text as an SDMX code: `% of individuals` -> `PCT_OF_INDIVIDUALS`, `US$ per month` -> `USD_PER_MONTH`. */
export function unitCodeOf(unit: string): string {
  return unit
    .replace(/%/g, ' PCT ')
    .replace(/US\$/g, ' USD ')
    .replace(/\$/g, ' USD ')
    .replace(/\+/g, ' PLUS ')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toUpperCase(); // runs are one '_' by now: /^_+|_+$/ would be quadratic on a run of them
}

let cached: SdmxStructure | undefined;

/** The structure from `indicators/sdmx.json` and the registries (built once). */
export function sdmxStructure(): SdmxStructure {
  if (cached) return cached;
  const cfg = JSON.parse(readFileSync(join(indicatorsDir(), 'sdmx.json'), 'utf8')) as ConfigFile;
  const econ = loadEconomyRegistry(),
    inds = loadIndicatorRegistry();
  const units = new Map<string, string>(); // code -> unit text
  const unitCodes = new Map<string, string>(); // unit text -> code (looked up per observation)
  for (const d of inds.indicators) {
    const code = unitCodeOf(d.unit),
      prior = units.get(code);
    if (prior !== undefined && prior !== d.unit) throw new UserInputError(`indicators/sdmx.json: units "${prior}" and "${d.unit}" give the same code ${code}`);
    units.set(code, d.unit);
    unitCodes.set(d.unit, code);
  }
  const codelists: Codelist[] = cfg.codelists.map((cl) => {
    let codes: Code[];
    if (cl.from === 'economies')
      codes = econ.all().map((e) => ({ id: e.iso3, names: Object.fromEntries(LANGUAGES.filter((l) => e.names[l]).map((l) => [l, e.names[l]])) }));
    else if (cl.from === 'indicators') codes = inds.indicators.map((d) => ({ id: d.id, names: { en: d.name }, description: d.definition }));
    else if (cl.from === 'units') codes = [...units].sort(([a], [b]) => a.localeCompare(b)).map(([id, text]) => ({ id, names: { en: text } }));
    else codes = (cl.codes ?? []).map((c) => ({ id: c.id, names: { en: c.name } }));
    for (const c of codes) if (!ID.test(c.id)) throw new UserInputError(`indicators/sdmx.json: ${cl.id}: code "${c.id}" is not an SDMX id`);
    return { id: cl.id, name: cl.name, codes, byId: new Map(codes.map((c) => [c.id, c])) };
  });
  const byId = new Map(codelists.map((c) => [c.id, c]));
  const concepts = new Set(cfg.concepts.map((c) => c.id));
  for (const c of [...cfg.dimensions.map((d) => d.id), cfg.timeDimension, cfg.primaryMeasure, ...cfg.attributes.map((a) => a.id)])
    if (!concepts.has(c)) throw new UserInputError(`indicators/sdmx.json: component ${c} has no concept`);
  for (const c of [...cfg.dimensions, ...cfg.attributes])
    if ('codelist' in c && c.codelist && !byId.has(c.codelist)) throw new UserInputError(`indicators/sdmx.json: component ${c.id}: no codelist ${c.codelist}`);
  cached = {
    agency: cfg.agency,
    agencyName: cfg.agencyName,
    version: cfg.version,
    dataflow: cfg.dataflow,
    dataStructure: cfg.dataStructure,
    conceptScheme: { ...cfg.conceptScheme, concepts: cfg.concepts },
    dimensions: cfg.dimensions.map((d, i) => ({ ...d, position: i + 1 })),
    timeDimension: cfg.timeDimension,
    primaryMeasure: cfg.primaryMeasure,
    attributes: cfg.attributes,
    codelists,
    codelist: (id) => byId.get(id)!,
    dataflowRef: `${cfg.agency}:${cfg.dataflow.id}(${cfg.version})`,
    unitCode: (def) => unitCodes.get(def.unit) ?? unitCodeOf(def.unit),
    ituEstimateText: cfg.ituEstimateText.toLowerCase(),
  };
  return cached;
}

/** The vintage of a row: its submission's label, or `derived`. */
export function vintageOf(idx: ObservationIndex, row: number): string | null {
  return idx.vintages.get(idx.submission[row])?.vintage ?? (idx.derivedFrom[row] ? 'derived' : null);
}

// Sources and notes repeat across many rows: the ITU-estimate test is remembered per text (bounded).
const ituEstimateTexts = new Map<string, boolean>();
function saysItuEstimate(s: SdmxStructure, text: string | null): boolean {
  if (text === null) return false;
  let itu = ituEstimateTexts.get(text);
  if (itu === undefined) {
    if (ituEstimateTexts.size >= 50_000) ituEstimateTexts.clear();
    itu = text.toLowerCase().includes(s.ituEstimateText);
    ituEstimateTexts.set(text, itu);
  }
  return itu;
}

/** The estimate flag of a row: DERIVED (computed by formula), ITU (its source or note says so), or null (reported). */
export function estimateOf(s: SdmxStructure, idx: ObservationIndex, row: number): 'DERIVED' | 'ITU' | null {
  if (idx.derivedFrom[row]) return 'DERIVED';
  return saysItuEstimate(s, idx.source[row]) || saysItuEstimate(s, idx.note[row]) ? 'ITU' : null;
}

/** The value of every attribute of the DSD for one row, in DSD order (null = absent). */
export function attributeValues(s: SdmxStructure, idx: ObservationIndex, row: number, def: IndicatorDef): Array<string | null> {
  const est = estimateOf(s, idx, row);
  return s.attributes.map((a) => {
    switch (a.id) {
      case 'UNIT_MEASURE':
        return s.unitCode(def);
      case 'OBS_STATUS':
        return est ? 'E' : 'A';
      case 'ESTIMATE':
        return est;
      case 'COMMENT_OBS':
        return idx.note[row];
      case 'DATA_SOURCE':
        return idx.source[row];
      case 'VINTAGE':
        return vintageOf(idx, row);
      default:
        return null;
    }
  });
}

/** The display name of a code in a language (English where the registry has none). */
export function codeName(c: Code, lang: Language = 'en'): string {
  return c.names[lang] ?? c.names.en ?? c.id;
}
