import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { tableToIPC, tableFromArrays } from 'apache-arrow';
import { ingestFile } from '../../src/ingest/ingest.js';
import { RULES } from '../../src/ingest/findings.js';
import { compileMethodology } from '../../src/index/methodology.js';
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

const econ = fc.constantFrom('KEN', 'UGA', 'ken', 'KE', '404', 'KEM', 'WLD', 'GBJ', 'ASC', '', ' KEN ', '=1+1', 'K\u0000N', 'Kénya');
const indicator = fc.constantFrom('internet_users_pct', 'i99H', 'IT.NET.USER.ZS', 'fixed_bb_p100', 'population', 'nope', '', 'i99h ', '"quoted"');
const year = fc.oneof(fc.integer({ min: 1950, max: 2040 }).map(String), fc.constantFrom('', '2020.0', '20x0', '1e3', '-1', '99999999999'));
const value = fc.oneof(fc.double().map(String), fc.integer().map(String), fc.constantFrom('', '1,234', '6.9501e+007', 'NaN', 'Infinity', '0x10', '  7 ', '..', 'text'));
const cell = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"', '""', ',', '\n', '\r\n', '\u00e9', '\ufeff'));

/** CSV text from rows of cells, with quoting applied or (sometimes) deliberately broken. */
const csvText = (header: readonly string[], rows: string[][], breakQuotes: boolean, newline = '\n'): string =>
  [header, ...rows].map((r) => r.map((c) => (breakQuotes ? c : /[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join(newline);

const submissionCsv: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.array(fc.tuple(econ, indicator, year, value, cell), { maxLength: 30 }), fc.boolean(), fc.constantFrom('\n', '\r\n'), fc.constantFrom(
    ['economy', 'indicator', 'year', 'value', 'note'],
    ['Country Name', 'Country Code', 'Year', 'Value', 'x'],
    ['seriesCode', 'entityIso', 'dataValue', 'dataYear', 'dataNote'],
    ['economy', 'indicator', '2019', '2020', 'note'],
    ['economy', 'indicator', 'year'],
  )).map(([rows, broken, newline, header]) => enc.encode(csvText(header, rows.map((r) => [...r]), broken, newline))),
  fc.string({ maxLength: 400 }).map((s) => enc.encode(s)),
  fc.uint8Array({ maxLength: 400 }),
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(200)).map(([noise, at]) => {
    const base = enc.encode('economy,indicator,year,value\nKEN,i99H,2020,20\nUGA,i99H,2020,30\n');
    const out = new Uint8Array(base.length + noise.length);
    const k = Math.min(at, base.length);
    out.set(base.subarray(0, k)); out.set(noise, k); out.set(base.subarray(k), k + noise.length);
    return out;
  }),
);

const submissionJson: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  fc.tuple(fc.array(fc.record({ economy: econ, indicator, year: fc.oneof(year, fc.integer()), value: fc.oneof(value, fc.double(), fc.constant(null)) }, { requiredKeys: [] }), { maxLength: 20 }), fc.constantFrom(0, 2))
    .map(([rows, indent]) => enc.encode(JSON.stringify(rows, null, indent))),
  fc.string({ maxLength: 200 }).map((s) => enc.encode('[' + s)),
);

const submissionArrow: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.array(fc.tuple(econ, indicator, fc.integer({ min: 1900, max: 2100 }), fc.double()), { minLength: 1, maxLength: 20 }), fc.constantFrom<'file' | 'stream'>('file', 'stream'))
    .map(([rows, format]) => tableToIPC(tableFromArrays({
      economy: rows.map((r) => r[0]), indicator: rows.map((r) => r[1]), year: Int32Array.from(rows, (r) => r[2]), value: Float64Array.from(rows, (r) => r[3]),
    }), format)),
  fc.uint8Array({ maxLength: 300 }).map((b) => { const out = new Uint8Array(b.length + 8); out.set(enc.encode('ARROW1\0\0')); out.set(b, 8); return out; }),
  fc.uint8Array({ maxLength: 300 }).map((b) => { const out = new Uint8Array(b.length + 8); out.set([255, 255, 255, 255, 16, 0, 0, 0]); out.set(b, 8); return out; }),
);

const methodologyDoc: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  fc.record({
    id: fc.oneof(fc.constant('m'), fc.string()), name: fc.string(), source: fc.string(), scale: fc.oneof(fc.double(), fc.constant(10)),
    components: fc.array(fc.record({
      indicator: indicator, weight: fc.oneof(fc.double(), fc.constant(0.5)),
      normalise: fc.record({ method: fc.constantFrom('ratio', 'log-ratio', 'goalposts', 'minmax', 'zscore', 'rank', 'odd'), reference: fc.double(), lower: fc.double(), upper: fc.double() }, { requiredKeys: ['method'] }),
    }, { requiredKeys: [] }), { maxLength: 4 }),
  }, { requiredKeys: [] }).map((v) => enc.encode(JSON.stringify(v))),
);

const basketDoc: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  fc.anything().map((v) => { try { return enc.encode(JSON.stringify(v) ?? 'null'); } catch { return enc.encode('null'); } }),
);

const tariffCsv: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.array(fc.array(fc.oneof(cell, value, econ), { minLength: TARIFF_COLUMNS.length, maxLength: TARIFF_COLUMNS.length }), { maxLength: 10 })
    .map((rows) => enc.encode(csvText([...TARIFF_COLUMNS], rows, false))),
  fc.string({ maxLength: 300 }).map((s) => enc.encode(TARIFF_COLUMNS.join(',') + '\n' + s)),
  fc.uint8Array({ maxLength: 300 }),
);

const groupingCsv: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.array(fc.tuple(econ, cell), { maxLength: 10 }).map((rows) => enc.encode(csvText(['economy', 'group'], rows.map((r) => [...r]), false))),
  fc.string({ maxLength: 200 }).map((s) => enc.encode(s)),
);

/** A file-reading target: writes the bytes and runs `load`; findings or UserInputErrors are fine, nothing else is. */
function fileTarget(name: string, input: fc.Arbitrary<Uint8Array>, ext: string, load: (file: string) => Promise<unknown>): FuzzTarget {
  return {
    name, input,
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

export const TARGETS: FuzzTarget[] = [
  fileTarget('ingest-csv', submissionCsv, '.csv', checkIngest),
  fileTarget('ingest-json', submissionJson, '.json', checkIngest),
  fileTarget('ingest-arrow', submissionArrow, '.arrow', checkIngest),
  fileTarget('methodology', methodologyDoc, '.json', async (file) => {
    let doc: unknown;
    try { doc = JSON.parse(readFileSync(file, 'utf8')); } catch { return; }
    compileMethodology(doc, file, loadIndicatorRegistry());
  }),
  fileTarget('basket', basketDoc, '.json', async (file) => {
    let doc: unknown;
    try { doc = JSON.parse(readFileSync(file, 'utf8')); } catch { return; }
    parseBasket(doc, file);
  }),
  fileTarget('tariffs', tariffCsv, '.csv', (file) => readTariffs(file)),
  fileTarget('grouping', groupingCsv, '.csv', async (file) => loadGroupingCsv(file, { id: 'g', name: 'g' })),
];

async function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${PER_INPUT_MS} ms (a hang)`)), PER_INPUT_MS); })]);
  } finally {
    clearTimeout(timer);
  }
}

export const REGRESSIONS_DIR = (): string => join(packageRoot(), 'test', 'fuzz', 'regressions');

/** Run `runs` generated inputs through a target; a failing input is saved as a regression and reported. */
export async function fuzzTarget(t: FuzzTarget, runs: number, seed: number, save = true): Promise<{ runs: number; failure?: string }> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `ictstat-fuzz-${t.name}-`));
  try {
    const result = await fc.check(fc.asyncProperty(t.input, (bytes) => t.check(bytes, dir)), { numRuns: runs, seed, endOnFailure: true });
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
