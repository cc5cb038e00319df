import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, ictstat } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ictstat-dbcli-'));
process.env.ICTSTAT_DB = join(dir, 'cli.db'); // the spawned CLI inherits it
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, body: string): string => {
  const f = join(dir, name);
  writeFileSync(f, body);
  return f;
};

describe('ictstat db / token / --as-of', () => {
  it('submits revisions and reproduces the earlier one with series --as-of', async () => {
    const v1 = ictstat(['db', 'submit', file('v1.csv', 'economy,indicator,year,value\nKEN,IT.NET.USER.ZS,2023,30\n'), '--economy', 'ke']);
    expect(v1.code, v1.stderr).toBe(0);
    expect(v1.stderr).toMatch(/stored as submission #1/);
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const v2 = ictstat(['db', 'submit', file('v2.csv', 'economy,indicator,year,value\nKEN,internet_users_pct,2023,31.5\n'), '--vintage', '2025-Q1']);
    expect(v2.code, v2.stderr).toBe(0);

    const now = ictstat(['series', '--economy', 'KEN', '--indicator', 'i99H']);
    expect(now.stdout).toMatch(/^2023,31\.5,/m);
    const then = ictstat(['series', '--economy', 'KEN', '--indicator', 'i99H', '--as-of', between]);
    expect(then.code, then.stderr).toBe(0);
    expect(then.stdout).toMatch(/^2023,30,/m);

    const early = ictstat(['series', '--economy', 'KEN', '--indicator', 'i99H', '--as-of', '2000-01-01']);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/nothing was in the store as of 2000-01-01/);
    const bad = ictstat(['series', '--economy', 'KEN', '--indicator', 'i99H', '--as-of', 'last week']);
    expect(bad.code).toBe(2);
    expectNoStackTrace(bad);
  });

  it('a rejected submission exits 2 and leaves the store unchanged; another economy is refused', () => {
    const before = ictstat(['db', 'status', '--json']);
    const r = ictstat(['db', 'submit', file('bad.csv', 'economy,indicator,year,value\nKEN,internet_users_pct,2023,abc\n')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/bad\.csv:2: error: .*not-a-number/);
    const f = ictstat(['db', 'submit', file('uga.csv', 'economy,indicator,year,value\nUGA,internet_users_pct,2023,20\n'), '--economy', 'KEN']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/holds rows of UGA, not only KEN/);
    const { refusedSubmissions: refusedBefore, ...dataBefore } = JSON.parse(before.stdout);
    const { refusedSubmissions: refusedAfter, ...dataAfter } = JSON.parse(ictstat(['db', 'status', '--json']).stdout);
    expect(dataAfter).toEqual(dataBefore); // no data written
    expect(refusedAfter).toBe(refusedBefore + 2); // both refusals recorded (who, when, hash, why)
  });

  it('creates, lists and revokes tokens; the token is printed once and never listed', () => {
    const c = ictstat(['token', 'create', '--economy', 'KEN', '--label', 'test']);
    expect(c.code, c.stderr).toBe(0);
    const token = c.stdout.trim();
    expect(token).toMatch(/^ict_/);
    const list = ictstat(['token', 'list', '--format', 'json']);
    expect(list.stdout).not.toContain(token);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: 1, economy: 'KEN', revokedAt: null })]);
    expect(ictstat(['token', 'revoke', '1']).code).toBe(0);
    const again = ictstat(['token', 'revoke', '1']);
    expect(again.code).toBe(2);
    expect(ictstat(['token', 'create', '--economy', 'XXX']).stderr).toMatch(/unknown economy "XXX"/);
  });
});
