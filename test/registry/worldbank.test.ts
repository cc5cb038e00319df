import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { loadWorldBankRegistry, publicCode } from '../../src/registry/worldbank.js';
import { parseCsvObjects } from '../../src/util/csv-parse.js';
import { sharedDataDir } from '../../src/util/paths.js';

/** World Bank CLASS FY2024, the source of the World Bank names, regions and lending categories. */
const CLASS = parseCsvObjects(readFileSync(join(sharedDataDir(), 'countries/wb_income_groups_CLASS_fy2024.csv'), 'utf8').replace(/^\uFEFF/, '')).rows.filter(
  (r) => r.get('Code') && r.get('Region'),
);

describe('World Bank registry (indicators/worldbank*.json, catalogue.json)', () => {
  const wb = loadWorldBankRegistry(),
    econ = loadEconomyRegistry();

  it("World Bank names and lending types are CLASS FY2024's, for every economy CLASS lists", () => {
    const lending: Record<string, string> = { IBRD: 'IBD', Blend: 'IDB', IDA: 'IDX', '': 'LNX' };
    let checked = 0;
    for (const r of CLASS) {
      const e = econ.find(r.get('Code'));
      if (!e || e.iso3 !== r.get('Code')) continue;
      expect(wb.name(e), e.iso3).toBe(r.get('Economy'));
      expect(wb.lendingType(e).id, e.iso3).toBe(lending[r.get('Lending category').trim()]);
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
    expect(wb.name(econ.find('BHS')!)).toBe('Bahamas, The');
  });

  it("region members are CLASS's: Sub-Saharan Africa (SSF) and its low- and middle-income part (SSA)", () => {
    const ssf = CLASS.filter((r) => r.get('Region') === 'Sub-Saharan Africa' && econ.find(r.get('Code'))?.iso3 === r.get('Code'));
    expect(
      wb
        .members('region', 'SSF')!
        .map((e) => e.iso3)
        .sort(),
    ).toEqual(ssf.map((r) => r.get('Code')).sort());
    expect(wb.members('region', 'ZG')!.length).toBe(ssf.length); // the ISO2-style code
    const ssa = ssf.filter((r) => r.get('Income group') !== 'High income');
    expect(
      wb
        .members('region', 'SSA')!
        .map((e) => e.iso3)
        .sort(),
    ).toEqual(ssa.map((r) => r.get('Code')).sort());
    const lmy = CLASS.filter(
      (r) => ['Low income', 'Lower middle income', 'Upper middle income'].includes(r.get('Income group')) && econ.find(r.get('Code'))?.iso3 === r.get('Code'),
    );
    expect(wb.members('incomeLevel', 'LMY')!.length).toBe(lmy.length);
    expect(wb.members('region', 'MARS')).toBeUndefined();
  });

  it('aggregates by code and ISO2-style code; capitals only where the source has one (no centroid)', () => {
    expect(wb.aggregate('1W')).toEqual({ code: 'WLD', iso2code: '1W', name: 'World' });
    expect(wb.aggregate('wld')?.iso2code).toBe('1W');
    expect(wb.capital(econ.find('KEN')!)).toEqual({ capitalCity: 'Nairobi', longitude: '36.8126', latitude: '-1.27975' });
    for (const e of econ.all()) {
      const c = wb.capital(e);
      if (c.capitalCity === '') expect([c.longitude, c.latitude], e.iso3).toEqual(['', '']);
    }
  });

  it('catalogue: source 2 holds every indicator, each indicator has one publisher source and a topic; public codes are WDI codes', () => {
    const all = loadIndicatorRegistry().indicators;
    expect(wb.indicatorsOf(wb.sources.find((s) => s.id === '2')!)).toHaveLength(all.length);
    for (const d of all) {
      expect(wb.sourceOf(d).id, `${d.id}: add its source text to a source of indicators/catalogue.json`).not.toBe('2');
      expect(wb.topicsOf(d).length, `${d.id}: add it to a topic of indicators/catalogue.json`).toBeGreaterThanOrEqual(1);
    }
    expect(publicCode(loadIndicatorRegistry().find('i99H')!)).toBe('IT.NET.USER.ZS');
    expect(publicCode(loadIndicatorRegistry().find('ict_skills_pct')!)).toBe('ict_skills_pct');
  });
});
