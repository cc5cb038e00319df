/**
 * Basket definitions as data (indicators/baskets/<id>.json): allowances, minimum speed and technology, operator,
 * payment and promotion rules, the 30-day month, the GNI year rule, years in force and source. A basket file is
 * validated on load; every problem names the file, the field, the value and the rule.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserInputError } from '../util/errors.js';
import { indicatorsDir } from '../util/paths.js';
import { suggest } from '../util/suggest.js';

export const TECHNOLOGIES = ['2G', '3G', '4G', '5G', 'fixed'] as const;
export type Technology = (typeof TECHNOLOGIES)[number];
export const OPERATOR_RULES = ['largest', 'all'] as const;
export const PAYMENT_RULES = ['prepaid', 'postpaid', 'cheapest'] as const;
export const GNI_YEAR_RULES = ['same', 'previous', 'latest'] as const;
export type GniYearRule = (typeof GNI_YEAR_RULES)[number];

export interface Allowances {
  data_mb: number;
  voice_min: number;
  sms: number;
}

export interface SimpleBasket {
  kind: 'simple';
  id: string;
  name: string;
  indicator_prefix?: string;
  service: 'mobile' | 'fixed';
  allowances: Allowances;
  /** Allowances that differ in some years in force (e.g. 1.5 GB in 2018-2020). */
  allowances_by_year?: Array<{ from: number; to: number } & Partial<Allowances>>;
  voice_mix?: unknown;
  min_speed_kbps: number | null;
  technologies: Technology[];
  operator_rule: (typeof OPERATOR_RULES)[number];
  payment_rule: (typeof PAYMENT_RULES)[number];
  month_days: number;
  exclude_promotions: boolean;
  longer_validity: 'prorate' | 'whole';
  gni_year_rule: GniYearRule;
  years_in_force: { from: number; to: number | null };
  /** A price year outside the years in force: a warning in every output (default) or refused. */
  outside_years?: OutsideYears;
  /** Purchases a month of a plan of exactly this validity (28-day, weekly plans): ITU does not publish them. */
  validity_multiples?: Array<{ days: number; purchases: number }>;
  /** Calls a month the per-call connection charges are paid on (the IPB's 30 calls); absent: not counted. */
  calls_per_month?: number;
  /** With payment_rule prepaid: where an economy has no eligible prepaid plan, its postpaid plans price the basket. */
  postpaid_fallback?: boolean;
  /** Only the plans whose commitment is the closest to `months` (empty commitment_months = none, 0). */
  commitment?: { months: number } | null;
  /** Which plans decide the largest operator: all plans of the year and service, or only the non-promotional ones. */
  largest_operator_among?: 'all' | 'non-promotional';
  source: string;
  unverified?: Record<string, string>;
  file: string;
}

export type OutsideYears = 'warn' | 'refuse';

export interface CompositeBasket {
  kind: 'composite';
  id: string;
  name: string;
  composite: { components: string[]; cap_pct_gni: number | null; combine: 'mean' };
  years_in_force: { from: number; to: number | null };
  outside_years?: OutsideYears;
  source: string;
  unverified?: Record<string, string>;
  file: string;
}

export type Basket = SimpleBasket | CompositeBasket;

export const basketsDir = (): string => join(indicatorsDir(), 'baskets');

/** The allowances of a basket in a year (allowances_by_year overrides). */
export function allowancesIn(b: SimpleBasket, year: number): Allowances {
  const o = b.allowances_by_year?.find((a) => a.from <= year && year <= a.to);
  return { ...b.allowances, ...(o ? Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'from' && k !== 'to')) : {}) };
}

export function parseBasket(doc: unknown, file: string): Basket {
  const fail = (field: string, value: unknown, rule: string): never => {
    throw new UserInputError(`${file}: field "${field}", value ${JSON.stringify(value)}: ${rule} [bad-basket]`);
  };
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail('(document)', typeof doc, 'a basket file is one JSON object');
  const d = doc as Record<string, unknown>;
  const str = (f: string): string => (typeof d[f] === 'string' && (d[f] as string).trim() ? (d[f] as string) : fail(f, d[f], 'must be a non-empty string'));
  const id = str('id');
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(id)) fail('id', id, 'must be lower-case letters, digits, "." and "-"');
  const name = str('name');
  const source = str('source');
  const y = d.years_in_force as Record<string, unknown> | undefined;
  if (!y || !Number.isInteger(y.from) || !(y.to === null || Number.isInteger(y.to)) || (y.to !== null && (y.to as number) < (y.from as number)))
    fail('years_in_force', y, 'must be {"from": YEAR, "to": YEAR or null}, from <= to');
  const years = { from: y!.from as number, to: y!.to as number | null };
  if (
    d.unverified !== undefined &&
    (typeof d.unverified !== 'object' || d.unverified === null || Object.values(d.unverified).some((v) => typeof v !== 'string' || !v))
  )
    fail('unverified', d.unverified, 'must map each unverified field to the reason it is unverified');
  const unverified = d.unverified as Record<string, string> | undefined;
  if (d.outside_years !== undefined && d.outside_years !== 'warn' && d.outside_years !== 'refuse')
    fail('outside_years', d.outside_years, 'must be "warn" or "refuse"');
  const outside_years = d.outside_years as OutsideYears | undefined;
  if (d.composite !== undefined) {
    const c = d.composite as Record<string, unknown>;
    if (!Array.isArray(c.components) || c.components.length === 0 || c.components.some((x) => typeof x !== 'string'))
      fail('composite.components', c.components, 'must be a list of basket ids');
    if (!(c.cap_pct_gni === null || (typeof c.cap_pct_gni === 'number' && c.cap_pct_gni > 0)))
      fail('composite.cap_pct_gni', c.cap_pct_gni, 'must be a number > 0 or null');
    if (c.combine !== 'mean') fail('composite.combine', c.combine, 'must be "mean"');
    return { kind: 'composite', id, name, composite: c as CompositeBasket['composite'], years_in_force: years, outside_years, source, unverified, file };
  }
  const service = d.service;
  if (service !== 'mobile' && service !== 'fixed') fail('service', service, 'must be "mobile" or "fixed"');
  const a = d.allowances as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') fail('allowances', a, 'must be {"data_mb", "voice_min", "sms"}');
  for (const k of ['data_mb', 'voice_min', 'sms'])
    if (typeof a![k] !== 'number' || !((a![k] as number) >= 0)) fail(`allowances.${k}`, a![k], 'must be a number >= 0');
  if (a!.data_mb === 0 && a!.voice_min === 0 && a!.sms === 0) fail('allowances', a, 'a basket must ask for some data, voice or SMS');
  if (d.allowances_by_year !== undefined && !Array.isArray(d.allowances_by_year))
    fail('allowances_by_year', d.allowances_by_year, 'must be a list of {from, to, data_mb?, voice_min?, sms?}');
  if (!(d.min_speed_kbps === null || d.min_speed_kbps === undefined || (typeof d.min_speed_kbps === 'number' && d.min_speed_kbps >= 0)))
    fail('min_speed_kbps', d.min_speed_kbps, 'must be a number >= 0 or null');
  const tech = d.technologies;
  if (!Array.isArray(tech) || tech.length === 0) fail('technologies', tech, `must be a non-empty list of ${TECHNOLOGIES.join('|')}`);
  for (const t of tech as unknown[]) if (!TECHNOLOGIES.includes(t as Technology)) fail('technologies', t, `must be one of ${TECHNOLOGIES.join('|')}`);
  const oneOf = <T extends string>(f: string, allowed: readonly T[]): T =>
    allowed.includes(d[f] as T) ? (d[f] as T) : fail(f, d[f], `must be one of ${allowed.join('|')}`);
  const operator_rule = oneOf('operator_rule', OPERATOR_RULES);
  const payment_rule = oneOf('payment_rule', PAYMENT_RULES);
  const gni_year_rule = oneOf('gni_year_rule', GNI_YEAR_RULES);
  const longer_validity = d.longer_validity === undefined ? 'prorate' : oneOf('longer_validity', ['prorate', 'whole'] as const);
  if (!(typeof d.month_days === 'number' && d.month_days > 0)) fail('month_days', d.month_days, 'must be a number of days > 0 (30)');
  if (typeof d.exclude_promotions !== 'boolean') fail('exclude_promotions', d.exclude_promotions, 'must be true or false');
  const vm = d.validity_multiples;
  if (
    vm !== undefined &&
    (!Array.isArray(vm) ||
      vm.some((m) => !m || typeof m !== 'object' || !(typeof m.days === 'number' && m.days > 0) || !(typeof m.purchases === 'number' && m.purchases > 0)))
  )
    fail('validity_multiples', vm, 'must be a list of {"days": > 0, "purchases": > 0}');
  if (d.calls_per_month !== undefined && !(typeof d.calls_per_month === 'number' && d.calls_per_month >= 0))
    fail('calls_per_month', d.calls_per_month, 'must be a number >= 0');
  if (d.postpaid_fallback !== undefined && typeof d.postpaid_fallback !== 'boolean') fail('postpaid_fallback', d.postpaid_fallback, 'must be true or false');
  if (d.postpaid_fallback === true && payment_rule !== 'prepaid') fail('postpaid_fallback', true, 'only with "payment_rule": "prepaid"');
  const cm = d.commitment as { months?: unknown } | null | undefined;
  if (cm !== undefined && cm !== null && !(typeof cm === 'object' && typeof cm.months === 'number' && cm.months >= 0))
    fail('commitment', cm, 'must be {"months": >= 0} or null');
  if (d.largest_operator_among !== undefined && d.largest_operator_among !== 'all' && d.largest_operator_among !== 'non-promotional')
    fail('largest_operator_among', d.largest_operator_among, 'must be "all" or "non-promotional"');
  return {
    kind: 'simple',
    id,
    name,
    indicator_prefix: d.indicator_prefix as string | undefined,
    service: service as 'mobile' | 'fixed',
    allowances: a as unknown as Allowances,
    allowances_by_year: d.allowances_by_year as SimpleBasket['allowances_by_year'],
    voice_mix: d.voice_mix,
    min_speed_kbps: (d.min_speed_kbps as number | null | undefined) ?? null,
    technologies: tech as Technology[],
    operator_rule,
    payment_rule,
    month_days: d.month_days as number,
    exclude_promotions: d.exclude_promotions as boolean,
    longer_validity,
    gni_year_rule,
    years_in_force: years,
    outside_years,
    validity_multiples: vm as SimpleBasket['validity_multiples'],
    calls_per_month: d.calls_per_month as number | undefined,
    postpaid_fallback: d.postpaid_fallback as boolean | undefined,
    commitment: (cm as { months: number } | null | undefined) ?? null,
    largest_operator_among: d.largest_operator_among as SimpleBasket['largest_operator_among'],
    source,
    unverified,
    file,
  };
}

export function readBasketFile(path: string): Basket {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserInputError(`${path}: cannot read basket file: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const where = m ? `:${text.slice(0, Number(m[1])).split('\n').length}` : '';
    throw new UserInputError(`${path}${where}: not valid JSON: ${(e as Error).message} [bad-json]`);
  }
  return parseBasket(doc, path);
}

/** The shipped baskets, by id. */
export function loadBaskets(dir = basketsDir()): Map<string, Basket> {
  const out = new Map<string, Basket>();
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const b = readBasketFile(join(dir, f));
    if (`${b.id}.json` !== f) throw new UserInputError(`${join(dir, f)}: field "id", value "${b.id}": must match the file name [bad-basket]`);
    out.set(b.id, b);
  }
  for (const b of out.values())
    if (b.kind === 'composite')
      for (const c of b.composite.components)
        if (!out.has(c)) throw new UserInputError(`${b.file}: field "composite.components", value "${c}": no basket with this id [bad-basket]`);
  return out;
}

/** `--basket`: a shipped id, or a path to a basket file. */
export function resolveBasket(idOrFile: string): { basket: Basket; all: Map<string, Basket> } {
  const all = loadBaskets();
  const byId = all.get(idOrFile);
  if (byId) return { basket: byId, all };
  if (idOrFile.endsWith('.json') || existsSync(idOrFile)) {
    const b = readBasketFile(idOrFile);
    if (b.kind === 'composite')
      for (const c of b.composite.components)
        if (!all.has(c)) throw new UserInputError(`${idOrFile}: field "composite.components", value "${c}": no basket with this id [bad-basket]`);
    all.set(b.id, b);
    return { basket: b, all };
  }
  const near = suggest(idOrFile, all.keys());
  throw new UserInputError(
    `unknown basket "${idOrFile}"` + (near.length ? `; did you mean ${near.join(' or ')}?` : `; baskets: ${[...all.keys()].join(', ')}`),
  );
}
