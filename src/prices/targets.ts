/**
 * Affordability targets as data (indicators/targets.json): a threshold in % of monthly GNI per capita, the
 * comparison, the baskets it is measured on and the years; `meetingTarget` lists the economies that meet it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserInputError } from '../util/errors.js';
import { indicatorsDir } from '../util/paths.js';
import type { BasketPanel } from './aggregate.js';

export interface AffordabilityTarget {
  id: string;
  name: string;
  threshold_pct_gni: number;
  comparison: '<' | '<=';
  baskets: string[];
  applies_to: string;
  from_year?: number;
  to_year?: number;
  source: string;
  unverified?: Record<string, string>;
}

export function loadTargets(path = join(indicatorsDir(), 'targets.json')): AffordabilityTarget[] {
  let doc: { targets?: AffordabilityTarget[] };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserInputError(`${path}: cannot read targets: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc.targets)) throw new UserInputError(`${path}: expected {"targets": [...]}`);
  doc.targets.forEach((t, k) => {
    const where = `${path}: targets[${k}]${t?.id ? ` (${t.id})` : ''}`;
    if (!t || typeof t.id !== 'string') throw new UserInputError(`${where}: field "id": must be a string [bad-target]`);
    if (!(typeof t.threshold_pct_gni === 'number' && t.threshold_pct_gni > 0))
      throw new UserInputError(`${where}: field "threshold_pct_gni", value ${JSON.stringify(t.threshold_pct_gni)}: must be a number > 0 [bad-target]`);
    if (t.comparison !== '<' && t.comparison !== '<=')
      throw new UserInputError(`${where}: field "comparison", value ${JSON.stringify(t.comparison)}: must be "<" or "<=" [bad-target]`);
    if (!Array.isArray(t.baskets) || t.baskets.length === 0) throw new UserInputError(`${where}: field "baskets": must list basket ids [bad-target]`);
    if (typeof t.source !== 'string' || !t.source) throw new UserInputError(`${where}: field "source": every target needs a source [bad-target]`);
  });
  return doc.targets;
}

export interface TargetResult {
  target: string;
  basket: string;
  year: number;
  evaluated: number;
  meeting: string[];
}

/** For each target, applicable basket (% of GNI p.c. panels) and year in the target's range: the economies meeting it. */
export function meetingTarget(targets: readonly AffordabilityTarget[], gniPanels: readonly BasketPanel[], years?: ReadonlySet<number>): TargetResult[] {
  const out: TargetResult[] = [];
  for (const t of targets)
    for (const p of gniPanels) {
      if (!t.baskets.includes(p.basket)) continue;
      const nY = p.years.length;
      for (let y = 0; y < nY; y++) {
        const year = p.years[y];
        if ((t.from_year !== undefined && year < t.from_year) || (t.to_year !== undefined && year > t.to_year) || (years && !years.has(year))) continue;
        let evaluated = 0;
        const meeting: string[] = [];
        for (let e = 0; e < p.economies.length; e++) {
          const v = p.values[e * nY + y];
          if (Number.isNaN(v)) continue;
          evaluated++;
          if (t.comparison === '<' ? v < t.threshold_pct_gni : v <= t.threshold_pct_gni) meeting.push(p.economies[e]);
        }
        if (evaluated) out.push({ target: t.id, basket: p.basket, year, evaluated, meeting });
      }
    }
  return out;
}
