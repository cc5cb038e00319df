/** `ictstat prices ...`: the price-basket commands (registered from program.ts). */
import { Option, type Command } from 'commander';
import { csvRow } from '../util/csv.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { STORE_FLAG, dataSourceFromFlags } from './data-source.js';
import { invalidOption, UserInputError } from '../util/errors.js';
import { integer, positiveNumber, repeatable, year } from './options.js';

/** What the prices commands need when they run (loaded then: the command table stays light). */
async function pricesModules() {
  const mods = await Promise.all([
    import('../prices/compute.js'),
    import('../usecases/prices.js'),
    import('../prices/explain.js'),
    import('../prices/aggregate.js'),
    import('../prices/aggregate-input.js'),
    import('../prices/targets.js'),
    import('../prices/synthetic.js'),
    import('../prices/audit.js'),
    import('../registry/indicators.js'),
    import('../ingest/bundled.js'),
  ]);
  return Object.assign({}, ...mods) as (typeof mods)[0] &
    (typeof mods)[1] &
    (typeof mods)[2] &
    (typeof mods)[3] &
    (typeof mods)[4] &
    (typeof mods)[5] &
    (typeof mods)[6] &
    (typeof mods)[7] &
    (typeof mods)[8] &
    (typeof mods)[9];
}

const out = (s: string): void => {
  process.stdout.write(s);
};

export function registerPricesCommands(program: Command): void {
  const prices = program.command('prices').description('ICT price baskets: basket costs from tariff plans, conversions, affordability, group medians, audits');

  prices
    .command('aggregate')
    .description('group figures (world, ITU regions, income groups, LDC, LLDC, SIDS) of price-basket series')
    .requiredOption(
      '--input <path>',
      'an ITU price release file (groups from its own columns), a dataset directory (datasets/itu-prices-2022) or an observation file',
    )
    .addOption(new Option('--stat <stat>', 'statistic').choices(['median', 'mean']).default('median'))
    .option('--balanced', "only economies with a value in every year in which the series has any value (ITU's rule)")
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(async (o) => {
      const m = await pricesModules();
      const assertStat: typeof m.assertStat = m.assertStat;
      assertStat(o.stat);
      const input = await m.readAggregateInput(o.input);
      for (const n of input.notes ?? []) process.stderr.write(`note: ${n}\n`);
      // A workbook release: its medians sheets' windows (from its aggregation spec), each balanced as the spec says.
      const rows = input.windows
        ? m.aggregateWindows(input.panels, input.groupings, o.stat, input.windows)
        : m.aggregatePanels(input.panels, input.groupings, { stat: o.stat, balanced: !!o.balanced });
      if (rows.length === 0) throw new UserInputError(`${o.input}: no group figures (no economy in any group has values)`);
      if (o.format === 'json') out(JSON.stringify({ input: o.input, kind: input.kind, stat: o.stat, balanced: !!o.balanced, rows }, null, 2) + '\n');
      else out(m.aggregatesToCsv(rows));
    });

  registerPricesComputeCommands(prices);

  prices
    .command('audit')
    .description('implied GNI p.c. of each published basket value (US$ price and % of GNI) vs World Bank GNI p.c. of the same and previous year')
    .option('--input <path>', 'a dataset directory or observation file with price_<basket>_{usd,gni_pct} values (default: the bundled data)')
    .option('--data <file>', 'GNI p.c. (gni_pc_atlas_usd, canonical long format) instead of the bundled WDI (repeatable)', repeatable)
    .option(...STORE_FLAG)
    .option('--as-of <date>', 'GNI p.c. as the store knew it on this date (YYYY-MM-DD)')
    .option('--threshold <pct>', 'list values whose implied GNI departs from both years by more than this percentage', positiveNumber, 5)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option(
      '--release <id>',
      'a bundled ITU price release (itu-prices-2022, itu-prices-2024-03, itu-prices-2025-12; repeatable): each published % GNI recomputed by each GNI rule',
      repeatable,
    )
    .action(async (o) => {
      const m = await pricesModules();
      if (!o.input) {
        const releases: readonly string[] = m.PRICE_RELEASES;
        for (const r of o.release ?? [])
          if (!releases.includes(r)) throw invalidOption('release', r, (n) => `${n} must be one of ${releases.join(', ')}, not "${r}"`);
        const audits = await m.auditPriceReleases(o.release ?? releases, await dataSourceFromFlags(o));
        for (const a of audits) {
          process.stderr.write(
            `ictstat: audit ${a.release}: ${a.compared} published % GNI values; reproduced within ${a.tolerance}: ${a.rules.map((r) => `${r.rule} ${r.reproduced}/${r.applicable} (${((100 * r.reproduced) / Math.max(1, a.compared)).toFixed(1)}% of all)`).join(', ')}\n`,
          );
          for (const c of a.classes) {
            if (c.compared === 0) continue;
            const explained = Object.entries(c.explained).filter(([, n]) => n > 0);
            const total = explained.reduce((s, [, n]) => s + n, 0);
            process.stderr.write(
              `ictstat: audit ${a.release}, ${c.compared} values of years ${c.years.replaceAll('_', ' ')}: reproduced ${c.reproduced}, ` +
                (c.years === 'with_itu_denominator'
                  ? `explained ${total} (${explained.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}), `
                  : `consistent with one denominator per economy-year ${c.consistent}, `) +
                `unexplained ${c.unexplained}\n`,
            );
          }
        }
        if (o.format === 'json') return out(JSON.stringify({ audits }, null, 2) + '\n');
        out(
          csvRow([
            'release',
            'economy',
            'indicator',
            'year',
            'price_usd',
            'pct_gni_published',
            'pct_gni_ours',
            'gni_method',
            'itu_denominator',
            'atlas_previous',
            'atlas_same',
            'reproduced_by',
            'status',
            'cause',
            'implied_rate',
            'detail',
          ]),
        );
        for (const a of audits)
          for (const d of a.departures)
            out(
              csvRow([
                d.release,
                d.economy,
                d.indicator,
                d.year,
                d.priceUsd,
                d.published,
                d.values.ours,
                d.method,
                d.values.itu_denominator,
                d.values.atlas_previous,
                d.values.atlas_same,
                d.reproducedBy.join(' '),
                d.status,
                d.cause,
                d.impliedRate,
                d.detail,
              ]),
            );
        return;
      }
      let panels;
      if (o.input) panels = (await m.readAggregateInput(o.input)).panels;
      else {
        const ids = m
          .loadIndicatorRegistry()
          .indicators.filter((d) => d.basketUnit === 'gni_pct' || d.basketUnit === 'usd')
          .map((d) => d.id);
        panels = m.panelsFromObservations(await m.loadBundled({ indicators: ids }));
      }
      const gni = await m.loadConversionInputs(new Set(panels.flatMap((p) => p.economies)), await dataSourceFromFlags(o));
      const r = m.auditPublished(panels, gni, o.threshold);
      process.stderr.write(
        `ictstat: audit: ${r.compared} published values compared; implied GNI p.c. closer to the same year's WB GNI in ${r.closerSame}, to the previous year's in ${r.closerPrevious}; ${r.withinThresholdEither} within ${o.threshold}% of either; ${r.rows.length} listed\n`,
      );
      if (o.format === 'json')
        return out(
          JSON.stringify(
            {
              threshold_pct: o.threshold,
              compared: r.compared,
              closer_same: r.closerSame,
              closer_previous: r.closerPrevious,
              within: r.withinThresholdEither,
              departures: r.rows,
            },
            null,
            2,
          ) + '\n',
        );
      out(
        csvRow([
          'economy',
          'basket',
          'year',
          'price_usd',
          'pct_gni',
          'implied_gni_pc',
          'wb_gni_pc_same_year',
          'departure_same_pct',
          'wb_gni_pc_previous_year',
          'departure_previous_pct',
          'closer',
        ]),
      );
      const r2 = (x: number): number => Math.round(x * 100) / 100;
      for (const a of r.rows)
        out(
          csvRow([
            a.economy,
            a.basket,
            a.year,
            a.priceUsd,
            a.pctGni,
            r2(a.impliedGni),
            a.gniSame,
            r2(a.departureSamePct),
            a.gniPrevious,
            r2(a.departurePreviousPct),
            a.closer,
          ]),
        );
    });

  prices
    .command('synthetic')
    .description('write SYNTHETIC tariff plans (never real: currency XTS, note "synthetic") for tests and benchmarks')
    .requiredOption('--seed <n>', 'PRNG seed', integer('--seed', 0))
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--plans <n>', 'number of plans', integer('--plans', 1), 10_000)
    .option('--from <year>', 'first year', year, 2018)
    .option('--to <year>', 'last year', year, 2025)
    .action(async (o) => {
      const m = await pricesModules();
      if (o.from > o.to) throw new UserInputError(`--from ${o.from} is after --to ${o.to}`);
      const t0 = Date.now();
      const n = m.writeSyntheticTariffs(o.out, { seed: o.seed, plans: o.plans, from: o.from, to: o.to });
      process.stderr.write(
        `ictstat: wrote ${n.toLocaleString('en')} SYNTHETIC plans (seed ${o.seed}, ${o.from}-${o.to}) to ${o.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    });

  prices
    .command('targets')
    .description('affordability targets (indicators/targets.json) and the economies that meet each, from published % of GNI p.c. values')
    .option('--input <path>', 'a dataset directory or observation file with price_<basket>_gni_pct values (default: the bundled data)')
    .option('--year <year>', 'only this year (repeatable)', (v: string, prev: number[] = []) => [...prev, year(v)])
    .option('--target <id>', 'only this target')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(async (o) => {
      const m = await pricesModules();
      let targets = m.loadTargets();
      if (o.target) {
        targets = targets.filter((t) => t.id === o.target);
        if (!targets.length)
          throw new UserInputError(
            `unknown target "${o.target}"; targets: ${m
              .loadTargets()
              .map((t) => t.id)
              .join(', ')}`,
          );
      }
      let panels;
      if (o.input) panels = (await m.readAggregateInput(o.input)).panels;
      else {
        const ids = m
          .loadIndicatorRegistry()
          .indicators.filter((d) => d.basketUnit === 'gni_pct')
          .map((d) => d.id);
        panels = m.panelsFromObservations(await m.loadBundled({ indicators: ids }));
      }
      const rows = m.meetingTarget(
        targets,
        panels.filter((p) => p.unit === 'gni_pct' || p.unit === 'GNIpc'),
        o.year ? new Set(o.year as number[]) : undefined,
      );
      if (o.format === 'json') return out(JSON.stringify({ targets, results: rows }, null, 2) + '\n');
      out(csvRow(['target', 'basket', 'year', 'economies_evaluated', 'economies_meeting', 'meeting']));
      for (const r of rows) out(csvRow([r.target, r.basket, r.year, r.evaluated, r.meeting.length, r.meeting.join(' ')]));
    });
}

export function registerPricesComputeCommands(prices: Command): void {
  prices
    .command('compute')
    .description('basket price per economy from tariff plans: cheapest eligible plan, in local currency, US$, PPP$ and % of GNI p.c.')
    .requiredOption('--tariffs <file>', 'tariff plans (CSV, JSON or Arrow; columns as in the README)')
    .requiredOption('--basket <id|file>', 'a basket id (indicators/baskets) or a basket JSON file')
    .requiredOption('--year <year>', 'price year', year)
    .option('--data <file>', 'exchange rates, PPP factors and GNI p.c. (canonical long format) instead of the bundled data (repeatable)', repeatable)
    .option(...STORE_FLAG)
    .option('--as-of <date>', 'conversion inputs as the store knew them on this date (YYYY-MM-DD)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(async (o) => {
      // Only what computing needs (pricesModules() would load the workbook reader, exceljs, with the release modules).
      const [u, c] = await Promise.all([import('../usecases/prices.js'), import('../prices/compute.js')]);
      const m = { ...u, ...c };
      const r = await m.priceBasket({ tariffs: o.tariffs, basket: o.basket, year: o.year, source: await dataSourceFromFlags(o) });
      const basket = r.basket;
      for (const p of r.prices) for (const w of p.warnings) process.stderr.write(`ictstat: warning: ${w} [missing-conversion]\n`);
      if (r.prices.length === 0) process.stderr.write(`ictstat: warning: no plans in ${o.tariffs} for ${o.year}\n`);
      if (o.format === 'json') {
        out(
          JSON.stringify(
            {
              basket: basket.id,
              year: o.year,
              prices: r.prices.map(m.economyPriceRecord),
            },
            null,
            2,
          ) + '\n',
        );
        return;
      }
      out(csvRow(m.COMPUTE_COLUMNS));
      const departures = [...new Set(r.prices.flatMap((p) => p.departures))];
      for (const d of departures) process.stderr.write(`ictstat: departure from ITU's method: ${d}\n`);
      for (const p of r.prices)
        out(
          csvRow([
            p.economy,
            p.basket,
            p.year,
            p.operator,
            p.planName,
            p.currency,
            p.priceLcu,
            p.planCurrency,
            p.planCost,
            p.priceUsd,
            p.pricePpp,
            p.pctGni,
            p.inputs.gni?.method ?? '',
            p.status,
          ]),
        );
    });

  prices
    .command('explain')
    .description('every plan considered, the chosen plan, each conversion input (source, year) and each arithmetic step, for one economy')
    .requiredOption('--tariffs <file>', 'tariff plans (CSV, JSON or Arrow)')
    .requiredOption('--basket <id|file>', 'a basket id or basket JSON file')
    .requiredOption('--year <year>', 'price year', year)
    .requiredOption('--economy <code>', 'ISO3, ISO2 or M49')
    .option('--data <file>', 'conversion inputs instead of the bundled data (repeatable)', repeatable)
    .option(...STORE_FLAG)
    .option('--as-of <date>', 'conversion inputs as the store knew them on this date (YYYY-MM-DD)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o) => {
      const m = await pricesModules();
      const economy = loadEconomyRegistry().resolve(o.economy).iso3;
      const x = await m.explainBasketPrice({ tariffs: o.tariffs, basket: o.basket, year: o.year, economy, source: await dataSourceFromFlags(o) });
      out(o.format === 'json' ? JSON.stringify(x, null, 2) + '\n' : m.formatExplanation(x));
    });
}
