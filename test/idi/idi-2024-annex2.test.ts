/**
 * IDI 2024 reproduced from ITU's own inputs (the bundled source itu-idi-2024-annex2) against ITU's published
 * scores, read from ../shared/data/idi-2024/ (never from our output).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeIndex, requiredIndicators, type IndexResult } from '../../src/idi/compute.js';
import { loadMethodology } from '../../src/idi/methodology.js';
import { groupTable } from '../../src/idi/tables.js';
import { loadGroupings } from '../../src/registry/groupings.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { loadObservations } from '../../src/usecases/data-source.js';
import { parseCsvObjects } from '../../src/util/csv-parse.js';
import { sharedDataDir } from '../../src/util/paths.js';

const DIR = join(sharedDataDir(), 'idi-2024');
const SCORES = ['s_iu', 's_hh', 's_mbb', 's_cov', 's_mbtraffic', 's_fbtraffic', 's_mobbasket', 's_fbbasket', 's_own'] as const;
type Row = Record<string, string>;
const readCsv = (file: string): Row[] => {
  const { header, rows } = parseCsvObjects(readFileSync(join(DIR, file), 'utf8'));
  return rows.map((r) => Object.fromEntries(header.map((h) => [h, r.get(h)])));
};

describe.skipIf(!existsSync(DIR))("IDI 2024 from ITU's Annex 2 inputs (itu-idi-2024-annex2)", () => {
  let r: IndexResult;
  let published: Row[];
  const ours = (iso3: string) => r.economies.find((e) => e.economy === iso3)!;
  beforeAll(async () => {
    const m = loadMethodology('idi-2024');
    const table = await loadObservations({ kind: 'bundled', sources: ['itu-idi-2024-annex2'] }, requiredIndicators(m, loadIndicatorRegistry()));
    r = computeIndex({ methodology: m, year: 2022, table });
    published = readCsv('annex2-economies.csv');
  });

  it("the inclusion rule as printed (5 of 10 official values) admits 169 of ITU's 170: Sierra Leone has 4", () => {
    const scored = r.economies
      .filter((e) => e.ranked)
      .map((e) => e.economy)
      .sort();
    const itu = published.map((p) => p.iso3).sort();
    expect(scored).toEqual(itu.filter((c) => c !== 'SLE'));
    expect(ours('SLE').reason).toMatch(/^4 of 10 indicators with official values \(not estimates\)/);
  });

  it('scores, not ranks: no rank anywhere, descending order of score', () => {
    expect(r.methodology.ranked).toBe(false);
    for (const e of r.economies) expect(Object.keys(e).filter((k) => /rank/i.test(k) && k !== 'ranked')).toEqual([]);
    const s = r.economies.filter((e) => e.ranked).map((e) => e.score!);
    expect(s).toEqual([...s].sort((a, b) => b - a));
  });

  it('the 109 economies ITU published in full: IDI and pillars within 0.11, mean absolute IDI difference <= 0.03', () => {
    const full = published.filter((p) => SCORES.every((s) => p[s] !== ''));
    expect(full).toHaveLength(109);
    let sum = 0;
    for (const p of full) {
      const e = ours(p.iso3);
      const d = e.score! - Number(p.idi2024);
      expect(Math.abs(d), `${p.iso3} IDI ${e.score} vs ${p.idi2024}`).toBeLessThanOrEqual(0.11);
      expect(Math.abs(e.components.universal! - Number(p.universal)), `${p.iso3} U`).toBeLessThanOrEqual(0.11);
      expect(Math.abs(e.components.meaningful! - Number(p.meaningful)), `${p.iso3} M`).toBeLessThanOrEqual(0.11);
      sum += Math.abs(d);
    }
    expect(sum / full.length).toBeLessThanOrEqual(0.03);
  });

  it("every published normalised score within the bound its input's one-decimal rounding allows", () => {
    // Bound = 0.05 (the score's own rounding) + the largest change of the score over the input's rounding
    // interval [x - 0.05, x + 0.05], from the published goalposts (by hand, not through the engine).
    const lin =
      (lo: number, hi: number, dir = 1) =>
      (x: number) =>
        Math.min(100, Math.max(0, dir > 0 ? ((x - lo) / (hi - lo)) * 100 : ((hi - x) / (hi - lo)) * 100));
    const ln1p = (hi: number) => (x: number) => Math.min(100, Math.max(0, (Math.log1p(Math.max(0, x)) / Math.log1p(hi)) * 100));
    const cases: Array<[string, string, string, (x: number) => number]> = [
      ['s_iu', 'iu', 'internet_users_pct', lin(0, 95)],
      ['s_hh', 'hh', 'hh_internet_pct', lin(0, 95)],
      ['s_mbb', 'mbb', 'mobile_bb_p100', lin(0, 150)],
      ['s_mbtraffic', 'mbtraffic', 'mbb_traffic_per_sub_gb', ln1p(500)],
      ['s_fbtraffic', 'fbtraffic', 'fbb_traffic_per_sub_gb', ln1p(10000)],
      ['s_mobbasket', 'mobbasket', 'price_mobile_high_consumption_gni_pct', lin(1, 21.33, -1)],
      ['s_fbbasket', 'fbbasket', 'price_fixed_broadband_5gb_gni_pct', lin(1, 33.3, -1)],
      ['s_own', 'own', 'mobile_owners_pct', lin(0, 95)],
    ];
    let checked = 0;
    for (const p of published) {
      const e = ours(p.iso3);
      if (!e.ranked) continue;
      for (const [s, col, id, f] of cases) {
        if (p[s] === '' || p[col] === '') continue;
        const x = Number(p[col]);
        const bound = 0.05 + Math.max(Math.abs(f(x + 0.05) - f(x)), Math.abs(f(x) - f(x - 0.05))) + 1e-9;
        expect(Math.abs(e.indicators[id].normalised! * 100 - Number(p[s])), `${p.iso3} ${s} (${x})`).toBeLessThanOrEqual(bound);
        checked++;
      }
      if (p.s_cov !== '') {
        // coverage = 0.4 x 3G + 0.6 x 4G: 0.05 of input rounding + 0.05 of output rounding
        const cov = 0.4 * e.indicators.pop_cov_3g_pct.normalised! + 0.6 * e.indicators.pop_cov_4g_pct.normalised!;
        expect(Math.abs(cov * 100 - Number(p.s_cov)), `${p.iso3} s_cov`).toBeLessThanOrEqual(0.1 + 1e-9);
        expect(e.components.coverage).toBeCloseTo(cov * 100, 10);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1400);
  });

  it('the 60 other economies are scored, their imputed cells marked; differences from ITU (goal: mean 1.0, max 3; reached: mean 2.02, max 12.2)', () => {
    const partial = published.filter((p) => p.iso3 !== 'SLE' && SCORES.some((s) => p[s] === ''));
    expect(partial).toHaveLength(60);
    const diffs = partial.map((p) => Math.abs(ours(p.iso3).score! - Number(p.idi2024)));
    // The goal is missed: ITU's imputation is not published (README). These bounds guard what we reach.
    expect(diffs.reduce((a, b) => a + b, 0) / diffs.length).toBeLessThanOrEqual(2.05);
    expect(Math.max(...diffs)).toBeLessThanOrEqual(12.3);
    for (const p of partial) {
      const e = ours(p.iso3);
      const imputed = Object.values(e.indicators).filter((c) => c.imputation);
      expect(imputed.length, p.iso3).toBeGreaterThan(0);
      expect(e.imputed).toBe(imputed.length);
      expect(e.renormalised).toEqual([]); // never an average over the indicators present
    }
  });

  it("imputed cells against the sums ITU's pillar scores imply (implied-unpublished-scores.csv): mean absolute difference 17.97 points per case (goal missed: ITU's method is not published)", () => {
    const ids: Record<string, string> = {
      s_iu: 'internet_users_pct',
      s_hh: 'hh_internet_pct',
      s_mbtraffic: 'mbb_traffic_per_sub_gb',
      s_fbtraffic: 'fbb_traffic_per_sub_gb',
      s_mobbasket: 'price_mobile_high_consumption_gni_pct',
      s_fbbasket: 'price_fixed_broadband_5gb_gni_pct',
      s_own: 'mobile_owners_pct',
    };
    const implied = readCsv('implied-unpublished-scores.csv').filter((x) => x.iso3 !== 'SLE');
    expect(implied.length).toBeGreaterThan(60);
    let total = 0;
    for (const x of implied) {
      const e = ours(x.iso3);
      const sum = x.missing_scores.split(';').reduce((a, s) => a + e.indicators[ids[s]].normalised! * 100, 0);
      total += Math.abs(sum - Number(x.implied_sum_of_missing_scores));
    }
    expect(total / implied.length).toBeLessThanOrEqual(18.5);
  });

  it('ITU rounds from unrounded values: 45 of 170 published IDIs are not the mean of the rounded pillars rounded half up', () => {
    // In tenths, exactly: round half up of (U + M) / 2 = floor((U10 + M10 + 1) / 2) tenths.
    const differ = published.filter(
      (p) => Math.floor((Math.round(Number(p.universal) * 10) + Math.round(Number(p.meaningful) * 10) + 1) / 2) !== Math.round(Number(p.idi2024) * 10),
    );
    expect(differ).toHaveLength(45);
    // Our one-decimal IDI (half up from the unrounded score) is ITU's printed one for 98 of the 109 complete
    // economies; the other 11 sit within 0.07 of a rounding edge that one-decimal inputs cannot resolve.
    const full = published.filter((p) => SCORES.every((s) => p[s] !== ''));
    const same = full.filter((p) => Math.floor(ours(p.iso3).score! * 10 + 0.5) === Math.round(Number(p.idi2024) * 10)).length;
    expect(same).toBeGreaterThanOrEqual(98);
  });
});

/** Annex 4's groups: the grouping and group label each is in our data (memberships of idi-2024's `groups`). */
const ANNEX4: Record<string, [string, string]> = {
  Africa: ['itu-region-2025', 'Africa'],
  Americas: ['itu-region-2025', 'Americas'],
  'Arab States': ['itu-region-2025', 'Arab States'],
  'Asia-Pacific': ['itu-region-2025', 'Asia & Pacific'],
  CIS: ['itu-region-2025', 'CIS'],
  Europe: ['itu-region-2025', 'Europe'],
  'High-income': ['wb-income-fy2024', 'High income'],
  'Upper-middle-income': ['wb-income-fy2024', 'Upper middle income'],
  'Lower-middle-income': ['wb-income-fy2024', 'Lower middle income'],
  'Low-income': ['wb-income-fy2024', 'Low income'],
  LDCs: ['itu-ldc-2021', 'LDC'],
  LLDCs: ['itu-lldc-2021', 'LLDC'],
  SIDS: ['itu-sids-2021', 'SIDS'],
  World: ['world', 'World'],
};
const FIGURES = [
  ['idi', 'idi-2024', 'idi2024'],
  ['u', 'universal', 'universal'],
  ['m', 'meaningful', 'meaningful'],
] as const;
const STATS = [
  ['min', 'min'],
  ['avg', 'mean'],
  ['max', 'max'],
  ['median', 'median'],
] as const;

describe.skipIf(!existsSync(DIR))('IDI 2024 group figures (Annex 4: 14 groups x 12 figures)', () => {
  let r: IndexResult;
  let published: Row[], annex4: Row[];
  beforeAll(async () => {
    const m = loadMethodology('idi-2024');
    const table = await loadObservations({ kind: 'bundled', sources: ['itu-idi-2024-annex2'] }, requiredIndicators(m, loadIndicatorRegistry()));
    r = computeIndex({ methodology: m, year: 2022, table });
    published = readCsv('annex2-economies.csv');
    annex4 = readCsv('annex4-group-scores.csv');
  });
  const groupRows = (result: IndexResult) => {
    const m = loadMethodology('idi-2024');
    expect(m.spec.groups!.groupings).toEqual([...new Set(Object.values(ANNEX4).map(([g]) => g))]);
    return groupTable(result, m.spec.groups!.groupings, loadGroupings(), new Map(), undefined, m.spec.groups!.statistics).rows;
  };

  it("from ITU's published scores, through the same group table and kernel: all 168 within 0.05", () => {
    // ITU's published (one-decimal) scores in place of ours: the memberships and the statistics are what is tested.
    const pub = new Map(published.map((p) => [p.iso3, p]));
    const itu: IndexResult = {
      ...r,
      economies: r.economies
        .filter((e) => pub.has(e.economy))
        .map((e) => {
          const p = pub.get(e.economy)!;
          return {
            ...e,
            ranked: true,
            score: Number(p.idi2024),
            components: { ...e.components, universal: Number(p.universal), meaningful: Number(p.meaningful) },
          };
        }),
    };
    expect(itu.economies).toHaveLength(170);
    const rows = groupRows(itu);
    let n = 0;
    for (const a of annex4)
      for (const [prefix, measure] of FIGURES)
        for (const [col, stat] of STATS) {
          const [grouping, group] = ANNEX4[a.group];
          const row = rows.find((x) => x.measure === measure && x.grouping === grouping && x.group === group)!;
          expect(Math.abs((row[stat] as number) - Number(a[`${prefix}_${col}`])), `${a.group} ${prefix}_${col}`).toBeLessThanOrEqual(0.05 + 1e-9);
          n++;
        }
    expect(n).toBe(168);
  });

  it('from our scores: within 0.15 for the groups whose members are all complete; every group reported', () => {
    const rows = groupRows(r);
    const complete = new Set(published.filter((p) => SCORES.every((s) => p[s] !== '')).map((p) => p.iso3));
    const groupings = loadGroupings();
    let checked = 0;
    for (const a of annex4) {
      const [grouping, group] = ANNEX4[a.group];
      const members = published.filter((p) => grouping === 'world' || groupings.groupOf(grouping, p.iso3) === group).map((p) => p.iso3);
      for (const [prefix, measure] of FIGURES)
        for (const [col, stat] of STATS) {
          const row = rows.find((x) => x.measure === measure && x.grouping === grouping && x.group === group)!;
          expect(row[stat], `${a.group} ${measure} ${stat}`).toEqual(expect.any(Number));
          if (!members.every((c) => complete.has(c))) continue;
          expect(Math.abs((row[stat] as number) - Number(a[`${prefix}_${col}`])), `${a.group} ${prefix}_${col}`).toBeLessThanOrEqual(0.15);
          checked++;
        }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
