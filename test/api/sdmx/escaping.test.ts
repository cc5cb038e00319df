/**
 * XML escaping and the parsers of SDMX requests, under generated input (fast-check), and hostile text in the
 * store served as SDMX-ML, SDMX-CSV and SDMX-JSON.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataQuery, SdmxError } from '../../../src/api/sdmx/data.js';
import { sdmxStructure } from '../../../src/api/sdmx/structure.js';
import { esc } from '../../../src/api/sdmx/xml.js';
import { ObservationBuilder } from '../../../src/table/observations.js';
import { startServer, type TestServer } from '../helpers.js';
import { find, parseXml, XSD_DIR, xmllint } from './helpers.js';
import { join } from 'node:path';

/** What XML 1.0 can hold of a string: every character outside its Char production becomes U+FFFD. */
const xmlChars = (s: string): string =>
  Array.from(s, (c) => {
    const cp = c.codePointAt(0)!;
    const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
    return ok ? c : '\uFFFD';
  }).join('');

describe('esc', () => {
  it('any string survives as an attribute value and as text: an XML parser reads back the string (unrepresentable characters as U+FFFD)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const doc = parseXml(`<a v="${esc(s)}">${esc(s)}</a>`);
        expect(doc.attrs.v).toBe(xmlChars(s));
        expect(doc.text).toBe(xmlChars(s));
      }),
      { numRuns: 500, examples: [['\uD800'], ['a\uDC00b'], ['\uD83D\uDE00 ok'], ['\u0000\uFFFF\uFFFE'], ['&amp; <![CDATA[x]]>']] },
    );
  });
});

describe('data query parameters', () => {
  const s = sdmxStructure();
  const keyPart = fc.oneof(fc.constantFrom('', 'A', 'KEN', 'KEN+UGA', 'i99H', 'x+', '+', 'all', 'KEN.UGA'), fc.string({ maxLength: 12 }));
  it('any key and parameters: a result or an SdmxError (404/400/501), nothing else', () => {
    fc.assert(
      fc.property(
        fc.array(keyPart, { maxLength: 5 }),
        fc.dictionary(
          fc.constantFrom('startPeriod', 'endPeriod', 'lastNObservations', 'firstNObservations', 'detail', 'dimensionAtObservation', 'includeHistory', 'other'),
          fc.oneof(fc.constantFrom('2020', '2020-Q1', '2019-06-30', '0', '5', 'full', 'AllDimensions', 'true', 'false'), fc.string({ maxLength: 10 })),
        ),
        (parts, q) => {
          try {
            const dq = parseDataQuery(s, parts.join('.'), q);
            expect(dq.from <= dq.to).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(SdmxError);
            expect([400, 404, 501]).toContain((e as SdmxError).status);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('hostile text in the store', () => {
  let srv: TestServer;
  const note = 'a <b>&"\'</b> ]]> \u0001\u0008 tab\there \uFFFE end';
  const source = '=HYPERLINK("http://x")';
  beforeAll(async () => {
    srv = await startServer((store) => {
      const b = new ObservationBuilder();
      b.append({ economy: 'KEN', indicator: 'internet_users_pct', year: 2021, value: 29.5, note, source });
      // An ITU estimate marked in the note (as the Core Household workbooks' italics are), not the source.
      b.append({ economy: 'UGA', indicator: 'internet_users_pct', year: 2021, value: 10.1, note: 'ITU estimate', source: 'UCC' });
      store.recordSubmission({
        economy: 'KEN',
        submittedBy: 'test',
        sha256: 'h',
        vintage: 'v<1>&"',
        findings: null,
        table: b.toTable(),
        receivedAt: new Date('2024-01-15T00:00:00Z'),
      });
    });
  });
  afterAll(() => srv.close());

  it('SDMX-ML stays well-formed and valid and reads back the text; SDMX-CSV neutralises formulas; SDMX-JSON keeps it', async () => {
    // What the store holds, as the World Bank JSON endpoint answers it.
    const [, [wb]] = await (await fetch(`${srv.base}/v2/country/KEN/indicator/internet_users_pct?format=json`)).json();
    expect(wb.note).toContain('<b>&');
    const xml = await (await fetch(`${srv.base}/sdmx/rest/data/ICT_INDICATORS/A.KEN.internet_users_pct`)).text();
    expect(xmllint(xml, join(XSD_DIR, 'SDMXMessage.xsd'))).toBe('');
    const values = Object.fromEntries(find(parseXml(xml), 'Value').map((v) => [v.attrs.id, v.attrs.value]));
    expect(values.COMMENT_OBS).toBe(xmlChars(wb.note));
    expect(values.DATA_SOURCE).toBe(source);
    expect(values.VINTAGE).toBe('v<1>&"');

    const uga = Object.fromEntries(
      find(parseXml(await (await fetch(`${srv.base}/sdmx/rest/data/ICT_INDICATORS/A.UGA.internet_users_pct`)).text()), 'Value').map((v) => [
        v.attrs.id,
        v.attrs.value,
      ]),
    );
    expect([uga.OBS_STATUS, uga.ESTIMATE, values.OBS_STATUS, values.ESTIMATE]).toEqual(['E', 'ITU', 'A', undefined]);

    const csv = await (await fetch(`${srv.base}/sdmx/rest/data/ICT_INDICATORS/A.KEN.internet_users_pct?format=csv`)).text();
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);

    const json = await (await fetch(`${srv.base}/sdmx/rest/data/ICT_INDICATORS/A.KEN.internet_users_pct?format=jsondata`)).json();
    const attrs = json.data.structures[0].attributes.observation as Array<{ id: string; values: Array<{ value: string }> }>;
    expect(attrs.find((a) => a.id === 'COMMENT_OBS')!.values[0].value).toBe(wb.note);
  });
});
