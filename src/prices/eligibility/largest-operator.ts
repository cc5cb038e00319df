import { SERVICES } from '../tariffs.js';
import type { EligibilityRule } from './rule.js';

/**
 * With operator rule `largest`: only the plans of the economy's largest operator (the lowest operator_rank among its
 * plans of the year and service; with `largest_operator_among: non-promotional`, among its non-promotional plans,
 * so an operator selling only promotions is not taken as the largest).
 */
export const largestOperator: EligibilityRule = {
  name: 'largest-operator',
  reasons: ['not the largest operator (operator_rank)'],
  basketFields: ['operator_rule', 'largest_operator_among'],
  apply(t, basket, year, considered, reason, [code]) {
    if (basket.operator_rule !== 'largest') return;
    const s = SERVICES.indexOf(basket.service);
    const regularOnly = basket.largest_operator_among === 'non-promotional';
    const minRank = new Int32Array(t.economies.length).fill(0x7fffffff);
    for (let i = 0; i < t.length; i++)
      if (t.year[i] === year && t.service[i] === s && !(regularOnly && t.promotional[i]) && t.operatorRank[i] < minRank[t.economy[i]])
        minRank[t.economy[i]] = t.operatorRank[i];
    for (let i = 0; i < t.length; i++) if (considered[i] && reason[i] === 0 && t.operatorRank[i] !== minRank[t.economy[i]]) reason[i] = code;
  },
};
