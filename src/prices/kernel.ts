/**
 * The basket-cost kernel: one pass over the plan columns (all plans of all economies at once) gives each plan's
 * monthly cost of the basket or the reason it is ineligible; a second pass picks, per economy, the cheapest
 * eligible plan. Pure: typed arrays in, typed arrays out; no per-plan objects.
 *
 * Monthly cost of a plan (the rules, in order):
 *   purchases  = the basket's `validity_multiples` for that validity (28-day, weekly plans), else
 *                ceil(month_days / validity_days) for validity < month_days; a longer validity is prorated
 *                (month_days / validity_days; basket rule `longer_validity`)
 *   connection = calls_per_month x the plan's per-call connection charge (basket `calls_per_month`)
 *   base       = price x purchases; allowances x purchases
 *   data       = shortfall covered by the cheaper of whole add-on packs (ceil(shortfall / addon_mb) x addon_price)
 *                and out-of-bundle MB (shortfall x extra_mb_price); neither sold: ineligible
 *   voice, SMS = shortfall x extra_min_price / extra_sms_price; not sold: ineligible
 *   VAT        = (base + connection + top-ups) x (1 + vat_rate / 100) when taxes are not included
 */
import { allowancesIn, type SimpleBasket } from './basket.js';
import { ELIGIBILITY_RULES, INELIGIBLE_REASONS, RULE_CODES, costReasonCode } from './eligibility/index.js';
import type { TariffTable } from './tariffs.js';

const DATA_SHORTFALL = costReasonCode(0),
  VOICE_SHORTFALL = costReasonCode(1),
  SMS_SHORTFALL = costReasonCode(2);
/** Set by the currency comparison (compute.ts), after the kernel. */
export const NO_RATE = costReasonCode(3),
  UNKNOWN_LOCAL_CURRENCY = costReasonCode(4);

/** Reasons by code (0 = eligible): the eligibility rules' (src/prices/eligibility/, in order), then the cost reasons. */
export { INELIGIBLE_REASONS };
export const ELIGIBLE = 0;

export const TOP_UP_NONE = 0,
  TOP_UP_ADDON = 1,
  TOP_UP_EXTRA_MB = 2;

export interface BasketCosts {
  /** Plans of the year (1) or other years (0): only these are considered. */
  considered: Uint8Array;
  /** Index into INELIGIBLE_REASONS (0 = eligible). */
  reason: Uint8Array;
  /** Monthly cost of the basket in the plan's currency, taxes included (NaN when ineligible). */
  cost: Float64Array;
  /** Steps, for explain (filled for considered plans with `steps: true`; empty arrays otherwise). */
  purchases: Float64Array;
  base: Float64Array;
  /** Per-call connection charges of the month (calls_per_month x connection_charge). */
  connection: Float64Array;
  dataShortfallMb: Float64Array;
  dataTopUp: Float64Array;
  topUpMethod: Uint8Array;
  addonPacks: Float64Array;
  voiceShortfall: Float64Array;
  voiceTopUp: Float64Array;
  smsShortfall: Float64Array;
  smsTopUp: Float64Array;
  preTax: Float64Array;
  vatFactor: Float64Array;
}

/**
 * `steps` fills the arithmetic of every considered plan (for explain); without it only `considered`, `reason`
 * and `cost` are written, which is all that choosing the cheapest plan needs (the step arrays are empty).
 */
export function basketCosts(t: TariffTable, basket: SimpleBasket, year: number, opts: { steps?: boolean } = {}): BasketCosts {
  const n = t.length,
    ns = opts.steps ? n : 0; // writes past the end of an empty typed array are no-ops
  const allow = allowancesIn(basket, year);
  const month = basket.month_days;
  const prorate = basket.longer_validity === 'prorate';
  // Purchases a month of plans of a given validity, where the basket sets them (28-day and weekly plans).
  const calls = basket.calls_per_month ?? 0;
  const multiples = new Map((basket.validity_multiples ?? []).map((m) => [m.days, m.purchases]));

  const out: BasketCosts = {
    considered: new Uint8Array(n),
    reason: new Uint8Array(n),
    cost: new Float64Array(n).fill(NaN),
    purchases: new Float64Array(ns),
    base: new Float64Array(ns),
    connection: new Float64Array(ns),
    dataShortfallMb: new Float64Array(ns),
    dataTopUp: new Float64Array(ns),
    topUpMethod: new Uint8Array(ns),
    addonPacks: new Float64Array(ns),
    voiceShortfall: new Float64Array(ns),
    voiceTopUp: new Float64Array(ns),
    smsShortfall: new Float64Array(ns),
    smsTopUp: new Float64Array(ns),
    preTax: new Float64Array(ns),
    vatFactor: new Float64Array(ns),
  };
  const { considered, reason, cost } = out;
  for (let i = 0; i < n; i++) if (t.year[i] === year) considered[i] = 1;
  // Eligibility rules first, one pass each, in order: the first rule a plan fails is its reason.
  ELIGIBILITY_RULES.forEach((rule, k) => rule.apply(t, basket, year, considered, reason, RULE_CODES[k]));
  for (let i = 0; i < n; i++) {
    if (!considered[i]) continue;
    let r = reason[i];
    // Purchases in the month and the allowances they bring.
    const v = t.validityDays[i];
    const multiple = multiples.get(v);
    const k = multiple !== undefined ? multiple : v < month ? Math.ceil(month / v) : prorate ? month / v : 1;
    out.purchases[i] = k;
    const base = t.price[i] * k;
    out.base[i] = base;
    const cc = t.connectionCharge[i];
    const connection = calls > 0 && cc > 0 ? calls * cc : 0;
    out.connection[i] = connection;
    const dataShort = Math.max(0, allow.data_mb - t.dataMb[i] * k);
    const voiceShort = Math.max(0, allow.voice_min - t.voiceMin[i] * k);
    const smsShort = Math.max(0, allow.sms - t.sms[i] * k);
    out.dataShortfallMb[i] = dataShort;
    out.voiceShortfall[i] = voiceShort;
    out.smsShortfall[i] = smsShort;
    let dataCost = 0;
    if (dataShort > 0) {
      const packs = Math.ceil(dataShort / t.addonMb[i]); // NaN when no add-on is sold
      const viaAddon = packs * t.addonPrice[i];
      const viaExtra = dataShort * t.extraMbPrice[i];
      if (viaAddon <= viaExtra || (!Number.isNaN(viaAddon) && Number.isNaN(viaExtra))) {
        dataCost = viaAddon;
        out.topUpMethod[i] = TOP_UP_ADDON;
        out.addonPacks[i] = packs;
      } else if (!Number.isNaN(viaExtra)) {
        dataCost = viaExtra;
        out.topUpMethod[i] = TOP_UP_EXTRA_MB;
      } else if (r === 0) r = DATA_SHORTFALL;
    }
    const voiceCost = voiceShort > 0 ? voiceShort * t.extraMinPrice[i] : 0;
    const smsCost = smsShort > 0 ? smsShort * t.extraSmsPrice[i] : 0;
    if (r === 0 && Number.isNaN(voiceCost)) r = VOICE_SHORTFALL;
    if (r === 0 && Number.isNaN(smsCost)) r = SMS_SHORTFALL;
    out.dataTopUp[i] = dataCost;
    out.voiceTopUp[i] = voiceCost;
    out.smsTopUp[i] = smsCost;
    const pre = base + connection + dataCost + voiceCost + smsCost;
    out.preTax[i] = pre;
    const vat = t.taxesIncluded[i] ? 1 : 1 + t.vatRate[i] / 100;
    out.vatFactor[i] = vat;
    reason[i] = r;
    if (r === 0) cost[i] = pre * vat;
  }
  return out;
}

/**
 * The chosen plan of each economy (index into the plans, -1 when the economy has plans in the year but none
 * eligible, -2 when it has no plan in the year), on `units` (costs in whole minor units of the local currency,
 * compute.ts) or, without them, on the raw costs. Exact ties: the lower operator_rank, then the earlier line.
 */
export function cheapestPerEconomy(t: TariffTable, costs: BasketCosts, units: Float64Array = costs.cost): Int32Array {
  const best = new Int32Array(t.economies.length).fill(-2);
  for (let i = 0; i < t.length; i++) {
    if (!costs.considered[i]) continue;
    const e = t.economy[i];
    if (best[e] === -2) best[e] = -1;
    if (costs.reason[i] !== ELIGIBLE || Number.isNaN(units[i])) continue;
    const b = best[e];
    if (b < 0 || units[i] < units[b] || (units[i] === units[b] && t.operatorRank[i] < t.operatorRank[b])) best[e] = i;
  }
  return best;
}

/** For each chosen plan, the other eligible plans of its economy with the same cost in `units` (the tie rule decided). */
export function tiesOf(t: TariffTable, costs: BasketCosts, units: Float64Array, best: Int32Array): Map<number, number[]> {
  const ties = new Map<number, number[]>();
  for (let i = 0; i < t.length; i++) {
    if (!costs.considered[i] || costs.reason[i] !== ELIGIBLE) continue;
    const b = best[t.economy[i]];
    if (b < 0 || b === i || units[i] !== units[b]) continue;
    let list = ties.get(b);
    if (!list) ties.set(b, (list = []));
    list.push(i);
  }
  return ties;
}
