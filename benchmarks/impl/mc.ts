/**
 * monte-carlo peers: the ranks of every Member State under `draws` Monte Carlo scenarios of the sensitivity
 * analysis (idi-2017, data year 2016; weights by Dirichlet per node, normalisation alternatives, with/without
 * imputation, drop one indicator). Output: rank[draw * economies + e] (0 = not ranked).
 */
import { loadMethodology, type ComponentSpec, type LeafSpec } from '../../src/idi/methodology.js';
import { childrenOf, drawWeights, scenarioRanks, METHODOLOGY_NORMALISATION, type ScenarioSetup } from '../../src/idi/sensitivity-core.js';
import { ScenarioPool } from '../../src/idi/sensitivity-pool.js';
import { rankScenarios } from '../../src/idi/sensitivity.js';
import { readBin } from '../bin.js';
import type { McMeta } from '../inputs.js';
import type { Impl } from './types.js';

interface McState {
  setup: ScenarioSetup;
  u: Float64Array;
  draws: number;
}

function load(file: string): McState {
  const { meta, arrays } = readBin<McMeta>(file);
  const m = loadMethodology(meta.methodology);
  const setup: ScenarioSetup = {
    m,
    economies: meta.economies.length,
    imputed: arrays.imputed as Float64Array,
    raw: arrays.raw as Float64Array,
    active: arrays.active as Uint8Array,
    baseWeights: arrays.baseWeights as Float64Array,
    factors: meta.factors,
    weightMode: meta.weightMode,
    concentration: meta.concentration,
    band: meta.band,
    normalisations: meta.normalisations,
    droppable: meta.droppable,
    renormalise: meta.renormalise,
    seed: meta.seed,
  };
  return { setup, u: arrays.u as Float64Array, draws: meta.draws };
}

export const engine: Impl<McState> = {
  async prepare(file) {
    return load(file);
  },
  run({ setup, u, draws }) {
    return { rank: scenarioRanks(setup, u, 0, draws) };
  },
};

/**
 * The engine over a pool of worker threads that stays up between runs, as `ictstat serve` keeps one for its
 * sensitivity requests: starting the pool (threads, module loading) is its load time, reported apart; the
 * checked first run sends the setup (each worker prepares its bank of normalised leaves) and warms each
 * worker's JIT, like every peer's.
 */
export function engineWorkers(workers: number): Impl<McState & { pool: ScenarioPool }> {
  return {
    async prepare(file) {
      const state = load(file);
      return { ...state, pool: await ScenarioPool.start(workers) };
    },
    async run({ pool, setup, u, draws }) {
      return { rank: await pool.ranks(setup, u, draws) };
    },
    async close({ pool }) {
      await pool.close();
    },
  };
}

/** The same from cold, as one `ictstat idi sensitivity --workers N` run does it: pool start-up and shut-down in every run. */
export function engineWorkersCold(workers: number): Impl<McState> {
  return {
    async prepare(file) {
      return load(file);
    },
    async run({ setup, u, draws }) {
      return { rank: await rankScenarios(setup, u, draws, { workers }) };
    },
  };
}

// ---------------------------------------------------------------- naive JavaScript: economies as row objects, the tree as objects
interface NaiveEconomy {
  economy: string;
  active: boolean;
  imputed: Record<string, number>;
  raw: Record<string, number>;
}
interface NaiveMc {
  rows: NaiveEconomy[];
  spec: ComponentSpec[];
  state: McState;
  leafIds: string[];
  ids: string[];
}
const isLeaf = (c: ComponentSpec): c is LeafSpec => 'indicator' in c;

export const naive: Impl<NaiveMc> = {
  async prepare(file) {
    const state = load(file);
    const { setup } = state,
      m = setup.m,
      nE = setup.economies,
      L = m.firstNode;
    const meta = readBin<McMeta>(file).meta;
    const rows = meta.economies.map((economy, e) => ({
      economy,
      active: setup.active[e] === 1,
      imputed: Object.fromEntries(m.indicators.map((id, k) => [id, setup.imputed[k * nE + e]])),
      raw: Object.fromEntries(m.indicators.map((id, k) => [id, setup.raw[k * nE + e]])),
    }));
    void L;
    return { rows, spec: m.spec.components, state, leafIds: m.indicators, ids: m.ids };
  },
  run({ rows, spec, state, leafIds, ids }) {
    const { setup, u, draws } = state,
      m = setup.m,
      L = m.firstNode,
      N = m.parent.length,
      d = setup.factors.length,
      nE = rows.length;
    const children = childrenOf(m);
    const rank = new Int32Array(draws * nE);
    const methodName = ['ratio', 'log-ratio', 'goalposts', 'minmax', 'zscore', 'rank'];
    const leafSpecs = new Map<string, LeafSpec>();
    const walk = (cs: ComponentSpec[]): void => cs.forEach((c) => (isLeaf(c) ? leafSpecs.set(c.indicator, c) : walk(c.components)));
    walk(spec);
    for (let s = 0; s < draws; s++) {
      // The scenario: weights by entry id, a normalisation for every leaf, the data source.
      const wArr = Array.from(setup.baseWeights);
      let method: string | null = null,
        source: 'imputed' | 'raw' = 'imputed';
      for (let f = 0; f < d; f++) {
        const x = u[s * d + f],
          fac = setup.factors[f];
        // The weight draw is the engine's (same RNG, same gamma variates): the peers differ in how they score, not in what they draw.
        if (fac.kind === 'weights') {
          drawWeights(setup, children[fac.node!], wArr, x, f);
        } else if (fac.kind === 'normalisation') {
          const code = setup.normalisations[Math.min(setup.normalisations.length - 1, Math.floor(x * setup.normalisations.length))];
          method = code === METHODOLOGY_NORMALISATION ? null : methodName[code];
        } else if (fac.kind === 'imputation') {
          if (x >= 0.5) source = 'raw';
        } else {
          const k = Math.min(setup.droppable.length, Math.floor(x * (setup.droppable.length + 1)));
          if (k > 0) wArr[setup.droppable[k - 1]] = 0;
        }
      }
      for (let e = L; e < N; e++) if (wArr[e] > 0 && children[e].every((c) => wArr[c] === 0)) wArr[e] = 0;
      const w: Record<string, number> = Object.fromEntries(ids.map((id, j) => [id, wArr[j]]));

      // Normalised leaves per economy (row objects), data-dependent methods over the active economies.
      const norm = rows.map(() => ({}) as Record<string, number>);
      for (const id of leafIds) {
        const leaf = leafSpecs.get(id)!,
          how = method ?? leaf.normalise.method;
        const xs = rows.map((r) => r[source][id]);
        if (how === 'ratio' || how === 'log-ratio') {
          const ref = how === 'ratio' ? leaf.normalise.reference! : (leaf.normalise.log10Reference ?? Math.log10(leaf.normalise.reference!));
          xs.forEach((x, e) => {
            norm[e][id] = Number.isNaN(x)
              ? NaN
              : how === 'ratio'
                ? Math.min(1, Math.max(0, x / ref))
                : x <= 1
                  ? 0
                  : Math.min(1, Math.max(0, Math.log10(x) / ref));
          });
        } else {
          const valid = xs.filter((x, e) => !Number.isNaN(x) && rows[e].active);
          if (how === 'minmax') {
            const lo = Math.min(...valid),
              hi = Math.max(...valid),
              span = hi - lo;
            xs.forEach((x, e) => {
              norm[e][id] = Number.isNaN(x) || !rows[e].active ? NaN : span > 0 ? Math.min(1, Math.max(0, (x - lo) / span)) : 1;
            });
          } else {
            // rank: average rank of ties, scaled to [0, 1]
            const sorted = [...valid].sort((a, b) => a - b),
              n = sorted.length;
            const avg = new Map<number, number>();
            for (let i = 0; i < n; ) {
              let j = i;
              while (j + 1 < n && sorted[j + 1] === sorted[i]) j++;
              avg.set(sorted[i], n > 1 ? (i + j) / 2 / (n - 1) : 1);
              i = j + 1;
            }
            xs.forEach((x, e) => {
              norm[e][id] = Number.isNaN(x) || !rows[e].active ? NaN : avg.get(x)!;
            });
          }
        }
      }
      // Aggregate up the tree (arithmetic means over the children with a value), then rank the active economies.
      const score = (c: ComponentSpec | { id: string; components: ComponentSpec[] }, e: number): number => {
        if (isLeaf(c as ComponentSpec)) return norm[e][(c as LeafSpec).indicator];
        let sum = 0,
          wsum = 0;
        for (const child of (c as { components: ComponentSpec[] }).components) {
          const wc = w[isLeaf(child) ? child.indicator : child.id];
          if (wc === 0) continue;
          const v = score(child, e);
          if (Number.isNaN(v)) continue;
          sum += wc * v;
          wsum += wc;
        }
        return wsum === 0 ? NaN : sum / wsum;
      };
      const root = { id: m.spec.id, components: spec };
      const list = rows.map((r, e) => ({ e, active: r.active, score: score(root, e) })).filter((r) => r.active && !Number.isNaN(r.score));
      list.sort((a, b) => b.score - a.score);
      list.forEach((r, i) => {
        rank[s * nE + r.e] = i > 0 && r.score === list[i - 1].score ? rank[s * nE + list[i - 1].e] : i + 1;
      });
    }
    return { rank };
  },
};
