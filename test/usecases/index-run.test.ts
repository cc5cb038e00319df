import { Float64, Int64, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ingestInput } from '../../src/ingest/inputs.js';
import { isCanonicalObservationTable } from '../../src/table/observations.js';
import { compare, recipeFromJson, regen, runIndex, runToJson, spearman, type IndexRun } from '../../src/usecases/index-run.js';

const bits = (a: Float64Array | Int32Array | Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const sameNumbers = (a: IndexRun, b: IndexRun): void => {
  for (const k of ['raw', 'imputed', 'normalised', 'aggregated'] as const) expect(bits(b.stages[k].values).equals(bits(a.stages[k].values)), k).toBe(true);
  expect(bits(b.stages.ranks.values).equals(bits(a.stages.ranks.values))).toBe(true);
  expect(bits(b.stages.status.codes).equals(bits(a.stages.status.codes))).toBe(true);
  expect(b.result).toEqual(a.result);
};

const methodology = {
  id: 'mini',
  name: 'two indicators',
  source: 'test',
  scale: 10,
  components: [
    { indicator: 'internet_users_pct', weight: 0.5, normalise: { method: 'ratio', reference: 100 } },
    { indicator: 'mobile_cell_p100', weight: 0.5, normalise: { method: 'goalposts', lower: 0, upper: 120 } },
  ],
};
const records = [
  { economy: 'KEN', indicator: 'internet_users_pct', year: 2022, value: 40 },
  { economy: 'KEN', indicator: 'mobile_cell_p100', year: 2022, value: 120 },
  { economy: 'UGA', indicator: 'internet_users_pct', year: 2022, value: 20 },
  { economy: 'UGA', indicator: 'mobile_cell_p100', year: 2022, value: 60 },
  { economy: 'TZA', indicator: 'internet_users_pct', year: 2022, value: 30 },
];

describe('an index run', () => {
  it('holds every stage, hand-checked: raw, imputed, normalised, aggregated, ranks, and a log', async () => {
    const run = await runIndex({ methodology, year: 2022, source: { kind: 'inputs', inputs: [{ records }] } });
    const e = run.stages.raw.economies,
      at = (iso3: string): number => e.indexOf(iso3);
    const nE = e.length;
    expect(run.stages.raw.rows).toEqual(['internet_users_pct', 'mobile_cell_p100']);
    expect(run.stages.raw.values[at('KEN')]).toBe(40);
    expect(run.stages.raw.values[nE + at('TZA')]).toBeNaN(); // TZA reports no mobile value
    expect(run.stages.normalised.values[at('UGA')]).toBe(0.2); // 20 / 100
    expect(run.stages.normalised.values[nE + at('UGA')]).toBe(0.5); // (60 - 0) / (120 - 0)
    // TZA: its one input, renormalised (the default missingIndicator rule): 30 / 100 = 0.3
    expect(run.stages.aggregated.values[at('TZA')]).toBeCloseTo(0.3, 15);
    expect(run.stages.ranks.values[at('KEN')]).toBe(1);
    expect(run.stages.ranks.values[at('TZA')]).toBe(3);
    expect(run.stages.status.names[run.stages.status.codes[nE + at('TZA')]]).toBe('missing');
    expect(run.log.map((l) => l.step)).toEqual(['methodology', 'load', 'data-year matrix', 'coverage', 'impute', 'normalise', 'aggregate', 'rank']);
    expect(run.log.find((l) => l.step === 'rank')!.detail).toMatch(/^3 economies ranked/);
  });

  it('serialised to JSON, regenerates from its recipe alone to the same numbers bit for bit (in-memory inputs travel in the JSON)', async () => {
    const run = await runIndex({ methodology, year: 2022, source: { kind: 'inputs', inputs: [{ records }] } });
    const json = JSON.parse(JSON.stringify(runToJson(run)));
    sameNumbers(run, await runIndex(recipeFromJson(json)));
  });

  it('the same identity on the bundled data, with the previous year (idi-2017, data year 2016)', async () => {
    const run = await runIndex({ methodology: 'idi-2017', year: 2016, previous: true });
    const json = JSON.parse(JSON.stringify(runToJson(run)));
    expect(json.source.fingerprint).toMatch(/^bundled:[0-9a-f]{16}$/);
    const again = await runIndex(recipeFromJson(json));
    sameNumbers(run, again);
    expect(again.previous).toEqual(run.previous);
  });

  it('regen changes one thing; compare sets two runs side by side (hand-worked)', async () => {
    const run = await runIndex({ methodology, year: 2022, source: { kind: 'inputs', inputs: [{ records }] } });
    const wider = structuredClone(methodology);
    wider.components[1].normalise.upper = 150;
    const other = await regen(run, { methodology: wider });
    const c = compare(run, other);
    // KEN: (0.4 + 120/120) / 2 = 0.7 -> (0.4 + 120/150) / 2 = 0.6, x10: 7 -> 6; UGA: (0.2 + 0.5) / 2 = 0.35 -> (0.2 + 0.4) / 2 = 0.3; TZA unchanged.
    const by = new Map(c.economies.map((r) => [r.economy, r]));
    expect(by.get('KEN')!.difference).toBeCloseTo(-1, 12);
    expect(by.get('UGA')!.difference).toBeCloseTo(-0.5, 12);
    expect(by.get('TZA')!.difference).toBe(0);
    expect(c.common).toBe(3);
    expect(c.largest[0].economy).toBe('KEN');
    expect(c.spearman).toBe(1); // the order does not change
    expect(c.meanAbsoluteDifference).toBeCloseTo(0.5, 12);
  });

  it('spearman: ties share their average rank (hand-worked)', () => {
    // x ranks 1, 2, 3, 4; y = 10, 20, 20, 5 -> ranks 2, 3.5, 3.5, 1: rho = 0.2 / sqrt(5 * 4.5) * ... computed by hand below.
    // mean rank 2.5; dx = -1.5, -0.5, 0.5, 1.5; dy = -0.5, 1, 1, -1.5; sum dx dy = 0.75 - 0.5 + 0.5 - 2.25 = -1.5;
    // sum dx^2 = 5; sum dy^2 = 0.25 + 1 + 1 + 2.25 = 4.5; rho = -1.5 / sqrt(22.5)
    expect(spearman([1, 2, 3, 4], [10, 20, 20, 5])).toBeCloseTo(-1.5 / Math.sqrt(22.5), 14);
  });
});

describe('an Arrow table from elsewhere', () => {
  it('a plain-Utf8 table with int64 years (as pandas/pyarrow write it) gives the same run as the dictionary-encoded one', async () => {
    const plain = new Table({
      economy: vectorFromArray(
        records.map((r) => r.economy),
        new Utf8(),
      ),
      indicator: vectorFromArray(
        records.map((r) => r.indicator),
        new Utf8(),
      ),
      year: makeVector(BigInt64Array.from(records, (r) => BigInt(r.year))),
      value: vectorFromArray(
        records.map((r) => r.value),
        new Float64(),
      ),
    });
    expect(plain.schema.fields.find((f) => f.name === 'year')!.type).toBeInstanceOf(Int64);
    expect(isCanonicalObservationTable(plain)).toBe(false);
    const canonical = (await ingestInput({ records })).table;
    expect(isCanonicalObservationTable(canonical)).toBe(true);
    const reference = await runIndex({ methodology, year: 2022, source: { kind: 'observations', table: canonical } });
    expect(reference.result.coverage.ranked).toBe(3);
    sameNumbers(reference, await runIndex({ methodology, year: 2022, source: { kind: 'observations', table: plain } }));
    sameNumbers(reference, await runIndex({ methodology, year: 2022, source: { kind: 'inputs', inputs: [{ table: plain }] } }));
  });
});
