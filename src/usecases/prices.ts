/**
 * Price-basket use cases: tariff plans from any input, a basket's price per economy, the audit trail of one
 * economy's figure, and group figures. What `ictstat prices ...`, the API and the library call.
 */
import { withInputFile, type InputSource } from '../ingest/inputs.js';
import { aggregatePanels, type AggregateRow, type BasketPanel, type GroupSpec } from '../prices/aggregate.js';
import { loadBaskets, resolveBasket, type Basket } from '../prices/basket.js';
import { CONVERSION_INDICATORS, ConversionInputs, computeCompositeBasket, computeSimpleBasket, type EconomyPrice } from '../prices/compute.js';
import { explainEconomy, type Explanation } from '../prices/explain.js';
import { readTariffs, type TariffTable } from '../prices/tariffs.js';
import { UserInputError } from '../util/errors.js';
import { BUNDLED, loadObservations, type DataSource } from './data-source.js';

/** A tariff plan as plain data: the columns of the tariff format (README), values as numbers, strings or booleans. */
export type TariffRecord = Record<string, string | number | boolean | null>;
/** Tariff plans from a file, bytes, a stream, records or an Arrow table, or a table already read. */
export type TariffInput = InputSource<TariffRecord> | TariffTable;

const isTariffTable = (x: unknown): x is TariffTable => typeof x === 'object' && x !== null && 'economies' in x && 'operatorRank' in x;

/** Read and validate tariff plans (strict: any error rejects them, with every finding located). */
export async function loadTariffs(input: TariffInput): Promise<TariffTable> {
  if (isTariffTable(input)) return input;
  return withInputFile(input, async (path, name) => (await readTariffs(path, name)).table);
}

/** Exchange rates, PPP factors and GNI p.c. of the given economies, from a data source. */
export async function loadConversionInputs(economies: ReadonlySet<string>, source: DataSource = BUNDLED): Promise<ConversionInputs> {
  const table = await loadObservations(source, Object.values(CONVERSION_INDICATORS));
  return ConversionInputs.fromTable(table, economies);
}

export interface BasketPriceRequest {
  tariffs: TariffInput;
  /** A bundled basket id, a basket file, or a basket already read. */
  basket: string | Basket;
  year: number;
  /** Where the conversion inputs come from (default: the bundled data). */
  source?: DataSource;
}

function basketOf(b: string | Basket): { basket: Basket; all: Map<string, Basket> } {
  // A composite basket's components are looked up among the bundled baskets.
  return typeof b === 'string' ? resolveBasket(b) : { basket: b, all: loadBaskets() };
}

/** The basket's price in every economy with plans that year: the cheapest eligible plan, in local currency, US$, PPP$ and % of GNI p.c. */
export async function priceBasket(r: BasketPriceRequest): Promise<{ basket: Basket; year: number; tariffs: TariffTable; prices: EconomyPrice[] }> {
  const { basket, all } = basketOf(r.basket);
  const tariffs = await loadTariffs(r.tariffs);
  const inputs = await loadConversionInputs(new Set(tariffs.economies), r.source);
  const result =
    basket.kind === 'composite' ? computeCompositeBasket(tariffs, basket, all, r.year, inputs) : computeSimpleBasket(tariffs, basket, r.year, inputs);
  return { basket, year: r.year, tariffs, prices: result.prices };
}

/** Every plan of one economy considered, the chosen one, each conversion input with its source and year, each step. */
export async function explainBasketPrice(r: BasketPriceRequest & { economy: string }): Promise<Explanation> {
  const { basket } = basketOf(r.basket);
  if (basket.kind === 'composite')
    throw new UserInputError(`explain takes a simple basket; "${basket.id}" is composite: explain each of ${basket.composite.components.join(', ')}`, {
      code: 'composite-basket',
      field: 'basket',
      value: basket.id,
    });
  const tariffs = await loadTariffs(r.tariffs);
  const inputs = await loadConversionInputs(new Set(tariffs.economies), r.source);
  return explainEconomy(tariffs, basket, r.year, r.economy, inputs);
}

/** Group figures (median or mean, balanced or not) of basket panels: ITU's published medians are these. */
export function aggregatePrices(
  panels: readonly BasketPanel[],
  groupings: readonly GroupSpec[],
  o: { stat?: 'median' | 'mean'; balanced?: boolean } = {},
): AggregateRow[] {
  return aggregatePanels(panels, groupings, { stat: o.stat ?? 'median', balanced: o.balanced ?? false });
}
