/**
 * The estimates file (`indicators/estimates/aggregates.json`): for each indicator the denominator, the order and
 * parameters of its estimation methods (registered imputation methods, each with its source), and the global
 * settings (look-ahead, ITU-estimate markers, nowcast rule, the 10+ population assumption, World Bank codes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imputationByName, type ImputationStep } from '../idi/imputation/index.js';
import type { IndicatorRegistry } from '../registry/indicators.js';
import { UserInputError } from '../util/errors.js';
import { indicatorsDir } from '../util/paths.js';

export type Denominator = 'population' | 'population10plus';

export interface IndicatorEstimateSpec {
  denominator: Denominator;
  /** Values are per `scale` people (100 for per-100 inhabitants; percentages too). */
  scale?: number;
  count: string;
  /** What the complement of the count is called (people offline); only for shares. */
  complement?: string;
  /** Series whose ITU-estimate marker also marks this one (a ratio ITU derived from a marked count). */
  estimateFlagFrom?: string[];
  imputation: ImputationStep[];
}

export type WorldBankMembershipKind = 'region' | 'incomeLevel' | 'lendingType';

/**
 * What a World Bank aggregate code stands for: a group of one of our groupings, or the World Bank's own
 * membership (CLASS FY2024 through indicators/worldbank*.json): the economies in every listed kind, any of the
 * codes within a kind (EAP: region EAP; IDA: lending type IDB or IDX; TEA: region EAS and lending IBD, IDB or IDX).
 */
export type WorldBankCode = ({ grouping: string; group: string } | { members: Partial<Record<WorldBankMembershipKind, string[]>> }) & { note?: string };

export interface EstimatesConfig {
  source: string;
  lookAhead: { value: number; source: string };
  auxiliaryLatestWithin: { value: number; source: string };
  ituEstimate: { prefixes: string[]; columns: ('source' | 'note')[]; source: string };
  /** Our rule (ESTIMATES.md gives none): `source` says so, `rationale` why. */
  nowcast: { minInputShare: number; source: string; rationale: string };
  population10plus: { under10ShareOf0to14: number; assumption: string; source: string };
  groupings: { default: string[]; world: string; source: string };
  worldBankCodes: { source: string; codes: Record<string, WorldBankCode>; notComputed: string };
  indicators: Record<string, IndicatorEstimateSpec>;
}

export const ESTIMATES_FILE = (): string => join(indicatorsDir(), 'estimates', 'aggregates.json');

let bundled: EstimatesConfig | undefined;

/** The bundled estimates file, checked once against the imputation and indicator registries. */
export function loadEstimatesConfig(registry: IndicatorRegistry): EstimatesConfig {
  if (bundled) return bundled;
  const path = ESTIMATES_FILE();
  return (bundled = checkEstimatesConfig(JSON.parse(readFileSync(path, 'utf8')) as EstimatesConfig, registry, path));
}

/** Every method registered with its required parameters and a source; every series a known indicator. */
export function checkEstimatesConfig(c: EstimatesConfig, registry: IndicatorRegistry, file: string): EstimatesConfig {
  const fail = (where: string, rule: string): never => {
    throw new UserInputError(`${file}: ${where}: ${rule}`, { code: 'invalid-estimates-file', field: where });
  };
  const known = (where: string, id: unknown): void => {
    if (typeof id !== 'string' || !registry.find(id)) fail(where, `${JSON.stringify(id)} is not an indicator of the registry`);
  };
  for (const k of ['lookAhead', 'auxiliaryLatestWithin'] as const)
    if (!Number.isInteger(c[k]?.value) || c[k].value < 0 || c[k].value > 20) fail(k, 'must be a whole number of years from 0 to 20');
  if (!(c.nowcast?.minInputShare >= 0 && c.nowcast.minInputShare <= 1)) fail('nowcast.minInputShare', 'must be a share from 0 to 1');
  if (typeof c.nowcast.source !== 'string' || !c.nowcast.source || typeof c.nowcast.rationale !== 'string' || !c.nowcast.rationale)
    fail('nowcast', 'names its source (or says "ours") and gives its rationale');
  if (!(c.population10plus?.under10ShareOf0to14 >= 0 && c.population10plus.under10ShareOf0to14 <= 1))
    fail('population10plus.under10ShareOf0to14', 'must be a share from 0 to 1');
  if (!c.ituEstimate?.prefixes?.length) fail('ituEstimate.prefixes', 'must list at least one prefix');
  for (const [code, x] of Object.entries(c.worldBankCodes?.codes ?? {})) {
    const where = `worldBankCodes.codes.${code}`;
    if (code !== code.toUpperCase()) fail(where, 'codes are upper case, as the World Bank writes them');
    if ('members' in x) {
      const kinds = Object.entries(x.members);
      if (!kinds.length) fail(`${where}.members`, 'must name at least one of region, incomeLevel, lendingType');
      for (const [k, v] of kinds)
        if (!['region', 'incomeLevel', 'lendingType'].includes(k) || !Array.isArray(v) || !v.length || v.some((s) => typeof s !== 'string'))
          fail(`${where}.members.${k}`, 'must be region, incomeLevel or lendingType with a list of World Bank codes');
    } else if (typeof x.grouping !== 'string' || typeof x.group !== 'string') fail(where, 'needs "grouping" and "group", or "members"');
  }
  for (const [id, spec] of Object.entries(c.indicators)) {
    known(`indicators.${id}`, id);
    if (spec.denominator !== 'population' && spec.denominator !== 'population10plus')
      fail(`indicators.${id}.denominator`, 'must be "population" or "population10plus"');
    for (const f of spec.estimateFlagFrom ?? []) known(`indicators.${id}.estimateFlagFrom`, f);
    spec.imputation.forEach((step, n) => {
      const where = `indicators.${id}.imputation[${n}]`;
      const method = imputationByName(step.method);
      if (!method) fail(where, `unknown method ${JSON.stringify(step.method)}`);
      if (typeof step.source !== 'string' || !step.source) fail(where, 'every step names its source (or says "ours")');
      for (const r of method!.schema.required ?? []) if (step[r] === undefined) fail(where, `${step.method} needs "${r}"`);
      for (const f of method!.indicatorFields) if (step[f] !== undefined) known(`${where}.${f}`, step[f]);
    });
  }
  return c;
}

/** The spec of an indicator, or a clear error listing those that have one. */
export function indicatorSpec(c: EstimatesConfig, id: string): IndicatorEstimateSpec {
  const s = c.indicators[id];
  if (!s || !Object.hasOwn(c.indicators, id))
    throw new UserInputError(`no estimation method for "${id}"; the estimates file covers ${Object.keys(c.indicators).join(', ')}`, {
      code: 'unknown-indicator',
      field: 'indicator',
      value: id,
    });
  return s;
}
