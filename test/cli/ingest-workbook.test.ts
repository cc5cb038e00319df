import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, ictstat } from './helpers.js';

/**
 * The CLI bundle carries its own copy of exceljs (scripts/build-cli.ts): a workbook written by the exceljs package
 * is read back by the bundled CLI cell for cell, and a bad cell is located by sheet and cell.
 */
const dir = mkdtempSync(join(tmpdir(), 'ictstat-cli-xlsx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function workbook(rows: unknown[][]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('data');
  ws.addRow(['economy', 'indicator', 'year', 'value']);
  for (const r of rows) ws.addRow(r);
  const file = join(dir, `w${rows.length}-${Math.random().toString(36).slice(2)}.xlsx`);
  writeFileSync(file, new Uint8Array(await wb.xlsx.writeBuffer()));
  return file;
}

describe('ictstat ingest of an Excel workbook (bundled exceljs)', () => {
  it('reads the values the exceljs package wrote', async () => {
    const file = await workbook([
      ['KEN', 'internet_users_pct', 2020, 29.5],
      ['KEN', 'internet_users_pct', 2021, 32.25],
      ['UGA', 'internet_users_pct', 2021, 10],
    ]);
    const out = join(dir, 'out.csv');
    const r = ictstat(['ingest', file, '--out', out, '--json']);
    expectNoStackTrace(r);
    expect(r.code, r.stderr).toBe(0);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    const at = (name: string): number => header.indexOf(name);
    const cells = csv.slice(1).map((l) => l.split(','));
    expect(cells.map((c) => [c[at('economy')], c[at('year')], Number(c[at('value')])])).toEqual([
      ['KEN', '2020', 29.5],
      ['KEN', '2021', 32.25],
      ['UGA', '2021', 10],
    ]);
  });

  it('locates a bad value by sheet and cell', async () => {
    const file = await workbook([
      ['KEN', 'internet_users_pct', 2020, 29.5],
      ['KEN', 'internet_users_pct', 2021, 'n/a?'],
    ]);
    const r = ictstat(['ingest', file]);
    expectNoStackTrace(r);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/\[data\]!D3: error: column "value", value "n\/a\?": the value is not a number \[not-a-number\]/);
  });
});
