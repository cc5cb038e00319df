import type { CompiledMethodology } from './methodology.js';
import { isFixedNormalisation, normalisationByCode, transformFlags, type FixedNormalisation } from './normalisations/index.js';

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
 * Leaves with a fixed-parameter normalisation (ratio, log-ratio, goalposts) can be normalised in the same pass,
 * from the raw values ("inline" leaves), with the arithmetic of the kernel's normaliseLeaf; the others
 * (minmax, zscore, rank, which need their slice's statistics, or leaves normalised beforehand) are read
 * normalised.
 *
 * Only integers (entry indices) and structure (which method, which direction, the flags) enter the generated
 * source; the parameters are read from the methodology's arrays when the function runs. Nothing from a
 * methodology file's text is spliced in, so a user-defined methodology cannot inject code.
 *
 * Signature of the returned function, over n columns:
 *   raw value of inline leaf k, column i:   r[rBase + k * rStride + i]
 *   normalised value of other leaf k:       x[xBase + k * xStride + i]
 *   weight of entry e:                      w[wBase + e]
 *   keep 'root':  out[outBase + i] = index score
 *   keep 'all':   out[outBase + e * outStride + i] = score of entry e: every node, the index, and the inline leaves
 */
export type AggregateColumns = (
  r: Float64Array | undefined,
  rBase: number,
  rStride: number,
  x: Float64Array | undefined,
  xBase: number,
  xStride: number,
  w: Float64Array,
  wBase: number,
  out: Float64Array,
  outBase: number,
  outStride: number,
  n: number,
) => void;

export { isFixedNormalisation };

const compiled = new WeakMap<CompiledMethodology, Map<string, AggregateColumns>>();

/** The compiled aggregation of `m`; `inline[k]` = 1 normalises leaf k in the pass (it must have a fixed-parameter method). */
export function aggregateColumns(m: CompiledMethodology, renormalise: boolean, keepAll: boolean, inline?: Uint8Array): AggregateColumns {
  let byFlags = compiled.get(m);
  if (!byFlags) compiled.set(m, (byFlags = new Map()));
  const mask = inline ? Array.from(inline, (b) => (b ? 1 : 0)).join('') : '';
  const key = `${renormalise ? 1 : 0}${keepAll ? 1 : 0}:${mask}`;
  let fn = byFlags.get(key);
  if (!fn) byFlags.set(key, (fn = generate(m, renormalise, keepAll, inline)));
  return fn;
}

function generate(m: CompiledMethodology, renormalise: boolean, keepAll: boolean, inline?: Uint8Array): AggregateColumns {
  const L = m.firstNode,
    N = m.parent.length,
    root = N - 1;
  const int = (x: number): string => {
    if (!Number.isSafeInteger(x)) throw new Error(`aggregateColumns: ${x} is not an entry index`);
    return String(x);
  };
  const head: string[] = [];
  for (let e = 0; e < N; e++) if (m.parent[e] >= 0) head.push(`const w${int(e)} = w[wBase + ${int(e)}];`);
  const isInline = (k: number): boolean => inline?.[k] === 1;
  for (let k = 0; k < L; k++) {
    if (!isInline(k)) {
      head.push(`const x${int(k)} = xBase + ${int(k)} * xStride;`);
      continue;
    }
    if (!isFixedNormalisation(m.method[k])) throw new Error(`aggregateColumns: leaf ${k} cannot be normalised inline`);
    head.push(`const x${int(k)} = rBase + ${int(k)} * rStride, p${int(k)} = P1[${int(k)}], q${int(k)} = P2[${int(k)}] - P1[${int(k)}];`);
    if (keepAll) head.push(`const o${int(k)} = outBase + ${int(k)} * outStride;`);
  }
  if (keepAll) for (let e = L; e < N; e++) head.push(`const o${int(e)} = outBase + ${int(e)} * outStride;`);

  const body: string[] = [];
  const accumulators: string[] = [];
  for (let e = L; e < N; e++) accumulators.push(`a${e} = 0`, `s${e} = 0`, ...(renormalise ? [] : [`m${e} = 0`]));
  body.push(`let ${accumulators.join(', ')}, v;`);
  for (let e = 0; e < N; e++) {
    if (e < L && !isInline(e)) body.push(`v = x[x${e} + i];`);
    else if (e < L) {
      // The method's own statements, the same the kernel's leaf loop is generated from.
      body.push(`v = r[x${e} + i];`);
      body.push(
        (normalisationByCode(m.method[e]) as FixedNormalisation).statements({ ...transformFlags(m.logScale[e]), direction: m.direction[e] }, `p${e}`, `q${e}`),
      );
      if (keepAll) body.push(`out[o${e} + i] = v;`);
    } else {
      const mean = `s${e} === 0${renormalise ? '' : ` || m${e} === 1`} ? NaN : a${e} / s${e}`;
      body.push(m.geometric[e] === 1 ? `v = Math.exp(${mean});` : `v = ${mean};`);
      if (keepAll) body.push(`out[o${e} + i] = v;`);
      else if (e === root) body.push('out[outBase + i] = v;');
    }
    const p = m.parent[e];
    if (p < 0) continue;
    const q = int(p),
      term = m.geometric[p] === 1 ? `w${e} * Math.log(v)` : `w${e} * v`;
    body.push(`if (w${e} !== 0) { if (v === v) { a${q} += ${term}; s${q} += w${e}; }${renormalise ? '' : ` else m${q} = 1;`} }`);
  }
  const source = `"use strict";
return function aggregateColumns(r, rBase, rStride, x, xBase, xStride, w, wBase, out, outBase, outStride, n) {
  ${head.join('\n  ')}
  for (let i = 0; i < n; i++) {
    ${body.join('\n    ')}
  }
};`;
  return new Function('P1', 'P2', source)(m.p1, m.p2) as AggregateColumns;
}
