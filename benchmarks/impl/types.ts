import type { Typed } from '../bin.js';

/** One peer of one scenario: `prepare` loads the input (timed apart as load), `run` is what is timed. */
export interface Impl<S = unknown> {
  prepare(file: string): Promise<S>;
  run(state: S): Promise<Record<string, Typed>> | Record<string, Typed>;
  /** Release native resources (DuckDB). */
  close?(state: S): Promise<void> | void;
}
