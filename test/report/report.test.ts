/**
 * `ictstat report`: a full edition on the bundled data (the workbook against the CLI's own `idi` and
 * `prices` output), determinism (the CLI and `buildReport` in-process give byte-identical files), a small
 * edition from `--data` with crafted notes (CSV/XLSX injection neutralised, HTML escaped) and `--lang`,
 * and the page in a real browser (Debian's chromium driven by playwright-core).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ictstat, expectNoStackTrace, ROOT } from '../cli/helpers.js';
import { buildReport } from '../../src/report/build.js';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { csvRow } from '../../src/util/csv.js';
import { parseCsv } from '../../src/util/csv-parse.js';
import { readWorkbookSheets } from '../../src/ingest/xlsx.js';

const tmp = mkdtempSync(join(tmpdir(), 'ictstat-report-'));
const full = join(tmp, 'mis-2017');
let cli: ReturnType<typeof ictstat>;

/** The sheets of a workbook, read with our own reader (exceljs behind the ZIP gate): rows of cells by column letter. */
async function book(xlsx: Uint8Array): Promise<Map<string, Array<Record<string, string | number>>>> {
  const sheets = await readWorkbookSheets(xlsx);
  return new Map(
    sheets.map((s) => [s.name, s.rows.map((r) => Object.fromEntries(r.cells.map((c) => [c.ref.replace(/\d+$/, ''), c.value as string | number])))]),
  );
}
const readCsv = (file: string): string[][] => parseCsv(readFileSync(file, 'utf8')).map((r) => r.fields);

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

beforeAll(() => {
  cli = ictstat(['report', '--edition', '2017', '--out', full]);
});

describe('ictstat report --edition 2017 on the bundled data', () => {
  it('writes every table as CSV, Markdown and HTML, the workbook, the charts and index.html, and prints a summary', () => {
    expectNoStackTrace(cli);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/MIS 2017 regenerated/);
    // 187 since the bundle has households with a computer (HH4, Core Household Indicators): economies without it
    // have fewer of the methodology's indicators (192 while HH4 was dropped for every economy; MIS 2017 ranks 176).
    expect(cli.stdout).toMatch(/187 ranked in 2016/);
    expect(cli.stdout).toMatch(/baskets\s+3: ipb-mobile-cellular, ipb-fixed-broadband-1gb, mobile-broadband-computer-1gb/);
    expect(cli.stdout).toMatch(/time\s+\d+\.\d s/);
    expect(cli.stderr).toMatch(/intl_bw_per_user/);
    const report = JSON.parse(readFileSync(join(full, 'report.json'), 'utf8'));
    expect(report.files).toEqual(listFiles(full));
    expect(report.methodology).toBe('idi-2017');
    expect([report.dataYear, report.previousYear, report.priceYear]).toEqual([2016, 2015, 2016]);
    for (const id of [
      'idi-ranking',
      'idi-subindex-access',
      'idi-subindex-use',
      'idi-subindex-skills',
      'idi-region-africa',
      'idi-region-americas',
      'idi-region-arab-states',
      'idi-region-asia-pacific',
      'idi-region-cis',
      'idi-region-europe',
      'idi-summary',
      'idi-dynamic-rank',
      'idi-dynamic-value',
      'prices-ipb-fixed-broadband-1gb',
      'prices-groups',
      'prices-targets',
      'prices-targets-economies',
      'prices-change',
    ]) {
      expect(report.tables).toContain(id);
      for (const ext of ['csv', 'md', 'html']) expect(existsSync(join(full, 'tables', `${id}.${ext}`)), `${id}.${ext}`).toBe(true);
    }
    for (const c of ['idi-by-region', 'idi-vs-affordability', 'price-medians', 'idi-rank-intervals', 'idi-map'])
      expect(readFileSync(join(full, 'charts', `${c}.svg`), 'utf8')).toMatch(/^<svg[\s\S]*<path[\s\S]*<\/svg>$/);
    const html = readFileSync(join(full, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/); // offline: nothing fetched
    expect(html).toMatch(/no value for any economy/); // the departures are on the page
    expect(html).toMatch(/CC BY-NC-SA 3\.0 IGO/);
  });

  it('the Facts and Figures table equals `ictstat estimates` over the 7 data years; its chart and section are on the page', () => {
    const est = ictstat(['estimates', '--indicator', 'internet_users_pct', '--from', '2010', '--to', '2016', '--groups', 'world,itu-region-2025']);
    expect(est.code, est.stderr).toBe(0);
    expect(readFileSync(join(full, 'tables', 'facts-internet-use.csv'), 'utf8')).toBe(est.stdout);
    expect(readFileSync(join(full, 'charts', 'internet-use-estimates.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<path[\s\S]*<\/svg>$/);
    const html = readFileSync(join(full, 'index.html'), 'utf8');
    expect(html).toMatch(/<section id="facts"><h2>Facts and Figures/);
    expect(html).toMatch(/id="chart-internet-use-estimates"/);
  });

  it('the sensitivity table equals `ictstat idi sensitivity` with the same sample and seed; the page and the summary carry it', () => {
    const cliSens = ictstat(['idi', 'sensitivity', '--methodology', 'idi-2017', '--year', '2016', '--draws', '1000', '--seed', '1', '--format', 'csv']);
    expect(cliSens.code, cliSens.stderr).toBe(0);
    expect(readFileSync(join(full, 'tables', 'idi-sensitivity.csv'), 'utf8')).toBe(cliSens.stdout);
    expect(cli.stdout).toMatch(/sensitivity\s+N = 1000, 9000 scenarios, seed 1; largest mean total Sobol index: drop-one-indicator/);
    const report = JSON.parse(readFileSync(join(full, 'report.json'), 'utf8'));
    expect(report.sensitivity).toMatchObject({ draws: 1000, seed: 1, scenarios: 9000 });
    expect(readFileSync(join(full, 'index.html'), 'utf8')).toMatch(/Uncertainty and sensitivity of the ranks/);
  });

  it('the workbook ranking sheet equals `ictstat idi --format json` (scores, ranks, previous year)', async () => {
    const idi = ictstat(['idi', '--methodology', 'idi-2017', '--year', '2016', '--previous', '--format', 'json']);
    expect(idi.code, idi.stderr).toBe(0);
    const json = JSON.parse(idi.stdout) as {
      economies: Array<{
        economy: string;
        ranked: boolean;
        score: number;
        rank: number;
        components: Record<string, number>;
        previous: { score: number | null; rank: number | null; rankChange: number | null };
      }>;
    };
    const sheets = await book(readFileSync(join(full, 'mis-2017.xlsx')));
    expect([...sheets.keys()][0]).toBe('IDI 2017 ranking');
    const rows = sheets.get('IDI 2017 ranking')!;
    expect(rows[0]).toMatchObject({ A: 'Code', B: 'Economy', C: 'Rank 2017', D: 'IDI 2017', E: 'Rank 2016', F: 'IDI 2016', G: 'Rank change' });
    const ranked = json.economies.filter((e) => e.ranked);
    const data = rows.slice(1, 1 + ranked.length);
    expect(data.map((r) => r.A).sort()).toEqual(ranked.map((e) => e.economy).sort());
    const byCode = new Map(ranked.map((e) => [e.economy, e]));
    for (const r of data) {
      const e = byCode.get(r.A as string)!;
      expect(r.D).toBe(e.score);
      expect(r.C).toBe(e.rank);
      expect(r.F ?? null).toBe(e.previous.score);
      expect(r.E ?? null).toBe(e.previous.rank);
      expect(r.G ?? null).toBe(e.previous.rankChange);
    }
    // Nothing under the table (row 1 is the header, then one row per ranked economy): its notes are on the
    // Notes sheet, its full title on the Contents sheet.
    expect(rows.length).toBe(1 + ranked.length);
    expect([...sheets.keys()].slice(-2)).toEqual(['Contents', 'Notes']);
    expect(sheets.get('Contents')![0]).toEqual({ A: 'Sheet', B: 'Title', C: 'Table', D: 'Rows', E: 'Notes' });
    expect(sheets.get('Contents')!.find((r) => r.A === 'IDI 2017 ranking')).toMatchObject({ C: 'idi-ranking', D: ranked.length });
    const notes = sheets
      .get('Notes')!
      .filter((r) => r.A === 'IDI 2017 ranking')
      .map((r) => r.B)
      .join('\n');
    expect(notes).toMatch(/Data vintage: the bundled datasets/);
    expect(notes).toMatch(/World Bank, World Development Indicators \(CC BY 4\.0\)/);
    // The access sub-index sheet: its values are the components of the JSON.
    const access = sheets.get('ICT access sub-index')!;
    for (const r of access.slice(1, 1 + ranked.length)) expect(r.D).toBe(byCode.get(r.A as string)!.components.access);
  });

  it('the price tables equal `ictstat prices targets` and `prices aggregate` for 2016', () => {
    const t = ictstat(['prices', 'targets', '--year', '2016']);
    expect(t.code, t.stderr).toBe(0);
    const expected = t.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .map(([target, basket, year, evaluated, meeting]) => [target, basket, year, evaluated, meeting].join('|'));
    const ours = readCsv(join(full, 'tables', 'prices-targets.csv'))
      .slice(1)
      .map((r) => [r[0], r[2], '2016', r[3], r[4]].join('|'));
    expect(ours.sort()).toEqual(expected.sort());
    expect(ours.length).toBeGreaterThan(0);

    // The report reads the bundle merged by precedence (the newer releases add e.g. Saint Helena's 2016 prices to
    // the March 2022 release): the same merge, as an observation file, is what `prices aggregate` gets here.
    const seen = new Set<string>();
    const merged = [csvRow(['economy', 'indicator', 'year', 'value'])];
    const manifest = JSON.parse(readFileSync(join(ROOT, 'datasets', 'manifest.json'), 'utf8')) as {
      precedence: string[];
      files: Array<{ path: string; source: string; indicator: string | null }>;
    };
    for (const src of manifest.precedence)
      for (const f of manifest.files.filter((x) => x.source === src && x.indicator?.startsWith('price_')))
        for (const [economy, indicator, year, value] of parseCsv(readFileSync(join(ROOT, 'datasets', f.path), 'utf8'))
          .slice(1)
          .map((x) => x.fields)) {
          if (year !== '2016' || seen.has(`${economy}|${indicator}`)) continue;
          seen.add(`${economy}|${indicator}`);
          merged.push(csvRow([economy, indicator, year, value]));
        }
    writeFileSync(join(tmp, 'prices-2016.csv'), merged.join(''));
    const agg = ictstat(['prices', 'aggregate', '--input', join(tmp, 'prices-2016.csv'), '--stat', 'median', '--format', 'json']);
    expect(agg.code, agg.stderr).toBe(0);
    const medians = new Map(
      (JSON.parse(agg.stdout).rows as Array<{ basket: string; unit: string; grouping: string; group: string; year: number; value: number; n: number }>)
        .filter((r) => r.year === 2016)
        .map((r) => [`${r.basket}|${r.unit}|${r.grouping}|${r.group}`, r]),
    );
    const units: Record<string, string> = { USD: 'usd', PPP$: 'ppp', '% GNI p.c.': 'gni_pct' };
    const groups = readCsv(join(full, 'tables', 'prices-groups.csv'));
    const [head, ...body] = groups;
    const col = (k: string): number => head.indexOf(k);
    expect(body.length).toBeGreaterThan(50);
    for (const r of body) {
      const m = medians.get(`${r[col('basket')]}|${units[r[col('unit')]]}|${r[col('grouping')]}|${r[col('group')]}`);
      if (!m) throw new Error(`no published median for ${r.join(',')}`);
      expect(Number(r[col('median')])).toBe(m!.value);
      expect(Number(r[col('n')])).toBe(m!.n);
    }
  });

  it('is deterministic: buildReport in-process (as the server calls it) writes byte-identical files', async () => {
    const again = join(tmp, 'again');
    const r = await buildReport({ edition: 2017, out: again });
    expect(r.files).toEqual(listFiles(full));
    expect(r.summary.economiesRanked).toBe(187);
    for (const f of r.files) expect(readFileSync(join(again, f)).equals(readFileSync(join(full, f))), f).toBe(true);
  });
});

describe('ictstat report --data: crafted notes and --lang', () => {
  const small = join(tmp, 'small');
  const economies = ['KOR', 'ISL', 'CHE', 'FRA', 'DEU', 'KEN', 'BRA', 'IND', 'EGY', 'RUS', 'USA', 'JPN', 'NGA', 'CHN', 'SAU', 'ARG'];
  let run: ReturnType<typeof ictstat>;
  beforeAll(() => {
    // A small --data file from the bundled datasets (first source by the manifest's precedence wins) with crafted notes.
    const manifest = JSON.parse(readFileSync(join(ROOT, 'datasets', 'manifest.json'), 'utf8')) as {
      precedence: string[];
      files: Array<{ path: string; source: string }>;
    };
    const seen = new Set<string>();
    const out = [csvRow(['economy', 'indicator', 'year', 'value', 'note', 'source'])];
    for (const src of manifest.precedence)
      for (const f of manifest.files.filter((x) => x.source === src)) {
        const rows = parseCsv(readFileSync(join(ROOT, 'datasets', f.path), 'utf8')).map((r) => r.fields);
        for (const r of rows.slice(1)) {
          const [economy, indicator, year, value] = r;
          if (!economies.includes(economy) || Number(year) < 2008 || Number(year) > 2016) continue;
          const k = `${economy}|${indicator}|${year}`;
          if (seen.has(k)) continue;
          seen.add(k);
          let note = '';
          if (economy === 'KEN' && indicator === 'price_ipb_fixed_broadband_1gb_gni_pct' && year === '2016') note = '=HYPERLINK("http://evil.example","click")';
          if (economy === 'USA' && indicator === 'price_ipb_fixed_broadband_1gb_gni_pct' && year === '2016') note = '<script>alert("x")</script> & <b>bold</b>';
          if (economy === 'BRA' && indicator === 'price_ipb_fixed_broadband_1gb_usd' && year === '2016') note = '@SUM(A1:A2)';
          out.push(csvRow([economy, indicator, year, value, note, 'test']));
        }
      }
    writeFileSync(join(tmp, 'small.csv'), out.join(''));
    run = ictstat(['report', '--edition', '2017', '--data', join(tmp, 'small.csv'), '--out', small, '--lang', 'fr']);
  });

  it('neutralises formula cells in CSV and XLSX', async () => {
    expectNoStackTrace(run);
    expect(run.code, run.stderr).toBe(0);
    const csv = readFileSync(join(small, 'tables', 'prices-ipb-fixed-broadband-1gb.csv'), 'utf8');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv).toContain(`'@SUM(A1:A2)`);
    expect(csv).not.toMatch(/(^|,)"?[=@+-]/m);
    const xlsx = readFileSync(join(small, 'mis-2017.xlsx'));
    const cells = (await book(xlsx))
      .get('ipb-fixed-broadband-1gb')!
      .flatMap((r) => Object.values(r))
      .filter((v): v is string => typeof v === 'string');
    expect(cells).toContain(`'=HYPERLINK("http://evil.example","click")`);
    expect(cells.some((c) => /^[=@+-]/.test(c))).toBe(false);
    for (const f of Object.keys(unzipSync(xlsx))) expect(strFromU8(unzipSync(xlsx)[f])).not.toMatch(/<f>/); // never a formula
  });

  it('escapes HTML in the page and the table files', () => {
    for (const f of ['index.html', 'tables/prices-ipb-fixed-broadband-1gb.html']) {
      const html = readFileSync(join(small, f), 'utf8');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<b>bold');
    }
  });

  it("writes economy names in the --lang language (the registry's UN names)", () => {
    const reg = loadEconomyRegistry();
    const ranking = readCsv(join(small, 'tables', 'idi-ranking.csv'));
    expect(ranking.length - 1).toBe(economies.length);
    for (const r of ranking.slice(1)) expect(r[1]).toBe(reg.name(r[0], 'fr'));
    expect(ranking.find((r) => r[0] === 'DEU')![1]).toBe("Allemagne (l')");
    const html = readFileSync(join(small, 'index.html'), 'utf8');
    expect(html).toContain('<td lang="fr" dir="auto">Allemagne (l&#39;)</td>');
    expect(JSON.parse(readFileSync(join(small, 'report.json'), 'utf8')).vintage).toMatch(/^files given with --data: small\.csv \(sha256 [0-9a-f]{12}\)$/);
  });

  it('rejects a bad edition and a bad language with one clear message', () => {
    const bad = ictstat(['report', '--edition', '17', '--out', join(tmp, 'bad')]);
    expect(bad.code).toBe(2);
    expectNoStackTrace(bad);
    const lang = ictstat(['report', '--edition', '2017', '--lang', 'de', '--out', join(tmp, 'bad')]);
    expect(lang.code).toBe(2);
    expect(lang.stderr).toMatch(/--lang/);
  });
});

describe('the report page in a real browser', () => {
  const chromium = '/usr/bin/chromium';
  let shots = '';
  afterAll(() => {
    if (shots) process.stderr.write(`report screenshots: ${shots}\n`);
  });
  it.skipIf(!existsSync(chromium) && !process.env.CI)('lists every ranked economy, sorts on a header click, renders the charts; screenshot saved', async () => {
    const { chromium: pw } = await import('playwright-core');
    const ranked = JSON.parse(readFileSync(join(full, 'report.json'), 'utf8')).economiesRanked as number;
    const ctx = await pw.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ictstat-chromium-')), {
      executablePath: chromium,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await ctx.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file://')) requests.push(r.url());
      });
      await page.goto(`file://${join(full, 'index.html')}`);
      const rows = page.locator('#idi-ranking tbody tr');
      expect(await rows.count()).toBe(ranked);
      const codes = async (): Promise<string[]> => page.locator('#idi-ranking tbody tr td:first-child').allTextContents();
      const before = await codes();
      expect(before[0]).toBe('KOR');
      // Click "Economy": sorted by name ascending; click "IDI 2017" twice: descending = the rank order again.
      await page.locator('#idi-ranking thead th', { hasText: 'Economy' }).click();
      const byName = await page.locator('#idi-ranking tbody tr td:nth-child(2)').allTextContents();
      expect(byName).toEqual([...byName].sort((a, b) => a.localeCompare(b)));
      expect(await codes()).not.toEqual(before);
      expect(await page.locator('#idi-ranking thead th', { hasText: 'Economy' }).getAttribute('aria-sort')).toBe('ascending');
      const score = page.locator('#idi-ranking thead th', { hasText: 'IDI 2017' });
      await score.click();
      await score.click();
      const scores = (await page.locator('#idi-ranking tbody tr td:nth-child(4)').allTextContents()).map(Number);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      // Filter.
      await page.locator('input[data-filter="idi-ranking"]').fill('Kenya');
      expect(await page.locator('#idi-ranking tbody tr:not([hidden])').count()).toBe(1);
      await page.locator('input[data-filter="idi-ranking"]').fill('');
      // Charts: inline SVGs with marks.
      for (const id of ['idi-by-region', 'idi-vs-affordability', 'price-medians', 'idi-rank-intervals', 'idi-map']) {
        const svg = page.locator(`#chart-${id} svg`);
        expect(await svg.count(), id).toBe(1);
        const box = await svg.boundingBox();
        expect(box!.width, id).toBeGreaterThan(200);
        expect(await page.locator(`#chart-${id} svg path, #chart-${id} svg rect`).count(), id).toBeGreaterThan(10);
      }
      expect(await page.locator('#chart-idi-map svg path[fill^="rgb"], #chart-idi-map svg path[fill^="#"]').count()).toBeGreaterThan(150);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      shots = mkdtempSync(join(tmpdir(), 'ictstat-shots-'));
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(shots, 'report-top.png') });
      await page.locator('#charts').screenshot({ path: join(shots, 'report-charts.png') });
      expect(readFileSync(join(shots, 'report-top.png')).length).toBeGreaterThan(10_000);
    } finally {
      await ctx.close();
    }
  });
});
