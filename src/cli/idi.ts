import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { Table } from 'apache-arrow';
import type { ReportTable } from '../table/report-table.js';
import { UserInputError } from '../util/errors.js';
import { SOURCE_FLAG, STORE_FLAG, dataSourceFromFlags } from './data-source.js';
import { commaList, integer, repeatable } from './options.js';

/** What the idi commands need when they run (loaded then: the command table stays light). */
async function idiModules() {
  const [indexRun, methodology, tables, indicators, groupings, reportTable] = await Promise.all([
    import('../usecases/index-run.js'),
    import('../idi/methodology.js'),
    import('../idi/tables.js'),
    import('../registry/indicators.js'),
    import('../registry/groupings.js'),
    import('../table/report-table.js'),
  ]);
  return { writeFileSync, ...indexRun, ...methodology, ...tables, ...indicators, ...groupings, ...reportTable };
}

/** `idi sensitivity` needs the sensitivity modules and the progress bar besides (`idi` alone does not). */
async function sensitivityModules() {
  const [base, sensitivity, progress] = await Promise.all([idiModules(), import('../idi/sensitivity.js'), import('./progress.js')]);
  return { ...base, ...sensitivity, ...progress };
}

const METHODOLOGY_HELP = (ids: string): string => `(required) bundled id (${ids}) or a methodology JSON file`;

/** The idi command's help lists the bundled methodologies: filled in once the command is chosen (before its help or action). */
export async function describeIdiMethodologies(idi: Command): Promise<void> {
  const { bundledMethodologies } = await import('../idi/methodology.js');
  const opt = idi.options.find((o) => o.long === '--methodology');
  if (opt) opt.description = METHODOLOGY_HELP(bundledMethodologies().join(', '));
}

export function registerIdiCommand(program: Command): void {
  const idi = program.command('idi').passThroughOptions();
  registerSensitivityCommand(idi);
  idi
    .description('compute a composite index (the ICT Development Index) for a data year: scores, ranks, components, imputations')
    // Plain options checked in the action: commander demands a parent's required options of its subcommands too.
    // The bundled ids are filled in when the idi command is dispatched (main's preSubcommand hook): listing them loads the methodology module.
    .option('--methodology <id|file>', METHODOLOGY_HELP('...'))
    .option(
      '--year <year>',
      '(required) the data year (IDI 2017 = data year 2016), or "latest": the latest year in which every indicator with data is observed for at least half of the economies',
      (v: string) => (v === 'latest' ? v : integer('--year', 1960, 2100)(v)),
    )
    .option('--data <file>', 'read these files instead of the bundled data (repeatable)', repeatable)
    .option(
      '--extra-data <file>',
      'add these files to the bundled data, their values first (repeatable): e.g. bandwidth or households with a computer',
      repeatable,
    )
    .option(...STORE_FLAG)
    .option(SOURCE_FLAG[0], SOURCE_FLAG[1], commaList)
    .option('--as-of <date>', 'the data the store held on this date (YYYY-MM-DD or an ISO date-time): reproduces an earlier publication')
    .option('--previous', 'also compute the previous year with the same methodology, with rank and score changes')
    .option(
      '--groups <ids>',
      'group aggregates for these groupings (comma-separated: itu-region, income, ldc, lldc, sids, world, or any grouping id; "methodology": the methodology\'s own group figures, e.g. ITU\'s Annex 4 for idi-2024)',
      commaList,
    )
    .option('--balanced', 'with --groups and --previous: only economies ranked in both years')
    .option('--universe <which>', '"all" ranks every economy with enough data, instead of the methodology\'s universe')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json', 'md', 'xlsx']).default('csv'))
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (o) => {
      const {
        writeFileSync,
        loadIndicatorRegistry,
        loadMethodology,
        loadGroupings,
        runIndex,
        rankingTable,
        groupTable,
        resultForOutput,
        tableToMarkdown,
        tableToCsv,
      } = await idiModules();
      for (const flag of ['methodology', 'year'] as const)
        if (o[flag] === undefined) throw new UserInputError(`required option '--${flag}' not specified (ictstat idi --help)`);
      const registry = loadIndicatorRegistry();
      const m = loadMethodology(o.methodology, registry);
      for (const u of m.unverified) process.stderr.write(`warning: ${m.spec.id}${u.path} is unverified: ${u.reason}\n`);
      const groupings = loadGroupings();
      const own = (o.groups as string[] | undefined)?.includes('methodology') ? m.spec.groups : undefined;
      if (o.groups && (o.groups as string[]).includes('methodology') && !own)
        throw new UserInputError(`--groups methodology: ${m.spec.id} declares no group figures; name the groupings`, {
          code: 'invalid-option',
          field: 'groups',
          value: 'methodology',
        });
      if (own) o.groups = [...new Set((o.groups as string[]).flatMap((g) => (g === 'methodology' ? own.groupings : [g])))];
      if (o.groups) for (const g of o.groups as string[]) if (!['itu-region', 'income', 'wb-income', 'world'].includes(g.toLowerCase())) groupings.get(g);
      const run = await runIndex(
        { methodology: m, year: o.year, source: await dataSourceFromFlags(o), previous: o.previous, universe: o.universe },
        { indicators: registry, groupings },
      );
      if (o.year === 'latest') process.stderr.write(`note: latest year with enough data: ${run.year}\n`);
      const result = { ...run.result, ...(run.previous ? { previousResult: run.previous } : {}) };
      const table = run.observations;
      o.year = run.year;
      for (const d of result.departures) process.stderr.write(`note: ${d}\n`);
      if (result.coverage.ranked === 0) process.stderr.write(`warning: no economy could be ranked for ${o.year}\n`);

      const tables: ReportTable[] = [rankingTable(result, !!o.previous)];
      if (o.groups)
        tables.push(
          groupTable(
            result,
            o.groups,
            groupings,
            populationOf(table, o.year),
            o.balanced && result.previousResult ? result.previousResult : undefined,
            own?.statistics,
          ),
        );
      const main = o.groups && o.format !== 'xlsx' ? tables[1] : tables[0];
      let output: string | Uint8Array;
      switch (o.format) {
        case 'json': {
          const { previousResult, ...rest } = result;
          void previousResult;
          output = JSON.stringify({ ...(resultForOutput(rest) as object), ...(o.groups ? { groups: tables[1].rows } : {}) }, null, 2) + '\n';
          break;
        }
        case 'md':
          output = tables.map(tableToMarkdown).join('\n');
          break;
        case 'xlsx':
          output = await (await import('../report/xlsx.js')).tablesToXlsx(tables);
          break;
        default:
          output = tableToCsv(main);
      }
      if (o.out) writeFileSync(o.out, output);
      else if (typeof output !== 'string' && process.stdout.isTTY)
        throw new UserInputError('--format xlsx is binary: give --out FILE.xlsx or redirect standard output');
      else process.stdout.write(output);
    });
}

/** Population by economy: the data year's, or the latest earlier one. */
function populationOf(table: Table, year: number): Map<string, number> {
  const econ = table.getChild('economy')!,
    ind = table.getChild('indicator')!,
    yr = table.getChild('year')!,
    val = table.getChild('value')!;
  const best = new Map<string, [number, number]>();
  for (let i = 0; i < table.numRows; i++) {
    if (ind.get(i) !== 'population') continue;
    const y = yr.get(i) as number;
    if (y > year) continue;
    const e = econ.get(i) as string;
    const b = best.get(e);
    if (!b || y > b[0]) best.set(e, [y, val.get(i) as number]);
  }
  return new Map([...best].map(([e, [, v]]) => [e, v]));
}

function registerSensitivityCommand(idi: Command): void {
  idi
    .command('sensitivity')
    .description(
      'uncertainty and sensitivity analysis of the ranks: Monte Carlo over weights, normalisations, imputation and dropping one indicator; Sobol indices',
    )
    .requiredOption('--methodology <id|file>', 'bundled id or methodology JSON file')
    .requiredOption('--year <year>', 'the data year, or "latest"', (v: string) => (v === 'latest' ? v : integer('--year', 1960, 2100)(v)))
    .option('--draws <n>', 'base sample size N (the kernel runs N x (factors + 2) scenarios)', integer('--draws', 2, 10_000_000), 10000)
    .option('--seed <n>', 'random seed (same seed, same results)', integer('--seed', 0, 2 ** 32 - 1), 1)
    .option('--workers <n>', 'worker threads (results are identical to one thread)', integer('--workers', 1, 64), 1)
    .addOption(new Option('--weights <mode>', 'weight uncertainty').choices(['dirichlet', 'uniform']).default('dirichlet'))
    .option('--concentration <x>', 'Dirichlet concentration (sum of alphas; higher = closer to the published weights)', Number, 50)
    .option('--band <x>', 'uniform band: each weight times 1 +- band', Number, 0.25)
    .option('--normalisations <list>', 'normalisation alternatives (comma-separated; "methodology" = as published)', commaList, undefined)
    .option('--no-imputation-factor', 'do not vary imputation (with / without)')
    .option('--no-drop', 'do not drop one indicator at a time')
    .option(
      '--ranks',
      'for an unranked methodology (idi-2023/2024/2025): rank intervals instead of score intervals, labelled as ours (the publisher does not rank)',
    )
    .option('--data <file>', 'read these files instead of the bundled data (repeatable)', repeatable)
    .option('--extra-data <file>', 'add these files to the bundled data (repeatable)', repeatable)
    .option(...STORE_FLAG)
    .option(SOURCE_FLAG[0], SOURCE_FLAG[1], commaList)
    .option('--as-of <date>', 'the data the store held on this date (YYYY-MM-DD or an ISO date-time)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (o) => {
      const {
        writeFileSync,
        loadIndicatorRegistry,
        loadMethodology,
        loadGroupings,
        runIndex,
        sensitivityOfRun,
        progressBar,
        SENSITIVITY_DEFAULTS,
        checkSensitivityOptions,
        sensitivityTable,
        tableToCsv,
      } = await sensitivityModules();
      const registry = loadIndicatorRegistry();
      const m = loadMethodology(o.methodology, registry);
      const options = {
        draws: o.draws,
        seed: o.seed,
        workers: o.workers,
        weightMode: o.weights,
        concentration: o.concentration,
        band: o.band,
        normalisations: o.normalisations ?? SENSITIVITY_DEFAULTS.normalisations,
        imputation: o.imputationFactor,
        dropOne: o.drop,
        measure: (o.ranks || m.spec.ranked !== false ? 'rank' : 'score') as 'rank' | 'score',
      };
      checkSensitivityOptions(options);
      if (options.measure === 'score' && o.workers > 1) process.stderr.write('note: score intervals run on one thread (--workers applies to rank intervals)\n');
      if (o.ranks && m.spec.ranked === false)
        process.stderr.write(`note: ${m.spec.id} reports scores only; these rank intervals are ours, not the publisher's\n`);
      const run = await runIndex({ methodology: m, year: o.year, source: await dataSourceFromFlags(o) }, { indicators: registry, groupings: loadGroupings() });
      const bar = progressBar(`sensitivity ${m.spec.id} ${run.year}`, 0);
      const started = Date.now();
      const result = await sensitivityOfRun(run, { ...options, onProgress: (done, total) => bar(done, total) });
      bar.finish();
      process.stderr.write(
        `${result.scenarios.toLocaleString('en')} scenarios (N = ${result.draws}, ${result.factors.length} factors) in ${((Date.now() - started) / 1000).toFixed(1)} s; mean Sobol indices (on the ${result.measure}s) over economies:\n` +
          result.factors.map((f) => `  ${f.name.padEnd(24)} first-order ${f.meanFirstOrder.toFixed(3)}  total ${f.meanTotal.toFixed(3)}`).join('\n') +
          '\n',
      );
      const { names: _names, ...rest } = result;
      void _names;
      const output =
        o.format === 'json'
          ? JSON.stringify({ methodology: m.spec.id, ...rest }, null, 2) + '\n'
          : tableToCsv(sensitivityTable({ methodology: m.spec.id, ...result }));
      if (o.out) writeFileSync(o.out, output);
      else process.stdout.write(output);
    });
}
