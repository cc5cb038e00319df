/**
 * Acceptance: `ictstat prices aggregate --input <ITU March 2022 release> --stat median --balanced` reproduces the
 * release's own sheet "Medians 2008-2021", every basket, unit, group and year, to +-0.01 — and nothing more.
 * The expected values are read here straight from the raw file (not through src/prices), so the parser under
 * test is checked too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/util/csv-parse.js';
import { sharedDataDir } from '../../src/util/paths.js';
import { ictstat } from '../cli/helpers.js';

const RELEASE = join(sharedDataDir(), 'itu-prices', 'ITU_ICTPriceBaskets_2008-2021_March2022.csv');

function publishedMedians(): { values: Map<string, number>; nWorld: Map<string, number> } {
  const records = parseCsv(readFileSync(RELEASE, 'utf8'));
  const start = records.findIndex((r) => r.fields[0] === 'unit' && r.fields[1] === 'Baskets_combined_simplified');
  const header = records[start].fields;
  const values = new Map<string, number>(),
    nWorld = new Map<string, number>();
  for (const r of records.slice(start + 1)) {
    const [unit, basket, , n, grouping, group] = r.fields;
    if (!['GNIpc', 'PPP', 'USD'].includes(unit)) break;
    nWorld.set(`${basket}|${unit}`, Number(n));
    header.forEach((h, k) => {
      if (/^\d{4}$/.test(h) && r.fields[k] !== 'NA' && r.fields[k] !== '') values.set(`${basket}|${unit}|${grouping}|${group}|${h}`, Number(r.fields[k]));
    });
  }
  return { values, nWorld };
}

describe.skipIf(!existsSync(RELEASE))('prices aggregate reproduces ITU "Medians 2008-2021" (March 2022 release)', () => {
  it('every published median to +-0.01, with N (world), and no extra rows', () => {
    const run = ictstat(['prices', 'aggregate', '--input', RELEASE, '--stat', 'median', '--balanced', '--format', 'csv']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [head, ...lines] = parseCsv(run.stdout);
    expect(head.fields).toEqual(['basket', 'unit', 'grouping', 'group', 'year', 'value', 'n']);
    const { values, nWorld } = publishedMedians();
    expect(values.size).toBe(2025); // 5 baskets x 3 units x 15 groups x their years
    const got = new Map(lines.map(({ fields: [b, u, gr, g, y, v, n] }) => [`${b}|${u}|${gr}|${g}|${y}`, { v: Number(v), n: Number(n) }]));
    const mismatches: string[] = [];
    let maxDiff = 0;
    for (const [key, published] of values) {
      const mine = got.get(key);
      if (!mine) {
        mismatches.push(`${key}: missing`);
        continue;
      }
      const d = Math.abs(mine.v - published);
      maxDiff = Math.max(maxDiff, d);
      if (d > 0.01) mismatches.push(`${key}: published ${published}, computed ${mine.v} (n ${mine.n})`);
    }
    for (const key of got.keys()) if (!values.has(key)) mismatches.push(`${key}: not in the published sheet`);
    // N (world): the balanced set of economies of each basket and unit.
    for (const [key, { n }] of got)
      if (key.includes('|World|World|')) {
        const series = key.split('|').slice(0, 2).join('|');
        if (n !== nWorld.get(series)) mismatches.push(`${key}: n ${n}, published N (world) ${nWorld.get(series)}`);
      }
    expect(mismatches).toEqual([]);
    expect(got.size).toBe(values.size);
    // The published values are rounded to 2 decimals: the measured difference is that rounding, nothing else.
    expect(maxDiff).toBeLessThanOrEqual(0.005 + 1e-9);
  });

  it('unbalanced medians differ from the published ones (the balanced rule matters)', () => {
    const run = ictstat(['prices', 'aggregate', '--input', RELEASE, '--stat', 'median', '--format', 'csv']);
    expect(run.code).toBe(0);
    const { values } = publishedMedians();
    const differing = parseCsv(run.stdout)
      .slice(1)
      .filter(
        ({ fields: [b, u, gr, g, y, v] }) => values.has(`${b}|${u}|${gr}|${g}|${y}`) && Math.abs(values.get(`${b}|${u}|${gr}|${g}|${y}`)! - Number(v)) > 0.01,
      );
    expect(differing.length).toBeGreaterThan(100);
  });
});
