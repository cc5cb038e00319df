import { describe, expect, it } from 'vitest';
import { requiredIndicators } from '../../src/idi/compute.js';
import { loadMethodology } from '../../src/idi/methodology.js';
import * as sensitivity from '../../src/idi/sensitivity.js';
import type { ScenarioPool } from '../../src/idi/sensitivity-pool.js';
import { loadGroupings } from '../../src/registry/groupings.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { BUNDLED, loadObservations } from '../../src/usecases/data-source.js';
import { runOnTable, sensitivityOfRun } from '../../src/usecases/index-run.js';

/**
 * The report hands `sensitivityOfRun` the sensitivity module it has loaded, so that the scenarios reach the pool in
 * the same synchronous stretch: the main thread then goes on with its tables while the ranks' thread works.
 */
describe('sensitivityOfRun with the module given', () => {
  it('sends the scenarios to the pool before it returns (no await before them)', async () => {
    const indicators = loadIndicatorRegistry();
    const m = loadMethodology('idi-2017', indicators);
    const table = await loadObservations(BUNDLED, requiredIndicators(m, indicators));
    const run = runOnTable({ methodology: m, year: 2016, previous: false }, m, table, { indicators, groupings: loadGroupings() });
    const sent: number[] = [];
    const pool = {
      rankStatistics: (_setup: unknown, _u: Float64Array, S: number) => {
        sent.push(S);
        return new Promise<never>(() => undefined);
      },
    } as unknown as ScenarioPool;
    void sensitivityOfRun(run, { ...sensitivity.SENSITIVITY_DEFAULTS, draws: 10, seed: 1, workers: 1, pool }, sensitivity);
    // (checked before this test yields: the call above ran up to the pool synchronously)
    expect(sent).toHaveLength(1);
    expect(sent[0] % 10).toBe(0);
    expect(sent[0]).toBeGreaterThan(20);
  });
});
