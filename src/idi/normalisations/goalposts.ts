import { CLAMP01, type FixedNormalisation } from './method.js';

/** (value - lower) / (upper - lower), within [0, 1]; optionally on log10 values; direction -1 when lower is better. */
export const goalposts: FixedNormalisation = {
  name: 'goalposts',
  kind: 'fixed',
  description: '(value - lower) / (upper - lower), within [0, 1] (log: on log10 values; direction -1: lower is better)',
  schema: { properties: { lower: { type: 'number' }, upper: { type: 'number' }, log: { type: 'boolean' } }, then: { required: ['lower', 'upper'] } },
  check(n, at) {
    const lower = n.lower as number | undefined, upper = n.upper as number | undefined;
    const problems: string[] = [];
    if (lower !== undefined && upper !== undefined && !(lower < upper)) problems.push(`${at}: goalposts need lower < upper (got ${lower} and ${upper})`);
    if (n.log && !((lower ?? 0) > 0)) problems.push(`${at}: log goalposts need lower > 0`);
    return problems;
  },
  parameters(n) {
    const log = n.log === true, lower = n.lower as number, upper = n.upper as number;
    return { p1: log ? Math.log10(lower) : lower, p2: log ? Math.log10(upper) : upper, direction: n.direction ?? 1, log };
  },
  statements(leaf, p, q) {
    const s: string[] = [];
    if (leaf.log) s.push('v = v > 0 ? Math.log10(v) : v !== v ? NaN : -Infinity;');
    s.push(`v = (v - ${p}) / ${q}; ${CLAMP01}`);
    if (leaf.direction < 0) s.push('if (v === v) v = 1 - v;');
    return s.join(' ');
  },
};
