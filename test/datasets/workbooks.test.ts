import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { datasetsDir, sharedDataDir } from '../../src/util/paths.js';
import { parseCsvObjects } from '../../src/util/csv-parse.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { buildRegistries, dropZeroPrices, PRECEDENCE, sourceFiles } from '../../scripts/datasets/build.js';
import {
  convertCoreHousehold,
  convertItuPrices2024,
  convertItuPrices2025Workbook,
  CORE_HOUSEHOLD_FILE,
  ITU_ESTIMATE_NOTE,
} from '../../scripts/datasets/workbooks.js';

interface ManifestFile {
  path: string;
  source: string;
  indicator: string | null;
  rows: number;
}
const manifest = JSON.parse(readFileSync(join(datasetsDir(), 'manifest.json'), 'utf8')) as {
  precedence: string[];
  files: ManifestFile[];
  checks: Record<string, Record<string, unknown>>;
};
const checks = manifest.checks;

/** Every observation row of one bundled source, read from the committed files (no ../shared needed). */
type Row = Record<string, string>;
function bundledRows(source: string): Row[] {
  return manifest.files
    .filter((f) => f.source === source && f.indicator)
    .flatMap((f) =>
      parseCsvObjects(readFileSync(join(datasetsDir(), f.path), 'utf8')).rows.map((r) =>
        Object.fromEntries(['economy', 'indicator', 'year', 'value', 'note', 'series_code'].map((k) => [k, r.get(k)])),
      ),
    );
}
/** A kept sheet's CSV as records with every column. */
function extra(path: string): Row[] {
  const { header, rows } = parseCsvObjects(readFileSync(join(datasetsDir(), path), 'utf8'));
  return rows.map((r) => Object.fromEntries(header.map((h) => [h, r.get(h)])));
}

describe('ITU price-basket workbooks, bundled (counts from the committed files)', () => {
  it('March 2024 release: 222 economies and 29,072 numeric values in economies_2008-2023 (the _ts series), 2 of them placeholder zeros (not bundled)', () => {
    const rows = bundledRows('itu-prices-2024-03').filter((r) => /_ts(_GNI|_PPP|\$)$/.test(r.series_code!));
    expect(rows.length).toBe(29072 - 2); // Sierra Leone's 2013 i154_MobLow_ts$ and _GNI are 0
    // 222 economies listed: 221 with values, and Réunion, listed with NA in every cell (kept in the manifest's checks)
    expect(new Set(rows.map((r) => r.economy)).size).toBe(221);
    expect(checks['itu-prices-2024-03'].economiesListedWithoutAnyValue).toEqual(['REU']);
    expect(new Set(rows.map((r) => r.series_code)).size).toBe(15);
  });

  it('December 2025 release: 221 economies, 45 codes and 41,853 numeric values in economies_2008-2025, 4 of them placeholder zeros (not bundled)', () => {
    const rows = bundledRows('itu-prices-2025-12');
    expect(rows.length).toBe(41853 - 4); // 0 in the workbook: SLE 2013 i154_Mob$ and _GNI, SOM 2022 i271mb_5GB_PPP and _10GB_PPP
    expect(new Set(rows.map((r) => r.economy)).size).toBe(221);
    expect(checks['itu-prices-2025-12'].economiesListedWithoutAnyValue).toEqual([]);
    expect(new Set(rows.map((r) => r.series_code)).size).toBe(45);
    // every ITU code is an alias of the indicator its values are filed under
    const reg = loadIndicatorRegistry();
    for (const r of rows) expect(reg.find(r.series_code!)?.id).toBe(r.indicator);
  });

  it('files each year of a _ts series under the basket in force (Aruba, as in the workbook)', () => {
    const abw = bundledRows('itu-prices-2024-03').filter((r) => r.economy === 'ABW' && r.series_code === 'i154_FBB_ts_GNI');
    const at = (y: number) => abw.find((r) => r.year === String(y));
    // economies_2008-2023, row ABW / i154_FBB_ts_GNI: 2016 = 2.81 (1 GB basket, 2008-2017), 2018 = 2.91 (5 GB, 2018-)
    expect(at(2016)).toMatchObject({ indicator: 'price_ipb_fixed_broadband_1gb_gni_pct', value: '2.81' });
    expect(at(2016)!.note).toMatch(/historical basket "Fixed broadband basket \(1GB\)"/);
    expect(at(2018)!.indicator).toBe('price_fixed_broadband_5gb_gni_pct');
    expect(at(2018)!.value).toBe('2.91');
    expect(at(2018)!.note).toBe('');
  });

  it('keeps the BasketHistory status: exp years carry "experimental", official years no note', () => {
    const rows = bundledRows('itu-prices-2025-12').filter((r) => r.economy === 'ABW');
    const get = (code: string, y: number) => rows.find((r) => r.series_code === code && r.year === String(y));
    // BasketHistory: i271mb_2GB* x 2021-2024, exp 2025; i271mb_5GB* exp 2021-2024, x 2025. Workbook values for Aruba:
    expect(get('i271mb_2GB_GNI', 2024)).toMatchObject({ value: '1.04', note: '' });
    expect(get('i271mb_2GB_GNI', 2025)!.note).toBe('experimental');
    expect(get('i271mb_2GB_GNI', 2025)!.value).toBe('1.08');
    expect(get('i154_FBB5_PPP', 2024)!.value).toBe('98.4');
    const history = extra('itu-prices-2025-12/basket_history.csv');
    expect(history.filter((r) => r.codes === 'i271mb_5GB*').map((r) => `${r.year}:${r.status}`)).toEqual([
      '2021:experimental',
      '2022:experimental',
      '2023:experimental',
      '2024:experimental',
      '2025:official',
    ]);
  });

  it('keeps the medians and GNI_denominator sheets as CSV with their columns', () => {
    const m25 = extra('itu-prices-2025-12/medians.csv');
    const pick = (w: string, y: number) =>
      m25.find((r) => r.code === 'i154_FBB5_GNI' && r.group === 'Asia & Pacific' && r.window === w && r.year === String(y))?.value;
    expect(pick('annual', 2018)).toBe('3.36'); // medians!O52
    expect(pick('2024-2025', 2024)).toBe('2.42'); // medians!Y52
    expect(pick('2021-2025', 2021)).toBe('3.53'); // medians!AI52
    const m24 = extra('itu-prices-2024-03/medians_2023.csv');
    expect(m24[0]).toEqual({
      currency: 'GNIpc',
      basket_current: 'Fixed-broadband basket (5GB)',
      code_ts: 'i154_FBB_ts_GNI',
      n_world: '195',
      n_group: '33',
      grouping: 'ITURegion',
      regioncode: 'AFR',
      group: 'Africa',
      year: '2023',
      value: '14.77',
    });
    const gni = extra('itu-prices-2025-12/gni_denominator.csv');
    expect(gni.length).toBe(209);
    expect(gni[0]).toEqual({
      economy: 'AFG',
      economy_name: 'Afghanistan',
      monthly_gni_per_capita: '2728.666',
      notes: 'GNI data year: 2023. In Afghan afghani',
      source: 'World Bank WDI',
    });
    expect(gni.find((r) => r.economy === 'PSE')?.monthly_gni_per_capita).toBe('969.424');
  });

  it("reproduces ITU's annual World median of the fixed-broadband basket (% GNI p.c.) from the bundled values, 2018-2022", () => {
    // ITU's published medians (medians sheet, i154_FBB5_GNI, World, annual) against the median of the economies' values.
    const published = new Map(
      extra('itu-prices-2025-12/medians.csv')
        .filter((r) => r.code === 'i154_FBB5_GNI' && r.grouping === 'World' && r.window === 'annual')
        .map((r) => [Number(r.year), Number(r.value)]),
    );
    const values = bundledRows('itu-prices-2025-12').filter((r) => r.series_code === 'i154_FBB5_GNI');
    for (const year of [2018, 2019, 2020, 2021, 2022]) {
      const xs = values
        .filter((r) => r.year === String(year))
        .map((r) => Number(r.value))
        .sort((a, b) => a - b);
      const median = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
      expect(Math.abs(median - published.get(year)!), `${year}: ${median} vs ${published.get(year)}`).toBeLessThanOrEqual(0.005 + 1e-9);
    }
  });

  it("the newest release comes first in the precedence, ITU's own workbook before the republication", () => {
    expect(manifest.precedence).toEqual([...PRECEDENCE]);
    const at = (id: string) => manifest.precedence.indexOf(id);
    expect(at('itu-prices-2025-12')).toBeLessThan(at('itu-prices-2025'));
    expect(at('itu-prices-2025')).toBeLessThan(at('itu-prices-2024-03'));
    expect(at('itu-prices-2024-03')).toBeLessThan(at('itu-prices-2022'));
  });
});

describe('ITU Core Household Indicators, June 2019, bundled', () => {
  it('latest value per economy with its year of data; footnotes become the notes', () => {
    const rows = bundledRows('itu-core-household');
    const get = (iso: string, code: string) => rows.find((r) => r.economy === iso && r.series_code === code);
    // workbook row 13 (Australia): HH4 82.4, footnote 5, 2017; row 5 (Afghanistan): HH7 13.5, footnote 1, 2017
    expect(get('AUS', 'HH4')).toEqual({
      economy: 'AUS',
      indicator: 'hh_computer_pct',
      year: '2017',
      value: '82.4',
      note: '(5) This is a multi-response category so components will not necessarily equal the total.',
      series_code: 'HH4',
    });
    expect(get('AFG', 'HH7')).toMatchObject({ indicator: 'internet_users_pct', year: '2017', value: '13.5', note: '(1) 18+' });
    expect(get('DZA', 'HH4')!.value).toBe('47.5'); // row 7, 2018
    expect(get('AFG', 'HH4')).toBeUndefined(); // "..."
    expect(new Set(rows.map((r) => r.series_code))).toEqual(new Set(['HH1', 'HH2', 'HH3f', 'HH3m', 'HH4', 'HH6', 'HH5', 'HH7', 'HH10']));
  });
});

describe.skipIf(!existsSync(sharedDataDir()))('workbook converters on the shared folder', () => {
  const reg = buildRegistries(sharedDataDir());
  const tmp = mkdtempSync(join(tmpdir(), 'ictstat-chi-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('regenerate the committed files byte for byte', async () => {
    for (const out of [
      await convertItuPrices2024(sharedDataDir(), reg),
      await convertItuPrices2025Workbook(sharedDataDir(), reg),
      await convertCoreHousehold(sharedDataDir(), reg),
    ])
      for (const [path, content] of sourceFiles(dropZeroPrices(out, reg.indicators)))
        expect(content, path).toBe(readFileSync(join(datasetsDir(), '..', path), 'utf8'));
  });

  it('an italic value is an ITU estimate (the June 2019 file has none; a workbook in its layout)', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('CoreHouseholdIndicators');
    ws.getCell('D3').value = '(HH4)';
    ws.getCell('F3').value = 'Year';
    ws.getCell('F4').value = 'of data';
    ws.getCell('G3').value = '(HH6)';
    ws.getCell('I3').value = 'Year';
    ws.getCell('I4').value = 'of data';
    ws.getRow(5).values = [1, 'Kenya', 'Kenya', '9.7', '', 2019, '17.5', '2', 2019];
    ws.getCell('D5').font = { italic: true };
    ws.getRow(6).values = [2, 'Uganda', 'Uganda', '...', '', null, '9.1', '', 2018];
    ws.getCell('A8').value = ' (1) 18+ (2) Households with Internet connection.';
    mkdirSync(join(tmp, 'itu-core-household'), { recursive: true });
    await wb.xlsx.writeFile(join(tmp, CORE_HOUSEHOLD_FILE));
    const out = await convertCoreHousehold(tmp, reg);
    expect(out.observations.map((o) => [o.economy, o.indicator, o.year, o.value, o.note])).toEqual([
      ['KEN', 'hh_computer_pct', 2019, 9.7, ITU_ESTIMATE_NOTE],
      ['KEN', 'hh_internet_pct', 2019, 17.5, '(2) Households with Internet connection.'],
      ['UGA', 'hh_internet_pct', 2018, 9.1, ''],
    ]);
    expect(out.checks).toEqual({ italicValues: { HH4: 1 }, footnotes: 2 });
    expect(out.dropped).toEqual({ 'not available (...)': { HH4: 1 } });
  });
});
