import { SERVICES } from '../tariffs.js';
import type { EligibilityRule } from './rule.js';

/** The plan's service (mobile, fixed) is the basket's. */
export const service: EligibilityRule = {
  name: 'service',
  reasons: ['other service'],
  basketFields: ['service'],
  apply(t, basket, _year, considered, reason, [code]) {
    const s = SERVICES.indexOf(basket.service);
    for (let i = 0; i < t.length; i++) if (considered[i] && reason[i] === 0 && t.service[i] !== s) reason[i] = code;
  },
};
