/**
 * R's WDI package (Debian r-cran-wdi) against a server over the bundled data, with the base URL overridden the
 * way an R user must (WDI has no option for it): assignInNamespace on its query and cache functions, their own
 * bodies with api.worldbank.org replaced. Expected values are read from the ITU DataHub source file, ITU's
 * published world figure, and, for the world aggregate, worked out by hand on a small store.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { loadWorldBankRegistry } from '../../src/registry/worldbank.js';
import { ObservationBuilder } from '../../src/table/observations.js';
import { datahubInternetUsers, startBundledServer, startServer, type TestServer } from './helpers.js';

let s: TestServer;
let small: TestServer;
let dir: string;
beforeAll(async () => {
  s = await startBundledServer();
  // A small store for a world aggregate worked out by hand: 2021, KEN 29.5 % of 54 million and UGA 10.1 % of 46
  // million reported; TZA (60 million) reported 20 % in 2019 and 30 % in 2023, so its 2021 is interpolated: 25 %.
  small = await startServer((store) => {
    const b = new ObservationBuilder();
    const add = (economy: string, indicator: string, year: number, value: number) => b.append({ economy, indicator, year, value, source: 'NSO' });
    add('KEN', 'internet_users_pct', 2021, 29.5);
    add('UGA', 'internet_users_pct', 2021, 10.1);
    add('TZA', 'internet_users_pct', 2019, 20);
    add('TZA', 'internet_users_pct', 2023, 30);
    add('KEN', 'population', 2021, 54e6);
    add('UGA', 'population', 2021, 46e6);
    add('TZA', 'population', 2021, 60e6);
    store.recordSubmission({
      economy: null,
      submittedBy: 'test',
      sha256: 'small',
      vintage: 'hand',
      findings: null,
      table: b.toTable(),
      receivedAt: new Date('2024-01-15T00:00:00Z'),
    });
  });
  dir = mkdtempSync(join(tmpdir(), 'ictstat-wdi-'));
}, 120_000);
afterAll(async () => {
  await s?.close();
  await small?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = `
query0 <- WDI:::wdi.query
cache0 <- WDI::WDIcache
use <- function(base) {
  redirect <- function(f) { body(f) <- parse(text = gsub("https://api.worldbank.org", base, deparse(body(f)), fixed = TRUE))[[1]]; f }
  assignInNamespace("wdi.query", redirect(query0), ns = "WDI")
  assignInNamespace("WDIcache", redirect(cache0), ns = "WDI")
}
use(Sys.getenv("ICTSTAT_SMALL"))
hand <- WDI::WDI(country = c("1W", "KE"), indicator = "IT.NET.USER.ZS", start = 2021, end = 2021, extra = TRUE)
use(Sys.getenv("ICTSTAT_BASE"))
ke_ug <- WDI::WDI(country = c("KE", "UG"), indicator = "IT.NET.USER.ZS", start = 2010, end = 2023)
all <- WDI::WDI(country = "all", indicator = "IT.NET.USER.ZS", start = 2020, end = 2020)
world <- WDI::WDI(country = "1W", indicator = "IT.NET.USER.ZS", start = 2022, end = 2023, extra = TRUE)
found <- WDI::WDIsearch("internet", cache = WDI::WDIcache())
latest <- WDI::WDI(country = "KE", indicator = "IT.NET.USER.ZS", latest = 1)
out <- list(
  rows = nrow(ke_ug), iso3c = sort(unique(ke_ug$iso3c)),
  ke2019 = ke_ug$IT.NET.USER.ZS[ke_ug$iso3c == "KEN" & ke_ug$year == 2019],
  ke2020na = is.na(ke_ug$IT.NET.USER.ZS[ke_ug$iso3c == "KEN" & ke_ug$year == 2020]),
  ug2013 = ke_ug$IT.NET.USER.ZS[ke_ug$iso3c == "UGA" & ke_ug$year == 2013],
  allRows = nrow(all), allEconomies = length(unique(all$iso3c)),
  worldRows = nrow(world), worldIso3c = unique(world$iso3c),
  world2023 = world$IT.NET.USER.ZS[world$year == 2023], world2023status = world$status[world$year == 2023],
  handWorld = hand$IT.NET.USER.ZS[hand$iso3c == "WLD"], handStatus = hand$status[hand$iso3c == "WLD"],
  handKE = hand$IT.NET.USER.ZS[hand$iso3c == "KEN"],
  search = found$indicator,
  latestYear = latest$year, latestValue = latest$IT.NET.USER.ZS
)
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA), Sys.getenv("ICTSTAT_OUT"))
`;

const datahub = datahubInternetUsers;

it('R WDI: WDI() for KE and UG 2010-2023 gives 28 rows, country="all" every economy and aggregate, country="1W" the world aggregate, WDIsearch finds IT.NET.USER.ZS in our catalogue', async () => {
  const r0 = spawnSync('Rscript', ['-e', 'cat(as.character(packageVersion("WDI")))'], { encoding: 'utf8' });
  if (r0.error || r0.status !== 0) throw new Error('this test needs R with the WDI package: apt-get install r-base-core r-cran-wdi (.ci/run installs them)');
  const script = join(dir, 'wdi.R'),
    out = join(dir, 'out.json');
  writeFileSync(script, SCRIPT);
  // Asynchronous: the server answers in this process while R runs.
  const code = await new Promise<number>((resolve, reject) => {
    const p = spawn('Rscript', [script], {
      env: { ...process.env, ICTSTAT_BASE: s.base, ICTSTAT_SMALL: small.base, ICTSTAT_OUT: out },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('error', reject);
    p.on('close', (c) => (c === 0 ? resolve(0) : reject(new Error(`Rscript exited ${c}: ${err.slice(-2000)}`))));
  });
  expect(code).toBe(0);
  const res = JSON.parse(readFileSync(out, 'utf8'));
  expect(res.rows).toBe(28); // 14 years x 2 economies, empty years included as the World Bank lists them
  expect(res.iso3c).toEqual(['KEN', 'UGA']);
  expect(res.ke2019).toBe(datahub('KEN', 2019)); // 22.6688 in the ITU DataHub export
  expect(datahub('KEN', 2020)).toBeUndefined();
  expect(res.ke2020na).toBe(true);
  expect(res.ug2013).toBe(datahub('UGA', 2013));
  // country = "all" is every economy and every aggregate, as the World Bank answers it (WDI users drop the
  // aggregates by region "Aggregates" with extra = TRUE, wbgapi by skipAggs).
  const areas = loadEconomyRegistry().all().length + loadWorldBankRegistry().aggregates.length; // 236 + the World Bank's 81
  expect(res.allEconomies).toBe(areas);
  expect(res.allRows).toBe(areas);
  // country = "1W": the world aggregate (WLD), as ITU computes it. By hand on the small store (2021):
  // (29.5 x 54 + 10.1 x 46 + 25 x 60) / (54 + 46 + 60) = (1593 + 464.6 + 1500) / 160 = 3557.6 / 160 = 22.235 %,
  // where TZA's 25 % is interpolated (our estimate): 60 / 160 of the population rests on it, so obs_status is E.
  expect(res.handWorld).toBeCloseTo(22.235, 9);
  expect(res.handStatus).toBe('E');
  expect(res.handKE).toBe(29.5);
  // On the bundled data: ITU's Facts and Figures 2023 puts the world's Internet use in 2023 at 67 %; we get
  // 69.6 %, 2.6 points more, nearly all from China's 2023 change of definition (README, "Against what ITU
  // published"). Within 3 points of ITU's figure, flagged as an estimate (half the population rests on estimates).
  expect(res.worldIso3c).toBe('WLD');
  expect(res.worldRows).toBe(2);
  expect(Math.abs(res.world2023 - 67)).toBeLessThan(3);
  expect(res.world2023status).toBe('E');
  expect(res.search).toContain('IT.NET.USER.ZS');
  // latest = 1 is mrnev=1: Kenya's latest value in the DataHub file is 2024's.
  expect(res.latestYear).toBe(2024);
  expect(res.latestValue).toBe(datahub('KEN', 2024));
}, 180_000);
