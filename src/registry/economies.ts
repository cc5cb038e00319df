import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indicatorsDir } from '../util/paths.js';
import { suggest } from '../util/suggest.js';
import { UserInputError } from '../util/errors.js';
import { compareCodes } from '../util/format.js';

export const LANGUAGES = ['en', 'fr', 'es', 'ru', 'zh', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

export const ITU_REGIONS = ['Africa', 'Americas', 'Arab States', 'Asia & Pacific', 'CIS', 'Europe'] as const;
export type ItuRegion = (typeof ITU_REGIONS)[number];

export const INCOME_GROUPS = ['Low income', 'Lower middle income', 'Upper middle income', 'High income'] as const;
export type IncomeGroup = (typeof INCOME_GROUPS)[number];

export interface Economy {
  iso3: string;
  iso2: string;
  /** UN M49 numeric code, 3 digits; null for Kosovo (not in M49). */
  m49: string | null;
  /** UN short names; '' where no source has one in that language (`name()` then falls back to English). */
  names: Record<Language, string>;
  kind: 'member-state' | 'territory';
  unMember: boolean;
  ituMember: boolean;
  /** Only where the date of joining matters for the data's years (Palau). */
  ituMemberSince?: string;
  ituCode: string | null;
  ituRegion2021: ItuRegion | null;
  ituRegion2025: ItuRegion | null;
  incomeGroup: IncomeGroup | null;
  wbRegion: string | null;
  m49Region: string | null;
  m49Subregion: string | null;
  ldc: boolean;
  /** Last day on the UN LDC list, for economies that graduated after the source list was made. */
  ldcUntil?: string;
  lldc: boolean;
  sids: boolean;
  aliases: string[];
}

export interface NonIsoEntity {
  code: string;
  name: string;
  iso3: string | null;
  source: string;
}
export interface AggregateEntity {
  code: string;
  name: string;
  source: string;
}
export interface EntitiesFile {
  nonIsoEntities: NonIsoEntity[];
  aggregates: AggregateEntity[];
}

export type Classification =
  | { kind: 'economy'; economy: Economy }
  | { kind: 'non-iso'; code: string; name: string; iso3: string | null }
  | { kind: 'aggregate'; code: string; name: string }
  | { kind: 'unknown'; suggestions: string[] };

export class EconomyRegistry {
  private readonly economies: readonly Economy[];
  private readonly byKey = new Map<string, Economy>();
  private readonly byIso3 = new Map<string, Economy>();
  private readonly nonIso = new Map<string, NonIsoEntity>();
  private readonly aggregates = new Map<string, AggregateEntity>();

  constructor(economies: Economy[], entities: EntitiesFile) {
    this.economies = [...economies].sort((a, b) => compareCodes(a.iso3, b.iso3));
    for (const e of this.economies) this.byIso3.set(e.iso3, e);
    // Codes win over names: an alias never shadows an ISO3, ISO2 or M49 code of another economy.
    for (const e of this.economies) this.byKey.set(e.iso3.toLowerCase(), e);
    for (const e of this.economies) if (!this.byKey.has(e.iso2.toLowerCase())) this.byKey.set(e.iso2.toLowerCase(), e);
    for (const e of this.economies) if (e.m49) this.byKey.set(String(Number(e.m49)), e);
    for (const e of this.economies) for (const a of e.aliases) if (!this.byKey.has(a.toLowerCase())) this.byKey.set(a.toLowerCase(), e);
    for (const x of entities.nonIsoEntities) this.nonIso.set(x.code.toUpperCase(), x);
    for (const x of entities.aggregates) this.aggregates.set(x.code.toUpperCase(), x);
  }

  all(): readonly Economy[] {
    return this.economies;
  }

  /** ITU Member States on a date (YYYY-MM-DD, default today): Palau counts from 2024-09-19. */
  memberStates(asOf: string = new Date().toISOString().slice(0, 10)): Economy[] {
    return this.economies.filter((e) => e.ituMember && (!e.ituMemberSince || e.ituMemberSince <= asOf));
  }

  /** By ISO3, ISO2, M49 (with or without leading zeros) or alias, case-insensitively. */
  find(code: string): Economy | undefined {
    const key = code.trim();
    if (/^\d{1,3}$/.test(key)) return this.byKey.get(String(Number(key)));
    return this.byKey.get(key.toLowerCase());
  }

  /** Like `find`, but a miss is a user error with suggestions. */
  resolve(code: string): Economy {
    const e = this.find(code);
    if (e) return e;
    const near = this.suggest(code);
    throw new UserInputError(`unknown economy "${code}"` + (near.length ? `; did you mean ${near.join(' or ')}?` : ''));
  }

  suggest(code: string): string[] {
    return suggest(
      code,
      this.economies.map((e) => e.iso3),
    );
  }

  /** What a code found in a data file stands for: an economy, a non-ISO code, an aggregate, or nothing known. */
  classify(code: string): Classification {
    const economy = this.find(code);
    if (economy) return { kind: 'economy', economy };
    const key = code.trim().toUpperCase();
    const nonIso = this.nonIso.get(key);
    if (nonIso) return { kind: 'non-iso', code: nonIso.code, name: nonIso.name, iso3: nonIso.iso3 };
    const agg = this.aggregates.get(key);
    if (agg) return { kind: 'aggregate', code: agg.code, name: agg.name };
    return { kind: 'unknown', suggestions: this.suggest(code) };
  }

  /** The economy's name in a UN language, falling back to English where the sources have none. */
  name(iso3: string, lang: Language = 'en'): string {
    const e = this.byIso3.get(iso3.toUpperCase());
    if (!e) throw new UserInputError(`unknown economy "${iso3}"`);
    return e.names[lang] || e.names.en;
  }

  entities(): EntitiesFile {
    return { nonIsoEntities: [...this.nonIso.values()], aggregates: [...this.aggregates.values()] };
  }
}

let bundled: EconomyRegistry | undefined;

/** The registry in `indicators/economies.json` and `indicators/entities.json` (read once). */
export function loadEconomyRegistry(): EconomyRegistry {
  if (bundled) return bundled;
  const dir = indicatorsDir();
  const economies = JSON.parse(readFileSync(join(dir, 'economies.json'), 'utf8')) as { economies: Economy[] };
  const entities = JSON.parse(readFileSync(join(dir, 'entities.json'), 'utf8')) as EntitiesFile;
  return (bundled = new EconomyRegistry(economies.economies, entities));
}
