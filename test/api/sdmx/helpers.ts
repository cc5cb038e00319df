/** Helpers of the SDMX tests: an XML tree (saxes), xmllint against the official XSDs, the ITU DataHub source values. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { parseCsvObjects } from '../../../src/util/csv-parse.js';
import { sharedDataDir } from '../../../src/util/paths.js';

export const SPECS = join(sharedDataDir(), '..', 'specs');
export const XSD_DIR = join(SPECS, 'sdmx-ml', '2.1');

export interface El {
  uri: string;
  local: string;
  prefix: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

/** The XML document as a tree (namespaces resolved); a well-formedness error throws. */
export function parseXml(xml: string): El {
  const p = new SaxesParser({ xmlns: true });
  const stack: El[] = [];
  let root: El | undefined;
  p.on('opentag', (t) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(t.attributes)) attrs[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
    const el: El = { uri: t.uri ?? '', local: t.local ?? t.name, prefix: t.prefix ?? '', attrs, children: [], text: '' };
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    stack.push(el);
  });
  p.on('text', (s) => {
    if (stack.length) stack[stack.length - 1].text += s;
  });
  p.on('closetag', () => {
    stack.pop();
  });
  p.on('error', (e) => {
    throw e;
  });
  p.write(xml).close();
  return root!;
}

export function* walk(el: El): Generator<El> {
  yield el;
  for (const c of el.children) yield* walk(c);
}
export const find = (el: El, local: string): El[] => [...walk(el)].filter((e) => e.local === local);

/** xmllint --schema: '' when the document validates, else xmllint's messages. */
export function xmllint(xml: string, schema: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-xsd-'));
  try {
    const file = join(dir, 'doc.xml');
    writeFileSync(file, xml);
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', schema, file], { stdio: 'pipe', timeout: 60_000 });
    return '';
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return err.stderr?.toString() || err.message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Validate structure-specific data against the schema generated from our DSD: the generated schema (with the
 * SDMX schemas located in XSD_DIR) and SDMXMessage.xsd, imported by a wrapper schema.
 */
export function xmllintStructureSpecific(xml: string, generatedXsd: string, namespace: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-ss-'));
  try {
    writeFileSync(join(dir, 'dsd.xsd'), generatedXsd);
    writeFileSync(
      join(dir, 'wrap.xsd'),
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:ictstat:test">` +
        `<xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" schemaLocation="${join(XSD_DIR, 'SDMXMessage.xsd')}"/>` +
        `<xs:import namespace="${namespace}" schemaLocation="${join(dir, 'dsd.xsd')}"/></xs:schema>`,
    );
    return xmllint(xml, join(dir, 'wrap.xsd'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SourceObs {
  economy: string;
  year: number;
  value: number;
  source: string;
  note: string;
}

/** One series of an ITU DataHub export in ../shared/data/itu-datahub (the bundled data's source). */
export function datahub(file: string, seriesCode: string, economies: string[]): SourceObs[] {
  const { rows } = parseCsvObjects(readFileSync(join(sharedDataDir(), 'itu-datahub', file), 'utf8'));
  return rows
    .filter((r) => r.get('seriesCode') === seriesCode && economies.includes(r.get('entityIso')))
    .map((r) => ({
      economy: r.get('entityIso'),
      year: Number(r.get('dataYear')),
      value: Number(r.get('dataValue')),
      source: r.get('dataSource'),
      note: r.get('dataNote'),
    }))
    .sort((a, b) => a.economy.localeCompare(b.economy) || a.year - b.year);
}
