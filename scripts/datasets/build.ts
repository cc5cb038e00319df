/** Assembles every generated file: indicators/ economy data (Task A) and datasets/ with its manifest and README. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EconomyRegistry } from '../../src/registry/economies.js';
import { isPriceIndicator, loadIndicatorRegistry, type IndicatorRegistry } from '../../src/registry/indicators.js';
import { buildEconomies, economiesFiles } from './economies.js';
import { countDrop, observationsCsv, sha256, type Observation, type SourceOutput } from './long-format.js';
import { parseCsv } from '../../src/util/csv-parse.js';
import {
  convertCoreHousehold,
  convertItuPrices2024,
  convertItuPrices2025Workbook,
  CORE_HOUSEHOLD_FILE,
  CORE_HOUSEHOLD_SOURCE,
  PRICES_2024_03_FILE,
  PRICES_2025_12_FILE,
} from './workbooks.js';
import {
  convertItuDatahub,
  convertItuDatahubExtra,
  DATAHUB_EXTRA_FILES,
  convertItuIdi2024Annex2,
  convertItuPrices2022,
  convertItuPrices2025,
  convertUndp,
  convertWdi,
  IDI_2024_ANNEX2_FILE,
  IDI_2024_ANNEX2_SOURCE,
  PRICES_2025_SOURCE,
  UNDP_SOURCE,
  WDI_SOURCE,
  type Registries,
} from './sources.js';

/**
 * Which source wins when two give the same (economy, indicator, year). Price releases newest first: ITU revises
 * earlier years in each release (GNI and PPP revisions, corrections), so the latest release is its current
 * figure; an earlier release stays in its own folder to reproduce what was published from it. ITU's own
 * December 2025 workbook comes before the third-party republication of the same release (`itu-prices-2025`).
 */
export const PRECEDENCE = [
  'itu-datahub',
  'itu-datahub-extra',
  'itu-core-household',
  'itu-prices-2025-12',
  'itu-prices-2025',
  'itu-prices-2024-03',
  'itu-prices-2022',
  'undp',
  'wdi',
] as const;

/**
 * Sources bundled but outside the precedence: read only when named (`{ kind: 'bundled', sources: [...] }`,
 * `--source`), never mixed into the default data, the series or the API. ITU's IDI 2024 inputs are a
 * publication's frozen values, not a vintage of the database.
 */
export const NAMED_ONLY = ['itu-idi-2024-annex2'] as const;

const ITU_LICENCE = 'ITU terms: CC BY-NC-SA 3.0 IGO; cite "ITU" and the release';
export const SOURCES = [
  {
    id: 'itu-datahub',
    publisher: 'ITU',
    licence: ITU_LICENCE,
    citation: 'ITU, World Telecommunication/ICT Indicators Database, DataHub export (rows cite their national source)',
    origin: ['itu-datahub/*.csv'],
  },
  {
    id: 'itu-datahub-extra',
    publisher: 'ITU',
    licence: ITU_LICENCE,
    citation:
      'ITU, World Telecommunication/ICT Indicators Database, DataHub downloads of 2024-03-22: mobile-broadband Internet traffic (i136mwi) and active mobile-broadband subscriptions (i271mw) of the same download',
    origin: DATAHUB_EXTRA_FILES.map((f) => `itu-datahub-extra/${f}`),
  },
  { id: 'itu-core-household', publisher: 'ITU', licence: ITU_LICENCE, citation: CORE_HOUSEHOLD_SOURCE, origin: [CORE_HOUSEHOLD_FILE] },
  {
    id: 'itu-prices-2025-12',
    publisher: 'ITU',
    licence: ITU_LICENCE,
    citation: 'ITU ICT Price Baskets, historical data series, Dec 2025 release',
    origin: [PRICES_2025_12_FILE],
  },
  { id: 'itu-prices-2025', publisher: 'ITU', licence: ITU_LICENCE, citation: PRICES_2025_SOURCE, origin: ['itu-prices/itu_affordability_2024-2025.csv'] },
  {
    id: 'itu-prices-2024-03',
    publisher: 'ITU (2020-2022 prices with A4AI)',
    licence: ITU_LICENCE,
    citation: 'ITU ICT Price Baskets, historical data series, Mar 2024 release',
    origin: [PRICES_2024_03_FILE],
  },
  {
    id: 'itu-prices-2022',
    publisher: 'ITU (2020-2021 prices with A4AI)',
    licence: ITU_LICENCE,
    citation: 'ITU ICT Price Baskets, historical data series, March 2022 release',
    origin: ['itu-prices/ITU_ICTPriceBaskets_2008-2021_March2022.csv'],
  },
  {
    id: 'undp',
    publisher: 'UNDP Human Development Report Office',
    licence: 'attribution required',
    citation: UNDP_SOURCE,
    origin: ['undp/HDR23-24_Composite_indices_complete_time_series.csv'],
  },
  { id: 'wdi', publisher: 'World Bank', licence: 'CC BY 4.0', citation: WDI_SOURCE, origin: ['wdi/*.csv'] },
  {
    id: 'itu-idi-2024-annex2',
    publisher: 'ITU',
    licence: ITU_LICENCE,
    citation: `${IDI_2024_ANNEX2_SOURCE}: ITU, Measuring digital development: The ICT Development Index 2024 (ISBN 978-92-61-39191-1), the indicator values of reference year 2022 as ITU used them; read only when named`,
    origin: [IDI_2024_ANNEX2_FILE],
  },
];

export const CONVERTERS: Record<
  (typeof PRECEDENCE)[number] | (typeof NAMED_ONLY)[number],
  (sharedDir: string, reg: Registries) => SourceOutput | Promise<SourceOutput>
> = {
  'itu-datahub': convertItuDatahub,
  'itu-datahub-extra': convertItuDatahubExtra,
  'itu-core-household': convertCoreHousehold,
  'itu-prices-2025-12': convertItuPrices2025Workbook,
  'itu-prices-2025': convertItuPrices2025,
  'itu-prices-2024-03': convertItuPrices2024,
  'itu-prices-2022': convertItuPrices2022,
  undp: convertUndp,
  wdi: convertWdi,
  'itu-idi-2024-annex2': convertItuIdi2024Annex2,
};

/** Registries built from the shared folder itself, so a build never depends on stale committed JSON. */
export function buildRegistries(sharedDir: string): Registries & { economyFiles: Map<string, string> } {
  const built = buildEconomies(sharedDir);
  return { economies: new EconomyRegistry(built.economies, built.entities), indicators: loadIndicatorRegistry(), economyFiles: economiesFiles(built) };
}

/** One source's files under datasets/<id>/, by path relative to the package root. */
export function sourceFiles(out: SourceOutput): Map<string, string> {
  const byIndicator = new Map<string, Observation[]>();
  for (const o of out.observations) {
    if (!byIndicator.has(o.indicator)) byIndicator.set(o.indicator, []);
    byIndicator.get(o.indicator)!.push(o);
  }
  const files = new Map<string, string>();
  for (const id of [...byIndicator.keys()].sort()) files.set(`datasets/${out.id}/${id}.csv`, observationsCsv(byIndicator.get(id)!));
  for (const [name, content] of out.extraFiles ?? []) files.set(`datasets/${out.id}/${name}`, content);
  return files;
}

/**
 * A published price of exactly 0 is ITU's placeholder for "not priced" (42 economies' fixed-broadband basket in the
 * DataHub 2022 series, in US$, PPP$ and % GNI alike), not a free service: it is not bundled, and counted in
 * `dropped` under `zero price`. Ingest drops such a row from any other file with its `zero-price` finding.
 */
export function dropZeroPrices(out: SourceOutput, indicators: IndicatorRegistry): SourceOutput {
  const observations = out.observations.filter((o) => {
    if (o.value !== 0 || !isPriceIndicator(indicators.get(o.indicator))) return true;
    countDrop(out.dropped, 'zero price', o.series_code || o.indicator);
    return false;
  });
  return { ...out, observations };
}

/** The same (economy, indicator, year) twice in one source would make a file ambiguous. */
function duplicateKeys(out: SourceOutput): string[] {
  const seen = new Set<string>(),
    dups: string[] = [];
  for (const o of out.observations) {
    const k = `${o.economy}|${o.indicator}|${o.year}`;
    if (seen.has(k)) dups.push(k);
    seen.add(k);
  }
  return dups;
}

export async function buildAllFiles(sharedDir: string): Promise<{ files: Map<string, string>; report: string }> {
  const reg = buildRegistries(sharedDir);
  const files = new Map(reg.economyFiles);
  const outputs: SourceOutput[] = [];
  for (const id of [...PRECEDENCE, ...NAMED_ONLY]) outputs.push(dropZeroPrices(await CONVERTERS[id](sharedDir, reg), reg.indicators));
  const manifestFiles: Array<Record<string, unknown>> = [];
  const outOfRange: Array<Record<string, unknown>> = [];
  const report: string[] = [];
  for (const out of outputs) {
    const dups = duplicateKeys(out);
    if (dups.length) throw new Error(`${out.id}: ${dups.length} duplicate (economy, indicator, year) keys, e.g. ${dups.slice(0, 3).join(', ')}`);
    for (const o of out.observations) {
      const [min, max] = reg.indicators.get(o.indicator).range;
      // Kept, not dropped: the value is what the publisher released; ingest flags it.
      if (o.value < min || o.value > max)
        outOfRange.push({ source: out.id, indicator: o.indicator, economy: o.economy, year: o.year, value: o.value, range: [min, max] });
    }
    for (const [path, content] of sourceFiles(out)) {
      files.set(path, content);
      const name = path.slice(path.lastIndexOf('/') + 1);
      const indicator = out.extraFiles?.has(name) ? null : name.slice(0, -4);
      const rows = indicator ? out.observations.filter((o) => o.indicator === indicator) : [];
      manifestFiles.push({
        path: path.slice('datasets/'.length),
        source: out.id,
        indicator,
        // Records, not lines: notes may hold line breaks.
        rows: indicator ? rows.length : parseCsv(content).length - 1,
        economies: indicator ? new Set(rows.map((o) => o.economy)).size : null,
        yearMin: indicator ? Math.min(...rows.map((o) => o.year)) : null,
        yearMax: indicator ? Math.max(...rows.map((o) => o.year)) : null,
        sha256: sha256(content),
      });
    }
    report.push(`${out.id}: ${out.observations.length} rows`);
  }
  const manifest = {
    generatedFrom: '../shared/data',
    format: { header: 'economy,indicator,year,value,note,source,series_code', sortedBy: ['economy', 'year'] },
    precedence: PRECEDENCE,
    namedOnly: NAMED_ONLY,
    sources: SOURCES,
    files: manifestFiles,
    dropped: Object.fromEntries(outputs.map((o) => [o.id, sortKeys(o.dropped)])),
    checks: Object.fromEntries(outputs.filter((o) => o.checks).map((o) => [o.id, o.checks])),
    releaseComparisons: compareReleases(outputs),
    outOfRange,
  };
  files.set('datasets/manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  files.set('datasets/README.md', datasetsReadme(outputs, outOfRange.length));
  report.push(`out of registry range (kept): ${outOfRange.length}`);
  return { files, report: report.join('\n') + '\n' };
}

/**
 * Where two price releases give the same (economy, indicator, year): how many, and how many differ (by more than
 * rounding to 2 decimals), with the first examples. This is what the precedence decides between.
 */
function compareReleases(outputs: SourceOutput[]): Array<Record<string, unknown>> {
  const prices = outputs.filter((o) => o.id.startsWith('itu-prices-'));
  const index = new Map(prices.map((o) => [o.id, new Map(o.observations.map((x) => [`${x.economy}|${x.indicator}|${x.year}`, x.value]))]));
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < prices.length; i++)
    for (let j = i + 1; j < prices.length; j++) {
      const a = index.get(prices[i].id)!,
        b = index.get(prices[j].id)!;
      let same = 0;
      const differ: string[] = [];
      for (const [k, v] of a) {
        const w = b.get(k);
        if (w === undefined) continue;
        same++;
        if (Math.abs(v - w) > 0.005 + 1e-9) differ.push(`${k}: ${v} vs ${w}`);
      }
      if (same > 0) out.push({ newer: prices[i].id, older: prices[j].id, commonKeys: same, differ: differ.length, examples: differ.slice(0, 5) });
    }
  return out;
}

function sortKeys(dropped: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries(
    Object.keys(dropped)
      .sort()
      .map((reason) => [reason, Object.fromEntries(Object.entries(dropped[reason]).sort(([a], [b]) => (a < b ? -1 : 1)))]),
  );
}

/** The hand-written README (scripts/datasets/datasets-readme.md) followed by a generated table of counts. */
function datasetsReadme(outputs: SourceOutput[], outOfRange: number): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Built code runs from dist/scripts/datasets; the template stays beside the TypeScript source.
  const template = readFileSync(join(here.replace(/[\\/]dist([\\/]scripts[\\/]datasets)$/, '$1'), 'datasets-readme.md'), 'utf8');
  const lines = ['', '## Counts (generated)', '', '| source | rows | indicators | economies | dropped rows |', '|---|---:|---:|---:|---:|'];
  for (const o of outputs) {
    const dropped = Object.values(o.dropped)
      .flatMap((x) => Object.values(x))
      .reduce((a, b) => a + b, 0);
    lines.push(
      `| ${o.id} | ${o.observations.length} | ${new Set(o.observations.map((x) => x.indicator)).size} | ${new Set(o.observations.map((x) => x.economy)).size} | ${dropped} |`,
    );
  }
  lines.push('', `Values outside the indicator registry's valid range (kept, listed in manifest.json \`outOfRange\`): ${outOfRange}.`, '');
  return template.trimEnd() + '\n' + lines.join('\n');
}
