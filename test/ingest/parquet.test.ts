import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromArrays, tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import * as wasm from 'parquet-wasm';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { isPriceIndicator, loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { ObservationBuilder, OBSERVATION_COLUMNS, type ObservationRow } from '../../src/table/observations.js';
import { observationsToParquet, parquetToObservations, readParquetColumns, readParquetFooter } from '../../src/table/parquet.js';
import { csvRow } from '../../src/util/csv.js';
import { cliEntry } from '../../src/util/bundle.js';
import { findings, ingest, ROOT, rows, tempDir } from './helpers.js';

const tmp = tempDir('ictstat-parquet-');
afterAll(() => tmp.cleanup());
const SEED = 20261201;
let n = 0;

const economies = loadEconomyRegistry()
  .all()
  .map((e) => e.iso3);
const indicators = loadIndicatorRegistry().indicators;

/** Text with quoting trouble and arbitrary unicode (no C0 controls but tab/LF/CR, trimmed, as readers keep notes). */
const textArb = fc.option(
  fc
    .array(fc.oneof(fc.constantFrom(',', '"', '\n', ' ', 'é', "Côte d'Ivoire", '—', '😀', '中文', '\t'), fc.string({ unit: 'grapheme', maxLength: 6 })), {
      minLength: 1,
      maxLength: 6,
    })
    .map((p) =>
      p
        .join('')
        .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '')
        .trim(),
    )
    .filter((s) => s.length > 0),
  { nil: null },
);

/** Any observation table: every column, nulls in every string column, any double (NaN and -0 too), any int16 year. */
const anyRowArb = fc.record({
  economy: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 }),
  indicator: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
  year: fc.integer({ min: -32768, max: 32767 }),
  value: fc.double(),
  note: textArb,
  source: textArb,
  series_code: textArb,
  derived_from: textArb,
  submission_id: textArb,
  line: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

function tableOf(rs: ObservationRow[]): Table {
  const b = new ObservationBuilder(rs.length);
  for (const r of rs) b.append(r);
  return b.toTable();
}

const typesOf = (t: Table): string[] => t.schema.fields.map((f) => `${f.name}:${f.type}`);

describe('Parquet out and in (parquet-wasm)', () => {
  it('Arrow -> Parquet -> Arrow keeps the canonical schema and every value, null and bit (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyRowArb, { maxLength: 60 }), async (rs) => {
        const t = tableOf(rs);
        const back = await parquetToObservations(observationsToParquet(t));
        expect(typesOf(back)).toEqual(typesOf(t));
        expect(back.numRows).toBe(t.numRows);
        for (const c of OBSERVATION_COLUMNS) {
          const x = t.getChild(c)!,
            y = back.getChild(c)!;
          for (let i = 0; i < t.numRows; i++) expect(Object.is(x.get(i), y.get(i)), `${c}[${i}]: ${x.get(i)} vs ${y.get(i)}`).toBe(true);
        }
      }),
      { numRuns: 150, seed: SEED },
    );
  }, 30_000);

  it('the file carries the canonical Arrow schema, exactly (read back by arrow-rs from the footer)', () => {
    const t = tableOf([{ economy: 'KEN', indicator: 'internet_users_pct', year: 2021, value: 29.5, note: null }]);
    const bytes = observationsToParquet(t);
    expect(readParquetFooter(bytes).metadata.key_value_metadata?.map((k) => k.key)).toContain('ARROW:schema');
    expect(readParquetFooter(bytes).codecs).toEqual(['SNAPPY']);
    expect(typesOf(tableFromIPC(wasm.readParquet(bytes).intoIPCStream()))).toEqual([
      'economy:Dictionary<Int32, Utf8>',
      'indicator:Dictionary<Int32, Utf8>',
      'year:Int16',
      'value:Float64',
      'note:Dictionary<Int32, Utf8>',
      'source:Dictionary<Int32, Utf8>',
      'series_code:Dictionary<Int32, Utf8>',
      'derived_from:Dictionary<Int32, Utf8>',
      'submission_id:Dictionary<Int32, Utf8>',
      'line:Int32',
    ]);
  });

  it('the same table gives the same bytes (deterministic writer)', () => {
    const t = tableOf([
      { economy: 'KEN', indicator: 'i99H', year: 2021, value: 1.5, note: 'é' },
      { economy: 'UGA', indicator: 'i99H', year: 2020, value: 2 },
    ]);
    expect(Buffer.from(observationsToParquet(t)).equals(Buffer.from(observationsToParquet(t)))).toBe(true);
  });
});

/** Valid submissions: registry economies and indicators, values in range, unique keys. */
const obsArb = fc
  .record({
    economy: fc.constantFrom(...economies),
    ind: fc.constantFrom(...indicators),
    year: fc.integer({ min: 1960, max: 2026 }),
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
    note: textArb,
    source: textArb,
    series: textArb,
  })
  .map((o) => {
    const [lo, hi] = o.ind.range;
    const value = Math.min(hi, Math.max(lo, lo + (hi - lo) * o.frac));
    return {
      economy: o.economy,
      indicator: o.ind.id,
      year: o.year,
      value: Object.is(value, -0) ? 0 : value,
      note: o.note,
      source: o.source,
      series_code: o.series,
      price: isPriceIndicator(o.ind),
    };
  })
  // a price of exactly 0 is a placeholder, dropped at ingest (rule zero-price): not an observation to round-trip
  .filter((o) => !(o.price && o.value === 0))
  .map(({ price: _price, ...o }) => o);
const submissionArb = fc.uniqueArray(obsArb, { minLength: 1, maxLength: 40, selector: (o) => `${o.economy}|${o.indicator}|${o.year}` });
const COLS = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code'];

describe('Parquet ingest', () => {
  it('Arrow -> Parquet -> ingest is the identity on the observation table (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(submissionArb, async (obs) => {
        const text = csvRow(COLS) + obs.map((o) => csvRow(COLS.map((c) => (o as Record<string, unknown>)[c] as string))).join('');
        const r1 = await ingest(tmp.file(`p${++n}.csv`, text), { jumpFactor: 0 });
        expect(r1.status, JSON.stringify(r1.log.sorted().slice(0, 2))).toBe('accepted');
        const r2 = await ingest(tmp.file(`p${++n}.parquet`, observationsToParquet(r1.table)), { jumpFactor: 0 });
        expect(r2.format).toBe('parquet');
        expect(r2.status, JSON.stringify(r2.log.sorted().slice(0, 2))).toBe('accepted');
        const a = rows(r1.table, COLS),
          b = rows(r2.table, COLS);
        expect(b).toEqual(a);
        for (let i = 0; i < a.length; i++) expect(Object.is(a[i].value, b[i].value)).toBe(true);
        expect(rows(r2.table, ['line']).map((r) => r.line)).toEqual(obs.map((_, i) => i + 1)); // lines are row numbers, as for Arrow
      }),
      { numRuns: 80, seed: SEED },
    );
  }, 60_000);

  it('is detected from the content (PAR1), whatever the file is called', async () => {
    const t = tableOf([{ economy: 'KEN', indicator: 'internet_users_pct', year: 2021, value: 29.5 }]);
    const r = await ingest(tmp.file('submission.csv', observationsToParquet(t)));
    expect(r.format).toBe('parquet');
    expect(r.status).toBe('accepted');
    expect(r.accepted).toBe(1);
  });

  it('validates rows through the same rules as every format (row numbers as lines)', async () => {
    const t = tableOf([
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2021, value: 29.5 },
      { economy: 'XYZ', indicator: 'internet_users_pct', year: 2021, value: 10 },
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2020, value: 140 },
    ]);
    const r = await ingest(tmp.file(`v${++n}.parquet`, observationsToParquet(t)));
    expect(r.status).toBe('rejected');
    expect(findings(r, 'unknown-economy')[0]).toMatchObject({ line: 2, column: 'economy', value: 'XYZ' });
    expect(findings(r, 'out-of-range')[0]).toMatchObject({ line: 3, column: 'value', value: '140' });
  });

  it('a Parquet file without the canonical columns: bad-parquet, naming them', async () => {
    const t = tableFromArrays({ country: ['KEN'], value: Float64Array.from([1]) });
    const r = await ingest(tmp.file(`m${++n}.parquet`, observationsToParquet(t)));
    expect(r.status).toBe('rejected');
    expect(findings(r, 'bad-parquet')[0]).toMatchObject({ column: 'economy, indicator, year' });
    expect(findings(r, 'bad-parquet')[0].message).toMatch(/lacks the column\(s\) economy, indicator, year \(it has country, value\)/);
  });

  it('a truncated or corrupt file: bad-parquet, no exception', async () => {
    const good = observationsToParquet(tableOf([{ economy: 'KEN', indicator: 'i99H', year: 2021, value: 1 }]));
    for (const bytes of [
      good.subarray(0, good.length - 1),
      good.subarray(0, 40),
      Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(20, 0xff), Buffer.from('PAR1')]),
    ]) {
      const r = await ingest(tmp.file(`c${++n}.parquet`, bytes));
      expect(r.status).toBe('rejected');
      expect(findings(r, 'bad-parquet')).toHaveLength(1);
    }
    // pages corrupted after the magic: the footer reads, the decoding fails
    const bad = Buffer.from(good);
    for (let i = 8; i < 60; i++) bad[i] ^= 0x5a;
    const r = await ingest(tmp.file(`c${++n}.parquet`, bad));
    expect(r.status).toBe('rejected');
    expect(r.log.errors).toBeGreaterThan(0);
  });

  it('the footer is checked against the limits before decoding: rows, and uncompressed row-group bytes', async () => {
    const many = tableOf(Array.from({ length: 5000 }, (_, i) => ({ economy: 'KEN', indicator: 'i99H', year: 2000 + (i % 20), value: i * 1.000001 })));
    const bytes = observationsToParquet(many);
    const footer = readParquetFooter(bytes);
    expect(footer.rows).toBe(5000);
    const r1 = await ingest(tmp.file(`l${++n}.parquet`, bytes), { maxRows: 100 });
    expect(findings(r1, 'too-large')[0].message).toMatch(/footer gives 5,000 rows, above the 100 limit/);
    expect(r1.observationsRead).toBe(0); // refused before a row was decoded
    const decoded = footer.rowGroups.reduce((a, g) => a + g.bytes, 0);
    expect(decoded).toBeGreaterThan(bytes.length); // the limit below lets the file in but not its row groups
    const r2 = await ingest(tmp.file(`l${++n}.parquet`, bytes), { maxWholeFileBytes: bytes.length + 1 });
    expect(findings(r2, 'too-large')[0].message).toMatch(/row groups hold .* MiB uncompressed/);
    expect(r2.observationsRead).toBe(0);
  });
});

describe('Parquet from other writers, and hostile files', () => {
  const t = tableOf(
    Array.from({ length: 50 }, (_, i) => ({
      economy: ['KEN', 'UGA'][i % 2],
      indicator: 'internet_users_pct',
      year: 1990 + Math.floor(i / 2),
      value: i / 2,
      note: i % 5 ? null : `n${i}`,
    })),
  );
  const withCodec = (c: wasm.Compression) =>
    wasm.writeParquet(wasm.Table.fromIPCStream(tableToIPC(t, 'stream')), new wasm.WriterPropertiesBuilder().setCompression(c).build());

  it('reads GZIP and uncompressed files; refuses ZSTD with a clear message', async () => {
    for (const c of [wasm.Compression.GZIP, wasm.Compression.UNCOMPRESSED]) {
      const r = await ingest(tmp.file(`g${++n}.parquet`, withCodec(c)), { jumpFactor: 0 });
      expect(r.status, JSON.stringify(r.log.sorted().slice(0, 2))).toBe('accepted');
      expect(r.accepted).toBe(50);
    }
    const z = await ingest(tmp.file(`z${++n}.parquet`, withCodec(wasm.Compression.ZSTD)));
    expect(z.status).toBe('rejected');
    expect(findings(z, 'bad-parquet')[0].message).toMatch(/compression ZSTD is not read; write the file with snappy/);
  });

  it('caps the stated size of every page (GZIP inflated into a buffer of that size)', async () => {
    const bytes = withCodec(wasm.Compression.GZIP);
    await expect(readParquetColumns(bytes, readParquetFooter(bytes), 64)).rejects.toThrow(/a page states \d+ bytes uncompressed, above the 64-byte limit/);
  });

  it('reads what DuckDB writes (BIGINT years, VARCHAR codes, a DOUBLE value), and refuses a nested column', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const flat = join(tmp.dir, 'duckdb-flat.parquet'),
      nested = join(tmp.dir, 'duckdb-nested.parquet');
    try {
      await con.run(
        `COPY (SELECT * FROM (VALUES ('KEN', 'i99H', 2020::BIGINT, 25.5, 'ITU estimate'), ('UGA', 'i99H', 2021::BIGINT, 10.0, NULL)) v(economy, indicator, year, value, note)) TO '${flat}' (FORMAT parquet)`,
      );
      await con.run(`COPY (SELECT ['KEN'] AS economy, 'i99H' AS indicator, 2020 AS year, 1.0 AS value) TO '${nested}' (FORMAT parquet)`);
    } finally {
      con.closeSync();
      db.closeSync();
    }
    const r = await ingest(flat, { jumpFactor: 0 });
    expect(r.status, JSON.stringify(r.log.sorted().slice(0, 2))).toBe('accepted');
    expect(rows(r.table, ['economy', 'indicator', 'year', 'value', 'note'])).toEqual([
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2020, value: 25.5, note: 'ITU estimate' },
      { economy: 'UGA', indicator: 'internet_users_pct', year: 2021, value: 10, note: null },
    ]);
    const bad = await ingest(nested);
    expect(bad.status).toBe('rejected');
    expect(findings(bad, 'bad-parquet')[0].message).toMatch(/column\(s\) economy are nested/);
  });

  it('never throws and never breaks the reader on mutated files (fast-check); a good file reads afterwards', async () => {
    const good = observationsToParquet(t);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        fc.nat(good.length),
        async (flips, cut) => {
          const x = Uint8Array.from(good);
          for (const [at, b] of flips) x[at] = b;
          const r = await ingest(tmp.file(`f${++n}.parquet`, cut > good.length - 8 ? x : x.subarray(0, Math.max(4, cut))), { jumpFactor: 0 });
          expect(['accepted', 'rejected']).toContain(r.status);
          if (r.status === 'rejected') expect(r.log.errors).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300, seed: SEED },
    );
    const again = await ingest(tmp.file(`f${++n}.parquet`, good), { jumpFactor: 0 });
    expect(again.accepted).toBe(50);
  }, 60_000);
});

describe('readers we did not write', () => {
  const t = tableOf([
    { economy: 'KEN', indicator: 'internet_users_pct', year: 2021, value: 29.5, note: "Côte d'Ivoire — 😀", source: 'KNBS' },
    { economy: 'UGA', indicator: 'internet_users_pct', year: 2020, value: 10.25, note: null, source: null },
  ]);

  it('DuckDB reads our Parquet with the right types and values', async () => {
    const file = tmp.file('duck.parquet', observationsToParquet(t));
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      const types = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects().map((o) => `${o.column_name} ${o.column_type}`);
      expect(types).toEqual([
        'economy VARCHAR',
        'indicator VARCHAR',
        'year SMALLINT',
        'value DOUBLE',
        'note VARCHAR',
        'source VARCHAR',
        'series_code VARCHAR',
        'derived_from VARCHAR',
        'submission_id VARCHAR',
        'line INTEGER',
      ]);
      const got = (await con.runAndReadAll(`SELECT economy, year, value, note FROM read_parquet('${file}') ORDER BY economy`)).getRowObjects();
      expect(got).toEqual([
        { economy: 'KEN', year: 2021, value: 29.5, note: "Côte d'Ivoire — 😀" },
        { economy: 'UGA', year: 2020, value: 10.25, note: null },
      ]);
    } finally {
      con.closeSync();
      db.closeSync();
    }
  });

  const py = spawnSync('python3', ['-c', 'import pyarrow, pandas'], { encoding: 'utf8' });
  const havePyarrow = py.status === 0;
  if (!havePyarrow) console.warn(`skipped: pyarrow/pandas not importable here (pip install pandas pyarrow): ${py.stderr?.trim() || py.error?.message}`);
  it.skipIf(!havePyarrow)('pyarrow and pandas read our Parquet with the right types and values', () => {
    const file = tmp.file('py.parquet', observationsToParquet(t));
    const script = [
      'import sys, json, pyarrow.parquet as pq, pandas as pd',
      't = pq.read_table(sys.argv[1])',
      'df = pd.read_parquet(sys.argv[1])',
      'print(json.dumps({"schema": [f"{f.name}:{f.type}" for f in t.schema], "dtypes": [str(d) for d in df.dtypes], "values": df["value"].tolist(), "years": df["year"].tolist(), "note": df["note"].tolist()[0]}))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.schema).toEqual([
      'economy:dictionary<values=string, indices=int32, ordered=0>',
      'indicator:dictionary<values=string, indices=int32, ordered=0>',
      'year:int16',
      'value:double',
      'note:dictionary<values=string, indices=int32, ordered=0>',
      'source:dictionary<values=string, indices=int32, ordered=0>',
      'series_code:dictionary<values=string, indices=int32, ordered=0>',
      'derived_from:dictionary<values=string, indices=int32, ordered=0>',
      'submission_id:dictionary<values=string, indices=int32, ordered=0>',
      'line:int32',
    ]);
    expect(out.dtypes).toEqual(['category', 'category', 'int16', 'float64', 'category', 'category', 'category', 'category', 'category', 'int32']);
    expect(out.values).toEqual([29.5, 10.25]);
    expect(out.years).toEqual([2021, 2020]);
    expect(out.note).toBe("Côte d'Ivoire — 😀");
  });

  it.skipIf(!havePyarrow)('ingest reads what pandas writes (int64 years, object strings, snappy)', async () => {
    const file = join(tmp.dir, 'pandas.parquet');
    const script =
      'import sys, pandas as pd\npd.DataFrame({"economy": ["KEN", "UGA"], "indicator": ["i99H", "i99H"], "year": [2020, 2021], "value": [25.5, 10.0], "note": ["é", None]}).to_parquet(sys.argv[1])';
    const w = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
    expect(w.status, w.stderr).toBe(0);
    const r = await ingest(file, { jumpFactor: 0 });
    expect(r.status, JSON.stringify(r.log.sorted().slice(0, 2))).toBe('accepted');
    expect(rows(r.table, ['economy', 'year', 'value', 'note'])).toEqual([
      { economy: 'KEN', year: 2020, value: 25.5, note: 'é' },
      { economy: 'UGA', year: 2021, value: 10, note: null },
    ]);
  });
});

describe('CLI', () => {
  const BIN = cliEntry();
  it('ingest --out FILE.parquet, and series --format parquet', async () => {
    const csv = tmp.file('cli.csv', 'economy,indicator,year,value,note\nKEN,i99H,2020,25,"a, b"\nKEN,i99H,2021,29.5,\n');
    const out = join(tmp.dir, 'cli.parquet');
    const r = spawnSync(process.execPath, [BIN, 'ingest', csv, '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const back = await parquetToObservations(readFileSync(out));
    expect(rows(back, ['economy', 'indicator', 'year', 'value', 'note'])).toEqual([
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2020, value: 25, note: 'a, b' },
      { economy: 'KEN', indicator: 'internet_users_pct', year: 2021, value: 29.5, note: null },
    ]);
    const s = spawnSync(process.execPath, [BIN, 'series', '--economy', 'KEN', '--indicator', 'i99H', '--data', out, '--format', 'parquet'], {
      cwd: ROOT,
      maxBuffer: 64 << 20,
    });
    expect(s.status, s.stderr.toString()).toBe(0);
    const series = await parquetToObservations(new Uint8Array(s.stdout));
    expect(rows(series, ['year', 'value'])).toEqual([
      { year: 2020, value: 25 },
      { year: 2021, value: 29.5 },
    ]);
    expect(tableToIPC(series).byteLength).toBeGreaterThan(0);
  });
});
