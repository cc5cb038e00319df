import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { Table, Utf8, makeVector, tableToIPC, tableFromArrays, tableFromIPC, vectorFromArray } from 'apache-arrow';
import { ingestFile } from '../../src/ingest/ingest.js';
import { RULES } from '../../src/ingest/findings.js';
import { compileMethodology } from '../../src/idi/methodology.js';
import { parseBasket } from '../../src/prices/basket.js';
import { readTariffs, TARIFF_COLUMNS } from '../../src/prices/tariffs.js';
import { loadGroupingCsv } from '../../src/registry/groupings.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { UserInputError } from '../../src/util/errors.js';
import { packageRoot } from '../../src/util/paths.js';

/**
 * Fuzz targets: every parser and loader of user input, fed generated and mutated inputs. The property
 * each checks is the project's rule for bad input: no crash (only a located finding or a UserInputError),
 * no hang (a time limit per input), and a clear message. `npm run fuzz` runs them at length; the test
 * suite runs a small smoke and replays every input that once failed (test/fuzz/regressions/).
 */
export interface FuzzTarget {
  name: string;
  /** An arbitrary producing one input (bytes written to a file, or a value). */
  input: fc.Arbitrary<Uint8Array>;
  /** Throws (an Error whose message says what went wrong) when the property fails. */
  check: (bytes: Uint8Array, dir: string) => Promise<void>;
}

const enc = new TextEncoder();
const PER_INPUT_MS = 10_000;

// Issue 13: names that are keys of Object.prototype, in every slot that names something.
const PROTO_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'] as const;
const econ = fc.constantFrom('KEN', 'UGA', 'ken', 'KE', '404', 'KEM', 'WLD', 'GBJ', 'ASC', '', ' KEN ', '=1+1', 'K\u0000N', 'Kénya', ...PROTO_NAMES);
const indicator = fc.constantFrom(
  'internet_users_pct',
  'i99H',
  'IT.NET.USER.ZS',
  'fixed_bb_p100',
  'population',
  'nope',
  '',
  'i99h ',
  '"quoted"',
  ...PROTO_NAMES,
);
const year = fc.oneof(fc.integer({ min: 1950, max: 2040 }).map(String), fc.constantFrom('', '2020.0', '20x0', '1e3', '-1', '99999999999'));
// Issue 13 classes: long digit runs (the ReDoS of a number pattern), prototype names, int64 Arrow, deep trees, unclosed quotes.
const digitRun = fc
  .tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.constantFrom('x', '.', 'e', 'e+', '..1', ',5', ''))
  .map(([n, tail]) => '9'.repeat(n) + tail);
const value = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom('', '1,234', '6.9501e+007', 'NaN', 'Infinity', '0x10', '  7 ', '..', 'text'),
  digitRun,
);
const cell = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"', '""', ',', '\n', '\r\n', '\u00e9', '\ufeff'));

/** CSV text from rows of cells, with quoting applied or (sometimes) deliberately broken. */
const csvText = (header: readonly string[], rows: string[][], breakQuotes: boolean, newline = '\n'): string =>
  [header, ...rows].map((r) => r.map((c) => (breakQuotes ? c : /[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join(newline);

const submissionCsv: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(
      fc.array(fc.tuple(econ, indicator, year, value, cell), { maxLength: 30 }),
      fc.boolean(),
      fc.constantFrom('\n', '\r\n'),
      fc.constantFrom(
        ['economy', 'indicator', 'year', 'value', 'note'],
        ['Country Name', 'Country Code', 'Year', 'Value', 'x'],
        ['seriesCode', 'entityIso', 'dataValue', 'dataYear', 'dataNote'],
        ['economy', 'indicator', '2019', '2020', 'note'],
        ['economy', 'indicator', 'year'],
      ),
    )
    .map(([rows, broken, newline, header]) =>
      enc.encode(
        csvText(
          header,
          rows.map((r) => [...r]),
          broken,
          newline,
        ),
      ),
    ),
  fc.string({ maxLength: 400 }).map((s) => enc.encode(s)),
  fc.uint8Array({ maxLength: 400 }),
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(200)).map(([noise, at]) => {
    const base = enc.encode('economy,indicator,year,value\nKEN,i99H,2020,20\nUGA,i99H,2020,30\n');
    const out = new Uint8Array(base.length + noise.length);
    const k = Math.min(at, base.length);
    out.set(base.subarray(0, k));
    out.set(noise, k);
    out.set(base.subarray(k), k + noise.length);
    return out;
  }),
);

const submissionJson: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  fc
    .tuple(
      fc.array(
        fc.record(
          { economy: econ, indicator, year: fc.oneof(year, fc.integer()), value: fc.oneof(value, fc.double(), fc.constant(null)) },
          { requiredKeys: [] },
        ),
        { maxLength: 20 },
      ),
      fc.constantFrom(0, 2),
    )
    .map(([rows, indent]) => enc.encode(JSON.stringify(rows, null, indent))),
  fc.string({ maxLength: 200 }).map((s) => enc.encode('[' + s)),
);

const submissionArrow: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(
      fc.array(fc.tuple(econ, indicator, fc.integer({ min: 1900, max: 2100 }), fc.double()), { minLength: 1, maxLength: 20 }),
      fc.constantFrom<'file' | 'stream'>('file', 'stream'),
    )
    .map(([rows, format]) =>
      tableToIPC(
        tableFromArrays({
          economy: rows.map((r) => r[0]),
          indicator: rows.map((r) => r[1]),
          year: Int32Array.from(rows, (r) => r[2]),
          value: Float64Array.from(rows, (r) => r[3]),
        }),
        format,
      ),
    ),
  // What pandas and pyarrow write for whole numbers: int64 (or uint64) year and value columns.
  fc
    .tuple(
      fc.array(fc.tuple(econ, indicator, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), {
        minLength: 1,
        maxLength: 20,
      }),
      fc.boolean(),
      fc.constantFrom<'file' | 'stream'>('file', 'stream'),
    )
    .map(([rows, unsigned, format]) =>
      tableToIPC(
        new Table({
          economy: vectorFromArray(
            rows.map((r) => r[0]),
            new Utf8(),
          ),
          indicator: vectorFromArray(
            rows.map((r) => r[1]),
            new Utf8(),
          ),
          year: makeVector(BigInt64Array.from(rows, (r) => r[2])),
          value: makeVector(unsigned ? BigUint64Array.from(rows, (r) => r[3]) : BigInt64Array.from(rows, (r) => BigInt.asIntN(64, r[3]))),
        }),
        format,
      ),
    ),
  fc.uint8Array({ maxLength: 300 }).map((b) => {
    const out = new Uint8Array(b.length + 8);
    out.set(enc.encode('ARROW1\0\0'));
    out.set(b, 8);
    return out;
  }),
  fc.uint8Array({ maxLength: 300 }).map((b) => {
    const out = new Uint8Array(b.length + 8);
    out.set([255, 255, 255, 255, 16, 0, 0, 0]);
    out.set(b, 8);
    return out;
  }),
);

/** A minimal SpreadsheetML workbook, written by hand (synchronously): inline strings and numbers, optional merges and state. */
function xlsxOf(sheets: Array<{ rows: Array<Array<string | number>>; merges: string[]; hidden: boolean; prolog: string }>): Uint8Array {
  const x = (t: string): string =>
    t
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
  const col = (j: number): string => String.fromCharCode(65 + (j % 26)).repeat(1 + Math.floor(j / 26));
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': enc.encode(
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        sheets
          .map(
            (_, i) =>
              `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
          )
          .join('') +
        '</Types>',
    ),
    '_rels/.rels': enc.encode(
      `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    'xl/workbook.xml': enc.encode(
      `<?xml version="1.0"?><workbook ${ns} xmlns:r="${rel}"><sheets>${sheets.map((s, i) => `<sheet name="S${i + 1}" sheetId="${i + 1}"${s.hidden ? ' state="hidden"' : ''} r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
    ),
    'xl/_rels/workbook.xml.rels': enc.encode(
      `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${rel}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}</Relationships>`,
    ),
  };
  sheets.forEach((s, i) => {
    const rows = s.rows
      .map(
        (r, k) =>
          `<row r="${k + 1}">${r
            .map((v, j) =>
              typeof v === 'number'
                ? `<c r="${col(j)}${k + 1}"><v>${Number.isFinite(v) ? v : 0}</v></c>`
                : `<c r="${col(j)}${k + 1}" t="inlineStr"><is><t>${x(v)}</t></is></c>`,
            )
            .join('')}</row>`,
      )
      .join('');
    const merges = s.merges.length ? `<mergeCells count="${s.merges.length}">${s.merges.map((m) => `<mergeCell ref="${m}"/>`).join('')}</mergeCells>` : '';
    files[`xl/worksheets/sheet${i + 1}.xml`] = enc.encode(
      `<?xml version="1.0"?>${s.prolog}<worksheet ${ns}><sheetData>${rows}</sheetData>${merges}</worksheet>`,
    );
  });
  return zipSync(files, { level: 6 });
}

const xlsxCell = fc.oneof(econ, indicator, year, value, cell, fc.double(), fc.integer({ min: 1950, max: 2040 }));
const xlsxSheet = fc.record({
  rows: fc.oneof(
    fc
      .array(
        fc
          .tuple(econ, indicator, fc.oneof(year, fc.integer({ min: 1950, max: 2040 })), fc.oneof(value, fc.double()))
          .map((r) => [...r] as Array<string | number>),
        { maxLength: 12 },
      )
      .map((rows) => [['economy', 'indicator', 'year', 'value'], ...rows]),
    fc.array(fc.array(xlsxCell, { maxLength: 6 }), { maxLength: 10 }),
    fc
      .array(
        fc.tuple(indicator, value).map(([c, v]) => [c, 'name', 'definition', v, 'note'] as Array<string | number>),
        { maxLength: 8 },
      )
      .map((rows) => [['Economy', 'KEN'], ['Reference year', 2023], ['Code', 'Indicator', 'Definition', 'Answer', 'Notes'], ...rows]),
  ),
  merges: fc.array(fc.constantFrom('A1:B1', 'A2:A3', 'B2:C2', 'A1:XFD1048576', 'Z9:A1', 'A1'), { maxLength: 2 }),
  hidden: fc.boolean(),
  prolog: fc.constantFrom('', '', '', '<!DOCTYPE x [<!ENTITY a "b">]>'),
});
const submissionXlsx: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.array(xlsxSheet, { minLength: 1, maxLength: 3 }).map(xlsxOf),
  // the same, with bytes overwritten anywhere (headers, the directory, the deflated data)
  fc
    .tuple(
      fc.array(xlsxSheet, { minLength: 1, maxLength: 2 }).map(xlsxOf),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    )
    .map(([b, flips]) => {
      const out = Uint8Array.from(b);
      for (const [i, v] of flips) out[i % out.length] = v;
      return out;
    }),
  fc.uint8Array({ maxLength: 300 }).map((b) => {
    const out = new Uint8Array(b.length + 4);
    out.set([0x50, 0x4b, 3, 4]);
    out.set(b, 4);
    return out;
  }),
);
/** A methodology whose one indicator sits under `depth` single-child nodes, written without a recursive stringify. */
const deepTree = fc.tuple(fc.integer({ min: 1, max: 3_000 }), fc.constantFrom('internet_users_pct', ...PROTO_NAMES)).map(([depth, leaf]) => {
  const open = Array.from(
    { length: depth },
    (_, k) => `{"id":"${k % 7 ? `n${k}` : PROTO_NAMES[k % PROTO_NAMES.length].replace(/_/g, 'x')}","name":"n","weight":1,"source":"fuzz","components":[`,
  ).join('');
  return enc.encode(
    `{"id":"m","name":"m","source":"fuzz","scale":10,"components":[${open}{"indicator":"${leaf}","weight":1,"normalise":{"method":"minmax","source":"fuzz"},"source":"fuzz"}${']}'.repeat(depth)}]}`,
  );
});

const methodologyDoc: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  deepTree,
  fc
    .record(
      {
        id: fc.oneof(fc.constant('m'), fc.string()),
        name: fc.string(),
        source: fc.string(),
        scale: fc.oneof(fc.double(), fc.constant(10)),
        components: fc.array(
          fc.record(
            {
              indicator: indicator,
              weight: fc.oneof(fc.double(), fc.constant(0.5)),
              normalise: fc.record(
                {
                  method: fc.constantFrom('ratio', 'log-ratio', 'goalposts', 'minmax', 'zscore', 'rank', 'odd', ...PROTO_NAMES),
                  reference: fc.double(),
                  lower: fc.double(),
                  upper: fc.double(),
                },
                { requiredKeys: ['method'] },
              ),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 4 },
        ),
      },
      { requiredKeys: [] },
    )
    .map((v) => enc.encode(JSON.stringify(v))),
);

const basketDoc: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  fc.anything().map((v) => {
    try {
      return enc.encode(JSON.stringify(v) ?? 'null');
    } catch {
      return enc.encode('null');
    }
  }),
);

const tariffCsv: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .array(fc.array(fc.oneof(cell, value, econ), { minLength: TARIFF_COLUMNS.length, maxLength: TARIFF_COLUMNS.length }), { maxLength: 10 })
    .map((rows) => enc.encode(csvText([...TARIFF_COLUMNS], rows, false))),
  fc.string({ maxLength: 300 }).map((s) => enc.encode(TARIFF_COLUMNS.join(',') + '\n' + s)),
  fc.uint8Array({ maxLength: 300 }),
);

const groupingCsv: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.array(fc.tuple(econ, cell), { maxLength: 10 }).map((rows) =>
    enc.encode(
      csvText(
        ['economy', 'group'],
        rows.map((r) => [...r]),
        false,
      ),
    ),
  ),
  fc.string({ maxLength: 200 }).map((s) => enc.encode(s)),
);

/** A file-reading target: writes the bytes and runs `load`; findings or UserInputErrors are fine, nothing else is. */
function fileTarget(name: string, input: fc.Arbitrary<Uint8Array>, ext: string, load: (file: string) => Promise<unknown>): FuzzTarget {
  return {
    name,
    input,
    async check(bytes, dir) {
      const file = join(dir, `${name}${ext}`);
      writeFileSync(file, bytes);
      try {
        await withTimeout(load(file), name);
      } catch (e) {
        if (e instanceof UserInputError && e.message.includes(file)) return;
        throw new Error(`${name}: ${e instanceof UserInputError ? 'a user error that does not name the file' : 'crash'}: ${(e as Error).stack ?? e}`);
      }
    },
  };
}

async function checkIngest(file: string): Promise<void> {
  const r = await ingestFile(file, { now: new Date('2026-01-01') });
  if (r.status !== 'accepted' && r.status !== 'rejected') throw new Error(`status ${r.status}`);
  if (r.status === 'rejected' && r.log.errors === 0) throw new Error('rejected without an error finding');
  for (const f of r.log.examples) {
    if (!(f.rule in RULES)) throw new Error(`unknown rule ${f.rule}`);
    if (f.file !== file || !f.message) throw new Error(`finding without file or message: ${JSON.stringify(f)}`);
    if (f.line !== undefined && !(f.line >= 1)) throw new Error(`finding with line ${f.line}`);
  }
  if (r.status === 'accepted' && r.table.numRows !== r.accepted) throw new Error('accepted count differs from the table');
}

/**
 * Records that never end: an unclosed quote, a run of bytes without a line end, a CR-only file; the work is
 * bounded by the record limit (set to 4 KiB here): the bytes read stay within the limit plus one read-ahead chunk,
 * however long the file, and a record over the limit is `line-too-long` on the line it starts.
 */
const BOUND_LIMIT = 4096,
  READ_AHEAD = 1 << 16;
const unboundedRecords: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.constantFrom('"', 'x', '"a""', ' "'), fc.integer({ min: 1, max: 6_000 }), fc.constantFrom('\n', '\r', '\r\n', ''), fc.boolean())
  .map(([open, lines, eol, close]) =>
    enc.encode(`economy,indicator,year,value,note${eol || '\n'}KEN,i99H,2019,20,${open}${`GHA,i99H,2019,30,more${eol}`.repeat(lines)}${close ? '"' : ''}\n`),
  );

async function checkBounded(file: string): Promise<void> {
  let read = 0;
  const r = await ingestFile(file, {
    now: new Date('2026-01-01'),
    maxLineBytes: BOUND_LIMIT,
    onProgress: (n) => {
      read = Math.max(read, n);
    },
  });
  const long = r.log.examples.filter((f) => f.rule === 'line-too-long');
  if (long.length && read > BOUND_LIMIT + 2 * READ_AHEAD) throw new Error(`read ${read} bytes past a ${BOUND_LIMIT}-byte record limit`);
  if (long.some((f) => f.line !== 2 && f.line !== 1)) throw new Error(`line-too-long on line ${long[0].line}, not where the record starts`);
  await checkIngest(file);
}

export const TARGETS: FuzzTarget[] = [
  fileTarget('csv-bounds', unboundedRecords, '.csv', checkBounded),
  fileTarget('ingest-csv', submissionCsv, '.csv', checkIngest),
  fileTarget('ingest-json', submissionJson, '.json', checkIngest),
  fileTarget('ingest-arrow', submissionArrow, '.arrow', checkIngest),
  fileTarget('ingest-xlsx', submissionXlsx, '.xlsx', checkIngest),
  fileTarget('methodology', methodologyDoc, '.json', async (file) => {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    compileMethodology(doc, file, loadIndicatorRegistry());
  }),
  fileTarget('basket', basketDoc, '.json', async (file) => {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    parseBasket(doc, file);
  }),
  fileTarget('tariffs', tariffCsv, '.csv', (file) => readTariffs(file)),
  fileTarget('grouping', groupingCsv, '.csv', async (file) => loadGroupingCsv(file, { id: 'g', name: 'g' })),
];

async function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${PER_INPUT_MS} ms (a hang)`)), PER_INPUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const REGRESSIONS_DIR = (): string => join(packageRoot(), 'test', 'fuzz', 'regressions');

/** Run `runs` generated inputs through a target; a failing input is saved as a regression and reported. */
export async function fuzzTarget(t: FuzzTarget, runs: number, seed: number, save = true): Promise<{ runs: number; failure?: string }> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `ictstat-fuzz-${t.name}-`));
  try {
    const result = await fc.check(
      fc.asyncProperty(t.input, (bytes) => t.check(bytes, dir)),
      { numRuns: runs, seed, endOnFailure: true },
    );
    if (!result.failed) return { runs: result.numRuns };
    const bytes = result.counterexample![0] as Uint8Array;
    if (save) {
      const name = `${t.name}-${seed}-${Buffer.from(bytes).toString('hex').slice(0, 16) || 'empty'}.bin`;
      writeFileSync(join(REGRESSIONS_DIR(), name), bytes);
    }
    return { runs: result.numRuns, failure: String(result.errorInstance) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// API targets: generated requests through Fastify's `inject` (no sockets) on an app over a temporary store.
// The property: every answer is a 2xx/3xx/4xx, a 4xx is the World Bank error envelope, a 2xx body is valid
// for its content type, no answer shows a stack trace or a server path, and each comes within the time limit.
// World Bank read routes answer as the World Bank does: a request they cannot serve gets HTTP 200 with the
// envelope (never a 4xx other than 406, or a refusal before routing: a malformed URL, an unknown endpoint), and
// the 200 envelope is theirs alone (our other routes keep their statuses).

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  bodyBase64?: string;
}

let apiApp: Promise<{ app: import('fastify').FastifyInstance; token: string }> | undefined;
/** One app per process over a small seeded store in a temporary directory (removed at exit). */
function fuzzApp(): Promise<{ app: import('fastify').FastifyInstance; token: string }> {
  apiApp ??= (async () => {
    const [{ buildServer }, { Store }, { ObservationBuilder }] = await Promise.all([
      import('../../src/api/server.js'),
      import('../../src/store/store.js'),
      import('../../src/table/observations.js'),
    ]);
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ictstat-fuzz-api-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const store = Store.open(join(dir, 'fuzz.db'));
    const b = new ObservationBuilder();
    for (const e of ['KEN', 'UGA', 'FRA'])
      for (let y = 2010; y <= 2022; y++) {
        b.append({ economy: e, indicator: 'internet_users_pct', year: y, value: y - 2000 + e.length, source: 'seed', note: y % 3 ? null : '=note' });
        b.append({ economy: e, indicator: 'population', year: y, value: 1e6 * (y - 2000), source: 'seed' });
        b.append({ economy: e, indicator: 'fixed_bb_subs', year: y, value: 1e4 * (y - 2005) });
        b.append({ economy: e, indicator: 'price_fixed-broadband-5gb_usd', year: y, value: 20 + y - 2010 });
      }
    store.recordSubmission({
      economy: null,
      submittedBy: 'fuzz',
      sha256: 'seed',
      vintage: '2024-Q1',
      findings: null,
      table: b.toTable(),
      receivedAt: new Date('2024-01-01T00:00:00Z'),
    });
    const token = store.createToken('KEN', 'fuzz').token;
    // Thousands of requests from one address: the rate limits and the per-client budget (their own tests) off.
    const app = await buildServer({ store, logger: false, limits: { maxBodyBytes: 64 << 10, ratePerToken: 1e9, authFailuresPerIp: 1e9 }, clientBudget: false });
    await app.ready();
    return { app, token };
  })();
  return apiApp;
}

const pct = (s: string): string => [...s].map((c) => (/[A-Za-z0-9._~-]/.test(c) ? c : encodeURIComponent(c))).join('');
const oddPiece = fc.constantFrom(
  ...PROTO_NAMES,
  '%00',
  '%2F',
  '%2f',
  '%E0%A4%A',
  '%C0%AE',
  '%',
  '%zz',
  '..',
  '%2e%2e',
  ';',
  ';;',
  '%3B',
  '+',
  '%20',
  '\u00e9',
  '%F0%9F%98%80',
  '*',
  'all',
  'ALL',
  '\u202e',
);
const codeArb = fc.oneof(
  fc.constantFrom('KEN', 'ken', 'KE', 'UGA', 'FRA', 'fr', 'XXX', 'WLD', '1W', 'SSF', 'zg', '404', 'all', 'K', 'KENYA', '', 'GBJ'),
  fc.string({ maxLength: 8 }).map(pct),
  oddPiece,
);
const indicatorArb = fc.oneof(
  fc.constantFrom(
    'i99H',
    'IT.NET.USER.ZS',
    'it.net.user.zs',
    'internet_users_pct',
    'fixed_bb_p100',
    'population',
    'price_fixed-broadband-5gb_usd',
    'nope',
    'i99h',
    'IT.NET',
    'all',
  ),
  fc.string({ maxLength: 12 }).map(pct),
  oddPiece,
);
const list = (a: fc.Arbitrary<string>) => fc.array(a, { minLength: 1, maxLength: 4 }).map((xs) => xs.join(';'));
const langArb = fc.constantFrom('', '/en', '/fr', '/ES', '/zh', '/ar', '/ru', '/xx', '/e', '/%65n', '/en/en');
const yearArb = fc.oneof(fc.integer({ min: 1900, max: 2200 }).map(String), fc.constantFrom('latest', 'LATEST', '2016.0', '-1', '99999', '', '2O16', '%32016'));
const pathArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(langArb, fc.constantFrom('country', 'countries'), list(codeArb), fc.constantFrom('indicator', 'indicators'), list(indicatorArb))
      .map(([l, c, cs, i, is]) => `/v2${l}/${c}/${cs}/${i}/${is}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(langArb, fc.constantFrom('country', 'countries', 'indicator', 'indicators'), fc.option(list(fc.oneof(codeArb, indicatorArb)), { nil: undefined }))
      .map(([l, c, x]) => `/v2${l}/${c}${x === undefined ? '' : '/' + x}`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        langArb,
        fc.constantFrom('source', 'sources'),
        fc.constantFrom('2', '11', 'all', '2;12', '99', 'x', ''),
        fc.constantFrom(
          '',
          '/concepts',
          '/country/all',
          '/series/all',
          '/time/all',
          '/time/YR2020;2019',
          '/economy/KEN;WLD',
          '/nope/all',
          '/indicators',
          '/search/internet',
          '/search/%00',
          '/country/KEN/metadata',
          '/series/IT.NET.USER.ZS/metadata',
        ),
        fc.option(fc.tuple(list(indicatorArb), list(codeArb), fc.option(fc.constantFrom('all', 'YR2020', '2019;YR2018', 'YRx', '%00'), { nil: undefined })), {
          nil: undefined,
        }),
      )
      .map(([l, s, id, rest, data]) =>
        data ? `/v2${l}/${s}/${id}/series/${data[0]}/country/${data[1]}${data[2] === undefined ? '' : `/time/${data[2]}`}` : `/v2${l}/${s}/${id}${rest}`,
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        langArb,
        fc.constantFrom(
          'region',
          'regions',
          'incomelevel',
          'incomeLevels',
          'lendingtype',
          'lendingTypes',
          'topic',
          'topics',
          'topic/1/indicator',
          'sources/2/indicators',
        ),
        fc.option(list(fc.oneof(codeArb, fc.constantFrom('SSF', 'ZG', 'HIC', 'XD', 'IDX', '1', '5', 'NA'))), { nil: undefined }),
      )
      .map(([l, r, x]) => `/v2${l}/${r}${x === undefined ? '' : '/' + x}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('idi-2017', 'IDI-2016', 'idi-2011', 'idi-2024', 'nope', '..%2F..%2Fetc', '%2e%2e', ...PROTO_NAMES), yearArb)
      .map(([m, y]) => `/v2/idi/${m}/${y}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('fixed-broadband-5gb', 'mobile-data-2gb', 'ipb', 'nope', '%00', ...PROTO_NAMES), yearArb, fc.option(codeArb, { nil: undefined }))
      .map(([b, y, e]) => `/v2/prices/${b}/${y}${e === undefined ? '' : `/${e}/explain`}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/',
      '/healthz',
      '/docs',
      '/openapi.json',
      '/v2',
      '/v2/',
      '/v2/submissions',
      '/v2/submissions/1',
      '/nope',
      '//v2//country',
      '/v2/country/KEN/',
      '/V2/COUNTRY/KEN',
    ),
  },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 10 }).map(pct), oddPiece), { maxLength: 5 }).map((xs) => '/' + xs.join('/')) },
);
const queryValue = fc.oneof(
  fc.constantFrom(
    ...PROTO_NAMES,
    '',
    '0',
    '1',
    '-1',
    '10000',
    '10001',
    '1.5',
    '1e3',
    'json',
    'JSON',
    'csv',
    'xml',
    'true',
    'false',
    '2015',
    '2010:2020',
    '2020:2010',
    '2015:',
    ':',
    '2024-01-01',
    '2023-13-40',
    '2024-01-01T00:00:00Z',
    'EAS',
    'HIC',
    'Y',
    'N',
    'y',
    'M',
    'Q',
    'arrow',
    'YR2015',
    '2015M01:2016M12',
    'geo',
    'x'.repeat(300),
  ),
  fc.integer({ min: -5, max: 100_000 }).map(String),
  fc.string({ maxLength: 10 }).map(pct),
  oddPiece,
);
const queryArb = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'date',
        'mrv',
        'mrnev',
        'gapfill',
        'frequency',
        'page',
        'per_page',
        'format',
        'asof',
        'lang',
        'region',
        'incomeLevel',
        'incomelevel',
        'lendingType',
        'type',
        'databid',
        'previous',
        'vintage',
        'source',
        'x',
        '',
      ),
      queryValue,
    ),
    { maxLength: 5 },
  )
  .map((kv) => (kv.length ? '?' + kv.map(([k, v]) => `${k}=${v}`).join('&') : ''));
const acceptArb = fc.oneof(
  fc.constantFrom(
    'application/json',
    'text/csv',
    '*/*',
    'application/*',
    'text/html',
    'image/png',
    '',
    'application/vnd.sdmx.data+csv;version=2.0.0',
    'application/vnd.sdmx.data+json;version=2.0.0',
    'application/vnd.sdmx.data+csv;version=1.0.0',
    'application/vnd.apache.arrow.stream',
    'application/json;q=0',
    'text/csv;q=0.5, application/json;q=0.9',
    'text/csv;q=abc',
    'application/json;q=-1',
    ';;;',
    ',,,',
    'application/vnd.sdmx.data+json;version=2;q=0.1,text/csv;q=0.2',
    'a'.repeat(1100),
  ),
  fc.string({ maxLength: 60 }),
);
const header = (s: string): string => s.replace(/[^\t\x20-\x7e]/g, ''); // what an HTTP client can send

const apiQueryInput: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.constantFrom('GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'POST', 'DELETE', 'PUT'),
    pathArb,
    queryArb,
    fc.option(acceptArb, { nil: undefined }),
    fc.option(fc.constantFrom('"abc"', '*', 'W/"x"', '"', ''), { nil: undefined }),
    fc.option(fc.constantFrom('gzip', 'br', 'deflate', 'identity;q=0', 'x'), { nil: undefined }),
  )
  .map(([method, path, query, accept, inm, enc2]) =>
    enc.encode(
      JSON.stringify({
        method,
        url: path + query,
        headers: {
          ...(accept !== undefined ? { accept: header(accept) } : {}),
          ...(inm !== undefined ? { 'if-none-match': inm } : {}),
          ...(enc2 !== undefined ? { 'accept-encoding': enc2 } : {}),
          ...(method === 'OPTIONS' ? { origin: 'https://example.org', 'access-control-request-method': 'GET' } : {}),
        },
      } satisfies FuzzRequest),
    ),
  );

const apiSubmissionInput: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: submissionCsv },
      { weight: 2, arbitrary: submissionJson },
      { weight: 1, arbitrary: submissionArrow },
      { weight: 1, arbitrary: submissionXlsx },
      {
        weight: 1,
        arbitrary: fc.array(fc.tuple(fc.constantFrom('KEN', 'ken', 'KE', '404'), indicator, year, value), { minLength: 1, maxLength: 20 }).map((rows) =>
          enc.encode(
            csvText(
              ['economy', 'indicator', 'year', 'value'],
              rows.map((r) => [...r]),
              false,
            ),
          ),
        ),
      },
    ),
    fc.constantFrom(
      'text/csv',
      'application/json',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/octet-stream',
      'application/vnd.apache.arrow.stream',
      'multipart/form-data; boundary=x',
      'text/plain; charset=utf-16',
      '',
      'application/x-www-form-urlencoded',
      'application/json; charset=ebcdic',
    ),
    fc.constantFrom('valid', 'valid', 'valid', 'valid', 'none', 'basic', 'unknown', 'malformed'),
    fc.option(queryValue, { nil: undefined }),
  )
  .map(([body, type, auth, vintage]) =>
    enc.encode(
      JSON.stringify({
        method: 'POST',
        url: '/v2/submissions' + (vintage === undefined ? '' : `?vintage=${vintage}`),
        headers: {
          ...(type ? { 'content-type': type } : {}),
          ...(auth === 'none'
            ? {}
            : {
                authorization:
                  auth === 'basic'
                    ? 'Basic a2VuOmtlbg=='
                    : auth === 'malformed'
                      ? 'Bearer'
                      : auth === 'unknown'
                        ? `Bearer ict_${'B'.repeat(43)}`
                        : 'Bearer $TOKEN',
              }),
        },
        bodyBase64: Buffer.from(body).toString('base64'),
      } satisfies FuzzRequest),
    ),
  );

const INTERNALS = /\n\s+at |node_modules|\/src\/|\/dist\/|\/work\/|\/tmp\/|\/dev\/shm|file:\/\/|ictstat-fuzz|SqliteError|TypeError|RangeError|ReferenceError/;

/** Check one answer; `what` names the request in the failure. */
async function checkApiAnswer(bytes: Uint8Array): Promise<void> {
  let req: FuzzRequest;
  try {
    req = JSON.parse(Buffer.from(bytes).toString('utf8')) as FuzzRequest;
  } catch {
    return;
  } // not a request: nothing to send
  if (!req || typeof req.url !== 'string' || typeof req.method !== 'string' || typeof req.headers !== 'object' || !req.headers) return;
  const { app, token } = await fuzzApp();
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v).replace('$TOKEN', token)]));
  const what = `${req.method} ${req.url.slice(0, 200)} ${JSON.stringify(headers).slice(0, 200)}`;
  const res = await withTimeout(
    app.inject({
      method: req.method as 'GET',
      url: req.url,
      headers,
      payload: req.bodyBase64 !== undefined ? Buffer.from(req.bodyBase64, 'base64') : req.body,
    }),
    what,
  );
  const body = res.rawPayload;
  const text = body.toString('latin1');
  if (res.statusCode >= 500 || res.statusCode < 200) throw new Error(`${what}: status ${res.statusCode}: ${text.slice(0, 300)}`);
  if (INTERNALS.test(text)) throw new Error(`${what}: internals in the answer: ${text.match(INTERNALS)![0]} in ${text.slice(0, 300)}`);
  if (req.method === 'HEAD' || res.statusCode === 304 || res.statusCode === 204) {
    if (body.length) throw new Error(`${what}: ${res.statusCode} with a body`);
    return;
  }
  const type = String(res.headers['content-type'] ?? '');
  const { isWorldBankPath } = await import('../../src/api/worldbank.js');
  const wbRoute = (req.method === 'GET' || req.method === 'HEAD') && isWorldBankPath(req.url.split('?')[0]);
  if (res.statusCode >= 400) {
    let env: unknown;
    try {
      env = JSON.parse(res.body);
    } catch {
      throw new Error(`${what}: ${res.statusCode} not JSON: ${text.slice(0, 200)}`);
    }
    const m = (env as Array<{ message?: Array<{ id?: unknown; key?: unknown; value?: unknown }> }>)?.[0]?.message?.[0];
    if (!Array.isArray(env) || !m || typeof m.id !== 'string' || typeof m.key !== 'string' || typeof m.value !== 'string')
      throw new Error(`${what}: ${res.statusCode} not the World Bank envelope: ${res.body.slice(0, 200)}`);
    if (!type.startsWith('application/json')) throw new Error(`${what}: error with content type ${type}`);
    if (wbRoute && res.statusCode !== 406 && m.id !== '160' && !/^the (URL|request) is not valid/.test(String((m as { detail?: unknown }).detail ?? '')))
      throw new Error(`${what}: a World Bank route answered ${res.statusCode}; its errors are HTTP 200 with the envelope: ${res.body.slice(0, 200)}`);
    return;
  }
  if (res.statusCode >= 300) {
    if (!res.headers.location) throw new Error(`${what}: ${res.statusCode} without Location`);
    return;
  }
  if (res.headers['content-encoding']) return; // compressed: the uncompressed bodies are checked on the other inputs
  if (/json/.test(type)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      throw new Error(`${what}: ${type} body is not JSON`);
    }
    const m = (parsed as Array<{ message?: Array<{ id?: unknown; key?: unknown; value?: unknown }> }>)?.[0]?.message?.[0];
    if (Array.isArray(parsed) && m !== undefined) {
      if (!wbRoute) throw new Error(`${what}: an error envelope with HTTP 200 outside the World Bank routes`);
      if (typeof m.id !== 'string' || typeof m.key !== 'string' || typeof m.value !== 'string')
        throw new Error(`${what}: 200 not the World Bank envelope: ${res.body.slice(0, 200)}`);
    }
  } else if (type.startsWith('application/vnd.apache.arrow.stream')) {
    try {
      tableFromIPC(body);
    } catch (e) {
      throw new Error(`${what}: Arrow body does not parse: ${(e as Error).message}`);
    }
  } else if (type.startsWith('text/csv') || type.startsWith('application/vnd.sdmx.data+csv')) {
    if (!res.body.includes('\n') && body.length) throw new Error(`${what}: CSV without a line`);
  } else if (!type.startsWith('text/html')) throw new Error(`${what}: unexpected content type "${type}"`);
}

TARGETS.push(
  { name: 'api-query', input: apiQueryInput, check: (bytes) => checkApiAnswer(bytes) },
  { name: 'api-submission', input: apiSubmissionInput, check: (bytes) => checkApiAnswer(bytes) },
);
