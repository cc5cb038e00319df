import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Option, type Command } from 'commander';
import type { ReportTable } from '../table/report-table.js';
import { UserInputError } from '../util/errors.js';
import { STORE_FLAG, dataSourceFromFlags } from './data-source.js';
import { commaList, integer, repeatable } from './options.js';

export function registerEstimatesCommand(program: Command): void {
  program
    .command('estimates')
    .description(
      'world, regional and income-group estimates as ITU computes them: every missing economy estimated first, then population-weighted, with the estimated share beside every figure',
    )
    .requiredOption('--indicator <id>', 'internet_users_pct, mobile_bb_p100, mobile_owners_pct, pop_cov_3g_pct, pop_cov_4g_pct or pop_cov_5g_pct (or an alias)')
    .option('--year <year>', 'one year', integer('--year', 1960, 2100))
    .option('--from <year>', 'first year of a range', integer('--from', 1960, 2100))
    .option('--to <year>', 'last year of a range', integer('--to', 1960, 2100))
    .option(
      '--groups <ids>',
      'groupings (comma-separated: world and any grouping id; default: world, ITU regions, income groups FY2024, LDC, LLDC, SIDS, World Bank regions)',
      commaList,
    )
    .option('--grouping-file <csv>', 'also aggregate over a user grouping, a CSV with header economy,group (repeatable)', repeatable)
    .option('--look-ahead <years>', "years after each year its estimates may read (default: the estimates file's; 0 = none)", integer('--look-ahead', 0, 20))
    .option('--countries', 'print the country values instead: each economy and year, reported / ITU estimate / our estimate, with the method')
    .option('--data <file>', 'read these files instead of the bundled data (repeatable)', repeatable)
    .option('--extra-data <file>', 'add these files to the bundled data, their values first (repeatable)', repeatable)
    .option(...STORE_FLAG)
    .option('--as-of <date>', 'the data the store held on this date (YYYY-MM-DD or an ISO date-time)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json', 'md', 'arrow']).default('csv'))
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (o) => {
      if (o.year !== undefined && (o.from !== undefined || o.to !== undefined)) throw new UserInputError('give --year, or --from and --to, not both');
      if (o.year === undefined && o.from === undefined && o.to === undefined)
        throw new UserInputError('give --year YYYY or --from YYYY --to YYYY (ictstat estimates --help)');
      const [{ tableToIPC }, { loadGroupingCsv }, { tableToCsv, tableToMarkdown }, { estimateAggregates }] = await Promise.all([
        import('apache-arrow'),
        import('../registry/groupings.js'),
        import('../table/report-table.js'),
        import('../usecases/estimates.js'),
      ]);
      const userGroupings = ((o.groupingFile ?? []) as string[]).map((f) => loadGroupingCsv(f, { id: basename(f).replace(/\.csv$/i, ''), name: f }));
      const r = await estimateAggregates({
        indicator: o.indicator,
        year: o.year,
        from: o.from ?? o.to,
        to: o.to ?? o.from,
        groupings: o.groups ?? (userGroupings.length ? [] : undefined),
        userGroupings,
        lookAhead: o.lookAhead,
        source: await dataSourceFromFlags(o),
      });
      process.stderr.write(`note: ${r.vintage}\n`);
      if (r.table.rows.every((x) => typeof x.value !== 'number' || !Number.isFinite(x.value)))
        process.stderr.write(`warning: no figure could be computed: the data has no ${r.indicator.id} values or no population for ${r.from}-${r.to}\n`);
      const nowcasts = r.table.rows.filter((x) => x.nowcast).length;
      if (nowcasts) process.stderr.write(`note: ${nowcasts} of ${r.table.rows.length} figures are nowcasts (few economies have reported yet)\n`);
      const table: ReportTable = o.countries ? countriesTable(r.countries(), r.indicator.id, r.notes) : r.table;
      let output: string | Uint8Array;
      switch (o.format) {
        case 'json':
          output =
            JSON.stringify(
              {
                indicator: r.indicator.id,
                name: r.indicator.name,
                unit: r.indicator.unit,
                from: r.from,
                to: r.to,
                vintage: r.vintage,
                source: r.source,
                notes: r.notes,
                rows: table.rows,
              },
              null,
              2,
            ) + '\n';
          break;
        case 'md':
          output = tableToMarkdown(table);
          break;
        case 'arrow':
          if (o.countries) throw new UserInputError('--format arrow gives the group figures; use csv or json with --countries');
          output = tableToIPC(r.arrow(), 'stream');
          break;
        default:
          output = tableToCsv(table);
      }
      if (o.out) writeFileSync(o.out, output);
      else if (typeof output !== 'string' && process.stdout.isTTY)
        throw new UserInputError('--format arrow is binary: give --out FILE.arrows or redirect standard output');
      else process.stdout.write(output);
    });
}

function countriesTable(rows: ReadonlyArray<Record<string, string | number | null>>, indicator: string, notes: string[]): ReportTable {
  return {
    id: `country-estimates-${indicator}`,
    title: `${indicator}: country values and estimates`,
    notes,
    columns: [
      { key: 'economy', label: 'economy', type: 'text' },
      { key: 'year', label: 'year', type: 'integer' },
      { key: 'value', label: 'value', type: 'number', decimals: 2 },
      { key: 'kind', label: 'kind', type: 'text' },
      { key: 'method', label: 'method', type: 'text' },
      { key: 'detail', label: 'detail', type: 'text' },
      { key: 'inputs', label: 'inputs', type: 'text' },
      { key: 'denominator', label: 'denominator population', type: 'number', decimals: 0 },
    ],
    rows: [...rows],
  };
}
