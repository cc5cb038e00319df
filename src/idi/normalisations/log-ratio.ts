import { CLAMP01, type FixedNormalisation } from './method.js';

/** log10(value) / log10(reference), within [0, 1]; values at or below 1 score 0 (MIS: international bandwidth). */
export const logRatio: FixedNormalisation = {
  name: 'log-ratio',
  kind: 'fixed',
  description: 'log10(value) / log10(reference), within [0, 1]',
  schema: {
    properties: { reference: { type: 'number', exclusiveMinimum: 0 }, log10Reference: { type: 'number', exclusiveMinimum: 0 } },
    then: { anyOf: [{ required: ['reference'] }, { required: ['log10Reference'] }] },
  },
  check(n, at) {
    const problems: string[] = [];
    if (((n.log10Reference as number | undefined) ?? Math.log10((n.reference as number | undefined) ?? 10)) <= 0)
      problems.push(`${at}: a log-ratio reference must be above 1`);
    if (n.direction === -1)
      problems.push(
        `${at}/direction: log-ratio has no direction (it would be ignored); use goalposts, minmax, zscore or rank with direction -1 for an indicator where lower is better`,
      );
    return problems;
  },
  parameters: (n) => ({ p1: (n.log10Reference as number | undefined) ?? Math.log10(n.reference as number), p2: 0, direction: 1, log: false }),
  statements: (_leaf, p) => `if (v === v) { if (v <= 1) v = 0; else { v = Math.log10(v) / ${p}; ${CLAMP01} } }`,
};
