/**
 * idi-panel peers: normalise, aggregate and rank every Member State x 60 years x K weight sets with the
 * idi-2017 methodology. Output of every peer: score[column] (the index on 0..1, NaN = no score) and
 * rank[column] (1 = best, ties share the better rank, 0 = not ranked), column = (k * years + y) * economies + e.
 */
import * as aq from 'arquero';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { runKernel, type KernelInput } from '../../src/idi/kernel.js';
import { loadMethodology, type CompiledMethodology, type ComponentSpec, type LeafSpec } from '../../src/idi/methodology.js';
import { readBin } from '../bin.js';
import type { IdiMeta } from '../inputs.js';
import type { Impl } from './types.js';

interface IdiInput {
  meta: IdiMeta;
  values: Float64Array;
  weights: Float64Array;
  m: CompiledMethodology;
}

function load(file: string): IdiInput {
  const { meta, arrays } = readBin<IdiMeta>(file);
  const m = loadMethodology(meta.methodology);
  return { meta, values: arrays.values as Float64Array, weights: arrays.weights as Float64Array, m };
}
const columnsOf = (meta: IdiMeta): number => meta.K * meta.nYears * meta.economies.length;

// ---------------------------------------------------------------- engine: runKernel over typed arrays
export const engine: Impl<KernelInput & { N: number }> = {
  async prepare(file) {
    const { meta, values: base, weights, m } = load(file);
    const { K, nYears: Y, L, N } = meta,
      nE = meta.economies.length,
      C = columnsOf(meta),
      block = Y * nE;
    // The kernel's layout: leaf-major values for every column (scenario x year x economy); weights per slice.
    const values = new Float64Array(L * C);
    for (let l = 0; l < L; l++) for (let k = 0; k < K; k++) values.set(base.subarray(l * block, (l + 1) * block), l * C + k * block);
    const sliceWeights = new Float64Array(K * Y * N);
    for (let k = 0; k < K; k++) for (let y = 0; y < Y; y++) sliceWeights.set(weights.subarray(k * N, (k + 1) * N), (k * Y + y) * N);
    return { m, values, columns: C, sliceLength: nE, include: new Uint8Array(C).fill(1), sliceWeights, renormalise: true, rank: 'root', keep: 'root', N };
  },
  run(input) {
    const { scores, ranks } = runKernel(input);
    return { score: scores, rank: ranks };
  },
};

// ---------------------------------------------------------------- naive JavaScript: arrays of row objects
interface NaiveState {
  rows: Array<Record<string, number | string>>;
  spec: ComponentSpec[];
  weightSets: Array<Record<string, number>>;
  meta: IdiMeta;
}
const isLeaf = (c: ComponentSpec): c is LeafSpec => 'indicator' in c;
const keyOf = (c: ComponentSpec): string => (isLeaf(c) ? c.indicator : c.id);

export const naive: Impl<NaiveState> = {
  async prepare(file) {
    const { meta, values, weights, m } = load(file);
    const nE = meta.economies.length,
      Y = meta.nYears;
    const rows: NaiveState['rows'] = [];
    for (let y = 0; y < Y; y++)
      for (let e = 0; e < nE; e++) {
        const row: Record<string, number | string> = { economy: meta.economies[e], e, year: meta.firstYear + y };
        meta.leaves.forEach((id, l) => {
          row[id] = values[(l * Y + y) * nE + e];
        });
        rows.push(row);
      }
    const weightSets = Array.from({ length: meta.K }, (_, k) => Object.fromEntries(meta.ids.map((id, j) => [id, weights[k * meta.N + j]])));
    return { rows, spec: m.spec.components, weightSets, meta };
  },
  run({ rows, spec, weightSets, meta }) {
    const nE = meta.economies.length,
      Y = meta.nYears,
      C = columnsOf(meta);
    const score = new Float64Array(C),
      rank = new Int32Array(C);
    const value = (c: ComponentSpec, row: Record<string, number | string>, w: Record<string, number>): number => {
      if (isLeaf(c)) {
        const x = row[c.indicator] as number;
        if (Number.isNaN(x)) return NaN;
        const n = c.normalise;
        const t = n.method === 'log-ratio' ? (x <= 1 ? 0 : Math.log10(x) / (n.log10Reference ?? Math.log10(n.reference!))) : x / n.reference!;
        return Math.min(1, Math.max(0, t));
      }
      let sum = 0,
        wsum = 0;
      for (const child of c.components) {
        const v = value(child, row, w);
        if (Number.isNaN(v)) continue;
        sum += w[keyOf(child)] * v;
        wsum += w[keyOf(child)];
      }
      return wsum === 0 ? NaN : sum / wsum;
    };
    const root = { id: 'root', components: spec } as unknown as ComponentSpec;
    weightSets.forEach((w, k) => {
      const byYear = new Map<number, Array<{ e: number; score: number }>>();
      for (const row of rows) {
        const s = value(root, row, w);
        score[(k * Y + ((row.year as number) - meta.firstYear)) * nE + (row.e as number)] = s;
        if (Number.isNaN(s)) continue;
        let list = byYear.get(row.year as number);
        if (!list) byYear.set(row.year as number, (list = []));
        list.push({ e: row.e as number, score: s });
      }
      for (const [year, list] of byYear) {
        list.sort((a, b) => b.score - a.score);
        list.forEach((r, i) => {
          const rk = i > 0 && r.score === list[i - 1].score ? rank[(k * Y + year - meta.firstYear) * nE + list[i - 1].e] : i + 1;
          rank[(k * Y + year - meta.firstYear) * nE + r.e] = rk;
        });
      }
    });
    return { score, rank };
  },
};

// ---------------------------------------------------------------- shared by the SQL-like peers: the tree as levels
/** Nodes by depth (deepest first), children listed per node: what the arquero and SQL peers generate expressions from. */
function nodeLevels(m: CompiledMethodology): number[][] {
  const N = m.parent.length,
    depth = new Int32Array(N);
  for (let e = N - 1; e >= 0; e--) depth[e] = m.parent[e] < 0 ? 0 : depth[m.parent[e]] + 1;
  const levels: number[][] = [];
  for (let e = m.firstNode; e < N; e++) (levels[depth[e]] ??= []).push(e);
  return levels.filter(Boolean).reverse();
}
const kids = (m: CompiledMethodology, e: number): number[] => [...m.parent.keys()].filter((c) => m.parent[c] === e);

// ---------------------------------------------------------------- arquero: cross join the panel with the weight sets
interface AqState {
  panel: aq.ColumnTable;
  weights: aq.ColumnTable;
  m: CompiledMethodology;
  meta: IdiMeta;
}

export const arquero: Impl<AqState> = {
  async prepare(file) {
    const { meta, values, weights, m } = load(file);
    const nE = meta.economies.length,
      Y = meta.nYears;
    const cols: Record<string, Float64Array | Int32Array> = { e: new Int32Array(Y * nE), y: new Int32Array(Y * nE) };
    for (let y = 0; y < Y; y++)
      for (let e = 0; e < nE; e++) {
        cols.e[y * nE + e] = e;
        cols.y[y * nE + e] = y;
      }
    for (let l = 0; l < meta.L; l++) cols[`x${l}`] = values.subarray(l * Y * nE, (l + 1) * Y * nE);
    const wcols: Record<string, Float64Array | Int32Array> = { k: Int32Array.from({ length: meta.K }, (_, k) => k) };
    for (let j = 0; j < meta.N; j++) wcols[`w${j}`] = Float64Array.from({ length: meta.K }, (_, k) => weights[k * meta.N + j]);
    return { panel: aq.table(cols), weights: aq.table(wcols), m, meta };
  },
  run({ panel, weights, m, meta }) {
    const L = m.firstNode,
      N = m.parent.length;
    const norm: Record<string, string> = {};
    for (let l = 0; l < L; l++) {
      const t = m.method[l] === 1 ? `(d.x${l} <= 1 ? 0 : op.log10(d.x${l}) / ${m.p1[l]})` : `d.x${l} / ${m.p1[l]}`;
      norm[`s${l}`] = `d => op.is_nan(d.x${l}) ? NaN : op.least(1, op.greatest(0, ${t}))`;
    }
    let t = panel.cross(weights).derive(norm);
    for (const level of nodeLevels(m)) {
      const exprs: Record<string, string> = {};
      for (const e of level) {
        const c = kids(m, e);
        const num = c.map((j) => `(op.is_nan(d.s${j}) ? 0 : d.w${j} * d.s${j})`).join(' + ');
        const den = c.map((j) => `(op.is_nan(d.s${j}) ? 0 : d.w${j})`).join(' + ');
        exprs[`s${e}`] = `d => (${den}) === 0 ? NaN : (0 + ${num}) / (${den})`;
      }
      t = t.derive(exprs);
    }
    const root = `s${N - 1}`;
    const ranked = t
      .select('k', 'y', 'e', root)
      .filter(`d => !op.is_nan(d.${root})`)
      .groupby('k', 'y')
      .orderby(aq.desc(root))
      .derive({ r: () => aq.op.rank() });
    const nE = meta.economies.length,
      Y = meta.nYears,
      C = columnsOf(meta);
    const score = new Float64Array(C).fill(NaN),
      rank = new Int32Array(C);
    const ks = ranked.array('k'),
      ys = ranked.array('y'),
      es = ranked.array('e'),
      ss = ranked.array(root),
      rs = ranked.array('r');
    for (let i = 0; i < ks.length; i++) {
      const col = ((ks[i] as number) * Y + (ys[i] as number)) * nE + (es[i] as number);
      score[col] = ss[i] as number;
      rank[col] = rs[i] as number;
    }
    return { score, rank };
  },
};

// ---------------------------------------------------------------- DuckDB: SQL with window functions on preloaded tables
interface DuckState {
  db: DuckDBInstance;
  con: DuckDBConnection;
  sql: string;
  meta: IdiMeta;
}

export const duckdb: Impl<DuckState> = {
  async prepare(file) {
    const { meta, values, weights, m } = load(file);
    const nE = meta.economies.length,
      Y = meta.nYears,
      L = meta.L,
      N = meta.N;
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    const con = await db.connect();
    await con.run(`CREATE TABLE panel (e INTEGER, y INTEGER, ${[...Array(L).keys()].map((l) => `x${l} DOUBLE`).join(', ')})`);
    await con.run(`CREATE TABLE weights (k INTEGER, ${[...Array(N).keys()].map((j) => `w${j} DOUBLE`).join(', ')})`);
    const ap = await con.createAppender('panel');
    for (let y = 0; y < Y; y++)
      for (let e = 0; e < nE; e++) {
        ap.appendInteger(e);
        ap.appendInteger(y);
        for (let l = 0; l < L; l++) {
          const x = values[(l * Y + y) * nE + e];
          if (Number.isNaN(x)) ap.appendNull();
          else ap.appendDouble(x);
        }
        ap.endRow();
      }
    ap.closeSync();
    const aw = await con.createAppender('weights');
    for (let k = 0; k < meta.K; k++) {
      aw.appendInteger(k);
      for (let j = 0; j < N; j++) aw.appendDouble(weights[k * N + j]);
      aw.endRow();
    }
    aw.closeSync();
    // The query, generated from the methodology: leaves normalised, then each level of the tree, then the rank.
    const leafExprs = [...Array(L).keys()].map((l) => {
      const t = m.method[l] === 1 ? `CASE WHEN x${l} <= 1 THEN 0 ELSE log10(x${l}) / ${m.p1[l]} END` : `x${l} / ${m.p1[l]}`;
      return `CASE WHEN x${l} IS NULL THEN NULL ELSE least(1.0, greatest(0.0, ${t})) END AS s${l}`;
    });
    const ctes = [`t0 AS (SELECT k, y, e, ${[...Array(N).keys()].map((j) => `w${j}`).join(', ')}, ${leafExprs.join(', ')} FROM panel CROSS JOIN weights)`];
    nodeLevels(m).forEach((level, i) => {
      const exprs = level.map((e) => {
        const c = kids(m, e);
        const num = c.map((j) => `coalesce(w${j} * s${j}, 0)`).join(' + ');
        const den = c.map((j) => `CASE WHEN s${j} IS NULL THEN 0 ELSE w${j} END`).join(' + ');
        return `(0 + ${num}) / nullif(${den}, 0) AS s${e}`;
      });
      ctes.push(`t${i + 1} AS (SELECT *, ${exprs.join(', ')} FROM t${i})`);
    });
    const last = `t${ctes.length - 1}`,
      root = `s${N - 1}`;
    const sql = `WITH ${ctes.join(',\n')}\nSELECT k, y, e, ${root} AS score, rank() OVER (PARTITION BY k, y ORDER BY ${root} DESC) AS r FROM ${last} WHERE ${root} IS NOT NULL`;
    return { db, con, sql, meta };
  },
  async run({ con, sql, meta }) {
    const reader = await con.runAndReadAll(sql);
    const [ks, ys, es, ss, rs] = reader.getColumns() as unknown as Array<Array<number | bigint>>;
    const nE = meta.economies.length,
      Y = meta.nYears,
      C = columnsOf(meta);
    const score = new Float64Array(C).fill(NaN),
      rank = new Int32Array(C);
    for (let i = 0; i < ks.length; i++) {
      const col = ((ks[i] as number) * Y + (ys[i] as number)) * nE + (es[i] as number);
      score[col] = ss[i] as number;
      rank[col] = Number(rs[i]);
    }
    return { score, rank };
  },
  close({ con, db }) {
    con.closeSync();
    db.closeSync();
  },
};
