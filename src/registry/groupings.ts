import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indicatorsDir } from '../util/paths.js';
import { parseCsv } from '../util/csv-parse.js';
import { suggest } from '../util/suggest.js';
import { UserInputError } from '../util/errors.js';
import { loadEconomyRegistry, type EconomyRegistry } from './economies.js';

/** A partition of (some) economies into named groups: each economy is in at most one group. */
export interface Grouping {
  id: string;
  name: string;
  source: string;
  /** ISO3 → group. */
  groups: ReadonlyMap<string, string>;
}

export interface GroupingIndexEntry {
  id: string;
  name: string;
  source: string;
  file: string;
}

export class Groupings {
  /** A grouping, or what reads it when it is first asked for (the bundled files: a run uses two or three of 17). */
  private readonly byId: Map<string, Grouping | (() => Grouping)>;

  constructor(groupings: ReadonlyArray<Grouping | { id: string; load: () => Grouping }>) {
    this.byId = new Map(groupings.map((g) => [g.id, 'load' in g ? g.load : g]));
  }

  list(): Grouping[] {
    return [...this.byId.keys()].map((id) => this.get(id));
  }

  get(id: string): Grouping {
    let g = this.byId.get(id);
    if (typeof g === 'function') this.byId.set(id, (g = g()));
    if (g) return g;
    const near = suggest(id, this.byId.keys());
    throw new UserInputError(
      `unknown grouping "${id}"` + (near.length ? `; did you mean ${near.join(' or ')}?` : `; groupings: ${[...this.byId.keys()].join(', ')}`),
    );
  }

  /** The group of an economy (ISO3) in a grouping, or undefined when the grouping leaves it out. */
  groupOf(grouping: string, iso3: string): string | undefined {
    return this.get(grouping).groups.get(iso3.toUpperCase());
  }

  /** ISO3 codes of the economies in one group, sorted. */
  members(grouping: string, group: string): string[] {
    const g = this.get(grouping);
    const out = [...g.groups]
      .filter(([, x]) => x === group)
      .map(([iso3]) => iso3)
      .sort();
    if (out.length === 0 && ![...g.groups.values()].includes(group)) {
      const near = suggest(group, new Set(g.groups.values()));
      throw new UserInputError(
        `grouping "${grouping}" has no group "${group}"` + (near.length ? `; did you mean ${near.map((s) => `"${s}"`).join(' or ')}?` : ''),
      );
    }
    return out;
  }
}

let bundled: Groupings | undefined;

/** The groupings shipped in `indicators/groupings/` (the index read once, each file when its grouping is first used). */
export function loadGroupings(): Groupings {
  if (bundled) return bundled;
  const dir = join(indicatorsDir(), 'groupings');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as GroupingIndexEntry[];
  return (bundled = new Groupings(index.map((e) => ({ id: e.id, load: () => loadGroupingCsv(join(dir, e.file), e) }))));
}

/**
 * A grouping from a CSV with header `economy,group`. Economies may be given as ISO3, ISO2, M49 or a known name;
 * they are stored as ISO3. Any problem is a UserInputError naming file, line, column, value and rule.
 */
export function loadGroupingCsv(
  path: string,
  meta: { id: string; name: string; source?: string },
  economies: EconomyRegistry = loadEconomyRegistry(),
): Grouping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserInputError(`${path}: cannot read grouping file: ${(e as Error).message}`);
  }
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    throw new UserInputError(`${path}: ${(e as Error).message}`);
  }
  const fail = (line: number, column: string, value: string, rule: string): never => {
    throw new UserInputError(`${path}:${line}: column "${column}": ${JSON.stringify(value)}: ${rule}`);
  };
  const [header, ...rows] = records;
  if (header?.fields.join(',') !== 'economy,group')
    fail(header?.line ?? 1, 'header', header?.fields.join(',') ?? '', 'the header must be exactly "economy,group"');
  const groups = new Map<string, string>();
  const firstLine = new Map<string, number>();
  for (const r of rows) {
    if (r.fields.length === 1 && r.fields[0].trim() === '') continue; // blank line
    if (r.fields.length !== 2) fail(r.line, 'economy', r.fields.join(','), `expected 2 fields (economy,group), found ${r.fields.length}`);
    const [code, group] = r.fields;
    const c = economies.classify(code);
    if (c.kind !== 'economy') {
      const rule =
        c.kind === 'aggregate'
          ? `${c.code} is an aggregate (${c.name}), not an economy`
          : c.kind === 'non-iso'
            ? `${c.code} is not an ISO 3166 code` + (c.iso3 ? `; use ${c.iso3}` : '')
            : 'must be an economy code (ISO3, ISO2 or M49) or name' + (c.suggestions.length ? `; did you mean ${c.suggestions.join(' or ')}?` : '');
      fail(r.line, 'economy', code, rule);
    }
    const iso3 = (c as { economy: { iso3: string } }).economy.iso3;
    if (group.trim() === '') fail(r.line, 'group', group, 'the group must not be blank');
    if (groups.has(iso3))
      fail(r.line, 'economy', code, `${iso3} is already in group "${groups.get(iso3)}" (line ${firstLine.get(iso3)}); an economy belongs to one group`);
    groups.set(iso3, group.trim());
    firstLine.set(iso3, r.line);
  }
  return { id: meta.id, name: meta.name, source: meta.source ?? path, groups };
}
