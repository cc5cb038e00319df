/**
 * SDMX 2.1 REST (/sdmx/rest) over the bundled data. Expected values come from the source files: the ITU DataHub
 * export ../shared/data/itu-datahub/individuals_using_internet.csv (series i99H), indicators/economies.json and
 * indicators/indicators.json. SDMX-ML is validated with xmllint against the official SDMX-ML 2.1 XSDs,
 * SDMX-JSON 2.0.0 with ajv against the official schema, and R's rsdmx reads data and structures.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import fc from 'fast-check';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indicatorsDir } from '../../../src/util/paths.js';
import { startBundledServer, type TestServer } from '../helpers.js';
import { datahub, find, parseXml, SPECS, walk, XSD_DIR, xmllint, xmllintStructureSpecific, type El } from './helpers.js';

let srv: TestServer;
beforeAll(async () => {
  // No per-client budget: hundreds of requests from one address (the generated ones, R's), a protocol suite and not
  // a test of the budget, which refused one of them in CI when the suite ran fast (the budget over SDMX is tested in
  // test/api/budget.test.ts).
  srv = await startBundledServer({ clientBudget: false });
});
afterAll(() => srv.close());

const get = (path: string, accept?: string): Promise<Response> => fetch(srv.base + '/sdmx/rest' + path, { headers: accept ? { accept } : {} });
const text = async (path: string, accept?: string): Promise<string> => {
  const res = await get(path, accept);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 400)}`);
  return body;
};
const MESSAGE_XSD = join(XSD_DIR, 'SDMXMessage.xsd');
const SS = 'application/vnd.sdmx.structurespecificdata+xml;version=2.1';

// The source: Individuals using the Internet (i99H, registry id internet_users_pct) for Kenya and Uganda.
const SOURCE = datahub('individuals_using_internet.csv', 'i99H', ['KEN', 'UGA']);
const economies = (
  JSON.parse(readFileSync(join(indicatorsDir(), 'economies.json'), 'utf8')) as { economies: Array<{ iso3: string; names: Record<string, string> }> }
).economies;
const indicatorDefs = (
  JSON.parse(readFileSync(join(indicatorsDir(), 'indicators.json'), 'utf8')) as { indicators: Array<{ id: string; name: string; unit: string }> }
).indicators;
/** ITU marks its own estimates in the data source column ("ITU estimate.", "ITU estimate based on ...") or the note. */
const ituEstimate = (o: { source: string; note: string }) => /ITU estimate/i.test(o.source) || /ITU estimate/i.test(o.note);
const key = (o: { economy: string; year: number }) => `${o.economy} ${o.year}`;

interface ReadObs {
  economy: string;
  indicator: string;
  year: number;
  value: number;
  attrs: Record<string, string>;
}

/** Observations of a generic data message, read as sdmx1's reader does (SeriesKey + ObsDimension, or ObsKey). */
function readGeneric(xml: string): ReadObs[] {
  const root = parseXml(xml);
  const dao = find(root, 'Structure').find((e) => e.attrs.dimensionAtObservation)!.attrs.dimensionAtObservation;
  const values = (el: El | undefined) => Object.fromEntries((el?.children ?? []).map((v) => [v.attrs.id, v.attrs.value]));
  const out: ReadObs[] = [];
  const push = (k: Record<string, string>, obs: El) => {
    const val = obs.children.find((c) => c.local === 'ObsValue');
    out.push({
      economy: k.REF_AREA,
      indicator: k.INDICATOR,
      year: Number(k.TIME_PERIOD),
      value: Number(val?.attrs.value),
      attrs: values(obs.children.find((c) => c.local === 'Attributes')),
    });
  };
  for (const s of find(root, 'Series')) {
    const sk = values(s.children.find((c) => c.local === 'SeriesKey'));
    const sa = values(s.children.find((c) => c.local === 'Attributes'));
    for (const o of s.children.filter((c) => c.local === 'Obs')) {
      const od = o.children.find((c) => c.local === 'ObsDimension')!;
      push({ ...sk, [dao]: od.attrs.value }, o);
      Object.assign(out[out.length - 1].attrs, sa);
    }
  }
  if (dao === 'AllDimensions') for (const o of find(root, 'Obs')) push(values(o.children.find((c) => c.local === 'ObsKey')), o);
  return out.sort((a, b) => a.economy.localeCompare(b.economy) || a.year - b.year);
}

function expectSource(read: ReadObs[], source = SOURCE): void {
  expect(read.map((o) => [key(o), o.value])).toEqual(source.map((o) => [key(o), o.value]));
  for (const [i, o] of read.entries()) {
    expect(o.attrs.OBS_STATUS, key(o)).toBe(ituEstimate(source[i]) ? 'E' : 'A');
    expect(o.attrs.ESTIMATE, key(o)).toBe(ituEstimate(source[i]) ? 'ITU' : undefined);
  }
}

describe('SDMX-ML 2.1 generic data', () => {
  it('the series of the source file, valid against SDMXMessage.xsd', async () => {
    expect(SOURCE.length).toBeGreaterThan(30); // the source has both series
    const xml = await text('/data/ICT_INDICATORS/A.KEN+UGA.i99H');
    expect(xmllint(xml, MESSAGE_XSD)).toBe('');
    const read = readGeneric(xml);
    expectSource(read);
    // Hand-derived: the registry's unit "% of individuals" as a code.
    expect(new Set(read.map((o) => o.attrs.UNIT_MEASURE))).toEqual(new Set(['PCT_OF_INDIVIDUALS']));
    expect(new Set(read.map((o) => o.indicator))).toEqual(new Set(['internet_users_pct']));
  });

  it('the default for application/xml (what rsdmx sends), and the same observations at every dimensionAtObservation', async () => {
    const res = await get('/data/ITU,ICT_INDICATORS,1.0.0/A.KEN+UGA.i99H/ITU', 'application/xml');
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    expectSource(readGeneric(await res.text()));
    for (const dao of ['AllDimensions', 'REF_AREA', 'INDICATOR']) {
      const xml = await text(`/data/ICT_INDICATORS/A.KEN+UGA.i99H?dimensionAtObservation=${dao}`);
      expect(xmllint(xml, MESSAGE_XSD), dao).toBe('');
      expectSource(readGeneric(xml));
    }
  });

  it('startPeriod, endPeriod, lastNObservations, firstNObservations, detail', async () => {
    const inRange = SOURCE.filter((o) => o.year >= 2010 && o.year <= 2015);
    expectSource(readGeneric(await text('/data/ICT_INDICATORS/A.KEN+UGA.i99H?startPeriod=2010&endPeriod=2015-12-31')), inRange);
    const lastTwo = ['KEN', 'UGA'].flatMap((e) => SOURCE.filter((o) => o.economy === e).slice(-2));
    expectSource(readGeneric(await text('/data/ICT_INDICATORS/A.KEN+UGA.i99H?lastNObservations=2')), lastTwo);
    const first = ['KEN', 'UGA'].flatMap((e) => SOURCE.filter((o) => o.economy === e).slice(0, 1));
    expectSource(readGeneric(await text('/data/ICT_INDICATORS/A.KEN+UGA.i99H?firstNObservations=1')), first);

    const dataonly = await text('/data/ICT_INDICATORS/A.KEN.i99H?detail=dataonly');
    expect(xmllint(dataonly, MESSAGE_XSD)).toBe('');
    expect(find(parseXml(dataonly), 'Attributes')).toHaveLength(0);
    expect(readGeneric(dataonly).map((o) => o.value)).toEqual(SOURCE.filter((o) => o.economy === 'KEN').map((o) => o.value));
    for (const detail of ['serieskeysonly', 'nodata']) {
      const xml = await text(`/data/ICT_INDICATORS/A.KEN+UGA.i99H?detail=${detail}`);
      expect(xmllint(xml, MESSAGE_XSD), detail).toBe('');
      const root = parseXml(xml);
      expect(find(root, 'Series')).toHaveLength(2);
      expect(find(root, 'Obs')).toHaveLength(0);
      expect(find(root, 'Attributes').length).toBe(detail === 'nodata' ? 2 : 0);
    }
  });

  it('wildcards and aliases in the key: an empty part is every code, indicator aliases (without dots) are accepted', async () => {
    const wild = readGeneric(await text('/data/ICT_INDICATORS/.ken.internet_users_pct+i99H'));
    expect(wild.map((o) => o.value)).toEqual(SOURCE.filter((o) => o.economy === 'KEN').map((o) => o.value));
    const allIndicators = readGeneric(await text('/data/ICT_INDICATORS/A.KEN.?startPeriod=2019&endPeriod=2019'));
    expect(allIndicators.find((o) => o.indicator === 'internet_users_pct')?.value).toBe(SOURCE.find((o) => o.economy === 'KEN' && o.year === 2019)!.value);
    expect(new Set(allIndicators.map((o) => o.indicator)).size).toBeGreaterThan(3);
  });
});

describe('SDMX-ML 2.1 structure-specific data', () => {
  for (const dao of ['TIME_PERIOD', 'AllDimensions', 'REF_AREA']) {
    it(`valid against the schema generated from the DSD (dimensionAtObservation=${dao}), and it constrains`, async () => {
      const xsd = (await text(`/schema/dataflow/ITU/ICT_INDICATORS/1.0.0?dimensionAtObservation=${dao}`)).replaceAll(
        'https://raw.githubusercontent.com/sdmx-twg/sdmx-ml/v2.1/schemas',
        XSD_DIR,
      );
      const ns = `urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ITU:DSD_ICT_INDICATORS(1.0.0):ObsLevelDim:${dao}`;
      const xml = await text(`/data/ICT_INDICATORS/A.KEN+UGA.i99H?dimensionAtObservation=${dao}`, SS);
      expect(xmllintStructureSpecific(xml, xsd, ns)).toBe('');
      // The observations: attributes of Series and Obs (as sdmx1's _obs_ss and _series_ss read them).
      const root = parseXml(xml);
      const read: ReadObs[] = [];
      const obsOf = (a: Record<string, string>) => ({
        economy: a.REF_AREA,
        indicator: a.INDICATOR,
        year: Number(a.TIME_PERIOD),
        value: Number(a.OBS_VALUE),
        attrs: a,
      });
      const series = find(root, 'Series');
      if (dao === 'AllDimensions') for (const o of find(root, 'Obs')) read.push(obsOf(o.attrs));
      else for (const s of series) for (const o of s.children) read.push(obsOf({ ...s.attrs, ...o.attrs }));
      read.sort((a, b) => a.economy.localeCompare(b.economy) || a.year - b.year);
      expectSource(read);
      // A code outside the codelist, or a value that is not a number, fails the generated schema.
      expect(xmllintStructureSpecific(xml.replace(/REF_AREA="KEN"/, 'REF_AREA="XKX1"'), xsd, ns)).toMatch(/REF_AREA|not valid|fails/);
      expect(xmllintStructureSpecific(xml.replace(/OBS_VALUE="[^"]+"/, 'OBS_VALUE="n/a"'), xsd, ns)).toMatch(/OBS_VALUE|not valid|fails/);
    });
  }
});

describe('SDMX-ML 2.1 structures', () => {
  it('dataflow, DSD, codelists, concept scheme: each valid, with the references asked for', async () => {
    const cases: Array<[string, string[]]> = [
      ['/dataflow', ['Dataflow']],
      ['/dataflow/ITU/ICT_INDICATORS/1.0.0?references=children', ['Dataflow', 'DataStructure']],
      ['/dataflow/ITU/ICT_INDICATORS/latest?references=all', ['Dataflow', 'Codelist', 'ConceptScheme', 'DataStructure']],
      ['/datastructure/ITU/DSD_ICT_INDICATORS/1.0.0', ['DataStructure']],
      ['/datastructure/ITU/DSD_ICT_INDICATORS?references=children', ['Codelist', 'ConceptScheme', 'DataStructure']],
      ['/datastructure/ITU/DSD_ICT_INDICATORS?references=parents', ['Dataflow', 'DataStructure']],
      ['/codelist/ITU', ['Codelist']],
      ['/codelist/ITU/CL_AREA/1.0.0', ['Codelist']],
      ['/conceptscheme/ITU/CS_ICT_INDICATORS/1.0.0', ['ConceptScheme']],
      ['/dataflow/all/all/latest?references=all&detail=allstubs', ['Dataflow', 'Codelist', 'ConceptScheme', 'DataStructure']],
      ['/dataflow/ITU/ICT_INDICATORS?references=descendants&detail=referencestubs', ['Dataflow', 'Codelist', 'ConceptScheme', 'DataStructure']],
    ];
    for (const [path, kinds] of cases) {
      const xml = await text(path);
      expect(xmllint(xml, MESSAGE_XSD), path).toBe('');
      const structures = find(parseXml(xml), 'Structures')[0];
      const got = [...new Set(structures.children.flatMap((c) => c.children.map((x) => x.local)))];
      expect(got, path).toEqual(kinds);
    }
  });

  it('the codelists are the registries: CL_AREA = economies.json (names in six languages), CL_INDICATOR = indicators.json', async () => {
    const root = parseXml(await text('/codelist/ITU/all/latest'));
    const lists = Object.fromEntries(find(root, 'Codelist').map((cl) => [cl.attrs.id, cl]));
    expect(Object.keys(lists)).toEqual(['CL_FREQ', 'CL_AREA', 'CL_INDICATOR', 'CL_UNIT', 'CL_OBS_STATUS', 'CL_ESTIMATE']);
    const codes = (id: string) => lists[id].children.filter((c) => c.local === 'Code');
    expect(codes('CL_AREA').map((c) => c.attrs.id)).toEqual(economies.map((e) => e.iso3).sort());
    const ken = codes('CL_AREA').find((c) => c.attrs.id === 'KEN')!;
    const kenNames = Object.fromEntries(
      ken.children.filter((c) => c.local === 'Name').map((n) => [n.attrs['{http://www.w3.org/XML/1998/namespace}lang'], n.text]),
    );
    expect(kenNames).toEqual(economies.find((e) => e.iso3 === 'KEN')!.names);
    expect(codes('CL_INDICATOR').map((c) => [c.attrs.id, c.children.find((n) => n.local === 'Name')!.text])).toEqual(indicatorDefs.map((d) => [d.id, d.name]));
    // One unit code per distinct unit of the registry.
    expect(
      codes('CL_UNIT')
        .map((c) => c.children[0].text)
        .sort(),
    ).toEqual([...new Set(indicatorDefs.map((d) => d.unit))].sort());
    expect(codes('CL_OBS_STATUS').map((c) => c.attrs.id)).toEqual(['A', 'E']);
    // Item queries.
    const two = parseXml(await text('/codelist/ITU/CL_AREA/1.0.0/KEN+UGA'));
    expect(find(two, 'Code').map((c) => c.attrs.id)).toEqual(['KEN', 'UGA']);
  });

  it('the DSD: FREQ, REF_AREA, INDICATOR, TIME_PERIOD; UNIT_MEASURE by indicator, OBS_STATUS, ESTIMATE and the notes by observation', async () => {
    const root = parseXml(await text('/datastructure/ITU/DSD_ICT_INDICATORS/1.0.0'));
    const dims = [...find(root, 'Dimension').filter((d) => d.attrs.position), ...find(root, 'TimeDimension')];
    expect(dims.map((d) => [d.attrs.id, d.attrs.position])).toEqual([
      ['FREQ', '1'],
      ['REF_AREA', '2'],
      ['INDICATOR', '3'],
      ['TIME_PERIOD', '4'],
    ]);
    const attrs = find(root, 'Attribute');
    expect(attrs.map((a) => a.attrs.id)).toEqual(['UNIT_MEASURE', 'OBS_STATUS', 'ESTIMATE', 'COMMENT_OBS', 'DATA_SOURCE', 'VINTAGE']);
    const rel = (a: El) => find(a, 'AttributeRelationship')[0].children.map((c) => `${c.local}:${c.children[0].attrs.id}`);
    expect(rel(attrs[0])).toEqual(['Dimension:INDICATOR']);
    expect(rel(attrs[1])).toEqual(['PrimaryMeasure:OBS_VALUE']);
  });
});

/**
 * sdmx1 (khaeru/sdmx, sdmx/reader/xml/v21.py @ 00c59ae): its SDMX-ML 2.1 reader dispatches on every element it
 * meets and raises NotImplementedError on one it has no parser for; these are the elements it parses or skips
 * (from its @start/@end registrations). Prefixes: mes message, com common, str structure, gen generic data,
 * '' unqualified (Ref, and the Series/Obs of structure-specific data).
 */
const SDMX1_ELEMENTS = new Set(
  `
com:Annotations com:Footer footer:Message gen:ObsDimension gen:ObsValue gen:Value str:Categorisations str:CategorySchemes str:Codelists
str:Concepts str:ConstraintAttachment str:Constraints str:CustomTypes str:Dataflows str:DataStructureComponents str:DataStructures
str:HierarchicalCodelists str:Metadataflows str:MetadataStructures str:OrganisationSchemes str:ProvisionAgreements str:StructureSets :Ref :URN
mes:Error mes:GenericData mes:GenericTimeSeriesData mes:StructureSpecificData mes:StructureSpecificTimeSeriesData mes:Structure mes:Header
mes:Receiver mes:Sender footer:Footer mes:Structures com:AnnotationTitle com:AnnotationType com:AnnotationURL com:Value mes:DataSetAction
mes:DataSetID mes:Email mes:ID mes:Test mes:Timezone mes:Extracted mes:Prepared mes:ReportingBegin mes:ReportingEnd com:AnnotationText
com:Name com:Description com:Text mes:Source com:Structure com:StructureUsage str:ConceptIdentity str:ConceptRole str:Structure
str:Enumeration com:Annotation str:Agency str:Code str:Category str:Concept str:AgencyScheme str:Codelist str:ConceptScheme
str:CategoryScheme str:EnumerationFormat str:TextFormat str:CoreRepresentation str:LocalRepresentation str:Attribute str:Dimension
str:GroupDimension str:MeasureDimension str:PrimaryMeasure str:TimeDimension str:AttributeList str:DimensionList str:Group str:MeasureList
str:None str:AttributeRelationship str:DataStructure str:Dataflow gen:Attributes gen:ObsKey gen:GroupKey gen:SeriesKey gen:Series :Series
gen:Group :Group gen:Obs :Obs mes:DataSet`
    .trim()
    .split(/\s+/),
);
const PREFIX: Record<string, string> = {
  'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message': 'mes',
  'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common': 'com',
  'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure': 'str',
  'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic': 'gen',
  '': '',
};

describe('contract with sdmx1 (its readers, read from its source)', () => {
  it('SDMX-ML: every element is one sdmx1 parses; the header gives structureID and a DSD reference; data sets name it', async () => {
    const docs = [
      await text('/data/ICT_INDICATORS/A.KEN+UGA.i99H'),
      await text('/data/ICT_INDICATORS/A.KEN.i99H?dimensionAtObservation=AllDimensions'),
      await text('/data/ICT_INDICATORS/A.KEN+UGA.i99H', SS),
      await text('/dataflow/ITU/ICT_INDICATORS/1.0.0?references=all'),
    ];
    for (const xml of docs) {
      const root = parseXml(xml);
      const unknown = [...walk(root)].map((e) => `${PREFIX[e.uri] ?? e.uri}:${e.local}`).filter((t) => !SDMX1_ELEMENTS.has(t));
      expect(unknown).toEqual([]);
      if (root.local === 'Structure') continue;
      // _header_structure: elem.attrib["structureID"], and a <com:Structure> (not both it and StructureUsage, which it asserts equal).
      const hs = find(root, 'Header')[0].children.find((c) => c.local === 'Structure')!;
      expect(hs.attrs.structureID).toMatch(/^[A-Za-z_][\w]*$/);
      expect(hs.children.map((c) => c.local)).toEqual(['Structure']);
      // _ds_start: structureRef (generic) or data:structureRef (structure-specific) names that structureID.
      const ds = find(root, 'DataSet')[0];
      expect(ds.attrs.structureRef ?? ds.attrs['{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific}structureRef']).toBe(
        hs.attrs.structureID,
      );
    }
    // Structures: _component reads position; _facet maps textType to FacetValueType (String, Double, ObservationalTimePeriod);
    // Reference reads class/package on <Ref> to find the target class.
    const str = parseXml(docs[3]);
    for (const tf of find(str, 'TextFormat')) expect(['String', 'Double', 'ObservationalTimePeriod']).toContain(tf.attrs.textType);
    for (const ref of find(str, 'Enumeration').map((e) => e.children[0]))
      expect(ref.attrs).toMatchObject({ class: 'Codelist', package: 'codelist', agencyID: 'ITU' });
    for (const ref of find(str, 'ConceptIdentity').map((e) => e.children[0]))
      expect(ref.attrs).toMatchObject({ class: 'Concept', package: 'conceptscheme', maintainableParentID: 'CS_ICT_INDICATORS' });
  });

  it("content types: each is one of sdmx1's MEDIA_TYPES (sdmx/format/__init__.py), which pick its reader by type", async () => {
    const SDMX1_TYPES = [
      'application/vnd.sdmx.genericdata+xml',
      'application/vnd.sdmx.structurespecificdata+xml',
      'application/vnd.sdmx.structure+xml',
      'application/xml',
      'text/xml',
      'application/vnd.sdmx.data+json',
      'application/vnd.sdmx.data+csv',
    ];
    const cases: Array<[string, string | undefined]> = [
      ['/data/ICT_INDICATORS/A.KEN.i99H', undefined],
      ['/data/ICT_INDICATORS/A.KEN.i99H', 'application/vnd.sdmx.genericdata+xml;version=2.1'],
      ['/data/ICT_INDICATORS/A.KEN.i99H', SS],
      ['/data/ICT_INDICATORS/A.KEN.i99H', 'application/vnd.sdmx.data+json;version=1.0.0'],
      ['/data/ICT_INDICATORS/A.KEN.i99H', 'application/vnd.sdmx.data+csv;version=1.0.0'],
      ['/dataflow', undefined],
      ['/dataflow', 'application/vnd.sdmx.structure+xml;version=2.1'],
      ['/data/ICT_INDICATORS/A.XKX1.i99H', undefined],
    ];
    for (const [path, accept] of cases) {
      const type = (await get(path, accept)).headers.get('content-type')!.split(';')[0];
      expect(SDMX1_TYPES, `${path} ${accept}`).toContain(type);
    }
  });

  it("SDMX-JSON 1.0 as sdmx1's JSON reader (sdmx/reader/json.py) rebuilds it: the source values", async () => {
    const res = await get('/data/ICT_INDICATORS/A.KEN+UGA.i99H', 'application/vnd.sdmx.data+json;version=1.0.0');
    expect(res.headers.get('content-type')).toMatch(/^application\/vnd\.sdmx\.data\+json; version=1\.0\.0/);
    const tree = await res.json();
    // Header: id, prepared, sender (an Agency(**sender)).
    expect(Object.keys(tree.header.sender).sort()).toEqual(['id', 'name']);
    expect(typeof tree.header.id).toBe('string');
    expect(Number.isNaN(Date.parse(tree.header.prepared))).toBe(false);
    // Dimensions by level, each with values[].id; attributes with values (one without values is dropped by sdmx1).
    const dimLevel = new Map<string, { level: string; values: string[]; order: number }>();
    for (const [level, list] of Object.entries(
      tree.structure.dimensions as Record<string, Array<{ id: string; keyPosition: number; values: Array<{ id: string }> }>>,
    ))
      for (const d of list) dimLevel.set(d.id, { level, values: d.values.map((v) => v.id), order: d.keyPosition });
    const attrs: Array<{ id: string; level: string; values: Array<{ id?: string; name: string }> }> = [];
    for (const [level, list] of Object.entries(
      tree.structure.attributes as Record<string, Array<{ id: string; name: string; values: Array<{ id?: string; name: string }> }>>,
    ))
      for (const a of list) {
        expect(typeof a.name).toBe('string'); // Concept(name=attr["name"])
        expect(a.values.length).toBeGreaterThan(0);
        attrs.push({ id: a.id, level, values: a.values });
      }
    const dims = (level: string) => [...dimLevel].filter(([, d]) => d.level === level).sort((a, b) => a[1].order - b[1].order);
    const read: ReadObs[] = [];
    for (const ds of tree.dataSets) {
      expect(['information', 'append', 'replace', 'delete']).toContain(ds.action.toLowerCase()); // ActionType[root["action"].lower()]
      for (const [sk, series] of Object.entries(ds.series as Record<string, { observations: Record<string, Array<number | null>> }>)) {
        const k: Record<string, string> = {};
        sk.split(':')
          .map(Number)
          .forEach((i, n) => {
            const [id, d] = dims('series')[n];
            k[id] = d.values[i];
          });
        for (const [ok, arr] of Object.entries(series.observations)) {
          ok.split(':')
            .map(Number)
            .forEach((i, n) => {
              const [id, d] = dims('observation')[n];
              k[id] = d.values[i];
            });
          const [value, ...idx] = arr;
          const obsAttrs = attrs.filter((a) => a.level === 'observation');
          const a: Record<string, string> = {};
          idx.forEach((i, n) => {
            if (i !== null) {
              const v = obsAttrs[n].values[i];
              a[obsAttrs[n].id] = v.id ?? v.name;
            }
          });
          read.push({ economy: k.REF_AREA, indicator: k.INDICATOR, year: Number(k.TIME_PERIOD), value: value as number, attrs: a });
        }
      }
    }
    read.sort((a, b) => a.economy.localeCompare(b.economy) || a.year - b.year);
    expectSource(read);
  });
});

describe('SDMX-JSON 2.0.0 against the official schema', () => {
  const schema = JSON.parse(readFileSync(join(SPECS, 'sdmx-json', '2.0.0', 'sdmx-json-data-schema.json'), 'utf8'));
  // Draft-04 style ("id", "$schema": ".../schema#"): compiled with the draft-07 rules, which this schema also satisfies.
  delete schema.$schema;
  delete schema.id;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false }); // the schema escapes "-" in patterns, which the u flag refuses;
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const check = (doc: unknown, what: string) => {
    const ok = validate(doc);
    expect(ok ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`), what).toEqual([]);
  };

  it('data (series, AllDimensions, keys only), the /v2 endpoint (also empty), and the error message', async () => {
    for (const q of ['', '?dimensionAtObservation=AllDimensions', '?detail=serieskeysonly', '?detail=dataonly', '?startPeriod=2019']) {
      const doc = await (await get(`/data/ICT_INDICATORS/A.KEN+UGA.i99H+fixed_bb_p100${q}`, 'application/vnd.sdmx.data+json;version=2.0.0')).json();
      check(doc, q);
    }
    const doc = await (await get('/data/ICT_INDICATORS/A.KEN+UGA.i99H', 'application/vnd.sdmx.data+json;version=2.0.0')).json();
    const st = doc.data.structures[0];
    const times = st.dimensions.observation[0].values.map((v: { value: string }) => v.value);
    const areas = st.dimensions.series[1].values.map((v: { id: string }) => v.id);
    const read = Object.entries(doc.data.dataSets[0].series as Record<string, { observations: Record<string, number[]> }>).flatMap(([sk, s]) =>
      Object.entries(s.observations).map(([t, o]) => [`${areas[Number(sk.split(':')[1])]} ${times[Number(t)]}`, o[0]]),
    );
    expect(read.sort()).toEqual(SOURCE.map((o) => [key(o), o.value]).sort());

    const wb = await fetch(`${srv.base}/v2/country/KEN;UGA/indicator/i99H`, { headers: { accept: 'application/vnd.sdmx.data+json;version=2.0.0' } });
    check(await wb.json(), '/v2 series');
    const empty = await fetch(`${srv.base}/v2/country/KEN/indicator/i99H?date=1960:1961`, {
      headers: { accept: 'application/vnd.sdmx.data+json;version=2.0.0' },
    });
    expect(empty.status).toBe(200);
    check(await empty.json(), '/v2 empty');
    const err = await get('/data/ICT_INDICATORS/A.KEN.i99H?startPeriod=1960&endPeriod=1961', 'application/vnd.sdmx.data+json;version=2.0.0');
    expect(err.status).toBe(404);
    const body = await err.json();
    check(body, 'error');
    expect(body.errors[0]).toMatchObject({ code: 100, title: 'No Results Found' });
  });
});

describe('SDMX REST 2.0 (SDMX 3.0) data path: /v2/data/{context}/{agency}/{id}/{version}/{key}', () => {
  const v2 = (path: string, accept = 'application/vnd.sdmx.data+json;version=2.0.0') => get(`/v2/data/${path}`, accept);
  const values = async (res: Response) => {
    const doc = await res.json();
    const st = doc.data.structures[0];
    const times = st.dimensions.observation[0].values.map((v: { value: string }) => v.value);
    const areas = st.dimensions.series[1].values.map((v: { id: string }) => v.id);
    return Object.entries(doc.data.dataSets[0].series as Record<string, { attributes?: unknown[]; observations: Record<string, unknown[]> }>)
      .flatMap(([sk, ser]) => Object.entries(ser.observations).map(([t, o]) => [`${areas[Number(sk.split(':')[1])]} ${times[Number(t)]}`, o[0], o.length]))
      .sort();
  };
  it('the key with "," and "*", c[] filters on dimensions and time, attributes/measures; the source values', async () => {
    const all = SOURCE.map((o) => [key(o), o.value]).sort();
    expect((await values(await v2('dataflow/ITU/ICT_INDICATORS/1.0.0/A.KEN,UGA.i99H'))).map((x) => x.slice(0, 2))).toEqual(all);
    expect((await values(await v2('dataflow/*/ICT_INDICATORS/~/*.*.i99H?c[REF_AREA]=KEN,UGA'))).map((x) => x.slice(0, 2))).toEqual(all);
    const range = SOURCE.filter((o) => o.year >= 2010 && o.year < 2016)
      .map((o) => [key(o), o.value])
      .sort();
    expect((await values(await v2('dataflow/ITU/ICT_INDICATORS/1.0.0/A.KEN,UGA.i99H?c[TIME_PERIOD]=ge:2010%2Blt:2016'))).map((x) => x.slice(0, 2))).toEqual(
      range,
    );
    const dataOnly = await values(await v2('dataflow/ITU/ICT_INDICATORS/1.0.0/A.KEN.i99H?attributes=none&measures=all'));
    expect(new Set(dataOnly.map((x) => x[2]))).toEqual(new Set([1])); // the value only, no attribute indices
    expect(xmllint(await text('/v2/data/dataflow/ITU/ICT_INDICATORS/1.0.0/A.KEN.i99H', 'application/xml'), MESSAGE_XSD)).toBe('');
    expect((await v2('dataflow/ITU/ICT_INDICATORS/1.0.0/A.KEN.i99H?c[REF_AREA]=UGA')).status).toBe(404);
    expect((await v2('dataflow/ITU/ICT_INDICATORS/1.0.0/A.KEN.i99H?c[COLOUR]=red')).status).toBe(400);
    expect((await v2('dataflow/ITU/ICT_INDICATORS/1.0.0/A.KEN.i99H?c[REF_AREA]=ne:KEN')).status).toBe(501);
    expect((await v2('provisionagreement/ITU/PA/1.0.0/*')).status).toBe(501);
    expect((await v2('dataflow/ITU/OTHER/1.0.0/*')).status).toBe(404);
  });
});

describe('SDMX-CSV: labels, timeFormat, keys; 1.0 and 2.0', () => {
  it('2.0 by default for text/csv: the source values, codes', async () => {
    const csv = await text('/data/ICT_INDICATORS/A.KEN+UGA.i99H', 'application/vnd.sdmx.data+csv;version=2.0.0');
    const [head, ...rows] = csv.trim().split('\n');
    expect(head).toBe(
      'STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,ESTIMATE,COMMENT_OBS,DATA_SOURCE,VINTAGE',
    );
    expect(
      rows.map((r) => {
        const f = r.split(',');
        return [`${f[4]} ${f[6]}`, Number(f[7])];
      }),
    ).toEqual(SOURCE.map((o) => [key(o), o.value]));
  });

  it('labels=both and name, timeFormat=normalized, keys=both (query or media type parameters); 1.0 has DATAFLOW', async () => {
    const k2019 = SOURCE.find((o) => o.economy === 'KEN' && o.year === 2019)!;
    const both = (await text('/data/ICT_INDICATORS/A.KEN.i99H?startPeriod=2019&endPeriod=2019&labels=both&timeFormat=normalized&keys=both', 'text/csv'))
      .trim()
      .split('\n');
    expect(both[0]).toBe(
      'STRUCTURE,STRUCTURE_ID,ACTION,SERIES_KEY,OBS_KEY,FREQ: Frequency,REF_AREA: Reference area,INDICATOR: Indicator,TIME_PERIOD: Time period,' +
        'OBS_VALUE: Observation value,UNIT_MEASURE: Unit of measure,OBS_STATUS: Observation status,ESTIMATE: Estimate,COMMENT_OBS: Observation comment,DATA_SOURCE: Data source,VINTAGE: Vintage',
    );
    expect(both[1]).toMatch(
      new RegExp(
        `^dataflow,ITU:ICT_INDICATORS\\(1\\.0\\.0\\),I,A\\.KEN\\.internet_users_pct,A\\.KEN\\.internet_users_pct\\.2019,A: Annual,KEN: Kenya,` +
          `internet_users_pct: Individuals using the Internet,2019-01-01T00:00:00,${k2019.value},PCT_OF_INDIVIDUALS: % of individuals,A: Normal value,,`,
      ),
    );
    const name = (await text('/data/ICT_INDICATORS/A.KEN.i99H?startPeriod=2019&endPeriod=2019', 'application/vnd.sdmx.data+csv;version=2.0.0;labels=name'))
      .trim()
      .split('\n');
    expect(name[0]).toMatch(/^STRUCTURE,STRUCTURE_ID,ACTION,Frequency,Reference area,Indicator,Time period,Observation value,/);
    expect(name[1]).toMatch(
      new RegExp(`^dataflow,ITU:ICT_INDICATORS\\(1\\.0\\.0\\),I,Annual,Kenya,Individuals using the Internet,2019,${k2019.value},% of individuals,`),
    );
    const v1 = (await text('/data/ICT_INDICATORS/A.KEN.i99H?startPeriod=2019&endPeriod=2019', 'application/vnd.sdmx.data+csv;version=1.0.0;labels=both'))
      .trim()
      .split('\n');
    expect(v1[0]).toMatch(/^DATAFLOW,FREQ: Frequency,REF_AREA: Reference area,/);
    expect(v1[1]).toMatch(
      new RegExp(`^ITU:ICT_INDICATORS\\(1\\.0\\.0\\),A: Annual,KEN: Kenya,internet_users_pct: Individuals using the Internet,2019,${k2019.value},`),
    );
    expect((await get('/data/ICT_INDICATORS/A.KEN.i99H?labels=upside', 'text/csv')).status).toBe(400);
    expect((await get('/data/ICT_INDICATORS/A.KEN.i99H?keys=both', 'application/vnd.sdmx.data+csv;version=1.0.0')).status).toBe(400);
  });
});

describe('SDMX errors: SDMX-ML Error messages with SDMX REST status codes', () => {
  const expectError = async (path: string, status: number, code: number, accept?: string) => {
    const res = await get(path, accept);
    const body = await res.text();
    expect(res.status, `${path}: ${body}`).toBe(status);
    expect(xmllint(body, MESSAGE_XSD), path).toBe('');
    const msg = find(parseXml(body), 'ErrorMessage')[0];
    expect(msg.attrs.code, path).toBe(String(code));
    expect(body).not.toMatch(/\n\s+at |node_modules|\/src\/|\/tmp\//);
    return msg.children[0].text;
  };
  it('404 NoResultsFound, 400, 406, 413, 501', async () => {
    expect(await expectError('/data/ICT_INDICATORS/A.XKX1.i99H', 404, 100)).toMatch(/REF_AREA=XKX1/);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?startPeriod=1960&endPeriod=1961', 404, 100);
    await expectError('/data/OTHER_FLOW/A.KEN.i99H', 404, 100);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H/WB', 404, 100);
    await expectError('/codelist/ITU/CL_NOPE', 404, 100);
    await expectError('/codelist/ITU/CL_AREA/1.0.0/NOPE', 404, 100);
    await expectError('/conceptscheme/ITU/CS_ICT_INDICATORS/1.0.0/NOPE', 404, 100);
    await expectError('/nothing/here', 404, 100);
    expect(await expectError('/data/ICT_INDICATORS/KEN.i99H', 400, 140)).toMatch(/FREQ\.REF_AREA\.INDICATOR/);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?startPeriod=20x0', 400, 140);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?startPeriod=2020&endPeriod=2010', 400, 140);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?detail=everything', 400, 140);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?dimensionAtObservation=NOPE', 400, 140);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?lastNObservations=0', 400, 140);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?colour=red', 400, 140);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?detail=full&detail=dataonly', 400, 140);
    await expectError('/dataflow?references=cousins', 400, 140);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H', 406, 406, 'application/pdf');
    await expectError('/dataflow', 406, 406, 'application/vnd.sdmx.structure+xml;version=3.0.0');
    const asJson = await get('/dataflow', 'application/vnd.sdmx.structure+json;version=1.0.0');
    expect(asJson.status).toBe(406);
    expect((await asJson.json()).errors[0].code).toBe(406); // a client asking for JSON gets its error in SDMX-JSON
    expect(await expectError('/data/ICT_INDICATORS/all', 413, 510)).toMatch(/100,000 observations/);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?includeHistory=true', 501, 501);
    await expectError('/data/ICT_INDICATORS/A.KEN.i99H?updatedAfter=2024-01-01T00:00:00Z', 501, 501);
    await expectError('/categoryscheme/ITU', 501, 501);
  });
});

describe('generated SDMX REST requests (fast-check, through Fastify inject)', () => {
  it('no 5xx; every 4xx/5xx an SDMX error message (XML, or JSON when JSON was asked for); every 200 well-formed', async () => {
    const code = fc.constantFrom('', 'A', 'Q', 'KEN', 'ken+UGA', 'i99H', 'fixed_bb_p100', 'XKX1', '+', 'all', '*', '%20', '<x>', 'IT');
    const key = fc.oneof(
      fc.constant('all'),
      fc.tuple(code, code, code).map((p) => p.join('.')),
      fc.array(code, { maxLength: 5 }).map((p) => p.join('.')),
    );
    const param = fc
      .tuple(
        fc.constantFrom(
          'startPeriod',
          'endPeriod',
          'lastNObservations',
          'firstNObservations',
          'dimensionAtObservation',
          'detail',
          'format',
          'labels',
          'timeFormat',
          'keys',
          'references',
          'includeHistory',
          'updatedAfter',
          'x',
        ),
        fc.constantFrom(
          '2015',
          '2020-Q1',
          '2019-13',
          '1',
          '0',
          '99999999',
          'AllDimensions',
          'REF_AREA',
          'serieskeysonly',
          'nodata',
          'csv',
          'jsondata',
          'structurespecificdata',
          'both',
          'name',
          'normalized',
          'children',
          'all',
          'true',
          '&',
          '',
        ),
      )
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
    const path = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('ICT_INDICATORS', 'ITU,ICT_INDICATORS', 'ITU,ICT_INDICATORS,1.0.0', 'ITU,ICT_INDICATORS,2.0', 'X,Y,Z,W', 'all'),
          key,
          fc.constantFrom('', '/ITU', '/all', '/WB'),
        )
        .map(([f, k, p]) => `/data/${f}/${k}${p}`),
      fc
        .tuple(
          fc.constantFrom(
            'dataflow/ITU/ICT_INDICATORS/1.0.0',
            'dataflow/*/*/~',
            'datastructure/ITU/DSD_ICT_INDICATORS/latest',
            'provisionagreement/ITU/X/1.0',
            'foo/ITU/ICT_INDICATORS/1.0.0',
          ),
          fc.constantFrom(
            '',
            '/*',
            '/A.KEN,UGA.i99H',
            '/*.*.i99H',
            '/A.*',
            '/A.KEN.i99H?c[REF_AREA]=UGA',
            '/A..i99H?c[TIME_PERIOD]=ge:2019%2Ble:2020',
            '/*?c[X]=1',
            '/*.*.i99H?c[REF_AREA]=ge:K',
          ),
        )
        .map(([a, b]) => `/v2/data/${a}${b}`),
      fc
        .tuple(
          fc.constantFrom('dataflow', 'datastructure', 'codelist', 'conceptscheme', 'categoryscheme', 'schema/dataflow'),
          fc.constantFrom('', '/ITU', '/all', '/ITU/CL_AREA', '/ITU/ICT_INDICATORS/1.0.0', '/ITU/CS_ICT_INDICATORS/latest/FREQ+X'),
        )
        .map(([r, rest]) => `/${r}${rest}`),
    );
    const accept = fc.constantFrom(
      undefined,
      'application/xml',
      'text/csv',
      'application/json',
      SS,
      'application/vnd.sdmx.data+json;version=1.0.0',
      'application/vnd.sdmx.data+csv;version=1.0.0;labels=name',
      'application/vnd.sdmx.structure+json',
      'image/png',
      '*/*;q=0',
      'text/html;q=0.5, application/xml;q=0.9',
    );
    await fc.assert(
      fc.asyncProperty(path, fc.array(param, { maxLength: 4 }), accept, async (p, params, acc) => {
        const url = `/sdmx/rest${p}${params.length ? `${p.includes('?') ? '&' : '?'}${params.join('&')}` : ''}`;
        const res = await srv.app.inject({ method: 'GET', url, headers: acc ? { accept: acc } : {} });
        const what = `${url} (${acc}): ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode < 500 || res.statusCode === 501, what).toBe(true); // 501: a resource SDMX has and we do not
        expect(res.body, what).not.toMatch(/\n\s+at |node_modules|\/src\//);
        const type = String(res.headers['content-type']);
        if (res.statusCode >= 400) {
          if (/json/.test(type)) expect(JSON.parse(res.body).errors[0].code, what).toBeTypeOf('number');
          else expect(find(parseXml(res.body), 'ErrorMessage')[0]?.attrs.code, what).toMatch(/^\d+$/);
        } else if (/xml/.test(type)) parseXml(res.body);
        else if (/json/.test(type)) JSON.parse(res.body);
      }),
      { numRuns: 150, seed: 21 },
    );
  });
});

describe('R rsdmx reads data and structures', () => {
  it('readSDMX on the data URL (generic and structure-specific) and on the structure URLs', async () => {
    // Asynchronously: the server answering R runs in this process.
    const { stdout } = await promisify(execFile)('Rscript', [join(import.meta.dirname, 'rsdmx-read.R'), `${srv.base}/sdmx/rest`], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 << 20,
    });
    const out = JSON.parse(stdout);
    expect(out.generic_class).toBe('SDMXGenericData');
    const rows = (df: Array<Record<string, string | number>>, time: string, value: string) =>
      df.map((r) => [`${r.REF_AREA} ${r[time]}`, Number(r[value])]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    const expected = SOURCE.map((o) => [key(o), o.value]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(rows(out.generic, 'obsTime', 'obsValue')).toEqual(expected);
    for (const r of out.generic) {
      const src = SOURCE.find((o) => `${o.economy} ${o.year}` === `${r.REF_AREA} ${r.obsTime}`)!;
      expect(r.OBS_STATUS).toBe(ituEstimate(src) ? 'E' : 'A');
      expect(r.UNIT_MEASURE).toBe('PCT_OF_INDIVIDUALS');
    }
    expect(out.ss_class).toBe('SDMXStructureSpecificData');
    expect(rows(out.ss, 'TIME_PERIOD', 'OBS_VALUE')).toEqual(expected);

    expect(out.dataflow_class).toBe('SDMXDataFlows');
    expect(out.dataflows).toEqual([
      expect.objectContaining({ id: 'ICT_INDICATORS', agencyID: 'ITU', version: '1.0.0', dsdRef: 'DSD_ICT_INDICATORS', 'Name.en': 'ICT indicators' }),
    ]);
    expect(out.dsd_class).toBe('SDMXDataStructureDefinition');
    expect(out.dsd_codelists).toEqual(['CL_FREQ', 'CL_AREA', 'CL_INDICATOR', 'CL_UNIT', 'CL_OBS_STATUS', 'CL_ESTIMATE']);
    expect(out.dsd_area.map((c: { id: string }) => c.id)).toEqual(economies.map((e) => e.iso3).sort());
    expect(out.dsd_area.find((c: { id: string }) => c.id === 'KEN')).toMatchObject({
      'name.en': 'Kenya',
      'name.fr': economies.find((e) => e.iso3 === 'KEN')!.names.fr,
    });
    expect(out.dsd_components.map((c: { component: string; conceptRef: string; codelist: string | null }) => [c.component, c.conceptRef, c.codelist])).toEqual([
      ['Dimension', 'FREQ', 'CL_FREQ'],
      ['Dimension', 'REF_AREA', 'CL_AREA'],
      ['Dimension', 'INDICATOR', 'CL_INDICATOR'],
      ['TimeDimension', 'TIME_PERIOD', null],
      ['PrimaryMeasure', 'OBS_VALUE', null],
      ['Attribute', 'UNIT_MEASURE', 'CL_UNIT'],
      ['Attribute', 'OBS_STATUS', 'CL_OBS_STATUS'],
      ['Attribute', 'ESTIMATE', 'CL_ESTIMATE'],
      ['Attribute', 'COMMENT_OBS', null],
      ['Attribute', 'DATA_SOURCE', null],
      ['Attribute', 'VINTAGE', null],
    ]);
    expect(out.dsd_concepts.map((c: { id: string }) => c.id)).toEqual([
      'FREQ',
      'REF_AREA',
      'INDICATOR',
      'TIME_PERIOD',
      'OBS_VALUE',
      'UNIT_MEASURE',
      'OBS_STATUS',
      'ESTIMATE',
      'COMMENT_OBS',
      'DATA_SOURCE',
      'VINTAGE',
    ]);
    expect(out.codelist_class).toBe('SDMXCodelists');
    expect(out.codelist.map((c: { id: string }) => c.id)).toEqual(indicatorDefs.map((d) => d.id));
    expect(out.concepts_class).toBe('SDMXConcepts');
    expect(out.concepts.map((c: { id: string; 'Name.en': string }) => [c.id, c['Name.en']]).slice(0, 3)).toEqual([
      ['FREQ', 'Frequency'],
      ['REF_AREA', 'Reference area'],
      ['INDICATOR', 'Indicator'],
    ]);
  });
});
