import { describe, expect, it } from 'vitest';
import { computeEstimates, KIND, type Estimates } from '../../src/estimates/index.js';
import { CELL } from '../../src/idi/imputation/index.js';
import { Groupings, type Grouping } from '../../src/registry/groupings.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { config, obs } from './helpers.js';

const U = 'internet_users_pct',
  POP = 'population',
  GNI = 'gni_pc_atlas_usd';
const registry = loadIndicatorRegistry();
const region: Grouping = {
  id: 'region',
  name: 'region',
  source: 'test',
  groups: new Map([
    ['AAA', 'A'],
    ['BBB', 'A'],
    ['CCC', 'A'],
    ['DDD', 'B'],
    ['EEE', 'B'],
    ['FFF', 'B'],
  ]),
};
const economies = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
const HOT_DECK = [{ method: 'hot-deck', similarity: GNI, sameGroup: 'region', source: 'test' }];

function run(rows: Parameters<typeof obs>[0], cfg = config(HOT_DECK), from = 2023, to = 2023, indicator = U): Estimates {
  return computeEstimates({
    table: obs(rows),
    indicator,
    from,
    to,
    economies,
    groupings: ['world', region],
    config: cfg,
    registry,
    allGroupings: new Groupings([region]),
  });
}
const row = (e: Estimates, group: string, year = 2023): Record<string, number | string> => {
  const g = e.groups,
    o = g.group.findIndex((x, k) => x === group && g.year[k] === year);
  return Object.fromEntries(Object.entries(g).map(([k, v]) => [k, (v as ArrayLike<number | string>)[o]]));
};

// Group A: all three report. Group B: DDD and EEE report, FFF is missing and hot-decked from DDD (nearest GNI).
const PANEL: Parameters<typeof obs>[0] = [
  ['AAA', U, 2023, 50],
  ['BBB', U, 2023, 80],
  ['CCC', U, 2023, 20],
  ['AAA', POP, 2023, 10],
  ['BBB', POP, 2023, 30],
  ['CCC', POP, 2023, 60],
  ['DDD', U, 2023, 60],
  ['EEE', U, 2023, 30, 'ITU estimate.'],
  ['DDD', POP, 2023, 20],
  ['EEE', POP, 2023, 30],
  ['FFF', POP, 2023, 50],
  ['DDD', GNI, 2023, 1000],
  ['EEE', GNI, 2023, 5000],
  ['FFF', GNI, 2023, 1200],
];

describe('group figures as ITU computes them (hand-worked)', () => {
  const e = run(PANEL);
  it('a group where all report: counts summed and divided by the group population; the unweighted mean differs', () => {
    const a = row(e, 'A');
    // (50 x 10 + 80 x 30 + 20 x 60) / 100 = (5 + 24 + 12) people online of 100 = 41 %; plain mean (50 + 80 + 20) / 3 = 50.
    expect(a.value).toBeCloseTo(41, 12);
    expect(a.count).toBeCloseTo(41, 12);
    expect(a.complement).toBeCloseTo(59, 12);
    expect(a.unweightedMean).toBeCloseTo(50, 12);
    expect([a.min, a.max, a.economies, a.population]).toEqual([20, 80, 3, 100]);
    expect([a.reportedShare, a.ituEstimateShare, a.ourEstimateShare, a.estimatedShare, a.missingShare]).toEqual([1, 0, 0, 0, 0]);
  });
  it('a group where one economy is missing and hot-decked: the donor is the same-region economy with the nearest log GNI', () => {
    const c = e.countries,
      f = economies.indexOf('FFF'); // nYears = 2 (2022 for growth, then 2023)
    expect(c.values[f * 2 + 1]).toBe(60); // |ln 1000 - ln 1200| = 0.18 < |ln 5000 - ln 1200| = 1.43: DDD
    expect(c.kind[f * 2 + 1]).toBe(KIND.ourEstimate);
    expect(c.method[f * 2 + 1]).toBe(CELL['hot-deck']);
    expect(c.records.get(f * 2 + 1)!.inputs.donor).toBe('DDD');
    const b = row(e, 'B');
    // (60 x 20 + 30 x 30 + 60 x 50) / 100 = (12 + 9 + 30) / 100 = 51 %; reporters only would give (12 + 9) / 50 = 42 %.
    expect(b.value).toBeCloseTo(51, 12);
    // EEE's value is marked "ITU estimate.": 30 of 100 people; FFF is ours: 50 of 100.
    expect([b.reportedShare, b.ituEstimateShare, b.ourEstimateShare, b.estimatedShare]).toEqual([0.2, 0.3, 0.5, 0.8]);
    expect(b.nowcast).toBe(0); // inputs (reported + ITU) cover 50 %: not below half
  });
  it('the world is every economy: (41 + 51) / 200 = 46 %', () => {
    const w = row(e, 'World');
    expect(w.value).toBeCloseTo(46, 12);
    expect(w.population).toBe(200);
    expect(w.ourEstimateShare).toBeCloseTo(0.25, 12);
  });
  it('without a method the missing economy stays missing and the figure is over the covered population, the gap shown', () => {
    const b = row(run(PANEL, config([])), 'B');
    expect(b.value).toBeCloseTo(42, 12); // (12 + 9) / 50
    expect([b.coveredPopulation, b.population, b.missingShare]).toEqual([50, 100, 0.5]);
  });
  it('a nowcast: less than half the group population has a value in the inputs', () => {
    const rows = PANEL.filter(([e, i]) => !(e === 'EEE' && i === U));
    const b = row(run(rows), 'B'); // EEE and FFF hot-decked from DDD: inputs cover 20 of 100
    expect(b.value).toBeCloseTo(60, 12);
    expect(b.nowcast).toBe(1);
  });
  it('growth of the count over the previous year', () => {
    const rows: Parameters<typeof obs>[0] = [
      ...PANEL,
      ['AAA', U, 2022, 40],
      ['BBB', U, 2022, 70],
      ['CCC', U, 2022, 10],
      ['AAA', POP, 2022, 10],
      ['BBB', POP, 2022, 30],
      ['CCC', POP, 2022, 50],
    ];
    const a = row(run(rows, config(HOT_DECK), 2022, 2023), 'A');
    // 2022: 4 + 21 + 5 = 30 people online; 2023: 41; growth 41 / 30 - 1 = 36.67 %
    expect(a.growthPct).toBeCloseTo((41 / 30 - 1) * 100, 10);
  });
  it('mobile-phone ownership over the population aged 10+: population x (1 - 10/15 x share aged 0-14)', () => {
    const M = 'mobile_owners_pct';
    const rows: Parameters<typeof obs>[0] = [
      ['AAA', M, 2023, 50],
      ['BBB', M, 2023, 90],
      ['AAA', POP, 2023, 100],
      ['BBB', POP, 2023, 100],
      ['AAA', 'pop_0014_pct', 2023, 30],
      ['BBB', 'pop_0014_pct', 2023, 15],
    ];
    const e2 = run(rows, config([], { indicators: { [M]: { denominator: 'population10plus' } } }), 2023, 2023, M);
    const a = row(e2, 'A');
    // 10+: AAA 100 x (1 - 0.2) = 80, BBB 100 x (1 - 0.1) = 90; owners 40 + 81 = 121 of 170 = 71.18 %
    expect(a.population).toBeCloseTo(170, 10);
    expect(a.count).toBeCloseTo(121, 10);
    expect(a.value).toBeCloseTo((121 / 170) * 100, 10);
  });
  it('a look-ahead of 0 keeps later years out; a positive one interpolates', () => {
    const rows: Parameters<typeof obs>[0] = [
      ['AAA', U, 2021, 40],
      ['AAA', U, 2025, 80],
      ['AAA', POP, 2023, 10],
    ];
    const steps = [{ method: 'interpolation', maxGap: 6, source: 'test' }];
    const none = run(rows, config(steps, { lookAhead: 0 }));
    const one = run(rows, config(steps, { lookAhead: 1 }));
    const two = run(rows, config(steps, { lookAhead: 2 }));
    const a = economies.indexOf('AAA') * 2 + 1;
    expect(none.countries.kind[a]).toBe(KIND.missing);
    expect(one.countries.kind[a]).toBe(KIND.missing); // 2025 is 2 years after 2023
    expect(two.countries.values[a]).toBe(60); // 40 + (80 - 40) x 2 / 4
    expect(two.countries.kind[a]).toBe(KIND.ourEstimate);
  });
});
