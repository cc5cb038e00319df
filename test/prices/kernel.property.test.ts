/**
 * Property-based tests (fast-check, fixed seed) of the basket-cost kernel and the tariff row parser: the kernel
 * against a one-plan-at-a-time reference written from the rules, and invariants a reviewer would expect.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FindingLog } from '../../src/ingest/findings.js';
import type { SimpleBasket } from '../../src/prices/basket.js';
import { basketCosts, cheapestPerEconomy } from '../../src/prices/kernel.js';
import { TARIFF_COLUMNS, TariffBuilder, TariffRowReader, type TariffTable } from '../../src/prices/tariffs.js';

const SEED = 20260401;

const basket = (over: Partial<SimpleBasket> = {}): SimpleBasket => ({
  kind: 'simple',
  id: 'b',
  name: 'b',
  service: 'mobile',
  allowances: { data_mb: 2000, voice_min: 70, sms: 20 },
  min_speed_kbps: null,
  technologies: ['3G', '4G', '5G'],
  operator_rule: 'all',
  payment_rule: 'cheapest',
  month_days: 30,
  exclude_promotions: true,
  longer_validity: 'prorate',
  gni_year_rule: 'same',
  years_in_force: { from: 2000, to: null },
  source: 't',
  file: 't',
  ...over,
});

interface Plan {
  price: number;
  validity: number;
  data: number;
  voice: number;
  sms: number;
  extraMb: number | null;
  extraMin: number | null;
  extraSms: number | null;
  addonMb: number | null;
  addonPrice: number;
  taxes: boolean;
  vat: number;
  promo: boolean;
  rank: number;
  tech: string;
}

const planArb: fc.Arbitrary<Plan> = fc.record({
  price: fc.integer({ min: 0, max: 100000 }).map((x) => x / 100),
  validity: fc.constantFrom(1, 3, 7, 10, 15, 30, 31, 60, 90),
  data: fc.oneof(fc.constantFrom(0, 100, 500, 1000, 2000, 5000), fc.constant(Infinity)),
  voice: fc.oneof(fc.constantFrom(0, 10, 70, 100), fc.constant(Infinity)),
  sms: fc.constantFrom(0, 5, 20, 100),
  extraMb: fc.option(fc.integer({ min: 0, max: 500 }).map((x) => x / 100)),
  extraMin: fc.option(fc.integer({ min: 0, max: 500 }).map((x) => x / 100)),
  extraSms: fc.option(fc.integer({ min: 0, max: 500 }).map((x) => x / 100)),
  addonMb: fc.option(fc.constantFrom(50, 100, 300, 1000)),
  addonPrice: fc.integer({ min: 0, max: 10000 }).map((x) => x / 100),
  taxes: fc.boolean(),
  vat: fc.integer({ min: 0, max: 30 }),
  promo: fc.boolean(),
  rank: fc.integer({ min: 1, max: 3 }),
  tech: fc.constantFrom('2G', '3G', '4G', '5G'),
});

const cellOf = (x: number | null): string => (x === null ? '' : x === Infinity ? 'unlimited' : String(x));

function tableOf(plans: Plan[], economyOf: (k: number) => string = () => 'KEN'): TariffTable {
  const b = new TariffBuilder(4);
  const log = new FindingLog();
  const reader = new TariffRowReader('mem.csv', b, log);
  plans.forEach((p, k) => {
    const row: Record<string, string> = {
      economy: economyOf(k),
      year: '2021',
      operator: `Op${p.rank}`,
      operator_rank: String(p.rank),
      plan: `P${k}`,
      service: 'mobile',
      payment: 'prepaid',
      currency: 'KES',
      price: String(p.price),
      validity_days: String(p.validity),
      data_mb: cellOf(p.data),
      voice_min: cellOf(p.voice),
      sms: cellOf(p.sms),
      speed_kbps: '',
      technology: p.tech,
      extra_mb_price: cellOf(p.extraMb),
      extra_min_price: cellOf(p.extraMin),
      extra_sms_price: cellOf(p.extraSms),
      addon_mb: cellOf(p.addonMb),
      addon_price: p.addonMb === null ? '' : String(p.addonPrice),
      promotional: String(p.promo),
      taxes_included: String(p.taxes),
      vat_rate: p.taxes ? '' : String(p.vat),
      commitment_months: '',
      note: '',
    };
    expect(
      reader.read(
        TARIFF_COLUMNS.map((c) => row[c]),
        k + 2,
      ),
    ).toBe(true);
  });
  expect(log.errors).toBe(0);
  return b.toTable('mem.csv');
}

/** Reference: one plan, straight from the rules in the kernel's doc comment. */
function referenceCost(p: Plan, a = { data_mb: 2000, voice_min: 70, sms: 20 }): number | null {
  if (p.promo || p.tech === '2G') return null;
  const k = p.validity < 30 ? Math.ceil(30 / p.validity) : 30 / p.validity;
  let cost = p.price * k;
  const dShort = Math.max(0, a.data_mb - p.data * k);
  if (dShort > 0) {
    const options = [p.addonMb !== null ? Math.ceil(dShort / p.addonMb) * p.addonPrice : null, p.extraMb !== null ? dShort * p.extraMb : null].filter(
      (x): x is number => x !== null,
    );
    if (!options.length) return null;
    cost += Math.min(...options);
  }
  const vShort = Math.max(0, a.voice_min - p.voice * k);
  if (vShort > 0) {
    if (p.extraMin === null) return null;
    cost += vShort * p.extraMin;
  }
  const sShort = Math.max(0, a.sms - p.sms * k);
  if (sShort > 0) {
    if (p.extraSms === null) return null;
    cost += sShort * p.extraSms;
  }
  return p.taxes ? cost : cost * (1 + p.vat / 100);
}

describe('basket-cost kernel (property-based)', () => {
  it('matches the one-plan reference for every plan', () => {
    fc.assert(
      fc.property(fc.array(planArb, { minLength: 1, maxLength: 30 }), (plans) => {
        const t = tableOf(plans);
        const c = basketCosts(t, basket(), 2021);
        plans.forEach((p, i) => {
          const ref = referenceCost(p);
          if (ref === null) expect(c.reason[i]).not.toBe(0);
          else {
            expect(c.reason[i]).toBe(0);
            expect(c.cost[i]).toBeCloseTo(ref, 8);
          }
        });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('the chosen plan is eligible and no eligible plan of the economy is cheaper; none chosen only when none is eligible', () => {
    fc.assert(
      fc.property(fc.array(planArb, { minLength: 1, maxLength: 40 }), (plans) => {
        const t = tableOf(plans, (k) => (k % 3 === 0 ? 'KEN' : k % 3 === 1 ? 'UGA' : 'TZA'));
        const c = basketCosts(t, basket(), 2021);
        const best = cheapestPerEconomy(t, c);
        for (let e = 0; e < t.economies.length; e++) {
          const mine = [...Array(t.length).keys()].filter((i) => t.economy[i] === e);
          const eligible = mine.filter((i) => c.reason[i] === 0);
          if (!eligible.length) expect(best[e]).toBe(-1);
          else {
            expect(c.reason[best[e]]).toBe(0);
            for (const i of eligible) expect(c.cost[best[e]]).toBeLessThanOrEqual(c.cost[i]);
          }
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("adding a plan never makes an economy's basket price dearer", () => {
    fc.assert(
      fc.property(fc.array(planArb, { minLength: 1, maxLength: 20 }), planArb, (plans, extra) => {
        const price = (ps: Plan[]): number => {
          const t = tableOf(ps);
          const c = basketCosts(t, basket(), 2021);
          const b = cheapestPerEconomy(t, c)[0];
          return b >= 0 ? c.cost[b] : Infinity;
        };
        expect(price([...plans, extra])).toBeLessThanOrEqual(price(plans));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('operator rule largest: only the lowest rank present is eligible', () => {
    fc.assert(
      fc.property(fc.array(planArb, { minLength: 1, maxLength: 20 }), (plans) => {
        const t = tableOf(plans);
        const c = basketCosts(t, basket({ operator_rule: 'largest' }), 2021);
        const minRank = Math.min(...plans.map((p) => p.rank));
        plans.forEach((p, i) => {
          if (c.reason[i] === 0) expect(p.rank).toBe(minRank);
        });
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe('tariff row parser (property-based)', () => {
  it('numbers read back exactly; any non-number text in a numeric column is an error naming line, column and value', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.integer({ min: 2, max: 1e6 }),
        (x, junk, line) => {
          const base: Record<string, string> = {
            economy: 'KEN',
            year: '2021',
            operator: 'Op',
            operator_rank: '1',
            plan: 'P',
            service: 'mobile',
            payment: 'prepaid',
            currency: 'KES',
            price: String(x),
            validity_days: '30',
            data_mb: '',
            voice_min: '',
            sms: '',
            speed_kbps: '',
            technology: '4G',
            extra_mb_price: '',
            extra_min_price: '',
            extra_sms_price: '',
            addon_mb: '',
            addon_price: '',
            promotional: 'false',
            taxes_included: 'true',
            vat_rate: '',
            commitment_months: '',
            note: '',
          };
          const b = new TariffBuilder(2),
            log = new FindingLog();
          expect(
            new TariffRowReader('f.csv', b, log).read(
              TARIFF_COLUMNS.map((c) => base[c]),
              line,
            ),
          ).toBe(true);
          expect(b.toTable('f.csv').price[0]).toBe(x);
          const bad = junk.trim();
          fc.pre(bad !== '' && !Number.isFinite(Number(bad)));
          const b2 = new TariffBuilder(2),
            log2 = new FindingLog();
          expect(
            new TariffRowReader('f.csv', b2, log2).read(
              TARIFF_COLUMNS.map((c) => (c === 'price' ? junk : base[c])),
              line,
            ),
          ).toBe(false);
          expect(b2.length).toBe(0);
          expect(log2.examples[0]).toMatchObject({ line, column: 'price', rule: 'bad-tariff-field' });
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
