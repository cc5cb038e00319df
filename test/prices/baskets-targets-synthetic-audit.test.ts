import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { loadBaskets, parseBasket, allowancesIn } from '../../src/prices/basket.js';
import { loadTargets, meetingTarget } from '../../src/prices/targets.js';
import { generateSyntheticTariffs, writeSyntheticTariffs } from '../../src/prices/synthetic.js';
import { readTariffs } from '../../src/prices/tariffs.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import { observationsToParquet } from '../../src/table/parquet.js';
import { auditPublished } from '../../src/prices/audit.js';
import { ConversionInputs } from '../../src/prices/compute.js';
import { tableFromRows } from './helpers.js';
import { ictstat } from '../cli/helpers.js';

const ISSUE_IDS = [
  'ipb-fixed-telephone',
  'ipb-mobile-cellular',
  'ipb-fixed-broadband-1gb',
  'ipb',
  'mobile-broadband-handset-500mb',
  'mobile-broadband-computer-1gb',
  'mobile-data-1.5gb',
  'mobile-data-2gb',
  'mobile-data-5gb',
  'mobile-low-consumption',
  'mobile-high-consumption',
  'mobile-cellular-low-usage',
  'fixed-broadband-5gb',
  // issue 18: the 2025 allowances
  'mobile-low-consumption-1gb',
  'mobile-high-consumption-5gb',
];

describe('baskets as data', () => {
  const baskets = loadBaskets();
  it("ships exactly the 13 baskets of the issue and the two 2025 baskets, each with a source, and agrees with the registry's basket ids and years", () => {
    expect([...baskets.keys()].sort()).toEqual([...ISSUE_IDS].sort());
    const reg = loadIndicatorRegistry();
    for (const b of baskets.values()) {
      expect(b.source.length).toBeGreaterThan(10);
      const defs = reg.indicators.filter((d) => d.basket === b.id);
      expect(defs.length, b.id).toBeGreaterThan(0);
      // The registry's yearsInForce starts with the basket's first year.
      for (const d of defs)
        expect(
          d.yearsInForce!.startsWith(String(b.years_in_force.from)) ||
            d.yearsInForce!.includes(`experimental ${b.years_in_force.from}`) ||
            b.id === 'mobile-data-5gb',
          `${b.id} ${d.yearsInForce}`,
        ).toBe(true);
    }
  });

  it('published allowances (PRICES.md): 70 min + 20 SMS; 140 min + 70 SMS with 1.5 GB until 2020 and 2 GB from 2021; 50.87 min + 100 SMS', () => {
    const hi = baskets.get('mobile-high-consumption')!;
    if (hi.kind !== 'simple') throw new Error('simple');
    expect(allowancesIn(hi, 2019)).toEqual({ data_mb: 1500, voice_min: 140, sms: 70 });
    expect(allowancesIn(hi, 2021)).toEqual({ data_mb: 2000, voice_min: 140, sms: 70 });
    expect(baskets.get('mobile-cellular-low-usage')).toMatchObject({ allowances: { voice_min: 70, sms: 20, data_mb: 0 } });
    expect(baskets.get('ipb-mobile-cellular')).toMatchObject({ allowances: { voice_min: 50.87, sms: 100 }, payment_rule: 'prepaid' });
    expect(baskets.get('fixed-broadband-5gb')).toMatchObject({ min_speed_kbps: 256, allowances: { data_mb: 5000 } });
    expect(baskets.get('ipb')).toMatchObject({ composite: { cap_pct_gni: 100, combine: 'mean' } });
  });

  it('values our sources do not publish are marked unverified with a reason (GB->MB factor, OECD call shares)', () => {
    expect(baskets.get('mobile-data-2gb')!.unverified!['allowances.data_mb']).toMatch(/1000 or 1024/);
    expect(baskets.get('ipb-mobile-cellular')!.unverified!['voice_mix.split']).toMatch(/not published/);
  });

  it('a bad basket is a located error', () => {
    expect(() => parseBasket({ id: 'x', name: 'x', source: 's', years_in_force: { from: 2020, to: 2019 } }, 'x.json')).toThrow(
      /x\.json: field "years_in_force".*\[bad-basket\]/,
    );
    expect(() =>
      parseBasket(
        { id: 'x', name: 'x', source: 's', years_in_force: { from: 2020, to: null }, service: 'mobile', allowances: { data_mb: -1, voice_min: 0, sms: 0 } },
        'x.json',
      ),
    ).toThrow(/field "allowances.data_mb", value -1: must be a number >= 0/);
  });
});

describe('affordability targets', () => {
  const targets = loadTargets();
  it('Broadband Commission 2% and 5%, A4AI 1-for-2 and 5-for-2, each with a source', () => {
    expect(targets.map((t) => t.id)).toEqual(['bbc-2025-target-2', 'bbc-2011-5pct', 'a4ai-1-for-2', 'a4ai-5-for-2']);
    expect(targets.map((t) => t.threshold_pct_gni)).toEqual([2, 5, 2, 2]);
  });
  it('lists the economies that meet a target; "<" and "<=" differ at the threshold', () => {
    const panel = { basket: 'mobile-data-5gb', unit: 'gni_pct', economies: ['AAA', 'BBB', 'CCC'], years: [2024], values: Float64Array.from([1.5, 2, 2.5]) };
    const [a4ai] = meetingTarget(
      targets.filter((t) => t.id === 'a4ai-5-for-2'),
      [panel],
    );
    expect(a4ai).toEqual({ target: 'a4ai-5-for-2', basket: 'mobile-data-5gb', year: 2024, evaluated: 3, meeting: ['AAA', 'BBB'] });
    const [bbc] = meetingTarget(
      targets.filter((t) => t.id === 'bbc-2025-target-2'),
      [panel],
    );
    expect(bbc.meeting).toEqual(['AAA']);
  });
});

describe('synthetic tariffs', () => {
  it('are deterministic per seed, valid for the loader, marked synthetic (currency XTS), of the exact size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ictstat-syn-'));
    const a = join(dir, 'a.csv'),
      b = join(dir, 'b.csv'),
      c = join(dir, 'c.csv');
    expect(writeSyntheticTariffs(a, { seed: 7, plans: 3000, from: 2020, to: 2021 })).toBe(3000);
    writeSyntheticTariffs(b, { seed: 7, plans: 3000, from: 2020, to: 2021 });
    writeSyntheticTariffs(c, { seed: 8, plans: 3000, from: 2020, to: 2021 });
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect(readFileSync(a, 'utf8')).not.toBe(readFileSync(c, 'utf8'));
    const { table } = await readTariffs(a);
    expect(table.length).toBe(3000);
    expect(table.currencies).toEqual(['XTS']);
    expect(table.notes).toEqual(['synthetic']);
  });

  it('a Parquet file is refused as tariff plans with a message naming the formats read (not parsed as CSV)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ictstat-tariff-pq-'));
    const p = join(dir, 'plans.csv');
    const b = new ObservationBuilder();
    b.append({ economy: 'KEN', indicator: 'i99H', year: 2021, value: 1 });
    writeFileSync(p, observationsToParquet(b.toTable()));
    await expect(readTariffs(p)).rejects.toThrow(
      /tariff file rejected: 1 error\(s\)\n.*the file is Parquet: tariff plans are read from CSV, JSON or Arrow IPC \[binary-file\]/,
    );
  });

  it('generates a million plans quickly', () => {
    const t0 = performance.now();
    let n = 0;
    generateSyntheticTariffs({ seed: 1, plans: 1_000_000, from: 2018, to: 2025 }, () => {
      n++;
    });
    expect(n).toBe(1_000_000);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe('prices audit', () => {
  it('implied GNI p.c. = price_usd x 12 / (pct_gni / 100), compared with the same and previous year', () => {
    const usd = { basket: 'b', unit: 'usd', economies: ['KEN', 'UGA'], years: [2021], values: Float64Array.from([10, 5]) };
    const pct = { basket: 'b', unit: 'gni_pct', economies: ['KEN', 'UGA'], years: [2021], values: Float64Array.from([6, 10]) };
    // KEN implied 10 x 12 / 0.06 = 2000: WB 2000 in 2020 (previous) -> within; UGA implied 600 vs 800 / 700 -> listed.
    const gni = ConversionInputs.fromTable(
      tableFromRows([
        ['KEN', 'gni_pc_atlas_usd', 2020, 2000],
        ['KEN', 'gni_pc_atlas_usd', 2021, 2100],
        ['UGA', 'gni_pc_atlas_usd', 2020, 700],
        ['UGA', 'gni_pc_atlas_usd', 2021, 800],
      ]),
      new Set(['KEN', 'UGA']),
    );
    const r = auditPublished([usd, pct], gni, 5);
    expect(r.compared).toBe(2);
    expect(r.closerPrevious).toBe(2);
    expect(r.rows.map((x) => x.economy)).toEqual(['UGA']);
    expect(r.rows[0].impliedGni).toBeCloseTo(600, 10);
    expect(r.rows[0].departurePreviousPct).toBeCloseTo((600 / 700 - 1) * 100, 10);
  });

  it('CLI on the bundled 2022 release: a summary and the departures', () => {
    const r = ictstat(['prices', 'audit', '--input', 'datasets/itu-prices-2022', '--threshold', '5']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/audit: \d+ published values compared; implied GNI p\.c\. closer to the same year's WB GNI in \d+, to the previous year's in \d+/);
    expect(r.stdout.split('\n')[0]).toBe(
      'economy,basket,year,price_usd,pct_gni,implied_gni_pc,wb_gni_pc_same_year,departure_same_pct,wb_gni_pc_previous_year,departure_previous_pct,closer',
    );
  });
});

describe('GNI year rule "previous" when the previous year is not published', () => {
  it('uses the latest year up to the price year and says so; nothing at all leaves pct_gni empty with a warning', async () => {
    const { convertPrice } = await import('../../src/prices/compute.js');
    const basket = loadBaskets().get('mobile-data-2gb')!;
    if (basket.kind !== 'simple') throw new Error('mobile-data-2gb should be a simple basket');
    expect(basket.gni_year_rule).toBe('previous');
    const inputs = ConversionInputs.fromTable(
      tableFromRows([
        ['KEN', 'exchange_rate_lcu_per_usd', 2021, 100],
        ['KEN', 'ppp_factor_lcu_per_intl', 2021, 40],
        ['KEN', 'gni_pc_atlas_usd', 2021, 2400],
        ['UGA', 'exchange_rate_lcu_per_usd', 2021, 3600],
      ]),
      new Set(['KEN', 'UGA']),
    );
    const ken = convertPrice('KEN', 2021, { local: 500, localCurrency: 'KES', planCurrency: 'KES', planCost: 500 }, basket, inputs);
    expect(ken.pctGni).toBeCloseTo(((5 * 12) / 2400) * 100, 12); // 2.5 %
    expect(ken.inputs.gni?.input.year).toBe(2021);
    expect(ken.warnings).toEqual([expect.stringMatching(/no gni_pc_atlas_usd for KEN 2020 \(the previous year of 2021\): used 2021/)]);
    const uga = convertPrice('UGA', 2021, { local: 3600, localCurrency: 'UGX', planCurrency: 'UGX', planCost: 3600 }, basket, inputs);
    expect(uga.priceUsd).toBe(1);
    expect(Number.isNaN(uga.pctGni)).toBe(true);
    expect(uga.warnings.some((w) => /missing gni_pc_atlas_usd for UGA .*pct_gni left empty/.test(w))).toBe(true);
  });
});
