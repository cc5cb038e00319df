import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv, parseCsvObjects, type CsvRecord } from '../../src/util/csv-parse.js';

/** A shared source file as header-keyed rows. */
export function readSharedCsv(sharedDir: string, file: string): ReturnType<typeof parseCsvObjects> {
  return parseCsvObjects(readFileSync(join(sharedDir, file), 'utf8'));
}

/** A shared source file as raw records (for files made of several tables, like the ITU price workbook dump). */
export function readSharedRecords(sharedDir: string, file: string): CsvRecord[] {
  return parseCsv(readFileSync(join(sharedDir, file), 'utf8'));
}

/** Source numbers: '' and 'NA' are missing; exponents such as 6.9501e+007 are valid. */
export function parseSourceNumber(text: string): number | null {
  const t = text.trim();
  if (t === '' || t === 'NA' || t === '..') return null;
  const x = Number(t);
  if (!Number.isFinite(x)) throw new Error(`not a number: "${text}"`);
  return x;
}
