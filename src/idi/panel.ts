import type { Table, Vector } from 'apache-arrow';
import type { CompiledFormula } from '../registry/formula.js';
import { isCanonicalObservationTable } from '../table/observations.js';
import { type ColumnData, dictionaryStrings, rowValues } from '../table/data-view.js';

/**
 * A dense economies x indicators x years cube built straight from an observation table's columns:
 * values[(indicator * nYears + year) * nEconomies + economy], NaN where there is no observation (the
 * validity mask). Indicator-and-year slices are contiguous over economies, the kernel's layout.
 */
export interface Panel {
  economies: string[];
  indicators: string[];
  firstYear: number;
  nYears: number;
  values: Float64Array;
  /** 1 where the value was computed from a derived indicator's formula (not reported). */
  derived: Uint8Array;
  /** 1 where the observation's note or source marks it as an estimate (the `EstimateMarker`), not an official value. */
  estimated: Uint8Array;
}

/**
 * What marks an observation as an estimate rather than an official value: a text at the start (case-insensitive) of
 * one of its text columns. ITU's marks: "ITU estimate." in the DataHub exports' source; the note "ITU estimate" the
 * datasets script gives Annex 2's `est` flag and the Core Household workbook's italics.
 */
export interface EstimateMarker {
  prefixes: readonly string[];
  columns: readonly ('source' | 'note')[];
}

/** Whether a source or note text marks an estimate (case-insensitive prefix). */
export function marksEstimate(text: string | null | undefined, prefixes: readonly string[]): boolean {
  if (!text) return false;
  const t = text.trimStart().toLowerCase();
  return prefixes.some((p) => t.startsWith(p.toLowerCase()));
}

export function panelIndex(p: Panel, indicator: number, year: number, economy: number): number {
  return (indicator * p.nYears + (year - p.firstYear)) * p.economies.length + economy;
}

/**
 * `estimate`: observations it marks (e.g. source or note starting "ITU estimate") are marked in `estimated` (an
 * inclusion rule may count official values only).
 */
export function buildPanel(
  table: Table,
  economies: readonly string[],
  indicators: readonly string[],
  firstYear: number,
  lastYear: number,
  estimate?: EstimateMarker,
): Panel {
  const nE = economies.length,
    nI = indicators.length,
    nY = lastYear - firstYear + 1;
  const values = new Float64Array(nI * nY * nE).fill(NaN);
  const estimated = new Uint8Array(values.length);
  const markCols = (estimate?.columns ?? []).map((c) => table.getChild(c)).filter((c): c is Vector => c !== null);
  const econIndex = new Map(economies.map((e, k) => [e, k]));
  const indIndex = new Map(indicators.map((id, k) => [id, k]));
  const econCol = table.getChild('economy'),
    indCol = table.getChild('indicator'),
    yearCol = table.getChild('year'),
    valueCol = table.getChild('value');
  if (!econCol || !indCol || !yearCol || !valueCol) throw new Error('not an observation table');
  // The loop reads dictionary codes and typed arrays directly: any other layout would read as all missing.
  if (!isCanonicalObservationTable(table))
    throw new Error(
      'buildPanel needs the canonical observation table (dictionary-encoded economy and indicator, int16 year, float64 value): ingest other tables first',
    );
  // Walk the record batches: dictionary codes are mapped to panel indices once per batch's dictionary.
  for (let b = 0; b < econCol.data.length; b++) {
    const ed = econCol.data[b],
      id = indCol.data[b];
    const n = ed.length;
    const eCodes = dictionaryCodes(ed),
      iCodes = dictionaryCodes(id);
    const eMap = Int32Array.from(dictionaryStrings(ed), (s) => econIndex.get(s as string) ?? -1);
    const iMap = Int32Array.from(dictionaryStrings(id), (s) => indIndex.get(s as string) ?? -1);
    const years = columnValues(yearCol.data[b]) as Int16Array,
      vals = columnValues(valueCol.data[b]) as Float64Array;
    // Notes and sources are dictionaries too: the estimate test runs once per distinct text, then per row on its code.
    const marks = markCols.map((c) => {
      const d = c.data[b];
      return {
        codes: dictionaryCodes(d),
        nulls: d.nullBitmap && d.nullCount > 0 ? d : undefined,
        hit: Uint8Array.from(dictionaryStrings(d), (t) => (marksEstimate(t as string, estimate!.prefixes) ? 1 : 0)),
      };
    });
    for (let r = 0; r < n; r++) {
      const e = eMap[eCodes[r]],
        i = iMap[iCodes[r]],
        y = years[r] - firstYear;
      if (e < 0 || i < 0 || y < 0 || y >= nY) continue;
      const at = (i * nY + y) * nE + e;
      values[at] = vals[r];
      estimated[at] = 0; // a later row of the same cell (a merged table's winner) decides
      for (const mk of marks) if ((!mk.nulls || mk.nulls.getValid(r)) && mk.hit[mk.codes[r]] === 1) estimated[at] = 1;
    }
  }
  return { economies: [...economies], indicators: [...indicators], firstYear, nYears: nY, values, derived: new Uint8Array(values.length), estimated };
}

/** The typed array behind one batch of a column (dictionary codes for dictionary columns), one element per row. */
const columnValues = (data: ColumnData): Int32Array | Int16Array | Float64Array => rowValues(data);
const dictionaryCodes = (data: ColumnData): Int32Array => rowValues<Int32Array>(data);

/**
 * Fill the cells of derived indicators (e.g. fixed_bb_p100 = fixed_bb_subs / population * 100) that were
 * not reported, from their inputs in the same panel: the compiled formula runs once over each year's
 * contiguous slices. The inputs must be rows of the panel.
 */
export function fillDerived(p: Panel, indicator: string, formula: CompiledFormula): number {
  const k = p.indicators.indexOf(indicator);
  const inputs = formula.inputs.map((id) => p.indicators.indexOf(id));
  if (k < 0 || inputs.some((i) => i < 0)) return 0;
  const nE = p.economies.length;
  const out = new Float64Array(nE);
  let filled = 0;
  for (let y = 0; y < p.nYears; y++) {
    formula.kernel(
      inputs.map((i) => p.values.subarray((i * p.nYears + y) * nE, (i * p.nYears + y + 1) * nE)),
      out,
    );
    const base = (k * p.nYears + y) * nE;
    for (let e = 0; e < nE; e++) {
      if (!Number.isNaN(p.values[base + e]) || !Number.isFinite(out[e])) continue;
      p.values[base + e] = out[e];
      p.derived[base + e] = 1;
      // A value computed from an estimate is an estimate.
      for (const i of inputs) if (p.estimated[(i * p.nYears + y) * nE + e]) p.estimated[base + e] = 1;
      filled++;
    }
  }
  return filled;
}
