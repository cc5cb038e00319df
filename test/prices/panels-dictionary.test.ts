import { Dictionary, Float64, Int16, Int32, makeData, makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { panelsFromObservations } from '../../src/prices/aggregate-input.js';

/**
 * Price panels read the indicator and economy columns by dictionary code. Arrow allows one string twice in a
 * dictionary (found in review): the rows of both codes are one indicator's, one panel, as reading the strings gives.
 */
const dictColumn = (dictionary: string[], codes: number[]) =>
  makeVector(
    makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      length: codes.length,
      nullCount: 0,
      data: Int32Array.from(codes),
      dictionary: vectorFromArray(dictionary, new Utf8()),
    }),
  );

describe('panelsFromObservations', () => {
  it('a dictionary holding an indicator twice gives one panel with the rows of both codes', () => {
    const id = 'price_ipb_fixed_telephone_usd';
    const table = new Table({
      economy: dictColumn(['KEN', 'UGA', 'KEN'], [0, 1, 2, 0]),
      indicator: dictColumn([id, id], [0, 0, 1, 1]),
      year: makeVector(Int16Array.of(2020, 2020, 2021, 2021)),
      value: makeVector(Float64Array.of(1, 2, 3, 4)),
    });
    expect(table.getChild('year')!.type).toBeInstanceOf(Int16);
    expect(table.getChild('value')!.type).toBeInstanceOf(Float64);
    const panels = panelsFromObservations(table);
    expect(panels).toHaveLength(1);
    const [p] = panels;
    expect(p.basket).toBe('ipb-fixed-telephone');
    expect(p.economies).toEqual(['KEN', 'UGA']);
    expect(p.years).toEqual([2020, 2021]);
    // economies x years: KEN 2020 = 1, KEN 2021 = 4 (the row of the second KEN code and of the second indicator code
    // is KEN 2021 = 3, then row 4 KEN 2021 = 4 overwrites it), UGA 2020 = 2
    expect(Array.from(p.values)).toEqual([1, 4, 2, Number.NaN]);
  });
});
