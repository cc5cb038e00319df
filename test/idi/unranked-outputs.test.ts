/**
 * No output of an unranked methodology carries a rank (ITU's IDI from 2023: "only scores are reported",
 * Resolution 131): the CLI's CSV, JSON, Markdown and XLSX, the API-shaped JSON, and the report's IDI tables,
 * charts and page. Prose may say that economies are not ranked; no column, key or chart is a rank.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, defaultMethodology } from '../../src/report/build.js';
import { loadMethodology } from '../../src/idi/methodology.js';
import { expectNoStackTrace, type Run } from '../cli/helpers.js';
import { ictstatAsync } from './helpers.js';

const RANK_KEY = /rank/i;
/** Every key of a JSON value, recursively (except the `ranked` flag's replacement `scored`, which is not a rank). */
function keys(x: unknown, out: string[] = []): string[] {
  if (Array.isArray(x)) for (const v of x) keys(v, out);
  else if (x && typeof x === 'object')
    for (const [k, v] of Object.entries(x)) {
      out.push(k);
      keys(v, out);
    }
  return out;
}

describe('an unranked methodology (idi-2024) has no rank in any output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-unranked-'));
  const args = ['idi', '--methodology', 'idi-2024', '--year', '2022', '--source', 'itu-idi-2024-annex2', '--previous'];
  let runs: Record<string, Run>;
  beforeAll(async () => {
    const jobs: Array<[string, Promise<Run>]> = [
      ['csv', ictstatAsync(args)],
      ['json', ictstatAsync([...args, '--format', 'json', '--groups', 'methodology'])],
      ['md', ictstatAsync([...args, '--format', 'md', '--groups', 'methodology'])],
      ['xlsx', ictstatAsync([...args, '--format', 'xlsx', '--groups', 'methodology', '--out', join(dir, 'idi.xlsx')])],
      ['groups', ictstatAsync([...args, '--groups', 'methodology'])],
    ];
    runs = Object.fromEntries(await Promise.all(jobs.map(async ([k, p]) => [k, await p] as const)));
  });

  it('CSV: score, pillars, the previous score and its change; no rank column; descending score', () => {
    const r = runs.csv;
    expectNoStackTrace(r);
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header).toBe('economy,name,score,universal,meaningful,coverage,imputed,estimated,score_prev,score_change,note');
    expect(rows[0].startsWith('KWT,Kuwait,99.94')).toBe(true); // ITU prints Kuwait at 100.0 (unrounded pillars 100 and 99.9)
    const groups = runs.groups.stdout.split('\n')[0];
    expect(groups).toBe('measure,grouping,group,n,mean,median,min,max');
  });

  it('JSON: no key names a rank; the flags read "scored"', () => {
    const r = runs.json;
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(keys(doc).filter((k) => RANK_KEY.test(k))).toEqual([]);
    expect(doc.coverage.scored).toBe(169);
    expect(doc.economies[0]).toMatchObject({ economy: 'KWT', scored: true });
    expect(doc.methodology.scoresOnly).toBe(true);
  });

  it('Markdown and XLSX: no header cell names a rank', () => {
    const headers = runs.md.stdout.split('\n').filter((l, k, all) => l.startsWith('| ') && all[k + 1]?.startsWith('|---'));
    expect(headers.length).toBe(2);
    for (const h of headers) expect(h).not.toMatch(RANK_KEY);
    expect(runs.xlsx.code).toBe(0);
    const files = unzipSync(readFileSync(join(dir, 'idi.xlsx')));
    const text = Object.entries(files)
      .filter(([n]) => n.endsWith('.xml'))
      .map(([, b]) => strFromU8(b))
      .join('\n');
    expect(text).not.toMatch(/>(rank|rank_prev|rank_change|componentRanks)</i);
    expect(text).toMatch(/>score_change</);
  });

  it('editions 2023-2025 default to their own methodology, whose reference year is edition - 2 (later editions: the latest)', () => {
    expect([2017, 2022, 2023, 2024, 2025, 2026].map(defaultMethodology)).toEqual(['idi-2017', 'idi-2017', 'idi-2023', 'idi-2024', 'idi-2025', 'idi-2025']);
    for (const e of [2023, 2024, 2025]) expect(loadMethodology(`idi-${e}`).spec.defaultDataYear).toBe(e - 2);
  });

  it('the report of edition 2024: IDI tables without rank columns (score intervals), no rank-interval chart, no ranked list on the page', async () => {
    const out = join(dir, 'report');
    const r = await buildReport({ edition: 2024, out, source: { kind: 'bundled', sources: ['itu-idi-2024-annex2'] }, sensitivityDraws: 10 });
    expect(r.summary.methodology).toBe('idi-2024');
    expect(r.summary.dataYear).toBe(2022);
    expect(r.summary.sensitivity).toMatchObject({ measure: 'score', draws: 10 }); // score intervals, not rank intervals
    expect(r.summary.charts).not.toContain('idi-rank-intervals');
    const idi = readdirSync(join(out, 'tables')).filter((f) => f.startsWith('idi-'));
    expect(idi.filter((f) => f.endsWith('.csv')).sort()).toEqual(['idi-change.csv', 'idi-groups.csv', 'idi-scores.csv', 'idi-sensitivity.csv']);
    for (const f of idi.filter((x) => x.endsWith('.csv'))) expect(readFileSync(join(out, 'tables', f), 'utf8').split('\n')[0], f).not.toMatch(RANK_KEY);
    const md = readFileSync(join(out, 'tables', 'idi-scores.md'), 'utf8');
    expect(md.split('\n')[2]).toBe(
      '| Code | Economy | IDI 2024 | Universal connectivity | Meaningful connectivity | IDI 2023 | Change | Estimated inputs | Imputed inputs |',
    );
    // Published precision: one decimal, half up from the unrounded value (Kuwait 99.948 -> 99.9; CSV keeps it whole).
    expect(md).toContain('| KWT | Kuwait | 99.9 | 100.0 | 99.9 |');
    expect(readFileSync(join(out, 'tables', 'idi-scores.csv'), 'utf8')).toContain('KWT,Kuwait,99.9484004127967');
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const section = /<section id="idi">[\s\S]*?<\/section>/.exec(html)![0];
    expect(section.match(/<th[^>]*>[^<]*<\/th>/g)!.length).toBeGreaterThan(10);
    expect(section.match(/<th[^>]*>[^<]*<\/th>/g)!.filter((th) => RANK_KEY.test(th))).toEqual([]);
    expect(html).not.toContain('top three');
  }, 60_000);
});
