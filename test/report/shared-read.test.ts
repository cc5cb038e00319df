import { Dictionary, Int32, makeData, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { dictionaryStrings } from '../../src/table/data-view.js';
import { BUNDLED, loadObservations } from '../../src/usecases/data-source.js';
import { estimateAggregates, estimatesSeries } from '../../src/usecases/estimates.js';
import { priceData } from '../../src/report/price-tables.js';

/**
 * The report reads its observations once and hands them to Facts and Figures (`estimateAggregates` with the table
 * read) and to the price data (price rows found by dictionary code, not copied first): the same figures as reading
 * only each one's own indicators.
 */
describe('one read of the observations for the report', () => {
  it('estimateAggregates on a table with more indicators gives what its own read gives (notes, rows, estimates)', async () => {
    const series = estimatesSeries('internet_users_pct');
    const wider = await loadObservations(BUNDLED, [...series, 'fixed_tel_p100', 'price_ipb_mobile_cellular_usd', 'mean_years_schooling']);
    const req = { indicator: 'internet_users_pct', from: 2012, to: 2016, groupings: ['world', 'itu-region-2025'] };
    const own = await estimateAggregates(req);
    const shared = await estimateAggregates(req, { table: wider });
    expect(wider.numRows).toBeGreaterThan((await loadObservations(BUNDLED, series)).numRows);
    expect(shared.table).toEqual(own.table);
    expect(shared.notes).toEqual(own.notes);
    expect(shared.countries()).toEqual(own.countries());
    expect(own.table.rows.length).toBeGreaterThan(0);
  });

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
