import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normaliseLeaves, runKernel } from '../../src/idi/kernel.js';
import { aggregateColumns } from '../../src/idi/fused.js';
import type { CompiledMethodology, ComponentSpec, Normalise } from '../../src/idi/methodology.js';
import { mulberry32 } from '../../src/util/random.js';
import { IDS, compile, leaf, node } from './helpers.js';

const SEED = 20171;

/** A random tree up to three levels deep, leaves and nodes mixed under any node, some nodes geometric. */
function randomTree(seed: number): CompiledMethodology {
  const rand = mulberry32(seed);
  let next = 0,
    nodes = 0;
  const build = (depth: number): ComponentSpec[] => {
    const n = 1 + Math.floor(rand() * 3),
      out: ComponentSpec[] = [];
    for (let i = 0; i < n && next < IDS.length; i++) {
      const w = 1 + Math.floor(rand() * 4);
      if (depth < 3 && rand() < 0.4) {
        const kids = build(depth + 1);
        if (kids.length) out.push(node(`n${nodes++}`, w, kids, rand() < 0.3 ? 'geometric' : 'arithmetic'));
      } else out.push(leaf(IDS[next++], { method: 'ratio', reference: 100 }, w));
    }
    // Weights within a node sum to 1 (the last one absorbs the rounding).
    const total = out.reduce((a, c) => a + c.weight, 0);
    out.forEach((c) => {
      c.weight /= total;
    });
    if (out.length) out[out.length - 1].weight = 1 - out.slice(0, -1).reduce((a, c) => a + c.weight, 0);
    return out;
  };
  let components = build(0);
  if (components.length === 0) components = [leaf(IDS[0], { method: 'ratio', reference: 100 }, 1)];
  return compile(components);
}

/**
 * The aggregation by its generic definition, one loop per entry over every column (the kernel's loops before
 * the tree was compiled to straight-line code): children in entry order add w x score (w x log(score) under a
 * geometric parent) and w, a missing child marks its parent, a weight of 0 skips the child.
 */
function aggregateByDefinition(m: CompiledMethodology, leaves: Float64Array, C: number, w: Float64Array, renormalise: boolean): Float64Array {
  const L = m.firstNode,
    N = m.parent.length;
  const scores = new Float64Array(N * C),
    acc = new Float64Array(N * C),
    wsum = new Float64Array(N * C),
    missing = new Uint8Array(N * C);
  scores.set(leaves);
  for (let e = 0; e < N; e++) {
    if (e >= L)
      for (let c = 0; c < C; c++) {
        const mean = wsum[e * C + c] === 0 || (!renormalise && missing[e * C + c]) ? NaN : acc[e * C + c] / wsum[e * C + c];
        scores[e * C + c] = m.geometric[e] ? Math.exp(mean) : mean;
      }
    const p = m.parent[e];
    if (p < 0 || w[e] === 0) continue;
    for (let c = 0; c < C; c++) {
      const v = scores[e * C + c];
      if (Number.isNaN(v)) missing[p * C + c] = 1;
      else {
        acc[p * C + c] += w[e] * (m.geometric[p] ? Math.log(v) : v);
        wsum[p * C + c] += w[e];
      }
    }
  }
  return scores;
}

const leafValue = fc.oneof(
  { weight: 1, arbitrary: fc.constant(NaN) },
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1) },
);

describe('the compiled aggregation (aggregateColumns)', () => {
  it('equals the generic definition bit for bit, on random trees with geometric nodes, zero weights and missing leaves, renormalised or not', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.integer(), (treeSeed, C, renormalise, valueSeed) => {
        const m = randomTree(treeSeed),
          L = m.firstNode,
          N = m.parent.length;
        const rand = mulberry32(valueSeed);
        const leaves = Float64Array.from({ length: L * C }, () => (rand() < 0.15 ? NaN : rand() < 0.1 ? 0 : rand()));
        const w = Float64Array.from(m.weight, (x) => (rand() < 0.15 ? 0 : x * (0.5 + rand())));
        const expected = aggregateByDefinition(m, leaves, C, w, renormalise);
        const all = new Float64Array(N * C);
        aggregateColumns(m, renormalise, true)(undefined, 0, 0, leaves, 0, C, w, 0, all, 0, C, C);
        const root = new Float64Array(C);
        aggregateColumns(m, renormalise, false)(undefined, 0, 0, leaves, 0, C, w, 0, root, 0, 0, C);
        for (let e = L; e < N; e++) for (let c = 0; c < C; c++) expect(Object.is(all[e * C + c], expected[e * C + c])).toBe(true);
        for (let c = 0; c < C; c++) expect(Object.is(root[c], expected[(N - 1) * C + c])).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('reads leaves at any base and stride and writes at any offset (the layouts the kernel uses)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(leafValue, { minLength: 30, maxLength: 30 }), (treeSeed, pool) => {
        const m = randomTree(treeSeed),
          L = m.firstNode,
          _N = m.parent.length,
          n = 3,
          stride = 5,
          base = 2;
        if (base + (L - 1) * stride + n > pool.length) return;
        const x = Float64Array.from(pool),
          packed = new Float64Array(L * n);
        for (let k = 0; k < L; k++) for (let i = 0; i < n; i++) packed[k * n + i] = x[base + k * stride + i];
        const a = new Float64Array(n),
          b = new Float64Array(n + 4);
        aggregateColumns(m, true, false)(undefined, 0, 0, packed, 0, n, m.weight, 0, a, 0, 0, n);
        aggregateColumns(m, true, false)(undefined, 0, 0, x, base, stride, m.weight, 0, b, 4, 0, n);
        expect(Array.from(b.subarray(4))).toEqual(Array.from(a));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('leaves normalised inside the compiled aggregation', () => {
  const methods = fc.constantFrom<Normalise>(
    { method: 'ratio', reference: 100 },
    { method: 'ratio', reference: 7.5 },
    { method: 'log-ratio', reference: 2158212 },
    { method: 'log-ratio', reference: 30 },
    { method: 'goalposts', lower: 5, upper: 95 },
    { method: 'goalposts', lower: 0, upper: 40, direction: -1 },
    { method: 'goalposts', lower: 1, upper: 1e6, log: true },
    { method: 'goalposts', lower: 10, upper: 1e4, log: true, direction: -1 },
    { method: 'goalposts', lower: 0, upper: 500, transform: 'ln1p' },
    { method: 'goalposts', lower: 0.5, upper: 1e4, transform: 'ln1p', direction: -1 },
    { method: 'minmax' },
    { method: 'rank', direction: -1 },
  );
  const raw = fc.oneof(
    { weight: 1, arbitrary: fc.constant(NaN) },
    { weight: 1, arbitrary: fc.constantFrom(-5, 0, 1, 5, 95, 1e6) },
    { weight: 4, arbitrary: fc.double({ min: -50, max: 1e7, noNaN: true }) },
  );

  it('give the scores of normaliseLeaf bit for bit (ratio, log-ratio, goalposts with log and direction), keep "all" and "root", next to minmax and rank leaves', () => {
    fc.assert(
      fc.property(
        fc.array(methods, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.integer(),
        (ns, S, slices, renormalise, seed) => {
          const w = ns.map(() => 1 / ns.length);
          w[w.length - 1] = 1 - w.slice(0, -1).reduce((a, b) => a + b, 0);
          const m = compile([
            node(
              'a',
              1,
              ns.map((n, k) => leaf(IDS[k], n, w[k])),
            ),
          ]);
          const L = m.firstNode,
            C = S * slices,
            rand = mulberry32(seed);
          const values = Float64Array.from({ length: L * C }, () => fc.sample(raw, { numRuns: 1, seed: Math.floor(rand() * 2 ** 31) })[0]);
          const include = Uint8Array.from({ length: C }, () => (rand() < 0.9 ? 1 : 0));
          // sliceMethods equal to the methodology's own turn the inline path off: every leaf through normaliseLeaf.
          const sliceMethods = new Uint8Array(slices * L);
          for (let s = 0; s < slices; s++) sliceMethods.set(m.method, s * L);
          for (const keep of ['all', 'root'] as const) {
            const common = { m, values, columns: C, sliceLength: S, include, renormalise, rank: 'root' as const, keep };
            const inline = runKernel(common),
              separate = runKernel({ ...common, sliceMethods });
            expect(inline.scores.length).toBe(separate.scores.length);
            for (let i = 0; i < inline.scores.length; i++) expect(Object.is(inline.scores[i], separate.scores[i])).toBe(true);
            expect(Array.from(inline.ranks)).toEqual(Array.from(separate.ranks));
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('runKernel with prenormalised leaves (the Monte Carlo bank)', () => {
  it('equals normalising the same leaves per slice, with per-slice weights, for keep "root" and keep "all", and a shared include', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 400 }), fc.integer(), (treeSeed, S, slices, seed) => {
        const m = randomTree(treeSeed),
          L = m.firstNode,
          N = m.parent.length,
          C = S * slices;
        const rand = mulberry32(seed);
        const include = Uint8Array.from({ length: S }, () => (rand() < 0.8 ? 1 : 0));
        // Two raw data sets, each normalised once into the bank; every slice picks one.
        const raws = [0, 1].map(() => Float64Array.from({ length: L * S }, () => (rand() < 0.1 ? NaN : rand() * 150)));
        const bank = new Float64Array(2 * L * S);
        raws.forEach((r, i) => bank.set(normaliseLeaves(m, r, S, include), i * L * S));
        const pick = Int32Array.from({ length: slices }, () => (rand() < 0.5 ? 0 : 1));
        const sliceOffset = Int32Array.from(pick, (p) => p * L * S);
        const sliceWeights = Float64Array.from({ length: slices * N }, (_, i) => m.weight[i % N] * (rand() < 0.1 ? 0 : 0.5 + rand()));
        const values = new Float64Array(L * C),
          includeAll = new Uint8Array(C);
        for (let s = 0; s < slices; s++) {
          for (let k = 0; k < L; k++) values.set(raws[pick[s]].subarray(k * S, (k + 1) * S), k * C + s * S);
          includeAll.set(include, s * S);
        }
        for (const keep of ['root', 'all'] as const) {
          const common = { m, columns: C, sliceLength: S, sliceWeights, renormalise: true, rank: 'root' as const, keep };
          const viaValues = runKernel({ ...common, values, include: includeAll });
          const viaBank = runKernel({ ...common, prenormalised: { bank, sliceOffset }, include });
          expect(Array.from(viaBank.scores)).toEqual(Array.from(viaValues.scores));
          expect(Array.from(viaBank.ranks)).toEqual(Array.from(viaValues.ranks));
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('refuses values and a bank together, or neither, and offsets outside the bank', () => {
    const m = randomTree(1),
      L = m.firstNode;
    const base = { m, columns: 1, sliceLength: 1, include: Uint8Array.of(1), renormalise: true };
    expect(() => runKernel(base)).toThrow(/either values or prenormalised/);
    expect(() => runKernel({ ...base, values: new Float64Array(L), prenormalised: { bank: new Float64Array(L), sliceOffset: Int32Array.of(0) } })).toThrow(
      /either values or prenormalised/,
    );
    // an offset past the bank is an error, not NaN scores
    expect(() => runKernel({ ...base, prenormalised: { bank: new Float64Array(L), sliceOffset: Int32Array.of(1) } })).toThrow(/past its/);
    expect(() => runKernel({ ...base, prenormalised: { bank: new Float64Array(L), sliceOffset: Int32Array.of(-1) } })).toThrow(/past its/);
  });
});
