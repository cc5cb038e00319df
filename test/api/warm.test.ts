/**
 * The server warm before it listens (src/api/warm.ts, `ictstatWarm`, as `ictstat serve` calls it): the common
 * answers of the current version made and held, the workers started, the latest as-of versions' indexes made, and
 * none of it counted against a client's budget. Counted, never timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { WARM } from '../../src/api/warm.js';
import { Store } from '../../src/store/store.js';
import { loadBundledIntoStore } from '../../src/store/submit.js';
import { ObservationBuilder } from '../../src/table/observations.js';

describe('a server warmed before it listens', () => {
  let dir: string, store: Store, app: FastifyInstance, base: string;
  let warmed: Awaited<ReturnType<FastifyInstance['ictstatWarm']>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ictstat-warm-'));
    store = Store.open(join(dir, 'warm.db'));
    await loadBundledIntoStore(store);
    // Three later revisions: as-of versions before the newest.
    for (let k = 0; k < 3; k++) {
      const b = new ObservationBuilder();
      b.append({ economy: ['KEN', 'GHA', 'FRA'][k], indicator: 'internet_users_pct', year: 2020, value: 40 + k });
      store.recordSubmission({ economy: null, submittedBy: 'warm', sha256: `warm-${k}`, findings: null, table: b.toTable() });
      await new Promise((r) => setTimeout(r, 5));
    }
    app = await buildServer({ store, logger: false });
    warmed = await app.ictstatWarm();
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('made the answers before any client: the IDI years, an analysis, series, the as-of versions', () => {
    expect(warmed.failed).toBe(0);
    expect(warmed.requests).toBeGreaterThan(WARM.idiYears);
    expect(app.ictstatAnswers.stats.stored).toBe(warmed.requests); // every answer made is held
    expect(app.ictstatWorkers.data.stats.jobs).toBeGreaterThanOrEqual(1 + WARM.idiYears); // the index build and the years
    expect(app.ictstatWorkers.sensitivity.stats.started).toBe(1);
    expect(app.ictstatCache.size).toBeGreaterThanOrEqual(1 + 3); // the current version and the three before it
  });

  it('counted against no client: the budget has seen nobody', () => {
    expect(app.ictstatBudget?.clients).toBe(0);
    expect(app.ictstatBudget?.stats.admitted).toBe(0);
  });

  it("the first client's IDI read is sent from memory; its as-of read needs no index moved", async () => {
    const hits = app.ictstatAnswers.stats.hits;
    const jobs = app.ictstatWorkers.data.stats.jobs;
    expect((await fetch(`${base}/v2/idi/idi-2017/latest`)).status).toBe(200);
    expect((await fetch(`${base}/v2/idi/idi-2017/2016`)).status).toBe(200);
    expect(app.ictstatAnswers.stats.hits).toBe(hits + 2);
    expect(app.ictstatWorkers.data.stats.jobs).toBe(jobs); // nothing computed for them
    const idx = app.ictstatCache.size;
    const updates = app.ictstatCache.stats.updates;
    const asOf = store.submissions(3)[2].receivedAt;
    expect((await fetch(`${base}/v2/country/KEN/indicator/internet_users_pct?format=json&asof=${encodeURIComponent(asOf)}`)).status).toBe(200);
    expect(app.ictstatCache.size).toBe(idx);
    expect(app.ictstatCache.stats.updates).toBe(updates); // the as-of index was made before the first client
  });

  it('refuses to warm once it listens (its requests would go uncounted)', async () => {
    await expect(app.ictstatWarm()).rejects.toThrow(/before it listens/);
  });
});
