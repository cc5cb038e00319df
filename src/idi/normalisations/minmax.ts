import { flip, type SliceNormalisation } from './method.js';

/** (value - min) / (max - min) over the slice's included columns; 1 when they are all equal. */
export const minmax: SliceNormalisation = {
  name: 'minmax',
  kind: 'slice',
  description: '(value - min) / (max - min) over the economies of the slice',
  schema: { properties: {} },
  check: () => [],
  parameters: (n) => ({ p1: 0, p2: 0, direction: n.direction ?? 1, log: false }),
  slice(direction, values, vbase, out, obase, col0, S, include) {
    let lo = Infinity,
      hi = -Infinity;
    for (let i = 0; i < S; i++) {
      const x = values[vbase + i];
      if (x !== x || !include[col0 + i]) continue;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const span = hi - lo;
    for (let i = 0; i < S; i++) {
      const x = values[vbase + i];
      const t = x !== x || !include[col0 + i] ? NaN : span > 0 ? clamp01((x - lo) / span) : 1;
      out[obase + i] = flip(direction, t);
    }
  },
};

const clamp01 = (x: number): number => (x < 0 ? 0 : Math.min(x, 1));
