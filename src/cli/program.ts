/**
 * The command table: every command's options and help, and its action, which imports what the command needs
 * when it runs (`await import(...)`): `--version`, `--help` and a command's start load commander and this table,
 * not Arrow, mathjs, fastify, vega or the workbook and Parquet readers (test/cli/lazy-imports.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { LANGUAGES, type Language } from '../registry/economies.js';
import { UserInputError } from '../util/errors.js';
import { cliName } from './names.js';
import { describeIdiMethodologies, registerIdiCommand } from './idi.js';
import { registerEstimatesCommand } from './estimates.js';
import { registerPricesCommands } from './prices.js';
import { STORE_FLAG, dataSourceFromFlags } from './data-source.js';
import { registerDbCommands } from './db.js';
import { registerServeCommand } from './serve.js';
import { registerReportCommand } from './report-command.js';
import { integer, positiveNumber, repeatable } from './options.js';

const out = (s: string): void => {
  process.stdout.write(s);
};

/** The command names, in the order the help lists them (what `commandToBuild` matches the first argument against). */
export const COMMAND_NAMES = [
  'ingest',
  'series',
  'idi',
  'estimates',
  'indicators',
  'economies',
  'groupings',
  'prices',
  'db',
  'token',
  'serve',
  'report',
] as const;

/**
 * Which command the table needs for these arguments: the one the first argument names (its options, help and
 * subcommands are all there is to parse), none for `--version`, every one otherwise (the help, a typo's suggestion).
 * Building all of commander's options is ~10 ms of CPU, a quarter of `--version` above `node -e 0`.
 */
export function commandToBuild(argv: readonly string[]): string | null | undefined {
  const first = argv[2];
  if (first === '--version' || first === '-V') return null;
  return (COMMAND_NAMES as readonly string[]).includes(first) ? first : undefined;
}

/** The command table; `only` (a command name, or null for none) registers just that command, undefined every one. */
export function buildProgram(only?: string | null): Command {
  const wants = (name: string): boolean => only === undefined || only === name;
  const program = new Command('ictstat')
    .description('ICT indicators and price-basket statistics engine (ITU IDI, ICT price baskets, MIS tables)')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .enablePositionalOptions()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .hook('preSubcommand', async (_program, sub) => {
      if (sub.name() === 'idi') await describeIdiMethodologies(sub);
    });

  if (wants('ingest'))
    program
      .command('ingest')
      .description('read and validate submission files (CSV variants, JSON, Arrow IPC, Parquet, Excel workbooks) into the canonical Arrow table')
      .argument('<file...>', 'submission files; the format is detected from the content')
      .option('--indicator <id>', 'indicator of a file without an indicator column (World Bank long CSV); default: from the file name')
      .option('--accept-valid', 'accept the valid rows and write the bad ones to a rejects file (default: any error rejects the submission)')
      .option('--rejects <file>', 'where --accept-valid writes rejected rows (default: <file>.rejects.csv)')
      .option('--out <file>', 'write the accepted observations: .arrow (Arrow IPC file), .arrows (IPC stream), .parquet (Parquet) or .csv (canonical long CSV)')
      .option('--jump-factor <x>', 'flag year-on-year changes beyond this ratio (a warning; 0 turns the check off)', positiveNumber, 10)
      .option('--max-rows <n>', 'stop reading after this many observations', integer('--max-rows', 1), 5_000_000)
      .option('--json', 'print the validation report as JSON')
      .action(async (files: string[], o) => {
        if (o.out && files.length > 1) throw new UserInputError('--out takes one input file at a time');
        if (o.rejects && files.length > 1) throw new UserInputError('--rejects takes one input file at a time');
        const [{ ingestFile }, { loadIndicatorRegistry }, { formatIngestReport, ingestReportJson }, { progressBar }] = await Promise.all([
          import('../ingest/ingest.js'),
          import('../registry/indicators.js'),
          import('../ingest/report.js'),
          import('./progress.js'),
        ]);
        const indicator = o.indicator ? loadIndicatorRegistry().resolve(o.indicator).id : undefined;
        let worst = 0;
        const reports: object[] = [];
        for (const file of files) {
          const bar = progressBar(file);
          const r = await ingestFile(file, {
            indicator,
            acceptValid: o.acceptValid,
            rejectsFile: o.rejects,
            jumpFactor: o.jumpFactor,
            maxRows: o.maxRows,
            onProgress: bar,
          });
          bar.finish();
          if (o.json) reports.push(ingestReportJson(r));
          else out(formatIngestReport(r) + '\n');
          if (r.status === 'rejected') worst = 2;
          else if (o.out) {
            if (o.out.endsWith('.csv')) writeFileSync(o.out, (await import('../table/io.js')).observationsToCsv(r.table));
            else if (o.out.endsWith('.parquet')) (await import('../table/parquet.js')).writeParquetFile(r.table, o.out);
            else (await import('../table/io.js')).writeArrowFile(r.table, o.out);
            if (!o.json) out(`  accepted observations written to ${o.out}\n`);
          }
        }
        if (o.json) out(JSON.stringify(files.length === 1 ? reports[0] : reports, null, 2) + '\n');
        process.exitCode = worst;
      });

  if (wants('series'))
    program
      .command('series')
      .description('print one indicator series of one economy, from the bundled data or from --data files')
      .requiredOption('--economy <code>', 'ISO3, ISO2 or M49 code (case-insensitive)')
      .requiredOption('--indicator <id>', 'indicator id or alias (ITU or World Bank code)')
      .option('--from <year>', 'first year', integer('--from', 1900, 2200))
      .option('--to <year>', 'last year', integer('--to', 1900, 2200))
      .option('--data <file>', 'read this file instead of the bundled data (repeatable; any ingest format)', repeatable)
      .option('--all-sources', "show every source's value, not only the preferred one")
      .option(...STORE_FLAG)
      .option('--as-of <date>', 'what the store held on this date (YYYY-MM-DD or an ISO date-time): reproduces an earlier publication')
      .addOption(
        new Option('--format <format>', 'output format (arrow: an IPC stream; parquet: a Parquet file of the canonical table)')
          .choices(['csv', 'json', 'arrow', 'parquet'])
          .default('csv'),
      )
      .action(async (o) => {
        if (o.from !== undefined && o.to !== undefined && o.from > o.to) throw new UserInputError(`--from ${o.from} is after --to ${o.to}`);
        const [{ getSeries }, { observationsToCsv }] = await Promise.all([import('../usecases/series.js'), import('../table/io.js')]);
        const {
          economy,
          indicator: def,
          table,
        } = await getSeries({
          economy: o.economy,
          indicator: o.indicator,
          from: o.from,
          to: o.to,
          source: await dataSourceFromFlags(o),
          allSources: o.allSources,
        });
        if (table.numRows === 0)
          process.stderr.write(
            `no ${def.id} observations for ${economy.iso3}${o.from || o.to ? ` in ${o.from ?? '...'}-${o.to ?? '...'}` : ''}${o.data ? ' in the given files' : ' in the bundled data'}\n`,
          );
        if (o.format === 'csv') out(observationsToCsv(table, ['year', 'value', 'note', 'source']));
        else if (o.format === 'json') {
          const rows = [];
          for (let i = 0; i < table.numRows; i++) {
            const g = (c: string) => table.getChild(c)!.get(i);
            rows.push({ year: g('year'), value: g('value'), note: g('note'), source: g('source'), derived_from: g('derived_from') });
          }
          out(
            JSON.stringify(
              { economy: economy.iso3, economyName: economy.names.en, indicator: def.id, name: def.name, unit: def.unit, observations: rows },
              null,
              2,
            ) + '\n',
          );
        } else {
          if (process.stdout.isTTY)
            throw new UserInputError(`--format ${o.format} writes binary ${o.format === 'arrow' ? 'Arrow IPC' : 'Parquet'}: redirect it to a file or a pipe`);
          process.stdout.write(
            o.format === 'arrow'
              ? (await import('apache-arrow')).tableToIPC(table, 'stream')
              : (await import('../table/parquet.js')).observationsToParquet(table),
          );
        }
      });

  if (wants('idi')) registerIdiCommand(program);
  if (wants('estimates')) registerEstimatesCommand(program);

  if (wants('indicators'))
    program
      .command('indicators')
      .description('list the indicator registry (ids, units, aliases, SDG indicators)')
      .option('--json', 'the full registry as JSON')
      .action(async (o) => {
        const [{ loadIndicatorRegistry }, { csvRow }] = await Promise.all([import('../registry/indicators.js'), import('../util/csv.js')]);
        const reg = loadIndicatorRegistry();
        if (o.json) return out(JSON.stringify(reg.indicators, null, 2) + '\n');
        out(csvRow(['id', 'name', 'unit', 'kind', 'sdg', 'aliases', 'derived']));
        for (const d of reg.indicators) out(csvRow([d.id, d.name, d.unit, d.kind, d.sdg ?? '', d.aliases.join(' '), d.derived?.formula ?? '']));
      });

  if (wants('economies'))
    program
      .command('economies')
      .description('list the economies: ITU Member States and the territories in ITU data')
      .addOption(new Option('--lang <lang>', 'UN language of the names').choices([...LANGUAGES]).default('en'))
      .option('--members-only', 'only ITU Member States')
      .option('--members-on <date>', 'ITU Member States on this date (YYYY-MM-DD)')
      // --as-of means a store vintage everywhere else; kept here, hidden, for scripts written before --members-on.
      .addOption(new Option('--as-of <date>').hideHelp())
      .option('--json', 'full records as JSON')
      .action(async (o) => {
        const [{ loadEconomyRegistry }, { csvRow }] = await Promise.all([import('../registry/economies.js'), import('../util/csv.js')]);
        const reg = loadEconomyRegistry();
        const on: string | undefined = o.membersOn ?? o.asOf;
        if (o.asOf && !o.membersOn)
          process.stderr.write('note: economies --as-of is now --members-on (--as-of names a store vintage in every other command)\n');
        if (on && !/^\d{4}-\d{2}-\d{2}$/.test(on)) throw new UserInputError(`--members-on must be a date YYYY-MM-DD, not "${on}"`);
        const list = o.membersOnly || on ? reg.memberStates(on) : reg.all();
        if (o.json) return out(JSON.stringify(list, null, 2) + '\n');
        out(csvRow(['iso3', 'iso2', 'm49', 'name', 'kind', 'itu_region', 'income_group', 'ldc', 'lldc', 'sids']));
        for (const e of list)
          out(
            csvRow([
              e.iso3,
              e.iso2,
              e.m49,
              reg.name(e.iso3, o.lang as Language),
              e.kind,
              e.ituRegion2025 ?? '',
              e.incomeGroup ?? '',
              e.ldc ? 'Y' : 'N',
              e.lldc ? 'Y' : 'N',
              e.sids ? 'Y' : 'N',
            ]),
          );
      });

  if (wants('groupings'))
    program
      .command('groupings')
      .description('list the groupings of economies (ITU regions, income groups, LDC/LLDC/SIDS, ...), or the members of one')
      .argument('[id]', 'a grouping id: print its economies and groups')
      .option('--file <csv>', 'read a user grouping from a CSV with header economy,group (validated), instead of a bundled one')
      .action(async (id: string | undefined, o) => {
        const [{ loadGroupingCsv, loadGroupings }, { csvRow }] = await Promise.all([import('../registry/groupings.js'), import('../util/csv.js')]);
        if (o.file) {
          const g = loadGroupingCsv(o.file, { id: id ?? 'user', name: o.file });
          out(csvRow(['economy', 'group']));
          for (const [iso3, group] of [...g.groups].sort()) out(csvRow([iso3, group]));
          return;
        }
        const all = loadGroupings();
        if (!id) {
          out(csvRow(['id', 'name', 'source', 'economies', 'groups']));
          for (const g of all.list()) out(csvRow([g.id, g.name, g.source, g.groups.size, new Set(g.groups.values()).size]));
          return;
        }
        const grouping = all.get(id);
        out(csvRow(['economy', 'group']));
        for (const [iso3, group] of [...grouping.groups].sort()) out(csvRow([iso3, group]));
      });

  if (wants('prices')) registerPricesCommands(program);
  if (wants('db') || wants('token')) registerDbCommands(program);
  if (wants('serve')) registerServeCommand(program);
  if (wants('report')) registerReportCommand(program);
  return program;
}

/** Run the CLI: user errors print one clear line and exit 2; only a bug prints a stack (with ICTSTAT_DEBUG=1). */
export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  try {
    await buildProgram(commandToBuild(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed the message
    }
    if (e instanceof UserInputError) {
      process.stderr.write(`ictstat: ${e.describe(cliName)}\n`);
      return e.exitCode;
    }
    process.stderr.write(
      `ictstat: internal error: ${(e as Error).message}\n(this is a bug; please report it with the command you ran${process.env.ICTSTAT_DEBUG ? '' : '; ICTSTAT_DEBUG=1 shows the stack'})\n`,
    );
    if (process.env.ICTSTAT_DEBUG) process.stderr.write(String((e as Error).stack) + '\n');
    return 70;
  }
}
