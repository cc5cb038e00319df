import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ictstatAsync } from '../idi/helpers.js';
import { MAX_WAITING } from '../../src/api/sensitivity.js';
import { expectWbError, startBundledServer, type TestServer } from './helpers.js';

// The bundled data in a store, as `npm start` serves it.
let s: TestServer;
beforeAll(async () => {
  // The worker's queue bounds are what this file tests: one client asks for many analyses at once, which the
  // per-client budget (budget.test.ts) would refuse first.
  s = await startBundledServer({ clientBudget: false });
});
afterAll(() => s.close());
const get = (path: string): Promise<Response> => fetch(s.base + path);

describe('/v2/idi/{methodology}/{year}/sensitivity', () => {
  it('answers what `ictstat idi sensitivity` computes over the same data (CSV byte for byte), and JSON with names and factors', async () => {
    const [api, cli] = await Promise.all([
      get('/v2/idi/idi-2017/2016/sensitivity?draws=40&seed=7&format=csv'),
      ictstatAsync(['idi', 'sensitivity', '--methodology', 'idi-2017', '--year', '2016', '--draws', '40', '--seed', '7', '--format', 'csv']),
    ]);
    expect(api.status).toBe(200);
    expect(api.headers.get('content-type')).toMatch(/text\/csv/);
    expect(cli.code).toBe(0);
    expect(await api.text()).toBe(cli.stdout);

    const r = await (await get('/v2/idi/IDI-2017/2016/sensitivity?draws=40&seed=7')).json();
    expect(r).toMatchObject({ methodology: 'idi-2017', year: 2016, draws: 40, seed: 7, scenarios: 40 * (r.factors.length + 2) });
    expect(r.factors.map((f: { name: string }) => f.name)).toContain('drop-one-indicator');
    const kor = r.economies.find((e: { economy: string }) => e.economy === 'KOR');
    expect(kor).toMatchObject({ name: 'Republic of Korea (the)', rank: 1 });
    expect(kor.p05).toBeLessThanOrEqual(kor.medianRank);
    expect(kor.medianRank).toBeLessThanOrEqual(kor.p95);
    expect(JSON.stringify(r)).not.toMatch(/\/tmp\/|\/src\//);
  });

  it('an unranked methodology (idi-2024): score intervals by default, as the CLI computes them; its ranks only with ranks=true, labelled as ours', async () => {
    const [api, cli] = await Promise.all([
      get('/v2/idi/idi-2024/2022/sensitivity?draws=20&seed=3&format=csv'),
      ictstatAsync(['idi', 'sensitivity', '--methodology', 'idi-2024', '--year', '2022', '--draws', '20', '--seed', '3', '--format', 'csv']),
    ]);
    expect(api.status).toBe(200);
    const csv = await api.text();
    expect(csv).toBe(cli.stdout);
    expect(csv.split('\n')[0]).toMatch(/^economy,name,score,median_score,p05_score,p95_score,sd,/);
    expect(csv.split('\n')[0]).not.toMatch(/rank/);
    const ranks = await (await get('/v2/idi/idi-2024/2022/sensitivity?draws=20&seed=3&ranks=true')).json();
    expect(ranks).toMatchObject({ measure: 'rank', ranksAreOurs: true });
  });

  it('options change the answer; the same options give the same answer', async () => {
    const a = await (await get('/v2/idi/idi-2017/2016/sensitivity?draws=30&seed=1&format=csv')).text();
    const b = await (await get('/v2/idi/idi-2017/2016/sensitivity?draws=30&seed=2&format=csv')).text();
    const c = await (await get('/v2/idi/idi-2017/2016/sensitivity?draws=30&seed=1&format=csv')).text();
    const d = await (await get('/v2/idi/idi-2017/2016/sensitivity?draws=30&seed=1&drop=false&imputation=false&weights=uniform&band=0.1&format=csv')).text();
    expect(a).toBe(c);
    expect(a).not.toBe(b);
    expect(d.split('\n')[0]).not.toMatch(/drop-one-indicator|imputation/);
  });

  it('bad options: 400 in the World Bank envelope, naming the parameter', async () => {
    expect(await expectWbError(await get('/v2/idi/idi-2017/2016/sensitivity?draws=0'), 400)).toMatch(/draws/);
    expect(await expectWbError(await get('/v2/idi/idi-2017/2016/sensitivity?draws=20000'), 400)).toMatch(/draws.*10,000/);
    expect(await expectWbError(await get('/v2/idi/idi-2017/2016/sensitivity?weights=normal'), 400)).toMatch(/weights/);
    expect(await expectWbError(await get('/v2/idi/idi-2017/2016/sensitivity?concentration=-1'), 400)).toMatch(/concentration/);
    expect(await expectWbError(await get('/v2/idi/idi-2017/2016/sensitivity?band=1.5'), 400)).toMatch(/band/);
    expect(await expectWbError(await get('/v2/idi/idi-2017/2016/sensitivity?draws=10&normalisations=methodology,cubic'), 400)).toMatch(/cubic/);
    expect(await expectWbError(await get('/v2/idi/idi-2017/2016/sensitivity?drop=perhaps'), 400)).toMatch(/drop/);
    expect(await expectWbError(await get('/v2/idi/no-such-index/2016/sensitivity'), 404)).toMatch(/unknown methodology/);
    expect(await expectWbError(await get('/v2/idi/idi-2017/2016/sensitivity?seed=4294967296'), 400)).toMatch(/seed/);
    expect((await get('/v2/idi/idi-2017/2016/sensitivity?draws=10&seed=4294967295')).status).toBe(200); // the largest seed, as the CLI takes it
  });

  it('the Monte Carlo runs on worker threads: the server answers other requests meanwhile', async () => {
    const order: string[] = [];
    const big = get('/v2/idi/idi-2017/2016/sensitivity?draws=8000&seed=3').then(async (r) => {
      await r.arrayBuffer();
      order.push('sensitivity');
      return r.status;
    });
    await new Promise((r) => setTimeout(r, 400)); // past the preparation on the main thread, into the Monte Carlo
    const series = await get('/v2/country/KEN/indicator/IT.NET.USER.ZS?date=2024');
    order.push('series');
    expect(series.status).toBe(200);
    expect(await big).toBe(200);
    expect(order).toEqual(['series', 'sensitivity']);
  }, 60_000);

  it('one analysis runs and at most MAX_WAITING wait: more get 503 with Retry-After; those accepted all answer', async () => {
    const urls = Array.from({ length: MAX_WAITING + 3 }, (_, k) => `/v2/idi/idi-2017/2016/sensitivity?draws=1500&seed=${1000 + k}&format=csv`);
    const answers = await Promise.all(urls.map((u) => get(u)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((x) => x === 200).length).toBe(MAX_WAITING + 1);
    expect(statuses.filter((x) => x === 503).length).toBe(2);
    const busy = answers.find((r) => r.status === 503)!;
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(await expectWbError(busy, 503, '503')).toMatch(/retry/);
  }, 60_000);
});
