/**
 * Issue 18: currencies, ties, the GNI rule, the remaining basket rules. Every expected number is worked by hand in
 * the comments; conversion inputs are fixture values (not real rates).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBaskets, parseBasket, type SimpleBasket } from '../../src/prices/basket.js';
import { computeSimpleBasket, parseItuDenominators } from '../../src/prices/compute.js';
import { TARIFF_COLUMNS, readTariffs, type TariffTable } from '../../src/prices/tariffs.js';
import { ictstat } from '../cli/helpers.js';
import { inputsOf } from './helpers.js';

type Plan = Partial<Record<(typeof TARIFF_COLUMNS)[number], string | number>>;
const DEFAULTS: Plan = {
  year: 2021,
  operator: 'Op',
  operator_rank: 1,
  service: 'mobile',
  payment: 'prepaid',
  validity_days: 30,
  data_mb: 'unlimited',
  voice_min: 'unlimited',
  sms: 'unlimited',
  technology: '4G',
  promotional: 'false',
  taxes_included: 'true',
};

async function tariffs(plans: Plan[]): Promise<TariffTable> {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-i18-'));
  const f = join(dir, 'plans.csv');
  const lines = [TARIFF_COLUMNS.join(',')];
  plans.forEach((p, k) => {
    const row = { ...DEFAULTS, plan: `plan ${k + 1}`, ...p };
    lines.push(TARIFF_COLUMNS.map((c) => String(row[c] ?? '')).join(','));
  });
  writeFileSync(f, lines.join('\n') + '\n');
  return (await readTariffs(f)).table;
}

const baskets = loadBaskets();
const simple = (id: string): SimpleBasket => baskets.get(id) as SimpleBasket;

describe('1. currencies: plans compared in the local currency', () => {
  const inputs = inputsOf([
    ['KEN', 'exchange_rate_lcu_per_usd', 2021, 100],
    ['KEN', 'gni_pc_atlas_usd', 2020, 2000],
    ['BRA', 'exchange_rate_lcu_per_usd', 2021, 5],
    ['DEU', 'exchange_rate_lcu_per_usd', 2021, 0.8],
    ['BRA', 'gni_pc_atlas_usd', 2020, 6000],
  ]);

  it('a 10 US$ plan does not beat a 600 KES plan (10 x 100 = 1000 KES); a 5 US$ plan does (500 KES), its US$ price its own', async () => {
    const t = await tariffs([
      { economy: 'KEN', currency: 'USD', price: 10 },
      { economy: 'KEN', currency: 'KES', price: 600 },
    ]);
    const [ken] = computeSimpleBasket(t, simple('mobile-data-2gb'), 2021, inputs).prices;
    expect(ken.planName).toBe('plan 2');
    expect(ken.currency).toBe('KES');
    expect(ken.priceLcu).toBe(600);
    // 600 / 100 = 6 US$; 6 x 12 / 2000 x 100 = 3.6 % (not 10 x 12 / 2000 x 100 = 6 %)
    expect(ken.pctGni).toBeCloseTo(3.6, 12);
    const t2 = await tariffs([
      { economy: 'KEN', currency: 'USD', price: 5 },
      { economy: 'KEN', currency: 'KES', price: 600 },
    ]);
    const [k2] = computeSimpleBasket(t2, simple('mobile-data-2gb'), 2021, inputs).prices;
    expect([k2.planName, k2.planCurrency, k2.priceLcu, k2.priceUsd]).toEqual(['plan 1', 'USD', 500, 5]); // 5 x 100 / 1
  });

  it('a third currency (EUR in Brazil) is converted through both US$ rates: 10 EUR x 5 / 0.8 = 62.5 BRL, dearer than 60 BRL', async () => {
    const t = await tariffs([
      { economy: 'BRA', currency: 'EUR', price: 10 },
      { economy: 'BRA', currency: 'BRL', price: 60 },
    ]);
    const r = computeSimpleBasket(t, simple('mobile-data-2gb'), 2021, inputs);
    expect(r.prices[0].planName).toBe('plan 2');
    expect(r.comparison!.costLocal[0]).toBeCloseTo(62.5, 12);
    expect(r.comparison!.rates.get(0)!.planCurrency.economy).toBe('DEU'); // the first economy whose currency is EUR with a rate
  });

  it('a currency with no rate that year is ineligible with that reason', async () => {
    const t = await tariffs([
      { economy: 'BRA', currency: 'JPY', price: 1 },
      { economy: 'BRA', currency: 'BRL', price: 60 },
    ]);
    const r = computeSimpleBasket(t, simple('mobile-data-2gb'), 2021, inputs);
    expect(r.prices[0].planName).toBe('plan 2');
    const t2 = await tariffs([{ economy: 'BRA', currency: 'JPY', price: 1 }]);
    expect(computeSimpleBasket(t2, simple('mobile-data-2gb'), 2021, inputs).prices[0].status).toMatch(
      /1 priced in a currency with no exchange rate for the year/,
    );
  });
});

describe('4. exact ties in whole minor units', () => {
  it('3 x 33.1 (= 99.30000000000001 in floating point) ties 99.3: 9930 cents each, the earlier line wins, the tie is reported', async () => {
    expect(3 * 33.1).not.toBe(99.3);
    const t = await tariffs([
      { economy: 'KEN', currency: 'KES', price: 33.1, validity_days: 10 }, // ceil(30 / 10) = 3 purchases
      { economy: 'KEN', currency: 'KES', price: 99.3 },
    ]);
    const [ken] = computeSimpleBasket(t, simple('mobile-data-2gb'), 2021, inputsOf([['KEN', 'exchange_rate_lcu_per_usd', 2021, 100]])).prices;
    expect(ken.planName).toBe('plan 1');
    expect(ken.tiedWith).toEqual([3]); // line 3 of the file (header = line 1)
  });
});

describe('2. % of GNI p.c.: ITU denominator, local-currency GNI with CPI, US$/Atlas with the US deflator, maximum age', () => {
  it('ITU denominator: 1000 ALL / 77076.495 ALL a month x 100 = 1.297411...; a US$ plan in COD uses the US$ denominator 51.7: 5 / 51.7 x 100', async () => {
    const den = parseItuDenominators(
      [
        { economy: 'ALB', monthly_gni_per_capita: '77076.495', notes: 'GNI data year: 2024. In Albanian lek', source: 'World Bank WDI' },
        {
          economy: 'COD',
          monthly_gni_per_capita: '147236.552',
          notes: 'GNI data year: 2024. In Congolese franc. Currencies differ by basket. Other currency used: US Dollar (GNI Value = 51.7)',
          source: 'World Bank WDI',
        },
      ],
      2025,
      'gni_denominator.csv',
    );
    expect(den[1].other).toEqual({ currency: 'USD', monthly: 51.7, text: 'US Dollar' });
    const inputs = inputsOf([
      ['ALB', 'exchange_rate_lcu_per_usd', 2025, 100],
      ['COD', 'exchange_rate_lcu_per_usd', 2025, 2800],
    ]).addDenominators(den);
    const t = await tariffs([
      { economy: 'ALB', currency: 'ALL', price: 1000, year: 2025 },
      { economy: 'COD', currency: 'USD', price: 5, year: 2025 },
    ]);
    const [alb, cod] = computeSimpleBasket(t, simple('mobile-high-consumption-5gb'), 2025, inputs).prices;
    expect(alb.pctGni).toBeCloseTo((1000 / 77076.495) * 100, 12);
    expect(alb.inputs.gni?.method).toBe('itu_denominator');
    expect(alb.departures.some((d) => /Atlas/.test(d))).toBe(false);
    expect(cod.pctGni).toBeCloseTo((5 / 51.7) * 100, 12); // 9.6712 %
  });

  it('stale US$ GNI: 2018 GNI 2000 brought to 2020 with the US deflator (2 %, 1 %): 2000 x 1.02 x 1.01 = 2060.4; 10 x 12 / 2060.4 x 100', async () => {
    const inputs = inputsOf([
      ['KEN', 'exchange_rate_lcu_per_usd', 2021, 100],
      ['KEN', 'gni_pc_atlas_usd', 2018, 2000],
      ['USA', 'gdp_deflator_inflation_pct', 2019, 2],
      ['USA', 'gdp_deflator_inflation_pct', 2020, 1],
    ]);
    const t = await tariffs([{ economy: 'KEN', currency: 'KES', price: 1000 }]);
    const [ken] = computeSimpleBasket(t, simple('mobile-data-2gb'), 2021, inputs).prices;
    expect(ken.inputs.gni?.annual).toBeCloseTo(2060.4, 9);
    expect(ken.pctGni).toBeCloseTo(((10 * 12) / 2060.4) * 100, 12); // 5.82411...
    expect(ken.departures.some((d) => /Atlas US\$ GNI/.test(d))).toBe(true);
    expect(ken.warnings.join()).toMatch(/used 2018 x 1.0302 \(gdp_deflator_inflation_pct USA 2019-2020\)/);
  });

  it('a GNI older than the maximum age (3 years before 2020: 2017) is not used', async () => {
    const inputs = inputsOf([
      ['KEN', 'exchange_rate_lcu_per_usd', 2021, 100],
      ['KEN', 'gni_pc_atlas_usd', 2016, 2000],
    ]);
    const t = await tariffs([{ economy: 'KEN', currency: 'KES', price: 1000 }]);
    const [ken] = computeSimpleBasket(t, simple('mobile-data-2gb'), 2021, inputs).prices;
    expect(Number.isNaN(ken.pctGni)).toBe(true);
    expect(ken.warnings.join()).toMatch(/at most 3 years older/);
  });

  it('local-currency GNI (given) adjusted with the economy CPI: 240000 x 1.05 = 252000 KES; 600 x 12 / 252000 x 100 = 2.857142...', async () => {
    const inputs = inputsOf([
      ['KEN', 'exchange_rate_lcu_per_usd', 2021, 100],
      ['KEN', 'gni_pc_lcu', 2019, 240000],
      ['KEN', 'cpi_inflation_pct', 2020, 5],
      ['KEN', 'gni_pc_atlas_usd', 2020, 2000],
    ]);
    const t = await tariffs([{ economy: 'KEN', currency: 'KES', price: 600 }]);
    const [ken] = computeSimpleBasket(t, simple('mobile-data-2gb'), 2021, inputs).prices;
    expect(ken.inputs.gni?.method).toBe('gni_pc_lcu');
    expect(ken.pctGni).toBeCloseTo(((600 * 12) / 252000) * 100, 12);
  });
});

describe('3. the remaining rules as data', () => {
  const inputs = inputsOf([['KEN', 'exchange_rate_lcu_per_usd', 2021, 100]]);

  it('28-day and weekly plans: validity_multiples of the 2025 high basket (28 days x 1, 7 days x 4), not ceil(30/28) = 2', async () => {
    const t = await tariffs([
      { economy: 'KEN', currency: 'KES', price: 100, validity_days: 28, year: 2025 }, // 100 x 1 = 100
      { economy: 'KEN', currency: 'KES', price: 30, validity_days: 7, year: 2025 }, // 30 x 4 = 120 (ceil: 30 x 5 = 150)
    ]);
    const r = computeSimpleBasket(t, simple('mobile-high-consumption-5gb'), 2025, inputs);
    expect(Array.from(r.costs!.cost)).toEqual([100, 120]);
    const plain = computeSimpleBasket(t, { ...simple('mobile-high-consumption-5gb'), validity_multiples: [] }, 2025, inputs);
    expect(Array.from(plain.costs!.cost)).toEqual([200, 150]);
  });

  it('years in force: the 2025 basket for 2021 warns; a basket that refuses other years throws', async () => {
    const t = await tariffs([{ economy: 'KEN', currency: 'KES', price: 100 }]);
    const [ken] = computeSimpleBasket(t, simple('mobile-high-consumption-5gb'), 2021, inputs).prices;
    expect(ken.warnings[0]).toBe('basket mobile-high-consumption-5gb is in force 2025-, not in 2021');
    const refuse = { ...simple('mobile-high-consumption-5gb'), outside_years: 'refuse' as const };
    expect(() => computeSimpleBasket(t, refuse, 2021, inputs)).toThrow(/outside-years-in-force/);
  });

  it('connection charges (IPB mobile cellular, 30 calls): 100 + 30 x 2 = 160', async () => {
    const t = await tariffs([{ economy: 'KEN', currency: 'KES', price: 100, year: 2012, technology: '2G', connection_charge: 2 }]);
    const r = computeSimpleBasket(t, simple('ipb-mobile-cellular'), 2012, inputsOf([['KEN', 'exchange_rate_lcu_per_usd', 2012, 100]]));
    expect(r.costs!.cost[0]).toBe(160);
  });

  it('postpaid fallback: KEN (no prepaid plan) is priced by its postpaid plan; UGA keeps its dearer prepaid plan', async () => {
    const t = await tariffs([
      { economy: 'KEN', currency: 'KES', price: 300, year: 2012, payment: 'postpaid' },
      { economy: 'UGA', currency: 'UGX', price: 500, year: 2012, payment: 'prepaid' },
      { economy: 'UGA', currency: 'UGX', price: 100, year: 2012, payment: 'postpaid' },
    ]);
    const [ken, uga] = computeSimpleBasket(t, simple('ipb-mobile-cellular'), 2012, inputs).prices;
    expect([ken.planName, ken.priceLcu]).toEqual(['plan 1', 300]);
    expect([uga.planName, uga.priceLcu]).toEqual(['plan 2', 500]);
  });

  it('commitment closest to 12 months (fixed broadband): the 12-month plan at 50 beats a 24-month plan at 40', async () => {
    const fixed: Plan = { service: 'fixed', payment: 'postpaid', technology: 'fixed', speed_kbps: 1024, currency: 'KES', economy: 'KEN' };
    const t = await tariffs([
      { ...fixed, price: 40, commitment_months: 24 },
      { ...fixed, price: 50, commitment_months: 12 },
    ]);
    const r = computeSimpleBasket(t, simple('fixed-broadband-5gb'), 2021, inputs);
    expect(r.prices[0].planName).toBe('plan 2');
    expect(r.costs!.reason[0]).not.toBe(0);
  });

  it('largest operator among non-promotional plans: rank 1 sells only a promotion, so rank 2 is the largest', async () => {
    const t = await tariffs([
      { economy: 'KEN', currency: 'KES', price: 10, promotional: 'true', year: 2025 },
      { economy: 'KEN', currency: 'KES', price: 200, operator: 'Two', operator_rank: 2, year: 2025 },
    ]);
    expect(computeSimpleBasket(t, simple('mobile-high-consumption-5gb'), 2025, inputs).prices[0].planName).toBe('plan 2');
    const all = { ...simple('mobile-high-consumption-5gb'), largest_operator_among: 'all' as const };
    expect(computeSimpleBasket(t, all, 2025, inputs).prices[0].plan).toBe(-1);
  });

  it('the 2025 allowances: low 70 min + 50 SMS + 1 GB, high 140 min + 20 SMS + 5 GB', () => {
    expect(simple('mobile-low-consumption-1gb').allowances).toEqual({ data_mb: 1000, voice_min: 70, sms: 50 });
    expect(simple('mobile-high-consumption-5gb').allowances).toEqual({ data_mb: 5000, voice_min: 140, sms: 20 });
  });

  it('a bad rule value is a located basket error', () => {
    const doc = { ...simple('mobile-data-2gb'), validity_multiples: [{ days: 28, purchases: 0 }] };
    expect(() => parseBasket(doc, 'b.json')).toThrow(/b\.json: field "validity_multiples".*\[bad-basket\]/);
  });
});

describe('5. explain as an audit trail (CLI, text and JSON)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-i18-explain-'));
  const plans = join(dir, 'plans.csv');
  const data = join(dir, 'data.csv');
  const row = (p: Plan): string => {
    const r = { ...DEFAULTS, ...p };
    return TARIFF_COLUMNS.map((c) => String(r[c] ?? '')).join(',');
  };
  writeFileSync(
    plans,
    [
      TARIFF_COLUMNS.join(','),
      row({ economy: 'KEN', plan: 'Dollar plan', currency: 'USD', price: 10 }), // 10 x 100 = 1000 KES
      row({ economy: 'KEN', plan: 'Ten days', currency: 'KES', price: 33.1, validity_days: 10 }), // 3 x 33.1 = 99.3
      row({ economy: 'KEN', plan: 'Monthly', currency: 'KES', price: 99.3 }),
    ].join('\n') + '\n',
  );
  writeFileSync(
    data,
    'economy,indicator,year,value,note,source\nKEN,exchange_rate_lcu_per_usd,2021,100,,fixture\nKEN,ppp_factor_lcu_per_intl,2021,40,,fixture\nKEN,gni_pc_atlas_usd,2020,2000,,fixture\n',
  );
  const args = ['prices', 'explain', '--tariffs', plans, '--basket', 'mobile-data-2gb', '--year', '2021', '--economy', 'KEN', '--data', data];

  it('text: each plan in its currency and in KES, the tie, series codes, vintage, rounding and the departures', () => {
    const r = ictstat(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"Dollar plan", prepaid, 4G, USD: monthly cost 10 USD = 1000 KES');
    expect(r.stdout).toContain('in KES: 10 USD x 100 KES/US$ (PA.NUS.FCRF KEN 2021) / 1 USD/US$ (1 by definition) = 1000 KES');
    expect(r.stdout).toContain('compared as 9930 minor units of KES');
    expect(r.stdout).toContain('chosen: line 3, Op, "Ten days"');
    expect(r.stdout).toContain('tie: line 3 and line 4 cost the same in whole minor units; the tie rule chose line 3');
    expect(r.stdout).toMatch(/gni_pc_atlas_usd \(NY\.GNP\.PCAP\.CD\) KEN 2020 = 2000 \[fixture\] \(inputs: .*data\.csv\)/);
    expect(r.stdout).toContain('rounding: computed values are not rounded');
    expect(r.stdout).toMatch(/departures from ITU's method:\n(.*\n)*.*Atlas US\$ GNI p\.c\./);
    // 99.3 / 100 = 0.993 US$; 0.993 x 12 / 2000 x 100 = 0.5958 %
    expect(r.stdout).toContain('pct_gni = 0.993 USD x 12 / 2000 x 100 = 0.5958');
  });

  it('JSON: the same content', () => {
    const x = JSON.parse(ictstat([...args, '--format', 'json']).stdout);
    expect(x.plans[0]).toMatchObject({ currency: 'USD', monthlyCost: 10, comparisonCurrency: 'KES', comparisonCost: 1000, comparisonUnits: 100000 });
    expect(x.choice.tiedWith).toEqual([4]);
    expect(x.result).toMatchObject({ currency: 'KES', plan_currency: 'KES', gni_method: 'gni_pc_atlas_usd' });
    expect(x.result.pct_gni).toBeCloseTo(0.5958, 12);
    expect(x.conversions.find((c: { indicator: string }) => c.indicator === 'gni_pc_atlas_usd')).toMatchObject({ seriesCode: 'NY.GNP.PCAP.CD', year: 2020 });
    expect(x.departures.length).toBe(3);
  });

  it('compute: a currency column (local) and the plan currency', () => {
    const r = ictstat(['prices', 'compute', '--tariffs', plans, '--basket', 'mobile-data-2gb', '--year', '2021', '--data', data]);
    const [head, line] = r.stdout.trim().split('\n');
    expect(head).toBe('economy,basket,year,operator,plan,currency,price_lcu,plan_currency,plan_cost,price_usd,price_ppp,pct_gni,gni_method,status');
    expect(line.startsWith('KEN,mobile-data-2gb,2021,Op,Ten days,KES,')).toBe(true);
    expect(r.stderr).toMatch(/departure from ITU's method: .*Atlas/);
  });
});

describe('audit per release: each published % GNI recomputed from its own US$ price by each rule', () => {
  it('hand-worked: the denominator rule, the Atlas previous-year rule, and a value no rule reproduces', async () => {
    const { auditRelease } = await import('../../src/prices/audit.js');
    const inputs = inputsOf([
      ['ALB', 'exchange_rate_lcu_per_usd', 2025, 100],
      ['KEN', 'gni_pc_atlas_usd', 2024, 2400],
      ['KEN', 'gni_pc_atlas_usd', 2025, 3000],
      ['UGA', 'gni_pc_atlas_usd', 2024, 1200],
    ]).addDenominators(
      parseItuDenominators([{ economy: 'ALB', monthly_gni_per_capita: '50000', notes: 'GNI data year: 2024. In Albanian lek', source: 'x' }], 2025, 'd.csv'),
    );
    const obs = [
      // ALB: 10 US$ x 100 = 1000 ALL / 50000 x 100 = 2 %: published 2 -> reproduced by ours and itu_denominator
      ['ALB', 'price_b_usd', 2025, 10],
      ['ALB', 'price_b_gni_pct', 2025, 2],
      // KEN: 10 x 12 / 2400 x 100 = 5 %; published 5.04 (within 1 %: 0.0504) -> ours (previous year) and atlas_previous
      ['KEN', 'price_b_usd', 2025, 10],
      ['KEN', 'price_b_gni_pct', 2025, 5.04],
      // UGA: 10 x 12 / 1200 x 100 = 10 %; published 11 -> a departure
      ['UGA', 'price_b_usd', 2025, 10],
      ['UGA', 'price_b_gni_pct', 2025, 11],
    ] as const;
    const r = auditRelease(
      'test-release',
      {
        economy: obs.map((o) => o[0]),
        indicator: obs.map((o) => o[1]),
        year: obs.map((o) => o[2]),
        value: obs.map((o) => o[3]),
        length: obs.length,
      },
      inputs,
    );
    expect(r.compared).toBe(3);
    expect(r.rules.find((x) => x.rule === 'ours')).toEqual({ rule: 'ours', applicable: 3, reproduced: 2 });
    expect(r.rules.find((x) => x.rule === 'itu_denominator')).toEqual({ rule: 'itu_denominator', applicable: 1, reproduced: 1 });
    expect(r.rules.find((x) => x.rule === 'atlas_same')).toEqual({ rule: 'atlas_same', applicable: 1, reproduced: 0 }); // KEN 10 x 12 / 3000 = 4 %
    expect(r.departures.map((d) => [d.release, d.economy, d.values.ours])).toEqual([['test-release', 'UGA', 10]]);
  });

  it('CLI: one summary per bundled release, every departure row names its release', () => {
    const r = ictstat(['prices', 'audit', '--release', 'itu-prices-2022', '--release', 'itu-prices-2025-12']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/audit itu-prices-2022: \d+ published % GNI values; reproduced within .*: ours \d+\/\d+/);
    expect(r.stderr).toMatch(/audit itu-prices-2025-12: .*itu_denominator \d+\/\d+/);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'release,economy,indicator,year,price_usd,pct_gni_published,pct_gni_ours,gni_method,itu_denominator,atlas_previous,atlas_same,reproduced_by,status,cause,implied_rate,detail',
    );
    expect(lines.slice(1).every((l) => l.startsWith('itu-prices-2022,') || l.startsWith('itu-prices-2025-12,'))).toBe(true);
    const bad = ictstat(['prices', 'audit', '--release', 'itu-prices-2023']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--release must be one of itu-prices-2022, itu-prices-2024-03, itu-prices-2025-12/);
  });
});

describe("ITU's GNI_denominator notes", () => {
  it('"In U.S. dollar." is US$ (the abbreviation does not end the name); the GNI year is read', () => {
    const [lbr] = parseItuDenominators(
      [{ economy: 'LBR', monthly_gni_per_capita: '65.757', notes: 'GNI data year: 2024. In U.S. dollar.', source: 'WDI' }],
      2025,
      'd.csv',
    );
    expect([lbr.currency, lbr.gniYear, lbr.monthly]).toEqual(['USD', 2024, 65.757]);
    expect(() => parseItuDenominators([{ economy: 'X', monthly_gni_per_capita: '1', notes: 'no year', source: '' }], 2025, 'd.csv')).toThrow(
      /d\.csv:2: column "notes"/,
    );
  });
});

describe('property: the chosen plan is the cheapest in whole minor units, whatever the order of the plans', () => {
  it('holds for random prices, validities and currencies (KES and USD at 100 KES/US$)', async () => {
    const fc = await import('fast-check');
    const inputs = inputsOf([['KEN', 'exchange_rate_lcu_per_usd', 2021, 100]]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ cents: fc.integer({ min: 1, max: 100000 }), validity: fc.constantFrom(1, 7, 10, 30), usd: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (plans) => {
          const rows: Plan[] = plans.map((p) => ({ economy: 'KEN', currency: p.usd ? 'USD' : 'KES', price: p.cents / 100, validity_days: p.validity }));
          const t = await tariffs(rows);
          const r = computeSimpleBasket(t, simple('mobile-data-2gb'), 2021, inputs);
          const units = Array.from(r.comparison!.units);
          const min = Math.min(...units);
          expect(units[r.prices[0].plan]).toBe(min);
          // Reversed order: the same minimum, and a tie never picks by floating-point noise.
          const rev = computeSimpleBasket(await tariffs([...rows].reverse()), simple('mobile-data-2gb'), 2021, inputs);
          expect(Array.from(rev.comparison!.units)[rev.prices[0].plan]).toBe(min);
        },
      ),
      { numRuns: 40, seed: 18 },
    );
  });
});
