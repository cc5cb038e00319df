import { describe, expect, it } from 'vitest';
import { compileMethodology } from '../../src/idi/methodology.js';
import { prepareYear } from '../../src/idi/compute.js';
import fc from 'fast-check';
import { quantile, quantileOfCounts, runSensitivity, type SensitivityOptions } from '../../src/idi/sensitivity.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import { ictstat } from '../cli/helpers.js';

/** Two indicators, equal weights; economies ordered so that only the weights (not the data) can move ranks. */
const methodology = compileMethodology(
  {
    id: 'two',
    name: 'Two indicators',
    source: 'test',
    scale: 1,
    components: [
      { indicator: 'internet_users_pct', weight: 0.5, normalise: { method: 'ratio', reference: 100 } },
      { indicator: 'hh_internet_pct', weight: 0.5, normalise: { method: 'ratio', reference: 100 } },
    ],
  },
  'two.json',
);

function table(rows: Array<[string, number, number]>) {
  const b = new ObservationBuilder();
  for (const [e, a, h] of rows) {
    b.append({ economy: e, indicator: 'internet_users_pct', year: 2020, value: a });
    b.append({ economy: e, indicator: 'hh_internet_pct', year: 2020, value: h });
  }
  return b.toTable();
}

const options = (o: Partial<SensitivityOptions> = {}): SensitivityOptions => ({
  draws: 400,
  seed: 3,
  workers: 1,
  weightMode: 'dirichlet',
  concentration: 4,
  band: 0.25,
  normalisations: ['methodology'],
  imputation: false,
  dropOne: false,
  ...o,
});

describe('sensitivity analysis', () => {
  it('quantile is the linear (type 7) sample quantile', () => {
    const s = Float64Array.from([1, 2, 3, 4]);
    expect(quantile(s, 0.5)).toBe(2.5);
    expect(quantile(s, 0)).toBe(1);
    expect(quantile(s, 1)).toBe(4);
  });

  it('the quantile from counts of whole numbers (the ranks) equals the quantile of the sorted sample', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
        const counts = new Int32Array(41);
        for (const x of xs) counts[x]++;
        expect(quantileOfCounts(counts, xs.length, q)).toBe(quantile(Float64Array.from(xs).sort(), q));
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('an economy that dominates on every indicator keeps rank 1 in every draw', async () => {
    const t = table([
      ['KEN', 90, 90],
      ['UGA', 80, 20],
      ['TZA', 20, 80],
    ]);
    const economies = ['KEN', 'UGA', 'TZA'];
    const p = prepareYear({ methodology, year: 2020, table: t, economies }, 2020);
    const r = await runSensitivity(
      methodology,
      p,
      new Map([
        ['KEN', 1],
        ['UGA', 2],
        ['TZA', 2],
      ]),
      options(),
    );
    const ken = r.economies.find((e) => e.economy === 'KEN')!;
    expect([ken.medianRank, ken.p05, ken.p95, ken.volatility]).toEqual([1, 1, 1, 0]);
    // UGA and TZA swap with the weights: their rank varies, and the weights explain all of it.
    const uga = r.economies.find((e) => e.economy === 'UGA')!;
    expect(uga.p05).toBe(2);
    expect(uga.p95).toBe(3);
    expect(uga.total['weights:two']).toBeGreaterThan(0.9);
    expect(r.scenarios).toBe(400 * (1 + 2));
  });

  it("scores (an unranked index's measure): intervals of the score, by hand from the weights; no ranks", async () => {
    const t = table([
      ['KEN', 90, 90],
      ['UGA', 80, 20],
      ['TZA', 20, 80],
    ]);
    const economies = ['KEN', 'UGA', 'TZA'];
    const unranked = compileMethodology({ ...methodology.spec, id: 'two-unranked', ranked: false }, 'two-unranked.json');
    const p = prepareYear({ methodology: unranked, year: 2020, table: t, economies }, 2020);
    const r = await runSensitivity(
      unranked,
      p,
      new Map([
        ['KEN', 0.9],
        ['UGA', 0.5],
        ['TZA', 0.5],
      ]),
      options(),
    );
    expect(r.measure).toBe('score');
    if (r.measure !== 'score') return;
    const [ken, uga] = ['KEN', 'UGA'].map((c) => r.economies.find((e) => e.economy === c)!);
    // KEN has 0.9 on both indicators: every weighting gives 0.9.
    for (const x of [ken.medianScore, ken.p05, ken.p95]) expect(x).toBeCloseTo(0.9, 12);
    expect(ken.sd).toBeLessThan(1e-12);
    // UGA: w x 0.8 + (1 - w) x 0.2 with w ~ Beta(2, 2) (Dirichlet, concentration 4): median 0.5, 5th-95th percentile
    // 0.2 + 0.6 x [0.1354, 0.8646] = [0.281, 0.719] (Beta(2, 2) quantiles); the weights explain all of it.
    expect(uga.medianScore).toBeCloseTo(0.5, 1);
    expect(uga.p05).toBeCloseTo(0.281, 1);
    expect(uga.p95).toBeCloseTo(0.719, 1);
    expect(uga.total['weights:two-unranked']).toBeGreaterThan(0.9);
    expect(uga.score).toBe(0.5);
    expect(Object.keys(uga).filter((k) => /rank/i.test(k))).toEqual([]);
    // Its ranks only when asked, and labelled as ours.
    const ranks = await runSensitivity(
      unranked,
      p,
      new Map([
        ['KEN', 1],
        ['UGA', 2],
        ['TZA', 2],
      ]),
      options({ measure: 'rank' }),
    );
    expect(ranks).toMatchObject({ measure: 'rank', ranksAreOurs: true });
  });

  it('drop-one explains rank changes that weights cannot, and the same seed gives the same result', async () => {
    const t = table([
      ['KEN', 90, 10],
      ['UGA', 40, 40],
      ['TZA', 10, 60],
    ]);
    const economies = ['KEN', 'UGA', 'TZA'];
    const p = prepareYear({ methodology, year: 2020, table: t, economies }, 2020);
    const run = () => runSensitivity(methodology, p, new Map(), options({ concentration: 1e6, dropOne: true }));
    const a = await run(),
      b = await run();
    expect(a).toEqual(b);
    const ken = a.economies.find((e) => e.economy === 'KEN')!;
    expect(ken.total['drop-one-indicator']).toBeGreaterThan(0.9);
    expect(Math.abs(ken.total['weights:two'])).toBeLessThan(0.05);
  });

  it('the CLI gives identical results on 1 and 2 worker threads, and rank intervals around the published rank', () => {
    const args = ['idi', 'sensitivity', '--methodology', 'idi-2017', '--year', '2016', '--draws', '60', '--seed', '11', '--format', 'json'];
    const one = ictstat([...args, '--workers', '1']);
    const two = ictstat([...args, '--workers', '2']);
    expect(one.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const doc = JSON.parse(one.stdout);
    expect(doc.factors.map((f: { name: string }) => f.name)).toEqual([
      'weights:access',
      'weights:use',
      'weights:skills',
      'weights:idi-2017',
      'normalisation',
      'imputation',
      'drop-one-indicator',
    ]);
    for (const e of doc.economies) {
      expect(e.p05).toBeLessThanOrEqual(e.medianRank);
      expect(e.medianRank).toBeLessThanOrEqual(e.p95);
    }
    expect(ictstat([...args, '--draws', '1']).code).toBe(2);
  });
});
