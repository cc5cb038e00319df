import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indicatorsDir, snapshotDir } from '../util/paths.js';
import { suggest } from '../util/suggest.js';
import { UserInputError } from '../util/errors.js';
import { addCompiledFormulas, compileFormula, type CompiledFormula, type FormulaSource } from './formula.js';

export const INDICATOR_KINDS = ['percent', 'per-100', 'count', 'bits-per-second', 'years', 'currency', 'ratio', 'price'] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

export interface IndicatorDef {
  id: string;
  name: string;
  definition: string;
  unit: string;
  kind: IndicatorKind;
  /** Inclusive valid range [min, max]. */
  range: [number, number];
  agency: string;
  aliases: string[];
  sdg?: string;
  source: string;
  /** A derived indicator: a mathjs expression over other indicator ids. */
  derived?: { formula: string };
  /** Price indicators: the basket id, the unit variant, and the years the basket definition was in force. */
  basket?: string;
  basketUnit?: 'usd' | 'ppp' | 'gni_pct';
  yearsInForce?: string;
}

/** A price: in a currency (kind `price`) or as a share of GNI per capita (a basket's affordability). */
export function isPriceIndicator(def: Pick<IndicatorDef, 'kind' | 'unit' | 'basketUnit'>): boolean {
  return def.kind === 'price' || def.basketUnit !== undefined || /GNI per capita/i.test(def.unit);
}

export interface DerivedIndicator {
  def: IndicatorDef;
  formula: CompiledFormula;
}

export class IndicatorRegistry {
  readonly indicators: readonly IndicatorDef[];
  private readonly byKey = new Map<string, IndicatorDef>();
  private readonly derivedCache = new Map<string, DerivedIndicator>();

  constructor(
    indicators: IndicatorDef[],
    private readonly origin = 'indicator registry',
    opts: { checkFormulas?: boolean } = {},
  ) {
    this.indicators = indicators;
    const problems: string[] = [];
    for (const [i, d] of indicators.entries()) {
      const where = `${origin}: indicators[${i}]${d?.id ? ` (${d.id})` : ''}`;
      if (!d || typeof d.id !== 'string' || !/^[a-z][a-z0-9_]*$/.test(d.id)) {
        problems.push(`${where}: id must be snake_case`);
        continue;
      }
      for (const f of ['name', 'definition', 'unit', 'agency', 'source'] as const)
        if (typeof d[f] !== 'string' || d[f].length === 0) problems.push(`${where}: missing ${f}`);
      if (!INDICATOR_KINDS.includes(d.kind)) problems.push(`${where}: kind "${d.kind}" is not one of ${INDICATOR_KINDS.join(', ')}`);
      if (!Array.isArray(d.range) || d.range.length !== 2 || !(d.range[0] <= d.range[1])) problems.push(`${where}: range must be [min, max] with min <= max`);
      if (!Array.isArray(d.aliases)) problems.push(`${where}: aliases must be a list`);
      for (const key of [d.id, ...(d.aliases ?? [])]) {
        const k = key.toLowerCase();
        const prior = this.byKey.get(k);
        if (prior) problems.push(`${where}: "${key}" already names ${prior.id}`);
        else this.byKey.set(k, d);
      }
    }
    // Formulas are checked once all ids are known; the bundled registry's are checked by its tests and when first
    // compiled (compiling loads mathjs, which a command that computes no derived indicator should not pay for).
    if (opts.checkFormulas !== false) for (const d of indicators) if (d?.derived) problems.push(...this.formulaProblems(d, origin));
    if (problems.length) throw new UserInputError(problems.join('\n'));
  }

  /** What is wrong with a derived indicator's formula (it does not parse, reads an unknown id or itself); compiles it. */
  formulaProblems(d: IndicatorDef, origin = this.origin): string[] {
    if (!d.derived) return [];
    const problems: string[] = [];
    try {
      const f = compileFormula(d.derived.formula);
      for (const input of f.inputs)
        if (!this.byKey.has(input.toLowerCase()) || this.byKey.get(input.toLowerCase())!.id !== input)
          problems.push(`${origin}: ${d.id}: formula input "${input}" is not an indicator id`);
      if (f.inputs.includes(d.id)) problems.push(`${origin}: ${d.id}: formula refers to itself`);
    } catch (e) {
      problems.push(`${origin}: ${d.id}: formula "${d.derived.formula}": ${(e as Error).message}`);
    }
    return problems;
  }

  /** The indicator named by an id or alias (case-insensitive), or undefined. */
  find(key: string): IndicatorDef | undefined {
    return this.byKey.get(key.trim().toLowerCase());
  }

  /** Like `find`, but a miss is a user error that suggests the nearest ids and aliases. */
  resolve(key: string): IndicatorDef {
    const def = this.find(key);
    if (def) return def;
    const near = this.suggest(key);
    throw new UserInputError(
      `unknown indicator "${key}"` + (near.length ? `; did you mean ${near.map((s) => `"${s}"`).join(' or ')}?` : '; `ictstat indicators` lists them'),
    );
  }

  suggest(key: string): string[] {
    return suggest(
      key,
      this.indicators.flatMap((d) => [d.id, ...d.aliases]),
    );
  }

  get(id: string): IndicatorDef {
    const d = this.byKey.get(id.toLowerCase());
    if (!d || d.id !== id) throw new Error(`no indicator with id ${id}`);
    return d;
  }

  /** The compiled formula of a derived indicator (compiled once, cached). */
  derived(id: string): DerivedIndicator | undefined {
    const def = this.get(id);
    if (!def.derived) return undefined;
    let d = this.derivedCache.get(id);
    if (!d) {
      const problems = this.formulaProblems(def);
      if (problems.length) throw new UserInputError(problems.join('\n'));
      this.derivedCache.set(id, (d = { def, formula: compileFormula(def.derived.formula) }));
    }
    return d;
  }
}

let bundled: IndicatorRegistry | undefined;

/** The registry in `indicators/indicators.json`, or in another file of the same shape. */
export function loadIndicatorRegistry(file?: string): IndicatorRegistry {
  if (!file && bundled) return bundled;
  const path = file ?? join(indicatorsDir(), 'indicators.json');
  let doc: { indicators?: IndicatorDef[] };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserInputError(`${path}: cannot read the indicator registry: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc.indicators)) throw new UserInputError(`${path}: expected {"indicators": [...]}`);
  // A registry file given by the user has its formulas checked at load; the bundled one's are checked by the tests.
  const reg = new IndicatorRegistry(doc.indicators, path, { checkFormulas: file !== undefined });
  if (!file) {
    bundled = reg;
    seedFormulasCompiledAhead();
  }
  return reg;
}

/**
 * The bundled registry's formulas as `npm run build` generated them (dist/snapshot/formulas.json, keyed by the
 * expression text, so an edited formula is parsed afresh): deriving an indicator then does not load the parser.
 */
function seedFormulasCompiledAhead(): void {
  const path = join(snapshotDir(), 'formulas.json');
  if (!existsSync(path)) return;
  try {
    addCompiledFormulas((JSON.parse(readFileSync(path, 'utf8')) as { formulas: FormulaSource[] }).formulas);
  } catch {
    // a damaged build artefact only costs the parser's load time: every formula is then parsed from its text
  }
}
