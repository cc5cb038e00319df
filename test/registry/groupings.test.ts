import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Groupings, loadGroupingCsv, loadGroupings } from '../../src/registry/groupings.js';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { UserInputError } from '../../src/util/errors.js';
import { indicatorsDir } from '../../src/util/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ictstat-groupings-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('bundled groupings', () => {
  const g = loadGroupings();
  it('ships the required groupings', () => {
    const ids = g.list().map((x) => x.id);
    for (const id of ['itu-region-2021', 'itu-region-2025', 'wb-income-fy2024', 'ldc', 'lldc', 'sids', 'm49-region', 'itu-members', 'un-members'])
      expect(ids).toContain(id);
  });
  it('agrees with the economy registry', () => {
    const reg = loadEconomyRegistry();
    expect(g.members('itu-members', 'ITU Member State')).toHaveLength(194);
    expect(g.members('un-members', 'UN Member State')).toHaveLength(193);
    expect(g.groupOf('itu-region-2025', 'ken')).toBe('Africa');
    expect(g.groupOf('itu-region-2021', 'ABW')).toBeUndefined();
    expect(g.groupOf('wb-income-fy2024', 'NOR')).toBe('High income');
    expect(g.members('ldc', 'LDC')).toEqual(
      reg
        .all()
        .filter((e) => e.ldc)
        .map((e) => e.iso3),
    );
    expect(() => g.members('itu-region-2021', 'Europe countries')).toThrow(/has no group "Europe countries"/);
    expect(() => g.members('itu-region-2021', 'Europ')).toThrow(/did you mean "Europe"/);
    expect(() => g.get('itu-region-2020')).toThrow(/did you mean/);
  });
});

describe('loadGroupingCsv (user groupings)', () => {
  it('loads ISO3, ISO2 and M49 codes as ISO3', () => {
    const p = write('ok.csv', 'economy,group\nKEN,East\nug,East\n834,East\r\nNGA,West\n');
    const g = loadGroupingCsv(p, { id: 'mine', name: 'Mine' });
    expect([...g.groups]).toEqual([
      ['KEN', 'East'],
      ['UGA', 'East'],
      ['TZA', 'East'],
      ['NGA', 'West'],
    ]);
  });
  it('names file, line, column, value and rule for an unknown code, with did-you-mean', () => {
    const p = write('bad.csv', 'economy,group\nKEN,East\nKEM,East\n');
    expect(() => loadGroupingCsv(p, { id: 'bad', name: 'Bad' })).toThrowError(UserInputError);
    expect(() => loadGroupingCsv(p, { id: 'bad', name: 'Bad' })).toThrow(
      `${p}:3: column "economy": "KEM": must be an economy code (ISO3, ISO2 or M49) or name; did you mean KEN`,
    );
  });
  it('rejects a wrong header, aggregates and duplicates', () => {
    expect(() => loadGroupingCsv(write('h.csv', 'iso3,group\nKEN,A\n'), { id: 'h', name: 'h' })).toThrow(/:1: .*header must be exactly "economy,group"/);
    expect(() => loadGroupingCsv(write('a.csv', 'economy,group\nWLD,A\n'), { id: 'a', name: 'a' })).toThrow(/:2: .*WLD is an aggregate/);
    expect(() => loadGroupingCsv(write('d.csv', 'economy,group\nKEN,A\nKE,B\n'), { id: 'd', name: 'd' })).toThrow(/:3: .*already in group "A" \(line 2\)/);
  });
});

describe('groupings read when first used', () => {
  it('a grouping given as a loader is read once, on its first use; list() reads them all', () => {
    const calls: string[] = [];
    const lazy = (id: string, groups: Record<string, string>) => ({
      id,
      load: () => {
        calls.push(id);
        return { id, name: id, source: 'test', groups: new Map(Object.entries(groups)) };
      },
    });
    const g = new Groupings([lazy('a', { KEN: 'East' }), lazy('b', { UGA: 'East' })]);
    expect(calls).toEqual([]);
    expect(g.groupOf('a', 'ken')).toBe('East');
    expect(g.groupOf('a', 'UGA')).toBeUndefined();
    expect(calls).toEqual(['a']);
    expect(g.list().map((x) => x.id)).toEqual(['a', 'b']);
    expect(calls).toEqual(['a', 'b']);
    expect(() => g.get('c')).toThrow(/unknown grouping "c"/);
  });

  it('the bundled ones are the files, whichever is read first', () => {
    const all = loadGroupings().list();
    const index = JSON.parse(readFileSync(join(indicatorsDir(), 'groupings', 'index.json'), 'utf8')) as Array<{ id: string }>;
    expect(all.map((x) => x.id)).toEqual(index.map((e) => e.id));
    for (const x of all) expect(x.groups.size, x.id).toBeGreaterThan(0);
  });
});
