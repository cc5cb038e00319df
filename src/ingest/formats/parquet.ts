import type { ParquetFooter } from '../../table/parquet.js';
import { acceptColumns, errorMessage, readWhole, type InputFormat } from './format.js';

const READ_COLUMNS = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code'];

/**
 * Parquet: the footer is parsed and checked against the limits first (rows, and the row groups' uncompressed
 * bytes, which is what decoding allocates), then the columns are decoded (each page capped at the same size)
 * and read as an Arrow table's would be.
 */
export const parquet: InputFormat = {
  name: 'parquet',
  description: 'Parquet file with the canonical columns (footer checked against the limits before decoding)',
  recognises: (s) => s.kind === 'parquet',
  stoppedAs: () => 'parquet',
  async read(ctx) {
    const { limits, fatal } = ctx;
    const bytes = readWhole(ctx);
    // The Parquet decoders are loaded only when a Parquet file is read.
    const { readParquetColumns, readParquetFooter } = await import('../../table/parquet.js');
    const out = { format: 'parquet' };
    let footer: ParquetFooter;
    try {
      footer = readParquetFooter(bytes);
    } catch (e) {
      fatal('bad-parquet', `cannot read the Parquet footer: ${errorMessage(e)}`);
      return out;
    }
    const decoded = footer.rowGroups.reduce((a, g) => a + g.bytes, 0);
    if (footer.rows > limits.maxRows) {
      fatal(
        'too-large',
        `the Parquet footer gives ${footer.rows.toLocaleString('en')} rows, above the ${limits.maxRows.toLocaleString('en')} limit (raise it with --max-rows)`,
      );
      return out;
    }
    if (decoded > limits.maxWholeFileBytes) {
      const big = footer.rowGroups.reduce((k, g, i) => (g.bytes > footer.rowGroups[k].bytes ? i : k), 0);
      fatal(
        'too-large',
        `the Parquet row groups hold ${(decoded / 2 ** 20).toFixed(1)} MiB uncompressed (row group ${big + 1}: ${(footer.rowGroups[big].bytes / 2 ** 20).toFixed(1)} MiB), above the ${limits.maxWholeFileBytes / 2 ** 20} MiB limit; submit large files as CSV`,
      );
      return out;
    }
    const names = footer.columns.map((c) => c.name);
    const missing = ['economy', 'indicator', 'year', 'value'].filter((c) => !names.includes(c));
    if (missing.length) {
      fatal('bad-parquet', `the Parquet file lacks the column(s) ${missing.join(', ')} (it has ${names.join(', ') || 'none'})`, { column: missing.join(', ') });
      return out;
    }
    let cols;
    try {
      cols = await readParquetColumns(bytes, footer, limits.maxWholeFileBytes, READ_COLUMNS);
    } catch (e) {
      fatal('bad-parquet', `cannot read Parquet: ${errorMessage(e)}`);
      return out;
    }
    const data = cols.data;
    acceptColumns(
      [...data.keys()],
      cols.rows,
      (name) => {
        const v = data.get(name);
        return v && { get: (r: number) => v[r] };
      },
      'bad-parquet',
      'Parquet file',
      ctx,
    );
    return out;
  },
};
