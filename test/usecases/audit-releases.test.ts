import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditPriceReleases } from '../../src/index.js';
import { datasetsDir } from '../../src/util/paths.js';

/** The library's audit of a price release (issue 18): it compares every published % GNI value that has its US$ price. */
describe('auditPriceReleases (public API)', () => {
  it('compares, for the March 2022 release, exactly the values with both a % GNI and a US$ figure in its files', async () => {
    // Counted from the release's CSV files directly: (economy, basket, year) with both a _gni_pct and a _usd value.
    const dir = join(datasetsDir(), 'itu-prices-2022');
    const keys = (suffix: string): Set<string> => {
      const out = new Set<string>();
      for (const f of readdirSync(dir).filter((f) => f.endsWith(`${suffix}.csv`))) {
        const basket = f.slice(0, -suffix.length - 4);
        const lines = readFileSync(join(dir, f), 'utf8').trim().split('\n');
        const head = lines[0].split(',');
        const [e, y, v] = ['economy', 'year', 'value'].map((c) => head.indexOf(c));
        for (const l of lines.slice(1)) {
          const cells = l.split(',');
          if (cells[v] !== '' && Number.isFinite(Number(cells[v]))) out.add(`${cells[e]}|${basket}|${cells[y]}`);
        }
      }
      return out;
    };
    const gni = keys('_gni_pct');
    const usd = keys('_usd');
    const both = [...gni].filter((k) => usd.has(k)).length;
    const [audit] = await auditPriceReleases(['itu-prices-2022']);
    expect(audit.release).toBe('itu-prices-2022');
    expect(audit.compared).toBe(both);
    for (const r of audit.rules) expect(r.reproduced).toBeLessThanOrEqual(r.applicable);
  }, 60_000);
});
