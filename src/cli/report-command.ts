/** `ictstat report`: regenerate a Measuring the Information Society edition (src/report/build.ts). */
import { Option, type Command } from 'commander';
import { LANGUAGES } from '../registry/economies.js';
import { commaList, integer, repeatable } from './options.js';
import { SOURCE_FLAG, STORE_FLAG, dataSourceFromFlags } from './data-source.js';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('regenerate an MIS edition: IDI and price tables (CSV, Markdown, HTML, one XLSX workbook), SVG charts and a self-contained index.html')
    .requiredOption(
      '--edition <year>',
      'MIS edition: IDI data year = edition - 1, previous year = edition - 2, prices of the data year',
      integer('--edition', 1990, 2100),
    )
    .option('--methodology <id|file>', 'bundled id or methodology JSON file (default: the bundled methodology of the edition, else the latest one before it)')
    .option('--out <dir>', 'output directory (default: report-<edition>)')
    .option('--data <file>', 'read these files instead of the bundled data (repeatable)', repeatable)
    .option('--extra-data <file>', 'add these files to the bundled data, their values first (repeatable)', repeatable)
    .option(...STORE_FLAG)
    .option(SOURCE_FLAG[0], SOURCE_FLAG[1], commaList)
    .option('--as-of <date>', 'the data the store held on this date (YYYY-MM-DD or an ISO date-time)')
    .addOption(new Option('--lang <lang>', 'language of economy names').choices([...LANGUAGES]).default('en'))
    .option(
      '--sensitivity-draws <n>',
      'base sample N of the sensitivity analysis of the ranks (rank-interval chart and table); 0 = none',
      integer('--sensitivity-draws', 0, 20_000),
      1000,
    )
    .option('--seed <n>', 'seed of the sensitivity analysis', integer('--seed', 0, 2 ** 32 - 1), 1)
    .option('--json', 'print the summary as JSON')
    .action(async (o) => {
      const [{ buildReport }, { progressBar }] = await Promise.all([import('../report/build.js'), import('./progress.js')]);
      let step = '';
      const bar = progressBar(`report ${o.edition}`, 0, (done, total) => `${done}/${total} ${step}`);
      const result = await buildReport({
        edition: o.edition,
        methodology: o.methodology,
        out: o.out,
        source: await dataSourceFromFlags(o),
        lang: o.lang,
        sensitivityDraws: o.sensitivityDraws,
        sensitivitySeed: o.seed,
        onProgress: (s, done, total) => {
          step = s;
          bar(done, total);
        },
      });
      bar.finish();
      const s = result.summary;
      for (const d of s.departures) process.stderr.write(`note: ${d}\n`);
      if (o.json) {
        process.stdout.write(JSON.stringify({ dir: result.dir, files: result.files, summary: s }, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        [
          `MIS ${s.edition} regenerated in ${result.dir}`,
          `  methodology     ${s.methodology} (data year ${s.dataYear}, previous ${s.previousYear}, prices ${s.priceYear}; names: ${s.lang})`,
          `  data vintage    ${s.vintage}`,
          s.ranked
            ? `  economies       ${s.economiesRanked} ranked in ${s.dataYear} (${s.notRanked} not ranked), ${s.economiesRankedPrevious} in ${s.previousYear}`
            : `  economies       ${s.economiesRanked} with a score in ${s.dataYear} (${s.notRanked} without: too little official data), ${s.economiesRankedPrevious} in ${s.previousYear}; scores only, not ranked`,
          `  baskets         ${s.baskets.length}${s.baskets.length ? `: ${s.baskets.join(', ')}` : ''}`,
          `  tables written  ${s.tables.length} (x CSV, Markdown, HTML) + mis-${s.edition}.xlsx (${s.tables.length} table sheets, Contents, Notes)`,
          `  charts          ${s.charts.length} SVG: ${s.charts.join(', ')}`,
          `  sensitivity     ${
            s.sensitivity
              ? `N = ${s.sensitivity.draws}, ${s.sensitivity.scenarios} scenarios, seed ${s.sensitivity.seed}; largest mean total Sobol index: ${[
                  ...s.sensitivity.factors,
                ]
                  .sort((a, b) => b.meanTotal - a.meanTotal)
                  .slice(0, 2)
                  .map((f) => `${f.name} ${f.meanTotal.toFixed(2)}`)
                  .join(', ')}`
              : s.ranked
                ? 'none (--sensitivity-draws 0)'
                : 'none (scores only: no rank intervals; score intervals are not implemented yet)'
          }`,
          `  files           ${result.files.length}; open ${result.dir}/index.html`,
          `  time            ${s.seconds.toFixed(1)} s`,
        ].join('\n') + '\n',
      );
    });
}
