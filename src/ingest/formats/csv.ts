import { streamCsvBatches, fieldText, rangeDecoder } from '../csv-bytes.js';
import { CsvColumnReader } from '../csv-columns.js';
import { EXPECTED_LAYOUTS, detectCsvLayout } from '../layouts.js';
import type { InputFormat } from './format.js';

/** The value column of each CSV layout, in the file's vocabulary (for table-level findings). */
const VALUE_COLUMN: Record<string, string> = { 'itu-datahub': 'dataValue', 'wb-long': 'Value', wide: '(year column)' };

/**
 * CSV text (UTF-8, or Latin-1 with a warning) in one of the layouts of `layouts.ts`, found from the header; streamed
 * in bounded memory at any size, as byte ranges validated column by column (`csv-columns.ts`). The result reports
 * the layout as its format.
 */
export const csv: InputFormat = {
  name: 'csv',
  description: 'CSV text in a canonical, ITU DataHub, World Bank long or wide layout (streamed, any size)',
  recognises: (s) => s.kind === 'text',
  stoppedAs: () => 'unknown',
  async read(ctx) {
    const { file, log, fatal } = ctx;
    if (ctx.sniffed.encoding === 'latin1')
      log.add({ severity: 'warning', rule: 'encoding', file, message: `not valid UTF-8 (byte ${ctx.sniffed.invalidUtf8At}); read as Latin-1 (Windows-1252)` });
    const decode = rangeDecoder(ctx.sniffed.encoding);
    let reader: CsvColumnReader | undefined;
    let format = 'unknown';
    const sink = {
      validator: ctx.validator,
      builder: ctx.builder,
      counted: ctx.counted,
      countedMany: ctx.countedMany,
      maxRows: ctx.limits.maxRows,
      malformed: (fields: number, line: number, value: string): boolean => {
        fatal('malformed-row', `${fields} fields where the header has ${reader!.width}`, { line, value });
        return ctx.acceptValid;
      },
    };
    await streamCsvBatches(
      ctx.path,
      {
        encoding: ctx.sniffed.encoding,
        maxLineBytes: ctx.limits.maxLineBytes,
        onBytes: (n) => ctx.onProgress?.(n, ctx.size),
        onChunk: ctx.onChunk,
        budget: ctx.budget,
      },
      (batch) => {
        if (reader) return reader.accept(batch, 0);
        // The first record is the header.
        const header: string[] = [];
        for (let f = batch.first[0]; f < batch.first[1]; f++) header.push(fieldText(batch, f, decode));
        const at = batch.line[0];
        const found = detectCsvLayout(header, { file, indicator: ctx.indicator });
        if (!found) {
          fatal('unknown-format', `the header matches no supported layout; expected ${EXPECTED_LAYOUTS}`, { line: at, value: header.join(',').slice(0, 120) });
          return 'stop';
        }
        if ('missing' in found) {
          fatal('missing-column', `a ${found.format} file needs the column(s) ${found.missing.join(', ')}`, { line: at, column: found.missing.join(', ') });
          return 'stop';
        }
        format = found.format;
        reader = new CsvColumnReader(found, decode, sink);
        return reader.accept(batch, 1);
      },
      fatal,
    );
    // Only blank lines (form feeds, repeated byte-order marks...): no header was found, and nothing said why.
    if (format === 'unknown' && log.errors === 0) fatal('empty-file', 'the file holds no header row, only blank lines or white space');
    return { format, valueColumn: VALUE_COLUMN[format] };
  },
};
