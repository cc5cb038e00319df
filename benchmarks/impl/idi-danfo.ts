/**
 * idi-panel with danfojs (its pure-JS build; a benchmark peer only, never used by the engine): the panel as a
 * DataFrame, each weight set computed with Series arithmetic, ranks from a sort of the scores.
 */
import { createRequire } from 'node:module';
import { loadMethodology, type CompiledMethodology } from '../../src/idi/methodology.js';
import { readBin } from '../bin.js';
import type { IdiMeta } from '../inputs.js';
import type { Impl } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const require = createRequire(import.meta.url);
const dfd = require('danfojs') as any;

interface State {
  df: any;
  meta: IdiMeta;
  m: CompiledMethodology;
  weights: Float64Array;
}

export const danfo: Impl<State> = {
  async prepare(file) {
    const { meta, arrays } = readBin<IdiMeta>(file);
    const nE = meta.economies.length,
      Y = meta.nYears,
      values = arrays.values as Float64Array;
    const cols: Record<string, number[]> = { e: [], y: [] };
    for (let y = 0; y < Y; y++)
      for (let e = 0; e < nE; e++) {
        cols.e.push(e);
        cols.y.push(y);
      }
    for (let l = 0; l < meta.L; l++) cols[`x${l}`] = Array.from(values.subarray(l * Y * nE, (l + 1) * Y * nE));
    return { df: new dfd.DataFrame(cols), meta, m: loadMethodology(meta.methodology), weights: arrays.weights as Float64Array };
  },
  run({ df, meta, m, weights }) {
    const L = m.firstNode,
      N = m.parent.length,
      nE = meta.economies.length,
      Y = meta.nYears;
    const C = meta.K * Y * nE,
      score = new Float64Array(C).fill(NaN),
      rank = new Int32Array(C);
    const ys: number[] = df.column('y').values,
      es: number[] = df.column('e').values;
    for (let k = 0; k < meta.K; k++) {
      const s: any[] = [];
      for (let l = 0; l < L; l++) {
        const x = df.column(`x${l}`);
        const t = m.method[l] === 1 ? x.apply((v: number) => (v <= 1 ? 0 : Math.log10(v) / m.p1[l])) : x.div(m.p1[l]);
        s[l] = t.apply((v: number) => (Number.isNaN(v) ? NaN : Math.min(1, Math.max(0, v))));
      }
      for (let e = L; e < N; e++) {
        const kids = [...m.parent.keys()].filter((c) => m.parent[c] === e);
        let num: any, den: any;
        for (const c of kids) {
          const w = weights[k * N + c];
          const a = s[c].fillNa(0).mul(w),
            b = s[c].isNa().apply((missing: boolean) => (missing ? 0 : w));
          num = num ? num.add(a) : a;
          den = den ? den.add(b) : b;
        }
        s[e] = num.div(den);
      }
      const root: number[] = s[N - 1].values;
      const ranked = new dfd.DataFrame({ y: ys, e: es, score: root }).dropNa().sortValues('score', { ascending: false });
      const ry: number[] = ranked.column('y').values,
        re: number[] = ranked.column('e').values,
        rs: number[] = ranked.column('score').values;
      const seen = new Int32Array(Y),
        last = new Float64Array(Y).fill(NaN),
        lastRank = new Int32Array(Y);
      for (let i = 0; i < ry.length; i++) {
        const y = ry[i],
          col = (k * Y + y) * nE + re[i];
        seen[y]++;
        const r = rs[i] === last[y] ? lastRank[y] : seen[y];
        last[y] = rs[i];
        lastRank[y] = r;
        score[col] = rs[i];
        rank[col] = r;
      }
    }
    return { score, rank };
  },
};
