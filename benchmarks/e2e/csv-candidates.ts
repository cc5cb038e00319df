/**
 * `node csv-candidates.js PARSER FILE`: one CSV parser candidate of issue 14 as a whole process on the same file,
 * parse only (no validation): every record's fields as strings, streamed in 64 KiB chunks where the parser streams
 * (d3-dsv parses one whole string: it has no incremental API). Prints the record count and the characters of the
 * fields (so that no parser can skip materialising them). Parsers: ours, fast-csv, udsv, papaparse, csv-parse, d3-dsv;
 * and ours-bytes, the byte tokenizer of the columnar ingest path (`csv-bytes.ts`), which makes no strings: it counts
 * the bytes of every field's range, as ingest reads them.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { streamCsvBatches } from '../../src/ingest/csv-bytes.js';
import { CsvTokenizer } from '../../src/ingest/csv-tokenizer.js';

const [parser, file] = process.argv.slice(2);
let records = 0,
  chars = 0;
const count = (fields: readonly string[]): void => {
  records++;
  for (let k = 0; k < fields.length; k++) chars += fields[k].length;
};
const CHUNK = 1 << 16;
const textChunks = (): AsyncIterable<string> => createReadStream(file, { highWaterMark: CHUNK, encoding: 'utf8' });

switch (parser) {
  case 'ours-bytes': {
    await streamCsvBatches(
      file,
      { encoding: 'utf-8', maxLineBytes: 1 << 20 },
      (b) => {
        records += b.count;
        const nf = b.first[b.count];
        for (let f = 0; f < nf; f++) chars += b.end[f] - b.start[f];
        return undefined;
      },
      (rule, message) => {
        throw new Error(`${rule}: ${message}`);
      },
    );
    break;
  }
  case 'ours': {
    const t = new CsvTokenizer(1 << 20, (f) => {
      count(f);
      return undefined;
    });
    for await (const s of textChunks()) t.push(s);
    t.end();
    break;
  }
  case 'fast-csv': {
    const { parse } = await import('fast-csv');
    await new Promise<void>((resolve, reject) => {
      createReadStream(file, { highWaterMark: CHUNK })
        .pipe(parse({ headers: false, ignoreEmpty: false, trim: false }))
        .on('data', count)
        .on('error', reject)
        .on('end', () => resolve());
    });
    break;
  }
  case 'udsv': {
    const { inferSchema, initParser } = await import('udsv');
    let p: ReturnType<typeof initParser> | undefined;
    for await (const s of textChunks()) {
      // The header row is a record too (as for the others): the schema is told there is none.
      p ??= initParser(inferSchema(s, { header: () => [] }));
      p.chunk<string[]>(s, p.stringArrs, (row) => count(row));
    }
    p?.end();
    break;
  }
  case 'papaparse': {
    const Papa = (await import('papaparse')).default;
    await new Promise<void>((resolve, reject) => {
      Papa.parse(createReadStream(file, { highWaterMark: CHUNK, encoding: 'utf8' }) as unknown as File, {
        step: (r: { data: string[] }) => count(r.data),
        complete: () => resolve(),
        error: reject,
      });
    });
    break;
  }
  case 'csv-parse': {
    const { parse } = await import('csv-parse');
    const p = createReadStream(file, { highWaterMark: CHUNK }).pipe(parse({ relax_column_count: true }));
    for await (const r of p) count(r as string[]);
    break;
  }
  case 'd3-dsv': {
    const { csvParseRows } = await import('d3-dsv');
    for (const r of csvParseRows(readFileSync(file, 'utf8'))) count(r);
    break;
  }
  default:
    throw new Error(`unknown parser ${parser}: ours, fast-csv, udsv, papaparse, csv-parse, d3-dsv`);
}
process.stdout.write(`${records} ${chars}\n`);
