/**
 * The World Bank's view of economies (its names, regions, income levels, lending types, capitals, aggregate
 * codes) and our catalogue of sources and topics in the World Bank's shape: the data the World Bank v2 routes
 * answer with. Read from indicators/worldbank.json, worldbank-groups.json and catalogue.json (each with its source).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indicatorsDir } from '../util/paths.js';
import { UserInputError } from '../util/errors.js';
import { loadEconomyRegistry, type Economy } from './economies.js';
import { loadIndicatorRegistry, type IndicatorDef } from './indicators.js';

export interface WbRef {
  id: string;
  iso2code: string;
  value: string;
}
export interface WbEconomyMeta {
  name: string;
  lendingType: string;
  capitalCity: string;
  longitude: string;
  latitude: string;
}
export interface WbAggregate {
  code: string;
  iso2code: string;
  name: string;
}
export interface WbIncomeLevel {
  id: string;
  iso2code: string;
  value: string;
  groups: string[];
}
export interface WbSource {
  id: string;
  code: string;
  name: string;
  description: string;
  url: string;
  indicators?: 'all';
  registrySources?: string[];
}
export interface WbTopic {
  id: string;
  value: string;
  sourceNote: string;
  indicators?: string[];
  registrySources?: string[];
}

interface MetaFile {
  economies: Record<string, WbEconomyMeta>;
  aggregates: Record<string, { iso2code: string; name: string }>;
}
interface GroupsFile {
  geoRegions: Record<string, string>;
  adminRegionOf: Record<string, string>;
  regionTypes: Record<string, string[]>;
  incomeLevels: WbIncomeLevel[];
  lendingTypes: Array<{ id: string; iso2code: string; value: string }>;
}
interface CatalogueFile {
  sources: WbSource[];
  topics: WbTopic[];
}

const EMPTY: WbRef = { id: '', iso2code: '', value: '' };

export class WorldBankRegistry {
  readonly aggregates: readonly WbAggregate[];
  private readonly aggBy = new Map<string, WbAggregate>();
  readonly incomeLevels: readonly WbIncomeLevel[];
  readonly lendingTypes: readonly WbRef[];
  readonly sources: readonly WbSource[];
  readonly topics: readonly WbTopic[];

  constructor(
    private readonly meta: MetaFile,
    private readonly groups: GroupsFile,
    catalogue: CatalogueFile,
  ) {
    this.aggregates = Object.entries(meta.aggregates).map(([code, a]) => ({ code, iso2code: a.iso2code, name: a.name }));
    for (const a of this.aggregates) {
      this.aggBy.set(a.code.toUpperCase(), a);
      if (a.iso2code) this.aggBy.set(a.iso2code.toUpperCase(), a);
    }
    this.incomeLevels = groups.incomeLevels;
    this.lendingTypes = groups.lendingTypes;
    const ids = loadIndicatorRegistry();
    const problems: string[] = [];
    for (const t of catalogue.topics) for (const i of t.indicators ?? []) if (!ids.find(i)) problems.push(`catalogue.json: topic ${t.id}: no indicator "${i}"`);
    for (const [code] of Object.entries(groups.adminRegionOf)) if (!this.aggBy.has(code)) problems.push(`worldbank-groups.json: no aggregate "${code}"`);
    if (problems.length) throw new UserInputError(problems.join('\n'));
    this.sources = catalogue.sources;
    this.topics = catalogue.topics;
  }

  /** An aggregate by its World Bank code (WLD) or ISO2-style code (1W), case-insensitively. */
  aggregate(code: string): WbAggregate | undefined {
    return this.aggBy.get(code.trim().toUpperCase());
  }

  private ref(code: string | undefined): WbRef {
    const a = code ? this.aggBy.get(code) : undefined;
    return a ? { id: a.code, iso2code: a.iso2code, value: a.name } : EMPTY;
  }

  /** The World Bank's own name of an economy (CLASS), where it has one. */
  name(e: Economy): string | undefined {
    return this.meta.economies[e.iso3]?.name || undefined;
  }

  region(e: Economy): WbRef {
    return this.ref(e.wbRegion ? this.groups.geoRegions[e.wbRegion] : undefined);
  }

  /** The administrative region: the geographic region's low- and middle-income part (none for high income). */
  adminRegion(e: Economy): WbRef {
    const geo = e.wbRegion ? this.groups.geoRegions[e.wbRegion] : undefined;
    if (!geo || !e.incomeGroup || e.incomeGroup === 'High income') return EMPTY;
    return this.ref(this.groups.adminRegionOf[geo]);
  }

  incomeLevel(e: Economy): WbRef {
    const l = this.incomeLevels.find((x) => x.groups.length === 1 && x.groups[0] === e.incomeGroup);
    return l ? { id: l.id, iso2code: l.iso2code, value: l.value } : e.incomeGroup ? EMPTY : this.incomeRef('INX');
  }

  private incomeRef(id: string): WbRef {
    const l = this.incomeLevels.find((x) => x.id === id);
    return l ? { id: l.id, iso2code: l.iso2code, value: l.value } : EMPTY;
  }

  lendingType(e: Economy): WbRef {
    const id = this.meta.economies[e.iso3]?.lendingType;
    return this.lendingTypes.find((x) => x.id === id) ?? EMPTY;
  }

  capital(e: Economy): { capitalCity: string; longitude: string; latitude: string } {
    const m = this.meta.economies[e.iso3];
    return { capitalCity: m?.capitalCity ?? '', longitude: m?.longitude ?? '', latitude: m?.latitude ?? '' };
  }

  /** Regions as /v2/region lists them: every aggregate that is not an income level or a lending type; `type` filters. */
  regions(type?: string): WbAggregate[] {
    const notRegions = new Set([...this.incomeLevels.map((l) => l.id), ...this.lendingTypes.map((l) => l.id), 'IBT', 'IDA', 'IBB', 'WLD']);
    if (type !== undefined) {
      const codes = this.groups.regionTypes[type.toLowerCase()];
      if (!codes) throw new UserInputError(`region type must be one of ${Object.keys(this.groups.regionTypes).join(', ')}`, { field: 'type', value: type });
      return codes.map((c) => this.aggBy.get(c)!).filter(Boolean);
    }
    return this.aggregates.filter((a) => !notRegions.has(a.code));
  }

  /** Economies in a region (geographic or administrative), income level or lending type, by code or ISO2 code. */
  members(kind: 'region' | 'incomeLevel' | 'lendingType', code: string): Economy[] | undefined {
    const all = loadEconomyRegistry().all();
    const key = code.trim().toUpperCase();
    if (kind === 'incomeLevel') {
      const l = this.incomeLevels.find((x) => x.id === key || x.iso2code === key);
      return l && all.filter((e) => (l.groups.length ? l.groups.includes(e.incomeGroup ?? '') : !e.incomeGroup));
    }
    if (kind === 'lendingType') {
      const l = this.lendingTypes.find((x) => x.id === key || x.iso2code === key);
      return l && all.filter((e) => this.lendingType(e).id === l.id);
    }
    const a = this.aggBy.get(key);
    if (!a) return undefined;
    if (Object.values(this.groups.geoRegions).includes(a.code) || Object.values(this.groups.adminRegionOf).includes(a.code))
      return all.filter((e) => this.region(e).id === a.code || this.adminRegion(e).id === a.code);
    return undefined;
  }

  /** The indicators of a source or topic. */
  indicatorsOf(x: WbSource | WbTopic): IndicatorDef[] {
    const all = loadIndicatorRegistry().indicators;
    if ((x as WbSource).indicators === 'all') return [...all];
    const ids = new Set((x as WbTopic).indicators ?? []);
    const srcs = new Set(x.registrySources ?? []);
    return all.filter((d) => ids.has(d.id) || srcs.has(d.source));
  }

  /** The catalogue source an indicator belongs to (the most specific one; source 2 holds every indicator). */
  sourceOf(d: IndicatorDef): WbSource {
    return this.sources.find((s) => s.registrySources?.includes(d.source)) ?? this.sources[0];
  }

  topicsOf(d: IndicatorDef): WbTopic[] {
    return this.topics.filter((t) => t.indicators?.includes(d.id) || t.registrySources?.includes(d.source));
  }
}

/** The code World Bank clients know an indicator by: its WDI code where it has one (IT.NET.USER.ZS), else its id. */
export function publicCode(d: IndicatorDef): string {
  return d.aliases.find((a) => /^[A-Z]{2}\.[A-Z0-9]+(\.[A-Z0-9]+)+$/.test(a)) ?? d.id;
}

let bundled: WorldBankRegistry | undefined;

export function loadWorldBankRegistry(): WorldBankRegistry {
  if (bundled) return bundled;
  const read = <T>(f: string): T => JSON.parse(readFileSync(join(indicatorsDir(), f), 'utf8')) as T;
  return (bundled = new WorldBankRegistry(read<MetaFile>('worldbank.json'), read<GroupsFile>('worldbank-groups.json'), read<CatalogueFile>('catalogue.json')));
}
