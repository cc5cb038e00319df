import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCrashCampaign } from '../../scripts/fuzz/crash.js';

const dir = mkdtempSync(join(tmpdir(), 'ictstat-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crash safety (SIGKILL at seeded random points)', () => {
  it('6 kills of `db submit` (40,000-row files) and 4 of the server taking submissions: every acknowledged submission whole, no partial one, restarts without a manual step', async () => {
    const lines: string[] = [];
    const r = await runCrashCampaign({ dir, seed: 20261128, cliKills: 6, serverKills: 4, log: (l) => lines.push(l) });
    process.stderr.write(`crash test: ${JSON.stringify({ ...r, problems: r.problems.length })}\n${lines.join('\n')}\n`);
    expect(r.problems).toEqual([]);
    expect(r.kills).toBe(10);
    expect(r.restarts).toBe(4);
    expect(r.acknowledged).toBeGreaterThan(0);
    expect(r.stored).toBeGreaterThanOrEqual(r.acknowledged);
  }, 120_000);
});
