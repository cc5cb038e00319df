/** `ictstat prices ...`: the price-basket commands (registered from program.ts). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { csvRow } from '../util/csv.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { resolveBasket } from '../prices/basket.js';
import { readTariffs } from '../prices/tariffs.js';
import { COMPUTE_COLUMNS, computeCompositeBasket, computeSimpleBasket, loadConversionInputs } from '../prices/compute.js';
import { explainEconomy, formatExplanation } from '../prices/explain.js';
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

  registerPricesComputeCommands(prices);
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const year = (v: string): number => {
  if (!/^\d{4}$/.test(v.trim())) throw new InvalidArgumentError('must be a year (YYYY)');
  return Number(v);
};

async function tariffsAndInputs(o: { tariffs: string; basket: string; data?: string[] }) {
  const { basket, all } = resolveBasket(o.basket);
  const { table } = await readTariffs(o.tariffs);
  const inputs = await loadConversionInputs(new Set(table.economies), o.data);
  return { basket, all, table, inputs };
}

export function registerPricesComputeCommands(prices: Command): void {
  prices.command('compute')
    .description('basket price per economy from tariff plans: cheapest eligible plan, in local currency, US$, PPP$ and % of GNI p.c.')
    .requiredOption('--tariffs <file>', 'tariff plans (CSV, JSON or Arrow; columns as in the README)')
    .requiredOption('--basket <id|file>', 'a basket id (indicators/baskets) or a basket JSON file')
    .requiredOption('--year <year>', 'price year', year)
    .option('--data <file>', 'exchange rates, PPP factors and GNI p.c. (canonical long format) instead of the bundled data (repeatable)', collect)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(async (o) => {
      const { basket, all, table, inputs } = await tariffsAndInputs(o);
      const r = basket.kind === 'composite' ? computeCompositeBasket(table, basket, all, o.year, inputs) : computeSimpleBasket(table, basket, o.year, inputs);
      for (const p of r.prices) for (const w of p.warnings) process.stderr.write(`ictstat: warning: ${w} [missing-conversion]\n`);
      if (r.prices.length === 0) process.stderr.write(`ictstat: warning: no plans in ${o.tariffs} for ${o.year}\n`);
      if (o.format === 'json') {
        out(JSON.stringify({ basket: basket.id, year: o.year, prices: r.prices.map((p) => ({
          economy: p.economy, basket: p.basket, year: p.year, operator: p.operator || null, plan: p.planName || null, currency: p.currency || null,
          price_lcu: num(p.priceLcu), price_usd: num(p.priceUsd), price_ppp: num(p.pricePpp), pct_gni: num(p.pctGni), status: p.status, warnings: p.warnings,
        })) }, null, 2) + '\n');
        return;
      }
      out(csvRow(COMPUTE_COLUMNS));
      for (const p of r.prices) out(csvRow([p.economy, p.basket, p.year, p.operator, p.planName, p.priceLcu, p.priceUsd, p.pricePpp, p.pctGni, p.status]));
    });

  prices.command('explain')
    .description('every plan considered, the chosen plan, each conversion input (source, year) and each arithmetic step, for one economy')
    .requiredOption('--tariffs <file>', 'tariff plans (CSV, JSON or Arrow)')
    .requiredOption('--basket <id|file>', 'a basket id or basket JSON file')
    .requiredOption('--year <year>', 'price year', year)
    .requiredOption('--economy <code>', 'ISO3, ISO2 or M49')
    .option('--data <file>', 'conversion inputs instead of the bundled data (repeatable)', collect)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o) => {
      const economy = loadEconomyRegistry().resolve(o.economy).iso3;
      const { basket, table, inputs } = await tariffsAndInputs(o);
      if (basket.kind === 'composite') throw new UserInputError(`explain takes a simple basket; "${basket.id}" is composite: explain each of ${basket.composite.components.join(', ')}`);
      const x = explainEconomy(table, basket, o.year, economy, inputs);
      out(o.format === 'json' ? JSON.stringify(x, null, 2) + '\n' : formatExplanation(x));
    });
}

const num = (x: number): number | null => (Number.isNaN(x) ? null : x);
