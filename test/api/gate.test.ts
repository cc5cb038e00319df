/**
 * Issue 13: the anonymous computations (IDI years, sensitivity analyses, as-of versions, report builds, estimates)
 * take one core's worth at a time (gate.ts): the others wait in turn, a bounded queue, beyond it 503 with
 * Retry-After; and the server's open connections are bounded in all and per address (connections.ts). Counted
 * (computations admitted, waiting, refused; connections accepted and closed), never timed.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_LIMITS } from '../../src/api/connections.js';
import { COMPUTE_GATE, ComputeGate } from '../../src/api/gate.js';
import { ApiError } from '../../src/api/errors.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import type { Store } from '../../src/store/store.js';
import { expectWbError, startBundledServer, startServer, type TestServer } from './helpers.js';

/** A computation the test ends when it wants. */
function held(): { work: () => Promise<string>; started: () => boolean; end: (v: string) => void } {
  let resolve: (v: string) => void = () => undefined;
  let started = false;
  const p = new Promise<string>((r) => (resolve = r));
  return {
    work: () => {
      started = true;
      return p;
    },
    started: () => started,
    end: (v) => resolve(v),
  };
}
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};
/** Wait until `cond` holds (what it waits for is I/O of this process: a wait, not a bound that is tested). */
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 2_000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('the gate of the anonymous computations', () => {
  it('one at a time by default; the others wait in the order they came', async () => {
    expect(COMPUTE_GATE.running).toBe(1);
    const g = new ComputeGate();
    const [a, b, c] = [held(), held(), held()];
    const ra = g.run('idi', a.work),
      rb = g.run('sensitivity', b.work),
      rc = g.run('idi', c.work);
    await turns();
    expect([a.started(), b.started(), c.started()]).toEqual([true, false, false]);
    expect([g.running, g.queued]).toEqual([1, 2]);
    a.end('a');
    expect(await ra).toBe('a');
    await turns();
    expect([b.started(), c.started()]).toEqual([true, false]);
    expect([g.running, g.queued]).toEqual([1, 1]);
    b.end('b');
    c.end('c');
    expect([await rb, await rc]).toEqual(['b', 'c']);
    expect([g.running, g.queued]).toEqual([0, 0]);
    expect(g.stats).toMatchObject({ admitted: 3, waited: 2, refused: 0, maxQueued: 2, byKind: { idi: 2, sensitivity: 1 } });
  });

  it('a failed computation frees its turn', async () => {
    const g = new ComputeGate();
    await expect(g.run('idi', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      g.run('idi', () => {
        throw new Error('at once');
      }),
    ).rejects.toThrow('at once');
    expect([g.running, g.queued]).toEqual([0, 0]);
    expect(await g.run('idi', async () => 1)).toBe(1);
  });

  it('beyond the queue, and beyond a kind bound: 503 with Retry-After, nothing started', async () => {
    const g = new ComputeGate({ maxQueued: 2, retryAfterS: 7 });
    const hs = [held(), held(), held()];
    const runs = hs.map((h) => g.run('idi', h.work));
    const refused = held();
    const e = await g.run('idi', refused.work).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(503);
    expect((e as ApiError).extra).toEqual({ retryAfter: 7 });
    // Two sensitivity analyses at most (running or waiting), whatever room the queue has.
    const k = new ComputeGate();
    const ks = [held(), held()];
    const kr = ks.map((h) => k.run('sensitivity', h.work, 2));
    await expect(k.run('sensitivity', held().work, 2)).rejects.toMatchObject({ status: 503 });
    expect(k.stats.refused).toBe(1);
    for (const h of [...hs, ...ks]) h.end('x');
    await Promise.all([...runs, ...kr]);
    expect(refused.started()).toBe(false);
    expect(g.stats).toMatchObject({ admitted: 3, refused: 1 });
    // Its bound counts the kind's running or waiting only: room again once they end.
    expect(await k.run('sensitivity', async () => 'again', 2)).toBe('again');
  });
});

describe('the server: computations through the gate, in worker threads', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startBundledServer();
  });
  afterAll(() => s.close());

  it('IDI years and an analysis asked at once: one at a time, each in its worker (not the main thread)', async () => {
    const g = s.app.ictstatGate;
    const urls = ['/v2/idi/idi-2017/2014', '/v2/idi/idi-2017/2015', '/v2/idi/idi-2017/2016', '/v2/idi/idi-2017/2016/sensitivity?draws=20&seed=3'];
    // The gate held meanwhile: all four wait their turn, then run one at a time.
    const first = held();
    const holding = g.run('test', first.work);
    const asked = Promise.all(urls.map((u) => fetch(s.base + u)));
    await until(() => g.queued >= 4);
    expect([g.running, g.queued]).toEqual([1, 4]);
    first.end('x');
    await holding;
    const rs = await asked;
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(g.stats).toMatchObject({ waited: 4, maxQueued: 4, byKind: { idi: 3, sensitivity: 1 } });
    expect([g.running, g.queued]).toEqual([0, 0]);
    expect(s.app.ictstatWorkers.data.stats.lastThreadId).toBeGreaterThan(0);
    expect(s.app.ictstatWorkers.sensitivity.stats.lastThreadId).toBeGreaterThan(0);
    // Held: asked again, nothing passes the gate.
    const before = g.stats.admitted;
    expect((await fetch(`${s.base}/v2/idi/idi-2017/2015`)).status).toBe(200);
    expect(g.stats.admitted).toBe(before);
  });
});

describe('as-of versions through the gate; the server full: 503', () => {
  let s: TestServer;
  const dates: string[] = [];
  beforeAll(async () => {
    s = await startServer(
      (store: Store) => {
        for (let k = 0; k < 4; k++) {
          const b = new ObservationBuilder();
          for (let y = 2015; y <= 2022; y++) b.append({ economy: ['KEN', 'GHA', 'FRA', 'BRA'][k], indicator: 'internet_users_pct', year: y, value: 40 + k });
          const r = store.recordSubmission({
            economy: null,
            submittedBy: 'test',
            sha256: `g${k}`,
            findings: null,
            table: b.toTable(),
            receivedAt: new Date(Date.UTC(2021, 0, 1 + k)),
          });
          dates.push(r.submission.receivedAt);
        }
      },
      { gate: { maxQueued: 0 } },
    );
  });
  afterAll(() => s.close());

  it('an uncached as-of version is a computation of the gate; while the gate is taken and has no queue: 503 + Retry-After', async () => {
    const g = s.app.ictstatGate;
    const url = (k: number) => `${s.base}/v2/country/KEN/indicator/internet_users_pct?format=json&asof=${encodeURIComponent(dates[k])}`;
    expect((await fetch(url(0))).status).toBe(200);
    expect(g.stats.byKind.asof).toBe(1);
    // Its delta read in the data worker, applied on the event loop.
    expect(s.app.ictstatCache.stats).toMatchObject({ workerDeltas: 1, builds: 0 });
    expect(s.app.ictstatWorkers.data.stats.lastThreadId).toBeGreaterThan(0);
    // Another computation holds the gate (its queue is 0 here): the as-of version is refused, not made.
    const other = held();
    const running = g.run('other', other.work);
    const r = await fetch(url(1));
    expect(r.headers.get('retry-after')).toBe(String(COMPUTE_GATE.retryAfterS));
    expect(await expectWbError(r, 503)).toMatch(/computations are running or waiting/);
    expect(g.stats).toMatchObject({ refused: 1, byKind: { asof: 1, other: 1 } });
    other.end('done');
    await running;
    // The gate free: made (and not refused again).
    expect((await fetch(url(1))).status).toBe(200);
    expect(g.stats).toMatchObject({ refused: 1, byKind: { asof: 2 } });
  });
});

describe('connections bounded', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startBundledServer({ connections: { perAddress: 3 } });
  });
  afterAll(() => s.close());

  /** A connection that has had an answer (so the server has seen it), kept open. */
  const answered = (port: number): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const c = connect(port, '127.0.0.1');
      c.once('error', reject);
      c.once('connect', () => c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      c.once('data', () => resolve(c));
    });

  it("the total is Node's maxConnections; one address beyond its bound is closed at once; room again when one closes", async () => {
    expect(s.app.server.maxConnections).toBe(CONNECTION_LIMITS.maxConnections);
    const port = Number(new URL(s.base).port);
    const stats = s.app.ictstatConnections;
    const accepted0 = stats.accepted;
    const open = [await answered(port), await answered(port), await answered(port)];
    expect(stats.accepted - accepted0).toBe(3);
    // The fourth: closed by the server before it reads a byte.
    const fourth = connect(port, '127.0.0.1');
    const closed = await new Promise<boolean>((resolve) => {
      fourth.once('close', () => resolve(true));
      fourth.once('data', () => resolve(false));
      fourth.once('connect', () => fourth.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      fourth.on('error', () => undefined);
    });
    expect(closed).toBe(true);
    expect(stats.refusedPerAddress).toBe(1);
    // One closes: once the server has seen it close, a new one is served.
    const before = stats.open;
    open[0].destroy();
    await until(() => stats.open < before);
    expect(stats.open).toBe(before - 1);
    open.push(await answered(port));
    expect(stats.accepted - accepted0).toBe(4);
    expect(stats.refusedPerAddress).toBe(1);
    for (const c of open) c.destroy();
  });
});
