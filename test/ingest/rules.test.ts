import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { RULES, type Rule } from '../../src/ingest/findings.js';
import { observationsToParquet } from '../../src/table/parquet.js';
import { parseCsv } from '../../src/util/csv-parse.js';
import { ROOT, findings, ingest, rows, ruleCounts, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const HEAD = 'economy,indicator,year,value\n';
let seq = 0;
/** A canonical CSV in the temp dir from data lines (the header is line 1). */
const csv = (body: string, head = HEAD): string => tmp.file(`r${++seq}.csv`, head + body);

const covered = new Set<Rule>();
/** Exactly one example of `rule` (or the first), with these fields. */
function expectFinding(r: Awaited<ReturnType<typeof ingest>>, rule: Rule, want: Record<string, unknown>) {
  covered.add(rule);
  const fs = findings(r, rule);
  expect(fs.length, `findings of ${rule}: ${JSON.stringify(r.log.sorted())}`).toBeGreaterThan(0);
  expect(fs[0]).toMatchObject(want);
  expect(fs[0].file).toBe(r.file);
  return fs[0];
}

describe('row rules', () => {
  it('unknown-economy: error with "did you mean" (KEM -> KEN)', async () => {
    const r = await ingest(csv('KEN,i99H,2019,20\nKEM,i99H,2019,21\n'));
    const f = expectFinding(r, 'unknown-economy', { severity: 'error', line: 3, column: 'economy', value: 'KEM' });
    expect(f.message).toMatch(/did you mean .*KEN/);
    expect(r.status).toBe('rejected');
  });

  it('unknown-indicator: error with a suggestion', async () => {
    const r = await ingest(csv('KEN,internet_user_pct,2019,20\n'));
    const f = expectFinding(r, 'unknown-indicator', { severity: 'error', line: 2, column: 'indicator', value: 'internet_user_pct' });
    expect(f.message).toMatch(/did you mean "internet_users_pct"/);
  });

  it('non-iso-entity: GBJ recoded to JEY (kept), ASC skipped, both warnings', async () => {
    const r = await ingest(csv('GBJ,i99H,2019,80\nASC,i99H,2019,40\n'));
    expect(r.status).toBe('accepted');
    const [gbj, asc] = findings(r, 'non-iso-entity');
    covered.add('non-iso-entity');
    expect(gbj).toMatchObject({ severity: 'warning', line: 2, column: 'economy', value: 'GBJ' });
    expect(gbj.message).toMatch(/recoded to JEY/);
    expect(asc).toMatchObject({ severity: 'warning', line: 3, column: 'economy', value: 'ASC' });
    expect(asc.message).toMatch(/skipped/);
    expect(rows(r.table, ['economy', 'value'])).toEqual([{ economy: 'JEY', value: 80 }]);
  });

  it('aggregate: WLD is a warning and the row is skipped', async () => {
    const r = await ingest(csv('WLD,i99H,2019,60\nKEN,i99H,2019,20\n'));
    expectFinding(r, 'aggregate', { severity: 'warning', line: 2, column: 'economy', value: 'WLD' });
    expect(r.status).toBe('accepted');
    expect(r.skipped).toBe(1);
    expect(rows(r.table, ['economy'])).toEqual([{ economy: 'KEN' }]);
  });

  it('not-a-number: text, thousands separators and decimal commas, each with its hint', async () => {
    const r = await ingest(csv('KEN,mobile_bb_subs,2019,n/a\nKEN,mobile_bb_subs,2020,"1,234,567.5"\nKEN,mobile_bb_subs,2021,"12,5"\n'), {
      acceptValid: true,
      rejectsFile: join(tmp.dir, 'nan.rejects.csv'),
    });
    const fs = findings(r, 'not-a-number');
    covered.add('not-a-number');
    expect(fs.map((f) => [f.severity, f.line, f.column, f.value])).toEqual([
      ['error', 2, 'value', 'n/a'],
      ['error', 3, 'value', '1,234,567.5'],
      ['error', 4, 'value', '12,5'],
    ]);
    expect(fs[0].message).not.toMatch(/thousands|decimal/);
    expect(fs[1].message).toMatch(/thousands separators are not allowed/);
    expect(fs[2].message).toMatch(/decimal point/);
  });

  it('out-of-range: a percentage above 100 and a negative count', async () => {
    const r = await ingest(csv('KEN,internet_users_pct,2019,100.5\nKEN,mobile_bb_subs,2019,-1\nKEN,internet_users_pct,2020,100\n'), {
      acceptValid: true,
      rejectsFile: join(tmp.dir, 'oor.rejects.csv'),
    });
    covered.add('out-of-range');
    expect(findings(r, 'out-of-range').map((f) => [f.severity, f.line, f.column, f.value])).toEqual([
      ['error', 2, 'value', '100.5'],
      ['error', 3, 'value', '-1'],
    ]);
    expect(findings(r, 'out-of-range')[0].message).toMatch(/0\.\.100/);
    expect(rows(r.table, ['year', 'value'])).toEqual([{ year: 2020, value: 100 }]); // the bound itself is valid
  });

  it('unit-hint: a per-100 value above 1000 looks like a count (error naming the count indicator)', async () => {
    const r = await ingest(csv('KEN,mobile_cell_p100,2019,1000\nKEN,mobile_cell_p100,2020,54000000\n'), {
      acceptValid: true,
      rejectsFile: join(tmp.dir, 'uh.rejects.csv'),
    });
    const f = expectFinding(r, 'unit-hint', { severity: 'error', line: 3, column: 'value', value: '54000000' });
    expect(f.message).toMatch(/looks like a count.*mobile_cell_subs/);
    expect(findings(r, 'out-of-range')).toEqual([]);
    expect(rows(r.table, ['value'])).toEqual([{ value: 1000 }]);
  });

  it('unit-hint: every value of a percent indicator within 0..1 is a warning (fractions, not percentages)', async () => {
    const r = await ingest(csv('KEN,i99H,2019,0.21\nKEN,i99H,2020,0.29\nGHA,i99H,2020,0.58\n'));
    const f = expectFinding(r, 'unit-hint', { severity: 'warning', line: 2, column: 'value', value: '0.58' });
    expect(f.message).toMatch(/fractions/);
    expect(r.status).toBe('accepted');
    // two values, or one above 1, are no evidence
    expect(findings(await ingest(csv('KEN,i99H,2019,0.21\nKEN,i99H,2020,0.29\n')), 'unit-hint')).toEqual([]);
    expect(findings(await ingest(csv('KEN,i99H,2019,0.21\nKEN,i99H,2020,0.29\nGHA,i99H,2020,1.5\n')), 'unit-hint')).toEqual([]);
  });

  it('bad-year: not a whole number', async () => {
    const r = await ingest(csv('KEN,i99H,2019.5,20\nKEN,i99H,FY2019,20\nKEN,i99H,2018.0,20\n'), {
      acceptValid: true,
      rejectsFile: join(tmp.dir, 'by.rejects.csv'),
    });
    covered.add('bad-year');
    expect(findings(r, 'bad-year').map((f) => [f.severity, f.line, f.column, f.value])).toEqual([
      ['error', 2, 'year', '2019.5'],
      ['error', 3, 'year', 'FY2019'],
    ]);
    expect(rows(r.table, ['year'])).toEqual([{ year: 2018 }]);
  });

  it('year-out-of-range: 1960..now+1 (now = 2025-06-30)', async () => {
    const r = await ingest(csv('KEN,i99H,1959,20\nKEN,i99H,2027,20\nKEN,i99H,1960,20\nKEN,i99H,2026,20\n'), {
      acceptValid: true,
      rejectsFile: join(tmp.dir, 'yr.rejects.csv'),
    });
    covered.add('year-out-of-range');
    expect(findings(r, 'year-out-of-range').map((f) => [f.severity, f.line, f.column, f.value])).toEqual([
      ['error', 2, 'year', '1959'],
      ['error', 3, 'year', '2027'],
    ]);
    expect(findings(r, 'year-out-of-range')[0].message).toMatch(/1960\.\.2026/);
    expect(rows(r.table, ['year'])).toEqual([{ year: 1960 }, { year: 2026 }]);
    // a later clock moves the limit
    const later = await ingest(csv('KEN,i99H,2027,20\n'), { now: new Date('2026-01-01T00:00:00Z') });
    expect(later.status).toBe('accepted');
  });

  it('missing-value: an empty value is a warning and the row is skipped', async () => {
    const r = await ingest(csv('KEN,i99H,2019,\nKEN,i99H,2020,25\n'));
    expectFinding(r, 'missing-value', { severity: 'warning', line: 2, column: 'value', value: '' });
    expect(r.status).toBe('accepted');
    expect([r.accepted, r.skipped]).toEqual([1, 1]);
  });

  it('zero-price: a price of exactly 0 (US$, PPP$ or % GNI) is a located warning and the row is dropped; 0 elsewhere is data', async () => {
    // The DataHub 2022 export gives the Central African Republic 0 for the fixed-broadband basket in all three units.
    const r = await ingest(csv('CAF,i154_FBB5$,2022,0\nCAF,i154_FBB5_PPP,2022,0.0\nCAF,i154_FBB5_GNI,2022,0\nCAF,i154_FBB5_GNI,2021,18.3\nCAF,i99H,2022,0\n'));
    const f = expectFinding(r, 'zero-price', { severity: 'warning', line: 2, column: 'value', value: '0' });
    expect(f.message).toMatch(/price_fixed_broadband_5gb_usd .*placeholder/);
    expect(findings(r, 'zero-price').map((x) => [x.line, x.value])).toEqual([
      [2, '0'],
      [3, '0.0'],
      [4, '0'],
    ]);
    expect(r.status).toBe('accepted');
    expect([r.accepted, r.skipped]).toEqual([2, 3]);
    expect(rows(r.table, ['indicator', 'year', 'value'])).toEqual([
      { indicator: 'price_fixed_broadband_5gb_gni_pct', year: 2021, value: 18.3 },
      { indicator: 'internet_users_pct', year: 2022, value: 0 },
    ]);
  });
});

describe('table rules', () => {
  it('duplicate: same key and value is a warning, kept once', async () => {
    const r = await ingest(csv('KEN,i99H,2019,20\nGHA,i99H,2019,30\nKEN,internet_users_pct,2019,20\n'));
    const f = expectFinding(r, 'duplicate', { severity: 'warning', line: 4, column: 'value', value: '20' });
    expect(f.message).toMatch(/repeats line 2/);
    expect(r.status).toBe('accepted');
    expect(rows(r.table, ['economy', 'line'])).toEqual([
      { economy: 'KEN', line: 2 },
      { economy: 'GHA', line: 3 },
    ]);
  });

  it('duplicate-conflict: same key, other value is an error naming both lines; both rows rejected', async () => {
    const r = await ingest(csv('KEN,i99H,2019,20\nGHA,i99H,2019,30\nKEN,i99H,2019,21\n'));
    const f = expectFinding(r, 'duplicate-conflict', { severity: 'error', line: 4, column: 'value', value: '21' });
    expect(f.message).toMatch(/line 2/);
    expect(f.message).toMatch(/value 20/);
    expect(r.status).toBe('rejected');
    const lenient = await ingest(csv('KEN,i99H,2019,20\nGHA,i99H,2019,30\nKEN,i99H,2019,21\n'), {
      acceptValid: true,
      rejectsFile: join(tmp.dir, 'dc.rejects.csv'),
    });
    expect(rows(lenient.table, ['economy'])).toEqual([{ economy: 'GHA' }]);
    const rej = parseCsv(readFileSync(join(tmp.dir, 'dc.rejects.csv'), 'utf8')).map((x) => x.fields);
    expect(rej.slice(1).map((x) => [x[0], x[1], x[3], x[5], x[6]])).toEqual([
      ['2', 'duplicate-conflict', 'KEN', '2019', '20'],
      ['4', 'duplicate-conflict', 'KEN', '2019', '21'],
    ]);
    expect(rej[1][2]).toMatch(/line 4/);
  });

  it('year-jump: a warning beyond the jump factor (default 10); the option changes it; 0 disables', async () => {
    const body = 'KEN,mobile_bb_subs,2018,1000\nKEN,mobile_bb_subs,2019,20000\nKEN,mobile_bb_subs,2020,25000\n';
    const r = await ingest(csv(body));
    const f = expectFinding(r, 'year-jump', { severity: 'warning', line: 3, column: 'value', value: '20000' });
    expect(f.message).toMatch(/x20\.0/);
    expect(findings(r, 'year-jump')).toHaveLength(1);
    expect(r.status).toBe('accepted');
    expect(findings(await ingest(csv(body), { jumpFactor: 50 }), 'year-jump')).toEqual([]);
    expect(findings(await ingest(csv(body), { jumpFactor: 1.2 }), 'year-jump').map((x) => x.line)).toEqual([3, 4]);
    expect(findings(await ingest(csv(body), { jumpFactor: 0 }), 'year-jump')).toEqual([]);
    // the value column is named after the layout (World Bank long: "Value")
    const wb = await ingest(tmp.file('mobile_bb_subs.csv', 'Country Name,Country Code,Year,Value\nKenya,KEN,2018,1\nKenya,KEN,2019,100\n'));
    expect(findings(wb, 'year-jump')[0]).toMatchObject({ line: 3, column: 'Value' });
  });
});

describe('structural rules', () => {
  it('empty-file: zero bytes and white space only', async () => {
    const r = await ingest(tmp.file('empty.csv', ''));
    expectFinding(r, 'empty-file', { severity: 'error' });
    expect(r.status).toBe('rejected');
    const ws = await ingest(tmp.file('ws.csv', ' \n\r\n\t\n'));
    expect(findings(ws, 'empty-file')[0].message).toMatch(/white space/);
    // blank-looking text the sniffer counts as content (form feed, repeated BOM) was accepted with no rows
    for (const text of ['\f\n', '\ufeff\ufeff\n\n']) {
      const b = await ingest(tmp.file(`blank${++seq}.csv`, text));
      expect(b.status).toBe('rejected');
      expect(findings(b, 'empty-file')).toHaveLength(1);
    }
  });

  it('no-data-rows: header only, and rows that all get skipped', async () => {
    const r = await ingest(csv(''));
    expectFinding(r, 'no-data-rows', { severity: 'error' });
    expect(r.status).toBe('rejected');
    expect(r.format).toBe('canonical');
    const skipped = await ingest(csv('WLD,i99H,2019,60\n'), { acceptValid: true });
    expect(skipped.status).toBe('rejected');
    expect(findings(skipped, 'no-data-rows')[0].message).toMatch(/no row holds/);
  });

  it('binary-file: random bytes with NULs, and UTF-16 text', async () => {
    const bytes = new Uint8Array(4096);
    let s = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    bytes[100] = 0;
    const r = await ingest(tmp.file('noise.csv', bytes));
    expectFinding(r, 'binary-file', { severity: 'error' });
    expect(r.status).toBe('rejected');
    const u16 = await ingest(tmp.file('u16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEAD + 'KEN,i99H,2019,1\n', 'utf16le')])));
    expect(findings(u16, 'binary-file')[0].message).toMatch(/UTF-16/);
    expect(u16.status).toBe('rejected');
  });

  it('unknown-format: a header that matches no layout, quoted in the finding', async () => {
    const r = await ingest(csv('1,2,3\n', 'country,when,amount\n'));
    expectFinding(r, 'unknown-format', { severity: 'error', line: 1, value: 'country,when,amount' });
    expect(r.status).toBe('rejected');
    expect(r.format).toBe('unknown');
  });

  it('missing-column: canonical without value; JSON record without year', async () => {
    const r = await ingest(csv('KEN,i99H,2019\n', 'economy,indicator,year\n'));
    expectFinding(r, 'missing-column', { severity: 'error', line: 1, column: 'value' });
    const j = await ingest(
      tmp.file('mc.json', '[\n{"economy":"KEN","indicator":"i99H","year":2019,"value":1},\n{"economy":"KEN","indicator":"i99H","value":1}\n]'),
      { acceptValid: true },
    );
    expect(findings(j, 'missing-column')[0]).toMatchObject({ line: 3, column: 'year' });
    expect(j.status).toBe('rejected');
  });

  it('malformed-row: a row with another number of fields; strict reading stops there', async () => {
    const r = await ingest(csv('KEN,i99H,2019,20\nKEN,i99H,2020,21,extra\nGHA,i99H,2019,x\n'));
    expectFinding(r, 'malformed-row', { severity: 'error', line: 3, value: 'KEN,i99H,2020,21,extra' });
    expect(findings(r, 'malformed-row')[0].message).toMatch(/5 fields where the header has 4/);
    expect(findings(r, 'not-a-number')).toEqual([]); // not read
    expect(r.status).toBe('rejected');
    // an unclosed quote is a malformed row too, and still a finding, not an exception
    const q = await ingest(csv('KEN,i99H,2019,"20\nGHA,i99H,2019,30\n'));
    expect(findings(q, 'malformed-row')[0].message).toMatch(/quote/);
    expect(q.status).toBe('rejected');
  });

  it('line-too-long: stops at the first line beyond maxLineBytes, naming it', async () => {
    const r = await ingest(csv('KEN,i99H,2019,20\nKEN,i99H,2020,21,' + 'x'.repeat(500) + '\n'), { maxLineBytes: 200 });
    expectFinding(r, 'line-too-long', { severity: 'error', line: 3 });
    expect(r.status).toBe('rejected');
    // the limit applies to each line, not to the file
    expect((await ingest(csv('KEN,i99H,2019,20\n'.repeat(1) + 'GHA,i99H,2019,20\n'), { maxLineBytes: 40 })).status).toBe('accepted');
  });

  it('too-many-errors: strict reading stops after maxErrors errors', async () => {
    const body = Array.from({ length: 20 }, (_, k) => `XX${String.fromCharCode(65 + k)},i99H,2019,20\n`).join('');
    const r = await ingest(csv(body), { maxErrors: 5 });
    expectFinding(r, 'too-many-errors', { severity: 'error', line: 6 });
    expect(r.log.count('unknown-economy')).toBe(5);
    expect(r.status).toBe('rejected');
  });

  it('too-large: maxRows for CSV; maxWholeFileBytes for JSON, Arrow and Parquet', async () => {
    const r = await ingest(csv('KEN,i99H,2019,20\nKEN,i99H,2020,21\nKEN,i99H,2021,22\nKEN,i99H,2022,23\n'), { maxRows: 2 });
    expectFinding(r, 'too-large', { severity: 'error', line: 4 });
    expect(r.status).toBe('rejected');
    expect(r.table.numRows).toBe(0);
    const j = await ingest(tmp.file('big.json', JSON.stringify([{ economy: 'KEN', indicator: 'i99H', year: 2019, value: 1, note: 'x'.repeat(2000) }])), {
      maxWholeFileBytes: 1000,
    });
    expect(findings(j, 'too-large')[0].message).toMatch(/limit for JSON, Arrow and Parquet/);
    expect(j.status).toBe('rejected');
    const a = await ingest(
      tmp.file('big.arrow', tableToIPC(tableFromArrays({ economy: ['KEN'], indicator: ['i99H'], year: [2019], value: [1], note: ['x'.repeat(2000)] }), 'file')),
      { maxWholeFileBytes: 1000 },
    );
    expect(findings(a, 'too-large')).toHaveLength(1);
  });

  it('bad-json: a syntax error names its line and character', async () => {
    const r = await ingest(tmp.file('bad.json', '[\n  {"economy": "KEN", "indicator": "i99H",\n   "year": 2019 "value": 1}\n]\n'));
    const f = expectFinding(r, 'bad-json', { severity: 'error', line: 3, column: 'character 17' });
    expect(f.message).toMatch(/not valid JSON/);
    expect(r.status).toBe('rejected');
    const notList = await ingest(tmp.file('obj.json', '{"data": []}'));
    expect(findings(notList, 'bad-json')[0].message).toMatch(/list of records/);
    const notRecord = await ingest(
      tmp.file('nr.json', '[\n{"economy":"KEN","indicator":"i99H","year":2019,"value":1},\n42,\n{"economy":"KEM","indicator":"i99H","year":2019,"value":1}\n]'),
      { acceptValid: true },
    );
    expect(findings(notRecord, 'bad-json')[0]).toMatchObject({ line: 3 });
    expect(findings(notRecord, 'unknown-economy')[0]).toMatchObject({ line: 4 }); // a scalar element does not shift later lines
  });

  it('bad-arrow: a missing column, and garbage after the magic bytes', async () => {
    const r = await ingest(tmp.file('nocol.arrow', tableToIPC(tableFromArrays({ economy: ['KEN'], indicator: ['i99H'], year: [2019] }), 'file')));
    const f = expectFinding(r, 'bad-arrow', { severity: 'error', column: 'value' });
    expect(f.message).toMatch(/it has economy, indicator, year/);
    expect(r.status).toBe('rejected');
    const g = await ingest(tmp.file('garbage.arrow', Buffer.concat([Buffer.from('ARROW1\0\0'), Buffer.alloc(64, 7)])));
    expect(findings(g, 'bad-arrow')).toHaveLength(1);
    expect(g.status).toBe('rejected');
  });

  it('bad-parquet: a missing column, and garbage between the magic bytes', async () => {
    const r = await ingest(tmp.file('nocol.parquet', observationsToParquet(tableFromArrays({ economy: ['KEN'], indicator: ['i99H'], year: [2019] }))));
    const f = expectFinding(r, 'bad-parquet', { severity: 'error', column: 'value' });
    expect(f.message).toMatch(/it has economy, indicator, year/);
    expect(r.status).toBe('rejected');
    const g = await ingest(
      tmp.file('garbage.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from([8, 0, 0, 0]), Buffer.from('PAR1')])),
    );
    expect(findings(g, 'bad-parquet')).toHaveLength(1);
    expect(g.status).toBe('rejected');
  });

  it('encoding: Latin-1 is a warning; invalid UTF-8 after the first 64 KiB of UTF-8 is an error that rejects the file', async () => {
    const lat = await ingest(tmp.file('lat.csv', Buffer.from(HEAD.replace('value', 'value,note') + 'CIV,i99H,2019,20,Côte\n', 'latin1')));
    expectFinding(lat, 'encoding', { severity: 'warning' });
    expect(lat.status).toBe('accepted');
    // valid UTF-8 well past the sniffer's 64 KiB window, then one Latin-1 byte
    const econs = ['KEN', 'GHA', 'TZA', 'UGA', 'NGA', 'ZAF', 'EGY', 'MAR', 'FRA', 'DEU', 'USA', 'CHN', 'IND', 'BRA', 'MEX', 'CAN', 'AUS', 'JPN', 'KOR', 'ITA'];
    const lines: string[] = [];
    for (const e of econs) for (let y = 1960; y <= 2025; y++) lines.push(`${e},mobile_bb_subs,${y},${y},a note that pads the line to sixty bytes\n`);
    const bytes = Buffer.concat([
      Buffer.from(HEAD.replace('value', 'value,note') + lines.join('')),
      Buffer.from('GHA,i99H,2019,5,C'),
      Buffer.from([0xf4]),
      Buffer.from('te\n'),
    ]);
    expect(bytes.length).toBeGreaterThan(70_000);
    for (const acceptValid of [false, true]) {
      const r = await ingest(tmp.file(`mixed-${acceptValid}.csv`, bytes), { acceptValid, jumpFactor: 0 });
      expect(r.encoding).toBe('utf-8');
      const f = findings(r, 'encoding')[0];
      expect(f).toMatchObject({ severity: 'error' });
      expect(f.message).toMatch(/mixes encodings/);
      expect(r.status).toBe('rejected');
      expect(r.table.numRows).toBe(0);
    }
  });

  it('work-budget: a read that spends more units than the file allows stops near the line it had reached', async () => {
    // A budget of 0 units a byte (only the 1 MiB of units any file gets, and maxRows): 1.2 MB of rows exceed it.
    const r = await ingest(csv('KEN,i99H,2019,20,a note of some forty bytes to fill it\n'.repeat(22_000), 'economy,indicator,year,value,note\n'), {
      workUnitsPerByte: 0,
      maxRows: 100_000,
    });
    const f = expectFinding(r, 'work-budget', { severity: 'error' });
    // Over 1,148,576 units (100,000 + 1 MiB) at 56 a line (55 bytes, 1 observation): near line 20,500, within a chunk.
    expect(f.line).toBeGreaterThan(19_000);
    expect(f.line).toBeLessThan(22_000);
    expect(r.status).toBe('rejected');
  });

  it('text-too-long: a note over 2,000 characters is an error naming the column; the finding keeps 200 characters', async () => {
    const r = await ingest(csv(`KEN,i99H,2019,20,${'n'.repeat(2500)}\n`, 'economy,indicator,year,value,note\n'));
    const f = expectFinding(r, 'text-too-long', { severity: 'error', line: 2, column: 'note' });
    expect(f.value!.length).toBe(201);
  });

  it('every rule in RULES that src/ingest emits is covered by a test above', () => {
    // RULES is shared with other readers (src/prices adds tariff rules): cover those the ingest code names.
    const src = ['ingest.ts', 'validate.ts', 'layouts.ts', 'sniff.ts'].map((f) => readFileSync(join(ROOT, 'src', 'ingest', f), 'utf8')).join('\n');
    const emitted = Object.keys(RULES).filter((k) => src.includes(`'${k}'`));
    expect(emitted.length).toBeGreaterThanOrEqual(25);
    expect([...covered].sort()).toEqual(emitted.sort());
  });
});

describe('strict vs acceptValid', () => {
  const body = 'KEN,i99H,2019,20\nKEM,i99H,2019,21\nGHA,i99H,2019,abc\nGHA,i99H,2020,"x, ""y"""\nWLD,i99H,2019,60\nTZA,i99H,2019,30\n';

  it('strict: any error rejects the whole submission; the table is empty', async () => {
    const r = await ingest(csv(body));
    expect(r.status).toBe('rejected');
    expect(r.table.numRows).toBe(0);
    expect(r.accepted).toBe(0);
    expect(r.log.errors).toBe(3);
    expect(r.rejectsFile).toBeUndefined();
    expect(existsSync(r.file + '.rejects.csv')).toBe(false);
  });

  it('acceptValid: the valid rows are accepted, the bad ones written to the rejects CSV', async () => {
    const rejectsFile = join(tmp.dir, 'sv.rejects.csv');
    const r = await ingest(csv(body), { acceptValid: true, rejectsFile });
    expect(r.status).toBe('accepted');
    expect(rows(r.table, ['economy', 'year', 'value', 'line'])).toEqual([
      { economy: 'KEN', year: 2019, value: 20, line: 2 },
      { economy: 'TZA', year: 2019, value: 30, line: 7 },
    ]);
    expect([r.observationsRead, r.accepted, r.rejected, r.skipped]).toEqual([6, 2, 3, 1]);
    expect(r.rejectsFile).toBe(rejectsFile);
    expect(ruleCounts(r)).toEqual({ 'unknown-economy': 1, 'not-a-number': 2, aggregate: 1 });
    const rej = parseCsv(readFileSync(rejectsFile, 'utf8')).map((x) => x.fields);
    expect(rej[0]).toEqual(['line', 'rule', 'message', 'economy', 'indicator', 'year', 'value', 'note', 'source']);
    expect(rej.slice(1).map((x) => [x[0], x[1], x[3], x[4], x[5], x[6]])).toEqual([
      ['3', 'unknown-economy', 'KEM', 'i99H', '2019', '21'],
      ['4', 'not-a-number', 'GHA', 'i99H', '2019', 'abc'],
      ['5', 'not-a-number', 'GHA', 'i99H', '2020', 'x, "y"'],
    ]);
    expect(rej[1][2]).toMatch(/did you mean/);
  });
});
