import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { spawnSync } from 'node:child_process';
import { BIN, ROOT, expectNoStackTrace, ictstat } from './helpers.js';

describe('ictstat series', () => {
  it("prints Kenya's Internet use from the bundled data, the same by id, ITU code and World Bank code", () => {
    const byId = ictstat(['series', '--economy', 'KEN', '--indicator', 'internet_users_pct', '--format', 'csv']);
    expect(byId.code).toBe(0);
    const lines = byId.stdout.trim().split('\n');
    expect(lines[0]).toBe('year,value,note,source');
    // ITU DataHub, individuals_using_internet.csv: KEN 2019 = 22.6688 (Kenya National Bureau of Statistics).
    expect(lines).toContain('2019,22.6688,,KENYA NATIONAL BUREAU OF STATISTICS');
    const years = lines.slice(1).map((l) => Number(l.split(',')[0]));
    expect(years).toEqual([...years].sort((a, b) => a - b));
    expect(new Set(years).size).toBe(years.length);
    for (const alias of ['i99H', 'IT.NET.USER.ZS', 'it.net.user.zs']) {
      const r = ictstat(['series', '--economy', 'ken', '--indicator', alias, '--format', 'csv']);
      expect(r.stdout).toBe(byId.stdout);
    }
  });

  it('filters years and speaks JSON', () => {
    const r = ictstat(['series', '--economy', 'KE', '--indicator', 'i99H', '--from', '2015', '--to', '2019', '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.economy).toBe('KEN');
    expect(doc.indicator).toBe('internet_users_pct');
    expect(doc.observations.map((o: { year: number }) => o.year)).toEqual([2015, 2016, 2017, 2018, 2019]);
    expect(doc.observations[4].value).toBe(22.6688);
  });

  it('writes an Arrow IPC stream that reads back', () => {
    const r = spawnSync(process.execPath, [BIN, 'series', '--economy', 'KEN', '--indicator', 'population', '--format', 'arrow'], { cwd: ROOT });
    expect(r.status).toBe(0);
    const t = tableFromIPC(r.stdout);
    expect(t.numRows).toBeGreaterThan(60);
    expect(t.getChild('economy')!.get(0)).toBe('KEN');
    expect(t.getChild('year')!.get(0)).toBe(1960);
  });

  it('uses the preferred source and can show all of them', () => {
    // fixed_bb_p100 comes from ITU DataHub (i992b) and WDI (IT.NET.BBND.P2), and can be derived from
    // fixed_bb_subs (DataHub) and population (WDI): three values for Germany 2015.
    const one = ictstat(['series', '--economy', 'DEU', '--indicator', 'fixed_bb_p100', '--from', '2015', '--to', '2015', '--format', 'json']);
    const all = ictstat(['series', '--economy', 'DEU', '--indicator', 'fixed_bb_p100', '--from', '2015', '--to', '2015', '--all-sources', '--format', 'json']);
    expect(JSON.parse(one.stdout).observations).toHaveLength(1);
    const values = JSON.parse(all.stdout).observations as Array<{ value: number; source: string; derived_from: string | null }>;
    expect(values.map((v) => v.source)).toEqual([
      expect.stringMatching(/DataHub/),
      expect.stringMatching(/World Development Indicators/),
      expect.stringMatching(/^fixed_bb_subs: .*; population: /),
    ]);
    expect(values[2].derived_from).toBe('fixed_bb_subs,population');
    expect(JSON.parse(one.stdout).observations[0].value).toBe(values[0].value);
  });

  it('reads --data files instead of the bundled data and derives per-100 values from counts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ictstat-series-'));
    const f = join(dir, 'ken.csv');
    writeFileSync(f, 'economy,indicator,year,value\nKEN,fixed_bb_subs,2022,1000000\nKEN,population,2022,50000000\nKEN,fixed_bb_subs,2023,1500000\n');
    const r = ictstat(['series', '--economy', 'KEN', '--indicator', 'i992b', '--data', f, '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.observations).toHaveLength(1); // 2023 has no population
    expect(doc.observations[0]).toMatchObject({ year: 2022, value: 2, derived_from: 'fixed_bb_subs,population' });
    expect(doc.observations[0].note).toMatch(/derived/);
  });

  it('gives one clear message for an unknown economy or indicator, with suggestions', () => {
    const e = ictstat(['series', '--economy', 'KEM', '--indicator', 'i99H']);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/KEM.*did you mean.*KEN/);
    expectNoStackTrace(e);
    const i = ictstat(['series', '--economy', 'KEN', '--indicator', 'internet_user_pct']);
    expect(i.code).toBe(2);
    expect(i.stderr).toMatch(/did you mean "internet_users_pct"/);
    expectNoStackTrace(i);
    const y = ictstat(['series', '--economy', 'KEN', '--indicator', 'i99H', '--from', 'soon']);
    expect(y.code).toBe(2);
    expectNoStackTrace(y);
    const m = ictstat(['series', '--indicator', 'i99H']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--economy/);
  });
});

describe('ictstat indicators, economies, groupings', () => {
  it('lists the registry', () => {
    const r = ictstat(['indicators']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^internet_users_pct,Individuals using the Internet,% of individuals,percent,17\.8\.1,i99H IT\.NET\.USER\.ZS HH7,$/m);
  });

  it('lists ITU Member States on a date and names in French', () => {
    const now = ictstat(['economies', '--members-only', '--json']);
    expect(JSON.parse(now.stdout)).toHaveLength(194);
    const before = ictstat(['economies', '--members-on', '2024-01-01', '--json']);
    const list = JSON.parse(before.stdout) as Array<{ iso3: string }>;
    expect(list).toHaveLength(193);
    expect(list.some((e) => e.iso3 === 'PLW')).toBe(false);
    const fr = ictstat(['economies', '--lang', 'fr']);
    expect(fr.stdout).toMatch(/^DEU,DE,276,Allemagne/m);
  });

  it('validates a user grouping', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ictstat-groupings-'));
    const good = join(dir, 'g.csv'),
      bad = join(dir, 'b.csv');
    writeFileSync(good, 'economy,group\nKEN,East\nug,East\n288,Africa West\n');
    writeFileSync(bad, 'economy,group\nKEN,East\nKEM,East\n');
    const g = ictstat(['groupings', '--file', good]);
    expect(g.stdout).toBe('economy,group\nGHA,Africa West\nKEN,East\nUGA,East\n');
    const b = ictstat(['groupings', '--file', bad]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/b\.csv:3: column "economy": "KEM"/);
    expectNoStackTrace(b);
  });
});
