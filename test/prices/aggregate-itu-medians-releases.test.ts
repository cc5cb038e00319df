/**
 * The medians sheets of the March 2024 and December 2025 releases recomputed by `ictstat prices aggregate --input
 * <workbook>` from each workbook's own per-economy sheet, with the windows and groups of
 * indicators/baskets/aggregation/itu-medians-{2024-03,2025-12}.json. Expected values: the bundled medians files,
 * which the datasets script copies cell by cell from the workbooks' medians sheets (not through src/prices).
 * Tolerance 0.005: ITU's medians are computed from unrounded prices, the per-economy sheets publish 2 decimals,
 * so a median of rounded values is within 0.005 of the median of the unrounded ones.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/util/csv-parse.js';
import { datasetsDir, sharedDataDir } from '../../src/util/paths.js';
import { ictstat } from '../cli/helpers.js';

const TOL = 0.005 + 1e-9;
const records = (text: string): Array<Record<string, string>> => {
  const [head, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(head.fields.map((h, k) => [h.replace(/^\ufeff/, ''), r.fields[k] ?? ''])));
};

function computed(workbook: string): Map<string, { value: number; n: number }> {
  const run = ictstat(['prices', 'aggregate', '--input', workbook, '--stat', 'median']);
  expect(run.code).toBe(0);
  return new Map(records(run.stdout).map((r) => [`${r.basket}|${r.grouping}|${r.group}|${r.year}|${r.window}`, { value: Number(r.value), n: Number(r.n) }]));
}

const MAR2024 = join(sharedDataDir(), 'itu-prices', 'ITU_ICTPriceBaskets_2008-2023_Mar2024.xlsx');
const DEC2025 = join(sharedDataDir(), 'itu-prices', 'ITU_ICTPriceBaskets_2008-2025_Dec2025.xlsx');

describe.skipIf(!existsSync(MAR2024))('March 2024 release: medians_2008-2023, _2018-2023, _2022-2023, _2023', () => {
  it('every published median within 0.005, but the listed, explained exceptions', () => {
    const got = computed(MAR2024);
    const windows = ['2008-2023', '2018-2023', '2022-2023', '2023'];
    const exceptions = { noEconomyValue: 0, itusNLarger: 0 };
    const unexplained: string[] = [];
    let total = 0,
      reproduced = 0;
    for (const w of windows) {
      const rows = records(readFileSync(join(datasetsDir(), 'itu-prices-2024-03', `medians_${w}.csv`), 'utf8'));
      // N (world) as ITU publishes it, per series; our balanced World count of the same series and window.
      for (const r of rows) {
        if (r.value === '' || r.value === 'NA') continue;
        total++;
        const key = `${r.code_ts}|${r.grouping}|${r.group}|${r.year}|${w}`;
        const mine = got.get(key);
        const world = got.get(`${r.code_ts}|World|World|${r.year}|${w}`);
        if (mine && Math.abs(mine.value - Number(r.value)) <= TOL) {
          reproduced++;
          continue;
        }
        // (a) A year in which the per-economy sheet has no value of the series at all: no median can come from it.
        if (!world) exceptions.noEconomyValue++;
        // (b) ITU counted one more economy than the sheet has values for (its N (world), or N per group in medians_2023).
        else if (world.n < Number(r.n_world) || (r.n_group !== undefined && mine && mine.n < Number(r.n_group))) exceptions.itusNLarger++;
        else unexplained.push(`${key}: published ${r.value}, computed ${mine?.value} (n ${mine?.n})`);
      }
    }
    expect(unexplained).toEqual([]);
    expect(total).toBe(4547);
    // 47 values (i271mb_low_ts 2013-2017 by region, i271mb_ts 2012 CIS) in years with no per-economy value;
    // 97 in series whose published N exceeds the economies with values by one (or two) in that window.
    expect(exceptions).toEqual({ noEconomyValue: 47, itusNLarger: 97 });
    expect(reproduced).toBe(4547 - 47 - 97);
  });
});

describe.skipIf(!existsSync(DEC2025))('December 2025 release: sheet medians (annual, 2024-2025, 2022-2025, 2021-2025)', () => {
  it('the 4- and 5-year windows are reproduced in full; the annual and 2-year ones but a counted set', () => {
    const got = computed(DEC2025);
    const byWindow = new Map<string, { total: number; reproduced: number; missing: number }>();
    for (const r of records(readFileSync(join(datasetsDir(), 'itu-prices-2025-12', 'medians.csv'), 'utf8'))) {
      if (r.value === '' || r.value === 'NA') continue;
      const c = byWindow.get(r.window) ?? { total: 0, reproduced: 0, missing: 0 };
      byWindow.set(r.window, c);
      c.total++;
      const mine = got.get(`${r.code}|${r.grouping}|${r.group}|${r.year}|${r.window}`);
      if (!mine) c.missing++;
      else if (Math.abs(mine.value - Number(r.value)) <= TOL) c.reproduced++;
    }
    expect(Object.fromEntries(byWindow)).toEqual({
      annual: { total: 3358, reproduced: 3358 - 318, missing: 0 },
      '2024-2025': { total: 540, reproduced: 540 - 89, missing: 0 },
      '2022-2025': { total: 900, reproduced: 900, missing: 0 },
      '2021-2025': { total: 675, reproduced: 675, missing: 0 },
    });
  });
});
