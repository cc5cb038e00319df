import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CELL, impute, yearMatrix, type ImputationContext } from '../../src/idi/impute.js';
import { buildPanel } from '../../src/idi/panel.js';
import { Groupings } from '../../src/registry/groupings.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { table } from './helpers.js';

const USERS = 'internet_users_pct';
const registry = loadIndicatorRegistry();
type Row = [string, string, number, number];

function setup(economies: string[], rows: Row[], year: number, lookAhead?: number) {
  const panel = buildPanel(table(rows), economies, [USERS], 2010, 2024);
  const m = yearMatrix(panel, year, 0);
  const ctx: ImputationContext = {
    panel,
    groupings: new Groupings([]),
    targets: [0],
    active: new Uint8Array(economies.length).fill(1),
    range: (id) => registry.get(id).range,
    ...(lookAhead === undefined ? {} : { lookAhead }),
  };
  return { m, ctx };
}

describe('look-ahead: no method reads a year after the data year + lookAhead', () => {
  const rows: Row[] = [
    ['AAA', USERS, 2014, 20],
    ['AAA', USERS, 2018, 60],
  ];
  it('interpolation needs the later year within the look-ahead', () => {
    const open = setup(['AAA'], rows, 2016);
    impute(open.m, [{ method: 'interpolation', maxGap: 6 }], open.ctx);
    expect(open.m.values[0]).toBe(40); // 20 + (60 - 20) * 2 / 4
    const two = setup(['AAA'], rows, 2016, 2);
    impute(two.m, [{ method: 'interpolation', maxGap: 6 }], two.ctx);
    expect(two.m.values[0]).toBe(40); // 2018 is 2 years ahead: allowed
    const none = setup(['AAA'], rows, 2016, 0);
    impute(none.m, [{ method: 'interpolation', maxGap: 6 }], none.ctx);
    expect(none.m.status[0]).toBe(CELL.missing);
  });
  it('nearest-year takes the later year only within the look-ahead', () => {
    const r: Row[] = [
      ['AAA', USERS, 2013, 10],
      ['AAA', USERS, 2017, 70],
    ];
    const open = setup(['AAA'], r, 2016);
    impute(open.m, [{ method: 'nearest-year', window: 3 }], open.ctx);
    expect([open.m.values[0], open.m.yearUsed[0]]).toEqual([70, 2017]);
    const none = setup(['AAA'], r, 2016, 0);
    impute(none.m, [{ method: 'nearest-year', window: 3 }], none.ctx);
    expect([none.m.values[0], none.m.yearUsed[0]]).toEqual([10, 2013]);
  });
  it('property: with lookAhead 0, changing any later value changes no imputed value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 2010, max: 2024 }), fc.double({ min: 0, max: 100, noNaN: true })), { maxLength: 12 }),
        fc.integer({ min: 2012, max: 2022 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (obs, year, bump) => {
          const rows: Row[] = [...new Map(obs.filter(([y]) => y !== year)).entries()].map(([y, v]) => ['AAA', USERS, y, v]);
          const changed: Row[] = rows.map(([e, i, y, v]) => [e, i, y, y > year ? bump : v]);
          const steps = [
            { method: 'interpolation', maxGap: 10 },
            { method: 'trend', model: 'linear', window: 5 },
            { method: 'nearest-year', window: 5 },
          ];
          const a = setup(['AAA'], rows, year, 0),
            b = setup(['AAA'], changed, year, 0);
          impute(a.m, steps, a.ctx);
          impute(b.m, steps, b.ctx);
          expect(b.m.values[0]).toBe(a.m.values[0]);
          expect(b.m.status[0]).toBe(a.m.status[0]);
        },
      ),
    );
  });
});

describe("trend: the economy's own trend", () => {
  it('linear: least squares over the 3 nearest earlier observations, extrapolated to the data year (hand-worked)', () => {
    // years 2019, 2020, 2021 with 50, 54, 61: slope = sum((y-2020)(v-55)) / sum((y-2020)^2) = (5 + 6) / 2 = 5.5;
    // at 2020 the line is 55, so 2023 gives 55 + 3 x 5.5 = 71.5. The 2018 value is a 4th point, not used.
    const { m, ctx } = setup(
      ['AAA'],
      [
        ['AAA', USERS, 2018, 10],
        ['AAA', USERS, 2019, 50],
        ['AAA', USERS, 2020, 54],
        ['AAA', USERS, 2021, 61],
      ],
      2023,
      0,
    );
    impute(m, [{ method: 'trend', model: 'linear', window: 5, points: 3 }], ctx);
    expect(m.values[0]).toBeCloseTo(71.5, 12);
    expect(m.status[0]).toBe(CELL.trend);
    expect(m.records.get(0)!.inputs.years).toEqual([2021, 2020, 2019]);
  });
  it('logistic: a straight line on the logit (hand-worked), and it stays below the ceiling where a line would not', () => {
    // 2020: 50 % (logit 0), 2021: 73.1059 % (logit 1): the logit rises by 1 a year, so 2024 has logit 4,
    // 100 / (1 + e^-4) = 98.2014; the linear trend would give 50 + 4 x 23.1059 = 142.4 (clamped to 100).
    const v2021 = 100 / (1 + Math.exp(-1));
    const rows: Row[] = [
      ['AAA', USERS, 2020, 50],
      ['AAA', USERS, 2021, v2021],
    ];
    const a = setup(['AAA'], rows, 2024, 0);
    impute(a.m, [{ method: 'trend', model: 'logistic', window: 5, points: 2 }], a.ctx);
    expect(a.m.values[0]).toBeCloseTo(100 / (1 + Math.exp(-4)), 9);
    const b = setup(['AAA'], rows, 2024, 0);
    impute(b.m, [{ method: 'trend', model: 'linear', window: 5, points: 2 }], b.ctx);
    expect(b.m.values[0]).toBe(100);
  });
  it('needs 2 observations within the window; never overwrites a reported value', () => {
    const { m, ctx } = setup(
      ['AAA', 'BBB', 'CCC'],
      [
        ['AAA', USERS, 2021, 40], // one point only
        ['BBB', USERS, 2015, 10],
        ['BBB', USERS, 2016, 20], // outside a window of 5 from 2023
        ['CCC', USERS, 2023, 33],
        ['CCC', USERS, 2021, 10],
        ['CCC', USERS, 2022, 20],
      ],
      2023,
      0,
    );
    impute(m, [{ method: 'trend', model: 'linear', window: 5 }], ctx);
    expect([m.status[0], m.status[1], m.status[2]]).toEqual([CELL.missing, CELL.missing, CELL.observed]);
    expect(m.values[2]).toBe(33);
  });
});
