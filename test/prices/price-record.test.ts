import { describe, expect, it } from 'vitest';
import { type EconomyPrice, economyPriceRecord } from '../../src/prices/compute.js';

/** The one JSON record of a basket price, shared by `prices compute --format json` and the API's prices route. */
describe('economyPriceRecord', () => {
  const price: EconomyPrice = {
    economy: 'KEN',
    basket: 'mobile-data-2gb',
    year: 2022,
    plan: 3,
    operator: 'Safaricom',
    planName: '',
    currency: 'KES',
    priceLcu: 1000,
    planCurrency: 'USD',
    planCost: 10,
    priceUsd: 10,
    pricePpp: Number.NaN,
    pctGni: 5.8,
    status: 'ok',
    warnings: [],
    departures: ['% GNI: US$ over Atlas GNI p.c. (not ITU local-currency GNI)'],
    tiedWith: [12],
    inputs: { gni: { method: 'atlas-usd' } as unknown as NonNullable<EconomyPrice['inputs']['gni']> },
  };

  it('names every column the CLI documents; no value is NaN (null instead), an empty plan name is null', () => {
    const r = economyPriceRecord(price);
    expect(Object.keys(r)).toEqual([
      'economy',
      'basket',
      'year',
      'operator',
      'plan',
      'currency',
      'price_lcu',
      'price_usd',
      'price_ppp',
      'plan_currency',
      'plan_cost',
      'pct_gni',
      'gni_method',
      'status',
      'warnings',
      'departures',
      'tied_with_lines',
    ]);
    expect(r).toMatchObject({
      plan: null,
      price_ppp: null,
      price_lcu: 1000,
      plan_currency: 'USD',
      plan_cost: 10,
      gni_method: 'atlas-usd',
      tied_with_lines: [12],
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
