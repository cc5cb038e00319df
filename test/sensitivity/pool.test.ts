import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { ScenarioPool } from '../../src/idi/sensitivity-pool.js';
import { drawWeights, rankStatistics, rankStatisticsWidth, scenarioRanks, type ScenarioSetup } from '../../src/idi/sensitivity-core.js';
import { compile, leaf, node } from '../idi/helpers.js';
import { mulberry32 } from '../../src/util/random.js';

/** A small setup: 3 leaves under 2 nodes, 40 economies, weights and drop-one factors. */
function setupOf(seed: number): ScenarioSetup {
  const m = compile([
    node('a', 0.5, [leaf('internet_users_pct', { method: 'ratio', reference: 100 }, 0.5), leaf('hh_internet_pct', { method: 'ratio', reference: 100 }, 0.5)]),
    node('b', 0.5, [leaf('fixed_tel_p100', { method: 'ratio', reference: 60 }, 1)]),
  ]);
  const rand = mulberry32(seed),
    nE = 40,
    L = m.firstNode;
  const imputed = Float64Array.from({ length: L * nE }, () => rand() * 100);
  return {
    m,
    economies: nE,
    imputed,
    raw: imputed.map((x) => (rand() < 0.1 ? NaN : x)),
    active: new Uint8Array(nE).fill(1),
    baseWeights: Float64Array.from(m.weight),
    factors: [
      { kind: 'weights', name: 'weights:a', node: m.ids.indexOf('a') },
      { kind: 'weights', name: 'weights:root', node: m.parent.length - 1 },
      { kind: 'imputation', name: 'imputation' },
      { kind: 'drop', name: 'drop' },
    ],
    weightMode: 'dirichlet',
    concentration: 20,
    band: 0.25,
    normalisations: [255],
    droppable: [0, 1, 2],
    renormalise: true,
    seed,
  };
}
const uOf = (S: number, d: number, seed: number): Float64Array => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: S * d }, r);
};
const workersOf = (p: ScenarioPool): Worker[] => (p as unknown as { workers: Worker[] }).workers;

let pool: ScenarioPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('the scenario pool', () => {
  it('rank statistics: one worker (ranks and statistics in one range) and two (ranges of economies over the shared ranks) equal one thread', async () => {
    const setup = setupOf(3),
      d = setup.factors.length,
      Nd = 250,
      S = Nd * (d + 2),
      u = uOf(S, d, 3);
    const expected = new Float64Array(setup.economies * rankStatisticsWidth(d));
    rankStatistics(scenarioRanks(setup, u, 0, S), setup.economies, Nd, d, 0, setup.economies, expected);
    for (const threads of [1, 2]) {
      pool = await ScenarioPool.start(threads);
      expect(Array.from(await pool.rankStatistics(setup, u, S, Nd))).toEqual(Array.from(expected));
      await pool.close();
      pool = undefined;
    }
  });

  it('rank statistics by hand: 2 economies, N = 2 base draws, one factor (rows A, A, B, B, AB, AB; 0 = unranked = last)', () => {
    // economy 0: A = 1, 2; B = 2, 0 (-> 2); AB = 2, 1. economy 1: A = 2, 1; B = 1, 2; AB = 1, 0 (-> 2)
    const ranks = Int32Array.from([1, 2, 2, 1, 2, 1, 0, 2, 2, 1, 1, 0]);
    const out = new Float64Array(2 * rankStatisticsWidth(1));
    rankStatistics(ranks, 2, 2, 1, 0, 2, out);
    // economy 0: sample 1, 2, 2, 2: median 2, p05 = 1 + 0.15 (1 -> 2), p95 2; mean 1.75, variance (0.5625 + 3 x 0.0625) / 3 = 0.25
    // first-order sum: f_B (f_AB - f_A) = 2 (2 - 1) + 2 (1 - 2) = 0; total sum (f_A - f_AB)^2 = 1 + 1 = 2
    expect(Array.from(out.subarray(0, 6))).toEqual([2, 1.15, 2, 0.25, 0, 2]);
    // economy 1: sample 2, 1, 1, 2: median 1.5, p05 1, p95 2, variance 1 / 3; first-order 1 (1 - 2) + 2 (2 - 1) = 1; total 1 + 1 = 2
    expect(out[6]).toBe(1.5);
    expect(out[7]).toBe(1);
    expect(out[8]).toBe(2);
    expect(out[9]).toBeCloseTo(1 / 3, 15);
    expect(Array.from(out.subarray(10, 12))).toEqual([1, 2]);
    // the statistics of economy 1 alone, written from the start of `out`
    const one = new Float64Array(rankStatisticsWidth(1));
    rankStatistics(ranks, 2, 2, 1, 1, 2, one);
    expect(Array.from(one)).toEqual(Array.from(out.subarray(6, 12)));
  });

  it('rank statistics in blocks of economies (the counts bounded by block x (economies + 1)) equal one block of all', () => {
    const setup = setupOf(5),
      d = setup.factors.length,
      Nd = 40,
      S = Nd * (d + 2),
      ranks = scenarioRanks(setup, uOf(S, d, 5), 0, S),
      nE = setup.economies,
      W = rankStatisticsWidth(d);
    const whole = new Float64Array(nE * W);
    rankStatistics(ranks, nE, Nd, d, 0, nE, whole, nE);
    for (const block of [1, 3, 7]) {
      const blocked = new Float64Array(nE * W);
      rankStatistics(ranks, nE, Nd, d, 0, nE, blocked, block);
      expect(Array.from(blocked)).toEqual(Array.from(whole));
      const tail = new Float64Array((nE - 2) * W); // a range that does not start at 0, as a worker's
      rankStatistics(ranks, nE, Nd, d, 2, nE, tail, block);
      expect(Array.from(tail)).toEqual(Array.from(whole.subarray(2 * W)));
    }
  });

  it('runs analyses of different setups one after the other on the same warm workers, each identical to one thread', async () => {
    pool = await ScenarioPool.start(2);
    for (const seed of [1, 2, 1]) {
      const setup = setupOf(seed),
        u = uOf(3000, 4, seed);
      expect(Array.from(await pool.ranks(setup, u, 3000))).toEqual(Array.from(scenarioRanks(setup, u, 0, 3000)));
    }
  });

  it('closing it during an analysis fails that analysis (no promise left hanging)', async () => {
    pool = await ScenarioPool.start(2);
    const job = expect(pool.ranks(setupOf(3), uOf(200_000, 4, 3), 200_000)).rejects.toThrow(/closed during an analysis/);
    await new Promise((r) => setTimeout(r, 20));
    await pool.close();
    await job;
    await expect(pool.ranks(setupOf(3), uOf(10, 4, 3), 10)).rejects.toThrow(/closed/);
  });

  it('a worker that dies fails the analysis under way, and the pool refuses the next one', async () => {
    pool = await ScenarioPool.start(2);
    const job = expect(pool.ranks(setupOf(4), uOf(200_000, 4, 4), 200_000)).rejects.toThrow(/exited/);
    await new Promise((r) => setTimeout(r, 20));
    await workersOf(pool)[0].terminate();
    await job;
    expect(pool.usable).toBe(false);
    await expect(pool.ranks(setupOf(4), uOf(10, 4, 4), 10)).rejects.toThrow(/failed earlier/);
  });

  it('a progress callback that throws fails its analysis only: late answers of the old job are ignored by the next', async () => {
    pool = await ScenarioPool.start(2);
    const setup = setupOf(5),
      u = uOf(20_000, 4, 5);
    await expect(
      pool.ranks(setup, u, 20_000, () => {
        throw new Error('progress bar broke');
      }),
    ).rejects.toThrow(/progress bar broke/);
    expect(pool.usable).toBe(true);
    expect(Array.from(await pool.ranks(setup, u, 20_000))).toEqual(Array.from(scenarioRanks(setup, u, 0, 20_000)));
  });
});

describe('Dirichlet weights', () => {
  it("a concentration so small that every gamma variate underflows still gives finite weights with the node's total", () => {
    const setup = { ...setupOf(6), concentration: 1e-9 };
    const kids = [0, 1];
    for (const x of [0.1, 0.5, 0.9]) {
      const w = Float64Array.from(setup.baseWeights);
      drawWeights(setup, kids, w, x, 0);
      expect(Number.isFinite(w[0]) && Number.isFinite(w[1])).toBe(true);
      expect(w[0] + w[1]).toBeCloseTo(1, 12);
      expect(Math.max(w[0], w[1])).toBeCloseTo(1, 6); // all the weight on one child: the Dirichlet's limit
    }
    // An ordinary concentration does not take that path: the same draw as before (gamma variates, then their share).
    const w = Float64Array.from(setup.baseWeights),
      w2 = Float64Array.from(setup.baseWeights);
    drawWeights({ ...setup, concentration: 50 }, kids, w, 0.3, 0);
    drawWeights({ ...setup, concentration: 50 }, kids, w2, 0.3, 0);
    expect(Array.from(w)).toEqual(Array.from(w2));
    expect(w[0] > 0.05 && w[0] < 0.95).toBe(true);
  });
});

describe('the scenario pool with bounded heaps', () => {
  it('its threads run with the limits given (as their isolates report them)', async () => {
    const { SCENARIO_THREAD_LIMITS, workerLimits } = await import('../../src/api/compute-pool.js');
    // The server's scenario threads: the base of a computation worker, nothing held besides one analysis.
    expect(SCENARIO_THREAD_LIMITS).toEqual(workerLimits(0));
    pool = await ScenarioPool.start(2, SCENARIO_THREAD_LIMITS);
    for (const w of workersOf(pool)) expect(w.resourceLimits?.maxOldGenerationSizeMb).toBe(SCENARIO_THREAD_LIMITS.maxOldGenerationSizeMb);
    // And it ranks within them.
    const setup = setupOf(5),
      S = 300 * (setup.factors.length + 2);
    const u = uOf(S, setup.factors.length, 5);
    expect(await pool.ranks(setup, u, S)).toEqual(scenarioRanks(setup, u, 0, S));
  });

  it('a thread beyond its limit fails the analysis with ERR_WORKER_OUT_OF_MEMORY (no hang, no crash)', async () => {
    const tiny = { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 };
    const run = async () => {
      pool = await ScenarioPool.start(1, tiny);
      // 4,000 economies: a setup far beyond 2 MiB of heap.
      const big = { ...setupOf(6), economies: 4_000 };
      big.imputed = new Float64Array(big.m.firstNode * 4_000).fill(50);
      big.raw = big.imputed;
      big.active = new Uint8Array(4_000).fill(1);
      const S = 600;
      return pool.ranks(big, uOf(S, big.factors.length, 6), S);
    };
    await expect(run()).rejects.toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
  });
});

describe('the estimates worker', () => {
  it('is bounded: the base and 16 bytes per byte of the series it is sent', async () => {
    const { estimatesWorkerLimits, WORKER_BASE_OLD_MB, WORKER_LIMITS } = await import('../../src/api/compute-pool.js');
    expect(estimatesWorkerLimits(2 * 2 ** 20)).toEqual({ ...WORKER_LIMITS, maxOldGenerationSizeMb: WORKER_BASE_OLD_MB + 32 });
  });
});
