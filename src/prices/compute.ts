/**
 * Basket prices per economy: the kernel's costs, compared in the economy's local currency (a plan priced in another
 * currency converted at the year's exchange rates), the cheapest plan chosen in whole minor units, then —
 *   USD    = local price / exchange rate (LCU per US$) of the year (a plan priced in US$: its own price)
 *   PPP$   = local price / PPP conversion factor (LCU per international $) of the year
 *   % GNI  = price / (GNI per capita / 12) x 100, price and GNI in the same currency (indicators/baskets/conversion/
 *            gni.json): ITU's own denominator where bundled, else GNI p.c. in local currency when given, else the
 *            US$ price over Atlas US$ GNI p.c. (a named departure); GNI of the basket's year rule, an older year up to
 *            the maximum age adjusted for inflation.
 * A missing rate or denominator leaves that figure empty with a warning naming it, never zero.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Data, Table, Vector } from 'apache-arrow';
import { dictionaryStrings, isValidRow, rowValues } from '../table/data-view.js';
import { parseCsv } from '../util/csv-parse.js';
import { UserInputError } from '../util/errors.js';
import { indicatorsDir } from '../util/paths.js';
import type { Basket, CompositeBasket, GniYearRule, SimpleBasket } from './basket.js';
import { loadCurrencies, type CurrencyTable } from './currencies.js';
import { basketCosts, cheapestPerEconomy, tiesOf, ELIGIBLE, INELIGIBLE_REASONS, NO_RATE, UNKNOWN_LOCAL_CURRENCY, type BasketCosts } from './kernel.js';
import type { TariffTable } from './tariffs.js';

export const CONVERSION_INDICATORS = {
  exchangeRate: 'exchange_rate_lcu_per_usd',
  ppp: 'ppp_factor_lcu_per_intl',
  gni: 'gni_pc_atlas_usd',
  gniLcu: 'gni_pc_lcu',
  cpi: 'cpi_inflation_pct',
  deflator: 'gdp_deflator_inflation_pct',
} as const;

/** WDI series codes of the conversion inputs (explain names them). */
export const SERIES_CODES: Record<string, string> = {
  exchange_rate_lcu_per_usd: 'PA.NUS.FCRF',
  ppp_factor_lcu_per_intl: 'PA.NUS.PPP',
  gni_pc_atlas_usd: 'NY.GNP.PCAP.CD',
  gni_pc_lcu: 'NY.GNP.PCAP.CN',
  cpi_inflation_pct: 'FP.CPI.TOTL.ZG',
  gdp_deflator_inflation_pct: 'NY.GDP.DEFL.KD.ZG',
  itu_denominator: 'GNI_denominator (ITU, Dec 2025 release)',
};

export interface ConversionValue {
  value: number;
  year: number;
  source: string;
  indicator: string;
  economy?: string;
  seriesCode?: string;
}

/** One row of ITU's GNI_denominator sheet: the monthly GNI p.c. ITU divided by, and a second currency's where baskets differ. */
export interface ItuDenominator {
  economy: string;
  priceYear: number;
  gniYear: number;
  monthly: number;
  /** ISO 4217 code, or '' for the economy's local currency. */
  currency: string;
  currencyText: string;
  other?: { currency: string; monthly: number; text: string };
  note: string;
  source: string;
}

export interface GniRule {
  source: string;
  max_age_years: number;
  denominators: Array<{ id: string; what: string; years?: number[]; inflation?: { indicator: string; economy: string; what: string }; departure?: string }>;
  departures: string[];
  rounding: string;
  audit_tolerance_pct: number;
  unverified?: Record<string, string>;
}

export const gniRuleFile = (): string => join(indicatorsDir(), 'baskets', 'conversion', 'gni.json');
let gniRuleCache: GniRule | undefined;
export function loadGniRule(path?: string): GniRule {
  if (!path && gniRuleCache) return gniRuleCache;
  const file = path ?? gniRuleFile();
  let r: GniRule;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as GniRule;
  } catch (e) {
    throw new UserInputError(`${file}: cannot read the GNI rule: ${(e as Error).message}`);
  }
  if (!Number.isInteger(r.max_age_years) || r.max_age_years < 0)
    throw new UserInputError(`${file}: field "max_age_years", value ${JSON.stringify(r.max_age_years)}: must be a whole number >= 0 [bad-gni-rule]`);
  if (!(typeof r.audit_tolerance_pct === 'number' && r.audit_tolerance_pct > 0))
    throw new UserInputError(`${file}: field "audit_tolerance_pct", value ${JSON.stringify(r.audit_tolerance_pct)}: must be a number > 0 [bad-gni-rule]`);
  if (!path) gniRuleCache = r;
  return r;
}

/** Currency names in ITU's GNI_denominator notes that are not the economy's own currency. */
const NAMED_CURRENCIES: Array<[RegExp, string]> = [
  [/^(u\.?s\.?|us) dollar$/i, 'USD'],
  [/^euro$/i, 'EUR'],
];

/** "Other currency used: US Dollar (GNI Value = 51.7)" in a GNI_denominator note (string search, no backtracking). */
function otherCurrency(note: string): { text: string; monthly: number } | undefined {
  const tag = 'Other currency used:';
  const at = note.indexOf(tag);
  if (at < 0) return undefined;
  const rest = note.slice(at + tag.length);
  const open = rest.indexOf('(GNI Value =');
  const close = open < 0 ? -1 : rest.indexOf(')', open);
  if (close < 0) return undefined;
  const monthly = Number(rest.slice(open + '(GNI Value ='.length, close).trim());
  return Number.isFinite(monthly) && monthly > 0 ? { text: rest.slice(0, open).trim(), monthly } : undefined;
}

/**
 * ITU's GNI_denominator rows (bundled as datasets/itu-prices-2025-12/gni_denominator.csv: economy, economy_name,
 * monthly_gni_per_capita, notes, source). The GNI year and currency are parsed from the note ("GNI data year: 2024.
 * In Albanian lek"); a currency other than US$ or the euro is the economy's own. Every row names the price year.
 */
export function parseItuDenominators(rows: ReadonlyArray<Record<string, string>>, priceYear: number, file: string): ItuDenominator[] {
  const out: ItuDenominator[] = [];
  rows.forEach((r, k) => {
    const line = k + 2;
    const note = r.notes ?? '';
    const y = /GNI data year:\s*(\d{4})/.exec(note);
    // "In U.S. dollar." : the abbreviation's periods are not the end of the currency name.
    const c = /\bIn ([^.]+)/.exec(note.replace(/\bU\.S\./g, 'US'));
    const monthly = Number(r.monthly_gni_per_capita);
    if (!y || !c || !(monthly > 0))
      throw new UserInputError(
        `${file}:${line}: column "notes", value ${JSON.stringify(note)}: expected "GNI data year: YYYY. In <currency>" and a monthly GNI > 0 [bad-denominator]`,
      );
    const named = (text: string): string => NAMED_CURRENCIES.find(([re]) => re.test(text.trim()))?.[1] ?? '';
    const o = otherCurrency(note);
    out.push({
      economy: r.economy,
      priceYear,
      gniYear: Number(y[1]),
      monthly,
      currency: named(c[1]),
      currencyText: c[1].trim(),
      other: o ? { currency: named(o.text), monthly: o.monthly, text: o.text } : undefined,
      note,
      source: `${r.source}; ITU ICT Price Baskets, Dec 2025 release, sheet GNI_denominator (${file}:${line})`,
    });
  });
  return out;
}

/** Conversion inputs by indicator, economy and year; exchange rates of every economy (a third currency needs another economy's rate). */
export class ConversionInputs {
  private readonly data = new Map<string, Map<number, ConversionValue>>();
  private readonly denominators = new Map<string, ItuDenominator>();
  /** What the inputs are (bundled content hash, store date, input files): explain prints it as the data vintage. */
  vintage = '';

  static fromTable(table: Table, economies: ReadonlySet<string>): ConversionInputs {
    const c = new ConversionInputs();
    const wanted = new Set<string>(Object.values(CONVERSION_INDICATORS));
    const eco = table.getChild('economy')!,
      ind = table.getChild('indicator')!,
      yr = table.getChild('year')!,
      val = table.getChild('value')!,
      src = table.getChild('source'),
      series = table.getChild('series_code');
    // Batch by batch, string columns through their dictionaries' strings (decoded once) where they have one:
    // a Vector's get decodes the string again for each row (most of the time of this loop over the bundled data).
    const aligned = [eco, src, series].every((v) => !v || (v.data.length === ind.data.length && v.data.every((d, k) => d.length === ind.data[k].length)));
    let first = 0;
    for (let k = 0; k < ind.data.length; k++) {
      const n = ind.data[k].length,
        at = first;
      const text = (v: Vector | null, d: Data | undefined): ((i: number) => string | null) => {
        if (!v || !d) return () => null;
        if (!d.dictionary || !aligned) return (i) => v.get(at + i) as string | null;
        const strings = dictionaryStrings(d),
          codes = rowValues<Int32Array>(d);
        return (i) => (isValidRow(d, i) ? strings[codes[i]] : null);
      };
      const indAt = text(ind, ind.data[k]),
        ecoAt = text(eco, eco.data[k]),
        srcAt = text(src, src?.data[k]),
        seriesAt = text(series, series?.data[k]);
      for (let i = 0; i < n; i++) {
        const indicator = indAt(i) as string;
        if (!wanted.has(indicator)) continue;
        const economy = ecoAt(i) as string;
        const keep =
          economies.has(economy) || indicator === CONVERSION_INDICATORS.exchangeRate || (indicator === CONVERSION_INDICATORS.deflator && economy === 'USA');
        if (!keep) continue;
        const key = `${indicator}|${economy}`;
        let m = c.data.get(key);
        if (!m) c.data.set(key, (m = new Map()));
        const year = yr.get(at + i) as number;
        m.set(year, {
          value: val.get(at + i) as number,
          year,
          source: srcAt(i) ?? '',
          indicator,
          economy,
          seriesCode: seriesAt(i) || SERIES_CODES[indicator],
        });
      }
      first += n;
    }
    return c;
  }

  addDenominators(list: readonly ItuDenominator[]): this {
    for (const d of list) this.denominators.set(`${d.economy}|${d.priceYear}`, d);
    return this;
  }

  denominator(economy: string, priceYear: number): ItuDenominator | undefined {
    return this.denominators.get(`${economy}|${priceYear}`);
  }

  get(indicator: string, economy: string, year: number): ConversionValue | undefined {
    return this.data.get(`${indicator}|${economy}`)?.get(year);
  }

  /**
   * GNI p.c. (`indicator`) by the basket's rule: the rule's year (same or previous), else the latest year up to the
   * price year no more than `maxAge` years before the rule's year ('latest': the latest up to the price year within
   * `maxAge` of it).
   */
  gni(economy: string, year: number, rule: GniYearRule, maxAge = Infinity, indicator: string = CONVERSION_INDICATORS.gni): ConversionValue | undefined {
    const target = rule === 'previous' ? year - 1 : year;
    if (rule !== 'latest') {
      const v = this.get(indicator, economy, target);
      if (v) return v;
    }
    const m = this.data.get(`${indicator}|${economy}`);
    let best: ConversionValue | undefined;
    if (m) for (const v of m.values()) if (v.year <= year && v.year >= target - maxAge && (!best || v.year > best.year)) best = v;
    return best;
  }

  /**
   * Local-currency units per US$ of a currency in a year: 1 for US$; the economy's own rate for its local currency;
   * for another currency, the rate of the first economy (ISO3 order) whose local currency it is that year.
   */
  lcuPerUsd(currency: string, year: number, currencies: CurrencyTable, economy?: string): ConversionValue | undefined {
    if (currency === 'USD') return { value: 1, year, source: 'US$: 1 by definition', indicator: CONVERSION_INDICATORS.exchangeRate, economy: 'USA' };
    if (economy && currencies.local(economy, year) === currency) return this.get(CONVERSION_INDICATORS.exchangeRate, economy, year);
    for (const e of currencies.economiesUsing(currency, year)) {
      const v = this.get(CONVERSION_INDICATORS.exchangeRate, e, year);
      if (v) return v;
    }
    return undefined;
  }

  /** Inflation factor from `fromYear` to `toYear`: the product of (1 + rate / 100) over the years after `fromYear`; undefined when a year is missing. */
  inflation(indicator: string, economy: string, fromYear: number, toYear: number): { factor: number; years: ConversionValue[] } | undefined {
    let factor = 1;
    const years: ConversionValue[] = [];
    for (let y = fromYear + 1; y <= toYear; y++) {
      const v = this.get(indicator, economy, y);
      if (!v) return undefined;
      factor *= 1 + v.value / 100;
      years.push(v);
    }
    return { factor, years };
  }
}

/** Each considered plan's cost in its economy's local currency, and the comparison in whole minor units. */
export interface LocalComparison {
  /** Local currency of each economy (index into t.economies); '' when unknown. */
  local: string[];
  /** Cost in the local currency (NaN when ineligible). */
  costLocal: Float64Array;
  /** Cost in whole minor units of the local currency (what the cheapest plan is chosen on). */
  units: Float64Array;
  /** Local units per unit of the plan's currency (1 for a local-currency plan). */
  rate: Float64Array;
  /** The two exchange rates behind a cross-currency conversion, by plan index. */
  rates: Map<number, { planCurrency: ConversionValue; local: ConversionValue }>;
}

/**
 * Plans in another currency than the economy's are converted: cost x (LCU per US$ of the economy) / (units of the
 * plan's currency per US$). A plan whose currency has no rate that year, or an economy whose currency the currency
 * file does not know, becomes ineligible with that reason (written into `costs.reason`).
 */
export function compareInLocalCurrency(t: TariffTable, costs: BasketCosts, year: number, inputs: ConversionInputs, currencies: CurrencyTable): LocalComparison {
  const n = t.length;
  const local = t.economies.map((e) => currencies.local(e, year) ?? '');
  const out: LocalComparison = {
    local,
    costLocal: new Float64Array(n).fill(NaN),
    units: new Float64Array(n).fill(NaN),
    rate: new Float64Array(n).fill(NaN),
    rates: new Map(),
  };
  const rateCache = new Map<string, { planCurrency: ConversionValue; local: ConversionValue } | null>();
  for (let i = 0; i < n; i++) {
    if (!costs.considered[i]) continue;
    const e = t.economy[i];
    const loc = local[e];
    const cur = t.currencies[t.currency[i]];
    let r = loc ? 1 : NaN;
    if (loc && cur !== loc && cur !== currencies.testing) {
      const key = `${t.economies[e]}|${cur}`;
      let pair = rateCache.get(key);
      if (pair === undefined) {
        const a = inputs.lcuPerUsd(loc, year, currencies, t.economies[e]);
        const b = inputs.lcuPerUsd(cur, year, currencies);
        rateCache.set(key, (pair = a && b ? { planCurrency: b, local: a } : null));
      }
      r = pair ? pair.local.value / pair.planCurrency.value : NaN;
      if (pair) out.rates.set(i, pair);
    }
    out.rate[i] = r;
    if (costs.reason[i] !== ELIGIBLE) continue;
    if (!loc) {
      costs.reason[i] = UNKNOWN_LOCAL_CURRENCY;
      costs.cost[i] = NaN;
      continue;
    }
    if (Number.isNaN(r)) {
      costs.reason[i] = NO_RATE;
      costs.cost[i] = NaN;
      continue;
    }
    const c = costs.cost[i] * r;
    out.costLocal[i] = c;
    out.units[i] = Math.round(c * 10 ** currencies.minorUnits(loc));
  }
  return out;
}

/** The denominator a % of GNI p.c. was computed with. */
export interface GniUsed {
  method: 'itu_denominator' | 'gni_pc_lcu' | 'gni_pc_atlas_usd';
  /** The currency of the denominator (and of the price divided by it). */
  currency: string;
  /** Annual GNI p.c. as divided by (after any inflation adjustment); ITU's denominator: 12 x its monthly value. */
  annual: number;
  input: ConversionValue;
  /** The price in the denominator's currency. */
  price: number;
  adjustment?: { factor: number; indicator: string; economy: string; from: number; to: number; years: ConversionValue[] };
  denominator?: ItuDenominator;
}

export interface EconomyPrice {
  economy: string;
  basket: string;
  year: number;
  plan: number; // index of the chosen plan, or -1
  operator: string;
  planName: string;
  /** The local currency: the currency of priceLcu, in which plans are compared. */
  currency: string;
  priceLcu: number;
  /** The chosen plan's own currency and monthly cost in it. */
  planCurrency: string;
  planCost: number;
  priceUsd: number;
  pricePpp: number;
  pctGni: number;
  status: string;
  warnings: string[];
  /** Where the figure departs from ITU's method (each output that uses it says so). */
  departures: string[];
  /** Lines of the other plans whose cost equals the chosen one's in whole minor units (the tie rule chose). */
  tiedWith: number[];
  inputs: { exchangeRate?: ConversionValue; planRate?: ConversionValue; ppp?: ConversionValue; gni?: GniUsed };
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** One economy's basket price as a JSON record: what `prices compute --format json` and the API's prices route give. */
export function economyPriceRecord(p: EconomyPrice): Record<string, unknown> {
  return {
    economy: p.economy,
    basket: p.basket,
    year: p.year,
    operator: p.operator || null,
    plan: p.planName || null,
    currency: p.currency || null,
    price_lcu: finiteOrNull(p.priceLcu),
    price_usd: finiteOrNull(p.priceUsd),
    price_ppp: finiteOrNull(p.pricePpp),
    plan_currency: p.planCurrency || null,
    plan_cost: finiteOrNull(p.planCost),
    pct_gni: finiteOrNull(p.pctGni),
    gni_method: p.inputs.gni?.method ?? null,
    status: p.status,
    warnings: p.warnings,
    departures: p.departures,
    tied_with_lines: p.tiedWith,
  };
}

export interface BasketResult {
  prices: EconomyPrice[];
  costs?: BasketCosts;
  comparison?: LocalComparison;
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

export interface PriceToConvert {
  /** Monthly cost in the economy's local currency. */
  local: number;
  localCurrency: string;
  /** The plan's own currency and cost (a US$ plan's US$ price is used as it is). */
  planCurrency?: string;
  planCost?: number;
}

/** % of GNI p.c. by the GNI rule (gni.json): ITU's denominator, else local-currency GNI, else US$ over Atlas. */
function pctOfGni(
  economy: string,
  year: number,
  p: PriceToConvert,
  priceUsd: number,
  basket: SimpleBasket,
  inputs: ConversionInputs,
  currencies: CurrencyTable,
  rule: GniRule,
  warnings: string[],
  departures: string[],
): { pct: number; gni?: GniUsed } {
  const den = inputs.denominator(economy, year);
  if (den) {
    const useOther = den.other && den.other.currency !== '' && den.other.currency === p.planCurrency;
    const cur = useOther ? den.other!.currency : den.currency || p.localCurrency;
    const monthly = useOther ? den.other!.monthly : den.monthly;
    let price = NaN;
    if (cur === p.localCurrency) price = p.local;
    else if (cur === p.planCurrency && p.planCost !== undefined) price = p.planCost;
    else if (cur === 'USD') price = priceUsd;
    else {
      const r = inputs.lcuPerUsd(cur, year, currencies);
      price = r ? priceUsd * r.value : NaN;
    }
    if (!Number.isNaN(price)) {
      const input: ConversionValue = {
        value: monthly,
        year: den.gniYear,
        source: den.source,
        indicator: 'itu_denominator',
        economy,
        seriesCode: SERIES_CODES.itu_denominator,
      };
      if (useOther)
        warnings.push(`ITU's GNI_denominator gives ${economy} a second denominator for baskets priced in ${den.other!.text}: used it (${monthly} a month)`);
      return { pct: (price / monthly) * 100, gni: { method: 'itu_denominator', currency: cur, annual: monthly * 12, input, price, denominator: den } };
    }
    warnings.push(`ITU's denominator for ${economy} ${year} is in ${den.currencyText}, and the price cannot be converted to it: the next rule used`);
  }
  const target = basket.gni_year_rule === 'previous' ? year - 1 : year;
  for (const d of rule.denominators) {
    if (d.id === 'itu_denominator') continue;
    const indicator = d.id;
    const v = inputs.gni(economy, year, basket.gni_year_rule, rule.max_age_years, indicator);
    if (!v) continue;
    const cur = indicator === CONVERSION_INDICATORS.gniLcu ? p.localCurrency : 'USD';
    const price = indicator === CONVERSION_INDICATORS.gniLcu ? p.local : priceUsd;
    if (Number.isNaN(price)) continue;
    let annual = v.value;
    let adjustment: GniUsed['adjustment'];
    if (v.year < target && d.inflation) {
      const ecoInf = d.inflation.economy === 'same' ? economy : d.inflation.economy;
      const inf = inputs.inflation(d.inflation.indicator, ecoInf, v.year, target);
      if (!inf) {
        warnings.push(
          `no ${d.inflation.indicator} for ${ecoInf} in every year ${v.year + 1}-${target}: the ${v.year} ${indicator} cannot be brought to ${target}; pct_gni left empty`,
        );
        return { pct: NaN };
      }
      annual = v.value * inf.factor;
      adjustment = { factor: inf.factor, indicator: d.inflation.indicator, economy: ecoInf, from: v.year, to: target, years: inf.years };
      warnings.push(
        `no ${indicator} for ${economy} ${target} (the ${basket.gni_year_rule} year of ${year}): used ${v.year} x ${+inf.factor.toPrecision(8)} (${d.inflation.indicator} ${ecoInf} ${v.year + 1}-${target})`,
      );
    } else if (v.year !== target)
      warnings.push(`no ${indicator} for ${economy} ${target} (the ${basket.gni_year_rule} year of ${year}): used ${v.year}, the latest available`);
    if (d.departure) departures.push(d.departure);
    return { pct: ((price * 12) / annual) * 100, gni: { method: indicator as GniUsed['method'], currency: cur, annual, input: v, price, adjustment } };
  }
  warnings.push(
    `missing ${CONVERSION_INDICATORS.gni} for ${economy} (${basket.gni_year_rule} year of ${year}, at most ${rule.max_age_years} years older): pct_gni left empty`,
  );
  return { pct: NaN };
}

export function convertPrice(
  economy: string,
  year: number,
  p: PriceToConvert,
  basket: SimpleBasket,
  inputs: ConversionInputs,
  currencies: CurrencyTable = loadCurrencies(),
  rule: GniRule = loadGniRule(),
): Pick<EconomyPrice, 'priceUsd' | 'pricePpp' | 'pctGni' | 'warnings' | 'departures' | 'inputs'> {
  const warnings: string[] = [];
  const departures = [...rule.departures];
  const rate = inputs.lcuPerUsd(p.localCurrency, year, currencies, economy);
  const ppp = inputs.get(CONVERSION_INDICATORS.ppp, economy, year);
  if (!rate && p.planCurrency !== 'USD')
    warnings.push(`missing ${CONVERSION_INDICATORS.exchangeRate} for ${economy} ${year}: price_usd and pct_gni left empty`);
  if (!ppp) warnings.push(`missing ${CONVERSION_INDICATORS.ppp} for ${economy} ${year}: price_ppp left empty`);
  // A US$ plan's US$ price is its own; otherwise the local price over the economy's rate.
  const priceUsd = p.planCurrency === 'USD' && p.planCost !== undefined ? p.planCost : rate ? p.local / rate.value : NaN;
  const pricePpp = ppp && !Number.isNaN(p.local) ? p.local / ppp.value : NaN;
  const { pct, gni } = pctOfGni(economy, year, p, priceUsd, basket, inputs, currencies, rule, warnings, departures);
  return { priceUsd, pricePpp, pctGni: pct, warnings, departures: [...new Set(departures)], inputs: { exchangeRate: rate, ppp, gni } };
}

export function computeSimpleBasket(
  t: TariffTable,
  basket: SimpleBasket,
  year: number,
  inputs: ConversionInputs,
  opts: { steps?: boolean; currencies?: CurrencyTable; gniRule?: GniRule } = {},
): BasketResult {
  const currencies = opts.currencies ?? loadCurrencies();
  const rule = opts.gniRule ?? loadGniRule();
  const costs = basketCosts(t, basket, year, opts);
  const comparison = compareInLocalCurrency(t, costs, year, inputs, currencies);
  const best = cheapestPerEconomy(t, costs, comparison.units);
  const ties = tiesOf(t, costs, comparison.units, best);
  const yearWarning = yearsInForceWarning(basket, year);
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
        currency: comparison.local[e],
        priceLcu: NaN,
        planCurrency: '',
        planCost: NaN,
        priceUsd: NaN,
        pricePpp: NaN,
        pctGni: NaN,
        status: reasonSummary(t, costs, e),
        warnings: yearWarning ? [yearWarning] : [],
        departures: [],
        tiedWith: [],
        inputs: {},
      });
      continue;
    }
    const planCurrency = t.currencies[t.currency[i]];
    const local = comparison.costLocal[i];
    const c = convertPrice(
      economy,
      year,
      { local, localCurrency: comparison.local[e], planCurrency, planCost: costs.cost[i] },
      basket,
      inputs,
      currencies,
      rule,
    );
    const warnings = yearWarning ? [yearWarning, ...c.warnings] : c.warnings;
    const r = comparison.rates.get(i);
    if (r) c.inputs.planRate = r.planCurrency;
    prices.push({
      economy,
      basket: basket.id,
      year,
      plan: i,
      operator: t.operators[t.operator[i]],
      planName: t.plans[t.plan[i]],
      currency: comparison.local[e],
      priceLcu: local,
      planCurrency,
      planCost: costs.cost[i],
      ...c,
      warnings,
      tiedWith: (ties.get(i) ?? []).map((j) => t.line[j]),
      status: warnings.length ? warnings.map((w) => w.split(':', 1)[0]).join('; ') : 'ok',
    });
  }
  return { prices, costs, comparison };
}

/** A year outside the basket's years in force: refused (UserInputError) or a warning, as the basket says. */
export function yearsInForceWarning(basket: Basket, year: number): string | undefined {
  const { from, to } = basket.years_in_force;
  if (year >= from && (to === null || year <= to)) return undefined;
  const msg = `basket ${basket.id} is in force ${from}-${to ?? ''}, not in ${year}`;
  if ((basket.outside_years ?? 'warn') === 'refuse')
    throw new UserInputError(`${msg} (the basket refuses other years: "outside_years": "refuse") [outside-years-in-force]`, {
      code: 'outside-years-in-force',
      field: 'year',
      value: String(year),
    });
  return msg;
}

/** The composite IPB: each sub-basket's % of GNI p.c. capped, then their mean; empty when a sub-basket is. */
export function computeCompositeBasket(
  t: TariffTable,
  basket: CompositeBasket,
  all: Map<string, Basket>,
  year: number,
  inputs: ConversionInputs,
): BasketResult {
  const yearWarning = yearsInForceWarning(basket, year);
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
      const status = [yearWarning, missing.length ? `no % of GNI p.c. for ${missing.join(', ')}` : ''].filter(Boolean).join('; ');
      return {
        economy,
        basket: basket.id,
        year,
        plan: -1,
        operator: '',
        planName: vals.map((v) => `${v.id}=${v.r && !Number.isNaN(v.r.pctGni) ? +v.r.pctGni.toFixed(4) : ''}`).join(' '),
        currency: '',
        priceLcu: NaN,
        planCurrency: '',
        planCost: NaN,
        priceUsd: NaN,
        pricePpp: NaN,
        pctGni: pct,
        status: status || 'ok',
        warnings: yearWarning ? [yearWarning] : [],
        departures: [...new Set(vals.flatMap((v) => v.r?.departures ?? []))],
        tiedWith: [],
        inputs: {},
      };
    }),
  };
}

export const COMPUTE_COLUMNS = [
  'economy',
  'basket',
  'year',
  'operator',
  'plan',
  'currency',
  'price_lcu',
  'plan_currency',
  'plan_cost',
  'price_usd',
  'price_ppp',
  'pct_gni',
  'gni_method',
  'status',
] as const;

/** The GNI_denominator file of a bundled release folder (economy, economy_name, monthly_gni_per_capita, notes, source). */
export function readItuDenominatorFile(path: string, priceYear: number): ItuDenominator[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserInputError(`${path}: cannot read: ${(e as Error).message}`);
  }
  const [head, ...rows] = parseCsv(text);
  const names = head.fields;
  return parseItuDenominators(
    rows.filter((r) => r.fields.length > 1).map((r) => Object.fromEntries(names.map((h, k) => [h, r.fields[k] ?? '']))),
    priceYear,
    path,
  );
}
