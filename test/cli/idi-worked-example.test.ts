import { describe, expect, it } from 'vitest';
import { ictstat } from './helpers.js';

/**
 * MIS 2011, Annex Box 1.2: the IDI of Korea (Rep.) with 2010 data and the references of that edition
 * (../shared/methodology/IDI.md). Printed normalised values: 0.99, 0.62, 0.75, 0.82, 0.97, 0.84, 0.61,
 * 0.91, 0.98, 1.00, 0.99; IDI 8.44.
 */
describe('MIS 2011 worked example (Korea, 2010 data)', () => {
  const r = ictstat(['idi', '--methodology', 'idi-2011', '--year', '2010', '--data', 'test/fixtures/idi/korea-2010-mis2011.csv', '--format', 'json']);
  const doc = JSON.parse(r.stdout);
  const kor = doc.economies.find((e: { economy: string }) => e.economy === 'KOR');

  it('reproduces every printed normalised value to 2 decimals', () => {
    expect(r.code).toBe(0);
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
    for (const [id, value] of Object.entries(printed)) expect(Number(kor.indicators[id].normalised.toFixed(2)), id).toBe(value);
  });

  it('gives the printed IDI of 8.44', () => {
    expect(kor.score.toFixed(2)).toBe('8.44');
    expect(kor.rank).toBe(1);
    expect(kor.imputed).toBe(0);
  });

  it('computes the access sub-index as 0.829 (the box prints 0.82; only 0.829 yields the printed 8.44)', () => {
    // 0.2 x (59.2/60 + 105.4/170 + log10(11878.4)/5.45 + 0.82 + 0.97) = 0.8289; with 0.82 the IDI would be 8.41.
    expect(kor.components.access / 10).toBeCloseTo(0.8289, 4);
    expect(kor.components.use / 10).toBeCloseTo((0.84 + 36.6 / 60 + 0.91) / 3, 10);
  });

  it('reads the same through the CSV output', () => {
    const csv = ictstat(['idi', '--methodology', 'idi-2011', '--year', '2010', '--data', 'test/fixtures/idi/korea-2010-mis2011.csv']);
    const [header, row] = csv.stdout.trim().split('\n');
    expect(header).toBe('economy,name,score,rank,access,use,skills,imputed,estimated,note');
    expect(row.startsWith('KOR,Republic of Korea (the),8.4417')).toBe(true);
  });
});
