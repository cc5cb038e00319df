import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetsDir, packageRoot, sharedDataDir } from '../../src/util/paths.js';
import { parseCsv } from '../../src/util/csv-parse.js';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { buildRegistries, dropZeroPrices, sourceFiles } from '../../scripts/datasets/build.js';
import { isPriceIndicator, loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { sha256 } from '../../scripts/datasets/long-format.js';
import { convertItuIdi2024Annex2, convertItuPrices2022, convertItuPrices2025, convertUndp } from '../../scripts/datasets/sources.js';

const manifest = JSON.parse(readFileSync(join(datasetsDir(), 'manifest.json'), 'utf8')) as {
  files: Array<{ path: string; source: string; indicator: string | null; rows: number; sha256: string }>;
};
const committed = (path: string): string => readFileSync(join(datasetsDir(), path), 'utf8');

describe('committed datasets (no ../shared needed)', () => {
  it('match the sha256 and row counts in manifest.json', () => {
    expect(manifest.files.length).toBeGreaterThan(60);
    for (const f of manifest.files) {
      const text = committed(f.path);
      expect(sha256(text), f.path).toBe(f.sha256);
      expect(parseCsv(text).length - 1, f.path).toBe(f.rows);
    }
  });

  it('use only economies of the registry, in the canonical header and order', () => {
    const reg = loadEconomyRegistry();
    const iso3 = new Set(reg.all().map((e) => e.iso3));
    for (const f of manifest.files.filter((x) => x.indicator)) {
      const [header, ...rows] = parseCsv(committed(f.path)).map((r) => r.fields);
      expect(header.join(','), f.path).toBe('economy,indicator,year,value,note,source,series_code');
      let prev = '';
      const problems: string[] = []; // collected, so 170k rows cost one assertion per file
      for (const r of rows) {
        const key = `${r[0]}|${r[2].padStart(4, '0')}`;
        if (!iso3.has(r[0])) problems.push(`unknown economy ${r[0]}`);
        if (r[1] !== f.indicator) problems.push(`indicator ${r[1]}`);
        if (!(key > prev)) problems.push(`order at ${key}`);
        prev = key;
      }
      expect(problems.slice(0, 5), f.path).toEqual([]);
    }
  });
});

describe('placeholder zeros', () => {
  const reg = loadIndicatorRegistry();
  it('no bundled price is exactly 0; the DataHub 2022 fixed-broadband zeros are counted as dropped', () => {
    const m = manifest as unknown as { dropped: Record<string, Record<string, Record<string, number>>> };
    const zeros: string[] = [];
    for (const f of manifest.files.filter((x) => x.indicator && isPriceIndicator(reg.get(x.indicator))))
      for (const r of parseCsv(committed(f.path)).slice(1)) if (Number(r.fields[3]) === 0) zeros.push(`${f.path}:${r.fields[0]}`);
    expect(zeros).toEqual([]);
    // Counted in the shared DataHub export: 42 % GNI, 47 PPP$ and 28 US$ values of exactly 0, all of 2022.
    expect(m.dropped['itu-datahub']['zero price']).toEqual({ i154_FBB5$: 28, i154_FBB5_GNI: 42, i154_FBB5_PPP: 47 });
  });

  it('dropZeroPrices drops a 0 price in any unit, keeps a 0 that is not a price and a small positive price', () => {
    const o = (indicator: string, value: number) => ({ economy: 'CAF', indicator, year: 2022, value, note: '', source: 'ITU', series_code: indicator });
    const out = dropZeroPrices(
      {
        id: 't',
        dropped: {},
        observations: [
          o('price_fixed_broadband_5gb_usd', 0),
          o('price_fixed_broadband_5gb_gni_pct', 0),
          o('price_mobile_data_1gb_ppp', 0),
          o('price_fixed_broadband_5gb_ppp', 0.01),
          o('pop_cov_4g_pct', 0),
        ],
      },
      reg,
    );
    expect(out.observations.map((x) => [x.indicator, x.value])).toEqual([
      ['price_fixed_broadband_5gb_ppp', 0.01],
      ['pop_cov_4g_pct', 0],
    ]);
    expect(out.dropped).toEqual({
      'zero price': { price_fixed_broadband_5gb_usd: 1, price_fixed_broadband_5gb_gni_pct: 1, price_mobile_data_1gb_ppp: 1 },
    });
  });
});

describe.skipIf(!existsSync(sharedDataDir()))(`converters on ${sharedDataDir()} (skipped when the shared data folder is absent)`, () => {
  const shared = sharedDataDir();
  const reg = buildRegistries(shared);

  it('regenerate the committed economy files byte for byte', () => {
    for (const path of ['indicators/economies.json', 'indicators/entities.json', 'indicators/groupings/itu-region-2021.csv'])
      expect(reg.economyFiles.get(path), path).toBe(readFileSync(join(packageRoot(), path), 'utf8'));
  });

  it('reproduce committed dataset files byte for byte', () => {
    const undp = sourceFiles(convertUndp(shared, reg));
    expect(undp.get('datasets/undp/mean_years_schooling.csv')).toBe(committed('undp/mean_years_schooling.csv'));
    const p25 = sourceFiles(convertItuPrices2025(shared, reg));
    expect(p25.get('datasets/itu-prices-2025/price_mobile_data_2gb_usd.csv')).toBe(committed('itu-prices-2025/price_mobile_data_2gb_usd.csv'));
    const p22 = sourceFiles(convertItuPrices2022(shared, reg));
    expect(p22.get('datasets/itu-prices-2022/medians.csv')).toBe(committed('itu-prices-2022/medians.csv'));
    expect(p22.get('datasets/itu-prices-2022/price_ipb_fixed_broadband_1gb_usd.csv')).toBe(committed('itu-prices-2022/price_ipb_fixed_broadband_1gb_usd.csv'));
  });

  it("keeps Kenya's 2019 internet users value from the DataHub file as is", () => {
    const raw = parseCsv(readFileSync(join(shared, 'itu-datahub/individuals_using_internet.csv'), 'utf8'))
      .map((r) => r.fields)
      .find((f) => f[1] === 'i99H' && f[6] === 'KEN' && f[9] === '2019');
    expect(raw?.[6]).toBe('KEN');
    const row = parseCsv(committed('itu-datahub/internet_users_pct.csv'))
      .map((r) => r.fields)
      .find((f) => f[0] === 'KEN' && f[2] === '2019');
    expect(Number(row![3])).toBe(Number(raw![8]));
    expect(row![5]).toBe(raw![11]); // the row's national source
  });

  it('files historical basket years under the basket in force (Aruba fixed broadband)', () => {
    const obs = convertItuPrices2022(shared, reg).observations.filter(
      (o) => o.economy === 'ABW' && o.series_code.endsWith('/USD') && o.indicator.includes('fixed_broadband'),
    );
    const byYear = new Map(obs.map((o) => [o.year, o]));
    expect(byYear.get(2016)).toMatchObject({ indicator: 'price_ipb_fixed_broadband_1gb_usd', value: 57.24, series_code: 'Fixed broadband basket (1GB)/USD' });
    expect(byYear.get(2018)).toMatchObject({ indicator: 'price_fixed_broadband_5gb_usd', value: 57.24, series_code: 'Fixed broadband basket (5GB)/USD' });
  });

  it('converts ITU IDI 2024 Annex 2 with its flags: est = "ITU estimate", 2021 = an observation of 2021, n.a. = none', () => {
    const out = convertItuIdi2024Annex2(shared, reg);
    for (const [path, text] of sourceFiles(out)) expect(text, path).toBe(committed(path.slice('datasets/'.length)));
    const at = (economy: string, indicator: string) => out.observations.filter((o) => o.economy === economy && o.indicator === indicator);
    // From the CSV's rows: AFG cov3g 58.0 flagged 2021; ALB ownership 88.2 flagged est; AFG internet users n.a.
    expect(at('AFG', 'pop_cov_3g_pct')).toMatchObject([
      { year: 2021, value: 58, note: 'lagged value: 2021 used for reference year 2022', series_code: 'i271G_IDI' },
    ]);
    expect(at('ALB', 'mobile_owners_pct')).toMatchObject([{ year: 2022, value: 88.2, note: 'ITU estimate', source: 'ITU IDI 2024, Annex 2' }]);
    expect(at('AFG', 'internet_users_pct')).toEqual([]);
    expect(out.observations.length).toBe(170 * 10 - 102); // 102 n.a. cells in the CSV
  });

  it('is deterministic', () => {
    const a = sourceFiles(convertUndp(shared, reg));
    const b = sourceFiles(convertUndp(shared, reg));
    expect([...a]).toEqual([...b]);
  });
});
