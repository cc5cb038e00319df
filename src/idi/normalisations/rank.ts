import { sortDescending } from '../sort.js';
import type { SliceNormalisation } from './method.js';

/** Scratch grown to the longest slice seen. */
let keys = new Float64Array(256),
  cols = new Int32Array(256);

/** (rank - 1) / (n - 1) over the slice's included columns, ascending values, ties sharing their average rank. */
export const rank: SliceNormalisation = {
  name: 'rank',
  kind: 'slice',
  description: '(rank - 1) / (n - 1) of the value among the economies of the slice, ties sharing their average rank',
  schema: { properties: {} },
  check: () => [],
  parameters: (n) => ({ p1: 0, p2: 0, direction: n.direction ?? 1, log: false }),
  slice(direction, values, vbase, out, obase, col0, S, include) {
    // Sort (negated value, column) pairs descending (= ascending values), then walk runs of equal values:
    // no allocation, no comparator, no binary search.
    if (keys.length < S) {
      keys = new Float64Array(S);
      cols = new Int32Array(S);
    }
    let m = 0;
    for (let i = 0; i < S; i++) {
      const x = values[vbase + i];
      out[obase + i] = NaN;
      if (x === x && include[col0 + i]) {
        keys[m] = -x;
        cols[m++] = i;
      }
    }
    sortDescending(keys, cols, 0, m - 1);
    for (let a = 0; a < m; ) {
      let b = a;
      while (b + 1 < m && keys[b + 1] === keys[a]) b++;
      const t = m > 1 ? (a + b) / 2 / (m - 1) : 1;
      for (let j = a; j <= b; j++) out[obase + cols[j]] = direction < 0 ? 1 - t : t;
      a = b + 1;
    }
  },
};
