/**
 * The report's price sections and its Facts and Figures, as plain data: the tables, and what the charts and the page
 * take from the price data (baskets, their names, the balanced medians, the affordability values). Computed on a
 * thread of their own (src/report/price-facts-worker.ts, beside the index and the scenario ranks) or on the report's
 * thread: the same function either way, so the same bytes.
 */
import type { Table } from 'apache-arrow';
import type { AggregateRow } from '../prices/aggregate.js';
import { type EconomyRegistry, type Language, loadEconomyRegistry } from '../registry/economies.js';
import { type IndicatorRegistry, loadIndicatorRegistry } from '../registry/indicators.js';
import type { ReportTable } from '../table/report-table.js';
import { type DataSource, loadObservations } from '../usecases/data-source.js';
import { type FactsAndFigures, factsAndFigures } from './facts-figures.js';
import { priceData, priceTables } from './price-tables.js';

export interface PriceFactsRequest {
  source: DataSource;
  /** The edition's data year (the price year). */
  dataYear: number;
  lang: Language;
  /** Vintage and source notes, added to every table. */
  notes: string[];
}

export interface PriceFacts {
  prices: ReportTable[];
  facts: FactsAndFigures;
  /** Baskets with a value in the price year, in registry order. */
  baskets: string[];
  /** The names of those baskets (`basketName` of the price data): the charts and the page name no other. */
  basketNames: Map<string, string>;
  /** Group medians (balanced) of % GNI p.c. over all years of each basket in the price year: the price-medians chart. */
  mediansOverTime: AggregateRow[];
  /** The fixed-broadband basket's % GNI p.c. in the price year by economy (the affordability chart), when there is one. */
  affordability?: { basket: string; values: Map<string, number> };
}

/** The registry's price indicators (those of a basket). */
export const priceIndicators = (registry: IndicatorRegistry): string[] => registry.indicators.filter((d) => d.basket).map((d) => d.id);

/** Economy names in a language, each looked up once (the tables ask for thousands); a code not in the registry stands for itself. */
export function economyNamer(economies: EconomyRegistry, lang: Language): (iso3: string) => string {
  const names = new Map<string, string>();
  return (iso3) => {
    let n = names.get(iso3);
    if (n === undefined) names.set(iso3, (n = economies.find(iso3) ? economies.name(iso3, lang) : iso3));
    return n;
  };
}

/**
 * The price tables and Facts and Figures of an edition. `table`: observations that hold the price indicators (the
 * report's own, when it computes these on its thread); otherwise they are read from the source.
 */
export async function priceAndFacts(o: PriceFactsRequest & { table?: Table; name?: (iso3: string) => string }): Promise<PriceFacts> {
  const name = o.name ?? economyNamer(loadEconomyRegistry(), o.lang);
  const table = o.table ?? (await loadObservations(o.source, priceIndicators(loadIndicatorRegistry())));
  const ctx = { table, year: o.dataYear, name, lang: o.lang, notes: o.notes };
  const pd = priceData(ctx);
  const fbb = pd.baskets.find((b) => /fixed-broadband/.test(b) && pd.panels.some((p) => p.basket === b && p.unit === 'gni_pct'));
  let affordability: PriceFacts['affordability'];
  if (fbb) {
    const panel = pd.panels.find((p) => p.basket === fbb && p.unit === 'gni_pct')!;
    const values = new Map<string, number>();
    for (const e of panel.economies) {
      const v = pd.value(fbb, 'gni_pct', e, o.dataYear);
      if (v !== null) values.set(e, v);
    }
    affordability = { basket: fbb, values };
  }
  const prices = priceTables(ctx, pd);
  const facts = await factsAndFigures({ source: o.source, dataYear: o.dataYear, notes: o.notes });
  const basketNames = new Map(pd.baskets.map((id) => [id, pd.basketName(id)]));
  return { prices, facts, baskets: pd.baskets, basketNames, mediansOverTime: pd.mediansOverTime, affordability };
}
