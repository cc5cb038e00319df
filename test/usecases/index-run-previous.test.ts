import { describe, expect, it } from 'vitest';
import { loadGroupings } from '../../src/registry/groupings.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { loadMethodology } from '../../src/idi/methodology.js';
import { requiredIndicators } from '../../src/idi/compute.js';
import { BUNDLED, loadObservations } from '../../src/usecases/data-source.js';
import { runOnTable, withPreviousYear } from '../../src/usecases/index-run.js';

/**
 * The report runs the data year alone, starts the sensitivity analysis on it, then adds the previous year
 * (`withPreviousYear`): the same result, previous year and log as one run with `previous: true`.
 */
describe('withPreviousYear', () => {
  it('idi-2017, 2016: equal to a run with previous: true (results, changes, log); the data-year run is not changed', async () => {
    const indicators = loadIndicatorRegistry();
    const ctx = { indicators, groupings: loadGroupings() };
    const m = loadMethodology('idi-2017', indicators);
    const table = await loadObservations(BUNDLED, requiredIndicators(m, indicators));
    const both = runOnTable({ methodology: m, year: 2016, previous: true }, m, table, ctx);
    const alone = runOnTable({ methodology: m, year: 2016, previous: false }, m, table, ctx);
    const logBefore = alone.log.length;
    const added = withPreviousYear(alone, ctx);
    expect(added.result).toEqual(both.result);
    expect(added.previous).toEqual(both.previous);
    expect(added.log).toEqual(both.log);
    expect(added.recipe.previous).toBe(true);
    expect(alone.log.length).toBe(logBefore);
    expect(alone.previous).toBeUndefined();
    const ranked = added.result.economies.filter((e) => e.ranked).length;
    expect(ranked).toBeGreaterThan(150);
    expect(withPreviousYear(added, ctx)).toBe(added);
  });
});
