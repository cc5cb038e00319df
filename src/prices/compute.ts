/**
 * Basket prices per economy: the kernel's chosen plan, then the conversions —
 *   USD    = local price / exchange rate (LCU per US$) of the year
 *   PPP$   = local price / PPP conversion factor (LCU per international $) of the year
 *   % GNI  = USD price x 12 / GNI per capita (Atlas, US$) x 100, GNI of the year the basket's rule picks
 * A missing rate or denominator leaves that figure empty with a warning naming it, never zero.
 */
import type { Table } from 'apache-arrow';
import { UserInputError } from '../util/errors.js';
import type { Basket, CompositeBasket, GniYearRule, SimpleBasket } from './basket.js';
import { basketCosts, cheapestPerEconomy, INELIGIBLE_REASONS, type BasketCosts } from './kernel.js';
import type { TariffTable } from './tariffs.js';

export const CONVERSION_INDICATORS = {
  exchangeRate: 'exchange_rate_lcu_per_usd',
  ppp: 'ppp_factor_lcu_per_intl',
  gni: 'gni_pc_atlas_usd',
} as const;

export interface ConversionValue {
  value: number;
  year: number;
  source: string;
  indicator: string;
}

/** Conversion inputs by indicator, economy and year (only the economies asked for). */
export class ConversionInputs {
  private readonly data = new Map<string, Map<number, ConversionValue>>();

  static fromTable(table: Table, economies: ReadonlySet<string>): ConversionInputs {
    const c = new ConversionInputs();
    const wanted = new Set<string>(Object.values(CONVERSION_INDICATORS));
    const eco = table.getChild('economy')!,
      ind = table.getChild('indicator')!,
      yr = table.getChild('year')!,
      val = table.getChild('value')!,
      src = table.getChild('source');
    for (let i = 0; i < table.numRows; i++) {
      const indicator = ind.get(i) as string;
      if (!wanted.has(indicator)) continue;
      const economy = eco.get(i) as string;
      if (!economies.has(economy)) continue;
      const key = `${indicator}|${economy}`;
      let m = c.data.get(key);
      if (!m) c.data.set(key, (m = new Map()));
      const year = yr.get(i) as number;
      m.set(year, { value: val.get(i) as number, year, source: (src?.get(i) as string | null) ?? '', indicator });
    }
    return c;
  }

  get(indicator: string, economy: string, year: number): ConversionValue | undefined {
    return this.data.get(`${indicator}|${economy}`)?.get(year);
  }

  /** GNI per capita by the basket's rule: the same year, the previous year, or the latest year up to the price year. */
  gni(economy: string, year: number, rule: GniYearRule): ConversionValue | undefined {
    if (rule === 'same') return this.get(CONVERSION_INDICATORS.gni, economy, year);
    if (rule === 'previous') return this.get(CONVERSION_INDICATORS.gni, economy, year - 1);
    const m = this.data.get(`${CONVERSION_INDICATORS.gni}|${economy}`);
    let best: ConversionValue | undefined;
    if (m) for (const v of m.values()) if (v.year <= year && (!best || v.year > best.year)) best = v;
    return best;
  }
}

export interface EconomyPrice {
  economy: string;
  basket: string;
  year: number;
  plan: number; // index of the chosen plan, or -1
  operator: string;
  planName: string;
  currency: string;
  priceLcu: number;
  priceUsd: number;
  pricePpp: number;
  pctGni: number;
  status: string;
  warnings: string[];
  inputs: { exchangeRate?: ConversionValue; ppp?: ConversionValue; gni?: ConversionValue };
}

export interface BasketResult {
  prices: EconomyPrice[];
  costs?: BasketCosts;
}

/** Why an economy has no eligible plan: counts of each reason. */
function reasonSummary(t: TariffTable, costs: BasketCosts, economyCode: number): string {
  const counts = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < t.length; i++)
    if (costs.considered[i] && t.economy[i] === economyCode) {
      total++;
      counts.set(costs.reason[i], (counts.get(costs.reason[i]) ?? 0) + 1);
    }
  return `no eligible plan (${total} plan${total === 1 ? '' : 's'}: ${[...counts].map(([r, k]) => `${k} ${INELIGIBLE_REASONS[r]}`).join('; ')})`;
}

export function convertPrice(
  economy: string,
  year: number,
  currency: string,
  priceLcu: number,
  basket: SimpleBasket,
  inputs: ConversionInputs,
): Pick<EconomyPrice, 'priceUsd' | 'pricePpp' | 'pctGni' | 'warnings' | 'inputs'> {
  const warnings: string[] = [];
  const rate =
    currency === 'USD'
      ? { value: 1, year, source: 'the plan is priced in US$', indicator: CONVERSION_INDICATORS.exchangeRate }
      : inputs.get(CONVERSION_INDICATORS.exchangeRate, economy, year);
  const ppp = inputs.get(CONVERSION_INDICATORS.ppp, economy, year);
  let gni = inputs.gni(economy, year, basket.gni_year_rule);
  if (!gni && basket.gni_year_rule === 'previous') {
    // The previous year's GNI p.c. not published (yet): the latest year up to the price year, said in a warning.
    gni = inputs.gni(economy, year, 'latest');
    if (gni) warnings.push(`no ${CONVERSION_INDICATORS.gni} for ${economy} ${year - 1} (the previous year of ${year}): used ${gni.year}, the latest available`);
  }
  if (!rate) warnings.push(`missing ${CONVERSION_INDICATORS.exchangeRate} for ${economy} ${year}: price_usd and pct_gni left empty`);
  if (!ppp) warnings.push(`missing ${CONVERSION_INDICATORS.ppp} for ${economy} ${year}: price_ppp left empty`);
  if (!gni) warnings.push(`missing ${CONVERSION_INDICATORS.gni} for ${economy} (${basket.gni_year_rule} year of ${year}): pct_gni left empty`);
  const priceUsd = rate ? priceLcu / rate.value : NaN;
  // A plan priced in US$ needs the exchange rate to reach local currency for PPP.
  const localForPpp = currency === 'USD' ? (inputs.get(CONVERSION_INDICATORS.exchangeRate, economy, year)?.value ?? NaN) * priceLcu : priceLcu;
  const pricePpp = ppp ? localForPpp / ppp.value : NaN;
  const pctGni = gni && rate ? ((priceUsd * 12) / gni.value) * 100 : NaN;
  return { priceUsd, pricePpp, pctGni, warnings, inputs: { exchangeRate: rate, ppp, gni } };
}

export function computeSimpleBasket(
  t: TariffTable,
  basket: SimpleBasket,
  year: number,
  inputs: ConversionInputs,
  opts: { steps?: boolean } = {},
): BasketResult {
  const costs = basketCosts(t, basket, year, opts);
  const best = cheapestPerEconomy(t, costs);
  const prices: EconomyPrice[] = [];
  const order = t.economies.map((e, k) => [e, k] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [economy, e] of order) {
    const i = best[e];
    if (i === -2) continue; // no plans in the year
    if (i === -1) {
      prices.push({
        economy,
        basket: basket.id,
        year,
        plan: -1,
        operator: '',
        planName: '',
        currency: '',
        priceLcu: NaN,
        priceUsd: NaN,
        pricePpp: NaN,
        pctGni: NaN,
        status: reasonSummary(t, costs, e),
        warnings: [],
        inputs: {},
      });
      continue;
    }
    const currency = t.currencies[t.currency[i]];
    const c = convertPrice(economy, year, currency, costs.cost[i], basket, inputs);
    prices.push({
      economy,
      basket: basket.id,
      year,
      plan: i,
      operator: t.operators[t.operator[i]],
      planName: t.plans[t.plan[i]],
      currency,
      priceLcu: costs.cost[i],
      ...c,
      status: c.warnings.length ? c.warnings.map((w) => w.split(':', 1)[0]).join('; ') : 'ok',
    });
  }
  return { prices, costs };
}

/** The composite IPB: each sub-basket's % of GNI p.c. capped, then their mean; empty when a sub-basket is. */
export function computeCompositeBasket(
  t: TariffTable,
  basket: CompositeBasket,
  all: Map<string, Basket>,
  year: number,
  inputs: ConversionInputs,
): BasketResult {
  const parts = basket.composite.components.map((id) => {
    const b = all.get(id)!;
    if (b.kind !== 'simple') throw new UserInputError(`${basket.file}: component "${id}" is itself composite [bad-basket]`);
    return computeSimpleBasket(t, b, year, inputs).prices;
  });
  const economies = [...new Set(parts.flatMap((p) => p.map((x) => x.economy)))].sort();
  const cap = basket.composite.cap_pct_gni ?? Infinity;
  return {
    prices: economies.map((economy) => {
      const vals = parts.map((p, k) => ({ id: basket.composite.components[k], r: p.find((x) => x.economy === economy) }));
      const missing = vals.filter((v) => !v.r || Number.isNaN(v.r.pctGni)).map((v) => v.id);
      const pct = missing.length ? NaN : vals.reduce((s, v) => s + Math.min(cap, v.r!.pctGni), 0) / vals.length;
      return {
        economy,
        basket: basket.id,
        year,
        plan: -1,
        operator: '',
        planName: vals.map((v) => `${v.id}=${v.r && !Number.isNaN(v.r.pctGni) ? +v.r.pctGni.toFixed(4) : ''}`).join(' '),
        currency: '',
        priceLcu: NaN,
        priceUsd: NaN,
        pricePpp: NaN,
        pctGni: pct,
        status: missing.length ? `no % of GNI p.c. for ${missing.join(', ')}` : 'ok',
        warnings: [],
        inputs: {},
      };
    }),
  };
}

export const COMPUTE_COLUMNS = ['economy', 'basket', 'year', 'operator', 'plan', 'price_lcu', 'price_usd', 'price_ppp', 'pct_gni', 'status'] as const;
