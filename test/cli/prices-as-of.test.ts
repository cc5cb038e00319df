import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, expectNoStackTrace } from './helpers.js';

/** `prices compute --as-of` takes its conversion inputs from the store as it stood on the date. */
describe('prices compute --as-of', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-prices-asof-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ICTSTAT_DB: join(dir, 's.db') },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const compute = ['prices', 'compute', '--tariffs', 'test/fixtures/prices/hand-tariffs.csv', '--basket', 'mobile-data-2gb', '--year', '2021'];

  it('uses the rates the store held on the date, and says so', () => {
    expect(run(['db', 'submit', 'test/fixtures/prices/hand-conversions.csv']).code).toBe(0);
    const now = run([...compute, '--as-of', '2999-12-31']);
    expect(now.code).toBe(0);
    expect(now.stderr).toMatch(/note: data from the store .* as known on 2999-12-31/);
    // Kenya: 348 KES at 100 KES per US$ (the fixture's rate) = 3.48 US$; GNI 2020 of 2000 -> 2.088 %.
    expect(now.stdout).toMatch(/^KEN,mobile-data-2gb,2021,Safaricom,Postpaid 2GB,KES,348,KES,348,3.48,8.7,2.088,gni_pc_atlas_usd,ok$/m);
  });

  it('before the first submission there is nothing to convert with: a clear error, exit 2', () => {
    const before = run([...compute, '--as-of', '2000-01-01']);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/nothing was in the store as of 2000-01-01/);
    expectNoStackTrace(before);
  });
});
