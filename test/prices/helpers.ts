import type { Table } from 'apache-arrow';
import { ObservationBuilder } from '../../src/table/observations.js';
import { ConversionInputs } from '../../src/prices/compute.js';

/** A small observation table from [economy, indicator, year, value] rows. */
export function tableFromRows(rows: Array<[string, string, number, number]>): Table {
  const b = new ObservationBuilder(16);
  for (const [economy, indicator, year, value] of rows) b.append({ economy, indicator, year, value, source: 'test fixture (not real)' });
  return b.toTable();
}

/** Conversion inputs from (economy, indicator, year, value) rows, kept for `economies` (default: the rows' own). */
export function inputsOf(rows: Array<[string, string, number, number]>, economies: Iterable<string> = rows.map((r) => r[0])): ConversionInputs {
  return ConversionInputs.fromTable(tableFromRows(rows), new Set(economies));
}
