/**
 * The ITU ICT Price Baskets release file "ITU ICT Price Baskets, historical data series, March 2022 release":
 * a CSV dump of a whole workbook whose sheets follow each other in one file (Overview, BasketHistory, the
 * per-economy table, "Medians 2008-2021"). Sections are found by their header rows. This is the one parser of
 * that file: the datasets converter (scripts/datasets) and `ictstat prices aggregate` both use it.
 */
import { readFileSync } from 'node:fs';
import { parseCsv, type CsvRecord } from '../util/csv-parse.js';
import { UserInputError } from '../util/errors.js';

export interface BasketPeriod {
  /** The basket in force (e.g. "Fixed broadband basket (1GB)"). */
  historical: string;
  /** The 2021 basket its years are mapped to. */
  latest: string;
  /** The combined-series name of the BasketHistory table ("Fixed broadband basket"). */
  combined: string;
  from: number;
  to: number;
  line: number;
}

export interface ReleaseEconomyRow {
  line: number;
  iso3: string;
  name: string;
  /** `basket_combined_simplified` as the per-economy table spells it ("Fixed-broadband basket"). */
  basketCombined: string;
  basketCurrent: string;
  unit: string;
  /** Membership columns as written (ITURegion, LDC, LLDC, SIDS, Income_2021); "NA" = not a member. */
  columns: Record<string, string>;
  /** One value per release year; NaN for "NA" or empty. */
  values: Float64Array;
}

export interface ReleaseMedianRow {
  line: number;
  unit: string;
  basketCombined: string;
  basketLatest: string;
  nWorld: number;
  grouping: string;
  group: string;
  values: Float64Array;
}

export interface PriceRelease {
  file: string;
  citation: string | null;
  years: number[];
  history: BasketPeriod[];
  economies: ReleaseEconomyRow[];
  medians: ReleaseMedianRow[];
  mediansYears: number[];
}

export const RELEASE_MEMBERSHIP_COLUMNS = ['ITURegion', 'LDC', 'LLDC', 'SIDS', 'Income_2021'] as const;

/** True when the text looks like the March 2022 release dump (has its per-economy header row). */
export function looksLikePriceRelease(text: string): boolean {
  return /^IsoCode,Economy,basket_combined_simplified,basket_current,Unit,/m.test(text);
}

/** Release numbers: '' and 'NA' are missing. */
function releaseNumber(text: string, file: string, line: number, column: string): number {
  const t = (text ?? '').trim();
  if (t === '' || t === 'NA' || t === '..') return NaN;
  const x = Number(t);
  if (!Number.isFinite(x)) throw new UserInputError(`${file}:${line}: column "${column}", value ${JSON.stringify(text)}: not a number [not-a-number]`);
  return x;
}

export function readPriceRelease(path: string): PriceRelease {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserInputError(`${path}: cannot read: ${(e as Error).message}`);
  }
  return parsePriceRelease(text, path);
}

export function parsePriceRelease(text: string, file: string): PriceRelease {
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (e) {
    throw new UserInputError(`${file}: ${(e as Error).message}`);
  }
  const citeRow = records.find((r) => r.fields[0] === 'How to cite:');
  const citation = /"([^"]+)"/.exec(citeRow?.fields[1] ?? '')?.[1] ?? null;

  // BasketHistory
  const hStart = records.findIndex((r) => r.fields[0] === 'Baskets_combined_simplified' && r.fields[1] === 'Historical baskets');
  if (hStart < 0) throw new UserInputError(`${file}: no BasketHistory header row ("Baskets_combined_simplified,Historical baskets,...") [missing-section]`);
  const history: BasketPeriod[] = [];
  for (const r of records.slice(hStart + 1)) {
    const m = /^(\d{4})-(\d{4})?$/.exec(r.fields[2]?.trim() ?? '');
    if (!m) break;
    history.push({ combined: r.fields[0], historical: r.fields[1], latest: r.fields[3], from: Number(m[1]), to: m[2] ? Number(m[2]) : Infinity, line: r.line });
  }

  // Per-economy table
  const eStart = records.findIndex((r) => r.fields[0] === 'IsoCode' && r.fields[1] === 'Economy');
  if (eStart < 0) throw new UserInputError(`${file}: no per-economy header row ("IsoCode,Economy,...") [missing-section]`);
  const header = records[eStart].fields;
  const col = (name: string): number => {
    const k = header.indexOf(name);
    if (k < 0) throw new UserInputError(`${file}:${records[eStart].line}: column "${name}" is missing from the per-economy header [missing-column]`);
    return k;
  };
  const yearCols = header.map((h, k) => [h, k] as const).filter(([h]) => /^\d{4}$/.test(h));
  const years = yearCols.map(([h]) => Number(h));
  const [cCombined, cCurrent, cUnit] = [col('basket_combined_simplified'), col('basket_current'), col('Unit')];
  const memberCols = RELEASE_MEMBERSHIP_COLUMNS.map((c) => [c, col(c)] as const);
  const economies: ReleaseEconomyRow[] = [];
  let k = eStart + 1;
  for (; k < records.length; k++) {
    const r = records[k];
    if (!/^[A-Z]{3}$/.test(r.fields[0] ?? '')) break; // the section ends at the first non-economy row
    const f = r.fields;
    const values = new Float64Array(years.length);
    for (let y = 0; y < yearCols.length; y++) values[y] = releaseNumber(f[yearCols[y][1]], file, r.line, yearCols[y][0]);
    economies.push({
      line: r.line,
      iso3: f[0],
      name: f[1],
      basketCombined: f[cCombined],
      basketCurrent: f[cCurrent],
      unit: f[cUnit],
      columns: Object.fromEntries(memberCols.map(([c, j]) => [c, (f[j] ?? '').trim()])),
      values,
    });
  }
  if (economies.length === 0) throw new UserInputError(`${file}:${records[eStart].line}: the per-economy table has no rows [no-data-rows]`);

  // Medians sheet (optional in a file that is only the per-economy table)
  const mStart = records.findIndex((r) => r.fields[0] === 'unit' && r.fields[1] === 'Baskets_combined_simplified');
  const medians: ReleaseMedianRow[] = [];
  let mediansYears: number[] = [];
  if (mStart >= 0) {
    const mh = records[mStart].fields;
    const myCols = mh.map((h, j) => [h, j] as const).filter(([h]) => /^\d{4}$/.test(h));
    mediansYears = myCols.map(([h]) => Number(h));
    for (const r of records.slice(mStart + 1)) {
      const [unit, basketCombined, basketLatest, n, grouping, group] = r.fields;
      if (!['GNIpc', 'PPP', 'USD'].includes(unit)) break;
      const values = new Float64Array(myCols.length);
      for (let y = 0; y < myCols.length; y++) values[y] = releaseNumber(r.fields[myCols[y][1]], file, r.line, myCols[y][0]);
      medians.push({ line: r.line, unit, basketCombined, basketLatest, nWorld: Number(n), grouping, group, values });
    }
  }
  return { file, citation, years, history, economies, medians, mediansYears };
}

/** Word set of a basket name: "Mobile-cellular low-usage basket" and "Mobile-cellular basket – low usage" agree. */
export function basketNameKey(name: string): string {
  return [
    ...new Set(
      name
        .toLowerCase()
        .replace(/[-–—]/g, ' ')
        .split(/\s+/)
        .filter((w) => w && w !== 'basket'),
    ),
  ]
    .sort()
    .join(' ');
}

/**
 * The release's combined basket series as panels (one per basket x unit), named as the release's own
 * BasketHistory table and medians sheet name them (the per-economy table spells them differently:
 * "Fixed-broadband basket" vs "Fixed broadband basket"); a name found in neither is kept as written.
 */
export function releasePanels(release: PriceRelease): Array<import('./aggregate.js').BasketPanel> {
  const canonical = new Map<string, string>();
  for (const h of release.history) canonical.set(basketNameKey(h.combined), h.combined);
  for (const m of release.medians) canonical.set(basketNameKey(m.basketCombined), m.basketCombined);
  const bySeries = new Map<string, ReleaseEconomyRow[]>();
  for (const r of release.economies) {
    const key = `${r.basketCombined}\u0000${r.unit}`;
    let list = bySeries.get(key);
    if (!list) bySeries.set(key, (list = []));
    list.push(r);
  }
  const nY = release.years.length;
  const panels = [];
  for (const rows of bySeries.values()) {
    const seen = new Map<string, number>();
    for (const r of rows) {
      const prior = seen.get(r.iso3);
      if (prior !== undefined)
        throw new UserInputError(
          `${release.file}:${r.line}: column "IsoCode", value "${r.iso3}": economy already has a "${r.basketCombined}" ${r.unit} row (line ${prior}) [duplicate-conflict]`,
        );
      seen.set(r.iso3, r.line);
    }
    const values = new Float64Array(rows.length * nY);
    rows.forEach((r, e) => values.set(r.values, e * nY));
    panels.push({
      basket: canonical.get(basketNameKey(rows[0].basketCombined)) ?? rows[0].basketCombined,
      unit: rows[0].unit,
      economies: rows.map((r) => r.iso3),
      years: release.years,
      values,
    });
  }
  return panels;
}
