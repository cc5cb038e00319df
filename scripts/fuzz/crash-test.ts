/**
 * `npm run crash-test [-- --kills 100] [--seed N]`: the crash-safety campaign of test/crash at length.
 * Half the kills hit `ictstat db submit` of 40,000-row files, half the server taking POST submissions.
 * Exit 1 when any check fails (every problem is printed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashCampaign } from './crash.js';

const { values: flags } = parseArgs({ options: { kills: { type: 'string', default: '100' }, seed: { type: 'string' } } });
const kills = Number(flags.kills);
const seed = Number(flags.seed ?? Date.now() % 2 ** 31);
const dir = mkdtempSync(join(tmpdir(), 'ictstat-crash-test-'));
const t0 = Date.now();
try {
  const r = await runCrashCampaign({ dir, seed, cliKills: Math.ceil(kills / 2), serverKills: Math.floor(kills / 2), log: (l) => console.log(l) });
  console.log(
    `seed ${seed}: ${r.kills} kills, ${r.restarts} server restarts, ${r.sent} submissions sent, ${r.acknowledged} acknowledged, ${r.stored} stored ` +
      `(${r.storedUnacknowledged} stored but killed before the answer), in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  for (const p of r.problems) console.log(`PROBLEM: ${p}`);
  console.log(`crash-test: ${r.problems.length ? 0 : 1} passed, ${r.problems.length ? 1 : 0} failed`);
  process.exitCode = r.problems.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
