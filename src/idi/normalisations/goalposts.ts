import { CLAMP01, type FixedNormalisation } from './method.js';

/**
 * (value - lower) / (upper - lower), within [0, 1]; optionally on log10 values (`log`) or on ln(x + 1) of the value
 * and both bounds (`transform: "ln1p"`, ITU's traffic indicators from IDI 2023); direction -1 when lower is better
 * (ITU's reversed prices: lower = the goalpost, upper = the threshold).
 */
export const goalposts: FixedNormalisation = {
  name: 'goalposts',
  kind: 'fixed',
  description:
    '(value - lower) / (upper - lower), within [0, 1] (log: on log10 values; transform "ln1p": on ln(x + 1) of value and bounds; direction -1: lower is better)',
  schema: {
    properties: { lower: { type: 'number' }, upper: { type: 'number' }, log: { type: 'boolean' }, transform: { enum: ['ln1p'] } },
    then: { required: ['lower', 'upper'] },
  },
  check(n, at) {
    const lower = n.lower as number | undefined,
      upper = n.upper as number | undefined;
    const problems: string[] = [];
    if (lower !== undefined && upper !== undefined && !(lower < upper)) problems.push(`${at}: goalposts need lower < upper (got ${lower} and ${upper})`);
    if (n.log && !((lower ?? 0) > 0)) problems.push(`${at}: log goalposts need lower > 0`);
    if (n.transform === 'ln1p' && !((lower ?? 0) > -1)) problems.push(`${at}: ln(x + 1) goalposts need lower > -1`);
    if (n.log && n.transform) problems.push(`${at}: give "log" (log10) or "transform", not both`);
    return problems;
  },
  parameters(n) {
    const log = n.log === true,
      ln1p = n.transform === 'ln1p',
      lower = n.lower as number,
      upper = n.upper as number;
    const t = (x: number): number => (log ? Math.log10(x) : ln1p ? Math.log1p(x) : x);
    return { p1: t(lower), p2: t(upper), direction: n.direction ?? 1, log, ln1p };
  },
  statements(leaf, p, q) {
    const s: string[] = [];
    if (leaf.log) s.push('v = v > 0 ? Math.log10(v) : v !== v ? NaN : -Infinity;');
    if (leaf.ln1p) s.push('v = v > -1 ? Math.log1p(v) : v !== v ? NaN : -Infinity;');
    s.push(`v = (v - ${p}) / ${q}; ${CLAMP01}`);
    if (leaf.direction < 0) s.push('if (v === v) v = 1 - v;');
    return s.join(' ');
  },
};
