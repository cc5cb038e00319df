/** One indicator series of one economy, from a data source, with derived values where only the inputs were reported. */
import type { Table } from 'apache-arrow';
import { loadBundled } from '../ingest/bundled.js';
import { loadEconomyRegistry, type Economy } from '../registry/economies.js';
import { loadIndicatorRegistry, type IndicatorDef } from '../registry/indicators.js';
import { deriveIndicator, mergeByPrecedence, selectObservations } from '../table/combine.js';
import { UserInputError, invalidOption } from '../util/errors.js';
import { BUNDLED, loadObservations, readInputs, type DataSource } from './data-source.js';

export interface SeriesRequest {
  /** ISO3, ISO2 or M49, case-insensitive. */
  economy: string;
  /** Registry id or alias (ITU or World Bank code). */
  indicator: string;
  from?: number;
  to?: number;
  source?: DataSource;
  /** Every source's value (bundled data or inputs only), not only the preferred one. */
  allSources?: boolean;
}

export interface Series {
  economy: Economy;
  indicator: IndicatorDef;
  table: Table;
}

export async function getSeries(r: SeriesRequest): Promise<Series> {
  const indicators = loadIndicatorRegistry();
  const def = indicators.resolve(r.indicator);
  const economy = loadEconomyRegistry().resolve(r.economy);
  if (r.from !== undefined && r.to !== undefined && r.from > r.to) throw invalidOption('from', r.from, (n) => `${n} ${r.from} is after the last year ${r.to}`);
  const derivation = indicators.derived(def.id);
  const wanted = [def.id, ...(derivation?.formula.inputs ?? [])];
  const source = r.source ?? BUNDLED;
  let table: Table;
  if (source.kind === 'inputs') table = mergeByPrecedence(await readInputs(source.inputs), !r.allSources);
  else if (r.allSources) {
    if (source.kind !== 'bundled')
      throw new UserInputError("every source's value is kept only in the bundled data and in inputs; a store keeps the preferred value", {
        code: 'conflicting-options',
        field: 'allSources',
      });
    table = await loadBundled({ indicators: wanted, allSources: true, dir: source.dir });
  } else table = await loadObservations(source, wanted);
  table = selectObservations(table, { economies: [economy.iso3], indicators: wanted });
  // A derived indicator is computed for the years where it was not reported but its inputs were.
  if (derivation) table = mergeByPrecedence([table, deriveIndicator(table, def.id, derivation.formula)], !r.allSources);
  table = selectObservations(table, { economies: [economy.iso3], indicators: [def.id], from: r.from, to: r.to });
  return { economy, indicator: def, table };
}
