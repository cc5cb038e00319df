import { PAYMENTS, SERVICES } from '../tariffs.js';
import type { EligibilityRule } from './rule.js';

/**
 * The payment type (prepaid, postpaid) is the basket's, or either with `cheapest`. With `postpaid_fallback` (the
 * pre-2018 mobile basket: "where no prepaid offer exists, the postpaid monthly fixed cost"), an economy with no
 * prepaid plan of the basket's service that year has its postpaid plans priced instead.
 */
export const payment: EligibilityRule = {
  name: 'payment',
  reasons: ['payment type not allowed by the basket'],
  basketFields: ['payment_rule', 'postpaid_fallback'],
  apply(t, basket, year, considered, reason, [code]) {
    if (basket.payment_rule === 'cheapest') return;
    const allowed = PAYMENTS.indexOf(basket.payment_rule);
    let fallback: Uint8Array | undefined;
    if (basket.postpaid_fallback) {
      const s = SERVICES.indexOf(basket.service);
      fallback = new Uint8Array(t.economies.length).fill(1);
      for (let i = 0; i < t.length; i++) if (t.year[i] === year && t.service[i] === s && t.payment[i] === allowed) fallback[t.economy[i]] = 0;
    }
    for (let i = 0; i < t.length; i++) if (considered[i] && reason[i] === 0 && t.payment[i] !== allowed && !fallback?.[t.economy[i]]) reason[i] = code;
  },
};
