/**
 * ictstat as a library: the use-case layer and the report builder. Everything a command line or a server does is
 * here, with explicit inputs: a DataSource is always given (the bundled datasets, a store, or inputs you hold:
 * files, bytes, streams, plain records, Arrow tables). Nothing reads the working directory or the environment,
 * and nothing writes to stderr. Errors in your input are `UserInputError`s with a `code`, the `field` (the option's
 * name here) and the offending `value`.
 *
 * ```js
 * import { runIndex } from 'ictstat';
 * const run = await runIndex({ methodology: 'idi-2017', year: 2016 });
 * console.log(run.result.economies.slice(0, 3).map((e) => [e.economy, e.score, e.rank]));
 * ```
 */

// Data sources and ingest
export {
  BUNDLED,
  describeSource,
  loadObservations,
  readInputs,
  sourceFingerprint,
  sourceVintage,
  type DataInput,
  type DataSource,
} from './usecases/data-source.js';
export { ingestInput, type IngestInput, type InputSource, type ObservationRecord } from './ingest/inputs.js';
export type { IngestOptions, IngestResult } from './ingest/ingest.js';
export { INPUT_FORMATS, type InputFormat, type ReadContext, type ReadOutcome } from './ingest/formats/index.js';
export { formatFinding, type Finding } from './ingest/findings.js';
export { ingestReportJson, formatIngestReport } from './ingest/report.js';
export { readWorkbookSheets, WorkbookRefused, DEFAULT_ZIP_LIMITS, type SheetCell, type SheetRow, type WorkbookSheet, type ZipLimits } from './ingest/xlsx.js';

// The index
export {
  compare,
  recipeFromJson,
  regen,
  runIndex,
  runOnTable,
  runToJson,
  sensitivityOfRun,
  spearman,
  type IndexRecipe,
  type IndexRun,
  type RunComparison,
  type RunContext,
  type RunLogEntry,
  type Stage,
} from './usecases/index-run.js';
export { bundledMethodologies, compileMethodology, loadMethodology, type CompiledMethodology, type MethodologySpec } from './idi/methodology.js';
export type { EconomyResult, IndexResult, IndicatorCell } from './idi/compute.js';
export { SENSITIVITY_DEFAULTS, type SensitivityOptions, type SensitivityResult } from './idi/sensitivity.js';
export { groupTable, rankingTable, sensitivityTable } from './idi/tables.js';
export { NORMALISATIONS, normalisationNames } from './idi/normalisations/index.js';
export { IMPUTATIONS } from './idi/imputation/index.js';

// Prices
export {
  aggregatePrices,
  auditPriceReleases,
  explainBasketPrice,
  PRICE_RELEASES,
  loadConversionInputs,
  loadTariffs,
  priceBasket,
  type BasketPriceRequest,
  type TariffInput,
  type TariffRecord,
} from './usecases/prices.js';
export { loadBaskets, type Basket, type CompositeBasket, type SimpleBasket } from './prices/basket.js';
export type { EconomyPrice } from './prices/compute.js';
export { formatExplanation, type Explanation } from './prices/explain.js';
export type { ReleaseAudit } from './prices/audit.js';
export { ELIGIBILITY_RULES, INELIGIBLE_REASONS } from './prices/eligibility/index.js';
export { readAggregateInput } from './prices/aggregate-input.js';
export type { AggregateRow, BasketPanel, GroupSpec } from './prices/aggregate.js';

// World, regional and income-group estimates (ITU Facts and Figures)
export {
  aggregatesForCode,
  estimateAggregates,
  worldBankAggregate,
  worldBankAggregateFigures,
  type EstimatesDeps,
  type WorldBankAggregate,
  type EstimatesRequest,
  type EstimatesResult,
} from './usecases/estimates.js';
export { KIND_NAMES as ESTIMATE_KINDS, loadEstimatesConfig, type EstimatesConfig, type GroupEstimates, type IndicatorEstimateSpec } from './estimates/index.js';

// Series
export { getSeries, type Series, type SeriesRequest } from './usecases/series.js';

// Registries
export { loadIndicatorRegistry, type IndicatorDef, type IndicatorRegistry } from './registry/indicators.js';
export { loadEconomyRegistry, LANGUAGES, type Economy, type Language } from './registry/economies.js';
export { loadGroupingCsv, loadGroupings, type Grouping, type Groupings } from './registry/groupings.js';

// Tables and outputs
export { isCanonicalObservationTable, observationRows, OBSERVATION_COLUMNS, type ObservationRow } from './table/observations.js';
export { observationsToCsv } from './table/io.js';
export { observationsToParquet, parquetToObservations, readParquetFooter } from './table/parquet.js';
export { tableToCsv, tableToHtml, tableToMarkdown, type Column, type ReportTable } from './table/report-table.js';
export { tablesToXlsx, type WorkbookOptions } from './report/xlsx.js';

// The report
export { buildReport, defaultMethodology, type ReportOptions, type ReportResult, type ReportSummary } from './report/build.js';

// The store
export { Store, parseAsOf, readStoreObservations, type SubmissionRecord } from './store/store.js';
export { loadBundledIntoStore, submitFile, type SubmitOptions, type SubmitResult } from './store/submit.js';

// Errors
export { UserInputError, type InputErrorDetails } from './util/errors.js';
