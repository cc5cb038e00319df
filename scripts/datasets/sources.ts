/** The five source converters: shared files in, canonical observations out. Pure functions of the folder. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EconomyRegistry } from '../../src/registry/economies.js';
import type { IndicatorRegistry } from '../../src/registry/indicators.js';
import { csvRow } from '../../src/util/csv.js';
import { readPriceRelease, type BasketPeriod, type PriceRelease } from '../../src/prices/release.js';
import { normaliseItuRegion, PRICES_2022_FILE, PRICES_2025_FILE } from './economies.js';
import { countDrop, economyFor, indicatorFor, joinNotes, type DropCounts, type Observation, type SourceOutput } from './long-format.js';
import { parseSourceNumber, readSharedCsv } from './read.js';

export interface Registries {
  economies: EconomyRegistry;
  indicators: IndicatorRegistry;
}

const DATAHUB_SOURCE = 'ITU, World Telecommunication/ICT Indicators Database (DataHub)';
export const WDI_SOURCE = 'World Bank, World Development Indicators';
export const UNDP_SOURCE = 'UNDP, Human Development Report 2023/2024, composite indices time series';
export const PRICES_2025_SOURCE = 'ITU, ICT price baskets, December 2025 release';

const csvFiles = (sharedDir: string, dir: string): string[] =>
  readdirSync(join(sharedDir, dir))
    .filter((f) => f.endsWith('.csv'))
    .sort();

/** ITU DataHub exports: one row per (series, entity, year), with the row's own note and national source. */
export function convertItuDatahub(sharedDir: string, reg: Registries): SourceOutput {
  return convertDatahubExports(sharedDir, reg, 'itu-datahub', 'itu-datahub', csvFiles(sharedDir, 'itu-datahub'));
}

/**
 * The DataHub downloads of March 2024 in `itu-datahub-extra/` that are in the DataHub export layout: mobile-broadband
 * Internet traffic (i136mwi, exabytes a year) and the active mobile-broadband subscriptions of the same download
 * (i271mw), the two inputs of the IDI's traffic per subscription (a registry formula). Its other files are in other
 * layouts or derived by a third party, and not converted.
 */
export const DATAHUB_EXTRA_FILES = ['mobile_broadband_internet_traffic_i136mwi_2024-03.csv', 'active_mobile_broadband_subscriptions_i271mw_2024-03.csv'];
export function convertItuDatahubExtra(sharedDir: string, reg: Registries): SourceOutput {
  return convertDatahubExports(sharedDir, reg, 'itu-datahub-extra', 'itu-datahub-extra', DATAHUB_EXTRA_FILES);
}

function convertDatahubExports(sharedDir: string, reg: Registries, id: string, dir: string, files: readonly string[]): SourceOutput {
  const dropped: DropCounts = {};
  const observations: Observation[] = [];
  for (const f of files)
    for (const r of readSharedCsv(sharedDir, `${dir}/${f}`).rows) {
      const value = parseSourceNumber(r.get('dataValue'));
      if (value === null) {
        countDrop(dropped, 'missing value', r.get('seriesCode'));
        continue;
      }
      const economy = economyFor(reg.economies, r.get('entityIso'), dropped);
      if (!economy) continue;
      // seriesCode, not seriesUnits: the units column is wrong for count and price series.
      const def = indicatorFor(reg.indicators, r.get('seriesCode'));
      observations.push({
        economy: economy.iso3,
        indicator: def.id,
        year: Number(r.get('dataYear')),
        value,
        note: joinNotes(r.get('dataNote'), economy.viaCode ? `source entity code ${economy.viaCode}` : ''),
        source: r.get('dataSource').trim() || DATAHUB_SOURCE,
        series_code: r.get('seriesCode'),
      });
    }
  return { id, observations, dropped };
}

/**
 * World Bank WDI: one file per series; aggregates dropped, territories kept. A series the registry does not have
 * (the shared folder holds more than the engine uses) is skipped whole and counted, not guessed at.
 */
export function convertWdi(sharedDir: string, reg: Registries): SourceOutput {
  const dropped: DropCounts = {};
  const observations: Observation[] = [];
  const notInRegistry: Record<string, number> = {}; // series code -> rows in its file
  for (const f of csvFiles(sharedDir, 'wdi')) {
    const seriesCode = f.replace(/\.csv$/, '').toUpperCase();
    const rows = readSharedCsv(sharedDir, `wdi/${f}`).rows;
    if (!reg.indicators.find(seriesCode)) {
      notInRegistry[seriesCode] = rows.length;
      continue;
    }
    const def = indicatorFor(reg.indicators, seriesCode);
    for (const r of rows) {
      const value = parseSourceNumber(r.get('Value'));
      if (value === null) {
        countDrop(dropped, 'missing value', seriesCode);
        continue;
      }
      const economy = economyFor(reg.economies, r.get('Country Code'), dropped);
      if (!economy) continue;
      observations.push({
        economy: economy.iso3,
        indicator: def.id,
        year: Number(r.get('Year')),
        value,
        note: '',
        source: WDI_SOURCE,
        series_code: seriesCode,
      });
    }
  }
  return { id: 'wdi', observations, dropped, checks: { seriesNotInRegistrySkipped: notInRegistry } };
}

/** UNDP HDR: mean years of schooling from the wide mys_1990..mys_2022 columns; the ZZ* aggregate rows dropped. */
export function convertUndp(sharedDir: string, reg: Registries): SourceOutput {
  const dropped: DropCounts = {};
  const observations: Observation[] = [];
  const { header, rows } = readSharedCsv(sharedDir, 'undp/HDR23-24_Composite_indices_complete_time_series.csv');
  const yearColumns = header.filter((h) => /^mys_\d{4}$/.test(h));
  const def = indicatorFor(reg.indicators, 'mys');
  for (const r of rows) {
    const economy = economyFor(reg.economies, r.get('iso3'), dropped);
    if (!economy) continue;
    for (const col of yearColumns) {
      const value = parseSourceNumber(r.get(col));
      if (value === null) {
        countDrop(dropped, 'missing value', 'mys');
        continue;
      }
      observations.push({ economy: economy.iso3, indicator: def.id, year: Number(col.slice(4)), value, note: '', source: UNDP_SOURCE, series_code: 'mys' });
    }
  }
  return { id: 'undp', observations, dropped };
}

/** The 2022 price workbook, read once per build through the one release parser (src/prices/release.ts). */
const releaseCache = new Map<string, PriceRelease>();
export function prices2022Release(sharedDir: string): PriceRelease {
  let r = releaseCache.get(sharedDir);
  if (!r) releaseCache.set(sharedDir, (r = readPriceRelease(join(sharedDir, PRICES_2022_FILE))));
  return r;
}

/** The BasketHistory table of the 2022 price workbook: which basket each year of a combined series holds. */
export function parseBasketHistory(sharedDir: string): BasketPeriod[] {
  const history = prices2022Release(sharedDir).history;
  if (history.length === 0) throw new Error(`${PRICES_2022_FILE}: no BasketHistory rows`);
  return history;
}

/** The release name in the workbook's "How to cite" row. */
function prices2022Citation(sharedDir: string): string {
  const citation = prices2022Release(sharedDir).citation;
  if (!citation) throw new Error(`${PRICES_2022_FILE}: no "How to cite" row`);
  return citation;
}

/**
 * ITU ICT Price Baskets 2008-2021: each row is a combined series under its 2021 basket name; the value of a year
 * belongs to the basket in force that year (BasketHistory), which is the indicator it is filed under.
 * Rows and history are joined through the registry: both basket spellings are aliases of the same indicator.
 */
export function convertItuPrices2022(sharedDir: string, reg: Registries): SourceOutput {
  const dropped: DropCounts = {};
  const observations: Observation[] = [];
  const history = parseBasketHistory(sharedDir);
  const source = prices2022Citation(sharedDir);
  const release = prices2022Release(sharedDir);
  for (const row of release.economies) {
    const current = row.basketCurrent,
      unit = row.unit;
    const currentId = indicatorFor(reg.indicators, `${current}/${unit}`).id;
    const periods = history.filter((p) => reg.indicators.find(`${p.latest}/${unit}`)?.id === currentId);
    if (periods.length === 0) throw new Error(`${PRICES_2022_FILE}:${row.line}: basket "${current}" is in no BasketHistory row`);
    const economy = economyFor(reg.economies, row.iso3, dropped);
    if (!economy) continue;
    release.years.forEach((year, k) => {
      const value = row.values[k];
      if (Number.isNaN(value)) return; // 'NA': no price collected
      const period = periods.find((p) => p.from <= year && year <= p.to);
      if (!period) {
        countDrop(dropped, 'no basket in force that year (BasketHistory)', `${current}/${year}`);
        return;
      }
      const seriesCode = `${period.historical}/${unit}`;
      const def = indicatorFor(reg.indicators, seriesCode);
      observations.push({
        economy: economy.iso3,
        indicator: def.id,
        year,
        value,
        note: joinNotes(
          def.id === currentId ? '' : `historical basket, from the combined series "${current}"`,
          economy.viaCode ? `source entity code ${economy.viaCode}` : '',
        ),
        source,
        series_code: seriesCode,
      });
    });
  }
  return { id: 'itu-prices-2022', observations, dropped, extraFiles: new Map([['medians.csv', prices2022Medians(release)]]) };
}

/** The "Medians 2008-2021" section, long: one row per (unit, basket, grouping, group, year) with a value. */
function prices2022Medians(release: PriceRelease): string {
  if (release.medians.length === 0) throw new Error(`${PRICES_2022_FILE}: no Medians header row`);
  const out = [csvRow(['unit', 'basket', 'basket_name', 'n_economies', 'grouping', 'group', 'year', 'value'])];
  for (const m of release.medians) {
    // Region labels made the same as the itu-region-2021 grouping, so medians can be recomputed from it.
    const groupName = m.grouping === 'ITU BDT Regions' ? (normaliseItuRegion(m.group) ?? m.group) : m.group;
    release.mediansYears.forEach((year, k) => {
      const value = m.values[k];
      if (!Number.isNaN(value)) out.push(csvRow([m.unit, m.basketCombined, m.basketLatest, m.nWorld, m.grouping, groupName, year, value]));
    });
  }
  return out.join('');
}

/**
 * ITU affordability 2024-2025 (December 2025 release): wide columns <basket>_<unit>_<year>[_exp].
 * `_exp` years are experimental; the *_latest_official columns repeat a year column and are only checked.
 */
export function convertItuPrices2025(sharedDir: string, reg: Registries): SourceOutput {
  const dropped: DropCounts = {};
  const observations: Observation[] = [];
  const { header, rows } = readSharedCsv(sharedDir, PRICES_2025_FILE);
  const valueCols = header.flatMap((h) => {
    const m = /^((?:mbb|fbb)_\d+gb_(?:pct_gni|usd|ppp))_(\d{4})(_exp)?$/.exec(h);
    return m ? [{ column: h, series: m[1], year: Number(m[2]), experimental: !!m[3] }] : [];
  });
  const latestCols = header.flatMap((h) => {
    const m = /^((?:mbb|fbb)_\d+gb)_pct_gni_latest_official$/.exec(h);
    return m ? [{ column: h, basket: m[1] }] : [];
  });
  const disagreements: Array<Record<string, unknown>> = [];
  const unverifiable: Array<Record<string, unknown>> = [];
  for (const r of rows) {
    const economy = economyFor(reg.economies, r.get('iso3'), dropped);
    if (!economy) continue;
    for (const c of valueCols) {
      const value = parseSourceNumber(r.get(c.column));
      if (value === null) continue;
      const def = indicatorFor(reg.indicators, c.series);
      observations.push({
        economy: economy.iso3,
        indicator: def.id,
        year: c.year,
        value,
        note: c.experimental ? 'experimental' : '',
        source: PRICES_2025_SOURCE,
        series_code: c.series,
      });
    }
    for (const l of latestCols) {
      const latest = parseSourceNumber(r.get(l.column));
      const yearText = r.get(`${l.basket}_latest_year`);
      if (latest === null) continue;
      const year = Number(yearText);
      const same = valueCols.find((c) => c.series === `${l.basket}_pct_gni` && c.year === year);
      if (!same) {
        unverifiable.push({ economy: economy.iso3, column: l.column, value: latest, latestYear: year });
        continue;
      }
      const yearValue = parseSourceNumber(r.get(same.column));
      if (yearValue !== latest) disagreements.push({ economy: economy.iso3, column: l.column, value: latest, yearColumn: same.column, yearValue });
    }
  }
  return { id: 'itu-prices-2025', observations, dropped, checks: { latestOfficialDisagreements: disagreements, latestOfficialYearNotInFile: unverifiable } };
}

export const IDI_2024_ANNEX2_FILE = 'idi-2024/annex2-economies.csv';
export const IDI_2024_ANNEX2_SOURCE = 'ITU IDI 2024, Annex 2';
/** Annex 2 value columns: registry indicator (by ITU's DataHub code, an alias) for each. */
const ANNEX2_COLUMNS: Array<[column: string, seriesCode: string]> = [
  ['iu', 'i99H'],
  ['hh', 'xHH6_IDI'],
  ['mbb', 'i911mw_IDI'],
  ['cov3g', 'i271G_IDI'],
  ['cov4g', 'i271GA_IDI'],
  ['mbtraffic', 'i136mwi_subs_IDI'],
  ['fbtraffic', 'i135tfb_subs_IDI'],
  ['mobbasket', 'i271mb_high_ts_GNI_IDI'],
  ['fbbasket', 'i154_FBB_ts_GNI_IDI'],
  ['own', 'xHH18_IDI'],
];

/**
 * ITU, The ICT Development Index 2024, Annex 2: the ten indicator values ITU computed IDI 2024 from (reference
 * year 2022), one decimal as printed. Flags: `est` = ITU estimate (the note says "ITU estimate", which the
 * IDI's inclusion rule does not count as official); `2021` = the lagged 2021 value, stored as an observation
 * of 2021 (the year it is from; the methodology's one-year look-back uses it for 2022); `n.a.` = not published
 * (ITU imputed the cell but did not print it): no observation.
 */
export function convertItuIdi2024Annex2(sharedDir: string, reg: Registries): SourceOutput {
  const dropped: DropCounts = {};
  const observations: Observation[] = [];
  for (const r of readSharedCsv(sharedDir, IDI_2024_ANNEX2_FILE).rows) {
    const economy = economyFor(reg.economies, r.get('iso3'), dropped);
    if (!economy) continue;
    for (const [column, seriesCode] of ANNEX2_COLUMNS) {
      const flag = r.get(`${column}_flag`).trim();
      const value = parseSourceNumber(r.get(column));
      if (flag === 'n.a.' || value === null) {
        if (flag !== 'n.a.' || value !== null)
          throw new Error(`${IDI_2024_ANNEX2_FILE}: ${r.get('iso3')} ${column}: value "${r.get(column)}" with flag "${flag}"`);
        countDrop(dropped, 'n.a. (imputed by ITU, not published)', seriesCode);
        continue;
      }
      if (flag !== '' && flag !== 'est' && flag !== '2021') throw new Error(`${IDI_2024_ANNEX2_FILE}: ${r.get('iso3')} ${column}: unknown flag "${flag}"`);
      observations.push({
        economy: economy.iso3,
        indicator: indicatorFor(reg.indicators, seriesCode).id,
        year: flag === '2021' ? 2021 : 2022,
        value,
        note: flag === 'est' ? 'ITU estimate' : flag === '2021' ? 'lagged value: 2021 used for reference year 2022' : '',
        source: IDI_2024_ANNEX2_SOURCE,
        series_code: seriesCode,
      });
    }
  }
  return { id: 'itu-idi-2024-annex2', observations, dropped };
}
