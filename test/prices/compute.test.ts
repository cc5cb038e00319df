/**
 * Hand-worked tariff cases through the built CLI (`ictstat prices compute` / `explain`). Every expected number is
 * worked out by hand in the comments; conversion inputs come from a fixture file (not real rates).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/util/csv-parse.js';
import { expectNoStackTrace, ictstat } from '../cli/helpers.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'prices');
const TARIFFS = join(FIX, 'hand-tariffs.csv');
const DATA = join(FIX, 'hand-conversions.csv');

function compute(basket: string, extra: string[] = []): { rows: Map<string, Record<string, string>>; stderr: string; code: number } {
  const r = ictstat(['prices', 'compute', '--tariffs', TARIFFS, '--basket', basket, '--year', '2021', '--data', DATA, ...extra]);
  const [head, ...lines] = parseCsv(r.stdout);
  const rows = new Map(lines.map((l) => [l.fields[0], Object.fromEntries(head.fields.map((h, k) => [h, l.fields[k]]))]));
  return { rows, stderr: r.stderr, code: r.code };
}

describe('prices compute: hand-worked cases (mobile-data-2gb, 2021)', () => {
  const { rows, stderr, code } = compute('mobile-data-2gb');

  it("exits 0 with the issue's columns, one row per economy with plans that year", () => {
    expect(code).toBe(0);
    expect([...rows.keys()]).toEqual(['KEN', 'RWA', 'TZA', 'UGA']);
  });

  it('KEN: VAT added to an untaxed postpaid plan (300 x 1.16 = 348) beats add-on, short-validity and weekly plans', () => {
    // Daily 100MB: 20 x ceil(30/1)=30 -> 600; Weekly 500MB: 100 x ceil(30/7)=5 -> 500 (2500 MB);
    // Monthly 1GB: 250 + ceil(1000/300)=4 packs x 30 = 370 (out-of-bundle 1000 x 0.2 = 200 is dearer);
    // promotional (50), Airtel rank 2 (200) and the 2G plan (10) are ineligible although cheaper.
    const k = rows.get('KEN')!;
    expect(k.plan).toBe('Postpaid 2GB');
    expect(Number(k.price_lcu)).toBeCloseTo(348, 10);
    expect(Number(k.price_usd)).toBeCloseTo(3.48, 10); // 348 / 100
    expect(Number(k.price_ppp)).toBeCloseTo(8.7, 10); // 348 / 40
    expect(Number(k.pct_gni)).toBeCloseTo(2.088, 10); // 3.48 x 12 / 2000 (GNI of 2020: previous-year rule) x 100
    expect(k.status).toBe('ok');
  });

  it('UGA: out-of-bundle MB cheaper than whole add-on packs; missing exchange rate leaves USD and % GNI empty, never 0', () => {
    // 10000 + min(ceil(1000/500)=2 packs x 3000 = 6000, 1000 MB x 2 = 2000) = 12000 UGX
    const u = rows.get('UGA')!;
    expect(Number(u.price_lcu)).toBe(12000);
    expect(u.price_usd).toBe('');
    expect(u.pct_gni).toBe('');
    expect(Number(u.price_ppp)).toBeCloseTo(9.6, 10); // 12000 / 1250
    expect(u.status).toContain('missing exchange_rate_lcu_per_usd for UGA 2021');
    expect(stderr).toContain('warning: missing exchange_rate_lcu_per_usd for UGA 2021');
  });

  it('TZA: no eligible plan (promotion, 2G, fixed) gives empty prices and the reasons', () => {
    const t = rows.get('TZA')!;
    expect(t.price_lcu).toBe('');
    expect(t.status).toMatch(/^no eligible plan \(3 plans: .*promotional.*technology.*other service/);
  });

  it('operator rule "all" and payment "prepaid" (a basket file): Airtel rank 2 at 200 wins, the untaxed postpaid plan does not', () => {
    const r = compute(join(FIX, 'operator-all-2gb.json'));
    expect(r.rows.get('KEN')!.plan).toBe('Monthly 2GB');
    expect(r.rows.get('KEN')!.operator).toBe('Airtel');
    expect(Number(r.rows.get('KEN')!.pct_gni)).toBeCloseTo((((200 / 100) * 12) / 2500) * 100, 10); // same-year GNI rule
  });
});

describe('prices compute: speed minimum, voice and SMS shortfalls', () => {
  it('fixed-broadband-5gb: 128 kbit/s and an unstated speed are ineligible; unlimited data covers 5 GB', () => {
    const { rows } = compute('fixed-broadband-5gb');
    const r = rows.get('RWA')!;
    expect(r.plan).toBe('Home 1Mbps');
    expect(Number(r.price_usd)).toBe(20); // 20000 / 1000
    expect(Number(r.pct_gni)).toBeCloseTo(30, 10); // 20 x 12 / 800 x 100
  });

  it('mobile-cellular-low-usage: 70 min + 20 SMS = 1000 + 20 min x 10 + 10 SMS x 5 = 1250 RWF', () => {
    const { rows } = compute('mobile-cellular-low-usage');
    expect(Number(rows.get('RWA')!.price_lcu)).toBe(1250);
    expect(rows.get('UGA')!.status).toContain('voice shortfall and no out-of-bundle minute price');
  });
});

describe('prices explain', () => {
  it('lists every plan of the economy and year with its steps or reason, the inputs with source and year, and the arithmetic', () => {
    const r = ictstat(['prices', 'explain', '--tariffs', TARIFFS, '--basket', 'mobile-data-2gb', '--year', '2021', '--economy', 'KE', '--data', DATA]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('plans considered (7):');
    expect(r.stdout).toContain('bought ceil(30 / 7) = 5 times');
    expect(r.stdout).toContain('add-on ceil(1000 / 300) = 4 packs x 30 = 120; out-of-bundle 1000 MB x 0.2 = 200 -> add-on packs');
    expect(r.stdout).toContain('INELIGIBLE: promotional price');
    expect(r.stdout).toContain('INELIGIBLE: not the largest operator');
    expect(r.stdout).toContain('taxes not included: x (1 + 16 / 100) = 348 KES');
    expect(r.stdout).toContain('chosen: line 8, Safaricom, "Postpaid 2GB"');
    expect(r.stdout).toContain('gni_pc_atlas_usd (NY.GNP.PCAP.CD) KEN 2020 = 2000 [test fixture (not real)]');
    expect(r.stdout).toContain('pct_gni = 3.48 USD x 12 / 2000 x 100 = 2.088');
    expect(r.stdout).not.toContain('Old plan'); // another year
  });

  it('JSON has the same content', () => {
    const r = ictstat([
      'prices',
      'explain',
      '--tariffs',
      TARIFFS,
      '--basket',
      'mobile-data-2gb',
      '--year',
      '2021',
      '--economy',
      'UGA',
      '--data',
      DATA,
      '--format',
      'json',
    ]);
    const x = JSON.parse(r.stdout);
    expect(x.chosen.plan).toBe('Monthly 1GB');
    expect(x.result.price_usd).toBeNull();
    expect(x.conversions.find((c: { indicator: string }) => c.indicator === 'exchange_rate_lcu_per_usd').source).toBe('MISSING');
    expect(x.warnings[0]).toMatch(/missing exchange_rate_lcu_per_usd for UGA 2021/);
  });
});

describe('bad input: located errors, exit 2, no stack trace', () => {
  it('a bad tariff file names file, line, column, value and rule for each problem', () => {
    const r = ictstat(['prices', 'compute', '--tariffs', join(FIX, 'bad-tariffs.csv'), '--basket', 'mobile-data-2gb', '--year', '2021', '--data', DATA]);
    expect(r.code).toBe(2);
    expectNoStackTrace(r);
    expect(r.stderr).toMatch(/bad-tariffs\.csv:2: error: column "economy", value "KEM": .*did you mean KEN.*\[unknown-economy\]/);
    expect(r.stderr).toMatch(/bad-tariffs\.csv:3: error: column "price", value "1,000": .*thousands separators.*\[bad-tariff-field\]/);
    expect(r.stderr).toMatch(/bad-tariffs\.csv:4: error: column "payment", value "payg": must be one of prepaid\|postpaid/);
    expect(r.stderr).toMatch(/bad-tariffs\.csv:4: error: column "validity_days", value "0": must be > 0/);
    expect(r.stderr).toMatch(/bad-tariffs\.csv:4: error: column "technology", value "6G"/);
    expect(r.stderr).toMatch(/bad-tariffs\.csv:4: error: column "promotional", value "maybe": must be true or false/);
    expect(r.stderr).toMatch(/bad-tariffs\.csv:4: error: column "vat_rate", value "": .*\[missing-vat-rate\]/);
  });

  it('a wrong header, an unknown basket and a bad basket file are located errors too', () => {
    const hdr = ictstat(['prices', 'compute', '--tariffs', DATA, '--basket', 'mobile-data-2gb', '--year', '2021']);
    expect(hdr.code).toBe(2);
    expect(hdr.stderr).toMatch(/hand-conversions\.csv:1: error: column "indicator".*\[unknown-column\]/);
    const unknown = ictstat(['prices', 'compute', '--tariffs', TARIFFS, '--basket', 'mobile-data-3gb', '--year', '2021']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown basket "mobile-data-3gb"; did you mean/);
    const bad = ictstat(['prices', 'compute', '--tariffs', TARIFFS, '--basket', join(FIX, 'bad-basket.json'), '--year', '2021']);
    expect(bad.code).toBe(2);
    expectNoStackTrace(bad);
    expect(bad.stderr).toMatch(/bad-basket\.json: field "operator_rule", value "biggest": must be one of largest\|all \[bad-basket\]/);
  });
});
