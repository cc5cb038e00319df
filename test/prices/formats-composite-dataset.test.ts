import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/util/csv-parse.js';
import { ictstat } from '../cli/helpers.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'prices');

describe('tariff formats: JSON and Arrow read like CSV', () => {
  it('an Arrow IPC copy of the hand-worked CSV gives the same compute output', () => {
    const [head, ...rows] = parseCsv(readFileSync(join(FIX, 'hand-tariffs.csv'), 'utf8'));
    const cols = Object.fromEntries(head.fields.map((h, k) => [h, rows.filter((r) => r.fields.length > 1).map((r) => r.fields[k])]));
    const file = join(mkdtempSync(join(tmpdir(), 'ictstat-arrow-')), 'plans.arrow');
    writeFileSync(file, tableToIPC(tableFromArrays(cols), 'file'));
    const args = ['--basket', 'mobile-data-2gb', '--year', '2021', '--data', join(FIX, 'hand-conversions.csv')];
    const viaCsv = ictstat(['prices', 'compute', '--tariffs', join(FIX, 'hand-tariffs.csv'), ...args]);
    const viaArrow = ictstat(['prices', 'compute', '--tariffs', file, ...args]);
    expect(viaArrow.code).toBe(0);
    expect(viaArrow.stdout).toBe(viaCsv.stdout);
  });
});

describe('composite ipb (JSON tariffs)', () => {
  it('mean of the three sub-baskets as % of GNI p.c., each capped at 100', () => {
    // telephone 500 + 90 min x 2 = 680 KES = 6.8 USD -> 6.8 x 12 / 1000 x 100 = 8.16 %
    // broadband 20000 KES = 200 USD -> 240 % -> capped at 100; mobile 100 KES (60 min >= 50.87, 100 SMS) -> 1.2 %
    const r = ictstat([
      'prices',
      'compute',
      '--tariffs',
      join(FIX, 'ipb-2015.json'),
      '--basket',
      'ipb',
      '--year',
      '2015',
      '--data',
      join(FIX, 'ipb-2015-conversions.csv'),
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const [ken] = JSON.parse(r.stdout).prices;
    expect(ken.pct_gni).toBeCloseTo((8.16 + 100 + 1.2) / 3, 10);
    expect(ken.price_usd).toBeNull();
    const tel = JSON.parse(
      ictstat([
        'prices',
        'compute',
        '--tariffs',
        join(FIX, 'ipb-2015.json'),
        '--basket',
        'ipb-fixed-telephone',
        '--year',
        '2015',
        '--data',
        join(FIX, 'ipb-2015-conversions.csv'),
        '--format',
        'json',
      ]).stdout,
    ).prices[0];
    expect(tel.price_lcu).toBe(680);
    expect(tel.pct_gni).toBeCloseTo(8.16, 10);
  });
});

describe('aggregate on a dataset (registry groupings)', () => {
  it('the World median of a bundled basket series is the median over its balanced economies', () => {
    const r = ictstat(['prices', 'aggregate', '--input', 'datasets/itu-prices-2022', '--balanced']);
    expect(r.code).toBe(0);
    const rows = parseCsv(r.stdout)
      .slice(1)
      .map((x) => x.fields);
    const world = rows.filter(([b, u, g, , y]) => b === 'fixed-broadband-5gb' && u === 'gni_pct' && g === 'World' && y === '2021')[0];
    // Recompute from the dataset file itself.
    const [, ...obs] = parseCsv(readFileSync('datasets/itu-prices-2022/price_fixed_broadband_5gb_gni_pct.csv', 'utf8'));
    const byEconomy = new Map<string, Map<number, number>>();
    for (const {
      fields: [e, , y, v],
    } of obs) {
      if (!e) continue;
      if (!byEconomy.has(e)) byEconomy.set(e, new Map());
      byEconomy.get(e)!.set(Number(y), Number(v));
    }
    const years = [...new Set(obs.filter((o) => o.fields[0]).map((o) => Number(o.fields[2])))];
    const balanced = [...byEconomy.values()]
      .filter((m) => years.every((y) => m.has(y)))
      .map((m) => m.get(2021)!)
      .sort((a, b) => a - b);
    const n = balanced.length;
    const median = n % 2 ? balanced[(n - 1) / 2] : (balanced[n / 2 - 1] + balanced[n / 2]) / 2;
    expect(Number(world[6])).toBe(n);
    expect(Number(world[5])).toBeCloseTo(median, 10);
    expect(rows.some(([, , g, grp]) => g === 'itu-region-2021' && grp === 'Africa')).toBe(true);
    expect(rows.some(([, , g]) => g === 'wb-income-fy2024')).toBe(true);
  });
});

describe('prices targets CLI', () => {
  it('lists the economies meeting each target from a dataset', () => {
    const r = ictstat(['prices', 'targets', '--input', 'datasets/itu-prices-2025', '--year', '2025', '--target', 'a4ai-5-for-2']);
    expect(r.code).toBe(0);
    const [head, ...rows] = parseCsv(r.stdout).map((x) => x.fields);
    expect(head).toEqual(['target', 'basket', 'year', 'economies_evaluated', 'economies_meeting', 'meeting']);
    expect(rows.filter((x) => x.length > 1)).toHaveLength(1);
    const [t, b, y, evaluated, meeting, list] = rows[0];
    expect([t, b, y]).toEqual(['a4ai-5-for-2', 'mobile-data-5gb', '2025']);
    expect(list.split(' ')).toHaveLength(Number(meeting));
    expect(Number(meeting)).toBeLessThan(Number(evaluated));
  });
});
