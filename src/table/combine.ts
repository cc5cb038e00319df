import type { Table } from 'apache-arrow';
import type { CompiledFormula } from '../registry/formula.js';
import { isCanonicalObservationTable, ObservationBuilder, OBSERVATION_COLUMNS, type ObservationRow } from './observations.js';
import { rowValues } from './data-view.js';

const YEAR_SPAN = 4096; // years fit in 12 bits of a (series, year) key

/**
 * Concatenate observation tables in precedence order, keeping for each (economy, indicator, year) the
 * value of the first table that has one: how the bundled sources and later revisions are layered.
 * With `dedupe` false, every row of every table is kept (one table, one set of dictionaries).
 */
export function mergeByPrecedence(tables: readonly Table[], dedupe = true): Table {
  const total = tables.reduce((n, t) => n + t.numRows, 0);
  const out = new ObservationBuilder(total);
  const seen = new Set<string>();
  for (const t of tables) {
    const cols = OBSERVATION_COLUMNS.map((c) => t.getChild(c));
    const [econ, ind, year] = cols;
    for (let i = 0; i < t.numRows; i++) {
      const key = `${econ!.get(i)}\u0000${ind!.get(i)}\u0000${year!.get(i)}`;
      if (dedupe) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      out.append(rowAt(cols, i));
    }
  }
  return out.toTable();
}

/**
 * Compute a derived indicator wherever every input has a value for the same economy and year: the
 * inputs are aligned on (economy, year) into Float64Array columns and the formula's compiled kernel
 * runs once over them. Each derived row records its formula and inputs in `derived_from`.
 */
export function deriveIndicator(table: Table, id: string, formula: CompiledFormula): Table {
  const econ = table.getChild('economy')!,
    ind = table.getChild('indicator')!,
    year = table.getChild('year')!,
    value = table.getChild('value')!;
  const econIndex = new Map<string, number>();
  const econNames: string[] = [];
  const inputs = formula.inputs;
  const perInput = inputs.map(() => new Map<number, number>());
  const sources = inputs.map(() => new Map<number, string>());
  const src = table.getChild('source');
  for (let i = 0; i < table.numRows; i++) {
    const k = inputs.indexOf(ind.get(i));
    if (k < 0) continue;
    const e = econ.get(i) as string;
    let ei = econIndex.get(e);
    if (ei === undefined) econIndex.set(e, (ei = econNames.push(e) - 1));
    const key = ei * YEAR_SPAN + (year.get(i) as number);
    perInput[k].set(key, value.get(i) as number);
    const s = src?.get(i);
    if (s) sources[k].set(key, s);
  }
  const keys = [...perInput[0].keys()].filter((key) => perInput.every((m) => m.has(key))).sort((a, b) => a - b);
  const columns = perInput.map((m) => Float64Array.from(keys, (key) => m.get(key)!));
  const out = new Float64Array(keys.length);
  formula.kernel(columns, out);
  const b = new ObservationBuilder(keys.length);
  for (let r = 0; r < keys.length; r++) {
    if (!Number.isFinite(out[r])) continue;
    const key = keys[r];
    b.append({
      economy: econNames[Math.floor(key / YEAR_SPAN)],
      indicator: id,
      year: key % YEAR_SPAN,
      value: out[r],
      note: `derived: ${id} = ${formula.expression}`,
      source: inputs.map((inp, k) => `${inp}: ${sources[k].get(key) ?? 'no source given'}`).join('; '),
      derived_from: inputs.join(','),
      line: 0,
    });
  }
  return b.toTable();
}

export interface SeriesQuery {
  economies?: readonly string[];
  indicators?: readonly string[];
  from?: number;
  to?: number;
}

/** The rows that match a query, ordered by economy, indicator and year. */
export function selectObservations(table: Table, q: SeriesQuery): Table {
  const econ = table.getChild('economy')!,
    ind = table.getChild('indicator')!,
    year = table.getChild('year')!;
  const econs = q.economies ? new Set(q.economies) : undefined,
    inds = q.indicators ? new Set(q.indicators) : undefined;
  const from = q.from ?? -Infinity,
    to = q.to ?? Infinity;
  let rows = matchingRows(table, econs, inds, from, to);
  if (!rows) {
    rows = [];
    for (let i = 0; i < table.numRows; i++) {
      const y = year.get(i) as number;
      if (y < from || y > to) continue;
      if (econs && !econs.has(econ.get(i))) continue;
      if (inds && !inds.has(ind.get(i))) continue;
      rows.push(i);
    }
  }
  const e = rows.map((i) => econ.get(i) as string),
    k = rows.map((i) => ind.get(i) as string),
    yr = rows.map((i) => year.get(i) as number);
  const order = rows.map((_, j) => j).sort((a, b) => (e[a] < e[b] ? -1 : e[a] > e[b] ? 1 : k[a] < k[b] ? -1 : k[a] > k[b] ? 1 : yr[a] - yr[b]));
  const cols = OBSERVATION_COLUMNS.map((c) => table.getChild(c));
  const out = new ObservationBuilder(rows.length);
  for (const j of order) out.append(rowAt(cols, rows[j]));
  return out.toTable();
}

const isCanonicalSingleBatch = (table: Table): boolean =>
  table.batches.length === 1 && isCanonicalObservationTable(table) && ['economy', 'indicator', 'year'].every((c) => table.getChild(c)!.data[0].nullCount === 0);

/**
 * The rows of a single-batch canonical table (no nulls in its keys) that match, found on the columns' memory: year
 * values and dictionary codes, the wanted strings looked up once per dictionary entry instead of decoded per row
 * (a `series` over the snapshot's thousands of rows spent more on that than on everything else). Undefined for any
 * other table: the caller then reads it row by row.
 */
function matchingRows(table: Table, econs: Set<unknown> | undefined, inds: Set<unknown> | undefined, from: number, to: number): number[] | undefined {
  if (!isCanonicalSingleBatch(table)) return undefined;
  const codes = (name: string, wanted: Set<unknown> | undefined): { codes: Int32Array; keep: Uint8Array } | undefined => {
    if (!wanted) return undefined;
    const data = table.getChild(name)!.data[0];
    const dict = data.dictionary!;
    const keep = new Uint8Array(dict.length);
    for (let d = 0; d < dict.length; d++) keep[d] = wanted.has(dict.get(d)) ? 1 : 0;
    return { codes: rowValues<Int32Array>(data), keep };
  };
  const e = codes('economy', econs),
    k = codes('indicator', inds);
  const yd = table.getChild('year')!.data[0];
  const years = rowValues<Int16Array>(yd);
  const rows: number[] = [];
  for (let i = 0; i < years.length; i++) {
    const y = years[i];
    if (y < from || y > to) continue;
    if (e && !e.keep[e.codes[i]]) continue;
    if (k && !k.keep[k.codes[i]]) continue;
    rows.push(i);
  }
  return rows;
}

/** Row i of an observation table's columns (in OBSERVATION_COLUMNS order), for copying between tables. */
function rowAt(cols: ReadonlyArray<{ get(i: number): unknown } | null>, i: number): ObservationRow {
  const r: Record<string, unknown> = {};
  for (let c = 0; c < OBSERVATION_COLUMNS.length; c++) r[OBSERVATION_COLUMNS[c]] = cols[c]?.get(i) ?? null;
  return r as unknown as ObservationRow;
}
