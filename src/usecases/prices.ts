/** Price-basket use cases: the conversion inputs of a data source. */
import { CONVERSION_INDICATORS, ConversionInputs } from '../prices/compute.js';
import { BUNDLED, loadObservations, type DataSource } from './data-source.js';

/** Exchange rates, PPP factors and GNI p.c. of the given economies, from a data source. */
export async function loadConversionInputs(economies: ReadonlySet<string>, source: DataSource = BUNDLED): Promise<ConversionInputs> {
  const table = await loadObservations(source, Object.values(CONVERSION_INDICATORS));
  return ConversionInputs.fromTable(table, economies);
}
