/**
 * R's WDI package (Debian r-cran-wdi) against a server over the bundled data, with the base URL overridden the
 * way an R user must (WDI has no option for it): assignInNamespace on its query and cache functions, their own
 * bodies with api.worldbank.org replaced. Expected values are read from the ITU DataHub source file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { datahubInternetUsers, startBundledServer, type TestServer } from './helpers.js';

let s: TestServer;
let dir: string;
beforeAll(async () => {
  s = await startBundledServer();
  dir = mkdtempSync(join(tmpdir(), 'ictstat-wdi-'));
}, 120_000);
afterAll(async () => {
  await s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = `
base <- Sys.getenv("ICTSTAT_BASE")
redirect <- function(f) { body(f) <- parse(text = gsub("https://api.worldbank.org", base, deparse(body(f)), fixed = TRUE))[[1]]; f }
assignInNamespace("wdi.query", redirect(WDI:::wdi.query), ns = "WDI")
assignInNamespace("WDIcache", redirect(WDI::WDIcache), ns = "WDI")
ke_ug <- WDI::WDI(country = c("KE", "UG"), indicator = "IT.NET.USER.ZS", start = 2010, end = 2023)
all <- WDI::WDI(country = "all", indicator = "IT.NET.USER.ZS", start = 2020, end = 2020)
world <- WDI::WDI(country = "1W", indicator = "IT.NET.USER.ZS", start = 2019, end = 2020)
found <- WDI::WDIsearch("internet", cache = WDI::WDIcache())
latest <- WDI::WDI(country = "KE", indicator = "IT.NET.USER.ZS", latest = 1)
out <- list(
  rows = nrow(ke_ug), iso3c = sort(unique(ke_ug$iso3c)),
  ke2019 = ke_ug$IT.NET.USER.ZS[ke_ug$iso3c == "KEN" & ke_ug$year == 2019],
  ke2020na = is.na(ke_ug$IT.NET.USER.ZS[ke_ug$iso3c == "KEN" & ke_ug$year == 2020]),
  ug2013 = ke_ug$IT.NET.USER.ZS[ke_ug$iso3c == "UGA" & ke_ug$year == 2013],
  allRows = nrow(all), allEconomies = length(unique(all$iso3c)),
  worldRows = nrow(world), worldIso3c = unique(world$iso3c), worldAllNA = all(is.na(world$IT.NET.USER.ZS)),
  search = found$indicator,
  latestYear = latest$year, latestValue = latest$IT.NET.USER.ZS
)
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA), Sys.getenv("ICTSTAT_OUT"))
`;

const datahub = datahubInternetUsers;

it('R WDI: WDI() for KE and UG 2010-2023 gives 28 rows, country="all" every economy, WDIsearch finds IT.NET.USER.ZS in our catalogue', async () => {
  const r0 = spawnSync('Rscript', ['-e', 'cat(as.character(packageVersion("WDI")))'], { encoding: 'utf8' });
  if (r0.error || r0.status !== 0) throw new Error('this test needs R with the WDI package: apt-get install r-base-core r-cran-wdi (.ci/run installs them)');
  const script = join(dir, 'wdi.R'),
    out = join(dir, 'out.json');
  writeFileSync(script, SCRIPT);
  // Asynchronous: the server answers in this process while R runs.
  const code = await new Promise<number>((resolve, reject) => {
    const p = spawn('Rscript', [script], { env: { ...process.env, ICTSTAT_BASE: s.base, ICTSTAT_OUT: out }, stdio: ['ignore', 'ignore', 'pipe'] });
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
  const economies = loadEconomyRegistry().all().length;
  expect(res.allEconomies).toBe(economies);
  expect(res.allRows).toBe(economies);
  // The world aggregate is known (WDI accepts 1W and gets rows for WLD) but empty until world estimates exist (issue 19).
  expect(res.worldIso3c).toBe('WLD');
  expect(res.worldRows).toBe(2);
  expect(res.worldAllNA).toBe(true);
  expect(res.search).toContain('IT.NET.USER.ZS');
  // latest = 1 is mrnev=1: Kenya's latest value in the DataHub file is 2024's.
  expect(res.latestYear).toBe(2024);
  expect(res.latestValue).toBe(datahub('KEN', 2024));
}, 180_000);
