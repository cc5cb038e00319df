/**
 * The registry of imputation methods. A new method is one file in this folder (see `method.ts`) plus its line here
 * and its test; its cell status code is 2 + its position in this list (0 observed, 1 earlier, 255 missing), and the
 * methodology schema's `imputation` definition is built from the registered methods.
 */
import { groupMedian } from './group-median.js';
import { hotDeck } from './hot-deck.js';
import { interpolation } from './interpolation.js';
import { EARLIER, MISSING, OBSERVED, type ImputationMethod } from './method.js';
import { nearestYear } from './nearest-year.js';
import { regression } from './regression.js';
import { trend } from './trend.js';

export * from './method.js';

export const IMPUTATIONS: readonly ImputationMethod[] = [nearestYear, interpolation, regression, groupMedian, hotDeck, trend];

const FIRST_CODE = 2;
const byName = new Map(IMPUTATIONS.map((m, k) => [m.name, k]));

/** The method of a registered name (undefined otherwise, prototype keys included). */
export const imputationByName = (name: string): ImputationMethod | undefined => {
  const k = byName.get(name);
  return k === undefined ? undefined : IMPUTATIONS[k];
};

/** The status code of cells a method fills. */
export const imputationCode = (name: string): number => FIRST_CODE + byName.get(name)!;

/** Status codes by name: observed, earlier, every method, missing. */
export const CELL: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(
    Object.create(null) as Record<string, number>,
    { observed: OBSERVED, earlier: EARLIER },
    Object.fromEntries(IMPUTATIONS.map((m, k) => [m.name, FIRST_CODE + k])),
    { missing: MISSING },
  ),
);
export const CELL_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(CELL).map(([k, v]) => [v, k]));

/** Cells filled by an imputation method (not reported, not missing). */
export const isImputed = (status: number): boolean => status >= FIRST_CODE && status !== MISSING;

/** The methodology schema's `imputation` definition, completed from the registry. */
export function imputationSchema(base: { properties: Record<string, object>; [k: string]: unknown }): object {
  return {
    ...base,
    properties: { ...base.properties, method: { enum: IMPUTATIONS.map((m) => m.name) } },
    allOf: IMPUTATIONS.map((m) => ({
      if: { properties: { method: { const: m.name } } },
      then: { ...(m.schema.required?.length ? { required: m.schema.required } : {}), properties: m.schema.properties },
    })),
  };
}

/** What a caller outside the IDI (the world estimates) needs besides the methods: the panel and the pass. */
export { buildPanel, fillDerived, marksEstimate, panelIndex, type EstimateMarker, type Panel } from '../panel.js';
export { impute, yearMatrix } from './matrix.js';
