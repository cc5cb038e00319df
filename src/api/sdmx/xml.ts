/**
 * SDMX-ML 2.1 writers: structure messages (dataflow, DSD, codelists, concept scheme), generic and
 * structure-specific data, the XML schema of the structure-specific data of our DSD (SDMX 2.1 section 3B), and
 * error messages. Every text and attribute value goes through `esc` (XML escaping, characters XML 1.0 cannot
 * hold replaced by U+FFFD).
 */
import { LANGUAGES } from '../../registry/economies.js';
import { formatNumber } from '../../util/csv.js';
import type { Codelist, Concept, SdmxStructure } from './structure.js';
import { dimValue, obsAttributes, seriesAttributes, type SdmxView } from './data.js';

export const NS = {
  message: 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message',
  common: 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common',
  structure: 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure',
  generic: 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic',
  ss: 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
} as const;

// Characters XML 1.0 allows: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, and the astral planes (as surrogate pairs).
const INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\uD800-\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

// Anything that may need escaping or replacing (most values, codes and numbers, have none of it: returned as they are).
const SPECIAL = /[&<>"'\u0000-\u001f\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Escape text for an XML attribute value or element content. */
export function esc(s: string): string {
  if (!SPECIAL.test(s)) return s;
  return s.replace(INVALID, '\uFFFD').replace(/[&<>"'\t\n\r]/g, (c) => ESCAPES[c]);
}

/** `name="value"` pairs (null and undefined values left out). */
function attrs(a: Record<string, string | number | null | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) if (v !== null && v !== undefined) out += ` ${k}="${esc(String(v))}"`;
  return out;
}

export interface HeaderInfo {
  id: string;
  prepared: string;
}

function header(s: SdmxStructure, h: HeaderInfo, structure = ''): string {
  return (
    `<message:Header><message:ID>${esc(h.id)}</message:ID><message:Test>false</message:Test><message:Prepared>${esc(h.prepared)}</message:Prepared>` +
    `<message:Sender${attrs({ id: s.agency })}><common:Name xml:lang="en">${esc(s.agencyName)}</common:Name></message:Sender>${structure}</message:Header>`
  );
}

const urn = (cls: string, s: SdmxStructure, id: string, item?: string) =>
  `urn:sdmx:org.sdmx.infomodel.${cls}=${s.agency}:${id}(${s.version})${item ? '.' + item : ''}`;
const names = (n: Partial<Record<string, string>>, tag = 'common:Name') =>
  LANGUAGES.filter((l) => n[l])
    .map((l) => `<${tag} xml:lang="${l}">${esc(n[l]!)}</${tag}>`)
    .join('');
const ref = (a: Record<string, string>) => `<Ref${attrs(a)}/>`;

// ---------------------------------------------------------------------------------------------- structures

export type StructureKind = 'dataflow' | 'datastructure' | 'codelist' | 'conceptscheme';

/** What a structure message holds: the dataflow, the DSD, some codelists, the concept scheme. */
export interface StructureSelection {
  dataflow: boolean;
  datastructure: boolean;
  codelists: Codelist[];
  conceptscheme: boolean;
  concepts: Concept[];
}

function conceptRef(s: SdmxStructure, id: string): string {
  return `<structure:ConceptIdentity>${ref({ id, maintainableParentID: s.conceptScheme.id, maintainableParentVersion: s.version, agencyID: s.agency, package: 'conceptscheme', class: 'Concept' })}</structure:ConceptIdentity>`;
}
function enumeration(s: SdmxStructure, codelist: string): string {
  return `<structure:LocalRepresentation><structure:Enumeration>${ref({ id: codelist, version: s.version, agencyID: s.agency, package: 'codelist', class: 'Codelist' })}</structure:Enumeration></structure:LocalRepresentation>`;
}
const textFormat = (textType: string) => `<structure:LocalRepresentation><structure:TextFormat textType="${textType}"/></structure:LocalRepresentation>`;

function dsdXml(s: SdmxStructure, stub: boolean): string {
  const open =
    `<structure:DataStructure${attrs({ id: s.dataStructure.id, urn: urn('datastructure.DataStructure', s, s.dataStructure.id), agencyID: s.agency, version: s.version, isFinal: 'true' })}>` +
    `<common:Name xml:lang="en">${esc(s.dataStructure.name)}</common:Name>`;
  if (stub) return open + '</structure:DataStructure>';
  const dims =
    s.dimensions
      .map((d) => `<structure:Dimension${attrs({ id: d.id, position: d.position })}>${conceptRef(s, d.id)}${enumeration(s, d.codelist)}</structure:Dimension>`)
      .join('') +
    `<structure:TimeDimension${attrs({ id: s.timeDimension, position: s.dimensions.length + 1 })}>${conceptRef(s, s.timeDimension)}${textFormat('ObservationalTimePeriod')}</structure:TimeDimension>`;
  const atts = s.attributes
    .map(
      (a) =>
        `<structure:Attribute${attrs({ id: a.id, assignmentStatus: a.assignment })}>${conceptRef(s, a.id)}${a.codelist ? enumeration(s, a.codelist) : textFormat('String')}` +
        `<structure:AttributeRelationship>${
          a.relatedTo === 'observation'
            ? `<structure:PrimaryMeasure>${ref({ id: s.primaryMeasure })}</structure:PrimaryMeasure>`
            : a.relatedTo.map((d) => `<structure:Dimension>${ref({ id: d })}</structure:Dimension>`).join('')
        }</structure:AttributeRelationship></structure:Attribute>`,
    )
    .join('');
  return (
    open +
    '<structure:DataStructureComponents>' +
    `<structure:DimensionList id="DimensionDescriptor">${dims}</structure:DimensionList>` +
    `<structure:AttributeList id="AttributeDescriptor">${atts}</structure:AttributeList>` +
    `<structure:MeasureList id="MeasureDescriptor"><structure:PrimaryMeasure id="${s.primaryMeasure}">${conceptRef(s, s.primaryMeasure)}${textFormat('Double')}</structure:PrimaryMeasure></structure:MeasureList>` +
    '</structure:DataStructureComponents></structure:DataStructure>'
  );
}

/** An SDMX-ML 2.1 structure message; the artefacts `stub` says are given with their names only (detail=allstubs, referencestubs). */
export function structureMessage(s: SdmxStructure, sel: StructureSelection, h: HeaderInfo, stub: (kind: StructureKind) => boolean = () => false): string {
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?><message:Structure xmlns:message="${NS.message}" xmlns:structure="${NS.structure}" xmlns:common="${NS.common}">`,
    header(s, h),
    '<message:Structures>',
  ];
  // The order of StructuresType: Dataflows, Codelists, Concepts, DataStructures.
  if (sel.dataflow) {
    out.push(
      `<structure:Dataflows><structure:Dataflow${attrs({ id: s.dataflow.id, urn: urn('datastructure.Dataflow', s, s.dataflow.id), agencyID: s.agency, version: s.version, isFinal: 'true' })}>` +
        `<common:Name xml:lang="en">${esc(s.dataflow.name)}</common:Name>` +
        (stub('dataflow')
          ? ''
          : `<structure:Structure>${ref({ id: s.dataStructure.id, version: s.version, agencyID: s.agency, package: 'datastructure', class: 'DataStructure' })}</structure:Structure>`) +
        '</structure:Dataflow></structure:Dataflows>',
    );
  }
  if (sel.codelists.length) {
    out.push('<structure:Codelists>');
    for (const cl of sel.codelists) {
      out.push(
        `<structure:Codelist${attrs({ id: cl.id, urn: urn('codelist.Codelist', s, cl.id), agencyID: s.agency, version: s.version, isFinal: 'true' })}><common:Name xml:lang="en">${esc(cl.name)}</common:Name>`,
      );
      if (!stub('codelist'))
        for (const c of cl.codes) {
          out.push(
            `<structure:Code${attrs({ id: c.id, urn: urn('codelist.Code', s, cl.id, c.id) })}>${names(c.names)}` +
              `${c.description ? `<common:Description xml:lang="en">${esc(c.description)}</common:Description>` : ''}</structure:Code>`,
          );
        }
      out.push('</structure:Codelist>');
    }
    out.push('</structure:Codelists>');
  }
  if (sel.conceptscheme) {
    const cs = s.conceptScheme;
    out.push(
      `<structure:Concepts><structure:ConceptScheme${attrs({ id: cs.id, urn: urn('conceptscheme.ConceptScheme', s, cs.id), agencyID: s.agency, version: s.version, isFinal: 'true' })}>` +
        `<common:Name xml:lang="en">${esc(cs.name)}</common:Name>` +
        (stub('conceptscheme')
          ? ''
          : sel.concepts
              .map(
                (c) =>
                  `<structure:Concept${attrs({ id: c.id, urn: urn('conceptscheme.Concept', s, cs.id, c.id) })}><common:Name xml:lang="en">${esc(c.name)}</common:Name>` +
                  `<common:Description xml:lang="en">${esc(c.description)}</common:Description></structure:Concept>`,
              )
              .join('')) +
        '</structure:ConceptScheme></structure:Concepts>',
    );
  }
  if (sel.datastructure) out.push(`<structure:DataStructures>${dsdXml(s, stub('datastructure'))}</structure:DataStructures>`);
  out.push('</message:Structures></message:Structure>');
  return out.join('');
}

// ---------------------------------------------------------------------------------------------- data

/** The header's structure id (an XML ID: letters, digits, underscores). */
const structureId = (s: SdmxStructure) => `${s.agency}_${s.dataStructure.id}_${s.version.replace(/\./g, '_')}`;

/** The namespace of the structure-specific data of our DSD with a dimension at the observation level. */
export const ssNamespace = (s: SdmxStructure, dimAtObs: string) =>
  `urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=${s.agency}:${s.dataStructure.id}(${s.version}):ObsLevelDim:${dimAtObs}`;

const dsdRef = (s: SdmxStructure) => `<common:Structure>${ref({ agencyID: s.agency, id: s.dataStructure.id, version: s.version })}</common:Structure>`;

/** An SDMX-ML 2.1 GenericData message. */
export function genericData(s: SdmxStructure, v: SdmxView, h: HeaderInfo): string {
  const sid = structureId(s);
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?><message:GenericData xmlns:message="${NS.message}" xmlns:common="${NS.common}" xmlns:generic="${NS.generic}">`,
    header(s, h, `<message:Structure${attrs({ structureID: sid, dimensionAtObservation: v.dimAtObs })}>${dsdRef(s)}</message:Structure>`),
    `<message:DataSet${attrs({ structureRef: sid, action: 'Information' })}>`,
  ];
  const values = (tag: string, pairs: Array<[string, string]>) =>
    pairs.length ? `<generic:${tag}>${pairs.map(([id, value]) => `<generic:Value${attrs({ id, value })}/>`).join('')}</generic:${tag}>` : '';
  const obsXml = (i: number, keyTag: 'ObsDimension' | 'ObsKey') => {
    const o = v.obs[i];
    const key =
      keyTag === 'ObsDimension'
        ? `<generic:ObsDimension${attrs({ value: dimValue(s, v, o, v.dimAtObs) })}/>`
        : values(
            'ObsKey',
            v.obsDims.map((d) => [d, dimValue(s, v, o, d)]),
          );
    const val = v.detail === 'serieskeysonly' ? '' : `<generic:ObsValue${attrs({ value: formatNumber(v.idx.value[o.row]) })}/>`;
    return `<generic:Obs>${key}${val}${v.detail === 'full' ? values('Attributes', obsAttributes(s, v, o)) : ''}</generic:Obs>`;
  };
  if (v.dimAtObs === 'AllDimensions') {
    for (let i = 0; i < v.obs.length; i++) out.push(obsXml(i, 'ObsKey'));
  } else {
    for (const ser of v.series) {
      const first = v.obs[ser.start];
      out.push(
        `<generic:Series>${values(
          'SeriesKey',
          v.seriesDims.map((d) => [d, dimValue(s, v, first, d)]),
        )}` + (v.detail === 'full' || v.detail === 'nodata' ? values('Attributes', seriesAttributes(s, v, first)) : ''),
      );
      if (v.detail !== 'serieskeysonly' && v.detail !== 'nodata') for (let i = ser.start; i < ser.end; i++) out.push(obsXml(i, 'ObsDimension'));
      out.push('</generic:Series>');
    }
  }
  out.push('</message:DataSet></message:GenericData>');
  return out.join('');
}

/** An SDMX-ML 2.1 StructureSpecificData message (its schema: `structureSpecificSchema`). */
export function structureSpecificData(s: SdmxStructure, v: SdmxView, h: HeaderInfo): string {
  const sid = structureId(s),
    ns = ssNamespace(s, v.dimAtObs);
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?><message:StructureSpecificData xmlns:message="${NS.message}" xmlns:common="${NS.common}" xmlns:ss="${NS.ss}" xmlns:xsi="${NS.xsi}" xmlns:ns1="${esc(ns)}">`,
    header(s, h, `<message:Structure${attrs({ structureID: sid, namespace: ns, dimensionAtObservation: v.dimAtObs })}>${dsdRef(s)}</message:Structure>`),
    `<message:DataSet${attrs({ 'ss:structureRef': sid, 'xsi:type': 'ns1:DataSetType', 'ss:dataScope': 'DataStructure', action: undefined })}>`,
  ];
  const obsXml = (i: number) => {
    const o = v.obs[i];
    const a: Record<string, string | null> = {};
    for (const d of v.obsDims) a[d] = dimValue(s, v, o, d);
    if (v.detail !== 'serieskeysonly') a[s.primaryMeasure] = formatNumber(v.idx.value[o.row]);
    if (v.detail === 'full') for (const [id, value] of obsAttributes(s, v, o)) a[id] = value;
    return `<Obs${attrs(a)}/>`;
  };
  if (v.dimAtObs === 'AllDimensions') {
    for (let i = 0; i < v.obs.length; i++) out.push(obsXml(i));
  } else {
    for (const ser of v.series) {
      const first = v.obs[ser.start];
      const a: Record<string, string> = {};
      for (const d of v.seriesDims) a[d] = dimValue(s, v, first, d);
      if (v.detail === 'full' || v.detail === 'nodata') for (const [id, value] of seriesAttributes(s, v, first)) a[id] = value;
      if (v.detail === 'serieskeysonly' || v.detail === 'nodata') {
        out.push(`<Series${attrs(a)}/>`);
        continue;
      }
      out.push(`<Series${attrs(a)}>`);
      for (let i = ser.start; i < ser.end; i++) out.push(obsXml(i));
      out.push('</Series>');
    }
  }
  out.push('</message:DataSet></message:StructureSpecificData>');
  return out.join('');
}

/**
 * The XML schema of the structure-specific data of our DSD for one dimension at the observation level
 * (SDMX 2.1 section 3B: DataSetType, SeriesType and ObsType restricting those of the structurespecific
 * namespace, one simple type per codelist). `schemaLocation` is where SDMXCommon.xsd and
 * SDMXDataStructureSpecific.xsd are (a URL or a directory; default: the SDMX Technical Working Group's copy).
 */
export function structureSpecificSchema(
  s: SdmxStructure,
  dimAtObs: string,
  schemaLocation = 'https://raw.githubusercontent.com/sdmx-twg/sdmx-ml/v2.1/schemas',
): string {
  const ns = ssNamespace(s, dimAtObs),
    loc = schemaLocation.replace(/\/$/, '');
  const allDims = [...s.dimensions.map((d) => d.id), s.timeDimension];
  const obsDims = dimAtObs === 'AllDimensions' ? allDims : [dimAtObs];
  const seriesDims = allDims.filter((d) => !obsDims.includes(d));
  const typeOf = (id: string): string => {
    if (id === s.timeDimension) return 'common:ObservationalTimePeriodType';
    const cl = s.dimensions.find((d) => d.id === id)?.codelist ?? s.attributes.find((a) => a.id === id)?.codelist;
    return cl ? `${cl}Type` : 'xs:string';
  };
  const attr = (id: string, use: 'required' | 'optional' | 'prohibited', type?: string) =>
    `<xs:attribute name="${id}"${type ? ` type="${type}"` : ''} use="${use}"/>`;
  const atSeries = (a: SdmxStructure['attributes'][number]) => a.relatedTo !== 'observation' && a.relatedTo.every((d) => seriesDims.includes(d));
  const seriesAttrs = s.attributes.filter(atSeries),
    obsAttrs = s.attributes.filter((a) => !atSeries(a));
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?><xs:schema xmlns:xs="${NS.xs}" xmlns="${esc(ns)}" xmlns:ss="${NS.ss}" xmlns:common="${NS.common}" ` +
      `targetNamespace="${esc(ns)}" elementFormDefault="unqualified" attributeFormDefault="unqualified">`,
    `<xs:import namespace="${NS.common}" schemaLocation="${esc(loc)}/SDMXCommon.xsd"/>`,
    `<xs:import namespace="${NS.ss}" schemaLocation="${esc(loc)}/SDMXDataStructureSpecific.xsd"/>`,
  ];
  for (const cl of s.codelists) {
    out.push(
      `<xs:simpleType name="${cl.id}Type"><xs:restriction base="common:IDType">${cl.codes.map((c) => `<xs:enumeration value="${esc(c.id)}"/>`).join('')}</xs:restriction></xs:simpleType>`,
    );
  }
  const obsType =
    `<xs:complexType name="ObsType"><xs:complexContent><xs:restriction base="ss:ObsType"><xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/></xs:sequence>` +
    attr('type', 'prohibited') +
    attr('REPORTING_YEAR_START_DAY', 'prohibited') +
    (obsDims.includes(s.timeDimension) ? '' : attr(s.timeDimension, 'prohibited')) +
    obsDims.map((d) => attr(d, 'required', typeOf(d))).join('') +
    attr(s.primaryMeasure, 'optional', 'xs:double') +
    obsAttrs.map((a) => attr(a.id, 'optional', typeOf(a.id))).join('') +
    '</xs:restriction></xs:complexContent></xs:complexType>';
  if (dimAtObs === 'AllDimensions') {
    out.push(
      `<xs:complexType name="DataSetType"><xs:complexContent><xs:restriction base="ss:DataSetType"><xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/>` +
        '<xs:element name="DataProvider" type="common:DataProviderReferenceType" form="unqualified" minOccurs="0"/>' +
        '<xs:element name="Obs" type="ObsType" form="unqualified" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>' +
        attr('REPORTING_YEAR_START_DAY', 'prohibited') +
        '</xs:restriction></xs:complexContent></xs:complexType>',
    );
  } else {
    out.push(
      `<xs:complexType name="DataSetType"><xs:complexContent><xs:restriction base="ss:DataSetType"><xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/>` +
        '<xs:element name="DataProvider" type="common:DataProviderReferenceType" form="unqualified" minOccurs="0"/>' +
        '<xs:element name="Series" type="SeriesType" form="unqualified" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>' +
        attr('REPORTING_YEAR_START_DAY', 'prohibited') +
        '</xs:restriction></xs:complexContent></xs:complexType>',
    );
    out.push(
      `<xs:complexType name="SeriesType"><xs:complexContent><xs:restriction base="ss:SeriesType"><xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/>` +
        '<xs:element name="Obs" type="ObsType" form="unqualified" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>' +
        attr('REPORTING_YEAR_START_DAY', 'prohibited') +
        (seriesDims.includes(s.timeDimension) ? '' : attr(s.timeDimension, 'prohibited')) +
        seriesDims
          .filter((d) => d !== s.timeDimension)
          .map((d) => attr(d, 'required', typeOf(d)))
          .join('') +
        (seriesDims.includes(s.timeDimension) ? attr(s.timeDimension, 'required', typeOf(s.timeDimension)) : '') +
        seriesAttrs.map((a) => attr(a.id, 'optional', typeOf(a.id))).join('') +
        '</xs:restriction></xs:complexContent></xs:complexType>',
    );
  }
  out.push(obsType, '</xs:schema>');
  return out.join('');
}

// ---------------------------------------------------------------------------------------------- errors

/** An SDMX-ML 2.1 Error message (`code`: the SDMX web services error code, e.g. 100 No results found). */
export function errorMessage(code: number, text: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><message:Error xmlns:message="${NS.message}" xmlns:common="${NS.common}">` +
    `<message:ErrorMessage code="${code}"><common:Text xml:lang="en">${esc(text)}</common:Text></message:ErrorMessage></message:Error>`
  );
}
