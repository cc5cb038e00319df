import { describe, expect, it } from 'vitest';
import { IndicatorRegistry, loadIndicatorRegistry, type IndicatorDef } from '../../src/registry/indicators.js';
import { join } from 'node:path';
import { indicatorsDir } from '../../src/util/paths.js';

const reg = loadIndicatorRegistry();

describe('indicator registry', () => {
  it('holds every id the foundation issue names', () => {
    const ids = [
      'fixed_tel_p100',
      'mobile_cell_p100',
      'intl_bw_per_user',
      'hh_computer_pct',
      'hh_internet_pct',
      'internet_users_pct',
      'fixed_bb_p100',
      'fixed_bb_subs',
      'mobile_bb_p100',
      'mobile_bb_subs',
      'mobile_owners_pct',
      'pop_cov_2g_pct',
      'pop_cov_3g_pct',
      'pop_cov_4g_pct',
      'pop_cov_5g_pct',
      'mean_years_schooling',
      'gross_enrol_secondary',
      'gross_enrol_tertiary',
      'adult_literacy_pct',
      'secure_servers_p1m',
      'population',
      'gni_pc_atlas_usd',
      'gdp_pc_usd',
      'exchange_rate_lcu_per_usd',
      'ppp_factor_lcu_per_intl',
    ];
    for (const id of ids) expect(reg.find(id)?.id, id).toBe(id);
  });

  it.each([
    ['i99H', 'internet_users_pct'],
    ['IT.NET.USER.ZS', 'internet_users_pct'],
    ['it.net.user.zs', 'internet_users_pct'],
    ['i911', 'mobile_cell_p100'],
    ['IT.CEL.SETS.P2', 'mobile_cell_p100'],
    ['xHH6_IDI', 'hh_internet_pct'],
    ['HH6', 'hh_internet_pct'],
    ['i992b', 'fixed_bb_p100'],
    ['i4213tfbb', 'fixed_bb_subs'],
    ['i911mw', 'mobile_bb_p100'],
    ['i271mw', 'mobile_bb_subs'],
    ['xHH18_IDI', 'mobile_owners_pct'],
    ['i271pop', 'pop_cov_2g_pct'],
    ['i271G', 'pop_cov_3g_pct'],
    ['i271GA', 'pop_cov_4g_pct'],
    ['i271G5_pop', 'pop_cov_5g_pct'],
    ['mys', 'mean_years_schooling'],
    ['SE.SEC.ENRR', 'gross_enrol_secondary'],
    ['NY.GNP.PCAP.CD', 'gni_pc_atlas_usd'],
    ['PA.NUS.PPP', 'ppp_factor_lcu_per_intl'],
    ['i154_FBB5$', 'price_fixed_broadband_5gb_usd'],
    ['i271mb_5GB_GNI', 'price_mobile_data_5gb_gni_pct'],
    ['Fixed-broadband basket (5GB)/PPP', 'price_fixed_broadband_5gb_ppp'],
  ])('resolves the alias %s to %s (case-insensitively)', (alias, id) => {
    expect(reg.resolve(alias).id).toBe(id);
    expect(reg.resolve(alias.toUpperCase()).id).toBe(id);
  });

  it('tags the SDG indicators ITU serves', () => {
    expect(reg.get('internet_users_pct').sdg).toBe('17.8.1');
    expect(reg.get('fixed_bb_p100').sdg).toBe('17.6.1');
    expect(reg.get('pop_cov_3g_pct').sdg).toBe('9.c.1');
    expect(reg.get('mobile_owners_pct').sdg).toBe('5.b.1');
    expect(reg.get('ict_skills_pct').sdg).toBe('4.4.1');
  });

  it('has published-basket ids in USD, PPP$ and % of GNI p.c. for each basket', () => {
    for (const b of [
      'fixed_broadband_5gb',
      'mobile_data_2gb',
      'mobile_data_5gb',
      'mobile_cellular_low_usage',
      'mobile_high_consumption',
      'ipb_fixed_broadband_1gb',
    ])
      for (const u of ['usd', 'ppp', 'gni_pct']) expect(reg.find(`price_${b}_${u}`)?.basketUnit).toBe(u);
  });

  it('says "did you mean" for a near miss, and fails for an unknown code', () => {
    expect(() => reg.resolve('internet_user_pct')).toThrow(/did you mean "internet_users_pct"/);
    expect(() => reg.resolve('no_such_thing_at_all')).toThrow(/unknown indicator "no_such_thing_at_all"/);
  });

  it('compiles the derived formulas once, with their inputs', () => {
    const d = reg.derived('fixed_bb_p100')!;
    expect(d.formula.inputs).toEqual(['fixed_bb_subs', 'population']);
    expect(reg.derived('fixed_bb_p100')).toBe(d);
    expect(reg.derived('population')).toBeUndefined();
    expect(reg.derived('intl_bw_per_user')!.formula.evaluate({ intl_bw_bps: 1e9, internet_users_pct: 50, population: 2e6 })).toBeCloseTo(1000, 9);
  });

  it("the bundled registry's formulas all parse and read known ids only (checked here: loading it does not compile them)", () => {
    const derived = reg.indicators.filter((d) => d.derived);
    expect(derived.length).toBeGreaterThan(3);
    expect(derived.flatMap((d) => reg.formulaProblems(d))).toEqual([]);
    // The check finds what it should: a formula reading an unknown id.
    expect(reg.formulaProblems({ ...derived[0], derived: { formula: 'nope / population' } })).toEqual([
      `${join(indicatorsDir(), 'indicators.json')}: ${derived[0].id}: formula input "nope" is not an indicator id`,
    ]);
  });

  it('rejects a malformed registry with one message per problem', () => {
    const base: IndicatorDef = {
      id: 'a_pct',
      name: 'A',
      definition: 'A',
      unit: '%',
      kind: 'percent',
      range: [0, 100],
      agency: 'X',
      aliases: ['A1'],
      source: 'S',
    };
    expect(() => new IndicatorRegistry([base, { ...base, id: 'b_pct', aliases: ['a1'] }])).toThrow(/"a1" already names a_pct/);
    expect(() => new IndicatorRegistry([{ ...base, kind: 'weird' as never }])).toThrow(/kind "weird"/);
    expect(() => new IndicatorRegistry([{ ...base, range: [5, 1] }])).toThrow(/range/);
    expect(() => new IndicatorRegistry([base, { ...base, id: 'c_p100', aliases: [], derived: { formula: 'a_pct / nope' } }])).toThrow(
      /"nope" is not an indicator id/,
    );
    expect(() => new IndicatorRegistry([{ ...base, id: 'Bad-Id' }])).toThrow(/snake_case/);
  });
});
