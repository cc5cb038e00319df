import { PLAN_TECHNOLOGIES } from '../tariffs.js';
import type { EligibilityRule } from './rule.js';

/** The plan's technology is one the basket allows (e.g. 3G or above for mobile data). */
export const technology: EligibilityRule = {
  name: 'technology',
  reasons: ['technology below the basket minimum'],
  basketFields: ['technologies'],
  apply(t, basket, _year, considered, reason, [code]) {
    const ok = new Uint8Array(PLAN_TECHNOLOGIES.length);
    for (const x of basket.technologies) ok[PLAN_TECHNOLOGIES.indexOf(x)] = 1;
    for (let i = 0; i < t.length; i++) if (considered[i] && reason[i] === 0 && !ok[t.technology[i]]) reason[i] = code;
  },
};
