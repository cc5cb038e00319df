/**
 * Benchmark inputs, built once per run (cached in the work directory) and written as binary files that every
 * peer reads: the idi-2017 methodology's compiled arrays with real values from the bundled data, the Monte
 * Carlo setup of the sensitivity analysis (data year 2016), and the synthetic tariff set.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadMethodology, type CompiledMethodology } from '../src/idi/methodology.js';
import { buildPanel, fillDerived } from '../src/idi/panel.js';
import { prepareYear, requiredIndicators } from '../src/idi/compute.js';
import { childrenOf, normalisationCode, type Factor } from '../src/idi/sensitivity-core.js';
import { loadIndicatorRegistry } from '../src/registry/indicators.js';
import { loadEconomyRegistry } from '../src/registry/economies.js';
import { loadGroupings } from '../src/registry/groupings.js';
import { loadBundled } from '../src/ingest/bundled.js';
import { mulberry32 } from '../src/util/random.js';
import { writeSyntheticTariffs } from '../src/prices/synthetic.js';
import { readTariffs } from '../src/prices/tariffs.js';
import { writeBin, readBin } from './bin.js';

export const IDI_FIRST_YEAR = 1965,
  IDI_YEARS = 60;

export interface IdiMeta {
  methodology: string;
  economies: string[];
  firstYear: number;
  nYears: number;
  K: number;
  L: number;
  N: number;
  leaves: string[];
  ids: string[];
}

/** The observed leaf values of every Member State x 60 years (NaN = not observed), from the bundled data. */
async function idiPanelValues(m: CompiledMethodology): Promise<{ economies: string[]; values: Float64Array }> {
  const registry = loadIndicatorRegistry();
  const economies = loadEconomyRegistry()
    .memberStates()
    .map((e) => e.iso3)
    .sort();
  const ids = requiredIndicators(m, registry);
  const table = await loadBundled({ indicators: ids });
  const panel = buildPanel(table, economies, ids, IDI_FIRST_YEAR, IDI_FIRST_YEAR + IDI_YEARS - 1);
  for (const id of m.indicators) {
    const d = registry.derived(id);
    if (d) fillDerived(panel, d.def.id, d.formula);
  }
  const nE = economies.length,
    L = m.firstNode,
    block = IDI_YEARS * nE;
  const values = new Float64Array(L * block);
  for (let k = 0; k < L; k++) {
    const i = panel.indicators.indexOf(m.indicators[k]);
    values.set(panel.values.subarray(i * block, (i + 1) * block), k * block);
  }
  return { economies, values };
}

/** K weight sets: set 0 is the methodology's; the others move each weight within +-25% and renormalise each node. */
export function weightSets(m: CompiledMethodology, K: number, seed = 7): Float64Array {
  const N = m.parent.length,
    out = new Float64Array(K * N);
  const children = childrenOf(m);
  const rand = mulberry32(seed);
  for (let s = 0; s < K; s++) {
    const w = out.subarray(s * N, (s + 1) * N);
    w.set(m.weight);
    if (s === 0) continue;
    for (let e = m.firstNode; e < N; e++) {
      const kids = children[e];
      let total = 0;
      for (const c of kids) total += w[c] = m.weight[c] * (1 + 0.25 * (2 * rand() - 1));
      for (const c of kids) w[c] /= total;
    }
  }
  return out;
}

/** The idi-panel input for K scenarios (file path; built once per K). */
export async function idiPanelInput(dir: string, K: number): Promise<string> {
  const file = join(dir, `idi-panel-K${K}.bin`);
  if (existsSync(file)) return file;
  const m = loadMethodology('idi-2017');
  const { economies, values } = await idiPanelValues(m);
  const meta: IdiMeta = {
    methodology: 'idi-2017',
    economies,
    firstYear: IDI_FIRST_YEAR,
    nYears: IDI_YEARS,
    K,
    L: m.firstNode,
    N: m.parent.length,
    leaves: m.indicators,
    ids: m.ids,
  };
  writeBin(file, meta, {
    values,
    weights: weightSets(m, K),
    method: m.method,
    p1: m.p1,
    p2: m.p2,
    direction: m.direction as unknown as Uint8Array,
    logScale: m.logScale,
    parent: m.parent,
    geometric: m.geometric,
  });
  return file;
}

export interface McMeta {
  methodology: string;
  year: number;
  economies: string[];
  draws: number;
  d: number;
  factors: Factor[];
  normalisations: number[];
  droppable: number[];
  renormalise: boolean;
  seed: number;
  concentration: number;
  band: number;
  weightMode: 'dirichlet' | 'uniform';
}

/** The Monte Carlo input: the sensitivity analysis' scenario setup for idi-2017, data year 2016, and `draws` rows of factor values. */
export async function monteCarloInput(dir: string, draws: number): Promise<string> {
  const file = join(dir, `monte-carlo-${draws}.bin`);
  if (existsSync(file)) return file;
  const registry = loadIndicatorRegistry();
  const m = loadMethodology('idi-2017', registry);
  const table = await loadBundled({ indicators: requiredIndicators(m, registry) });
  const year = 2016;
  const p = prepareYear({ methodology: m, year, table, indicators: registry, groupings: loadGroupings() }, year);
  const L = m.firstNode,
    N = m.parent.length,
    nE = p.economies.length;
  // The factors as `ictstat idi sensitivity` builds them by default (weights per node, normalisation, imputation, drop one).
  const children = childrenOf(m);
  const factors: Factor[] = [];
  for (let e = L; e < N; e++)
    if (children[e].filter((c) => p.weights[c] > 0).length >= 2) factors.push({ kind: 'weights', name: `weights:${m.ids[e]}`, node: e });
  factors.push({ kind: 'normalisation', name: 'normalisation' }, { kind: 'imputation', name: 'imputation' }, { kind: 'drop', name: 'drop-one-indicator' });
  const d = factors.length;
  const rand = mulberry32(1);
  const u = Float64Array.from({ length: draws * d }, rand);
  const meta: McMeta = {
    methodology: 'idi-2017',
    year,
    economies: p.economies,
    draws,
    d,
    factors,
    normalisations: ['methodology', 'minmax', 'rank'].map((n) => normalisationCode(n)!),
    droppable: [...Array(L).keys()].filter((k) => p.weights[k] > 0),
    renormalise: true,
    seed: 1,
    concentration: 50,
    band: 0.25,
    weightMode: 'dirichlet',
  };
  writeBin(file, meta, { imputed: p.matrix.values.slice(0, L * nE), raw: p.valuesBeforeImputation, active: p.active, baseWeights: p.weights, u });
  return file;
}

export interface BasketsMeta {
  plans: number;
  csv: string;
  parse_ms: number;
  economies: string[];
  years: number[];
  basket: string;
}
export const BASKET_COLUMNS = [
  'economy',
  'year',
  'operatorRank',
  'service',
  'payment',
  'technology',
  'price',
  'validityDays',
  'dataMb',
  'voiceMin',
  'sms',
  'speedKbps',
  'extraMbPrice',
  'extraMinPrice',
  'extraSmsPrice',
  'addonMb',
  'addonPrice',
  'promotional',
  'taxesIncluded',
  'vatRate',
] as const;

/** The synthetic tariff set of `plans` plans (seed 1, 2021-2024): CSV (DuckDB reads it) and parsed columns (the JS peers read them). */
export async function basketsInput(dir: string, plans: number): Promise<string> {
  const file = join(dir, `baskets-${plans}.bin`);
  if (existsSync(file)) return file;
  const csv = join(dir, `tariffs-${plans}.csv`);
  writeSyntheticTariffs(csv, { seed: 1, plans, from: 2021, to: 2024 });
  const t0 = performance.now();
  const { table, log } = await readTariffs(csv);
  const parseMs = performance.now() - t0;
  if (log.errors) throw new Error(`synthetic tariffs rejected: ${log.errors} errors`);
  const arrays: Record<string, Float64Array | Int32Array | Uint8Array | Int16Array> = {};
  for (const c of BASKET_COLUMNS) arrays[c] = table[c];
  const meta: BasketsMeta = {
    plans: table.length,
    csv,
    parse_ms: parseMs,
    economies: table.economies,
    years: [2021, 2022, 2023, 2024],
    basket: 'mobile-data-2gb',
  };
  writeBin(file, meta, arrays);
  return file;
}

export function workDir(base: string): string {
  mkdirSync(base, { recursive: true });
  return base;
}

export { readBin };
