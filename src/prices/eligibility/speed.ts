import type { EligibilityRule } from './rule.js';

/** The advertised speed reaches the basket's minimum; with a minimum, a plan that states no speed fails. */
export const speed: EligibilityRule = {
  name: 'speed',
  reasons: ['speed below the basket minimum', 'speed not stated (the basket has a minimum)'],
  basketFields: ['min_speed_kbps'],
  apply(t, basket, _year, considered, reason, [below, unstated]) {
    const min = basket.min_speed_kbps ?? 0;
    if (!(min > 0)) return;
    for (let i = 0; i < t.length; i++) {
      if (!considered[i] || reason[i] !== 0) continue;
      const s = t.speedKbps[i];
      if (Number.isNaN(s)) reason[i] = unstated;
      else if (s < min) reason[i] = below;
    }
  },
};
