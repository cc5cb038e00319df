/**
 * A normalisation method: how a leaf's raw values become scores in [0, 1] (zscore aside). One file per method
 * holds its parameters (their JSON schema and their meaning checks), how they compile into a leaf's numbers, and
 * its arithmetic, once:
 * - `fixed` methods (parameters known before the data: ratio, log-ratio, goalposts) give their arithmetic as
 *   JavaScript statements over `v`; the kernel's leaf loop and the compiled aggregation (`fused.ts`) are both
 *   generated from these statements, so the two cannot drift;
 * - `slice` methods (statistics of each slice: minmax, zscore, rank) give a function over one slice.
 * Only the statements of the registered methods (this folder's code) ever enter generated source; a methodology
 * file contributes numbers, read from typed arrays at run time.
 */

/** A leaf's `normalise` object as written in a methodology file. */
export interface NormaliseSpec {
  method: string;
  direction?: 1 | -1;
  [parameter: string]: unknown;
}

/** What a leaf's spec compiles to: two numbers, a direction and a transform flag (the kernel's per-leaf arrays). */
export interface LeafParameters {
  p1: number;
  p2: number;
  direction: 1 | -1;
  /** On log10 values. */
  log: boolean;
  /** On ln(x + 1) values (compiled as transform code 2; log10 is 1). */
  ln1p?: boolean;
}

/** The per-leaf transform byte of a compiled methodology (`logScale`): 0 none, 1 log10, 2 ln(x + 1). */
export const transformCode = (leaf: { log: boolean; ln1p?: boolean }): number => (leaf.log ? 1 : leaf.ln1p ? 2 : 0);
export const transformFlags = (code: number): { log: boolean; ln1p: boolean } => ({ log: code === 1, ln1p: code === 2 });

interface MethodBase {
  name: string;
  /** One line for the docs and the CLI. */
  description: string;
  /** JSON schema of the method's own properties, and the `then` of its `if method = name` clause (required ones). */
  schema: { properties: Record<string, object>; then?: object };
  /** Problems in the meaning of a leaf's spec (beyond the schema), as messages; `at` is the spec's JSON path. */
  check(n: NormaliseSpec, at: string): string[];
  parameters(n: NormaliseSpec): LeafParameters;
}

export interface FixedNormalisation extends MethodBase {
  kind: 'fixed';
  /**
   * JavaScript statements that turn the raw value in `v` into the score in `v` (NaN stays NaN). They may read
   * the constants named by `p` (= p1) and `q` (= p2 - p1); `leaf` gives the compile-time flags.
   */
  statements(leaf: { log: boolean; ln1p?: boolean; direction: number }, p: string, q: string): string;
}

export interface SliceNormalisation extends MethodBase {
  kind: 'slice';
  /**
   * One slice of S columns: values[vbase + i] -> out[obase + i]; include[col0 + i] says which columns take part
   * (the others get NaN) in the slice's statistics.
   */
  slice(direction: number, values: Float64Array, vbase: number, out: Float64Array, obase: number, col0: number, S: number, include: Uint8Array): void;
}

export type NormalisationMethod = FixedNormalisation | SliceNormalisation;

/** The clamp to [0, 1] that fixed methods apply, as a statement (NaN passes through). */
export const CLAMP01 = 'v = v < 0 ? 0 : v > 1 ? 1 : v;';

/** The common direction rule: -1 = lower is better, i.e. 1 - score. */
export const flip = (direction: number, t: number): number => (direction < 0 && t === t ? 1 - t : t);
