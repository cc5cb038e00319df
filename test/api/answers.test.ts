/**
 * Answers from memory (src/api/answers.ts) and computations off the event loop (src/api/compute-worker.ts): the
 * work is counted (answers held and sent from memory, jobs and the thread that ran them, full builds on this thread
 * or in the worker), never timed.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerCache } from '../../src/api/answers.js';
import { pickEncoding } from '../../src/api/send.js';
import { BACKGROUND_NICE } from '../../src/api/priority.js';
import { WORKER_LIMITS } from '../../src/api/compute-pool.js';
import type { Worker } from 'node:worker_threads';
import { buildIndex, derivedTables, ObservationCache, packIndex, unpackIndex, type ObservationIndex } from '../../src/api/data.js';
import { Store } from '../../src/store/store.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import { startBundledServer, startServer, type TestServer } from './helpers.js';

/** Wait for work in flight (compression in libuv's pool, a worker job): polled, the assertion is on the work done, not on time. */
async function until(done: () => boolean, polls = 3_000): Promise<void> {
  for (let i = 0; i < polls && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(done()).toBe(true);
}

const answer = (bytes: number, tag = 's1') => ({ headers: { 'content-type': 'application/octet-stream' }, etag: '"x"', body: Buffer.alloc(bytes), tag });

describe('AnswerCache', () => {
  it('is bounded by bytes: the least recently used answers go first, and bytes never exceed the budget', () => {
    const c = new AnswerCache({ maxBytes: 10_000, maxEntryBytes: 5_000 });
    for (const k of ['a', 'b', 'c']) expect(c.set(k, answer(3_000))).toBe(true);
    expect(c.bytes).toBeLessThanOrEqual(10_000);
    expect(c.size).toBe(3);
    c.get('a'); // a is now the most recently used: b goes first
    c.set('d', answer(3_000));
    expect(c.stats.evictions).toBe(1);
    expect(c.get('b')).toBeUndefined();
    expect([c.get('a'), c.get('c'), c.get('d')].every(Boolean)).toBe(true);
    expect(c.bytes).toBeLessThanOrEqual(10_000);
    // An answer over the per-answer limit is not held.
    expect(c.set('big', answer(6_000))).toBe(false);
    expect(c.get('big')).toBeUndefined();
  });

  it('drops the answers of versions that are not current', () => {
    const c = new AnswerCache();
    c.set('x', answer(10, 's1'));
    c.set('y', answer(10, 's2'));
    c.set('z', answer(10, 'c1'));
    c.retain((t) => t === 's2' || t === 'c1');
    expect([c.get('x'), c.get('y'), c.get('z')].map(Boolean)).toEqual([false, true, true]);
    expect(c.stats.invalidated).toBe(1);
  });

  it('negotiates the encoding by Accept-Encoding (q=0 refuses; * accepts any)', () => {
    const e = { ...answer(10), gzip: Buffer.alloc(1), br: Buffer.alloc(1), bytes: 0 };
    expect(pickEncoding('gzip, deflate', e)).toBe('gzip');
    expect(pickEncoding('gzip, br', e)).toBe('br');
    expect(pickEncoding('br;q=0, gzip;q=0.5', e)).toBe('gzip');
    expect(pickEncoding('*', e)).toBe('br');
    expect(pickEncoding('identity', e)).toBeUndefined();
    expect(pickEncoding(undefined, e)).toBeUndefined();
    expect(pickEncoding('br', { ...e, br: undefined })).toBeUndefined();
  });
});

describe('a packed index (what the worker sends) unpacks to the same index', () => {
  it('every series, row field and vintage', async () => {
    const s = await startServer((store) => {
      const b = new ObservationBuilder();
      for (const [e, v] of [
        ['KEN', 1],
        ['UGA', 2],
      ] as const)
        for (let y = 2015; y <= 2018; y++) {
          b.append({ economy: e, indicator: 'fixed_bb_subs', year: y, value: v * 1000 + y, note: y === 2016 ? 'break' : null });
          b.append({ economy: e, indicator: 'population', year: y, value: v * 1e6 + y, source: 'UN' });
        }
      store.recordSubmission({ economy: null, submittedBy: 'test', sha256: 'pack', findings: null, table: b.toTable() });
    });
    try {
      const t = s.store.observationTable();
      const idx = buildIndex(t, derivedTables(t), s.store.version(), s.store);
      const dump = (i: ObservationIndex) =>
        [...i.rows].flatMap(([id, m]) =>
          [...m].map(([e, rows]) => [
            id,
            e,
            rows.map((r) => [i.economy[r], i.indicator[r], i.year[r], i.value[r], i.note[r], i.source[r], i.derivedFrom[r], i.submission[r]]),
          ]),
        );
      // the event loop is let go between batches (here of 5 rows, and of 5 series): one turn per batch after the first
      let turns = 0;
      const packed = packIndex(idx);
      const back = await unpackIndex(packed, s.store, {
        batch: 5,
        turn: async () => {
          turns++;
        },
      });
      expect(dump(back)).toEqual(dump(idx));
      const series = packed.series.length / 4;
      expect(packed.length).toBeGreaterThan(10);
      expect(turns).toBe(Math.ceil(packed.length / 5) - 1 + Math.ceil(series / 5) - 1);
      expect(dump(back).some(([id]) => id === 'fixed_bb_p100')).toBe(true); // a derived series came through
      expect([...back.vintages]).toEqual([...idx.vintages]);
      expect(back.lastUpdated).toBe(idx.lastUpdated);
    } finally {
      await s.close();
    }
  });
});

describe('the server answers from memory and computes off the event loop', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startBundledServer({ cache: { computedRefreshMs: 0 } });
  });
  afterAll(() => s.close());
  const get = (path: string, headers: Record<string, string> = {}) => fetch(s.base + path, { headers });

  it('the index was built in the data worker at start, not on the event loop', () => {
    expect(s.app.ictstatCache.stats.workerBuilds).toBe(1);
    expect(s.app.ictstatCache.stats.builds).toBe(0);
    expect(s.app.ictstatWorkers.data.stats.lastThreadId).not.toBe(threadId);
  });

  it('a second read is sent from memory (same bytes and ETag), compressed once; If-None-Match gets 304', async () => {
    const url = '/v2/country/KEN/indicator/internet_users_pct?format=json&date=2010:2020';
    const a = s.app.ictstatAnswers.stats;
    const [hits, misses] = [a.hits, a.misses];
    const first = await get(url);
    const body = await first.text();
    expect(a.misses).toBe(misses + 1);
    await until(() => a.encoded >= 2); // gzip and brotli of the held answer
    const second = await get(url);
    expect(await second.text()).toBe(body);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.headers.get('access-control-allow-origin')).toBe('*');
    expect(second.headers.get('x-content-type-options')).toBe('nosniff');
    expect(a.hits).toBe(hits + 1);
    // The encoded bytes, raw (undici would decode them): gzip of exactly the held body.
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:http').then(({ get: hget }) =>
        hget(s.base + url, { headers: { 'accept-encoding': 'gzip', accept: '*/*' } }, (res) => {
          expect(res.headers['content-encoding']).toBe('gzip');
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject),
      );
    });
    expect(gunzipSync(raw).toString()).toBe(body);
    const notModified = await get(url, { 'if-none-match': first.headers.get('etag')! });
    expect(notModified.status).toBe(304);
    expect(a.hits).toBe(hits + 3);
    expect(a.misses).toBe(misses + 1);
  });

  /** An answer's bytes as sent (not decoded), with its Content-Encoding. */
  const raw = (path: string, encoding: string) =>
    new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get: hget }) =>
        hget(s.base + path, { headers: { 'accept-encoding': encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
        }).on('error', reject),
      );
    });

  it('a small answer is encoded when it is held: its first request is sent encoded already (brotli of exactly the body)', async () => {
    const url = '/v2/country/GHA;KEN;UGA/indicator/internet_users_pct?format=json&date=2000:2020';
    const a = s.app.ictstatAnswers.stats;
    const [encoded, misses] = [a.encoded, a.misses];
    const first = await raw(url, 'br');
    expect(a.misses).toBe(misses + 1);
    expect(a.encoded).toBe(encoded + 2); // gzip and brotli, once, before the first answer left
    expect(first.encoding).toBe('br');
    // The bytes held, sent as they are: not compressed again for this answer by the compression plugin.
    const held = s.app.ictstatAnswers.peek(`s${s.app.ictstatCache.index().version}\n${url}\n`);
    expect(held?.br && Buffer.compare(held.br, first.body)).toBe(0);
    const plain = await raw(url, 'identity'); // the same request otherwise (same Accept): the same held answer
    expect(plain.encoding).toBeUndefined();
    const identity = plain.body.toString();
    expect(identity.length).toBeGreaterThan(1024);
    expect(brotliDecompressSync(first.body).toString()).toBe(identity);
    const second = await raw(url, 'gzip');
    expect(second.encoding).toBe('gzip');
    expect(gunzipSync(second.body).toString()).toBe(identity);
    expect(a.misses).toBe(misses + 1);
    expect(a.encoded).toBe(encoded + 2);
  });

  it('a larger answer is encoded once, in the pool: requests asked meanwhile wait for its bytes, none compressed apart', async () => {
    const url = '/v2/country/all/indicator/internet_users_pct?format=json&date=2000:2020&per_page=10000';
    const a = s.app.ictstatAnswers.stats;
    const [encoded, misses, hits] = [a.encoded, a.misses, a.hits];
    // The first request, then five more at once while its encodings are being made (2 jobs in libuv's pool).
    const first = raw(url, 'br');
    await until(() => a.misses === misses + 1 && s.app.ictstatAnswers.peek(`s${s.app.ictstatCache.index().version}\n${url}\n`) !== undefined);
    const rest = Array.from({ length: 5 }, (_, k) => raw(url, k % 2 ? 'gzip' : 'br'));
    const sent = await Promise.all([first, ...rest]);
    const held = s.app.ictstatAnswers.peek(`s${s.app.ictstatCache.index().version}\n${url}\n`)!;
    expect(held.body.length).toBeGreaterThan(s.app.ictstatAnswers.opts.syncEncodeBytes);
    expect(a.misses).toBe(misses + 1);
    expect(a.hits).toBe(hits + 5);
    expect(a.encoded).toBe(encoded + 2); // gzip and brotli, once for the six
    // Every one sent the held encoding's bytes: none was a compression stream of the plugin's own (other bytes).
    for (const [k, r] of sent.entries()) {
      const enc = k > 0 && k % 2 === 0 ? 'gzip' : 'br';
      expect(r.encoding).toBe(enc);
      expect(Buffer.compare(r.body, held[enc]!)).toBe(0);
    }
  });

  it('a held answer written at once (past the reply) has the headers the reply path gives it, in each encoding', async () => {
    const url = '/v2/country/KEN;UGA/indicator/internet_users_pct?format=json';
    const a = s.app.ictstatAnswers.stats;
    /** Status, headers (but the date) and body bytes as sent. */
    const sent = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        import('node:http').then(({ get: hget }) =>
          hget(s.base + url, { headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const { date: _, ...h } = res.headers;
              resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
            });
          }).on('error', reject),
        );
      });
    const made = await sent({});
    await until(() => s.app.ictstatAnswers.peek(`s${s.app.ictstatCache.index().version}\n${url}\n`)?.br !== undefined);
    for (const encoding of [undefined, 'gzip', 'br']) {
      const ae: Record<string, string> = encoding ? { 'accept-encoding': encoding } : {};
      const hits = a.hits;
      const fast = await sent(ae);
      // An If-None-Match that matches nothing: the same answer through the reply path (Fastify's, its onSend hooks).
      const reply = await sent({ ...ae, 'if-none-match': '"no such etag"' });
      expect(a.hits).toBe(hits + 2);
      expect(fast.status).toBe(200);
      expect(fast.headers).toEqual(reply.headers);
      expect(Buffer.compare(fast.body, reply.body)).toBe(0);
      expect(fast.headers['content-encoding']).toBe(encoding);
      if (!encoding) expect(fast.headers).toEqual(made.headers);
    }
  });

  it('an as-of answer of an earlier version is held across submissions; one as of now follows them', async () => {
    const token = s.store.createToken('GHA', 'answers-asof').token;
    const submit = async (value: number) => {
      const r = await fetch(`${s.base}/v2/submissions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: `economy,indicator,year,value\nGHA,internet_users_pct,2019,${value}\n`,
      });
      expect(r.status).toBe(201);
      return (await r.json()).submission.receivedAt as string;
    };
    const value = async (asof: string) =>
      (await (await get(`/v2/country/GHA/indicator/internet_users_pct?format=json&date=2019&asof=${asof}`)).json())[1][0].value;
    const at = encodeURIComponent(await submit(61.5));
    const later = '2100-01-01';
    expect(await value(at)).toBe(61.5); // the newest version: held under the store's version
    await submit(62.5);
    const a = s.app.ictstatAnswers.stats;
    const misses = a.misses;
    expect(await value(at)).toBe(61.5); // an earlier version now: made once, held under its own version
    expect(await value(later)).toBe(62.5);
    expect(a.misses).toBe(misses + 2);
    await submit(63.5);
    expect(await value(at)).toBe(61.5); // from memory, although the store moved on
    expect(a.misses).toBe(misses + 2);
    expect(await value(later)).toBe(63.5); // as of a later date: made again, the new value
    expect(a.misses).toBe(misses + 3);
  });

  it.runIf(process.platform === 'linux')('the computations run below the priority of the event loop (nice per thread on Linux)', async () => {
    await get('/v2/idi/idi-2017/2015');
    const nice = readdirSync('/proc/self/task').map((t) => {
      const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[16]);
    });
    expect(getPriority()).toBe(0); // this thread: the server's event loop
    // The data, sensitivity and submission workers (the last two started at the server's start).
    expect(nice.filter((n) => n === BACKGROUND_NICE).length).toBeGreaterThanOrEqual(2);
  });

  it('each computation worker runs with a bounded young generation (WORKER_LIMITS), seen from inside the worker', async () => {
    await get('/v2/idi/idi-2017/2014');
    const w = (s.app.ictstatWorkers.data as unknown as { worker: Worker | undefined }).worker;
    expect(w).toBeDefined();
    // The limits the worker's isolate was created with (Node reports them as the worker sees them).
    expect(w!.resourceLimits?.maxYoungGenerationSizeMb).toBe(WORKER_LIMITS.maxYoungGenerationSizeMb);
  });

  it('a submission drops the answers of the previous version: the next read has the new value', async () => {
    const token = s.store.createToken('KEN', 'answers').token;
    const url = '/v2/country/KEN/indicator/internet_users_pct?format=json&date=2021';
    const before = (await (await get(url)).json())[1][0].value;
    await get(url); // held
    const a = s.app.ictstatAnswers.stats;
    const invalidated = a.invalidated;
    const r = await fetch(`${s.base}/v2/submissions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: 'economy,indicator,year,value\nKEN,internet_users_pct,2021,77.5\n',
    });
    expect(r.status).toBe(201);
    expect(a.invalidated).toBeGreaterThan(invalidated);
    expect(before).not.toBe(77.5);
    expect((await (await get(url)).json())[1][0].value).toBe(77.5);
  });

  it('an IDI answer is computed in the data worker once per version; a year without data is computed once too', async () => {
    const w = s.app.ictstatWorkers.data.stats;
    const jobs = w.jobs;
    const [a, b] = await Promise.all([get('/v2/idi/idi-2017/2016'), get('/v2/idi/idi-2017/2016')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await a.text()).toBe(await b.text());
    expect(w.jobs).toBe(jobs + 1);
    expect(w.lastThreadId).not.toBe(threadId);
    await get('/v2/idi/idi-2017/1961');
    await get('/v2/idi/idi-2017/1961');
    expect(w.jobs).toBe(jobs + 2);
  });

  it('a sensitivity analysis is computed in the sensitivity worker, once for concurrent identical requests', async () => {
    const w = s.app.ictstatWorkers.sensitivity.stats;
    const jobs = w.jobs;
    const url = '/v2/idi/idi-2017/2016/sensitivity?draws=20&seed=11&format=csv';
    const all = await Promise.all([get(url), get(url), get(url)]);
    expect(all.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(w.jobs).toBe(jobs + 1);
    expect(w.lastThreadId).not.toBe(threadId);
    expect(w.lastThreadId).not.toBe(s.app.ictstatWorkers.data.stats.lastThreadId);
    await get(url);
    expect(w.jobs).toBe(jobs + 1);
  });

  it("after a submission, IDI reads get the previous version's answer at once (held while the new one is computed) until the new one is ready", async () => {
    const token = s.store.createToken('KOR', 'answers').token;
    const url = '/v2/idi/idi-2017/2016?format=csv';
    const old = await (await get(url)).text();
    const r = await fetch(`${s.base}/v2/submissions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: 'economy,indicator,year,value\nKOR,internet_users_pct,2016,1\n',
    });
    expect(r.status).toBe(201);
    const cache = s.app.ictstatCache.stats;
    const stale = cache.staleAnswers;
    const jobs = s.app.ictstatWorkers.data.stats.jobs;
    const stored = s.app.ictstatAnswers.stats.stored;
    expect(await (await get(url)).text()).toBe(old); // answered from the previous version, the new one started
    expect(cache.staleAnswers).toBe(stale + 1);
    expect(s.app.ictstatAnswers.stats.stored).toBe(stored + 1); // and held (until the new one is ready)
    expect(s.app.ictstatWorkers.data.stats.jobs).toBe(jobs + 1);
    await until(() => s.app.ictstatWorkers.data.queued === 0);
    for (let i = 0; i < 10; i++) await new Promise((res) => setImmediate(res)); // the answer's continuation runs on a later turn
    const now = await (await get(url)).text();
    expect(now).not.toBe(old); // Korea's internet users at 1 % moves its IDI: the held previous answer was dropped
    expect(s.app.ictstatWorkers.data.stats.jobs).toBe(jobs + 1);
  });
});

describe("the previous computed version's answers, held while the current one's is computed", () => {
  it('an answer held with a validity ends when the current computation is done, or fails (then asked again, computed again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ictstat-prev-'));
    const store = Store.open(join(dir, 't.db'));
    try {
      const cache = new ObservationCache(store);
      expect(
        await cache.memoLatest(
          1,
          'k',
          async () => 'v1',
          () => 2,
        ),
      ).toEqual({ value: 'v1', stale: false });
      let finish!: (v: string) => void;
      expect(
        await cache.memoLatest(
          2,
          'k',
          () => new Promise<string>((res) => (finish = res)),
          () => 2,
        ),
      ).toEqual({ value: 'v1', stale: true });
      expect(cache.computingInstead(2, 'k')).toBe(true);
      const answers = new AnswerCache();
      answers.set('c2\n/u\n', { ...answer(10, 'c2'), valid: () => cache.computingInstead(2, 'k') });
      expect(answers.get('c2\n/u\n')).toBeDefined(); // served from memory meanwhile
      finish('v2');
      await until(() => !cache.computingInstead(2, 'k'));
      expect(answers.get('c2\n/u\n')).toBeUndefined(); // dropped: the route answers the current version
      expect(answers.stats.invalidated).toBe(1);
      expect(
        await cache.memoLatest(
          2,
          'k',
          async () => 'never',
          () => 2,
        ),
      ).toEqual({ value: 'v2', stale: false });
      // a computation that fails (not deterministically: a worker that died) ends it too, and is started again
      expect(
        await cache.memoLatest(
          3,
          'k',
          () => Promise.reject(new Error('worker exited')),
          () => 2,
        ),
      ).toEqual({ value: 'v2', stale: true });
      await until(() => !cache.computingInstead(3, 'k'));
      let again = 0;
      await cache.memoLatest(
        3,
        'k',
        async () => `v3-${++again}`,
        () => 2,
      );
      expect(again).toBe(1);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the store's version is asked once per turn of the event loop", () => {
  it('a submission recorded by this thread is seen by the next read, in the same turn as a read before it', async () => {
    const seed = (value: number) => {
      const b = new ObservationBuilder();
      b.append({ economy: 'KEN', indicator: 'internet_users_pct', year: 2020, value });
      return b.toTable();
    };
    const s = await startServer((store) => void store.recordSubmission({ economy: null, submittedBy: 't', sha256: 'a', findings: null, table: seed(10) }));
    try {
      const url = '/v2/country/KEN/indicator/internet_users_pct?format=json&date=2020';
      const value = (r: { body: string }) => JSON.parse(r.body)[1][0].value;
      expect(value(await s.app.inject(url))).toBe(10);
      // One turn: a read (held answer, version asked), a write by another connection of this thread, a read.
      const [before, after] = await new Promise<[Promise<{ body: string }>, Promise<{ body: string }>]>((resolve) =>
        setImmediate(() => {
          const first = s.app.inject(url);
          process.nextTick(() => {
            s.store.recordSubmission({ economy: null, submittedBy: 'cli', sha256: 'b', findings: null, table: seed(55) });
            resolve([first, s.app.inject(url)]);
          });
        }),
      );
      expect(value(await before)).toBe(10);
      expect(value(await after)).toBe(55);
    } finally {
      await s.close();
    }
  });
});

describe('a very large change is built in the worker; reads meanwhile get the newest index held', () => {
  it('with maxIncrementalSeries 0 every new version is a full build: all in the worker, none on the event loop', async () => {
    const seed = (value: number) => {
      const b = new ObservationBuilder();
      for (const e of ['KEN', 'UGA', 'TZA']) b.append({ economy: e, indicator: 'internet_users_pct', year: 2020, value });
      return b.toTable();
    };
    const s = await startServer((store) => void store.recordSubmission({ economy: null, submittedBy: 't', sha256: 'a', findings: null, table: seed(10) }), {
      cache: { maxIncrementalSeries: 0 },
    });
    try {
      const token = s.store.createToken('KEN', 't').token;
      const r = await fetch(`${s.base}/v2/submissions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: 'economy,indicator,year,value\nKEN,internet_users_pct,2020,42\n',
      });
      expect(r.status).toBe(201);
      expect(s.app.ictstatCache.stats).toMatchObject({ builds: 0, workerBuilds: 2 });
      const j = await (await fetch(`${s.base}/v2/country/KEN/indicator/internet_users_pct?format=json&date=2020`)).json();
      expect(j[1][0].value).toBe(42);
      // Another writer (the CLI) stores a version behind the server's back: the read that sees it is answered from
      // the newest index held while the worker builds the new one; a later read has it.
      s.store.recordSubmission({ economy: null, submittedBy: 'cli', sha256: 'b', findings: null, table: seed(55) });
      const during = await (await fetch(`${s.base}/v2/country/UGA/indicator/internet_users_pct?format=json&date=2020`)).json();
      expect(during[1][0].value).toBe(10);
      await until(() => s.app.ictstatCache.stats.workerBuilds === 3);
      const after = await (await fetch(`${s.base}/v2/country/UGA/indicator/internet_users_pct?format=json&date=2020`)).json();
      expect(after[1][0].value).toBe(55);
      expect(s.app.ictstatCache.stats.builds).toBe(0);
    } finally {
      await s.close();
    }
  });
});
