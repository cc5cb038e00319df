import { writeFileSync } from 'node:fs';
import { tableToIPC, type Table } from 'apache-arrow';
import { csvRow } from '../util/csv.js';
import { OBSERVATION_COLUMNS } from './observations.js';

/** The canonical long CSV (or a chosen subset of its columns) of an observation table. */
export function observationsToCsv(
  table: Table,
  columns: readonly string[] = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code'],
): string {
  const vectors = columns.map((c) => {
    if (!(OBSERVATION_COLUMNS as readonly string[]).includes(c)) throw new Error(`no column ${c}`);
    return table.getChild(c)!;
  });
  const parts = [csvRow(columns)];
  for (let i = 0; i < table.numRows; i++) parts.push(csvRow(vectors.map((v) => v.get(i))));
  return parts.join('');
}

/** Write a table as Arrow IPC: `.arrows` is the stream format, anything else the file format. */
export function writeArrowFile(table: Table, path: string): void {
  writeFileSync(path, tableToIPC(table, path.endsWith('.arrows') ? 'stream' : 'file'));
}
