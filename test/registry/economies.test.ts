import { describe, expect, it } from 'vitest';
import { loadEconomyRegistry, LANGUAGES } from '../../src/registry/economies.js';

const reg = loadEconomyRegistry();

describe('economy registry (indicators/economies.json)', () => {
  it('has 194 ITU Member States today and 193 before Palau joined on 2024-09-19', () => {
    expect(reg.memberStates('2026-01-01')).toHaveLength(194);
    expect(reg.memberStates()).toHaveLength(194);
    const before = reg.memberStates('2024-01-01');
    expect(before).toHaveLength(193);
    expect(before.map((e) => e.iso3)).not.toContain('PLW');
    expect(reg.memberStates('2024-09-19').map((e) => e.iso3)).toContain('PLW');
    expect(before.map((e) => e.iso3)).toContain('VAT');
  });

  it('has 193 UN members: the member states except the Holy See', () => {
    const un = reg.all().filter((e) => e.unMember);
    expect(un).toHaveLength(193);
    expect(un.map((e) => e.iso3)).not.toContain('VAT');
    expect(un.every((e) => e.kind === 'member-state')).toBe(true);
  });

  it('finds economies by ISO3, ISO2, M49 with or without zeros, and name, case-insensitively', () => {
    expect(reg.find('ken')?.iso3).toBe('KEN');
    expect(reg.find('KE')?.iso3).toBe('KEN');
    expect(reg.find('404')?.iso3).toBe('KEN');
    expect(reg.find('4')?.iso3).toBe('AFG');
    expect(reg.find('004')?.iso3).toBe('AFG');
    expect(reg.find('Ivory Coast')?.iso3).toBe('CIV');
    expect(reg.find('turkey')?.iso3).toBe('TUR');
    expect(reg.find('ZZZ')).toBeUndefined();
  });

  it('names economies in the six UN languages, including CIV and TUR (blank in country-codes.csv)', () => {
    for (const iso3 of ['CIV', 'TUR', 'KEN', 'FRA', 'CHN']) for (const lang of LANGUAGES) expect(reg.name(iso3, lang), `${iso3} ${lang}`).not.toBe('');
    expect(reg.name('CHN', 'zh')).toBe('中国');
    expect(reg.name('FRA', 'fr')).toMatch(/^France/);
    expect(reg.name('CIV')).toBe("Côte d'Ivoire");
    expect(reg.name('TUR', 'ru')).toBe('Турция');
  });

  it('classifies non-ISO DataHub codes, World Bank aggregates and unknown codes', () => {
    expect(reg.classify('KSO')).toEqual({ kind: 'non-iso', code: 'KSO', name: 'Kosovo', iso3: 'XKX' });
    expect(reg.classify('ASC')).toMatchObject({ kind: 'non-iso', iso3: null });
    expect(reg.classify('WLD')).toMatchObject({ kind: 'aggregate', code: 'WLD', name: 'World' });
    expect(reg.classify('CHI')).toMatchObject({ kind: 'aggregate', code: 'CHI' });
    const unknown = reg.classify('KEM');
    expect(unknown.kind).toBe('unknown');
    expect(unknown.kind === 'unknown' && unknown.suggestions).toContain('KEN');
    expect(reg.classify('XKX')).toMatchObject({ kind: 'economy', economy: { kind: 'territory', m49: null } });
  });

  it('normalises ITU regions to six names in both vintages and records the traps', () => {
    const regions = new Set(reg.all().flatMap((e) => [e.ituRegion2021, e.ituRegion2025]));
    regions.delete(null);
    expect([...regions].sort()).toEqual(['Africa', 'Americas', 'Arab States', 'Asia & Pacific', 'CIS', 'Europe']);
    expect(reg.find('ABW')?.ituRegion2021).toBeNull(); // "Other Economies"
    expect(reg.find('STP')).toMatchObject({ ldc: true, ldcUntil: '2024-12-13' });
    expect(reg.find('PLW')).toMatchObject({ ituMemberSince: '2024-09-19', ituRegion2021: null, ituRegion2025: 'Asia & Pacific' });
    expect(reg.all().every((e) => e.m49 === null || /^\d{3}$/.test(e.m49))).toBe(true);
  });
});
