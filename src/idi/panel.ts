import type { Table, Vector } from 'apache-arrow';
import type { CompiledFormula } from '../registry/formula.js';
import { isCanonicalObservationTable } from '../table/observations.js';

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
  /** 1 where the observation's note marks it as an estimate (`estimateNote`), not an official value. */
  estimated: Uint8Array;
}

export function panelIndex(p: Panel, indicator: number, year: number, economy: number): number {
  return (indicator * p.nYears + (year - p.firstYear)) * p.economies.length + economy;
}

/**
 * `estimateNote`: observations whose note starts with it (case-insensitive; e.g. "ITU estimate") are marked in
 * `estimated` (an inclusion rule may count official values only).
 */
export function buildPanel(
  table: Table,
  economies: readonly string[],
  indicators: readonly string[],
  firstYear: number,
  lastYear: number,
  estimateNote?: string,
): Panel {
  const nE = economies.length,
    nI = indicators.length,
    nY = lastYear - firstYear + 1;
  const values = new Float64Array(nI * nY * nE).fill(NaN);
  const estimated = new Uint8Array(values.length);
  const noteCol = estimateNote ? table.getChild('note') : null,
    prefix = estimateNote?.toLowerCase();
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
    const eMap = Int32Array.from(dictionaryStrings(ed), (s) => econIndex.get(s) ?? -1);
    const iMap = Int32Array.from(dictionaryStrings(id), (s) => indIndex.get(s) ?? -1);
    const years = columnValues(yearCol.data[b]) as Int16Array,
      vals = columnValues(valueCol.data[b]) as Float64Array;
    // Notes are a dictionary too: the estimate test runs once per distinct note, then per row on its code (-1 = null).
    const nd = noteCol?.data[b];
    const nCodes = nd ? dictionaryCodes(nd) : undefined,
      nValid = nd?.nullBitmap && nd.nullCount > 0 ? nd : undefined;
    const isEstimate = nd ? Uint8Array.from(dictionaryStrings(nd), (s) => (s?.toLowerCase().startsWith(prefix!) ? 1 : 0)) : undefined;
    for (let r = 0; r < n; r++) {
      const e = eMap[eCodes[r]],
        i = iMap[iCodes[r]],
        y = years[r] - firstYear;
      if (e < 0 || i < 0 || y < 0 || y >= nY) continue;
      const at = (i * nY + y) * nE + e;
      values[at] = vals[r];
      if (isEstimate && (!nValid || nValid.getValid(r)) && isEstimate[nCodes![r]] === 1) estimated[at] = 1;
    }
  }
  return { economies: [...economies], indicators: [...indicators], firstYear, nYears: nY, values, derived: new Uint8Array(values.length), estimated };
}

/** The typed array behind one batch of a column (dictionary codes for dictionary columns), offset applied. */
function columnValues(data: { values: unknown; offset: number; length: number }): Int32Array | Int16Array | Float64Array {
  const v = data.values as Int32Array | Int16Array | Float64Array;
  return v.subarray(data.offset, data.offset + data.length);
}
const dictionaryCodes = (data: { values: unknown; offset: number; length: number }): Int32Array => columnValues(data) as Int32Array;

function dictionaryStrings(data: { dictionary?: Vector }): string[] {
  return data.dictionary ? (data.dictionary.toArray() as string[]) : [];
}

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
      filled++;
    }
  }
  return filled;
}
