/**
 * Price-basket use cases: tariff plans from any input, a basket's price per economy, the audit trail of one
 * economy's figure, and group figures. What `ictstat prices ...`, the API and the library call.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { withInputFile, type InputSource } from '../ingest/inputs.js';
import { aggregatePanels, type AggregateRow, type BasketPanel, type GroupSpec } from '../prices/aggregate.js';
import { loadBaskets, resolveBasket, type Basket } from '../prices/basket.js';
import {
  CONVERSION_INDICATORS,
  ConversionInputs,
  computeCompositeBasket,
  computeSimpleBasket,
  readItuDenominatorFile,
  type EconomyPrice,
} from '../prices/compute.js';
import { explainEconomy, type Explanation } from '../prices/explain.js';
import { readTariffs, type TariffTable } from '../prices/tariffs.js';
import { auditRelease, type ReleaseAudit } from '../prices/audit.js';
import { loadBundled } from '../ingest/bundled.js';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { UserInputError } from '../util/errors.js';
import { datasetsDir } from '../util/paths.js';
import { BUNDLED, loadObservations, sourceVintage, type DataSource } from './data-source.js';

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

/** The release whose GNI_denominator sheet is bundled, and the price year it is for. */
export const ITU_DENOMINATOR_RELEASE = { source: 'itu-prices-2025-12', file: 'gni_denominator.csv', priceYear: 2025 } as const;

/**
 * Exchange rates, PPP factors, GNI p.c. and inflation of the given economies, from a data source; with the bundled
 * data (unless its sources leave the December 2025 release out), ITU's own GNI denominators of that release.
 */
export async function loadConversionInputs(economies: ReadonlySet<string>, source: DataSource = BUNDLED): Promise<ConversionInputs> {
  const table = await loadObservations(source, Object.values(CONVERSION_INDICATORS));
  const inputs = ConversionInputs.fromTable(table, economies);
  inputs.vintage = sourceVintage(source);
  if (source.kind === 'bundled' && (!source.sources || source.sources.includes(ITU_DENOMINATOR_RELEASE.source))) {
    const file = join(source.dir ?? datasetsDir(), ITU_DENOMINATOR_RELEASE.source, ITU_DENOMINATOR_RELEASE.file);
    if (existsSync(file)) inputs.addDenominators(readItuDenominatorFile(file, ITU_DENOMINATOR_RELEASE.priceYear));
  }
  return inputs;
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

/** The ITU price releases bundled as their own sources, oldest first: what `prices audit` checks one by one. */
export const PRICE_RELEASES = ['itu-prices-2022', 'itu-prices-2024-03', 'itu-prices-2025-12'] as const;

/**
 * Per release, each published % of GNI p.c. recomputed from the release's own US$ price by each rule (audit.ts),
 * with the conversion inputs of `source` (default: the bundled data, with ITU's own 2025 denominators).
 */
export async function auditPriceReleases(releases: readonly string[] = PRICE_RELEASES, source: DataSource = BUNDLED): Promise<ReleaseAudit[]> {
  const ids = loadIndicatorRegistry()
    .indicators.filter((d) => d.id.startsWith('price_') && (d.id.endsWith('_usd') || d.id.endsWith('_gni_pct')))
    .map((d) => d.id);
  const out: ReleaseAudit[] = [];
  for (const release of releases) {
    const t = await loadBundled({ indicators: ids, sources: [release] });
    const obs = {
      economy: t.getChild('economy')!.toArray() as unknown as ArrayLike<string>,
      indicator: t.getChild('indicator')!.toArray() as unknown as ArrayLike<string>,
      year: t.getChild('year')!.toArray() as ArrayLike<number>,
      value: t.getChild('value')!.toArray() as ArrayLike<number>,
      length: t.numRows,
    };
    const inputs = await loadConversionInputs(new Set(Array.from(obs.economy)), source);
    out.push(auditRelease(release, obs, inputs));
  }
  return out;
}
