import type { EligibilityRule } from './rule.js';

/** Promotional prices are excluded when the basket says so (ITU: regular prices only). */
export const promotions: EligibilityRule = {
  name: 'promotions',
  reasons: ['promotional price (promotions excluded)'],
  basketFields: ['exclude_promotions'],
  apply(t, basket, _year, considered, reason, [code]) {
    if (!basket.exclude_promotions) return;
    for (let i = 0; i < t.length; i++) if (considered[i] && reason[i] === 0 && t.promotional[i]) reason[i] = code;
  },
};
