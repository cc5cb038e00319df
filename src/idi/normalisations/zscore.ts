import type { SliceNormalisation } from './method.js';

/** (value - mean) / standard deviation over the slice's included columns (population SD); 0 when the SD is 0. */
export const zscore: SliceNormalisation = {
  name: 'zscore',
  kind: 'slice',
  description: '(value - mean) / standard deviation over the economies of the slice',
  schema: { properties: {} },
  check: () => [],
  parameters: (n) => ({ p1: 0, p2: 0, direction: n.direction ?? 1, log: false }),
  slice(direction, values, vbase, out, obase, col0, S, include) {
    let n = 0,
      sum = 0,
      sum2 = 0;
    for (let i = 0; i < S; i++) {
      const x = values[vbase + i];
      if (x !== x || !include[col0 + i]) continue;
      n++;
      sum += x;
      sum2 += x * x;
    }
    const mean = sum / n,
      sd = Math.sqrt(Math.max(0, sum2 / n - mean * mean));
    for (let i = 0; i < S; i++) {
      const x = values[vbase + i];
      out[obase + i] = x !== x || !include[col0 + i] ? NaN : sd > 0 ? (direction * (x - mean)) / sd : 0;
    }
  },
};
