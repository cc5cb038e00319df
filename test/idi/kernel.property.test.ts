import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runKernel, type KernelInput } from '../../src/idi/kernel.js';
import type { CompiledMethodology, ComponentSpec, Normalise } from '../../src/idi/methodology.js';
import { IDS, compile, equalWeights, leaf, node } from './helpers.js';

const SEED = 20170;
const RUNS = 150;

// ---------- generators ----------

const normaliseArb: fc.Arbitrary<Normalise> = fc.oneof(
  fc.double({ min: 1, max: 200, noNaN: true }).map((reference): Normalise => ({ method: 'ratio', reference })),
  fc.double({ min: 10, max: 1e7, noNaN: true }).map((reference): Normalise => ({ method: 'log-ratio', reference })),
  fc
    .tuple(fc.double({ min: 0.5, max: 100, noNaN: true }), fc.double({ min: 1, max: 300, noNaN: true }), fc.constantFrom(1 as const, -1 as const), fc.boolean())
    .map(([lower, span, direction, log]): Normalise => ({ method: 'goalposts', lower, upper: lower + span, direction, log })),
  fc.constantFrom(1 as const, -1 as const).map((direction): Normalise => ({ method: 'minmax', direction })),
  fc.constantFrom(1 as const, -1 as const).map((direction): Normalise => ({ method: 'rank', direction })),
);

/** Integer weights made to sum to 1. */
const weightsOf = (raw: number[]): number[] => {
  const total = raw.reduce((a, b) => a + b, 0);
  const w = raw.map((x) => x / total);
  w[w.length - 1] = 1 - w.slice(0, -1).reduce((a, b) => a + b, 0);
  return w;
};

interface TreeShape {
  groups: Array<Array<{ n: Normalise; w: number }>>;
  nodeW: number[];
  geometric: boolean[];
  flat: boolean;
}

/** A small methodology: one or more nodes (arithmetic or geometric) of 1-3 leaves, or leaves directly under the root. */
const methodologyArb: fc.Arbitrary<CompiledMethodology> = fc
  .record({
    groups: fc.array(fc.array(fc.record({ n: normaliseArb, w: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 3,
    }),
    nodeW: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 3 }),
    geometric: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    flat: fc.boolean(),
  })
  .map((t: TreeShape) => {
    let next = 0;
    const leavesOf = (g: TreeShape['groups'][number]): ComponentSpec[] => {
      const w = weightsOf(g.map((x) => x.w));
      return g.map((x, k) => leaf(IDS[next++], x.n, w[k]));
    };
    if (t.flat) return compile(leavesOf(t.groups.flat()));
    const nw = weightsOf(t.nodeW.slice(0, t.groups.length));
    return compile(t.groups.map((g, j) => node(`n${j}`, nw[j], leavesOf(g), t.geometric[j] ? 'geometric' : 'arithmetic')));
  });

const valueArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(NaN) },
  { weight: 3, arbitrary: fc.double({ min: 0, max: 300, noNaN: true }) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1e7, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 50, 100) }, // ties
);

interface Case {
  m: CompiledMethodology;
  C: number;
  S: number;
  values: Float64Array;
  include: Uint8Array;
}

const caseArb = (opts: { maxSlice?: number; maxSlices?: number } = {}): fc.Arbitrary<Case> =>
  fc.tuple(methodologyArb, fc.integer({ min: 1, max: opts.maxSlice ?? 7 }), fc.integer({ min: 1, max: opts.maxSlices ?? 1 })).chain(([m, S, slices]) => {
    const C = S * slices;
    return fc
      .record({
        values: fc.array(valueArb, { minLength: m.firstNode * C, maxLength: m.firstNode * C }),
        include: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(0) }), { minLength: C, maxLength: C }),
      })
      .map(({ values, include }) => ({ m, C, S, values: Float64Array.from(values), include: Uint8Array.from(include) }));
  });

const run = (c: Case, extra: Partial<KernelInput> = {}) =>
  runKernel({ m: c.m, values: c.values, columns: c.C, sliceLength: c.S, include: c.include, renormalise: true, ...extra });

/** Competition rank by definition: 1 + the number of included, scored columns of the slice with a strictly higher score. */
function expectedRanks(scores: Float64Array, base: number, C: number, S: number, include: Uint8Array): number[] {
  const out: number[] = [];
  for (let c = 0; c < C; c++) {
    const x = scores[base + c];
    if (!include[c] || Number.isNaN(x)) {
      out.push(0);
      continue;
    }
    const s0 = c - (c % S);
    let higher = 0;
    for (let d = s0; d < s0 + S; d++) if (include[d] && scores[base + d] > x) higher++;
    out.push(higher + 1);
  }
  return out;
}

// ---------- properties ----------

describe('runKernel properties', () => {
  it('every leaf, node and index score is NaN or within [0, 1] before the scale', () => {
    fc.assert(
      fc.property(caseArb({ maxSlices: 2 }), fc.boolean(), (c, renormalise) => {
        const { scores } = run(c, { renormalise });
        for (let i = 0; i < scores.length; i++) {
          const x = scores[i];
          if (!Number.isNaN(x) && !(x >= 0 && x <= 1))
            throw new Error(`entry ${Math.floor(i / c.C)} (${c.m.ids[Math.floor(i / c.C)]}) column ${i % c.C}: ${x}`);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("raising one economy's value of a direction +1 leaf never lowers any node score; of a direction -1 leaf never raises one", () => {
    fc.assert(
      fc.property(caseArb(), fc.nat(), fc.nat(), fc.double({ min: 1e-6, max: 1e4, noNaN: true }), fc.boolean(), (c, kPick, cPick, delta, renormalise) => {
        const k = kPick % c.m.firstNode,
          col = cPick % c.C;
        fc.pre(!Number.isNaN(c.values[k * c.C + col]));
        const before = run(c, { renormalise }).scores;
        const raised = Float64Array.from(c.values);
        raised[k * c.C + col] += delta;
        const after = run({ ...c, values: raised }, { renormalise }).scores;
        const dir = c.m.direction[k];
        for (let e = k; e < c.m.parent.length; e = e === k ? c.m.parent[k] : c.m.parent[e]) {
          if (e < 0) break;
          const b = before[e * c.C + col],
            a = after[e * c.C + col];
          expect(Number.isNaN(a)).toBe(Number.isNaN(b));
          if (Number.isNaN(a)) continue;
          if (dir > 0) expect(a).toBeGreaterThanOrEqual(b);
          else expect(a).toBeLessThanOrEqual(b);
        }
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });

  it('each normalisation on its own: raising a value never lowers the normalised score (ratio, log-ratio, goalposts, minmax over the slice)', () => {
    const methods: Normalise[] = [
      { method: 'ratio', reference: 60 },
      { method: 'log-ratio', reference: 2158212 },
      { method: 'goalposts', lower: 5, upper: 95 },
      { method: 'goalposts', lower: 1, upper: 1e6, log: true },
      { method: 'goalposts', lower: 0, upper: 10000, transform: 'ln1p' },
      { method: 'minmax' },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...methods),
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
        (n, xs, pick, delta) => {
          const m = compile([leaf('internet_users_pct', n, 1)]);
          const c: Case = { m, C: xs.length, S: xs.length, values: Float64Array.from(xs), include: new Uint8Array(xs.length).fill(1) };
          const col = pick % xs.length;
          const before = run(c).scores;
          const raised = Float64Array.from(xs);
          raised[col] += delta;
          const after = run({ ...c, values: raised }).scores;
          expect(after[col]).toBeGreaterThanOrEqual(before[col]);
          // the index (root) is the leaf's only parent: it moves the same way
          const root = (m.parent.length - 1) * xs.length + col;
          expect(after[root]).toBeGreaterThanOrEqual(before[root]);
        },
      ),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });

  it('goalposts on ln(x + 1): (ln(x + 1) - ln(lower + 1)) / (ln(upper + 1) - ln(lower + 1)), clamped; reversed with direction -1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        fc.constantFrom<1 | -1>(1, -1),
        fc.array(fc.double({ min: 0, max: 2e5, noNaN: true }), { minLength: 1, maxLength: 10 }),
        (lower, span, direction, xs) => {
          const upper = lower + span;
          const m = compile([leaf('mbb_traffic_per_sub_gb', { method: 'goalposts', lower, upper, transform: 'ln1p', direction }, 1)]);
          const { scores } = run({ m, C: xs.length, S: xs.length, values: Float64Array.from(xs), include: new Uint8Array(xs.length).fill(1) });
          xs.forEach((x, i) => {
            const t = Math.min(1, Math.max(0, (Math.log(x + 1) - Math.log(lower + 1)) / (Math.log(upper + 1) - Math.log(lower + 1))));
            expect(scores[i]).toBeCloseTo(direction < 0 ? 1 - t : t, 12);
          });
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a goalposts leaf with direction -1 is non-increasing in its value, and hits 1 at the lower and 0 at the upper goalpost', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 500, noNaN: true }),
        fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 2, maxLength: 10 }),
        (lower, span, xs) => {
          const upper = lower + span;
          const m = compile([leaf('price_ipb_fixed_telephone_gni_pct', { method: 'goalposts', lower, upper, direction: -1 }, 1)]);
          const sorted = [...xs, lower, upper].sort((a, b) => a - b);
          const { scores } = run({ m, C: sorted.length, S: sorted.length, values: Float64Array.from(sorted), include: new Uint8Array(sorted.length).fill(1) });
          for (let i = 1; i < sorted.length; i++) expect(scores[i]).toBeLessThanOrEqual(scores[i - 1]);
          expect(scores[sorted.indexOf(lower)]).toBe(1);
          expect(scores[sorted.lastIndexOf(upper)]).toBe(0);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('permuting the economies (columns) permutes the scores and the ranks the same way', () => {
    fc.assert(
      fc.property(
        caseArb({ maxSlice: 8 }).chain((c) => fc.tuple(fc.constant(c), fc.array(fc.double({ noNaN: true }), { minLength: c.C, maxLength: c.C }))),
        fc.boolean(),
        ([c, keys], renormalise) => {
          const perm = [...keys.keys()].sort((a, b) => keys[a] - keys[b] || a - b); // new column j holds old column perm[j]
          const L = c.m.firstNode,
            N = c.m.parent.length,
            C = c.C;
          const pv = new Float64Array(c.values.length);
          for (let k = 0; k < L; k++) for (let j = 0; j < C; j++) pv[k * C + j] = c.values[k * C + perm[j]];
          const pi = Uint8Array.from(perm, (p) => c.include[p]);
          const a = run(c, { renormalise }),
            b = run({ ...c, values: pv, include: pi }, { renormalise });
          for (let e = 0; e < N; e++) for (let j = 0; j < C; j++) expect(Object.is(b.scores[e * C + j], a.scores[e * C + perm[j]])).toBe(true);
          for (let e = 0; e < N - L; e++) for (let j = 0; j < C; j++) expect(b.ranks[e * C + j]).toBe(a.ranks[e * C + perm[j]]);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('ranks are competition ranks (1, 2, 2, 4) from the unrounded scores of each node, per slice; excluded or missing columns get 0', () => {
    fc.assert(
      fc.property(caseArb({ maxSlices: 3 }), fc.boolean(), (c, renormalise) => {
        const { scores, ranks } = run(c, { renormalise });
        const L = c.m.firstNode,
          N = c.m.parent.length;
        for (let e = L; e < N; e++)
          expect(Array.from(ranks.subarray((e - L) * c.C, (e - L + 1) * c.C))).toEqual(expectedRanks(scores, e * c.C, c.C, c.S, c.include));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('ranks are exact whatever the distribution of scores (the bucket sort): sorted, reversed, shuffled, tied, bunched around an outlier, negative (zscore)', () => {
    const methodologies = [
      compile([leaf('internet_users_pct', { method: 'ratio', reference: 1000 }, 1)]),
      compile([leaf('internet_users_pct', { method: 'zscore' }, 1)]),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.constantFrom('sorted', 'reversed', 'shuffled', 'tied', 'bunched'), { minLength: 1, maxLength: 8 }),
        fc.integer(),
        fc.boolean(),
        (S, kinds, seed, zscore) => {
          const m = methodologies[zscore ? 1 : 0];
          let r = seed >>> 0;
          const rand = (): number => (r = (Math.imul(r, 1664525) + 1013904223) >>> 0) / 2 ** 32;
          const C = S * kinds.length,
            values = new Float64Array(C),
            include = new Uint8Array(C);
          kinds.forEach((kind, s) => {
            for (let i = 0; i < S; i++) {
              values[s * S + i] =
                kind === 'sorted'
                  ? i
                  : kind === 'reversed'
                    ? S - i
                    : kind === 'tied'
                      ? Math.floor(rand() * 3)
                      : kind === 'bunched'
                        ? i === 0
                          ? 1e6
                          : rand() * 1e-3
                        : Math.floor(rand() * 1000);
              if (rand() < 0.1) values[s * S + i] = NaN;
              include[s * S + i] = rand() < 0.9 ? 1 : 0;
            }
          });
          const { scores, ranks } = runKernel({ m, values, columns: C, sliceLength: S, include, renormalise: true, rank: 'root' });
          const root = m.parent.length - 1;
          expect(Array.from(ranks)).toEqual(expectedRanks(scores, root * C, C, S, include));
        },
      ),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });

  it('ties share the better rank, and scores equal to 2 decimals but not unrounded get different ranks', () => {
    const m = compile([leaf('internet_users_pct', { method: 'ratio', reference: 100 }, 1)]);
    const values = Float64Array.from([90, 80, 80, 70, 84.71, 84.69]);
    const { ranks, scores } = runKernel({ m, values, columns: 6, sliceLength: 6, include: new Uint8Array(6).fill(1), renormalise: true });
    expect(Array.from(ranks)).toEqual([1, 4, 4, 6, 2, 3]);
    expect((scores[4] * 10).toFixed(2)).toBe((scores[5] * 10).toFixed(2)); // 8.47 and 8.47 on the 0-10 scale
    const tied = runKernel({
      m,
      values: Float64Array.from([50, 60, 60, 40]),
      columns: 4,
      sliceLength: 4,
      include: new Uint8Array(4).fill(1),
      renormalise: true,
    });
    expect(Array.from(tied.ranks)).toEqual([3, 1, 1, 4]);
  });

  it('a geometric-mean node equals exp of the weighted mean of the logs of its children', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.double({ min: 0.01, max: 100, noNaN: true })), { minLength: 1, maxLength: 5 }),
        (kids) => {
          const w = weightsOf(kids.map(([wi]) => wi));
          const m = compile([
            node(
              'g',
              1,
              kids.map(([,], k) => leaf(IDS[k], { method: 'ratio', reference: 100 }, w[k])),
              'geometric',
            ),
          ]);
          const { scores } = runKernel({
            m,
            values: Float64Array.from(kids, ([, x]) => x),
            columns: 1,
            sliceLength: 1,
            include: Uint8Array.of(1),
            renormalise: true,
          });
          const logMean = kids.reduce((s, [, x], k) => s + m.weight[k] * Math.log(x / 100), 0) / kids.reduce((s, _, k) => s + m.weight[k], 0);
          const g = m.ids.indexOf('g');
          expect(scores[g]).toBeCloseTo(Math.exp(logMean), 12);
          expect(scores[g]).toBeCloseTo(
            kids.reduce((p, [, x], k) => p * (x / 100) ** w[k], 1),
            12,
          );
          expect(scores[g]).toBeLessThanOrEqual(kids.reduce((s, [, x], k) => s + (w[k] * x) / 100, 0) + 1e-12); // AM-GM
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a geometric node with a zero child scores 0', () => {
    const m = compile([
      node(
        'g',
        1,
        [leaf('internet_users_pct', { method: 'ratio', reference: 100 }, 0.5), leaf('hh_internet_pct', { method: 'ratio', reference: 100 }, 0.5)],
        'geometric',
      ),
    ]);
    const { scores } = runKernel({ m, values: Float64Array.of(0, 80), columns: 1, sliceLength: 1, include: Uint8Array.of(1), renormalise: true });
    expect(scores[m.ids.indexOf('g')]).toBe(0);
  });

  it('renormalise=true averages over the available children; false makes the parent (and the index) missing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined })), {
          minLength: 1,
          maxLength: 5,
        }),
        (kids) => {
          const w = weightsOf(kids.map(([wi]) => wi));
          const m = compile([
            node(
              'a',
              1,
              kids.map((_, k) => leaf(IDS[k], { method: 'ratio', reference: 100 }, w[k])),
            ),
          ]);
          const values = Float64Array.from(kids, ([, x]) => x ?? NaN);
          const a = m.ids.indexOf('a'),
            root = m.parent.length - 1;
          const k1 = { m, values, columns: 1, sliceLength: 1, include: Uint8Array.of(1) };
          const on = runKernel({ ...k1, renormalise: true }).scores,
            off = runKernel({ ...k1, renormalise: false }).scores;
          const avail = kids.map(([, x], k) => [x, w[k]] as const).filter(([x]) => x !== undefined) as Array<readonly [number, number]>;
          if (avail.length === 0) expect(on[a]).toBeNaN();
          else expect(on[a]).toBeCloseTo(avail.reduce((s, [x, wi]) => s + (wi * x) / 100, 0) / avail.reduce((s, [, wi]) => s + wi, 0), 12);
          if (avail.length < kids.length) {
            expect(off[a]).toBeNaN();
            expect(off[root]).toBeNaN();
          } else expect(off[a]).toBe(on[a]);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a weights override of 0 drops the entry: the parent averages over the others even if the dropped one is missing', () => {
    const w = equalWeights(3);
    const m = compile([
      node('a', 0.5, [
        leaf('internet_users_pct', { method: 'ratio', reference: 100 }, w[0]),
        leaf('hh_internet_pct', { method: 'ratio', reference: 100 }, w[1]),
        leaf('hh_computer_pct', { method: 'ratio', reference: 100 }, w[2]),
      ]),
      node('b', 0.5, [leaf('fixed_tel_p100', { method: 'ratio', reference: 100 }, 1)]),
    ]);
    const weights = Float64Array.from(m.weight);
    weights[m.ids.indexOf('hh_computer_pct')] = 0;
    // column 0: the dropped leaf is missing; column 1: it is present (and low), it must not count
    const values = Float64Array.of(60, 60, 20, 20, NaN, 0, 50, 50);
    const base = { m, values, columns: 2, sliceLength: 2, include: Uint8Array.of(1, 1), weights };
    for (const renormalise of [true, false]) {
      const { scores } = runKernel({ ...base, renormalise });
      const a = m.ids.indexOf('a'),
        root = m.parent.length - 1;
      expect(scores[a * 2]).toBeCloseTo(0.4, 12);
      expect(scores[a * 2 + 1]).toBeCloseTo(0.4, 12);
      expect(scores[root * 2]).toBeCloseTo(0.45, 12);
    }
    // a node with weight 0 drops out of the index
    const w2 = Float64Array.from(weights);
    w2[m.ids.indexOf('b')] = 0;
    const { scores } = runKernel({ ...base, weights: w2, renormalise: false });
    expect(scores[(m.parent.length - 1) * 2]).toBeCloseTo(scores[m.ids.indexOf('a') * 2], 12);
  });

  it('slices rank and minmax-normalise independently: one run over many slices equals one run per slice', () => {
    fc.assert(
      fc.property(caseArb({ maxSlice: 6, maxSlices: 4 }), fc.boolean(), (c, renormalise) => {
        const all = run(c, { renormalise });
        const L = c.m.firstNode,
          N = c.m.parent.length;
        for (let s = 0; s < c.C; s += c.S) {
          const v = new Float64Array(L * c.S);
          for (let k = 0; k < L; k++) v.set(c.values.subarray(k * c.C + s, k * c.C + s + c.S), k * c.S);
          const one = runKernel({ m: c.m, values: v, columns: c.S, sliceLength: c.S, include: c.include.subarray(s, s + c.S), renormalise });
          for (let e = 0; e < N; e++)
            expect(Array.from(all.scores.subarray(e * c.C + s, e * c.C + s + c.S))).toEqual(Array.from(one.scores.subarray(e * c.S, (e + 1) * c.S)));
          for (let e = 0; e < N - L; e++)
            expect(Array.from(all.ranks.subarray(e * c.C + s, e * c.C + s + c.S))).toEqual(Array.from(one.ranks.subarray(e * c.S, (e + 1) * c.S)));
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('many slices across the kernel\'s column blocks, with per-slice weights and methods: keep "root" equals keep "all", and each slice equals its own run', () => {
    fc.assert(
      fc.property(caseArb({ maxSlice: 9, maxSlices: 1 }), fc.integer({ min: 250, max: 700 }), fc.integer(), (c0, slices, seed) => {
        const { m, S } = c0,
          L = m.firstNode,
          N = m.parent.length,
          C = S * slices;
        // Repeat the generated slice with a deterministic jitter so that the slices differ.
        const values = new Float64Array(L * C),
          include = new Uint8Array(C);
        for (let k = 0; k < L; k++)
          for (let s = 0; s < slices; s++)
            for (let i = 0; i < S; i++) {
              const x = c0.values[k * S + i];
              values[k * C + s * S + i] = Number.isNaN(x) ? x : x * (1 + ((s * 7919 + i * 104729 + seed) % 97) / 970);
            }
        for (let s = 0; s < slices; s++) include.set(c0.include, s * S);
        const sliceWeights = new Float64Array(slices * N),
          sliceMethods = new Uint8Array(slices * L);
        for (let s = 0; s < slices; s++) {
          for (let e = 0; e < N; e++) sliceWeights[s * N + e] = m.weight[e] * (1 + ((s + e) % 5) / 10);
          for (let k = 0; k < L; k++) sliceMethods[s * L + k] = (s + k) % 3 === 0 ? 3 : m.method[k];
        }
        const input = { m, values, columns: C, sliceLength: S, include, sliceWeights, sliceMethods, renormalise: true, rank: 'root' as const };
        const all = runKernel(input),
          root = runKernel({ ...input, keep: 'root' });
        expect(Array.from(root.scores)).toEqual(Array.from(all.scores.subarray((N - 1) * C)));
        expect(Array.from(root.ranks)).toEqual(Array.from(all.ranks));
        for (const s of [0, 1, Math.floor(slices / 2), slices - 1]) {
          const v = new Float64Array(L * S);
          for (let k = 0; k < L; k++) v.set(values.subarray(k * C + s * S, k * C + (s + 1) * S), k * S);
          const one = runKernel({
            m,
            values: v,
            columns: S,
            sliceLength: S,
            include: include.subarray(s * S, (s + 1) * S),
            sliceWeights: sliceWeights.subarray(s * N, (s + 1) * N),
            sliceMethods: sliceMethods.subarray(s * L, (s + 1) * L),
            renormalise: true,
            rank: 'root',
            keep: 'root',
          });
          expect(Array.from(root.scores.subarray(s * S, (s + 1) * S))).toEqual(Array.from(one.scores));
          expect(Array.from(root.ranks.subarray(s * S, (s + 1) * S))).toEqual(Array.from(one.ranks));
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("minmax maps each slice's minimum to 0 and maximum to 1 (direction -1 reversed)", () => {
    const m = compile([leaf('internet_users_pct', { method: 'minmax' }, 0.5), leaf('hh_internet_pct', { method: 'minmax', direction: -1 }, 0.5)]);
    // two slices of 3: [10, 20, 30] and [100, 150, 200]
    const values = Float64Array.of(10, 20, 30, 100, 150, 200, 10, 20, 30, 100, 150, 200);
    const { scores, ranks } = runKernel({ m, values, columns: 6, sliceLength: 3, include: new Uint8Array(6).fill(1), renormalise: true });
    expect(Array.from(scores.subarray(0, 6))).toEqual([0, 0.5, 1, 0, 0.5, 1]);
    expect(Array.from(scores.subarray(6, 12))).toEqual([1, 0.5, 0, 1, 0.5, 0]);
    expect(Array.from(ranks)).toEqual([1, 1, 1, 1, 1, 1]); // every root score is 0.5
  });
});
