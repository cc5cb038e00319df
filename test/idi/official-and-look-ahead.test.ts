/**
 * Issue 17: ITU's data rules as data. An "ITU estimate." value (the DataHub export's source text) enters the score but
 * does not admit an economy; no value after the reference year enters an index whose methodology forbids it (all
 * bundled ones: `lookAhead.years` 0).
 */
import { describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { computeIndex, requiredIndicators, methodologyLookAhead } from '../../src/idi/compute.js';
import { bundledMethodologies, loadMethodology } from '../../src/idi/methodology.js';
import { loadBundled } from '../../src/ingest/bundled.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { takeRows, ObservationBuilder } from '../../src/table/observations.js';
import { runIndex } from '../../src/usecases/index-run.js';

const registry = loadIndicatorRegistry();

/** The rows of a table up to a year. */
function upTo(t: Table, year: number): Table {
  const years = t.getChild('year')!;
  const keep: number[] = [];
  for (let i = 0; i < t.numRows; i++) if ((years.get(i) as number) <= year) keep.push(i);
  return takeRows(t, Int32Array.from(keep));
}

describe('no look-ahead: every bundled methodology', () => {
  for (const id of bundledMethodologies())
    it(`${id}: lookAhead 0; the result at the default data year is the same with every later observation removed`, async () => {
      const m = loadMethodology(id, registry);
      expect(methodologyLookAhead(m)).toBe(0);
      expect(m.spec.lookAhead?.source).toBeTruthy();
      const year = m.spec.defaultDataYear!;
      const all = await loadBundled({ indicators: requiredIndicators(m, registry) });
      const a = computeIndex({ methodology: m, year, table: all, indicators: registry });
      const b = computeIndex({ methodology: m, year, table: upTo(all, year), indicators: registry });
      expect(upTo(all, year).numRows).toBeLessThan(all.numRows); // there is later data to leak
      expect(a.coverage.ranked).toBeGreaterThan(100);
      expect(a.economies.map((e) => [e.economy, e.score])).toEqual(b.economies.map((e) => [e.economy, e.score]));
      for (const e of a.economies)
        for (const c of Object.values(e.indicators)) {
          if (c.year !== null) expect(c.year).toBeLessThanOrEqual(year);
          const years = c.imputation?.inputs.years ?? c.imputation?.inputs.year;
          for (const y of [years ?? []].flat()) expect(Number(y)).toBeLessThanOrEqual(year);
        }
    });
});

describe('an ITU estimate does not count towards inclusion', () => {
  // Three indicators of a hand-made methodology, inclusion needs 2 official values. AAA: 2 official. BBB: 1 official
  // and 1 whose source is "ITU estimate." (the DataHub's only mark). CCC: the same with the mark in the note.
  const spec = {
    id: 'est-test',
    name: 'est-test',
    source: 'test',
    scale: 100,
    coverage: { minIndicators: 2, latestWithin: 0, notOfficialNote: 'ITU estimate', missingIndicator: 'exclude' as const },
    components: [
      { indicator: 'internet_users_pct', weight: 0.5, normalise: { method: 'goalposts', lower: 0, upper: 100 } },
      { indicator: 'hh_internet_pct', weight: 0.5, normalise: { method: 'goalposts', lower: 0, upper: 100 } },
    ],
  };
  const b = new ObservationBuilder();
  const row = (economy: string, indicator: string, value: number, source: string, note: string | null = null) =>
    b.append({ economy, indicator, year: 2022, value, source, note });
  row('KEN', 'internet_users_pct', 40, 'Communications Authority');
  row('KEN', 'hh_internet_pct', 30, 'Communications Authority');
  row('GHA', 'internet_users_pct', 60, 'NCA');
  row('GHA', 'hh_internet_pct', 50, 'ITU estimate.');
  row('TZA', 'internet_users_pct', 20, 'TCRA');
  row('TZA', 'hh_internet_pct', 10, 'ITU', 'ITU estimate');
  const table = b.toTable();

  it('GHA (source "ITU estimate.") and TZA (note "ITU estimate") are not scored; KEN is, and its flags say reported', async () => {
    const run = await runIndex({ methodology: spec, year: 2022, source: { kind: 'observations', table }, universe: 'all' });
    const by = new Map(run.result.economies.map((e) => [e.economy, e]));
    expect(by.get('KEN')!.score).toBeCloseTo(35, 10); // (40 + 30) / 2
    expect(by.get('KEN')!.estimated).toBe(0);
    for (const iso3 of ['GHA', 'TZA']) {
      expect(by.get(iso3)!.ranked).toBe(false);
      expect(by.get(iso3)!.reason).toMatch(/^1 of 2 indicators with official values \(not estimates\)/);
      expect(by.get(iso3)!.indicators.hh_internet_pct.estimate).toBe(true);
      expect(by.get(iso3)!.estimated).toBe(1);
    }
    // The run's flag stage: reported / ITU estimate per cell.
    const f = run.stages.flags,
      nE = f.economies.length;
    const flag = (ind: string, iso3: string) => f.names[f.codes[f.rows.indexOf(ind) * nE + f.economies.indexOf(iso3)]];
    expect([flag('hh_internet_pct', 'KEN'), flag('hh_internet_pct', 'GHA'), flag('internet_users_pct', 'GHA')]).toEqual([
      'reported',
      'ITU estimate',
      'reported',
    ]);
    expect(run.result.coverage.indicators.find((c) => c.indicator === 'hh_internet_pct')!.estimated).toBe(0); // only scored economies count
  });

  it('with a lower bar (1 official value) the estimate enters the score', async () => {
    const run = await runIndex({
      methodology: { ...spec, coverage: { ...spec.coverage, minIndicators: 1 } },
      year: 2022,
      source: { kind: 'observations', table },
      universe: 'all',
    });
    const gha = run.result.economies.find((e) => e.economy === 'GHA')!;
    expect(gha.score).toBeCloseTo(55, 10);
    expect(gha.estimated).toBe(1);
    expect(run.result.coverage.indicators.find((c) => c.indicator === 'hh_internet_pct')!.estimated).toBe(2);
  });
});
