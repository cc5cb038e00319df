import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CELL, CELL_NAMES, impute, yearMatrix, type ImputationContext, type YearMatrix } from '../../src/idi/impute.js';
import type { ImputationSpec } from '../../src/idi/methodology.js';
import { buildPanel, type Panel } from '../../src/idi/panel.js';
import { Groupings } from '../../src/registry/groupings.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { table } from './helpers.js';

const USERS = 'internet_users_pct',
  HH = 'hh_internet_pct',
  GNI = 'gni_pc_atlas_usd';
const INDICATORS = [USERS, HH, GNI];
const registry = loadIndicatorRegistry();

type Row = [string, string, number, number];

function setup(
  economies: string[],
  rows: Row[],
  opts: { first?: number; last?: number; latestWithin?: number; year?: number; groupings?: Groupings; active?: number[] } = {},
) {
  const panel: Panel = buildPanel(table(rows), economies, INDICATORS, opts.first ?? 2010, opts.last ?? 2022);
  const m = yearMatrix(panel, opts.year ?? 2016, opts.latestWithin ?? 0);
  const ctx: ImputationContext = {
    panel,
    groupings: opts.groupings ?? new Groupings([]),
    targets: [0, 1],
    active: opts.active ? Uint8Array.from(opts.active) : new Uint8Array(economies.length).fill(1),
    range: (id) => registry.get(id).range,
  };
  const cell = (indicator: string, economy: string): number => INDICATORS.indexOf(indicator) * economies.length + economies.indexOf(economy);
  return { panel, m, ctx, cell };
}

const grouping = (id: string, members: Record<string, string>) => ({ id, name: id, source: 'test', groups: new Map(Object.entries(members)) });

describe('yearMatrix: the data year, or the latest available within N years', () => {
  it('takes the data year when reported, else the latest earlier year within the window, recording the year used', () => {
    const { m, cell } = setup(
      ['AAA', 'BBB', 'CCC', 'DDD'],
      [
        ['AAA', USERS, 2016, 50],
        ['AAA', USERS, 2015, 45],
        ['BBB', USERS, 2015, 40],
        ['BBB', USERS, 2014, 38],
        ['CCC', USERS, 2013, 30], // 3 years back: outside a window of 2
        ['DDD', USERS, 2017, 60], // later years are not "latest available"
      ],
      { latestWithin: 2 },
    );
    expect([m.values[cell(USERS, 'AAA')], m.status[cell(USERS, 'AAA')], m.yearUsed[cell(USERS, 'AAA')]]).toEqual([50, CELL.observed, 2016]);
    expect([m.values[cell(USERS, 'BBB')], m.status[cell(USERS, 'BBB')], m.yearUsed[cell(USERS, 'BBB')]]).toEqual([40, CELL.earlier, 2015]);
    expect(m.status[cell(USERS, 'CCC')]).toBe(CELL.missing);
    expect(m.values[cell(USERS, 'CCC')]).toBeNaN();
    expect(m.status[cell(USERS, 'DDD')]).toBe(CELL.missing);
    expect(m.records.size).toBe(0);
  });
});

describe('nearest-year', () => {
  it('takes the nearest year within the window, the earlier one on a tie, and records the year and value', () => {
    const { m, ctx, cell } = setup(
      ['AAA', 'BBB', 'CCC'],
      [
        ['AAA', USERS, 2014, 20],
        ['AAA', USERS, 2018, 80], // tie at distance 2: 2014
        ['BBB', USERS, 2013, 10],
        ['BBB', USERS, 2018, 70], // 2018 is nearer
        ['CCC', USERS, 2020, 90], // distance 4: outside a window of 3
      ],
    );
    impute(m, [{ method: 'nearest-year', window: 3 }], ctx);
    expect([m.values[cell(USERS, 'AAA')], m.yearUsed[cell(USERS, 'AAA')], m.status[cell(USERS, 'AAA')]]).toEqual([20, 2014, CELL['nearest-year']]);
    expect(m.records.get(cell(USERS, 'AAA'))).toEqual({
      method: 'nearest-year',
      detail: 'value of 2014 (nearest year within 3)',
      inputs: { year: 2014, value: 20 },
    });
    expect([m.values[cell(USERS, 'BBB')], m.yearUsed[cell(USERS, 'BBB')]]).toEqual([70, 2018]);
    expect(m.status[cell(USERS, 'CCC')]).toBe(CELL.missing);
    expect(m.records.has(cell(USERS, 'CCC'))).toBe(false);
  });
});

describe('interpolation', () => {
  const rows: Row[] = [
    ['AAA', USERS, 2013, 10],
    ['AAA', USERS, 2019, 40], // 6 years apart
    ['BBB', USERS, 2015, 30],
    ['BBB', USERS, 2018, 60],
    ['BBB', USERS, 2012, 0], // nearest on each side: 2015 and 2018
    ['CCC', USERS, 2014, 30], // nothing after
  ];
  it('is linear between the nearest observed years on each side', () => {
    const { m, ctx, cell } = setup(['AAA', 'BBB', 'CCC'], rows);
    impute(m, [{ method: 'interpolation', maxGap: 6 }], ctx);
    expect(m.values[cell(USERS, 'AAA')]).toBeCloseTo(25, 12);
    expect(m.values[cell(USERS, 'BBB')]).toBeCloseTo(40, 12);
    expect(m.status[cell(USERS, 'BBB')]).toBe(CELL.interpolation);
    expect(m.yearUsed[cell(USERS, 'BBB')]).toBe(2016);
    expect(m.records.get(cell(USERS, 'BBB'))).toMatchObject({ method: 'interpolation', inputs: { years: [2015, 2018], values: [30, 60] } });
    expect(m.records.get(cell(USERS, 'BBB'))!.detail).toBe('linear between 2015 (30) and 2018 (60)');
    expect(m.status[cell(USERS, 'CCC')]).toBe(CELL.missing); // no extrapolation
  });

  it('respects maxGap: years 6 apart are interpolated with maxGap 6, not with 5', () => {
    const five = setup(['AAA', 'BBB', 'CCC'], rows);
    impute(five.m, [{ method: 'interpolation', maxGap: 5 }], five.ctx);
    expect(five.m.status[five.cell(USERS, 'AAA')]).toBe(CELL.missing);
    expect(five.m.status[five.cell(USERS, 'BBB')]).toBe(CELL.interpolation); // 3 apart
  });
});

describe('regression', () => {
  // x = 10, 20, 30, 40; y = 12, 18, 33, 37: mean 25 and 25, Sxy = 450, Sxx = 500 -> slope 0.9, intercept 2.5; MIS has x = 50
  const econ = ['A1', 'A2', 'A3', 'A4', 'MIS', 'NOX'];
  const fourReporters = (): Row[] => [
    ...[
      [10, 12],
      [20, 18],
      [30, 33],
      [40, 37],
    ].flatMap(([x, y], i): Row[] => [
      [econ[i], USERS, 2016, x],
      [econ[i], HH, 2016, y],
    ]),
    ['MIS', USERS, 2016, 50],
  ];

  it('fits OLS of the target on the predictor over the economies reporting both, and says so', () => {
    const { m, ctx, cell } = setup(econ, fourReporters());
    impute(m, [{ method: 'regression', target: HH, predictor: USERS, minObservations: 4 }], ctx);
    expect(m.values[cell(HH, 'MIS')]).toBeCloseTo(2.5 + 0.9 * 50, 10);
    expect(m.status[cell(HH, 'MIS')]).toBe(CELL.regression);
    const rec = m.records.get(cell(HH, 'MIS'))!;
    expect(rec.method).toBe('regression');
    expect(rec.inputs.slope).toBeCloseTo(0.9, 12);
    expect(rec.inputs.intercept).toBeCloseTo(2.5, 12);
    expect(rec.inputs).toMatchObject({ predictor: USERS, predictorValue: 50, n: 4 });
    // R2 = Sxy^2 / (Sxx Syy), Syy = 169 + 49 + 64 + 144 = 426
    expect(rec.inputs.r2).toBeCloseTo(450 ** 2 / (500 * 426), 10);
    expect(rec.detail).toContain('OLS over 4 economies of 2016');
    expect(m.status[cell(HH, 'NOX')]).toBe(CELL.missing); // no predictor value: nothing to regress from
  });

  it('is not used when R2 is below minR2 (the same four economies: R2 = 450^2 / (500 x 426) = 0.9507)', () => {
    const rows = fourReporters();
    const strict = setup(econ, rows);
    impute(strict.m, [{ method: 'regression', target: HH, predictor: USERS, minObservations: 4, minR2: 0.96 }], strict.ctx);
    expect(strict.m.status[strict.cell(HH, 'MIS')]).toBe(CELL.missing);
    const loose = setup(econ, rows);
    impute(loose.m, [{ method: 'regression', target: HH, predictor: USERS, minObservations: 4, minR2: 0.95 }], loose.ctx);
    expect(loose.m.values[loose.cell(HH, 'MIS')]).toBeCloseTo(2.5 + 0.9 * 50, 10);
  });

  it('does not fit with fewer than minObservations reporting economies', () => {
    const rows: Row[] = [
      ['A1', USERS, 2016, 10],
      ['A1', HH, 2016, 12],
      ['A2', USERS, 2016, 20],
      ['A2', HH, 2016, 18],
      ['MIS', USERS, 2016, 50],
    ];
    const { m, ctx, cell } = setup(['A1', 'A2', 'MIS'], rows);
    impute(m, [{ method: 'regression', target: HH, predictor: USERS, minObservations: 3 }], ctx);
    expect(m.status[cell(HH, 'MIS')]).toBe(CELL.missing);
  });

  it("clamps the estimate to the target indicator's valid range", () => {
    // y = 2x: x = 90 -> 180, clamped to 100; y = 3x - 60: x = 5 -> -45, clamped to 0
    const econ = ['A1', 'A2', 'A3', 'HI'];
    const rows: Row[] = [
      [10, 20],
      [20, 40],
      [40, 80],
    ].flatMap(([x, y], i): Row[] => [
      [econ[i], USERS, 2016, x],
      [econ[i], HH, 2016, y],
    ]);
    rows.push(['HI', USERS, 2016, 90]);
    const hi = setup(econ, rows);
    impute(hi.m, [{ method: 'regression', target: HH, predictor: USERS, minObservations: 3 }], hi.ctx);
    expect(hi.m.values[hi.cell(HH, 'HI')]).toBe(100);
    const rowsLo: Row[] = [
      [30, 30],
      [40, 60],
      [50, 90],
    ].flatMap(([x, y], i): Row[] => [
      [econ[i], USERS, 2016, x],
      [econ[i], HH, 2016, y],
    ]);
    rowsLo.push(['HI', USERS, 2016, 5]);
    const lo = setup(econ, rowsLo);
    impute(lo.m, [{ method: 'regression', target: HH, predictor: USERS, minObservations: 3 }], lo.ctx);
    expect(lo.m.values[lo.cell(HH, 'HI')]).toBe(0);
  });

  it('fits only on reported cells, not on cells another method imputed', () => {
    // A3's target is filled by nearest-year first (value 1000-ish would wreck the fit); the fit must ignore it
    const econ = ['A1', 'A2', 'A3', 'A4', 'MIS'];
    const rows: Row[] = [
      ['A1', USERS, 2016, 10],
      ['A1', HH, 2016, 10],
      ['A2', USERS, 2016, 20],
      ['A2', HH, 2016, 20],
      ['A4', USERS, 2016, 40],
      ['A4', HH, 2016, 40],
      ['A3', USERS, 2016, 30],
      ['A3', HH, 2017, 99],
      ['MIS', USERS, 2016, 50],
    ];
    const { m, ctx, cell } = setup(econ, rows);
    impute(
      m,
      [
        { method: 'nearest-year', window: 1 },
        { method: 'regression', target: HH, predictor: USERS, minObservations: 3 },
      ],
      ctx,
    );
    expect(m.status[cell(HH, 'A3')]).toBe(CELL['nearest-year']);
    expect(m.records.get(cell(HH, 'MIS'))!.inputs.n).toBe(3);
    expect(m.values[cell(HH, 'MIS')]).toBeCloseTo(50, 10);
  });
});

describe('group-median', () => {
  const groupings = new Groupings([
    grouping('region', { R1A: 'R1', R1B: 'R1', R1C: 'R1', R1D: 'R1', R1X: 'R1', R2A: 'R2', R2B: 'R2', R2C: 'R2', R2X: 'R2' }),
    grouping('income', { R1A: 'H', R1B: 'H', R1C: 'H', R1D: 'L', R1X: 'H', R2A: 'H', R2B: 'L', R2C: 'H', R2X: 'L', NOR: 'H' }),
  ]);
  const econ = ['R1A', 'R1B', 'R1C', 'R1D', 'R1X', 'R2A', 'R2B', 'R2C', 'R2X', 'NOR'];
  const rows: Row[] = [
    ['R1A', USERS, 2016, 10],
    ['R1B', USERS, 2016, 20],
    ['R1C', USERS, 2016, 60],
    ['R1D', USERS, 2016, 5],
    ['R2A', USERS, 2016, 70],
    ['R2B', USERS, 2016, 30],
    ['R2C', USERS, 2016, 50],
  ];

  it('uses the median of the same cell of the cross-classification (region x income)', () => {
    const { m, ctx, cell } = setup(econ, rows, { groupings });
    impute(m, [{ method: 'group-median', groupings: ['region', 'income'], minGroupSize: 3 }], ctx);
    // R1 x H reports 10, 20, 60 (R1D is L): median 20, not the region's 15
    expect(m.values[cell(USERS, 'R1X')]).toBe(20);
    expect(m.records.get(cell(USERS, 'R1X'))).toEqual({
      method: 'group-median',
      detail: 'median of 3 economies in R1 x H (region x income)',
      inputs: { group: 'R1 x H', n: 3, median: 20 },
    });
  });

  it('falls back to the coarser group when the cell has too few reporters; leaves economies outside every group alone', () => {
    const { m, ctx, cell } = setup(econ, rows, { groupings });
    impute(m, [{ method: 'group-median', groupings: ['region', 'income'], minGroupSize: 3 }], ctx);
    // R2 x L has 1 reporter (R2B): use R2 = {70, 30, 50}, median 50
    expect(m.values[cell(USERS, 'R2X')]).toBe(50);
    expect(m.records.get(cell(USERS, 'R2X'))!.inputs).toEqual({ group: 'R2', n: 3, median: 50 });
    expect(m.status[cell(USERS, 'NOR')]).toBe(CELL.missing); // income but no region: the first grouping is required
  });

  it('takes the mean of the two middle values for an even count', () => {
    const { m, ctx, cell } = setup(econ, rows, { groupings });
    impute(m, [{ method: 'group-median', groupings: ['region'], minGroupSize: 2 }], ctx);
    expect(m.values[cell(USERS, 'R1X')]).toBe(15); // 5, 10, 20, 60
  });
});

describe('hot-deck', () => {
  const groupings = new Groupings([grouping('region', { REC: 'R1', LOG: 'R1', LIN: 'R1', FAR: 'R2' })]);
  // Recipient GNI 1000. LOG: 1900 (|ln| 0.642, linear gap 900); LIN: 500 (|ln| 0.693, linear gap 500); FAR: 1000 exactly, other region.
  const rows: Row[] = [
    ['REC', GNI, 2016, 1000],
    ['LOG', GNI, 2016, 1900],
    ['LIN', GNI, 2016, 500],
    ['FAR', GNI, 2016, 1000],
    ['LOG', USERS, 2016, 33],
    ['LIN', USERS, 2016, 44],
    ['FAR', USERS, 2016, 99],
  ];

  it('takes the value of the economy with the nearest log GNI in the same group', () => {
    const { m, ctx, cell } = setup(['REC', 'LOG', 'LIN', 'FAR'], rows, { groupings });
    impute(m, [{ method: 'hot-deck', similarity: GNI, sameGroup: 'region' }], ctx);
    expect(m.values[cell(USERS, 'REC')]).toBe(33);
    expect(m.status[cell(USERS, 'REC')]).toBe(CELL['hot-deck']);
    expect(m.records.get(cell(USERS, 'REC'))).toEqual({
      method: 'hot-deck',
      detail: `value of LOG (${GNI} 1900 vs 1000, both in R1)`,
      inputs: { donor: 'LOG', donorSimilarity: 1900, similarity: 1000 },
    });
  });

  it('without a group, the nearest economy anywhere', () => {
    const { m, ctx, cell } = setup(['REC', 'LOG', 'LIN', 'FAR'], rows, { groupings });
    impute(m, [{ method: 'hot-deck', similarity: GNI }], ctx);
    expect(m.values[cell(USERS, 'REC')]).toBe(99);
  });

  it('takes no donor beyond maxLogGap: LOG is |ln 1900 - ln 1000| = 0.642 away', () => {
    const near = setup(['REC', 'LOG', 'LIN', 'FAR'], rows, { groupings });
    impute(near.m, [{ method: 'hot-deck', similarity: GNI, sameGroup: 'region', maxLogGap: 0.6 }], near.ctx);
    expect(near.m.status[near.cell(USERS, 'REC')]).toBe(CELL.missing); // the nearest donor is too far; not the next one either
    const wide = setup(['REC', 'LOG', 'LIN', 'FAR'], rows, { groupings });
    impute(wide.m, [{ method: 'hot-deck', similarity: GNI, sameGroup: 'region', maxLogGap: 0.65 }], wide.ctx);
    expect(wide.m.values[wide.cell(USERS, 'REC')]).toBe(33);
  });

  it("needs the recipient's own similarity value", () => {
    const { m, ctx, cell } = setup(['REC', 'LOG', 'LIN', 'FAR'], rows.slice(1), { groupings });
    impute(m, [{ method: 'hot-deck', similarity: GNI, sameGroup: 'region' }], ctx);
    expect(m.status[cell(USERS, 'REC')]).toBe(CELL.missing);
  });
});

describe('every method', () => {
  const groupings = new Groupings([grouping('region', { E0: 'R1', E1: 'R1', E2: 'R1', E3: 'R2', E4: 'R2', E5: 'R2', E6: 'R1', E7: 'R2' })]);
  const econ = ['E0', 'E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7'];
  const ALL: ImputationSpec[] = [
    { method: 'interpolation', maxGap: 4 },
    { method: 'nearest-year', window: 2 },
    { method: 'regression', target: HH, predictor: USERS, minObservations: 3 },
    { method: 'hot-deck', similarity: GNI, sameGroup: 'region' },
    { method: 'group-median', groupings: ['region'], minGroupSize: 2 },
  ];
  const rowArb = fc
    .tuple(fc.constantFrom(...econ), fc.constantFrom(...INDICATORS), fc.integer({ min: 2013, max: 2019 }), fc.double({ min: 1, max: 100, noNaN: true }))
    .map((r): Row => r as Row);
  const snapshot = (m: YearMatrix) => ({ values: Float64Array.from(m.values), status: Uint8Array.from(m.status), yearUsed: Int16Array.from(m.yearUsed) });

  it('never overwrites a known cell, gives every imputed cell a record (method, detail, inputs), and leaves inactive economies alone', () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { minLength: 30, maxLength: 120 }),
        fc.shuffledSubarray(ALL, { minLength: 1 }),
        fc.array(fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)), { minLength: econ.length, maxLength: econ.length }),
        fc.integer({ min: 0, max: 2 }),
        (rows, methods, activeFlags, latestWithin) => {
          const { m, ctx } = setup(econ, rows, { groupings, latestWithin, active: activeFlags.map(Number) });
          const before = snapshot(m);
          impute(m, methods, ctx);
          const nE = econ.length;
          for (let cell = 0; cell < m.values.length; cell++) {
            const st = m.status[cell],
              e = cell % nE;
            if (before.status[cell] !== CELL.missing || !ctx.active[e] || !ctx.targets.includes(Math.floor(cell / nE))) {
              expect(st).toBe(before.status[cell]);
              expect(Object.is(m.values[cell], before.values[cell])).toBe(true);
              expect(m.yearUsed[cell]).toBe(before.yearUsed[cell]);
              expect(m.records.has(cell)).toBe(false);
              continue;
            }
            if (st === CELL.missing) {
              expect(m.records.has(cell)).toBe(false);
              continue;
            }
            const rec = m.records.get(cell);
            expect(rec?.method).toBe(CELL_NAMES[st]);
            expect(methods.map((s) => s.method)).toContain(rec!.method);
            expect(rec!.detail.length).toBeGreaterThan(10);
            expect(Object.keys(rec!.inputs).length).toBeGreaterThan(0);
            expect(Number.isFinite(m.values[cell])).toBe(true);
          }
        },
      ),
      { seed: 2016, numRuns: 200 },
    );
  });

  it('an inactive economy is not imputed by any method, even when every method could fill it', () => {
    const rows: Row[] = [];
    for (const [i, e] of econ.entries()) {
      rows.push([e, GNI, 2016, 1000 + 100 * i]);
      if (e !== 'E0') rows.push([e, USERS, 2016, 10 + i], [e, HH, 2016, 5 + i]);
    }
    rows.push(['E0', USERS, 2015, 1], ['E0', USERS, 2017, 3], ['E0', HH, 2015, 1]);
    const active = econ.map((e) => (e === 'E0' ? 0 : 1));
    const off = setup(econ, rows, { groupings, active });
    impute(off.m, ALL, off.ctx);
    expect(off.m.status[off.cell(USERS, 'E0')]).toBe(CELL.missing);
    expect(off.m.status[off.cell(HH, 'E0')]).toBe(CELL.missing);
    expect(off.m.records.size).toBe(0);
    // the same economy, active, is filled (so the test above is not vacuous)
    const on = setup(econ, rows, { groupings });
    impute(on.m, ALL, on.ctx);
    expect(on.m.status[on.cell(USERS, 'E0')]).toBe(CELL.interpolation);
    expect(on.m.status[on.cell(HH, 'E0')]).toBe(CELL['nearest-year']);
  });
});
