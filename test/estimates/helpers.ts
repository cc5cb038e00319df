import { ObservationBuilder } from '../../src/table/observations.js';
import type { EstimatesConfig, IndicatorEstimateSpec } from '../../src/estimates/index.js';
import type { ImputationStep } from '../../src/idi/imputation/index.js';

/** [economy, indicator, year, value, source?] rows as a canonical observation table. */
export function obs(rows: Array<[string, string, number, number, string?]>) {
  const b = new ObservationBuilder(rows.length);
  for (const [economy, indicator, year, value, source] of rows) b.append({ economy, indicator, year, value, source: source ?? 'National statistics office' });
  return b.toTable();
}

/** A small estimates file: the given steps for each indicator, lookAhead as given, the rest as in the bundled file. */
export function config(steps: ImputationStep[], o: { lookAhead?: number; indicators?: Record<string, Partial<IndicatorEstimateSpec>> } = {}): EstimatesConfig {
  const spec = (x: Partial<IndicatorEstimateSpec>): IndicatorEstimateSpec => ({
    denominator: 'population',
    count: 'people',
    complement: 'others',
    imputation: steps,
    ...x,
  });
  return {
    source: 'test',
    lookAhead: { value: o.lookAhead ?? 0, source: 'test' },
    auxiliaryLatestWithin: { value: 0, source: 'test' },
    ituEstimate: { prefixes: ['ITU estimate'], columns: ['source', 'note'], source: 'test' },
    nowcast: { minInputShare: 0.5, source: 'test', rationale: 'test' },
    population10plus: { under10ShareOf0to14: 10 / 15, assumption: 'test', source: 'test' },
    groupings: { default: ['world'], world: 'World', source: 'test' },
    worldBankCodes: { source: 'test', codes: {}, notComputed: 'test' },
    indicators: Object.fromEntries(Object.entries(o.indicators ?? { internet_users_pct: {} }).map(([k, v]) => [k, spec(v)])),
  };
}
