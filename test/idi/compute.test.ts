import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readWorkbookSheets } from '../../src/ingest/xlsx.js';
import { computeIndex, requiredIndicators, type IndexResult } from '../../src/idi/compute.js';
import { loadMethodology } from '../../src/idi/methodology.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { loadBundled } from '../../src/ingest/bundled.js';
import { expectNoStackTrace, ROOT, type Run } from '../cli/helpers.js';
import { compile, ictstatAsync, leaf, node, table } from './helpers.js';

type Row = [string, string, number, number];

/** access = fixed_tel/60 and hh_internet/100; use = internet users/100 and fixed broadband/60; 0-10; 3 of 4 needed. */
const small = (
  coverage: { minIndicators?: number; latestWithin?: number; missingIndicator?: 'renormalise' | 'exclude' } = { minIndicators: 3, latestWithin: 0 },
  scale = 10,
) =>
  compile(
    [
      node('access', 0.5, [leaf('fixed_tel_p100', { method: 'ratio', reference: 60 }, 0.5), leaf('hh_internet_pct', { method: 'ratio', reference: 100 }, 0.5)]),
      node('use', 0.5, [leaf('internet_users_pct', { method: 'ratio', reference: 100 }, 0.5), leaf('fixed_bb_p100', { method: 'ratio', reference: 60 }, 0.5)]),
    ],
    { coverage, scale },
  );

const byEconomy = (r: IndexResult) => new Map(r.economies.map((e) => [e.economy, e]));
const full = (e: string, year: number, tel: number, hh: number, users: number, bb: number): Row[] => [
  [e, 'fixed_tel_p100', year, tel],
  [e, 'hh_internet_pct', year, hh],
  [e, 'internet_users_pct', year, users],
  [e, 'fixed_bb_p100', year, bb],
];

describe('computeIndex on small synthetic tables', () => {
  it('applies the coverage rule: an economy below minIndicators is not ranked, and the result says why', () => {
    const rows: Row[] = [
      ...full('KOR', 2016, 30, 80, 90, 30),
      ['JPN', 'fixed_tel_p100', 2016, 60],
      ['JPN', 'hh_internet_pct', 2016, 60],
      ['JPN', 'internet_users_pct', 2016, 80],
      ['FRA', 'fixed_tel_p100', 2016, 60],
      ['FRA', 'internet_users_pct', 2016, 80],
    ];
    const r = computeIndex({ methodology: small(), year: 2016, table: table(rows), economies: ['KOR', 'JPN', 'FRA'] });
    const by = byEconomy(r);
    // KOR: access (0.5 + 0.8) / 2 = 0.65, use (0.9 + 0.5) / 2 = 0.7 -> 6.75; JPN: access 0.8, use 0.8 (renormalised over users) -> 8
    expect(by.get('KOR')).toMatchObject({ ranked: true, rank: 2 });
    expect(by.get('KOR')!.score).toBeCloseTo(6.75, 12);
    expect(by.get('KOR')!.components.access).toBeCloseTo(6.5, 12);
    expect(by.get('JPN')).toMatchObject({ ranked: true, rank: 1, renormalised: ['use'] });
    expect(by.get('JPN')!.score).toBeCloseTo(8, 12);
    expect(by.get('FRA')).toMatchObject({
      ranked: false,
      score: null,
      rank: null,
      reason: '2 of 4 indicators reported within 0 year(s) of 2016; the methodology needs 3',
    });
    expect(r.coverage).toMatchObject({ ranked: 2, notRanked: 1 });
    expect(r.economies.map((e) => e.economy)).toEqual(['JPN', 'KOR', 'FRA']);
    expect(r.departures.some((d) => /1 ranked economies lack an input/.test(d))).toBe(true);
  });

  it('drops a wholly missing indicator with a departure, renormalises its parent and lowers the coverage threshold', () => {
    const rows: Row[] = [
      ['KOR', 'fixed_tel_p100', 2016, 30],
      ['KOR', 'internet_users_pct', 2016, 90],
      ['KOR', 'fixed_bb_p100', 2016, 30],
      ['JPN', 'fixed_tel_p100', 2016, 45],
      ['JPN', 'internet_users_pct', 2016, 80], // 2 of the 3 left: enough once the threshold drops to 2
      ['FRA', 'internet_users_pct', 2016, 80],
    ];
    const r = computeIndex({ methodology: small(), year: 2016, table: table(rows), economies: ['KOR', 'JPN', 'FRA'] });
    expect(r.departures[0]).toMatch(/^hh_internet_pct: no value for any economy within 0 year\(s\) of 2016; dropped, and the weights of "access" renormalised/);
    expect(r.coverage.indicators.find((c) => c.indicator === 'hh_internet_pct')).toMatchObject({ dropped: true });
    expect(r.coverage.indicators.filter((c) => c.dropped)).toHaveLength(1);
    const by = byEconomy(r);
    expect(by.get('KOR')!.components.access).toBeCloseTo(5, 12); // fixed_tel alone: 30 / 60
    expect(by.get('KOR')!.score).toBeCloseTo(((0.5 + 0.7) / 2) * 10, 12);
    expect(by.get('KOR')!.renormalised).toEqual([]); // a dropped input is a departure for everyone, not a gap of KOR's
    expect(by.get('KOR')!.indicators.hh_internet_pct).toMatchObject({ status: 'dropped', value: null });
    expect(by.get('JPN')!.ranked).toBe(true);
    expect(by.get('FRA')!.reason).toBe('1 of 3 indicators reported within 0 year(s) of 2016; the methodology needs 2');
  });

  it('missingIndicator "exclude" leaves an economy with a gap unscored instead of renormalising', () => {
    const rows: Row[] = [
      ...full('KOR', 2016, 30, 80, 90, 30),
      ['JPN', 'fixed_tel_p100', 2016, 60],
      ['JPN', 'hh_internet_pct', 2016, 60],
      ['JPN', 'internet_users_pct', 2016, 80],
    ];
    const r = computeIndex({
      methodology: small({ minIndicators: 3, missingIndicator: 'exclude' }),
      year: 2016,
      table: table(rows),
      economies: ['KOR', 'JPN'],
    });
    const by = byEconomy(r);
    expect(by.get('KOR')!.rank).toBe(1);
    expect(by.get('JPN')).toMatchObject({ ranked: false, reason: 'no index value after imputation', score: null });
    expect(by.get('JPN')!.components.use).toBeNull();
    expect(by.get('JPN')!.components.access).toBeCloseTo(8, 12);
  });

  it("--previous adds the previous year's score and rank, with rank_change = previous rank - rank", () => {
    const rows: Row[] = [
      ...full('KOR', 2015, 30, 60, 60, 30),
      ...full('JPN', 2015, 60, 90, 90, 30),
      ...full('DEU', 2015, 30, 50, 50, 10),
      ...full('KOR', 2016, 60, 90, 90, 40),
      ...full('JPN', 2016, 50, 80, 80, 30),
      ...full('DEU', 2016, 30, 60, 60, 20),
      ...full('FRA', 2016, 30, 50, 50, 30), // new in 2016
    ];
    const r = computeIndex({ methodology: small(), year: 2016, table: table(rows), economies: ['KOR', 'JPN', 'DEU', 'FRA'], previous: true });
    expect(r.previousResult?.year).toBe(2015);
    const by = byEconomy(r);
    for (const e of ['KOR', 'JPN', 'DEU']) {
      const x = by.get(e)!;
      expect(x.previous!.rankChange).toBe(x.previous!.rank! - x.rank!);
      expect(x.previous!.scoreChange).toBeCloseTo(x.score! - x.previous!.score!, 12);
    }
    expect(by.get('KOR')!.previous).toMatchObject({ rank: 2, rankChange: 1 });
    expect(by.get('KOR')!.rank).toBe(1);
    expect(by.get('JPN')!.previous).toMatchObject({ rank: 1, rankChange: -1 });
    expect(by.get('KOR')!.previous!.score).toBeCloseTo((((0.5 + 0.6) / 2 + (0.6 + 0.5) / 2) / 2) * 10, 12);
    expect(by.get('FRA')!.previous).toEqual({ score: null, rank: null, scoreChange: null, rankChange: null });
  });

  it('fills a derived leaf (fixed_bb_p100 = fixed_bb_subs / population * 100) and flags it, without overriding a reported value', () => {
    const rows: Row[] = [
      ['KOR', 'fixed_tel_p100', 2016, 30],
      ['KOR', 'hh_internet_pct', 2016, 80],
      ['KOR', 'internet_users_pct', 2016, 90],
      ['KOR', 'fixed_bb_subs', 2016, 1_000_000],
      ['KOR', 'population', 2016, 50_000_000],
      ...full('JPN', 2016, 60, 60, 80, 30),
      ['JPN', 'fixed_bb_subs', 2016, 1_000_000],
      ['JPN', 'population', 2016, 100_000_000], // would give 1: the reported 30 stands
    ];
    const r = computeIndex({ methodology: small(), year: 2016, table: table(rows), economies: ['KOR', 'JPN'] });
    const by = byEconomy(r);
    expect(by.get('KOR')!.indicators.fixed_bb_p100).toMatchObject({ value: 2, status: 'observed', year: 2016, derived: 'fixed_bb_subs / population * 100' });
    expect(by.get('KOR')!.indicators.fixed_bb_p100.normalised).toBeCloseTo(2 / 60, 12);
    expect(by.get('JPN')!.indicators.fixed_bb_p100.value).toBe(30);
    expect(by.get('JPN')!.indicators.fixed_bb_p100.derived).toBeUndefined();
    expect(by.get('KOR')!.indicators.internet_users_pct.derived).toBeUndefined();
  });

  it('scores and component scores stay within [0, scale] (property)', () => {
    const econ = ['KOR', 'JPN', 'DEU', 'FRA', 'KEN'];
    const ids = ['fixed_tel_p100', 'hh_internet_pct', 'internet_users_pct', 'fixed_bb_p100'];
    const rowArb = fc
      .tuple(fc.constantFrom(...econ), fc.constantFrom(...ids), fc.constantFrom(2015, 2016), fc.double({ min: 0, max: 250, noNaN: true }))
      .map((r) => r as Row);
    fc.assert(
      fc.property(
        fc.array(rowArb, { minLength: 5, maxLength: 40 }),
        fc.constantFrom(1, 10, 100),
        fc.integer({ min: 0, max: 4 }),
        (rows, scale, minIndicators) => {
          const r = computeIndex({ methodology: small({ minIndicators, latestWithin: 1 }, scale), year: 2016, table: table(rows), economies: econ });
          for (const e of r.economies) {
            if (e.ranked) {
              expect(e.score).toBeGreaterThanOrEqual(0);
              expect(e.score).toBeLessThanOrEqual(scale);
            }
            for (const v of Object.values(e.components))
              if (v !== null) {
                expect(v).toBeGreaterThanOrEqual(0);
                expect(v).toBeLessThanOrEqual(scale);
              }
          }
        },
      ),
      { seed: 17, numRuns: 40 },
    );
  });
});

describe('the MIS 2011 worked example (Korea, 2010 data, Annex Box 1.2)', () => {
  it('reproduces the printed normalised values to 2 decimals, the access sub-index 0.82 and the IDI 8.44', async () => {
    const { ingestFile } = await import('../../src/ingest/ingest.js');
    const ingested = await ingestFile(join(ROOT, 'test', 'fixtures', 'idi', 'korea-2010-mis2011.csv'), { jumpFactor: 0 });
    expect(ingested.status).toBe('accepted');
    const r = computeIndex({ methodology: loadMethodology('idi-2011'), year: 2010, table: ingested.table, economies: ['KOR'] });
    const kor = r.economies[0];
    const printed: Record<string, number> = {
      fixed_tel_p100: 0.99,
      mobile_cell_p100: 0.62,
      intl_bw_per_user: 0.75,
      hh_computer_pct: 0.82,
      hh_internet_pct: 0.97,
      internet_users_pct: 0.84,
      fixed_bb_p100: 0.61,
      mobile_bb_p100: 0.91,
      adult_literacy_pct: 0.98,
      gross_enrol_secondary: 1.0,
      gross_enrol_tertiary: 0.99,
    };
    for (const [id, v] of Object.entries(printed)) expect(kor.indicators[id].normalised!.toFixed(2), id).toBe(v.toFixed(2));
    // The box prints access 0.82; the mean of its own five printed values is 0.83 (0.829 unrounded): 0.82 is 0.829 cut, not rounded.
    expect(Math.floor(kor.components.access! * 10) / 100).toBe(0.82);
    expect(kor.components.access! / 10).toBeCloseTo((0.98667 + 0.62 + 0.748 + 0.82 + 0.97) / 5, 3);
    expect(kor.score!.toFixed(2)).toBe('8.44');
    expect(kor.rank).toBe(1);
    expect(kor.imputed).toBe(0);
  });
});

// ---------- the bundled real data ----------

describe('idi-2017 on the bundled data, data year 2016', () => {
  let r: IndexResult;
  beforeAll(async () => {
    const registry = loadIndicatorRegistry();
    const m = loadMethodology('idi-2017', registry);
    r = computeIndex({ methodology: m, year: 2016, table: await loadBundled({ indicators: requiredIndicators(m, registry) }), indicators: registry });
  });

  it('ranks more than 150 economies, Korea in the top 3', () => {
    expect(r.coverage.ranked).toBeGreaterThan(150);
    const kor = r.economies.find((e) => e.economy === 'KOR')!;
    expect(kor.ranked).toBe(true);
    expect(kor.rank).toBeLessThanOrEqual(3);
  });

  it('names the missing bandwidth series as a departure; households with a computer come from the Core Household Indicators', () => {
    const dropped = r.departures
      .filter((d) => /dropped/.test(d))
      .map((d) => d.split(':')[0])
      .sort();
    expect(dropped).toEqual(['intl_bw_per_user']);
    expect(
      r.coverage.indicators
        .filter((c) => c.dropped)
        .map((c) => c.indicator)
        .sort(),
    ).toEqual(['intl_bw_per_user']);
    // HH4 in the June 2019 workbook: Korea 72.4 % of 2018, after the data year: with no look-ahead it does not enter 2016;
    // the cell is estimated from households with Internet (MIS Annex 1's "related indicators"), not carried back.
    const kor = r.economies.find((e) => e.economy === 'KOR')!.indicators.hh_computer_pct;
    expect(kor.value).not.toBe(72.4);
    expect([kor.status, kor.year]).toEqual(['regression', 2016]);
    expect(kor.imputation!.inputs.predictor).toBe('hh_internet_pct');
  });

  it('has no score or component outside [0, 10]; ranks are competition ranks of the unrounded scores; unranked economies say why', () => {
    const ranked = r.economies.filter((e) => e.ranked);
    for (const e of r.economies) {
      for (const v of [e.score, ...Object.values(e.components)])
        if (v !== null) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(10);
        }
      if (!e.ranked) expect(e.reason).toMatch(/indicators reported|no index value/);
    }
    for (const e of ranked) expect(e.rank).toBe(1 + ranked.filter((d) => d.score! > e.score!).length);
  });
});

// ---------- the CLI ----------

describe('`ictstat idi` outputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-idi-'));
  const out = (f: string) => join(dir, f);
  const EXTRA = join(ROOT, 'test', 'fixtures', 'index', 'extra-bw-computer-2016.csv');
  // A small canonical file for the format tests (fast: no bundled data)
  const SMALL = out('small.csv');
  const ECON = ['KOR', 'JPN', 'DEU', 'FRA', 'KEN', 'BRA', 'IND', 'EGY'];
  const LEAVES = loadMethodology('idi-2017').indicators;
  writeFileSync(
    SMALL,
    'economy,indicator,year,value\n' +
      ECON.flatMap((e, i) => [
        ...LEAVES.filter((id) => id !== 'intl_bw_per_user').map(
          (id) => `${e},${id},2016,${((id === 'mean_years_schooling' ? 14 : 90) - (id === 'mean_years_schooling' ? 1 : 9) * i).toFixed(1)}`,
        ),
        `${e},intl_bw_per_user,2016,${1000 * (i + 1)}`,
        `${e},population,2016,${(i + 1) * 1e7}`,
      ]).join('\n') +
      '\n',
  );

  let runs: Record<string, Run>;
  beforeAll(async () => {
    const idi = (...a: string[]) => ictstatAsync(['idi', '--methodology', 'idi-2017', '--year', '2016', ...a]);
    const jobs = {
      // one bundled-data run (the slow kind) serves the json, groups, --previous and --extra-data tests
      json: idi('--extra-data', EXTRA, '--format', 'json', '--groups', 'itu-region,income,world', '--previous', '--out', out('idi.json')),
      md: idi('--data', SMALL, '--format', 'md', '--groups', 'world', '--out', out('idi.md')),
      xlsx: idi('--data', SMALL, '--format', 'xlsx', '--groups', 'world', '--out', out('idi.xlsx')),
      csv: idi('--data', SMALL, '--previous'),
    };
    runs = Object.fromEntries(await Promise.all(Object.entries(jobs).map(async ([k, p]) => [k, await p] as const)));
    for (const [k, run] of Object.entries(runs)) if (run.code !== 0) throw new Error(`${k}: exit ${run.code}\n${run.stderr}`);
  });

  it('--format json is the result: ranks, departures, coverage, previous-year changes and the group rows (n, mean, median)', () => {
    expectNoStackTrace(runs.json);
    const j = JSON.parse(readFileSync(out('idi.json'), 'utf8'));
    expect(j.methodology.id).toBe('idi-2017');
    expect(j.year).toBe(2016);
    expect(j.coverage.ranked).toBeGreaterThan(150);
    const kor = j.economies.find((e: { economy: string }) => e.economy === 'KOR');
    expect(kor.rank).toBeLessThanOrEqual(3);
    expect(kor.previous.rankChange).toBe(kor.previous.rank - kor.rank);
    const groups = j.groups as Array<{ measure: string; grouping: string; group: string; n: number; mean: number; median: number }>;
    const idiRows = groups.filter((g) => g.measure === 'idi-2017');
    expect(new Set(idiRows.map((g) => g.grouping))).toEqual(new Set(['itu-region-2025', 'wb-income-fy2024', 'world']));
    const world = idiRows.find((g) => g.grouping === 'world')!;
    expect(world.n).toBe(j.coverage.ranked);
    const scores = j.economies
      .filter((e: { ranked: boolean }) => e.ranked)
      .map((e: { score: number }) => e.score)
      .sort((a: number, b: number) => a - b);
    expect(world.mean).toBeCloseTo(scores.reduce((a: number, b: number) => a + b, 0) / scores.length, 9);
    const mid = scores.length / 2;
    expect(world.median).toBeCloseTo(scores.length % 2 ? scores[Math.floor(mid)] : (scores[mid - 1] + scores[mid]) / 2, 9);
    const regions = idiRows.filter((g) => g.grouping === 'itu-region-2025');
    expect(regions.map((g) => g.group)).toContain('Africa');
    for (const g of idiRows) expect(g.median).toBeGreaterThanOrEqual(0);
  });

  // The 2021 regions leave Palestine and Palau under "Other Economies" (as ITU's 2022 release does); idi-2017's
  // universe takes either grouping, so `itu-region` means the current (2025) regions, which place Palestine in
  // the Arab States: no ranked economy falls out of the regional rows.
  it('every ranked economy is counted in an ITU-region group row', () => {
    const j = JSON.parse(readFileSync(out('idi.json'), 'utf8'));
    const rows = (j.groups as Array<{ measure: string; grouping: string; n: number }>).filter((g) => g.measure === 'idi-2017');
    expect(rows.filter((g) => g.grouping === 'itu-region-2025').reduce((s, g) => s + g.n, 0)).toBe(j.coverage.ranked);
  });

  it('--extra-data with bandwidth and households-with-computer removes those departures', () => {
    expect(runs.json.stderr).toMatch(/^note: /m);
    expect(runs.json.stderr).not.toMatch(/note: (intl_bw_per_user|hh_computer_pct):/);
    const j = JSON.parse(readFileSync(out('idi.json'), 'utf8'));
    expect(j.departures.filter((d: string) => /dropped/.test(d))).toEqual([]);
    expect(j.coverage.indicators.filter((c: { dropped: boolean }) => c.dropped)).toEqual([]);
    const kor = j.economies.find((e: { economy: string }) => e.economy === 'KOR');
    expect(kor.indicators.intl_bw_per_user).toMatchObject({ value: 59752, status: 'observed', year: 2016 });
    expect(kor.indicators.hh_computer_pct).toMatchObject({ value: 75.3, status: 'observed' });
    expect(kor.indicators.intl_bw_per_user.normalised).toBeCloseTo(Math.log10(59752) / Math.log10(2158212), 12);
  });

  it('--format csv: economy,name,score,rank, the components, imputed; with --previous the change columns', () => {
    expectNoStackTrace(runs.csv);
    const [header, ...lines] = runs.csv.stdout.trim().split('\n');
    expect(header).toBe('economy,name,score,rank,access,use,skills,imputed,estimated,score_prev,rank_prev,score_change,rank_change,note');
    const ranked = lines.filter((l) => /^[A-Z]{3},[^,]*,[0-9.]+,\d+,/.test(l));
    expect(ranked.map((l) => l.split(',')[0])).toEqual(ECON); // SMALL's values fall from KOR to EGY
    expect(ranked.map((l) => Number(l.split(',')[3]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lines.find((l) => l.startsWith('USA,'))).toMatch(/not ranked: 0 of 11 indicators reported within 2 year\(s\) of 2016; the methodology needs 8/);
  });

  it('--format md writes Markdown tables: the ranking and the groups, each with a header, a separator and rows of equal width', () => {
    expectNoStackTrace(runs.md);
    const md = readFileSync(out('idi.md'), 'utf8');
    const tables = md.split(/^### /m).filter(Boolean);
    expect(tables).toHaveLength(2);
    for (const t of tables) {
      const rows = t.split('\n').filter((l) => l.startsWith('|'));
      const width = rows[0].split(' | ').length;
      expect(rows[1]).toMatch(/^\|(---:?\|)+$/);
      expect(rows.length).toBeGreaterThan(2);
      for (const r of rows.slice(2)) expect(r.split(' | ').length).toBe(width);
    }
    expect(tables[0]).toContain('| economy | name | score | rank | access | use | skills | imputed | estimated | note |');
    expect(tables[1]).toContain('| measure | grouping | group | n | mean | median |');
  });

  it('--format xlsx writes a workbook: a sheet per table with the header row and numeric cells, then Contents and Notes', async () => {
    expectNoStackTrace(runs.xlsx);
    const sheets = await readWorkbookSheets(readFileSync(out('idi.xlsx')));
    expect(sheets.map((s) => s.name).slice(-2)).toEqual(['Contents', 'Notes']);
    const [ranking] = sheets;
    expect(ranking.rows[0].cells.map((c) => c.text)).toEqual(
      expect.arrayContaining(['economy', 'name', 'score', 'rank', 'access', 'use', 'skills', 'imputed']),
    );
    const numbers = ranking.rows.slice(1).flatMap((r) => r.cells.filter((c) => c.kind === 'number'));
    expect(numbers.length).toBeGreaterThan(ECON.length);
    expect(numbers.every((c) => Number.isFinite(c.value))).toBe(true);
    expect(ranking.rows[1].cells.find((c) => c.ref === 'C2')).toMatchObject({ kind: 'number' }); // KOR's score
  });
});
