/**
 * ConversionInputs.fromTable reads string columns through their dictionaries batch by batch: it must read the same
 * inputs from a table of plain strings, from one of several batches, and with null sources and series codes.
 */
import { Table, tableFromArrays, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ConversionInputs, CONVERSION_INDICATORS } from '../../src/prices/compute.js';
import { ObservationBuilder } from '../../src/table/observations.js';

const rows = [
  { economy: 'KEN', indicator: CONVERSION_INDICATORS.exchangeRate, year: 2021, value: 109.6, source: 'WDI', series_code: 'PA.NUS.FCRF' },
  { economy: 'KEN', indicator: CONVERSION_INDICATORS.ppp, year: 2021, value: 40.1, source: null, series_code: null },
  { economy: 'UGA', indicator: CONVERSION_INDICATORS.exchangeRate, year: 2022, value: 3689.8, source: 'IMF', series_code: '' },
  { economy: 'UGA', indicator: CONVERSION_INDICATORS.gni, year: 2022, value: 840, source: 'WDI', series_code: 'NY.GNP.PCAP.CD' },
  { economy: 'FRA', indicator: CONVERSION_INDICATORS.gni, year: 2022, value: 45_000, source: 'WDI', series_code: null },
  { economy: 'USA', indicator: CONVERSION_INDICATORS.deflator, year: 2022, value: 7.1, source: 'WDI', series_code: null },
  { economy: 'KEN', indicator: 'internet_users_pct', year: 2022, value: 30, source: 'ITU', series_code: null },
];
const economies = new Set(['KEN', 'UGA']);
const all = (c: ConversionInputs) => rows.map((r) => c.get(r.indicator, r.economy, r.year));

describe('ConversionInputs.fromTable', () => {
  it('reads the same inputs from dictionary columns, plain strings and several batches', () => {
    const b = new ObservationBuilder(16);
    for (const r of rows) b.append(r);
    const dict = ConversionInputs.fromTable(b.toTable(), economies);
    const cols = (rs: typeof rows) =>
      tableFromArrays({
        economy: vectorFromArray(
          rs.map((r) => r.economy),
          new Utf8(),
        ),
        indicator: vectorFromArray(
          rs.map((r) => r.indicator),
          new Utf8(),
        ),
        year: Int16Array.from(rs, (r) => r.year),
        value: Float64Array.from(rs, (r) => r.value),
        source: vectorFromArray(
          rs.map((r) => r.source),
          new Utf8(),
        ),
        series_code: vectorFromArray(
          rs.map((r) => r.series_code),
          new Utf8(),
        ),
      });
    const plain = ConversionInputs.fromTable(cols(rows), economies);
    const parts = new Table([...cols(rows.slice(0, 3)).batches, ...cols(rows.slice(3)).batches]);
    expect(parts.batches.length).toBe(2);
    const batched = ConversionInputs.fromTable(parts, economies);
    const expected = all(plain);
    expect(expected.filter(Boolean).length).toBe(5); // FRA's GNI and the other indicator are not kept
    expect(expected[1]?.source).toBe('');
    expect(expected[1]?.seriesCode).toBeTruthy(); // the indicator's own series code where the row has none
    expect(all(batched)).toEqual(expected);
    expect(all(dict)).toEqual(expected);
  });
});
