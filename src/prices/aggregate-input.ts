/**
 * Inputs of `ictstat prices aggregate`: an ITU release file (groups from its own membership columns) or a
 * dataset — a directory such as `datasets/itu-prices-2022`, or observation files in any ingest format —
 * (groups from the registry groupings). The group definitions are data: indicators/baskets/aggregation/*.json.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataType, type Table, type Vector } from 'apache-arrow';
import { ingestFile } from '../ingest/ingest.js';
import { formatFinding } from '../ingest/findings.js';
import { loadGroupings } from '../registry/groupings.js';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { mergeByPrecedence } from '../table/combine.js';
import { parseCsvObjects } from '../util/csv-parse.js';
import { UserInputError } from '../util/errors.js';
import { datasetsDir, indicatorsDir } from '../util/paths.js';
import type { BasketPanel, GroupSpec, MedianWindow } from './aggregate.js';
import { looksLikePriceRelease, parsePriceRelease, releasePanels, type PriceRelease } from './release.js';
import { dictionaryStrings, isValidRow, rowValues } from '../table/data-view.js';

interface ReleaseGroupDef {
  group: string;
  values?: string[];
  all?: boolean;
}
export interface AggregationSpec {
  id: string;
  source: string;
  /** A workbook release: the name of its per-economy sheet, which selects this spec. */
  economies_sheet?: string;
  /** The release's medians sheets as windows (each reproduced on its own). */
  windows?: MedianWindow[];
  release: Array<{ grouping: string; column?: string; groups: ReleaseGroupDef[] }>;
  registry: { groupings: string[] };
  /** Values ITU's medians include that the per-economy sheet does not show, each from a bundled dataset, with its source. */
  supplements?: MedianSupplement[];
}

/**
 * Values a release's medians sheet counts and its per-economy sheet lacks: `codes` (sheet code -> indicator id, the
 * file `<id>.csv` of the bundled dataset `from_dataset`) either as the rows of an economy the sheet does not have
 * (`economy`, with its membership columns), or filling the sheet's empty cells of those codes where the economy-year
 * has a value of `fill_where_present` (another code of the sheet).
 */
export interface MedianSupplement {
  what: string;
  source: string;
  from_dataset: string;
  codes: Record<string, string>;
  economy?: { iso3: string; name: string; columns: Record<string, string> };
  fill_where_present?: string;
}

/** Applies the spec's supplements to a workbook release (rows added, empty cells filled); one note per supplement. */
export function applySupplements(release: PriceRelease, spec: AggregationSpec): string[] {
  const notes: string[] = [];
  const yearIndex = new Map(release.years.map((y, k) => [y, k]));
  for (const sup of spec.supplements ?? []) {
    let used = 0;
    for (const [code, indicator] of Object.entries(sup.codes)) {
      const file = join(datasetsDir(), sup.from_dataset, `${indicator}.csv`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new UserInputError(`aggregation spec ${spec.id}: supplement "${sup.what}": cannot read ${file}: ${(e as Error).message}`);
      }
      const byEconomy = new Map<string, Map<number, number>>();
      for (const r of parseCsvObjects(text).rows) {
        const v = Number(r.get('value'));
        if (r.get('value') === '' || !Number.isFinite(v)) continue;
        const eco = r.get('economy');
        if (!byEconomy.has(eco)) byEconomy.set(eco, new Map());
        byEconomy.get(eco)!.set(Number(r.get('year')), v);
      }
      const template = release.economies.find((r) => r.basketCurrent === code);
      if (!template) throw new UserInputError(`aggregation spec ${spec.id}: supplement "${sup.what}": the sheet has no code "${code}"`);
      if (sup.economy) {
        const values = new Float64Array(release.years.length).fill(NaN);
        for (const [y, v] of byEconomy.get(sup.economy.iso3) ?? []) {
          const k = yearIndex.get(y);
          if (k !== undefined) {
            values[k] = v;
            used++;
          }
        }
        release.economies.push({ ...template, line: 0, iso3: sup.economy.iso3, name: sup.economy.name, columns: sup.economy.columns, values });
      } else if (sup.fill_where_present) {
        const present = new Map(release.economies.filter((r) => r.basketCurrent === sup.fill_where_present).map((r) => [r.iso3, r.values]));
        for (const row of release.economies) {
          if (row.basketCurrent !== code) continue;
          const other = present.get(row.iso3);
          const supplied = byEconomy.get(row.iso3);
          if (!other || !supplied) continue;
          for (let k = 0; k < release.years.length; k++) {
            const v = supplied.get(release.years[k]);
            if (Number.isNaN(row.values[k]) && !Number.isNaN(other[k]) && v !== undefined) {
              row.values[k] = v;
              used++;
            }
          }
        }
      }
    }
    notes.push(`${spec.id}: ${used} values from datasets/${sup.from_dataset}: ${sup.what}`);
  }
  return notes;
}

export function loadAggregationSpec(path = join(indicatorsDir(), 'baskets', 'aggregation', 'itu-medians-2022.json')): AggregationSpec {
  let spec: AggregationSpec;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserInputError(`${path}: cannot read the aggregation groups: ${(e as Error).message}`);
  }
  if (!Array.isArray(spec.release) || !spec.registry || !Array.isArray(spec.registry.groupings) || typeof spec.source !== 'string')
    throw new UserInputError(`${path}: expected {"id", "source", "release": [...], "registry": {"groupings": [...]}}`);
  (spec.supplements ?? []).forEach((s, k) => {
    const ok =
      typeof s.what === 'string' &&
      typeof s.source === 'string' &&
      typeof s.from_dataset === 'string' &&
      !!s.codes &&
      typeof s.codes === 'object' &&
      !!s.economy !== !!s.fill_where_present;
    if (!ok)
      throw new UserInputError(
        `${path}: field "supplements[${k}]": expected {"what", "source", "from_dataset", "codes": {sheet code: indicator id}} and either "economy" or "fill_where_present" [bad-aggregation-spec]`,
      );
  });
  return spec;
}

/** Groups from the release's own membership columns (ITURegion, LDC, LLDC, SIDS, Income_2021). */
export function releaseGroupSpecs(release: PriceRelease, spec: AggregationSpec): GroupSpec[] {
  const all = new Set(release.economies.map((r) => r.iso3));
  return spec.release.map((g) => ({
    grouping: g.grouping,
    groups: g.groups.map((d) => {
      if (d.all) return { group: d.group, members: all };
      if (!g.column) throw new UserInputError(`aggregation spec ${spec.id}: grouping "${g.grouping}" needs a "column"`);
      const wanted = new Set(d.values ?? [d.group]);
      return { group: d.group, members: new Set(release.economies.filter((r) => wanted.has(r.columns[g.column!])).map((r) => r.iso3)) };
    }),
  }));
}

/** World (every economy of the series) and the registry groupings named by the spec, groups as named there. */
export function registryGroupSpecs(economies: Iterable<string>, spec: AggregationSpec): GroupSpec[] {
  const groupings = loadGroupings();
  const out: GroupSpec[] = [{ grouping: 'World', groups: [{ group: 'World', members: new Set(economies) }] }];
  for (const id of spec.registry.groupings) {
    const g = groupings.get(id);
    const byGroup = new Map<string, Set<string>>();
    for (const [iso3, group] of g.groups) {
      let s = byGroup.get(group);
      if (!s) byGroup.set(group, (s = new Set()));
      s.add(iso3);
    }
    out.push({ grouping: id, groups: [...byGroup].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([group, members]) => ({ group, members })) });
  }
  return out;
}

/**
 * Price-basket panels from an observation table: one panel per registry price indicator present, named by its
 * basket id and unit (usd | ppp | gni_pct), over the years in which it has values. Vectorised over the columns.
 */
export function panelsFromObservations(table: Table): BasketPanel[] {
  const reg = loadIndicatorRegistry();
  const n = table.numRows;
  const ind = codesOf(table.getChild('indicator')!),
    eco = codesOf(table.getChild('economy')!);
  const years = table.getChild('year')!.toArray() as Int16Array;
  const values = table.getChild('value')!.toArray() as Float64Array;
  // Row indices per price indicator (by dictionary code: no string per row).
  const rowsOf = new Map<number, number[]>();
  const isPrice = ind.dictionary.map((id) => id !== null && !!reg.find(id)?.basket);
  for (let i = 0; i < n; i++) {
    const c = ind.codes[i];
    if (c < 0 || !isPrice[c]) continue;
    let list = rowsOf.get(c);
    if (!list) rowsOf.set(c, (list = []));
    list.push(i);
  }
  const panels: BasketPanel[] = [];
  for (const [id, rows] of [...rowsOf].map(([c, r]) => [ind.dictionary[c]!, r] as const).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const def = reg.get(id);
    const ecoList = [...new Set(rows.map((i) => eco.dictionary[eco.codes[i]] as string))].sort();
    const ecoIndex = new Map(ecoList.map((e, k) => [e, k]));
    const slot = Int32Array.from(eco.dictionary, (e) => (e === null ? -1 : (ecoIndex.get(e) ?? -1)));
    let y0 = Infinity,
      y1 = -Infinity;
    for (const i of rows) {
      if (years[i] < y0) y0 = years[i];
      if (years[i] > y1) y1 = years[i];
    }
    const nY = y1 - y0 + 1;
    const panel = new Float64Array(ecoList.length * nY).fill(NaN);
    for (const i of rows) panel[slot[eco.codes[i]] * nY + (years[i] - y0)] = values[i];
    panels.push({ basket: def.basket!, unit: def.basketUnit!, economies: ecoList, years: Array.from({ length: nY }, (_, k) => y0 + k), values: panel });
  }
  return panels;
}

/**
 * A string column as codes into a list of distinct values: a one-batch dictionary column's own codes (null rows -1,
 * the dictionary decoded once), else the rows' strings interned (a table from elsewhere: plain utf8, several batches).
 */
function codesOf(col: Vector): { codes: Int32Array; dictionary: Array<string | null> } {
  const d = col.data[0];
  if (col.data.length === 1 && DataType.isDictionary(col.type) && d.dictionary) {
    const codes = rowValues<Int32Array>(d).slice();
    if (d.nullCount > 0 && d.nullBitmap) for (let i = 0; i < codes.length; i++) if (!isValidRow(d, i)) codes[i] = -1;
    const dictionary = dictionaryStrings(d) as Array<string | null>;
    // Arrow allows a string twice in a dictionary: its codes are sent to the first, so one string is one group
    const first = new Map<string | null, number>();
    const to = Int32Array.from(dictionary, (s, k) => {
      const f = first.get(s);
      if (f === undefined) first.set(s, k);
      return f ?? k;
    });
    if (first.size < dictionary.length) for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) codes[i] = to[codes[i]];
    return { codes, dictionary };
  }
  const strings = col.toArray() as unknown as ArrayLike<string | null>;
  const index = new Map<string | null, number>();
  const dictionary: Array<string | null> = [];
  const codes = new Int32Array(strings.length);
  for (let i = 0; i < strings.length; i++) {
    let k = index.get(strings[i]);
    if (k === undefined) index.set(strings[i], (k = dictionary.push(strings[i]) - 1));
    codes[i] = strings[i] === null ? -1 : k;
  }
  return { codes, dictionary };
}

async function ingestStrict(file: string): Promise<Table> {
  const r = await ingestFile(file, { jumpFactor: 0 });
  if (r.status === 'rejected')
    throw new UserInputError(
      `${file}: rejected by validation:\n` +
        r.log
          .sorted()
          .filter((f) => f.severity === 'error')
          .slice(0, 10)
          .map(formatFinding)
          .join('\n'),
    );
  return r.table;
}

export interface AggregateInput {
  panels: BasketPanel[];
  groupings: GroupSpec[];
  kind: 'release' | 'dataset';
  /** The spec's medians windows (workbook releases). */
  windows?: MedianWindow[];
  spec?: string;
  /** The spec's supplements as applied (what, how many values, from where). */
  notes?: string[];
}

/** The aggregation specs of the workbook releases (those with an `economies_sheet`). */
export function workbookSpecs(dir = join(indicatorsDir(), 'baskets', 'aggregation')): AggregationSpec[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadAggregationSpec(join(dir, f)))
    .filter((s) => s.economies_sheet);
}

/** `--input`: an ITU release file, a dataset directory, or an observation file in any ingest format. */
export async function readAggregateInput(input: string, spec: AggregationSpec = loadAggregationSpec()): Promise<AggregateInput> {
  let st;
  try {
    st = statSync(input);
  } catch {
    throw new UserInputError(`${input}: no such file or directory`);
  }
  let tables: Table[];
  if (st.isDirectory()) {
    const reg = loadIndicatorRegistry();
    // A dataset directory: the files named after a price indicator (medians.csv and the like are not observations).
    const files = readdirSync(input)
      .filter((f) => f.endsWith('.csv') && reg.find(basename(f, '.csv'))?.basket)
      .sort();
    if (files.length === 0)
      throw new UserInputError(`${input}: no price-basket files (<indicator id>.csv with a registry price indicator id) in this directory`);
    tables = [];
    for (const f of files) tables.push(await ingestStrict(join(input, f)));
  } else {
    const head = readHead(input, 1 << 16);
    if (head.startsWith('PK')) {
      // Loaded here only: the release reader brings ExcelJS, which nothing else on this path needs.
      const { readPriceWorkbook } = await import('./release-workbook.js');
      const release = await readPriceWorkbook(input);
      const wspec = workbookSpecs().find((s) => s.economies_sheet === release.economiesSheet);
      if (!wspec)
        throw new UserInputError(
          `${input}: no aggregation spec in indicators/baskets/aggregation for a workbook whose per-economy sheet is "${release.economiesSheet}" (known: ${workbookSpecs()
            .map((s) => s.economies_sheet)
            .join(', ')})`,
        );
      const notes = applySupplements(release, wspec);
      return { panels: releasePanels(release), groupings: releaseGroupSpecs(release, wspec), kind: 'release', windows: wspec.windows, spec: wspec.id, notes };
    }
    if (looksLikePriceRelease(head)) {
      const release = parsePriceRelease(readFileSync(input, 'utf8'), input);
      return { panels: releasePanels(release), groupings: releaseGroupSpecs(release, spec), kind: 'release' };
    }
    tables = [await ingestStrict(input)];
  }
  const table = tables.length === 1 ? tables[0] : mergeByPrecedence(tables, true);
  const panels = panelsFromObservations(table);
  if (panels.length === 0) throw new UserInputError(`${input}: no price-basket observations (indicators price_<basket>_{usd,ppp,gni_pct})`);
  const economies = new Set(panels.flatMap((p) => p.economies));
  return { panels, groupings: registryGroupSpecs(economies, spec), kind: 'dataset' };
}

function readHead(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
