/**
 * The computation workers' heaps are bounded (workerHeapLimits in server.ts, workerLimits in compute-pool.ts): a
 * worker that goes beyond its limit is stopped by V8, the request gets 503 with Retry-After (not a 500, not a
 * crash), the server goes on answering, and the next job starts a new worker. Counted (workers started, stopped
 * for memory), never timed.
 */
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_BASE_OLD_MB, WORKER_LIMITS } from '../../src/api/compute-pool.js';
import { CACHE_DEFAULTS } from '../../src/api/data.js';
import { workerHeapLimits } from '../../src/api/server.js';
import { DEFAULT_SUBMISSION_LIMITS } from '../../src/api/submissions.js';
import { expectWbError, startBundledServer, type TestServer } from './helpers.js';

const MiB = 2 ** 20;

describe('computation workers with bounded heaps', () => {
  it('the old generations are sized from the caches and the body limit, in one place', () => {
    const l = workerHeapLimits();
    expect(l.data.maxOldGenerationSizeMb).toBe(WORKER_BASE_OLD_MB + (CACHE_DEFAULTS.maxBytes + CACHE_DEFAULTS.maxComputedBytes) / MiB);
    expect(l.sensitivity.maxOldGenerationSizeMb).toBe(l.data.maxOldGenerationSizeMb);
    expect(l.submission.maxOldGenerationSizeMb).toBe(WORKER_BASE_OLD_MB + (8 * DEFAULT_SUBMISSION_LIMITS.maxBodyBytes) / MiB);
    for (const w of Object.values(l)) expect(w.maxYoungGenerationSizeMb).toBe(WORKER_LIMITS.maxYoungGenerationSizeMb);
    // A larger body limit (serve --max-body) gives the submission worker room for it.
    expect(workerHeapLimits({}, 64 * MiB).submission.maxOldGenerationSizeMb).toBe(WORKER_BASE_OLD_MB + 8 * 64);
  });

  let s: TestServer;
  beforeAll(async () => {
    // The sensitivity worker's heap far below what an analysis needs; the others at their defaults.
    s = await startBundledServer({ workerLimits: { sensitivity: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 } } });
  });
  afterAll(() => s.close());

  it('the workers run with those limits (as their isolates report them)', async () => {
    expect((await fetch(`${s.base}/v2/idi/idi-2017/2015`)).status).toBe(200);
    const w = (s.app.ictstatWorkers.data as unknown as { worker: Worker | undefined }).worker;
    expect(w?.resourceLimits?.maxOldGenerationSizeMb).toBe(workerHeapLimits().data.maxOldGenerationSizeMb);
    // Each answer reports the worker's heap (what the soak's memory breakdown counts per thread), within its limit.
    const h = s.app.ictstatWorkers.data.stats.heap!;
    expect(h.used).toBeGreaterThan(0);
    expect(h.used).toBeLessThanOrEqual(h.total);
    expect(h.total).toBeLessThan((workerHeapLimits().data.maxOldGenerationSizeMb + 3 * WORKER_LIMITS.maxYoungGenerationSizeMb) * MiB);
  });

  it('a worker beyond its limit: 503 with Retry-After, the server goes on, the next job starts a new worker', async () => {
    const stats = s.app.ictstatWorkers.sensitivity.stats;
    const r = await fetch(`${s.base}/v2/idi/idi-2017/2016/sensitivity?draws=50&seed=1`);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(await expectWbError(r, 503)).toMatch(/memory limit/);
    expect(stats.outOfMemory).toBe(1);
    expect(stats.started).toBe(1);
    // The server and its other workers are unaffected.
    expect((await fetch(`${s.base}/v2/idi/idi-2017/2016`)).status).toBe(200);
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
    // Not kept as the answer: asking again runs it again, in a new worker (beyond the limit again, here).
    expect((await fetch(`${s.base}/v2/idi/idi-2017/2016/sensitivity?draws=50&seed=1`)).status).toBe(503);
    expect(stats.started).toBe(2);
    expect(stats.outOfMemory).toBe(2);
  });
});
