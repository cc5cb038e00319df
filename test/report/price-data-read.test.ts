import { Dictionary, Int32, makeData, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { dictionaryStrings } from '../../src/table/data-view.js';
import { BUNDLED, loadObservations } from '../../src/usecases/data-source.js';
import { priceData } from '../../src/report/price-tables.js';

/**
 * The price data reads the price rows of the report's observations by dictionary code, without copying them first:
 * the same panels, baskets, medians and notes as a table of the price rows alone.
 */
describe('price data on the report table', () => {
  it('priceData on the report table gives the panels and notes of the price rows alone', async () => {
    const { loadIndicatorRegistry } = await import('../../src/registry/indicators.js');
    const priceIds = loadIndicatorRegistry()
      .indicators.filter((d) => d.basket)
      .map((d) => d.id);
    const ctx = { year: 2016, name: (s: string) => s, lang: 'en', notes: [] };
    const wide = priceData({ ...ctx, table: await loadObservations(BUNDLED, [...priceIds, 'population', 'internet_users_pct']) });
    const own = priceData({ ...ctx, table: await loadObservations(BUNDLED, priceIds) });
    expect(wide.panels).toEqual(own.panels);
    expect(wide.baskets).toEqual(own.baskets);
    expect(wide.mediansOverTime).toEqual(own.mediansOverTime);
    for (const b of own.baskets) for (const e of own.panels[0].economies) expect(wide.note(b, 'usd', e, 2016)).toBe(own.note(b, 'usd', e, 2016));
  });

  it('dictionaryStrings decodes a dictionary once and gives its strings in code order', () => {
    const dictionary = vectorFromArray(['KEN', null, 'UGA'], new Utf8());
    let calls = 0;
    const counted = {
      toArray: () => {
        calls++;
        return dictionary.toArray();
      },
    };
    expect(dictionaryStrings({ dictionary: counted })).toEqual(['KEN', null, 'UGA']);
    expect(dictionaryStrings({ dictionary: counted })).toBe(dictionaryStrings({ dictionary: counted }));
    expect(calls).toBe(1);
    expect(dictionaryStrings({})).toEqual([]);
    const data = makeData({ type: new Dictionary(new Utf8(), new Int32()), length: 1, nullCount: 0, data: Int32Array.of(2), dictionary });
    expect(dictionaryStrings(data)[2]).toBe('UGA');
  });
});
