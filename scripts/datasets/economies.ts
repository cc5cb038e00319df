/**
 * Economies, non-ISO entities, aggregates and groupings, generated from ../shared/data/countries and the
 * economy columns of the ITU and World Bank data files. Pure: reads the shared folder, returns data.
 */
import {
  LANGUAGES,
  ITU_REGIONS,
  INCOME_GROUPS,
  type Economy,
  type EntitiesFile,
  type ItuRegion,
  type IncomeGroup,
  type Language,
  type NonIsoEntity,
  type AggregateEntity,
} from '../../src/registry/economies.js';
import { csvRow } from '../../src/util/csv.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSharedCsv, readSharedRecords } from './read.js';
import { readPriceRelease } from '../../src/prices/release.js';

export const PRICES_2022_FILE = 'itu-prices/ITU_ICTPriceBaskets_2008-2021_March2022.csv';
export const PRICES_2025_FILE = 'itu-prices/itu_affordability_2024-2025.csv';

/** Palau joined ITU as its 194th Member State on this date (ITU press release, 2024-09-19; SOURCES.md). */
const ITU_MEMBERSHIP_DATES: Record<string, string> = { PLW: '2024-09-19' };

/**
 * country-codes.csv still flags STP as an LDC; it graduated on 2024-12-13 (UN GA resolution 76/8).
 * We keep `ldc: true` as in the source (the ITU 2021 and 2025 releases classify it so) and record the date.
 */
const LDC_UNTIL: Record<string, string> = { STP: '2024-12-13' };

/**
 * Kosovo's user-assigned code XKX is used by the World Bank (and listed by HDX) but is not in country-codes.csv;
 * it is an economy. CHI (Channel Islands) is a World Bank "economy" that is really Guernsey + Jersey, so it is
 * kept as an aggregate, not an economy.
 */
const USER_ASSIGNED_ECONOMIES = ['XKX'];
const WB_COMPOSITE_ECONOMIES = ['CHI'];

/** ITU DataHub entity codes that are not ISO 3166 (SOURCES.md); ANT (dissolved 2010) and ASC have no ISO3. */
const DATAHUB_NON_ISO: Record<string, string | null> = { AAA: 'GGY', GBJ: 'JEY', KSO: 'XKX', ANT: null, ASC: null };
/** The 2022 price workbook files Palestine under the World Bank's former code WBG (West Bank and Gaza). */
const PRICES_2022_NON_ISO: Record<string, string> = { WBG: 'PSE' };

/** ITU BDT region labels as written in the price files → the six region names. */
const ITU_REGION_LABELS: Record<string, ItuRegion | null> = {
  Africa: 'Africa',
  'The Americas': 'Americas',
  Americas: 'Americas',
  'Arab States': 'Arab States',
  'Asia & Pacific': 'Asia & Pacific',
  'CIS countries': 'CIS',
  CIS: 'CIS',
  'Europe countries': 'Europe',
  Europe: 'Europe',
  // Non-members of ITU (territories) are grouped as "Other Economies": no ITU region.
  'Other Economies': null,
  NA: null,
  '': null,
};

export function normaliseItuRegion(label: string): ItuRegion | null {
  const key = label.trim();
  if (!(key in ITU_REGION_LABELS)) throw new Error(`unknown ITU region label "${label}"`);
  return ITU_REGION_LABELS[key];
}

const CC_LANG: Record<Language, string> = { en: 'English', fr: 'French', es: 'Spanish', ru: 'Russian', zh: 'Chinese', ar: 'Arabic' };
const OFFICIAL_LANG: Record<Language, string> = { en: 'en', fr: 'fr', es: 'es', ru: 'ru', zh: 'cn', ar: 'ar' };

/** UNTERM marks non-member states with a trailing " *" footnote; it is not part of the name. */
const untermName = (s: string): string => s.replace(/\s*\*$/, '').trim();
const clean = (s: string | undefined): string => (s ?? '').replace(/\u00a0/g, ' ').trim();
const firstNonBlank = (...xs: Array<string | undefined>): string => xs.map(clean).find((x) => x !== '') ?? '';

export interface EconomiesBuild {
  economies: Economy[];
  entities: EntitiesFile;
  groupings: GroupingFile[];
}

export interface GroupingFile {
  id: string;
  name: string;
  source: string;
  file: string;
  /** iso3 → group, one group per economy. */
  assignments: Array<[string, string]>;
}

type Row = { get: (c: string) => string };

export function buildEconomies(sharedDir: string): EconomiesBuild {
  const members = readSharedCsv(sharedDir, 'countries/member_states_194.csv').rows;
  const countryCodes = readSharedCsv(sharedDir, 'countries/country-codes.csv').rows;
  const hdx = readSharedCsv(sharedDir, 'countries/hdx_countries_territories_taxonomy.csv').rows;
  const classRecords = readSharedRecords(sharedDir, 'countries/wb_income_groups_CLASS_fy2024.csv');

  const memberBy = new Map(members.map((r) => [r.get('iso3'), r]));
  const ccBy = new Map(countryCodes.filter((r) => r.get('ISO3166-1-Alpha-3')).map((r) => [r.get('ISO3166-1-Alpha-3'), r]));
  const hdxBy = new Map(hdx.map((r) => [r.get('ISO 3166-1 Alpha 3-Codes') || r.get('x Alpha3 codes'), r]));
  const isIsoEconomy = (code: string): boolean => ccBy.has(code) || USER_ASSIGNED_ECONOMIES.includes(code);

  // CLASS: header, the economies, a blank row, then the aggregates.
  const blank = classRecords.findIndex((r, k) => k > 0 && r.fields.every((f) => f.trim() === ''));
  const classEconomies = classRecords.slice(1, blank).map((r) => ({ name: r.fields[0], code: r.fields[1], region: r.fields[2], income: r.fields[3] }));
  const classAggregates = classRecords
    .slice(blank + 1)
    .filter((r) => r.fields[1]?.trim())
    .map((r) => ({ name: r.fields[0], code: r.fields[1] }));
  const classBy = new Map(classEconomies.map((c) => [c.code, c]));

  // Every name a code is given in the data files (for aliases) and every code seen.
  const seenNames = new Map<string, Set<string>>();
  const see = (code: string, name: string): void => {
    const c = code.trim();
    if (!c) return;
    if (!seenNames.has(c)) seenNames.set(c, new Set());
    if (clean(name) && clean(name) !== 'NA') seenNames.get(c)!.add(clean(name)); // 'NA' = missing in the price files
  };
  for (const c of classEconomies) see(c.code, c.name);
  const datahubFiles = readdirSync(join(sharedDir, 'itu-datahub'))
    .filter((f) => f.endsWith('.csv'))
    .sort();
  const datahubCodes = new Map<string, string>();
  for (const f of datahubFiles)
    for (const r of readSharedCsv(sharedDir, `itu-datahub/${f}`).rows) {
      see(r.get('entityIso'), r.get('entityName'));
      datahubCodes.set(r.get('entityIso'), r.get('entityName'));
    }
  const wdiNames = new Map<string, string>();
  for (const f of readdirSync(join(sharedDir, 'wdi'))
    .filter((f) => f.endsWith('.csv'))
    .sort())
    for (const r of readSharedCsv(sharedDir, `wdi/${f}`).rows) {
      wdiNames.set(r.get('Country Code'), r.get('Country Name'));
      if (isIsoEconomy(r.get('Country Code'))) see(r.get('Country Code'), r.get('Country Name'));
    }
  const region2021 = new Map<string, ItuRegion | null>();
  const pricesNames = new Map<string, string>();
  // ITU's own LDC / LLDC / SIDS classification as each release gives it: memberships dated by release.
  const itu2021 = new Map<string, ItuClasses>(),
    itu2025 = new Map<string, ItuClasses>();
  for (const r of pricesEconomyRows(sharedDir)) {
    const iso3 = PRICES_2022_NON_ISO[r.iso3] ?? r.iso3;
    see(iso3, r.name);
    pricesNames.set(r.iso3, r.name);
    region2021.set(iso3, normaliseItuRegion(r.region));
    itu2021.set(iso3, { ldc: r.classes.LDC === 'LDC', lldc: r.classes.LLDC === 'LLDC', sids: r.classes.SIDS === 'SIDS' });
  }
  const region2025 = new Map<string, ItuRegion | null>();
  for (const r of readSharedCsv(sharedDir, PRICES_2025_FILE).rows) {
    see(r.get('iso3'), r.get('economy'));
    region2025.set(r.get('iso3'), normaliseItuRegion(r.get('itu_region')));
    itu2025.set(r.get('iso3'), { ldc: r.get('LDC') === '1', lldc: r.get('LLDC') === '1', sids: r.get('SIDS') === '1' });
  }

  const codes = new Set<string>(members.map((r) => r.get('iso3')));
  for (const code of seenNames.keys()) if (isIsoEconomy(code)) codes.add(code);
  // Economies that appear only under a DataHub non-ISO code (Guernsey as AAA, Jersey as GBJ).
  for (const [code, iso3] of Object.entries(DATAHUB_NON_ISO)) if (iso3 && datahubCodes.has(code)) codes.add(iso3);

  const economies = [...codes].sort().map((iso3): Economy => {
    const m = memberBy.get(iso3);
    const cc = ccBy.get(iso3);
    const hx = hdxBy.get(iso3);
    const cls = classBy.get(iso3);
    const get = (r: Row | undefined, col: string): string => (r ? clean(r.get(col)) : '');
    const names = Object.fromEntries(
      LANGUAGES.map((lang) => {
        // UNTERM short name; blank in country-codes.csv for CIV and TUR, so fall back to the joined member list
        // (English), the HDX taxonomy's UNTERM and M49 names, country-codes' official names, then CLDR (English).
        const name = firstNonBlank(
          untermName(get(cc, `UNTERM ${CC_LANG[lang]} Short`)),
          lang === 'en' ? untermName(get(m, 'unterm_short')) : '',
          get(hx, `${CC_LANG[lang]} Short`),
          get(hx, `M49 ${CC_LANG[lang]}`),
          get(cc, `official_name_${OFFICIAL_LANG[lang]}`),
          lang === 'en' ? get(cc, 'CLDR display name') : '',
          lang === 'en' ? cls?.name : '',
        );
        return [lang, name];
      }),
    ) as Record<Language, string>;
    if (!names.en) throw new Error(`no English name for ${iso3}`);
    const m49 = firstNonBlank(get(m, 'm49'), get(cc, 'M49'), get(hx, 'm49 numerical code'));
    const income = clean(cls?.income);
    if (income && !INCOME_GROUPS.includes(income as IncomeGroup)) throw new Error(`${iso3}: unknown income group "${income}"`);
    const flag = (col: string): boolean => get(cc, col) === 'x';
    const aliasCandidates = [
      names.en,
      get(cc, 'CLDR display name'),
      get(cc, 'official_name_en'),
      get(hx, 'Preferred Term'),
      get(hx, 'English Short'),
      get(m, 'name'),
      ...(seenNames.get(iso3) ?? []),
    ];
    const economy: Economy = {
      iso3,
      iso2: firstNonBlank(get(m, 'iso2'), get(cc, 'ISO3166-1-Alpha-2'), get(hx, 'ISO 3166-1 Alpha 2-Codes'), get(hx, 'x Alpha2 codes')),
      m49: m49 ? m49.padStart(3, '0') : null,
      names,
      kind: m ? 'member-state' : 'territory',
      unMember: get(m, 'un_member_state') === 'Y',
      ituMember: get(m, 'itu_member_state') === 'Y',
      ...(ITU_MEMBERSHIP_DATES[iso3] ? { ituMemberSince: ITU_MEMBERSHIP_DATES[iso3] } : {}),
      ituCode: firstNonBlank(get(m, 'itu_country_code'), get(cc, 'ITU')) || null,
      ituRegion2021: region2021.get(iso3) ?? null,
      ituRegion2025: region2025.get(iso3) ?? null,
      incomeGroup: (income || null) as IncomeGroup | null,
      wbRegion: clean(cls?.region) || null,
      m49Region: firstNonBlank(get(m, 'm49_region'), get(cc, 'Region Name'), get(hx, 'Region Name')) || null,
      m49Subregion: firstNonBlank(get(m, 'm49_subregion'), get(cc, 'Sub-region Name'), get(hx, 'Sub-region Name')) || null,
      ldc: flag('Least Developed Countries (LDC)'),
      ...(LDC_UNTIL[iso3] ? { ldcUntil: LDC_UNTIL[iso3] } : {}),
      lldc: flag('Land Locked Developing Countries (LLDC)'),
      sids: flag('Small Island Developing States (SIDS)'),
      aliases: aliasCandidates.map(clean).filter((a) => a !== ''),
    };
    return economy;
  });
  dropAmbiguousAliases(economies);

  const nonIsoEntities: NonIsoEntity[] = Object.entries(DATAHUB_NON_ISO)
    .filter(([code]) => datahubCodes.has(code))
    .map(([code, iso3]) => ({ code, name: datahubCodes.get(code)!, iso3, source: 'ITU DataHub' }))
    .concat(
      Object.entries(PRICES_2022_NON_ISO)
        .filter(([code]) => pricesNames.has(code))
        .map(([code, iso3]) => ({ code, name: pricesNames.get(code)!, iso3, source: 'ITU ICT Price Baskets, March 2022 release' })),
    )
    .sort((a, b) => a.code.localeCompare(b.code));
  const unexpected = [...datahubCodes.keys()].filter((c) => !isIsoEconomy(c) && !(c in DATAHUB_NON_ISO));
  if (unexpected.length) throw new Error(`ITU DataHub codes neither ISO nor known non-ISO: ${unexpected.join(', ')}`);

  const aggregates = new Map<string, AggregateEntity>();
  for (const a of classAggregates) aggregates.set(a.code, { code: a.code, name: a.name, source: 'World Bank CLASS FY2024' });
  for (const code of WB_COMPOSITE_ECONOMIES)
    aggregates.set(code, { code, name: classBy.get(code)?.name ?? wdiNames.get(code) ?? code, source: 'World Bank CLASS FY2024' });
  for (const [code, name] of [...wdiNames].sort())
    if (!isIsoEconomy(code) && !aggregates.has(code)) aggregates.set(code, { code, name, source: 'World Bank WDI' });

  return {
    economies,
    entities: { nonIsoEntities, aggregates: [...aggregates.values()].sort((a, b) => a.code.localeCompare(b.code)) },
    groupings: buildGroupings(economies, { '2021': itu2021, '2025': itu2025 }),
  };
}

/** ITU's LDC, LLDC and SIDS flags of one economy in one release. */
interface ItuClasses {
  ldc: boolean;
  lldc: boolean;
  sids: boolean;
}

/** Aliases are for lookup: keep one spelling per case-insensitive key, and drop any two economies share. */
function dropAmbiguousAliases(economies: Economy[]): void {
  const owners = new Map<string, Set<string>>();
  for (const e of economies)
    for (const a of e.aliases) {
      const k = a.toLowerCase();
      if (!owners.has(k)) owners.set(k, new Set());
      owners.get(k)!.add(e.iso3);
    }
  const codes = new Set(economies.flatMap((e) => [e.iso3.toLowerCase(), e.iso2.toLowerCase()]));
  for (const e of economies) {
    const kept = new Map<string, string>();
    for (const a of e.aliases) {
      const k = a.toLowerCase();
      if (owners.get(k)!.size === 1 && !codes.has(k) && !kept.has(k)) kept.set(k, a);
    }
    e.aliases = [...kept.values()].sort((a, b) => a.localeCompare(b, 'en'));
  }
}

/** The per-economy rows of the 2022 price workbook dump: the section whose header starts "IsoCode,Economy". */
export function pricesEconomyRows(
  sharedDir: string,
): Array<{ iso3: string; name: string; region: string; line: number; classes: { LDC: string; LLDC: string; SIDS: string } }> {
  // The one parser of the release file (src/prices/release.ts); the section ends at the first non-economy row.
  return readPriceRelease(join(sharedDir, PRICES_2022_FILE)).economies.map((r) => ({
    iso3: r.iso3,
    name: r.name,
    region: r.columns.ITURegion,
    line: r.line,
    classes: { LDC: r.columns.LDC, LLDC: r.columns.LLDC, SIDS: r.columns.SIDS },
  }));
}

function buildGroupings(economies: Economy[], itu: Record<'2021' | '2025', Map<string, ItuClasses>>): GroupingFile[] {
  const grouping = (id: string, name: string, source: string, groupOf: (e: Economy) => string | null): GroupingFile => ({
    id,
    name,
    source,
    file: `${id}.csv`,
    assignments: economies.flatMap((e): Array<[string, string]> => {
      const g = groupOf(e);
      return g ? [[e.iso3, g]] : [];
    }),
  });
  const cc = 'datasets/country-codes (UN M49 and OHRLLS lists)';
  return [
    grouping('itu-region-2021', 'ITU BDT regions (2021, ICT Price Baskets March 2022 release)', 'ITU', (e) => e.ituRegion2021),
    grouping('itu-region-2025', 'ITU BDT regions (2025, ICT prices December 2025 release)', 'ITU', (e) => e.ituRegion2025),
    grouping('wb-income-fy2024', 'World Bank income groups, FY2024', 'World Bank CLASS FY2024', (e) => e.incomeGroup),
    grouping('wb-region', 'World Bank regions', 'World Bank CLASS FY2024', (e) => e.wbRegion),
    grouping('ldc', 'Least developed countries (as listed by the source; STP graduated 2024-12-13)', cc, (e) => (e.ldc ? 'LDC' : null)),
    grouping('lldc', 'Landlocked developing countries', cc, (e) => (e.lldc ? 'LLDC' : null)),
    grouping('sids', 'Small island developing States', cc, (e) => (e.sids ? 'SIDS' : null)),
    // ITU's classification as of a release (Bhutan is an LDC in the 2022 release and not in 2025's; Bahrain a
    // SIDS in 2022's): the memberships the IDI 2023-2024 group figures use (Annex 4 is reproduced with them).
    ...(['2021', '2025'] as const).flatMap((v) => {
      const rel = v === '2021' ? 'ICT Price Baskets March 2022 release' : 'ICT prices December 2025 release';
      const flag = (k: keyof ItuClasses, label: string) => (e: Economy) => (itu[v].get(e.iso3)?.[k] ? label : null);
      return [
        grouping(`itu-ldc-${v}`, `Least developed countries as ITU classifies them (${v}, ${rel})`, 'ITU', flag('ldc', 'LDC')),
        grouping(`itu-lldc-${v}`, `Landlocked developing countries as ITU classifies them (${v}, ${rel})`, 'ITU', flag('lldc', 'LLDC')),
        grouping(`itu-sids-${v}`, `Small island developing States as ITU classifies them (${v}, ${rel})`, 'ITU', flag('sids', 'SIDS')),
      ];
    }),
    grouping('m49-region', 'UN M49 regions', cc, (e) => e.m49Region),
    grouping('m49-subregion', 'UN M49 sub-regions', cc, (e) => e.m49Subregion),
    grouping('itu-members', 'ITU Member States (194, since 2024-09-19)', 'ITU; member_states_194.csv', (e) => (e.ituMember ? 'ITU Member State' : null)),
    grouping('un-members', 'UN Member States (193)', 'UN; HDX taxonomy (DGACM list)', (e) => (e.unMember ? 'UN Member State' : null)),
  ];
}

/** The files of Task A, by path relative to the package root. */
export function economiesFiles(build: EconomiesBuild): Map<string, string> {
  const files = new Map<string, string>();
  const json = (x: unknown): string => JSON.stringify(x, null, 2) + '\n';
  files.set(
    'indicators/economies.json',
    json({
      description:
        'Economies (ITU Member States and territories) keyed on ISO3, generated by `npm run datasets` from ../shared/data/countries and the ITU and World Bank data files. Do not edit by hand.',
      regions: ITU_REGIONS,
      economies: build.economies,
    }),
  );
  files.set('indicators/entities.json', json(build.entities));
  files.set('indicators/groupings/index.json', json(build.groupings.map(({ id, name, source, file }) => ({ id, name, source, file }))));
  for (const g of build.groupings) files.set(`indicators/groupings/${g.file}`, csvRow(['economy', 'group']) + g.assignments.map((a) => csvRow(a)).join(''));
  return files;
}
