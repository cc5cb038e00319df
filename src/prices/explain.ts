/**
 * `prices explain`: everything a reviewer needs to redo one economy's basket price by hand — the basket's rules,
 * every plan of the economy and year with its monthly cost (each step) or why it is ineligible, the chosen plan,
 * each conversion input with its source and year, and the conversion arithmetic.
 */
import { allowancesIn, type SimpleBasket } from './basket.js';
import { CONVERSION_INDICATORS, type ConversionInputs, type EconomyPrice, computeSimpleBasket } from './compute.js';
import { INELIGIBLE_REASONS, TOP_UP_ADDON, TOP_UP_EXTRA_MB, type BasketCosts } from './kernel.js';
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
  monthlyCost: number | null;
  steps: string[];
}

export interface Explanation {
  economy: string;
  year: number;
  basket: { id: string; name: string; source: string; rules: string[]; unverified: Record<string, string> };
  plans: PlanExplanation[];
  chosen: PlanExplanation | null;
  conversions: Array<{ input: string; indicator: string; economy: string; year: number | null; value: number | null; source: string }>;
  arithmetic: string[];
  result: { price_lcu: number | null; price_usd: number | null; price_ppp: number | null; pct_gni: number | null; currency: string; status: string };
  warnings: string[];
}

function planSteps(t: TariffTable, c: BasketCosts, b: SimpleBasket, year: number, i: number): string[] {
  const a = allowancesIn(b, year);
  const cur = t.currencies[t.currency[i]];
  const v = t.validityDays[i],
    k = c.purchases[i];
  const steps: string[] = [];
  steps.push(
    v < b.month_days
      ? `valid ${fmt(v)} days < ${b.month_days}: bought ceil(${b.month_days} / ${fmt(v)}) = ${fmt(k)} times`
      : v > b.month_days && b.longer_validity === 'prorate'
        ? `valid ${fmt(v)} days > ${b.month_days}: prorated x ${b.month_days} / ${fmt(v)} = ${fmt(k)}`
        : `valid ${fmt(v)} days: bought once`,
  );
  steps.push(`base = ${fmt(t.price[i])} x ${fmt(k)} = ${fmt(c.base[i])} ${cur}`);
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
  steps.push(`before tax = ${fmt(c.base[i])} + ${fmt(c.dataTopUp[i])} + ${fmt(c.voiceTopUp[i])} + ${fmt(c.smsTopUp[i])} = ${fmt(c.preTax[i])} ${cur}`);
  steps.push(
    t.taxesIncluded[i]
      ? 'taxes included: no VAT added'
      : `taxes not included: x (1 + ${fmt(t.vatRate[i])} / 100) = ${fmt(c.preTax[i] * c.vatFactor[i])} ${cur}`,
  );
  return steps;
}

export function explainEconomy(t: TariffTable, basket: SimpleBasket, year: number, economy: string, inputs: ConversionInputs): Explanation {
  const { prices, costs } = computeSimpleBasket(t, basket, year, inputs, { steps: true });
  const c = costs!;
  const e = t.economies.indexOf(economy);
  const price: EconomyPrice | undefined = prices.find((p) => p.economy === economy);
  const a = allowancesIn(basket, year);
  const plans: PlanExplanation[] = [];
  for (let i = 0; i < t.length; i++) {
    if (!c.considered[i] || t.economy[i] !== e) continue;
    const eligible = c.reason[i] === 0;
    plans.push({
      line: t.line[i],
      operator: t.operators[t.operator[i]],
      operatorRank: t.operatorRank[i],
      plan: t.plans[t.plan[i]],
      payment: PAYMENTS[t.payment[i]],
      technology: PLAN_TECHNOLOGIES[t.technology[i]],
      eligible,
      reason: INELIGIBLE_REASONS[c.reason[i]],
      monthlyCost: eligible ? c.cost[i] : null,
      steps: c.reason[i] <= 7 && c.reason[i] > 0 ? [] : planSteps(t, c, basket, year, i),
    });
  }
  const chosen = price && price.plan >= 0 ? (plans.find((p) => p.line === t.line[price.plan]) ?? null) : null;
  const conv: Explanation['conversions'] = [];
  const arithmetic: string[] = [];
  if (price && price.plan >= 0) {
    const { exchangeRate, ppp, gni } = price.inputs;
    const entry = (input: string, indicator: string, v: typeof exchangeRate, yearAsked: number | null) =>
      conv.push({ input, indicator, economy, year: v?.year ?? yearAsked, value: v?.value ?? null, source: v?.source ?? 'MISSING' });
    entry('exchange rate (LCU per US$)', CONVERSION_INDICATORS.exchangeRate, exchangeRate, year);
    entry('PPP conversion factor (LCU per international $)', CONVERSION_INDICATORS.ppp, ppp, year);
    entry(
      `GNI per capita, Atlas, US$ (rule: ${basket.gni_year_rule} year)`,
      CONVERSION_INDICATORS.gni,
      gni,
      basket.gni_year_rule === 'previous' ? year - 1 : year,
    );
    const cur = price.currency;
    arithmetic.push(`price_lcu = monthly cost of the chosen plan = ${fmt(price.priceLcu)} ${cur}`);
    arithmetic.push(
      exchangeRate ? `price_usd = ${fmt(price.priceLcu)} / ${fmt(exchangeRate.value)} = ${fmt(price.priceUsd)}` : 'price_usd = (empty: no exchange rate)',
    );
    arithmetic.push(
      ppp
        ? `price_ppp = ${cur === 'USD' ? `${fmt(price.priceLcu)} x ${fmt(price.priceLcu ? (price.pricePpp * ppp.value) / price.priceLcu : NaN)} (to LCU) ` : fmt(price.priceLcu)} / ${fmt(ppp.value)} = ${fmt(price.pricePpp)}`
        : 'price_ppp = (empty: no PPP factor)',
    );
    arithmetic.push(
      gni && exchangeRate
        ? `pct_gni = ${fmt(price.priceUsd)} x 12 / ${fmt(gni.value)} x 100 = ${fmt(price.pctGni)}`
        : 'pct_gni = (empty: no GNI per capita or no exchange rate)',
    );
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
        `allowances: ${fmt(a.data_mb)} MB data, ${fmt(a.voice_min)} voice minutes, ${fmt(a.sms)} SMS per ${basket.month_days}-day month`,
        `service ${basket.service}; technologies ${basket.technologies.join('|')}; minimum speed ${basket.min_speed_kbps ?? 'none'}${basket.min_speed_kbps ? ' kbit/s' : ''}`,
        `operator rule ${basket.operator_rule}${basket.operator_rule === 'largest' ? " (lowest operator_rank among the economy's plans of the year and service)" : ''}; payment rule ${basket.payment_rule}; promotions ${basket.exclude_promotions ? 'excluded' : 'allowed'}`,
        `validity: shorter than ${basket.month_days} days bought ceil(${basket.month_days}/validity) times; longer ${basket.longer_validity === 'prorate' ? 'prorated' : 'bought once'}`,
        `data shortfall: cheaper of whole add-on packs and out-of-bundle MB; voice and SMS shortfalls at out-of-bundle prices; VAT added when taxes are not included`,
        `GNI year rule: ${basket.gni_year_rule}`,
      ],
    },
    plans,
    chosen,
    conversions: conv,
    arithmetic,
    result: price
      ? {
          price_lcu: nullable(price.priceLcu),
          price_usd: nullable(price.priceUsd),
          price_ppp: nullable(price.pricePpp),
          pct_gni: nullable(price.pctGni),
          currency: price.currency,
          status: price.status,
        }
      : { price_lcu: null, price_usd: null, price_ppp: null, pct_gni: null, currency: '', status: `no plans for ${economy} in ${year}` },
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
      `  line ${p.line}: ${p.operator} (rank ${p.operatorRank}), "${p.plan}", ${p.payment}, ${p.technology}: ${p.eligible ? `monthly cost ${fmt(p.monthlyCost!)}` : `INELIGIBLE: ${p.reason}`}`,
    );
    for (const s of p.steps) L.push(`      ${s}`);
  }
  L.push(
    x.chosen
      ? `chosen: line ${x.chosen.line}, ${x.chosen.operator}, "${x.chosen.plan}" (cheapest eligible plan; ties go to the lower operator_rank, then the earlier line)`
      : `chosen: none (${x.result.status})`,
  );
  if (x.conversions.length) {
    L.push('conversion inputs:');
    for (const c of x.conversions) L.push(`  - ${c.input}: ${c.indicator} ${c.economy} ${c.year ?? ''} = ${c.value ?? 'MISSING'} [${c.source}]`);
    L.push('arithmetic:');
    for (const s of x.arithmetic) L.push(`  ${s}`);
  }
  for (const w of x.warnings) L.push(`warning: ${w} [missing-conversion]`);
  L.push(
    `result: price_lcu ${fmt(x.result.price_lcu ?? NaN)} ${x.result.currency}, price_usd ${fmt(x.result.price_usd ?? NaN)}, price_ppp ${fmt(x.result.price_ppp ?? NaN)}, pct_gni ${fmt(x.result.pct_gni ?? NaN)}; status ${x.result.status}`,
  );
  return L.join('\n') + '\n';
}
