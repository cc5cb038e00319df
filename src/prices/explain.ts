/**
 * `prices explain`: everything a reviewer needs to redo one economy's basket price by hand — the basket's rules,
 * every plan of the economy and year with its monthly cost (each step) or why it is ineligible, the chosen plan,
 * each conversion input with its source and year, and the conversion arithmetic.
 */
import { allowancesIn, type SimpleBasket } from './basket.js';
import {
  CONVERSION_INDICATORS,
  type ConversionInputs,
  type ConversionValue,
  type EconomyPrice,
  computeSimpleBasket,
  loadGniRule,
  SERIES_CODES,
} from './compute.js';
import { ELIGIBILITY_RULES } from './eligibility/index.js';
import { INELIGIBLE_REASONS, NO_RATE, TOP_UP_ADDON, TOP_UP_EXTRA_MB, type BasketCosts } from './kernel.js';
import { PAYMENTS, PLAN_TECHNOLOGIES, type TariffTable } from './tariffs.js';

const fmt = (x: number): string => (Number.isNaN(x) ? '(empty)' : x === Infinity ? 'unlimited' : String(+x.toPrecision(12)));

export interface PlanExplanation {
  line: number;
  operator: string;
  operatorRank: number;
  plan: string;
  payment: string;
  technology: string;
  eligible: boolean;
  reason: string;
  /** The eligibility rule that excluded the plan (its name in src/prices/eligibility), or the cost step. */
  rule: string | null;
  /** Monthly cost in the plan's own currency. */
  currency: string;
  monthlyCost: number | null;
  /** The same in the economy's local currency (the comparison currency), and in its whole minor units. */
  comparisonCurrency: string;
  comparisonCost: number | null;
  comparisonUnits: number | null;
  steps: string[];
}

export interface ConversionEntry {
  input: string;
  indicator: string;
  seriesCode: string;
  economy: string;
  year: number | null;
  value: number | null;
  source: string;
  vintage: string;
}

export interface Explanation {
  economy: string;
  year: number;
  basket: { id: string; name: string; source: string; rules: string[]; unverified: Record<string, string> };
  plans: PlanExplanation[];
  chosen: PlanExplanation | null;
  /** How the cheapest plan is chosen, and the plans tied with it. */
  choice: { rule: string; tiedWith: number[] };
  conversions: ConversionEntry[];
  arithmetic: string[];
  rounding: string;
  departures: string[];
  result: {
    price_lcu: number | null;
    price_usd: number | null;
    price_ppp: number | null;
    pct_gni: number | null;
    currency: string;
    plan_currency: string;
    plan_cost: number | null;
    gni_method: string | null;
    status: string;
  };
  warnings: string[];
}

function planSteps(t: TariffTable, c: BasketCosts, b: SimpleBasket, year: number, i: number): string[] {
  const a = allowancesIn(b, year);
  const cur = t.currencies[t.currency[i]];
  const v = t.validityDays[i],
    k = c.purchases[i];
  const steps: string[] = [];
  const multiple = b.validity_multiples?.find((m) => m.days === v);
  steps.push(
    multiple
      ? `valid ${fmt(v)} days: bought ${fmt(k)} times a month (basket validity_multiples)`
      : v < b.month_days
        ? `valid ${fmt(v)} days < ${b.month_days}: bought ceil(${b.month_days} / ${fmt(v)}) = ${fmt(k)} times`
        : v > b.month_days && b.longer_validity === 'prorate'
          ? `valid ${fmt(v)} days > ${b.month_days}: prorated x ${b.month_days} / ${fmt(v)} = ${fmt(k)}`
          : `valid ${fmt(v)} days: bought once`,
  );
  steps.push(`base = ${fmt(t.price[i])} x ${fmt(k)} = ${fmt(c.base[i])} ${cur}`);
  if (c.connection[i] > 0)
    steps.push(`connection charges = ${fmt(b.calls_per_month ?? 0)} calls x ${fmt(t.connectionCharge[i])} = ${fmt(c.connection[i])} ${cur}`);
  const line = (what: string, have: number, need: number, unit: string): string =>
    `${what}: ${fmt(have)} x ${fmt(k)} = ${fmt(have * k)} ${unit} included, basket ${fmt(need)} ${unit}`;
  if (a.data_mb > 0) {
    steps.push(line('data', t.dataMb[i], a.data_mb, 'MB'));
    const s = c.dataShortfallMb[i];
    if (s > 0) {
      const viaAddon = Number.isNaN(t.addonMb[i])
        ? 'no add-on sold'
        : `add-on ceil(${fmt(s)} / ${fmt(t.addonMb[i])}) = ${fmt(Math.ceil(s / t.addonMb[i]))} packs x ${fmt(t.addonPrice[i])} = ${fmt(Math.ceil(s / t.addonMb[i]) * t.addonPrice[i])}`;
      const viaExtra = Number.isNaN(t.extraMbPrice[i])
        ? 'no out-of-bundle MB price'
        : `out-of-bundle ${fmt(s)} MB x ${fmt(t.extraMbPrice[i])} = ${fmt(s * t.extraMbPrice[i])}`;
      const chosen =
        c.topUpMethod[i] === TOP_UP_ADDON
          ? 'add-on packs (cheaper or only option)'
          : c.topUpMethod[i] === TOP_UP_EXTRA_MB
            ? 'out-of-bundle MB (cheaper or only option)'
            : 'none: not coverable';
      steps.push(`data shortfall ${fmt(s)} MB: ${viaAddon}; ${viaExtra} -> ${chosen}: ${fmt(c.dataTopUp[i])} ${cur}`);
    }
  }
  if (a.voice_min > 0) {
    steps.push(line('voice', t.voiceMin[i], a.voice_min, 'min'));
    if (c.voiceShortfall[i] > 0) steps.push(`voice shortfall ${fmt(c.voiceShortfall[i])} min x ${fmt(t.extraMinPrice[i])} = ${fmt(c.voiceTopUp[i])} ${cur}`);
  }
  if (a.sms > 0) {
    steps.push(line('SMS', t.sms[i], a.sms, 'SMS'));
    if (c.smsShortfall[i] > 0) steps.push(`SMS shortfall ${fmt(c.smsShortfall[i])} x ${fmt(t.extraSmsPrice[i])} = ${fmt(c.smsTopUp[i])} ${cur}`);
  }
  steps.push(
    `before tax = ${fmt(c.base[i])} + ${fmt(c.connection[i])} + ${fmt(c.dataTopUp[i])} + ${fmt(c.voiceTopUp[i])} + ${fmt(c.smsTopUp[i])} = ${fmt(c.preTax[i])} ${cur}`,
  );
  steps.push(
    t.taxesIncluded[i]
      ? 'taxes included: no VAT added'
      : `taxes not included: x (1 + ${fmt(t.vatRate[i])} / 100) = ${fmt(c.preTax[i] * c.vatFactor[i])} ${cur}`,
  );
  return steps;
}

export const TIE_RULE =
  'cheapest in whole minor units of the local currency (ISO 4217 minor unit, indicators/baskets/conversion/currencies.json); equal costs: the lower operator_rank, then the earlier line (ours: ITU states no tie rule)';

/** The eligibility rule (by name) behind each reason code; cost reasons are the cost arithmetic's. */
function ruleOfReason(code: number): string | null {
  if (code === 0) return null;
  let k = 1;
  for (const r of ELIGIBILITY_RULES) {
    if (code < k + r.reasons.length) return r.name;
    k += r.reasons.length;
  }
  return code >= NO_RATE ? 'currency' : 'cost';
}

export function explainEconomy(t: TariffTable, basket: SimpleBasket, year: number, economy: string, inputs: ConversionInputs): Explanation {
  const rule = loadGniRule();
  const { prices, costs, comparison } = computeSimpleBasket(t, basket, year, inputs, { steps: true });
  const c = costs!;
  const cmp = comparison!;
  const e = t.economies.indexOf(economy);
  const price: EconomyPrice | undefined = prices.find((p) => p.economy === economy);
  const a = allowancesIn(basket, year);
  const plans: PlanExplanation[] = [];
  const localCurrency = e >= 0 ? cmp.local[e] : '';
  for (let i = 0; i < t.length; i++) {
    if (!c.considered[i] || t.economy[i] !== e) continue;
    const eligible = c.reason[i] === 0;
    const r = ruleOfReason(c.reason[i]);
    const steps = r === null || r === 'cost' || r === 'currency' ? planSteps(t, c, basket, year, i) : [`excluded by rule ${r}`];
    const cur = t.currencies[t.currency[i]];
    const pair = cmp.rates.get(i);
    if (pair && !Number.isNaN(c.cost[i]))
      steps.push(
        `in ${localCurrency}: ${fmt(c.cost[i])} ${cur} x ${fmt(pair.local.value)} ${localCurrency}/US$ (${pair.local.seriesCode ?? ''} ${pair.local.economy ?? ''} ${pair.local.year}) / ${fmt(pair.planCurrency.value)} ${cur}/US$ (${cur === 'USD' ? '1 by definition' : `${pair.planCurrency.seriesCode ?? ''} ${pair.planCurrency.economy ?? ''} ${pair.planCurrency.year}`}) = ${fmt(cmp.costLocal[i])} ${localCurrency}`,
      );
    else if (c.reason[i] === NO_RATE) steps.push(`no exchange rate for ${cur} in ${year}: cannot be compared in ${localCurrency}`);
    if (eligible) steps.push(`compared as ${fmt(cmp.units[i])} minor units of ${localCurrency}`);
    plans.push({
      line: t.line[i],
      operator: t.operators[t.operator[i]],
      operatorRank: t.operatorRank[i],
      plan: t.plans[t.plan[i]],
      payment: PAYMENTS[t.payment[i]],
      technology: PLAN_TECHNOLOGIES[t.technology[i]],
      eligible,
      reason: INELIGIBLE_REASONS[c.reason[i]],
      rule: r,
      currency: cur,
      monthlyCost: Number.isNaN(c.cost[i]) ? null : c.cost[i],
      comparisonCurrency: localCurrency,
      comparisonCost: nullable(cmp.costLocal[i]),
      comparisonUnits: nullable(cmp.units[i]),
      steps,
    });
  }
  const chosen = price && price.plan >= 0 ? (plans.find((p) => p.line === t.line[price.plan]) ?? null) : null;
  const conv: ConversionEntry[] = [];
  const arithmetic: string[] = [];
  const vintage = inputs.vintage || 'inputs given in memory';
  const entry = (input: string, indicator: string, v: ConversionValue | undefined, yearAsked: number | null, eco = economy): void => {
    conv.push({
      input,
      indicator,
      seriesCode: v?.seriesCode ?? SERIES_CODES[indicator] ?? '',
      economy: v?.economy ?? eco,
      year: v?.year ?? yearAsked,
      value: v?.value ?? null,
      source: v?.source ?? 'MISSING',
      vintage: v ? vintage : '',
    });
  };
  if (price && price.plan >= 0) {
    const { exchangeRate, ppp, gni, planRate } = price.inputs;
    const cur = price.currency;
    entry(`exchange rate (${cur} per US$)`, CONVERSION_INDICATORS.exchangeRate, exchangeRate, year);
    if (planRate) entry(`exchange rate of the plan's currency (${price.planCurrency} per US$)`, CONVERSION_INDICATORS.exchangeRate, planRate, year, '');
    entry('PPP conversion factor (LCU per international $)', CONVERSION_INDICATORS.ppp, ppp, year);
    if (gni) {
      entry(
        gni.method === 'itu_denominator'
          ? `ITU's monthly GNI p.c. denominator (${gni.denominator?.currencyText}; GNI year ${gni.input.year})`
          : `GNI per capita, ${gni.method === 'gni_pc_lcu' ? 'local currency' : 'Atlas, US$'} (rule: ${basket.gni_year_rule} year, at most ${rule.max_age_years} years older)`,
        gni.method === 'itu_denominator' ? 'itu_denominator' : gni.method,
        gni.input,
        null,
      );
      for (const y of gni.adjustment?.years ?? []) entry(`inflation ${y.year} (GNI adjustment)`, y.indicator, y, y.year, gni.adjustment!.economy);
    } else
      entry(`GNI per capita (rule: ${basket.gni_year_rule} year)`, CONVERSION_INDICATORS.gni, undefined, basket.gni_year_rule === 'previous' ? year - 1 : year);
    arithmetic.push(`plan cost = ${fmt(price.planCost)} ${price.planCurrency}`);
    arithmetic.push(
      price.planCurrency === cur
        ? `price_lcu = plan cost = ${fmt(price.priceLcu)} ${cur}`
        : `price_lcu = plan cost converted to ${cur} = ${fmt(price.priceLcu)} ${cur}`,
    );
    arithmetic.push(
      price.planCurrency === 'USD'
        ? `price_usd = the plan's US$ price = ${fmt(price.priceUsd)}`
        : exchangeRate
          ? `price_usd = ${fmt(price.priceLcu)} / ${fmt(exchangeRate.value)} = ${fmt(price.priceUsd)}`
          : 'price_usd = (empty: no exchange rate)',
    );
    arithmetic.push(ppp ? `price_ppp = ${fmt(price.priceLcu)} / ${fmt(ppp.value)} = ${fmt(price.pricePpp)}` : 'price_ppp = (empty: no PPP factor)');
    if (gni?.method === 'itu_denominator')
      arithmetic.push(`pct_gni = ${fmt(gni.price)} ${gni.currency} / ${fmt(gni.input.value)} (ITU's monthly GNI p.c.) x 100 = ${fmt(price.pctGni)}`);
    else if (gni) {
      if (gni.adjustment)
        arithmetic.push(
          `GNI ${gni.input.year} adjusted to ${gni.adjustment.to}: ${fmt(gni.input.value)} x ${gni.adjustment.years.map((y) => `(1 + ${fmt(y.value)} / 100)`).join(' x ')} = ${fmt(gni.annual)}`,
        );
      arithmetic.push(`pct_gni = ${fmt(gni.price)} ${gni.currency} x 12 / ${fmt(gni.annual)} x 100 = ${fmt(price.pctGni)}`);
    } else arithmetic.push('pct_gni = (empty: no GNI per capita within the rule)');
  }
  return {
    economy,
    year,
    basket: {
      id: basket.id,
      name: basket.name,
      source: basket.source,
      unverified: basket.unverified ?? {},
      rules: [
        `years in force ${basket.years_in_force.from}-${basket.years_in_force.to ?? ''}; another year: ${basket.outside_years ?? 'warn'}`,
        `allowances: ${fmt(a.data_mb)} MB data, ${fmt(a.voice_min)} voice minutes, ${fmt(a.sms)} SMS per ${basket.month_days}-day month`,
        `service ${basket.service}; technologies ${basket.technologies.join('|')}; minimum speed ${basket.min_speed_kbps ?? 'none'}${basket.min_speed_kbps ? ' kbit/s' : ''}`,
        `operator rule ${basket.operator_rule}${basket.operator_rule === 'largest' ? ` (lowest operator_rank among the economy's ${basket.largest_operator_among === 'non-promotional' ? 'non-promotional ' : ''}plans of the year and service)` : ''}; payment rule ${basket.payment_rule}${basket.postpaid_fallback ? ' (postpaid where no prepaid plan)' : ''}; promotions ${basket.exclude_promotions ? 'excluded' : 'allowed'}`,
        `commitment: ${basket.commitment ? `closest to ${basket.commitment.months} months` : 'not a filter'}`,
        `validity: ${(basket.validity_multiples ?? []).map((m) => `${fmt(m.days)}-day plans x ${fmt(m.purchases)}; `).join('')}shorter than ${basket.month_days} days bought ceil(${basket.month_days}/validity) times; longer ${basket.longer_validity === 'prorate' ? 'prorated' : 'bought once'}`,
        `per-call connection charges: ${basket.calls_per_month ? `${fmt(basket.calls_per_month)} calls a month x connection_charge` : 'not counted'}`,
        `data shortfall: cheaper of whole add-on packs and out-of-bundle MB; voice and SMS shortfalls at out-of-bundle prices; VAT added when taxes are not included`,
        `comparison: ${TIE_RULE}`,
        `GNI: ${rule.denominators.map((d) => d.id).join(', then ')}; year rule ${basket.gni_year_rule}; at most ${rule.max_age_years} years older, adjusted for inflation`,
      ],
    },
    plans,
    chosen,
    choice: { rule: TIE_RULE, tiedWith: price?.tiedWith ?? [] },
    conversions: conv,
    arithmetic,
    rounding: rule.rounding,
    departures: price?.departures ?? [...rule.departures],
    result: price
      ? {
          price_lcu: nullable(price.priceLcu),
          price_usd: nullable(price.priceUsd),
          price_ppp: nullable(price.pricePpp),
          pct_gni: nullable(price.pctGni),
          currency: price.currency,
          plan_currency: price.planCurrency,
          plan_cost: nullable(price.planCost),
          gni_method: price.inputs.gni?.method ?? null,
          status: price.status,
        }
      : {
          price_lcu: null,
          price_usd: null,
          price_ppp: null,
          pct_gni: null,
          currency: '',
          plan_currency: '',
          plan_cost: null,
          gni_method: null,
          status: `no plans for ${economy} in ${year}`,
        },
    warnings: price?.warnings ?? [],
  };
}

const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);

export function formatExplanation(x: Explanation): string {
  const L: string[] = [];
  L.push(`${x.basket.id}: ${x.basket.name}`);
  L.push(`economy ${x.economy}, year ${x.year}`);
  L.push(`source: ${x.basket.source}`);
  L.push('rules:');
  for (const r of x.basket.rules) L.push(`  - ${r}`);
  if (Object.keys(x.basket.unverified).length) {
    L.push('unverified (values our sources do not publish):');
    for (const [k, v] of Object.entries(x.basket.unverified)) L.push(`  - ${k}: ${v}`);
  }
  L.push(`plans considered (${x.plans.length}):`);
  for (const p of x.plans) {
    L.push(
      `  line ${p.line}: ${p.operator} (rank ${p.operatorRank}), "${p.plan}", ${p.payment}, ${p.technology}, ${p.currency}: ${p.eligible ? `monthly cost ${fmt(p.monthlyCost!)} ${p.currency}${p.currency !== p.comparisonCurrency ? ` = ${fmt(p.comparisonCost!)} ${p.comparisonCurrency}` : ''}` : `INELIGIBLE: ${p.reason}${p.rule ? ` [rule ${p.rule}]` : ''}`}`,
    );
    for (const s of p.steps) L.push(`      ${s}`);
  }
  L.push(x.chosen ? `chosen: line ${x.chosen.line}, ${x.chosen.operator}, "${x.chosen.plan}" (${x.choice.rule})` : `chosen: none (${x.result.status})`);
  if (x.choice.tiedWith.length)
    L.push(
      `tie: line ${x.chosen?.line} and line${x.choice.tiedWith.length > 1 ? 's' : ''} ${x.choice.tiedWith.join(', ')} cost the same in whole minor units; the tie rule chose line ${x.chosen?.line}`,
    );
  if (x.conversions.length) {
    L.push('conversion inputs:');
    for (const c of x.conversions)
      L.push(
        `  - ${c.input}: ${c.indicator} (${c.seriesCode}) ${c.economy} ${c.year ?? ''} = ${c.value ?? 'MISSING'} [${c.source}]${c.vintage ? ` (${c.vintage})` : ''}`,
      );
    L.push('arithmetic:');
    for (const s of x.arithmetic) L.push(`  ${s}`);
  }
  L.push(`rounding: ${x.rounding}`);
  if (x.departures.length) {
    L.push("departures from ITU's method:");
    for (const d of x.departures) L.push(`  - ${d}`);
  }
  for (const w of x.warnings) L.push(`warning: ${w} [missing-conversion]`);
  L.push(
    `result: price_lcu ${fmt(x.result.price_lcu ?? NaN)} ${x.result.currency}, plan cost ${fmt(x.result.plan_cost ?? NaN)} ${x.result.plan_currency}, price_usd ${fmt(x.result.price_usd ?? NaN)}, price_ppp ${fmt(x.result.price_ppp ?? NaN)}, pct_gni ${fmt(x.result.pct_gni ?? NaN)} (${x.result.gni_method ?? 'no GNI'}); status ${x.result.status}`,
  );
  return L.join('\n') + '\n';
}
