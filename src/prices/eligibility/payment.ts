import { PAYMENTS } from '../tariffs.js';
import type { EligibilityRule } from './rule.js';

/** The payment type (prepaid, postpaid) is the basket's, or either with `cheapest`. */
export const payment: EligibilityRule = {
  name: 'payment',
  reasons: ['payment type not allowed by the basket'],
  basketFields: ['payment_rule'],
  apply(t, basket, _year, considered, reason, [code]) {
    if (basket.payment_rule === 'cheapest') return;
    const allowed = PAYMENTS.indexOf(basket.payment_rule);
    for (let i = 0; i < t.length; i++) if (considered[i] && reason[i] === 0 && t.payment[i] !== allowed) reason[i] = code;
  },
};
