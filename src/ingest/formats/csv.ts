import { restoreFormulaText } from '../../util/csv.js';
import { streamCsvRecords } from '../csv-stream.js';
import { EXPECTED_LAYOUTS, detectCsvLayout, type CsvLayout, type RawObservation } from '../layouts.js';
import { StopReading, type InputFormat } from './format.js';

/** The value column of each CSV layout, in the file's vocabulary (for table-level findings). */
const VALUE_COLUMN: Record<string, string> = { 'itu-datahub': 'dataValue', 'wb-long': 'Value', wide: '(year column)' };

/**
 * CSV text (UTF-8, or Latin-1 with a warning) in one of the layouts of `layouts.ts`, found from the header; streamed
 * in bounded memory at any size. The result reports the layout as its format.
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
    let layout: CsvLayout | undefined;
    let format = 'unknown';
    // Text a CSV writer neutralised against formula injection (ours: util/csv.ts) reads back as it was written.
    const acceptCsv = (raw: RawObservation): void => {
      if (raw.note !== undefined) raw.note = restoreFormulaText(raw.note.trim());
      if (raw.source !== undefined) raw.source = restoreFormulaText(raw.source.trim());
      ctx.accept(raw);
    };
    await streamCsvRecords(
      ctx.path,
      { encoding: ctx.sniffed.encoding, maxLineBytes: ctx.limits.maxLineBytes, onBytes: (n) => ctx.onProgress?.(n, ctx.size), onChunk: ctx.onChunk },
      (fields, at) => {
        if (!layout) {
          const found = detectCsvLayout(fields, { file, indicator: ctx.indicator });
          if (!found) {
            fatal('unknown-format', `the header matches no supported layout; expected ${EXPECTED_LAYOUTS}`, {
              line: at,
              value: fields.join(',').slice(0, 120),
            });
            return 'stop';
          }
          if ('missing' in found) {
            fatal('missing-column', `a ${found.format} file needs the column(s) ${found.missing.join(', ')}`, { line: at, column: found.missing.join(', ') });
            return 'stop';
          }
          layout = found;
          format = found.format;
          return;
        }
        if (fields.length !== layout.width) {
          fatal('malformed-row', `${fields.length} fields where the header has ${layout.width}`, { line: at, value: fields.join(',').slice(0, 120) });
          return ctx.acceptValid ? undefined : 'stop';
        }
        try {
          layout.read(fields, at, acceptCsv);
        } catch (e) {
          if (e instanceof StopReading) return 'stop';
          throw e;
        }
      },
      fatal,
    );
    // Only blank lines (form feeds, repeated byte-order marks...): no header was found, and nothing said why.
    if (format === 'unknown' && log.errors === 0) fatal('empty-file', 'the file holds no header row, only blank lines or white space');
    return { format, valueColumn: VALUE_COLUMN[format] };
  },
};
