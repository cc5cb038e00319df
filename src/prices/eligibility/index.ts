/**
 * The registry of basket eligibility rules, applied in this order (the first rule a plan fails is its reason). A new
 * rule is one file in this folder (see `rule.ts`) plus its line here and its test; its reasons get the next codes.
 * The cost reasons (a shortfall nothing can top up) come after every rule, from the cost arithmetic itself.
 */
import { commitment } from './commitment.js';
import { largestOperator } from './largest-operator.js';
import { payment } from './payment.js';
import { promotions } from './promotions.js';
import type { EligibilityRule } from './rule.js';
import { service } from './service.js';
import { speed } from './speed.js';
import { technology } from './technology.js';

export type { EligibilityRule } from './rule.js';

export const ELIGIBILITY_RULES: readonly EligibilityRule[] = [service, promotions, technology, speed, payment, largestOperator, commitment];

/** Why a plan cannot price a basket, when the cost arithmetic says so. */
export const COST_REASONS = [
  'data shortfall and neither add-on packs nor out-of-bundle MB are sold',
  'voice shortfall and no out-of-bundle minute price',
  'SMS shortfall and no out-of-bundle SMS price',
  'priced in a currency with no exchange rate for the year (cannot be compared with local-currency plans)',
  "the economy's local currency is not in indicators/baskets/conversion/currencies.json",
] as const;

/** Every reason by code: 0 eligible, then each rule's reasons in rule order, then the cost reasons. */
export const INELIGIBLE_REASONS: readonly string[] = ['eligible', ...ELIGIBILITY_RULES.flatMap((r) => r.reasons), ...COST_REASONS];

/** The codes of each rule's reasons. */
export const RULE_CODES: readonly (readonly number[])[] = (() => {
  let next = 1;
  return ELIGIBILITY_RULES.map((r) => r.reasons.map(() => next++));
})();

/** The code of a cost reason. */
export const costReasonCode = (k: number): number => 1 + ELIGIBILITY_RULES.reduce((n, r) => n + r.reasons.length, 0) + k;
