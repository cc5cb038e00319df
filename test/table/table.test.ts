import { describe, expect, it } from 'vitest';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { ObservationBuilder, OBSERVATION_COLUMNS, observationRows } from '../../src/table/observations.js';
import { deriveIndicator, mergeByPrecedence, selectObservations } from '../../src/table/combine.js';
import { observationsToCsv } from '../../src/table/io.js';
import { compileFormula } from '../../src/registry/formula.js';
import { loadBundled } from '../../src/ingest/bundled.js';

function table(rows: Array<[string, string, number, number, string?]>, source = 'S') {
  const b = new ObservationBuilder(2);
  for (const [economy, indicator, year, value, note] of rows) b.append({ economy, indicator, year, value, note, source, line: 1 });
  return b.toTable();
}

describe('observation table', () => {
  it('has the canonical schema, dictionary-encoded codes and nulls where a note is missing', () => {
    const t = table([
      ['KEN', 'population', 2020, 5e7, 'census'],
      ['UGA', 'population', 2020, 4.5e7],
    ]);
    expect(t.schema.fields.map((f) => f.name)).toEqual([...OBSERVATION_COLUMNS]);
    expect(String(t.schema.fields[0].type)).toBe('Dictionary<Int32, Utf8>');
    expect(String(t.getChild('year')!.type)).toBe('Int16');
    expect(String(t.getChild('value')!.type)).toBe('Float64');
    expect(t.getChild('note')!.get(0)).toBe('census');
    expect(t.getChild('note')!.get(1)).toBeNull();
    expect(t.getChild('derived_from')!.nullCount).toBe(2);
  });

  it('grows past its initial capacity and survives Arrow IPC (file and stream)', () => {
    const b = new ObservationBuilder(16);
    for (let i = 0; i < 1000; i++) b.append({ economy: i % 2 ? 'KEN' : 'UGA', indicator: 'population', year: 1960 + (i % 60), value: i + 0.25, line: i + 2 });
    const t = b.toTable();
    for (const format of ['file', 'stream'] as const) {
      const back = tableFromIPC(tableToIPC(t, format));
      expect(observationRows(back)).toEqual(observationRows(t));
    }
    expect(t.getChild('line')!.get(999)).toBe(1001);
  });

  it('keeps only the rows of a mask', () => {
    const b = new ObservationBuilder();
    b.append({ economy: 'KEN', indicator: 'population', year: 2020, value: 1 });
    b.append({ economy: 'UGA', indicator: 'population', year: 2020, value: 2 });
    const t = b.toTable(Uint8Array.of(0, 1));
    expect(t.numRows).toBe(1);
    expect(t.getChild('economy')!.get(0)).toBe('UGA');
  });

  it('writes canonical CSV with quoting', () => {
    const t = table([['KEN', 'population', 2020, 1.5, 'a "quoted", note']]);
    expect(observationsToCsv(t, ['economy', 'year', 'value', 'note'])).toBe('economy,year,value,note\nKEN,2020,1.5,"a ""quoted"", note"\n');
  });
});

describe('merge, select, derive', () => {
  it("keeps the first source's value for each economy, indicator and year", () => {
    const a = table([['KEN', 'population', 2020, 1]], 'first');
    const b = table(
      [
        ['KEN', 'population', 2020, 2],
        ['KEN', 'population', 2021, 3],
      ],
      'second',
    );
    const merged = observationRows(mergeByPrecedence([a, b]));
    expect(merged.map((r) => [r.year, r.value, r.source])).toEqual([
      [2020, 1, 'first'],
      [2021, 3, 'second'],
    ]);
    expect(mergeByPrecedence([a, b], false).numRows).toBe(3);
  });

  it('selects and orders by economy, indicator and year', () => {
    const t = table([
      ['UGA', 'population', 2021, 1],
      ['KEN', 'population', 2021, 2],
      ['KEN', 'population', 2019, 3],
      ['KEN', 'mobile_bb_p100', 2020, 4],
    ]);
    const s = observationRows(selectObservations(t, { economies: ['KEN'], indicators: ['population'], from: 2019, to: 2021 }));
    expect(s.map((r) => r.year)).toEqual([2019, 2021]);
    expect(observationRows(selectObservations(t, {})).map((r) => r.value)).toEqual([4, 3, 2, 1]);
  });

  it('derives where every input exists, with provenance', () => {
    const t = table([
      ['KEN', 'fixed_bb_subs', 2020, 500],
      ['KEN', 'population', 2020, 1000],
      ['KEN', 'fixed_bb_subs', 2021, 700],
      ['UGA', 'population', 2021, 10],
    ]);
    const d = observationRows(deriveIndicator(t, 'fixed_bb_p100', compileFormula('fixed_bb_subs / population * 100')));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ economy: 'KEN', indicator: 'fixed_bb_p100', year: 2020, value: 50, derived_from: 'fixed_bb_subs,population', line: 0 });
    expect(d[0].source).toBe('fixed_bb_subs: S; population: S');
  });
});

describe('bundled data', () => {
  it('loads one indicator from every source that has it, by precedence', async () => {
    const t = await loadBundled({ indicators: ['fixed_bb_p100'] });
    const all = await loadBundled({ indicators: ['fixed_bb_p100'], allSources: true });
    expect(all.numRows).toBeGreaterThan(t.numRows);
    const deu = observationRows(selectObservations(t, { economies: ['DEU'], from: 2015, to: 2015 }));
    expect(deu).toHaveLength(1);
    expect(deu[0].series_code).toBe('i992b'); // ITU DataHub before WDI
  });
});
