import { CLAMP01, type FixedNormalisation } from './method.js';

/** value / reference, within [0, 1] (MIS: the classic IDI's access and use indicators). */
export const ratio: FixedNormalisation = {
  name: 'ratio',
  kind: 'fixed',
  description: 'value / reference, within [0, 1]',
  schema: { properties: { reference: { type: 'number', exclusiveMinimum: 0 } }, then: { required: ['reference'] } },
  check: (n, at) =>
    n.direction === -1
      ? [
          `${at}/direction: ratio has no direction (it would be ignored); use goalposts, minmax, zscore or rank with direction -1 for an indicator where lower is better`,
        ]
      : [],
  parameters: (n) => ({ p1: n.reference as number, p2: 0, direction: 1, log: false }),
  statements: (_leaf, p) => `v = v / ${p}; ${CLAMP01}`,
};
