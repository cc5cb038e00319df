import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { FIXTURES, SHARED, findings, ingest, rows, ruleCounts, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('canonical long CSV', () => {
  it('reads economy, indicator, year, value; resolves aliases (i99H) to indicator ids', async () => {
    const r = await ingest(join(FIXTURES, 'canonical.csv'));
    expect(r.format).toBe('canonical');
    expect(r.encoding).toBe('utf-8');
    expect(r.status).toBe('accepted');
    expect(r.log.counts.size).toBe(0);
    expect(rows(r.table)).toEqual([
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2019, value: 22.6688, note: null, source: null, line: 2 },
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2024, value: 34.9762, note: null, source: null, line: 3 },
      { economy: 'GHA', indicator: 'internet_users_pct', year: 2021, value: 68, note: null, source: null, line: 4 },
    ]);
    expect(r.table.getChild('series_code')!.get(0)).toBeNull();
    expect(r.table.getChild('submission_id')!.get(0)).toBe(r.submissionId);
    expect(r.submissionId).toMatch(/^canonical\.csv@[0-9a-f]{12}$/);
    expect([r.observationsRead, r.accepted, r.rejected, r.skipped]).toEqual([3, 3, 0, 0]);
    expect(r.economies).toBe(2);
    expect(r.indicators).toEqual(['internet_users_pct']);
    expect(r.years).toEqual([2019, 2024]);
  });

  it('keeps note and source columns, a quoted note with a comma intact; empty note is null', async () => {
    const r = await ingest(join(FIXTURES, 'canonical-note-source.csv'));
    expect(r.status).toBe('accepted');
    expect(rows(r.table)).toEqual([
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2019, value: 22.6688, note: 'Survey, 2019 census', source: 'KNBS', line: 2 },
      { economy: 'GHA', indicator: 'mobile_bb_subs', year: 2021, value: 25_000_000, note: null, source: 'GSS', line: 3 },
    ]);
  });

  it('accepts economies given as ISO2 and M49 codes and header names in any case/spacing', async () => {
    const f = tmp.file('codes.csv', 'Economy,INDICATOR, Year ,Value\nke,internet_users_pct,2019,1\n404,internet_users_pct,2020,2\n');
    const r = await ingest(f);
    expect(r.status).toBe('accepted');
    expect(rows(r.table, ['economy', 'year'])).toEqual([
      { economy: 'KEN', year: 2019 },
      { economy: 'KEN', year: 2020 },
    ]);
  });
});

describe('many short rows (more rows than file size / 40)', () => {
  it('keeps every row: years and values of row 3000 are right', async () => {
    const econs = [
      'KEN',
      'GHA',
      'TZA',
      'UGA',
      'NGA',
      'ZAF',
      'EGY',
      'MAR',
      'FRA',
      'DEU',
      'USA',
      'CHN',
      'IND',
      'BRA',
      'MEX',
      'CAN',
      'AUS',
      'JPN',
      'KOR',
      'ITA',
      'ESP',
      'GBR',
      'RUS',
      'TUR',
      'IRN',
      'PAK',
      'BGD',
      'IDN',
      'PHL',
      'VNM',
      'THA',
      'ETH',
      'COD',
      'DZA',
      'SDN',
      'AGO',
      'MOZ',
      'MDG',
      'CMR',
      'PER',
      'CHL',
      'ARG',
      'COL',
      'VEN',
      'ECU',
      'BOL',
    ];
    const lines: string[] = [];
    for (const e of econs) for (let y = 1960; y <= 2025; y++) lines.push(`${e},i99H,${y},${(y - 1950) / 2}\n`);
    const r = await ingest(tmp.file('short-rows.csv', 'economy,indicator,year,value\n' + lines.join('')));
    expect(r.status).toBe('accepted');
    expect(r.log.counts.size).toBe(0);
    expect(r.table.numRows).toBe(lines.length);
    const years = r.table.getChild('year')!.toArray() as Int16Array,
      values = r.table.getChild('value')!.toArray() as Float64Array;
    for (let i = 0; i < lines.length; i++) {
      const [, , y, v] = lines[i].trim().split(',');
      if (years[i] !== Number(y) || values[i] !== Number(v))
        expect({ row: i, year: years[i], value: values[i] }).toEqual({ row: i, year: Number(y), value: Number(v) });
    }
    expect(r.table.getChild('economy')!.get(lines.length - 1)).toBe('BOL');
  });
});

describe('ITU DataHub export', () => {
  it('reads the BOM-prefixed, quoted export; seriesCode i271mw -> mobile_bb_subs; 6.9501e+007 is 69 501 000', async () => {
    const r = await ingest(join(FIXTURES, 'itu-datahub-mobile-bb.csv'));
    expect(r.format).toBe('itu-datahub');
    expect(r.status).toBe('accepted');
    expect(r.log.errors).toBe(0);
    const t = rows(r.table, ['economy', 'indicator', 'year', 'value', 'note', 'source', 'line']);
    expect(t).toEqual([
      { economy: 'ABW', indicator: 'mobile_bb_subs', year: 2010, value: 0, note: null, source: 'ITU estimate.', line: 2 },
      { economy: 'ABW', indicator: 'mobile_bb_subs', year: 2012, value: 21000, note: null, source: 'ITU estimate based on GSMA', line: 3 },
      {
        economy: 'FRA',
        indicator: 'mobile_bb_subs',
        year: 2022,
        value: 69_501_000,
        note: 'Correction',
        source: 'Autorité de Régulation des Communications électroniques, des postes et de la distribution de la presse',
        line: 4,
      },
    ]);
    expect(r.table.getChild('series_code')!.get(2)).toBe('i271mw');
  });

  it('names the missing DataHub column', async () => {
    const f = tmp.file('dh-missing.csv', '"seriesCode","entityIso","dataYear"\n"i99H","KEN",2019\n');
    const r = await ingest(f);
    expect(r.status).toBe('rejected');
    expect(findings(r, 'missing-column')[0]).toMatchObject({ severity: 'error', line: 1, column: 'dataValue' });
  });
});

describe('World Bank long CSV', () => {
  it('takes the indicator from the file name (it.cel.sets.p2.csv) and skips aggregates WLD/HIC as warnings', async () => {
    const r = await ingest(join(FIXTURES, 'it.cel.sets.p2.csv'));
    expect(r.format).toBe('wb-long');
    expect(r.status).toBe('accepted');
    expect(rows(r.table, ['economy', 'indicator', 'year', 'value', 'line'])).toEqual([
      { economy: 'KEN', indicator: 'mobile_cell_p100', year: 2019, value: 106.547822056778, line: 4 },
      { economy: 'KEN', indicator: 'mobile_cell_p100', year: 2020, value: 117.602526394779, line: 5 },
    ]);
    const agg = findings(r, 'aggregate');
    expect(agg.map((f) => [f.severity, f.line, f.value, f.column])).toEqual([
      ['warning', 2, 'HIC', 'Country Code'],
      ['warning', 3, 'HIC', 'Country Code'],
      ['warning', 6, 'WLD', 'Country Code'],
      ['warning', 7, 'WLD', 'Country Code'],
    ]);
    expect(r.log.errors).toBe(0);
    expect(r.skipped).toBe(4);
  });

  it('takes the indicator from the `indicator` option whatever the file name', async () => {
    const f = tmp.file('download (3).csv', 'Country Name,Country Code,Year,Value\nKenya,KEN,2020,29.5\n');
    const r = await ingest(f, { indicator: 'IT.NET.USER.ZS' });
    expect(r.status).toBe('accepted');
    expect(rows(r.table, ['economy', 'indicator', 'year', 'value'])).toEqual([{ economy: 'KEN', indicator: 'internet_users_pct', year: 2020, value: 29.5 }]);
    const noOpt = await ingest(f);
    expect(noOpt.status).toBe('rejected');
    expect(findings(noOpt, 'unknown-indicator')[0]).toMatchObject({ line: 2, value: 'download (3)' });
  });
});

describe('wide CSV', () => {
  it('reads World Bank Databank headers "2019 [YR2019]", ".." is no observation, indicator from Series Code', async () => {
    const r = await ingest(join(FIXTURES, 'wide-databank.csv'));
    expect(r.format).toBe('wide');
    expect(r.status).toBe('accepted');
    expect(r.log.counts.size).toBe(0);
    expect(rows(r.table, ['economy', 'indicator', 'year', 'value', 'line'])).toEqual([
      { economy: 'KEN', indicator: 'mobile_cell_p100', year: 2019, value: 106.5, line: 2 },
      { economy: 'KEN', indicator: 'mobile_cell_p100', year: 2020, value: 117.6, line: 2 },
      { economy: 'GHA', indicator: 'mobile_cell_p100', year: 2020, value: 130.2, line: 3 },
      { economy: 'GHA', indicator: 'mobile_cell_p100', year: 2021, value: 127.5, line: 3 },
    ]);
    expect(r.observationsRead).toBe(4);
  });

  it('plain year headers, empty cells, indicator from the option; a bad cell names its year column', async () => {
    const f = tmp.file('wide.csv', 'iso3,2018,2019,2020\nKEN,10,,12\nGHA,20,2x,22\n');
    const r = await ingest(f, { indicator: 'internet_users_pct', acceptValid: true, rejectsFile: join(tmp.dir, 'wide.rejects.csv') });
    expect(r.format).toBe('wide');
    expect(rows(r.table, ['economy', 'year', 'value'])).toEqual([
      { economy: 'KEN', year: 2018, value: 10 },
      { economy: 'KEN', year: 2020, value: 12 },
      { economy: 'GHA', year: 2018, value: 20 },
      { economy: 'GHA', year: 2020, value: 22 },
    ]);
    expect(findings(r, 'not-a-number')[0]).toMatchObject({ line: 3, column: '2019', value: '2x' });
  });
});

describe('JSON', () => {
  const recs = [
    { economy: 'KEN', indicator: 'i99H', year: 2019, value: 22.6688, note: 'a "quoted", note' },
    { economy: 'GHA', indicator: 'internet_users_pct', year: '2020', value: '58' },
  ];

  it('reads an array of records', async () => {
    const r = await ingest(tmp.file('a.json', JSON.stringify(recs)));
    expect(r.format).toBe('json');
    expect(r.status).toBe('accepted');
    expect(rows(r.table, ['economy', 'indicator', 'year', 'value', 'note'])).toEqual([
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2019, value: 22.6688, note: 'a "quoted", note' },
      { economy: 'GHA', indicator: 'internet_users_pct', year: 2020, value: 58, note: null },
    ]);
  });

  it('reads {"observations": [...]} pretty-printed, with the line of each record right', async () => {
    const text = JSON.stringify(
      { meta: { by: ['x', { y: 1 }] }, observations: [...recs, { economy: 'KEM', indicator: 'i99H', year: 2019, value: 1 }] },
      null,
      2,
    );
    const r = await ingest(tmp.file('b.json', text), { acceptValid: true }); // KEM is an error: keep the valid rows
    expect(r.format).toBe('json');
    const lines = text.split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1; // line of the record's first field
    expect(rows(r.table, ['economy', 'line'])).toEqual([
      { economy: 'KEN', line: lineOf('"economy": "KEN"') - 1 },
      { economy: 'GHA', line: lineOf('"economy": "GHA"') - 1 },
    ]);
    expect(findings(r, 'unknown-economy')[0]).toMatchObject({ line: lineOf('"economy": "KEM"') - 1, value: 'KEM' });
  });
});

describe('Arrow IPC', () => {
  const t = tableFromArrays({
    economy: ['KEN', 'GHA'],
    indicator: ['i99H', 'mobile_bb_subs'],
    year: Int16Array.from([2019, 2021]),
    value: Float64Array.from([22.6688, 6.9501e7]),
    note: ['ünïcode, "note"', null],
  });
  for (const kind of ['file', 'stream'] as const) {
    it(`reads the ${kind} format (row number as line)`, async () => {
      const r = await ingest(tmp.file(`t.${kind}.arrow`, tableToIPC(t, kind)));
      expect(r.format).toBe(`arrow-${kind}`);
      expect(r.status).toBe('accepted');
      expect(rows(r.table, ['economy', 'indicator', 'year', 'value', 'note', 'line'])).toEqual([
        { economy: 'KEN', indicator: 'internet_users_pct', year: 2019, value: 22.6688, note: 'ünïcode, "note"', line: 1 },
        { economy: 'GHA', indicator: 'mobile_bb_subs', year: 2021, value: 69_501_000, note: null, line: 2 },
      ]);
    });
  }
});

describe('text details: BOM, CRLF, quoted fields, Latin-1', () => {
  it('BOM + CRLF line endings', async () => {
    const r = await ingest(tmp.file('crlf.csv', '\ufeffeconomy,indicator,year,value\r\nKEN,i99H,2019,1.5\r\nGHA,i99H,2019,2.5\r\n'));
    expect(r.status).toBe('accepted');
    expect(rows(r.table, ['economy', 'value', 'line'])).toEqual([
      { economy: 'KEN', value: 1.5, line: 2 },
      { economy: 'GHA', value: 2.5, line: 3 },
    ]);
  });

  it("quoted fields with commas and newlines keep later rows' line numbers right", async () => {
    const text =
      'economy,indicator,year,value,note\n' +
      'KEN,i99H,2019,1,"line one\nline two, with comma\nline three"\n' + // lines 2-4
      'GHA,i99H,2019,2,"he said ""hi"""\n' + // line 5
      'XXQ,i99H,2019,3,\n'; // line 6
    const r = await ingest(tmp.file('multiline.csv', text), { acceptValid: true });
    expect(rows(r.table, ['economy', 'note', 'line'])).toEqual([
      { economy: 'KEN', note: 'line one\nline two, with comma\nline three', line: 2 },
      { economy: 'GHA', note: 'he said "hi"', line: 5 },
    ]);
    expect(findings(r, 'unknown-economy')[0]).toMatchObject({ line: 6, value: 'XXQ' });
  });

  it('CRLF with a quoted multi-line field: line numbers and note text', async () => {
    const text = 'economy,indicator,year,value,note\r\nKEN,i99H,2019,1,"a\r\nb"\r\nZZZ,i99H,2019,2,\r\n';
    const r = await ingest(tmp.file('multiline-crlf.csv', text), { acceptValid: true });
    expect(rows(r.table, ['economy', 'note', 'line'])).toEqual([{ economy: 'KEN', note: 'a\r\nb', line: 2 }]);
    expect(findings(r, 'unknown-economy')[0].line).toBe(4);
  });

  it('Latin-1: detected, said as an encoding warning, decoded right', async () => {
    const text = "economy,indicator,year,value,note\nCIV,i99H,2019,36.5,Côte d'Ivoire — estimation ITU\n";
    const r = await ingest(tmp.file('latin1.csv', Buffer.from(text.replace('—', '-'), 'latin1')));
    expect(r.encoding).toBe('latin1');
    expect(r.status).toBe('accepted');
    const enc = findings(r, 'encoding');
    expect(enc).toHaveLength(1);
    expect(enc[0].severity).toBe('warning');
    expect(enc[0].message).toMatch(/Latin-1/);
    expect(rows(r.table, ['economy', 'note'])).toEqual([{ economy: 'CIV', note: "Côte d'Ivoire - estimation ITU" }]);
  });

  it('UTF-8 with accents is UTF-8 (no encoding finding)', async () => {
    const r = await ingest(tmp.file('utf8.csv', "economy,indicator,year,value,note\nCIV,i99H,2019,36.5,Côte d'Ivoire\n"));
    expect(r.encoding).toBe('utf-8');
    expect(ruleCounts(r)).toEqual({});
    expect(rows(r.table, ['note'])).toEqual([{ note: "Côte d'Ivoire" }]);
  });
});

const real = join(SHARED, 'itu-datahub', 'individuals_using_internet.csv');
describe.skipIf(!existsSync(real))('real ITU DataHub file: individuals_using_internet.csv', () => {
  it('is accepted; GBJ recoded to JEY, ASC skipped as findings; Kenya 2019+ present', async () => {
    const r = await ingest(real);
    expect(r.format).toBe('itu-datahub');
    expect(r.status).toBe('accepted');
    expect(r.log.errors).toBe(0);
    const nonIso = findings(r, 'non-iso-entity');
    const gbj = nonIso.filter((f) => f.value === 'GBJ');
    expect(gbj.length).toBeGreaterThan(0);
    expect(gbj[0]).toMatchObject({ severity: 'warning', column: 'entityIso' });
    expect(gbj[0].message).toMatch(/recoded to JEY/);
    const asc = nonIso.filter((f) => f.value === 'ASC');
    expect(asc.length).toBeGreaterThan(0);
    expect(asc[0].message).toMatch(/skipped/);
    const t = rows(r.table, ['economy', 'indicator', 'year', 'value', 'line']);
    expect(t.filter((x) => x.economy === 'JEY').length).toBe(10);
    expect(t.some((x) => x.economy === 'ASC' || x.economy === 'GBJ')).toBe(false);
    const ken = t.filter((x) => x.economy === 'KEN' && (x.year as number) >= 2019);
    expect(ken).toContainEqual({ economy: 'KEN', indicator: 'internet_users_pct', year: 2019, value: 22.6688, line: 2226 });
    expect(ken).toContainEqual({ economy: 'KEN', indicator: 'internet_users_pct', year: 2024, value: 34.9762, line: 2227 });
    expect(r.indicators).toEqual(['internet_users_pct']);
  });
});
