/**
 * The registry of normalisation methods. A new method is one file in this folder (see `method.ts`) plus its line
 * here and its test; its code (the per-leaf byte in compiled methodologies) is its position in this list, assigned
 * by name, and the methodology schema's `normalise` definition is built from the registered methods.
 */
import { goalposts } from './goalposts.js';
import { logRatio } from './log-ratio.js';
import type { NormalisationMethod } from './method.js';
import { minmax } from './minmax.js';
import { rank } from './rank.js';
import { ratio } from './ratio.js';
import { zscore } from './zscore.js';

export { transformCode, transformFlags } from './method.js';
export type { FixedNormalisation, LeafParameters, NormalisationMethod, NormaliseSpec, SliceNormalisation } from './method.js';

/** In code order. Codes are bytes; 255 is reserved (the sensitivity analysis's "as the methodology says"). */
export const NORMALISATIONS: readonly NormalisationMethod[] = [ratio, logRatio, goalposts, minmax, zscore, rank];

const byName = new Map(NORMALISATIONS.map((m, code) => [m.name, code]));

/** The code of a method by name; undefined for a name that is not registered (prototype keys included). */
export const normalisationCodeOf = (name: string): number | undefined => byName.get(name);

export const normalisationNames = (): string[] => NORMALISATIONS.map((m) => m.name);

export function normalisationByCode(code: number): NormalisationMethod {
  const m = NORMALISATIONS[code];
  if (!m) throw new Error(`no normalisation method has code ${code}`);
  return m;
}

/** Fixed-parameter methods can be normalised inside the compiled aggregation. */
export const isFixedNormalisation = (code: number): boolean => NORMALISATIONS[code]?.kind === 'fixed';

/** The methodology schema's `normalise` definition, completed from the registry: method names, properties, required ones. */
export function normaliseSchema(base: { properties: Record<string, object>; [k: string]: unknown }): object {
  const properties: Record<string, object> = { ...base.properties, method: { enum: normalisationNames() } };
  for (const m of NORMALISATIONS) Object.assign(properties, m.schema.properties);
  return {
    ...base,
    properties,
    allOf: NORMALISATIONS.filter((m) => m.schema.then).map((m) => ({ if: { properties: { method: { const: m.name } } }, then: m.schema.then })),
  };
}
