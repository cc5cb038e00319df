/**
 * SDMX-JSON data messages: 2.0.0 (the SDMX 3.0 format; valid against the official schema) and 1.0 (the SDMX 2.1
 * format, which is what sdmx1's JSON reader reads: `header`, `structure`, `dataSets` at the top). Series are
 * keyed by the indices of their dimension values, observations by the indices of the observation dimension
 * values; an observation is [OBS_VALUE, then the index of each observation attribute's value, or null].
 */
import type { Language } from '../../registry/economies.js';
import { attributeValues, codeName, type SdmxStructure } from './structure.js';
import { dimValue, type SdmxView, type Obs } from './data.js';
import type { HeaderInfo } from './xml.js';

interface Value {
  id?: string;
  name?: string;
  names?: Record<string, string>;
  value?: string;
  start?: string;
  end?: string;
}

/** Values of one component, in order of first appearance. */
class Values {
  readonly list: Value[] = [];
  private readonly at = new Map<string, number>();
  index(key: string, make: () => Value): number {
    const k = this.at.get(key);
    if (k !== undefined) return k;
    const n = this.list.push(make()) - 1;
    this.at.set(key, n);
    return n;
  }
}

function conceptName(s: SdmxStructure, id: string): string {
  return s.conceptScheme.concepts.find((c) => c.id === id)?.name ?? id;
}

/** The parts both versions share: the dimension and attribute values used, the series and observations. */
function build(s: SdmxStructure, v: SdmxView, lang: Language, version: 1 | 2) {
  const dims = [...s.dimensions.map((d) => d.id), s.timeDimension];
  const dimVals = new Map(dims.map((d) => [d, new Values()]));
  const attrVals = s.attributes.map(() => new Values());
  const dimValueOf = (d: string, o: Obs): Value => {
    const code = dimValue(s, v, o, d);
    if (d === s.timeDimension) {
      const y = code;
      return version === 2
        ? { value: y, start: `${y}-01-01T00:00:00Z`, end: `${y}-12-31T23:59:59Z` }
        : { id: y, name: y, start: `${y}-01-01T00:00:00Z`, end: `${y}-12-31T23:59:59Z` };
    }
    const c = s.codelist(s.dimensions.find((x) => x.id === d)!.codelist).byId.get(code);
    const name = c ? codeName(c, lang) : code;
    return version === 2 ? { id: code, name, names: { [lang]: name } } : { id: code, name };
  };
  const attrValueOf = (i: number, value: string): Value => {
    const a = s.attributes[i];
    if (!a.codelist) return version === 2 ? { value } : { name: value };
    const c = s.codelist(a.codelist).byId.get(value);
    const name = c ? codeName(c, lang) : value;
    return version === 2 ? { id: value, name, names: { [lang]: name } } : { id: value, name };
  };
  const attrIndices = (o: Obs, which: number[]): Array<number | null> => {
    const all = attributeValues(s, v.idx, o.row, o.def);
    return which.map((i) => (all[i] === null ? null : attrVals[i].index(all[i]!, () => attrValueOf(i, all[i]!))));
  };
  const keyOf = (o: Obs, ds: string[]) => ds.map((d) => dimVals.get(d)!.index(dimValue(s, v, o, d), () => dimValueOf(d, o))).join(':');
  const obsEntry = (o: Obs) => [v.idx.value[o.row], ...(v.detail === 'full' ? attrIndices(o, v.obsAttrs) : [])];
  const keysOnly = v.detail === 'serieskeysonly' || v.detail === 'nodata';
  const dataSet: Record<string, unknown> = { action: 'Information' };
  if (v.dimAtObs === 'AllDimensions') {
    const observations: Record<string, unknown[]> = {};
    for (const o of v.obs) observations[keyOf(o, v.obsDims)] = v.detail === 'serieskeysonly' ? [] : obsEntry(o);
    dataSet.observations = observations;
  } else {
    const series: Record<string, { attributes?: Array<number | null>; observations?: Record<string, unknown[]> }> = {};
    for (const { start, end } of v.series) {
      const first = v.obs[start];
      const entry: (typeof series)[string] = {};
      if (v.detail === 'full' || v.detail === 'nodata') entry.attributes = attrIndices(first, v.seriesAttrs);
      if (!keysOnly) {
        entry.observations = {};
        for (let i = start; i < end; i++) entry.observations[keyOf(v.obs[i], v.obsDims)] = obsEntry(v.obs[i]);
      }
      series[keyOf(first, v.seriesDims)] = entry;
    }
    dataSet.series = series;
  }
  // Attributes no selected observation has are left out, of the structure and of every observation and series
  // array (sdmx1 drops an attribute without values and would then read the later indices against the wrong one).
  const used = (which: number[]) => which.map((i, k) => [i, k] as const).filter(([i]) => attrVals[i].list.length > 0);
  const obsUsed = used(v.obsAttrs),
    seriesUsed = used(v.seriesAttrs);
  const squeeze = (arr: unknown[], offset: number, keep: ReadonlyArray<readonly [number, number]>, n: number) => {
    if (keep.length === n) return arr;
    return [...arr.slice(0, offset), ...keep.map(([, k]) => arr[offset + k])];
  };
  if (obsUsed.length < v.obsAttrs.length || seriesUsed.length < v.seriesAttrs.length) {
    const fixObs = (obs: Record<string, unknown[]>) => {
      for (const k of Object.keys(obs)) if (obs[k].length > 1) obs[k] = squeeze(obs[k], 1, obsUsed, v.obsAttrs.length);
    };
    if (dataSet.observations) fixObs(dataSet.observations as Record<string, unknown[]>);
    for (const ser of Object.values((dataSet.series ?? {}) as Record<string, { attributes?: unknown[]; observations?: Record<string, unknown[]> }>)) {
      if (ser.attributes) ser.attributes = squeeze(ser.attributes, 0, seriesUsed, v.seriesAttrs.length);
      if (ser.observations) fixObs(ser.observations);
    }
  }
  const dimension = (d: string) => {
    const name = conceptName(s, d),
      values = dimVals.get(d)!.list;
    return { id: d, name, ...(version === 2 ? { names: { en: name } } : {}), keyPosition: dims.indexOf(d), roles: [d], values };
  };
  const attribute = (i: number) => {
    const a = s.attributes[i],
      name = conceptName(s, a.id),
      values = attrVals[i].list;
    const relationship = a.relatedTo === 'observation' ? { observation: {} } : { dimensions: a.relatedTo };
    return {
      id: a.id,
      name,
      ...(version === 2 ? { names: { en: name } } : {}),
      roles: [a.id],
      ...(version === 2 ? { isMandatory: a.assignment === 'Mandatory' } : {}),
      relationship,
      values,
    };
  };
  const withAttrs = v.detail === 'full' || v.detail === 'nodata';
  const structure = {
    // Keys only: no observation, so no values of the observation dimension (a dimension must list at least one).
    dimensions: { dataSet: [], series: v.seriesDims.map(dimension), observation: keysOnly && v.dimAtObs !== 'AllDimensions' ? [] : v.obsDims.map(dimension) },
    attributes: {
      dataSet: [],
      series: withAttrs ? seriesUsed.map(([i]) => attribute(i)) : [],
      observation: v.detail === 'full' ? obsUsed.map(([i]) => attribute(i)) : [],
    },
  };
  return { dataSet, structure };
}

/** SDMX-JSON 2.0.0 data message. */
export function sdmxJson2(s: SdmxStructure, v: SdmxView, h: HeaderInfo, lang: Language): object {
  const { dataSet, structure } = build(s, v, lang, 2);
  const dsdUrn = `urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=${s.agency}:${s.dataStructure.id}(${s.version})`;
  const flowUrn = `urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=${s.dataflowRef}`;
  return {
    meta: {
      schema: 'https://raw.githubusercontent.com/sdmx-twg/sdmx-json/v2.0.0/data-message/tools/schemas/2.0.0/sdmx-json-data-schema.json',
      id: h.id,
      test: false,
      prepared: h.prepared,
      contentLanguages: [lang],
      sender: { id: s.agency, name: s.agencyName, names: { en: s.agencyName } },
    },
    data: {
      structures: [
        {
          links: [
            { urn: flowUrn, rel: 'dataflow' },
            { urn: dsdUrn, rel: 'datastructure' },
          ],
          name: s.dataflow.name,
          names: { en: s.dataflow.name },
          dimensions: structure.dimensions,
          measures: {
            observation: [
              { id: s.primaryMeasure, name: conceptName(s, s.primaryMeasure), names: { en: conceptName(s, s.primaryMeasure) }, roles: [s.primaryMeasure] },
            ],
          },
          attributes: structure.attributes,
          dataSets: [0],
        },
      ],
      dataSets: [{ structure: 0, links: [{ urn: flowUrn, rel: 'dataflow' }], ...dataSet }],
    },
  };
}

/** SDMX-JSON 1.0 data message (SDMX 2.1). */
export function sdmxJson1(s: SdmxStructure, v: SdmxView, h: HeaderInfo, lang: Language): object {
  const { dataSet, structure } = build(s, v, lang, 1);
  return {
    header: { id: h.id, test: false, prepared: h.prepared, sender: { id: s.agency, name: s.agencyName } },
    dataSets: [dataSet],
    structure: {
      links: [{ href: `urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=${s.dataflowRef}`, rel: 'dataflow' }],
      name: s.dataflow.name,
      dimensions: structure.dimensions,
      attributes: structure.attributes,
    },
  };
}

/** An SDMX-JSON error message (2.0.0: `meta` and `errors`). */
export function jsonError(s: SdmxStructure, h: HeaderInfo, code: number, title: string, detail: string): object {
  return { meta: { id: h.id, prepared: h.prepared, sender: { id: s.agency } }, errors: [{ code, title, detail }] };
}
