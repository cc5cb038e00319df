import { describe, expect, it } from 'vitest';
import { computeIndex } from '../../src/idi/compute.js';
import { loadMethodology } from '../../src/idi/methodology.js';
import { table } from './helpers.js';

/** Box A1.1 of the IDI 2024 report (printed p. 20): a fictional economy's ten values. */
const BOX_A1_1: Array<[string, number]> = [
  ['internet_users_pct', 87.4],
  ['hh_internet_pct', 89.3],
  ['mobile_bb_p100', 105.7],
  ['pop_cov_3g_pct', 99.2],
  ['pop_cov_4g_pct', 98.5],
  ['mbb_traffic_per_sub_gb', 123.3],
  ['fbb_traffic_per_sub_gb', 2908.6],
  ['price_mobile_high_consumption_gni_pct', 1.0],
  ['price_fixed_broadband_5gb_gni_pct', 1.4],
  ['mobile_owners_pct', 93.8],
];

describe('IDI 2023-2025 methodologies', () => {
  it('are one method in three editions: only id, name, edition, reference year (edition - 2) and group memberships differ', () => {
    const strip = (id: string): unknown => {
      const { id: _i, name: _n, edition: _e, defaultDataYear: _d, description: _s, groups: _g, ...rest } = loadMethodology(id).spec;
      return rest;
    };
    for (const e of [2023, 2024, 2025]) {
      const m = loadMethodology(`idi-${e}`);
      expect(m.spec.edition).toBe(e);
      expect(m.spec.defaultDataYear).toBe(e - 2);
      expect(m.spec.ranked).toBe(false);
      expect(strip(`idi-${e}`)).toEqual(strip('idi-2024'));
    }
  });

  it('carry every value the report gives, sourced; only the (unpublished) imputation is unverified', () => {
    const m = loadMethodology('idi-2024');
    expect(m.indicators).toHaveLength(10);
    expect(m.unverified.every((u) => u.path.startsWith('/imputation/'))).toBe(true);
    expect(loadMethodology('idi-2025').unverified.map((u) => u.path)).toContain('/groups');
    const at = (id: string): number => m.indicators.indexOf(id);
    // Prices: threshold (score 0) 21.33 and 33.30, goalpost 1 %, reversed.
    expect([
      m.p1[at('price_mobile_high_consumption_gni_pct')],
      m.p2[at('price_mobile_high_consumption_gni_pct')],
      m.direction[at('price_mobile_high_consumption_gni_pct')],
    ]).toEqual([1, 21.33, -1]);
    expect([m.p1[at('price_fixed_broadband_5gb_gni_pct')], m.p2[at('price_fixed_broadband_5gb_gni_pct')]]).toEqual([1, 33.3]);
    // Traffic: ln(x + 1) on the bounds too.
    expect(m.p2[at('mbb_traffic_per_sub_gb')]).toBe(Math.log(501));
    expect(m.p2[at('fbb_traffic_per_sub_gb')]).toBeCloseTo(Math.log(10001), 12);
    const walk = (c: { components?: unknown[]; source?: string; normalise?: { source?: string } }): void => {
      expect(c.source, JSON.stringify(c).slice(0, 80)).toBeTruthy();
      if (c.normalise) expect(c.normalise.source).toBeTruthy();
      for (const k of (c.components ?? []) as (typeof c)[]) walk(k);
    };
    for (const c of m.spec.components) walk(c);
  });

  it('Box A1.1: U 85.489, M 93.409, the unrounded IDI 89.449 (the box prints 89.5, the mean of its rounded pillars)', () => {
    const m = loadMethodology('idi-2024');
    const t = table(BOX_A1_1.map(([id, v]) => ['KOR', id, 2022, v]));
    const r = computeIndex({ methodology: m, year: 2022, table: t, economies: ['KOR'] });
    const e = r.economies[0];
    // By hand: U = (87.4/95 + 89.3/95 + 105.7/150) / 3 x 100.
    const u = ((87.4 / 95 + 89.3 / 95 + 105.7 / 150) / 3) * 100;
    const cov = 0.4 * 99.2 + 0.6 * 98.5;
    const mm =
      (cov + (Math.log(124.3) / Math.log(501)) * 100 + (Math.log(2909.6) / Math.log(10001)) * 100 + 100 + ((33.3 - 1.4) / 32.3) * 100 + (93.8 / 95) * 100) / 6;
    expect(e.components.universal).toBeCloseTo(u, 10);
    expect(e.components.meaningful).toBeCloseTo(mm, 10);
    expect(e.components.universal).toBeCloseTo(85.489, 3);
    expect(e.components.meaningful).toBeCloseTo(93.409, 3);
    expect(e.score).toBeCloseTo(89.449, 3);
    expect(e.components.coverage).toBeCloseTo(98.78, 10);
    // The box's printed scores, one decimal; it prints 98.8 for ownership, where 93.8 / 95 = 98.74 (the box rounds from unprinted digits).
    const n = (id: string): number => Math.round(e.indicators[id].normalised! * 1000) / 10;
    expect(BOX_A1_1.map(([id]) => n(id))).toEqual([92.0, 94.0, 70.5, 99.2, 98.5, 77.6, 86.6, 100, 98.8, 98.7]);
  });
});
