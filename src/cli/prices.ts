/** `ictstat prices ...`: the price-basket commands (registered from program.ts). */
import { Option, type Command } from 'commander';
import { UserInputError } from '../util/errors.js';
import { aggregatePanels, aggregatesToCsv, assertStat } from '../prices/aggregate.js';
import { readAggregateInput } from '../prices/aggregate-input.js';

const out = (s: string): void => {
  process.stdout.write(s);
};

export function registerPricesCommands(program: Command): void {
  const prices = program.command('prices').description('ICT price baskets: basket costs from tariff plans, conversions, affordability, group medians, audits');

  prices.command('aggregate')
    .description('group figures (world, ITU regions, income groups, LDC, LLDC, SIDS) of price-basket series')
    .requiredOption('--input <path>', 'an ITU price release file (groups from its own columns), a dataset directory (datasets/itu-prices-2022) or an observation file')
    .addOption(new Option('--stat <stat>', 'statistic').choices(['median', 'mean']).default('median'))
    .option('--balanced', 'only economies with a value in every year in which the series has any value (ITU\'s rule)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(async (o) => {
      assertStat(o.stat);
      const input = await readAggregateInput(o.input);
      const rows = aggregatePanels(input.panels, input.groupings, { stat: o.stat, balanced: !!o.balanced });
      if (rows.length === 0) throw new UserInputError(`${o.input}: no group figures (no economy in any group has values)`);
      if (o.format === 'json') out(JSON.stringify({ input: o.input, kind: input.kind, stat: o.stat, balanced: !!o.balanced, rows }, null, 2) + '\n');
      else out(aggregatesToCsv(rows));
    });
}
