/**
 * The report's builder behind `buildReport` (src/report/build.ts, which starts the render threads before this module
 * and its data, index and table code load): regenerate a Measuring the Information Society edition from one data vintage — the IDI
 * and price-basket tables as CSV, Markdown, HTML and one XLSX workbook, SVG charts, and a self-contained
 * `index.html`. Deterministic: the same inputs give byte-identical files (no clock in any content; the only
 * "date" is the data vintage). Used by `ictstat report` and by the HTTP server (`/report`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Table } from 'apache-arrow';
import { BUNDLED, loadObservations, type DataInput, type DataSource } from '../usecases/data-source.js';
import { isRanked, requiredIndicators, type IndexResult } from '../idi/compute.js';
import { GROUPING_ALIASES, sensitivityTable } from '../idi/tables.js';
import * as sensitivityModule from '../idi/sensitivity.js';
import { runOnTable, sensitivityOfRun, withPreviousYear } from '../usecases/index-run.js';
import { loadMethodology, type CompiledMethodology } from '../idi/methodology.js';
import { loadEconomyRegistry, LANGUAGES, type Language } from '../registry/economies.js';
import { loadGroupings } from '../registry/groupings.js';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { readManifest } from '../ingest/bundled.js';
import { invalidOption } from '../util/errors.js';
import { datasetsDir } from '../util/paths.js';
import { chartSpecs, type Chart, type ChartInputs } from './charts.js';
import type { RenderThread } from './render-pool.js';
import type { ScenarioPool } from '../idi/sensitivity-pool.js';
import { defaultMethodology } from './build.js';
import { reportHtml } from './html.js';
import { idiScoreTables, idiTables, topComponents } from './idi-tables.js';
import { priceData, priceTables } from './price-tables.js';
import { factsAndFigures } from './facts-figures.js';
import { WorkbookWriter } from './xlsx.js';
import { tableTexts, tableToHtml, type ReportTable } from '../table/report-table.js';

export interface ReportOptions {
  /** MIS edition: IDI data year edition - 1, previous year edition - 2, prices of the data year. */
  edition: number;
  /** Bundled id or JSON file; default: the methodology of that edition (see `defaultMethodology`). */
  methodology?: string;
  /** Output directory (created); default `report-<edition>` in the working directory. */
  out?: string;
  /** Where the observations come from (default: the bundled datasets). */
  source?: DataSource;
  /** Language of economy names (UN languages); default en. */
  lang?: Language;
  /** Base sample N of the sensitivity analysis of the ranks (N x (factors + 2) scenarios; default 1000; 0 = none) and its seed (default 1). */
  sensitivityDraws?: number;
  sensitivitySeed?: number;
  /** Progress: the step just started, steps done, total steps. */
  onProgress?: (step: string, done: number, total: number) => void;
}

export interface ReportSummary {
  edition: number;
  methodology: string;
  dataYear: number;
  previousYear: number;
  priceYear: number;
  lang: Language;
  vintage: string;
  tables: string[];
  charts: string[];
  economiesRanked: number;
  economiesRankedPrevious: number;
  notRanked: number;
  /** false: the index reports scores only; the counts above are then of economies with and without a score. */
  ranked: boolean;
  baskets: string[];
  departures: string[];
  /** The sensitivity analysis of the ranks (null when switched off): sample, seed, scenarios, mean Sobol indices per factor. */
  /** measure: the analysis is of the ranks, or of the scores (an unranked index). */
  sensitivity: {
    measure: 'rank' | 'score';
    draws: number;
    seed: number;
    scenarios: number;
    factors: Array<{ name: string; meanFirstOrder: number; meanTotal: number }>;
  } | null;
  /** Wall time of the build (not written to any file). */
  seconds: number;
}

export interface ReportResult {
  dir: string;
  /** Files written, relative to `dir`, sorted. */
  files: string[];
  summary: ReportSummary;
}

const STEPS = [
  'methodology',
  'observations',
  'index',
  'sensitivity',
  'IDI tables',
  'price tables',
  'charts',
  'tables (CSV, Markdown, HTML)',
  'workbook',
  'index.html',
];

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** What the data is: the bundled datasets (their manifest's hash), the store (as of a date) or the --data files (their hashes). */
function describeVintage(source: DataSource): { vintage: string; sources: Array<{ citation: string; licence: string }> } {
  const inputs = (list: readonly DataInput[] | undefined): string =>
    (list ?? []).map((f) => (typeof f === 'string' ? `${basename(f)} (sha256 ${sha(readFileSync(f)).slice(0, 12)})` : (f.name ?? 'in-memory data'))).join(', ');
  if (source.kind === 'inputs') return { vintage: `files given with --data: ${inputs(source.inputs)}`, sources: [] };
  if (source.kind === 'observations') return { vintage: source.label ?? 'observations in memory', sources: [] };
  let base: string;
  const dir = source.kind === 'bundled' && source.dir ? source.dir : datasetsDir();
  const manifest = readManifest(dir) as unknown as { sources?: Array<{ citation: string; licence: string }> };
  const sources = (manifest.sources ?? []).map((s) => ({ citation: s.citation, licence: s.licence }));
  if (source.kind === 'store') base = source.asOf ? `the store as of ${source.asOf}` : 'the store (current values)';
  else base = `the bundled datasets (datasets/manifest.json sha256 ${sha(readFileSync(join(dir, 'manifest.json'))).slice(0, 12)})`;
  return { vintage: base + (source.extra?.length ? `, with --extra-data ${inputs(source.extra)}` : ''), sources };
}

/** The threads a build renders on (src/report/build.ts starts them): charts and the sensitivity's pool (undefined: on this thread). */
export interface ReportThreads {
  svg: RenderThread;
  pool: Promise<ScenarioPool | undefined>;
}

export async function composeReport(o: ReportOptions, threads: ReportThreads): Promise<ReportResult> {
  const { svg: svgThread, pool: poolStart } = threads;
  const started = Date.now();
  const progress = (k: number): void => o.onProgress?.(STEPS[k] ?? 'done', k, STEPS.length);
  const E = o.edition;
  if (!Number.isInteger(E) || E < 1990 || E > 2100) throw invalidOption('edition', E, (n) => `${n} must be a year from 1990 to 2100, not ${E}`);
  const lang: Language = o.lang ?? 'en';
  if (!(LANGUAGES as readonly string[]).includes(lang)) throw invalidOption('lang', lang, (n) => `${n} must be one of ${LANGUAGES.join(', ')}, not "${lang}"`);
  const dir = resolve(o.out ?? `report-${E}`);

  progress(0);
  const registry = loadIndicatorRegistry();
  const m: CompiledMethodology = loadMethodology(o.methodology ?? defaultMethodology(E), registry);
  // The data year of an edition: the methodology's own lag (MIS: edition - 1; the IDI from 2023: edition - 2).
  const lag = m.spec.edition !== undefined && m.spec.defaultDataYear !== undefined ? m.spec.edition - m.spec.defaultDataYear : 1;
  const dataYear = E - lag,
    prevYear = dataYear - 1;
  const ranks = isRanked(m);
  const groupings = loadGroupings();
  const economies = loadEconomyRegistry();
  // (each economy's name looked up once: the tables ask for thousands)
  const names = new Map<string, string>();
  const name = (iso3: string): string => {
    let n = names.get(iso3);
    if (n === undefined) names.set(iso3, (n = economies.find(iso3) ? economies.name(iso3, lang) : iso3));
    return n;
  };
  const draws = o.sensitivityDraws ?? 1000,
    seed = o.sensitivitySeed ?? 1;
  progress(1);
  const priceIds = registry.indicators.filter((d) => d.basket).map((d) => d.id);
  const wanted = [...new Set([...requiredIndicators(m, registry), ...priceIds])];
  const source = o.source ?? BUNDLED;
  const table: Table = await loadObservations(source, wanted);
  const { vintage, sources } = describeVintage(source);

  progress(2);
  // One run: the data year and the prepared matrix the sensitivity analysis starts from; the previous year is added
  // once the scenario ranks have been sent (they need the data year only).
  const ctx = { indicators: registry, groupings };
  const dataRun = runOnTable({ methodology: m, year: dataYear, previous: false, source }, m, table, ctx);

  progress(3);
  if (draws !== 0 && !(Number.isInteger(draws) && draws >= 2 && draws <= 20_000))
    throw invalidOption('sensitivityDraws', draws, (n) => `${n} must be 0 (no sensitivity analysis) or a whole number from 2 to 20,000, not ${draws}`);
  // An unranked index (ITU's IDI from 2023): score intervals, not rank intervals (the measure follows the methodology).
  const sensitivityRun = handled(
    draws > 0
      ? poolStart.then((pool) => sensitivityOfRun(dataRun, { ...sensitivityModule.SENSITIVITY_DEFAULTS, draws, seed, workers: 1, pool }, sensitivityModule))
      : undefined,
  );
  // (the pool's ready message is read when this thread yields; the scenarios are then sent at once, the module being loaded)
  await yieldToEvents();
  const run = withPreviousYear(dataRun, ctx);
  const result = run.result;
  const previous: IndexResult = run.previous!;

  // Each chart is sent to the chart thread as soon as its inputs exist (the chart thread is the last to finish):
  // the score charts now, the price charts after the price data, the rest with the sensitivity analysis.
  const regionGrouping = GROUPING_ALIASES['itu-region'](dataYear);
  const ranked = result.economies
    .filter((e) => e.ranked && e.score !== null)
    .map((e) => ({
      code: e.economy,
      name: name(e.economy),
      m49: economies.find(e.economy)?.m49 ?? null,
      region: groupings.groupOf(regionGrouping, e.economy) ?? null,
      score: e.score!,
    }));
  const indexLabel = m.spec.id.startsWith('idi') ? 'IDI' : 'Index';
  const scoreInputs: ChartInputs = {
    edition: E,
    dataYear,
    indexLabel,
    scale: result.methodology.scale,
    ranked,
    unranked: !ranks,
    affordability: undefined,
    basketName: (id) => id,
    medians: [],
  };
  const rendering = new Map<string, { spec: unknown; svg: Promise<string> }>();
  const render = (inputs: ChartInputs): void => {
    for (const c of chartSpecs(inputs)) if (!rendering.has(c.id)) rendering.set(c.id, { spec: c.spec, svg: handled(svgThread.svg(c.spec, c.id)) });
  };
  render(scoreInputs);

  progress(4);
  const sourceNote = sources.length ? [`Sources: ${sources.map((s) => `${s.citation} (${s.licence})`).join('; ')}.`] : [];
  const vintageNote = `Data vintage: ${vintage}. Regenerated by ictstat report --edition ${E} --methodology ${m.spec.id}.`;
  const notes = [vintageNote, ...sourceNote];
  const components = topComponents(result, m.spec);
  const idi = ranks
    ? idiTables({ result, previous, edition: E, name, lang, groupings, notes }, components)
    : idiScoreTables({ result, previous, edition: E, name, lang, groupings, notes }, components, m.spec.groups);

  progress(5);
  await yieldToEvents();
  const pd = priceData({ table, year: dataYear, name, lang, notes });
  const fbb = pd.baskets.find((b) => /fixed-broadband/.test(b) && pd.panels.some((p) => p.basket === b && p.unit === 'gni_pct'));
  const affordability = fbb
    ? {
        basket: fbb,
        basketName: pd.basketName(fbb),
        values: new Map(ranked.map((e) => [e.code, pd.value(fbb, 'gni_pct', e.code, dataYear)]).filter((x): x is [string, number] => x[1] !== null)),
      }
    : undefined;
  const priceInputs: ChartInputs = {
    ...scoreInputs,
    affordability,
    basketName: pd.basketName,
    medians: pd.mediansOverTime.map((r) => ({ basket: r.basket, group: r.group, year: r.year, value: r.value })),
  };
  render(priceInputs);
  const prices = priceTables({ table, year: dataYear, name, lang, notes }, pd);
  const facts = await factsAndFigures({ source, dataYear, notes });

  progress(6);
  const chartInputs: ChartInputs = { ...priceInputs, internetUse: facts.series };
  // Every chart but the rank intervals is rendered while the sensitivity analysis runs (no chart's spec depends on another's inputs).
  render(chartInputs);

  // The tables' own files and workbook sheets while the scenario ranks run (only the sensitivity table waits for them).
  const texts = new Map<ReportTable, [csv: string, md: string, html: string]>();
  // (each table's HTML once: its own file and index.html carry the same)
  const htmlOf = new Map<ReportTable, string>();
  const tableHtml = (t: ReportTable): string => {
    let html = htmlOf.get(t);
    if (html === undefined) htmlOf.set(t, (html = tableToHtml(t)));
    return html;
  };
  const tableFiles = (t: ReportTable): [string, string, string] => {
    const { csv, markdown, html } = tableTexts(t);
    htmlOf.set(t, html);
    return [csv, markdown, standaloneTableHtml(t, html)];
  };
  const book = new WorkbookWriter();
  for (const t of [...idi, ...prices, ...facts.tables]) {
    texts.set(t, tableFiles(t));
    book.prepare(t);
  }

  // Files are written as they are made: these tables' files now, while this thread would wait for the scenario
  // ranks, the rest once they exist (the same bytes, written earlier; a failed build may leave them updated).
  const written = new Map<string, string | Uint8Array>();
  const made = new Set<string>(); // (each directory made once, not once per file)
  const write = (f: string, content: string | Uint8Array): void => {
    written.set(f, content);
    const path = join(dir, f),
      parent = dirname(path);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    writeFileSync(path, content);
  };
  const writeTable = (t: ReportTable): void => {
    const [csv, md, html] = texts.get(t) ?? tableFiles(t);
    write(`tables/${t.id}.csv`, csv);
    write(`tables/${t.id}.md`, md);
    write(`tables/${t.id}.html`, html);
  };
  progress(7);
  for (const t of texts.keys()) writeTable(t);

  const sensitivity = await sensitivityRun;
  const sensitivityTables = sensitivity
    ? [
        {
          ...sensitivityTable({ methodology: m.spec.id, ...sensitivity, names: new Map([...sensitivity.names].map(([code]) => [code, name(code)])) }),
          id: 'idi-sensitivity',
        },
      ].map((t) => ({ ...t, notes: [...t.notes, ...notes] }))
    : [];
  const tables: ReportTable[] = [...idi, ...sensitivityTables, ...prices, ...facts.tables];
  const charts: Chart[] = chartSpecs({
    ...chartInputs,
    rankIntervals:
      sensitivity?.measure === 'rank'
        ? {
            draws: sensitivity.draws,
            scenarios: sensitivity.scenarios,
            seed: sensitivity.seed,
            factors: sensitivity.factors.map((f) => f.name),
            rows: sensitivity.economies
              .filter((e) => e.rank !== null)
              .map((e) => ({ code: e.economy, name: name(e.economy), rank: e.rank!, median: e.medianRank, p05: e.p05, p95: e.p95 })),
          }
        : undefined,
  });
  // (a chart sent early is used only if its spec is the one the full inputs give)
  const svgs = charts.map((c) => {
    const early = rendering.get(c.id);
    return early && sameSpec(early.spec, c.spec) ? early.svg : handled(svgThread.svg(c.spec, c.id));
  });

  for (const t of tables) if (!written.has(`tables/${t.id}.csv`)) writeTable(t);
  progress(8);
  const workbook = `mis-${E}.xlsx`;
  // (the sensitivity sheet, Contents, Notes and the package: written here while the chart thread finishes)
  write(workbook, book.finish(tables));
  (await Promise.all(svgs)).forEach((svg, k) => {
    charts[k].svg = svg;
  });
  for (const c of charts) write(`charts/${c.id}.svg`, c.svg);

  progress(9);
  const summary: ReportSummary = {
    edition: E,
    methodology: m.spec.id,
    dataYear,
    previousYear: prevYear,
    priceYear: dataYear,
    lang,
    vintage,
    tables: tables.map((t) => t.id),
    charts: charts.map((c) => c.id),
    economiesRanked: result.coverage.ranked,
    economiesRankedPrevious: previous.coverage.ranked,
    notRanked: result.coverage.notRanked,
    ranked: ranks,
    baskets: pd.baskets,
    departures: result.departures,
    seconds: 0,
    sensitivity: sensitivity
      ? {
          measure: sensitivity.measure,
          draws: sensitivity.draws,
          seed: sensitivity.seed,
          scenarios: sensitivity.scenarios,
          factors: sensitivity.factors.map(({ name: f, meanFirstOrder, meanTotal }) => ({ name: f, meanFirstOrder, meanTotal })),
        }
      : null,
  };
  write(
    'index.html',
    reportHtml({
      summary,
      tables,
      charts,
      methodology: m,
      result,
      sources,
      vintage,
      workbook,
      lang,
      name,
      priceBaskets: pd.baskets.map((b) => ({ id: b, name: pd.basketName(b) })),
      tableHtml,
    }),
  );
  const { seconds: _omit, ...stable } = summary;
  void _omit;
  const files = [...written.keys(), 'report.json'].sort();
  written.set('report.json', '');

  // Remove what an earlier build of this directory wrote and this one did not, so the directory holds exactly this build.
  const manifestPath = join(dir, 'report.json');
  if (existsSync(manifestPath)) {
    try {
      const old = JSON.parse(readFileSync(manifestPath, 'utf8')) as { files?: string[] };
      for (const f of old.files ?? []) if (!written.has(f) && !f.includes('..')) rmSync(join(dir, f), { force: true });
    } catch {
      /* not ours: leave it */
    }
  }
  write('report.json', JSON.stringify({ ...stable, files }, null, 2) + '\n');
  progress(STEPS.length);
  summary.seconds = (Date.now() - started) / 1000;
  return { dir, files, summary };
}

/** A promise marked as handled now (it is awaited later, after other awaits: its failure must not be an unhandled rejection first). */
function handled<T>(p: Promise<T>): Promise<T>;
function handled<T>(p: Promise<T> | undefined): Promise<T | undefined>;
function handled<T>(p: Promise<T> | undefined): Promise<T | undefined> {
  if (!p) return Promise.resolve(undefined);
  p.catch(() => undefined);
  return p;
}

/**
 * Whether two chart specs (JSON values) are the same: the same object, or the same keys in the same order with the
 * same values (Object.is), arrays element by element. Stricter than equal JSON texts (a key holding undefined counts,
 * 0 is not -0), never looser, and without writing either out: a part both share (the map's atlas) is the same object, passed over at once.
 */
export function sameSpec(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const proto = Object.getPrototypeOf(a);
  if (Array.isArray(a) !== Array.isArray(b) || proto !== Object.getPrototypeOf(b)) return false;
  // (only plain objects and arrays compared by their keys: JSON writes a Date, a boxed value or a class by other rules)
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameSpec(a[i], y[i])) return false;
    return true;
  }
  const ka = Object.keys(a),
    kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++)
    if (ka[i] !== kb[i] || !sameSpec((a as Record<string, unknown>)[ka[i]], (b as Record<string, unknown>)[kb[i]])) return false;
  return true;
}

/** Let queued messages (a worker's finished range) be handled before the next synchronous stretch. */
const yieldToEvents = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One table as a small standalone HTML file (the page carries them all). */
function standaloneTableHtml(t: ReportTable, table: string): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(t.title)}</title>` +
    `<style>body{font-family:Helvetica,Arial,sans-serif;margin:1.5rem}table{border-collapse:collapse}th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem}td.num{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:bold;margin-bottom:.5rem}.notes{color:#555;font-size:.9em}</style>` +
    `</head><body>\n${table}\n</body></html>\n`
  );
}
