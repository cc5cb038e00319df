import type { CompiledMethodology } from './methodology.js';

/**
 * The aggregation of one methodology compiled to a function: for each column, every node's weighted mean of
 * its children, up to the index, in registers (no per-node accumulator arrays). The tree is unrolled into
 * straight-line code, as a query compiler would do it, so V8 sees constant indices and no loops over the tree.
 *
 * Per column the arithmetic is exactly the generic definition's, in the same order: entries are visited
 * leaves first, then nodes children-before-parents (the compiled order); each child with a non-zero weight
 * adds weight x score (weight x log(score) under a geometric parent) to its parent's sum and its weight to
 * the parent's weight sum, or, when its score is missing, marks the parent; a node's score is sum / weight
 * sum (exp of it for geometric), NaN when no child has a score or, without renormalisation, any is missing.
 *
 * Only integers (entry indices) and the two flags below enter the generated source: nothing from a
 * methodology file's text, so a user-defined methodology cannot inject code.
 *
 * Signature of the returned function, over n columns:
 *   leaf k of column i:   x[xBase + k * xStride + i]
 *   weight of entry e:    w[wBase + e]
 *   keep 'root':          out[outBase + i] = index score
 *   keep 'all':           out[outBase + e * outStride + i] = score of node e (every node, the index included)
 */
export type AggregateColumns = (x: Float64Array, xBase: number, xStride: number, w: Float64Array, wBase: number,
  out: Float64Array, outBase: number, outStride: number, n: number) => void;

const compiled = new WeakMap<CompiledMethodology, Map<string, AggregateColumns>>();

export function aggregateColumns(m: CompiledMethodology, renormalise: boolean, keepAll: boolean): AggregateColumns {
  let byFlags = compiled.get(m);
  if (!byFlags) compiled.set(m, (byFlags = new Map()));
  const key = `${renormalise ? 1 : 0}${keepAll ? 1 : 0}`;
  let fn = byFlags.get(key);
  if (!fn) byFlags.set(key, (fn = generate(m, renormalise, keepAll)));
  return fn;
}

function generate(m: CompiledMethodology, renormalise: boolean, keepAll: boolean): AggregateColumns {
  const L = m.firstNode, N = m.parent.length, root = N - 1;
  const int = (x: number): string => {
    if (!Number.isSafeInteger(x)) throw new Error(`aggregateColumns: ${x} is not an entry index`);
    return String(x);
  };
  const head: string[] = [];
  for (let e = 0; e < N; e++) if (m.parent[e] >= 0) head.push(`const w${int(e)} = w[wBase + ${int(e)}];`);
  for (let k = 0; k < L; k++) head.push(`const x${int(k)} = xBase + ${int(k)} * xStride;`);
  if (keepAll) for (let e = L; e < N; e++) head.push(`const o${int(e)} = outBase + ${int(e)} * outStride;`);

  const body: string[] = [];
  const accumulators: string[] = [];
  for (let e = L; e < N; e++) accumulators.push(`a${e} = 0`, `s${e} = 0`, ...(renormalise ? [] : [`m${e} = 0`]));
  body.push(`let ${accumulators.join(', ')}, v;`);
  for (let e = 0; e < N; e++) {
    if (e < L) body.push(`v = x[x${e} + i];`);
    else {
      const mean = `s${e} === 0${renormalise ? '' : ` || m${e} === 1`} ? NaN : a${e} / s${e}`;
      body.push(m.geometric[e] === 1 ? `v = Math.exp(${mean});` : `v = ${mean};`);
      if (keepAll) body.push(`out[o${e} + i] = v;`);
      else if (e === root) body.push('out[outBase + i] = v;');
    }
    const p = m.parent[e];
    if (p < 0) continue;
    const term = m.geometric[p] === 1 ? `w${e} * Math.log(v)` : `w${e} * v`;
    body.push(`if (w${e} !== 0) { if (v === v) { a${p} += ${term}; s${p} += w${e}; }${renormalise ? '' : ` else m${p} = 1;`} }`);
  }
  const source = `"use strict";
return function aggregateColumns(x, xBase, xStride, w, wBase, out, outBase, outStride, n) {
  ${head.join('\n  ')}
  for (let i = 0; i < n; i++) {
    ${body.join('\n    ')}
  }
};`;
  return new Function(source)() as AggregateColumns;
}
