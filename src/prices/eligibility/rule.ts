/**
 * A basket eligibility rule: which plans of the price year may price the basket. One file per rule holds what it
 * checks, the basket fields it reads and the reason(s) a plan fails it; the registry (`index.ts`) applies the rules
 * in order and gives each reason its code by position. A rule is one vectorised pass over the plan columns: it marks
 * the plans that are still eligible (reason 0) and fail it, so the first rule a plan fails is its reason.
 */
import type { SimpleBasket } from '../basket.js';
import type { TariffTable } from '../tariffs.js';

export interface EligibilityRule {
  name: string;
  /** The reasons a plan fails this rule, as explain prints them; `apply` writes `codes[k]` for the k-th. */
  reasons: readonly string[];
  /** The basket fields the rule reads (documentation and the README's table). */
  basketFields: readonly string[];
  /**
   * For each plan i of the year (`considered[i]` = 1) with `reason[i]` = 0 that fails the rule, set `reason[i]` to
   * one of `codes`.
   */
  apply(t: TariffTable, basket: SimpleBasket, year: number, considered: Uint8Array, reason: Uint8Array, codes: readonly number[]): void;
}
