import type { EligibilityRule } from './rule.js';

/**
 * "12-month commitment or the closest" (ITU price data collection rules): with a basket `commitment`, only the plans
 * of an economy whose commitment_months is the closest to the basket's months among its plans still eligible
 * (an empty commitment_months is no commitment, 0 months).
 */
export const commitment: EligibilityRule = {
  name: 'commitment',
  reasons: ['commitment farther from the basket commitment than another plan of the economy'],
  basketFields: ['commitment'],
  apply(t, basket, _year, considered, reason, [code]) {
    const want = basket.commitment?.months;
    if (want === undefined) return;
    const distance = (i: number): number => Math.abs((Number.isNaN(t.commitmentMonths[i]) ? 0 : t.commitmentMonths[i]) - want);
    const closest = new Float64Array(t.economies.length).fill(Infinity);
    for (let i = 0; i < t.length; i++) if (considered[i] && reason[i] === 0) closest[t.economy[i]] = Math.min(closest[t.economy[i]], distance(i));
    for (let i = 0; i < t.length; i++) if (considered[i] && reason[i] === 0 && distance(i) > closest[t.economy[i]]) reason[i] = code;
  },
};
