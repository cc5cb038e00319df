/**
 * Issue 17: IDI 2024 from our own data (the bundled DataHub exports and price releases, not ITU's Annex 2 inputs)
 * against the scores ITU published (../shared/data/idi-2024/annex2-economies.csv). Goal: Spearman >= 0.98 and a mean
 * absolute difference <= 2 points over the economies both score. Mobile-broadband traffic per subscription is
 * derived by the registry formula from DataHub's traffic (i136mwi) and subscriptions; fixed-broadband traffic has
 * no source and is dropped, a stated departure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsvObjects } from '../../src/util/csv-parse.js';
import { sharedDataDir } from '../../src/util/paths.js';
import { runIndex, spearman, type IndexRun } from '../../src/usecases/index-run.js';

const ANNEX2 = join(sharedDataDir(), 'idi-2024', 'annex2-economies.csv');

describe.skipIf(!existsSync(ANNEX2))('IDI 2024 from the bundled DataHub data vs the published scores', () => {
  let run: IndexRun;
  const published = new Map<string, Record<string, string>>();
  beforeAll(async () => {
    run = await runIndex({ methodology: 'idi-2024', year: 2022 });
    const { header, rows } = parseCsvObjects(readFileSync(ANNEX2, 'utf8'));
    for (const r of rows) published.set(r.get('iso3'), Object.fromEntries(header.map((h) => [h, r.get(h)])));
  });

  it('Spearman >= 0.98 and mean absolute difference <= 2 over the economies both score', () => {
    const both = run.result.economies.filter((e) => e.score !== null && published.has(e.economy));
    expect(both.length).toBeGreaterThanOrEqual(165); // of ITU's 170: the inclusion rule, estimates not counting, leaves out a few
    const ours = both.map((e) => e.score!),
      theirs = both.map((e) => Number(published.get(e.economy)!.idi2024));
    const rho = spearman(ours, theirs),
      mad = ours.reduce((s, x, i) => s + Math.abs(x - theirs[i]), 0) / both.length;
    expect(rho).toBeGreaterThanOrEqual(0.98);
    expect(mad).toBeLessThanOrEqual(2);
  });

  it('derives mobile-broadband traffic per subscription (EB x 1e9 / subscriptions) within 1 % of Annex 2 for most economies', () => {
    let n = 0,
      close = 0;
    for (const e of run.result.economies) {
      const c = e.indicators.mbb_traffic_per_sub_gb,
        printed = published.get(e.economy)?.mbtraffic;
      if (!printed || printed === 'n.a.' || (c.status !== 'observed' && c.status !== 'earlier')) continue;
      expect(c.derived).toBe('mbb_traffic_eb * 1e9 / mobile_bb_subs');
      n++;
      const x = Number(printed);
      if (Math.abs(c.value! - x) <= 0.05 || Math.abs(c.value! / x - 1) <= 0.01) close++;
    }
    expect(n).toBeGreaterThan(140);
    expect(close / n).toBeGreaterThan(0.85); // 133 of 150 on the bundled data
  });

  it('drops fixed-broadband traffic (no source) as a stated departure, in the result and the CSV note', () => {
    expect(run.result.departures.some((d) => d.startsWith('fbb_traffic_per_sub_gb: no value for any economy'))).toBe(true);
    expect(run.result.coverage.indicators.find((c) => c.indicator === 'fbb_traffic_per_sub_gb')!.dropped).toBe(true);
  });
});
