/**
 * `npm run fuzz [-- --runs 100000] [--seed N] [--target NAME]`: every parser and loader under generated and
 * mutated inputs. The runs are shared out over the targets in proportion to their weight; a failing input
 * is kept in test/fuzz/regressions/ (the test suite replays it) and the exit code is 1.
 */
import { parseArgs } from 'node:util';
import { TARGETS, fuzzTarget } from './fuzz/targets.js';

const { values: flags } = parseArgs({
  options: { runs: { type: 'string', default: '100000' }, seed: { type: 'string' }, target: { type: 'string', default: '' } },
});
const total = Number(flags.runs);
const seed = Number(flags.seed ?? Date.now() % 2 ** 31);
const only = flags.target!;
const WEIGHTS: Record<string, number> = {
  'csv-bounds': 1,
  'ingest-csv': 4,
  'ingest-json': 2,
  'ingest-arrow': 1,
  methodology: 1,
  basket: 1,
  tariffs: 1,
  grouping: 1,
  'api-query': 3,
  'api-submission': 1,
};
const targets = TARGETS.filter((t) => !only || t.name === only);
if (targets.length === 0) {
  console.error(`no target "${only}"; targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const weightSum = targets.reduce((a, t) => a + (WEIGHTS[t.name] ?? 1), 0);
let failed = false;
const started = Date.now();
const rss0 = process.memoryUsage().rss;
let executed = 0;
for (const t of targets) {
  const runs = Math.max(1, Math.round((total * (WEIGHTS[t.name] ?? 1)) / weightSum));
  const t0 = Date.now();
  const r = await fuzzTarget(t, runs, seed);
  executed += r.runs;
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `${t.name.padEnd(14)} ${String(r.runs).padStart(7)} inputs  ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  rss ${rss.toFixed(0)} MiB  ${r.failure ? 'FAILED: ' + r.failure.split('\n')[0] : 'ok'}`,
  );
  if (r.failure) failed = true;
}
console.log(
  `seed ${seed}; ${executed} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s; rss grew ${((process.memoryUsage().rss - rss0) / 2 ** 20).toFixed(0)} MiB`,
);
console.log(`fuzz: ${failed ? 0 : targets.length} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);
