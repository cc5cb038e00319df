/**
 * ITU's own workbooks, read with exceljs: the ICT Price Baskets releases of March 2024 and December 2025 and the
 * Core Household Indicators of June 2019. Each is a release dataset of its own (one vintage per folder).
 */
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { csvRow } from '../../src/util/csv.js';
import { normaliseItuRegion } from './economies.js';
import { countDrop, economyFor, indicatorFor, joinNotes, type DropCounts, type Observation, type SourceOutput } from './long-format.js';
import { parseSourceNumber } from './read.js';
import type { Registries } from './sources.js';

export const PRICES_2024_03_FILE = 'itu-prices/ITU_ICTPriceBaskets_2008-2023_Mar2024.xlsx';
export const PRICES_2025_12_FILE = 'itu-prices/ITU_ICTPriceBaskets_2008-2025_Dec2025.xlsx';
export const CORE_HOUSEHOLD_FILE = 'itu-core-household/CoreHouseholdIndicators_Jun2019.xlsx';
export const CORE_HOUSEHOLD_SOURCE = 'ITU, World Telecommunication/ICT Indicators Database, Core Household Indicators (June 2019)';
/** The note an italic (ITU estimate) value carries until observations have an estimate column of their own. */
export const ITU_ESTIMATE_NOTE = 'ITU estimate';

/** Each workbook is parsed once per build (exceljs reads asynchronously; the converters are called in turn). */
const cache = new Map<string, Promise<ExcelJS.Workbook>>();
export function readWorkbook(sharedDir: string, file: string): Promise<ExcelJS.Workbook> {
  const path = join(sharedDir, file);
  let wb = cache.get(path);
  if (!wb) {
    const w = new ExcelJS.Workbook();
    cache.set(path, (wb = w.xlsx.readFile(path).then(() => w)));
  }
  return wb;
}

function sheet(wb: ExcelJS.Workbook, file: string, name: string): ExcelJS.Worksheet {
  const ws = wb.getWorksheet(name);
  if (!ws) throw new Error(`${file}: no sheet "${name}" (it has ${wb.worksheets.map((w) => w.name).join(', ')})`);
  return ws;
}

/** A cell's value as the workbook shows it: formulas by their cached result, rich text as its text. */
export function cellValue(cell: ExcelJS.Cell): string | number | null {
  const v = cell.value as unknown;
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as { result?: unknown; richText?: Array<{ text: string }>; text?: string; error?: string };
    if ('result' in o) return o.result === undefined || o.result === null ? null : (o.result as string | number);
    if (o.richText) return o.richText.map((r) => r.text).join('');
    if (typeof o.text === 'string') return o.text;
    if (o.error) return null;
  }
  throw new Error(`cell ${cell.address}: unexpected value ${JSON.stringify(v)}`);
}

const text = (cell: ExcelJS.Cell): string => {
  const v = cellValue(cell);
  return v === null ? '' : String(v).trim();
};

/** A value cell: a number, or 'NA' / '..' / '...' / '' for missing; anything else is a source error. */
function numberCell(cell: ExcelJS.Cell, file: string, sheetName: string): number | null {
  const v = cellValue(cell);
  if (typeof v === 'number') return v;
  if (v === null) return null;
  if (v.trim() === '...') return null;
  try {
    return parseSourceNumber(v);
  } catch {
    throw new Error(`${file}, sheet ${sheetName}, cell ${cell.address}: not a number: "${v}"`);
  }
}

/** The header row's cells: text by column number, and the columns whose header is a year. */
function headerOf(row: ExcelJS.Row): { names: Map<number, string>; years: Array<{ col: number; year: number }> } {
  const names = new Map<number, string>(),
    years: Array<{ col: number; year: number }> = [];
  row.eachCell({ includeEmpty: false }, (cell, col) => {
    const v = cellValue(cell);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1900 && v <= 2100) years.push({ col, year: v });
    else if (v !== null && String(v).trim() !== '') names.set(col, String(v).trim());
  });
  return { names, years };
}

function column(names: Map<number, string>, name: string, file: string, sheetName: string): number {
  for (const [col, n] of names) if (n === name) return col;
  throw new Error(`${file}, sheet ${sheetName}: no column "${name}" in the header (${[...names.values()].join(', ')})`);
}

/** The release named in the Overview sheet's "How to cite" row. */
function citation(wb: ExcelJS.Workbook, file: string): string {
  let found: string | undefined;
  sheet(wb, file, 'Overview').eachRow((row) => {
    row.eachCell((cell) => {
      const m = /please use:\s*"([^"]+)"/.exec(text(cell));
      if (m) found ??= m[1];
    });
  });
  if (!found) throw new Error(`${file}: no "How to cite" row in the Overview sheet`);
  return found;
}

const snake = (s: string): string =>
  s
    .replace(/\(([^)]*)\)/g, '$1')
    .trim()
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toLowerCase();

/** ITU region labels made the same as the itu-region groupings, so medians can be recomputed from them. */
const groupName = (grouping: string, group: string): string => (/^ITU ?Region$/i.test(grouping) ? (normaliseItuRegion(group) ?? group) : group);

/** A sheet of medians, long: its own label columns, then year and value (windows told apart by `window`). */
function mediansLong(ws: ExcelJS.Worksheet, file: string, headerRow: number, windowOf: (col: number) => string | null): string {
  const { names, years } = headerOf(ws.getRow(headerRow));
  const labels = [...names.entries()].sort(([a], [b]) => a - b);
  const groupingCol = labels.find(([, n]) => /^grouping$/i.test(n))?.[0];
  const groupCol = labels.find(([, n]) => /^group$/i.test(n))?.[0];
  if (groupingCol === undefined || groupCol === undefined) throw new Error(`${file}, sheet ${ws.name}: no grouping/group columns`);
  const withWindow = years.some((y) => windowOf(y.col) !== null);
  const out = [csvRow([...labels.map(([, n]) => snake(n)), ...(withWindow ? ['window'] : []), 'year', 'value'])];
  ws.eachRow((row, r) => {
    if (r <= headerRow) return;
    const cells = labels.map(([col]) => (col === groupCol ? groupName(text(row.getCell(groupingCol)), text(row.getCell(col))) : text(row.getCell(col))));
    if (cells.every((c) => c === '')) return;
    for (const { col, year } of years) {
      const value = numberCell(row.getCell(col), file, ws.name);
      if (value !== null) out.push(csvRow([...cells, ...(withWindow ? [windowOf(col) ?? 'annual'] : []), year, value]));
    }
  });
  return out.join('');
}

/** A small table sheet as CSV with its own columns (header row given), blank rows and trailing notes skipped. */
function tableCsv(
  ws: ExcelJS.Worksheet,
  headerRow: number,
  keep: (row: ExcelJS.Row) => boolean,
  extra?: { name: string; value: (row: ExcelJS.Row) => string },
): string {
  const { names } = headerOf(ws.getRow(headerRow));
  const cols = [...names.entries()].sort(([a], [b]) => a - b);
  // A sheet column named like the added one keeps its text under `<name>_name` (the ISO3 takes `economy`).
  const out = [csvRow([...(extra ? [extra.name] : []), ...cols.map(([, n]) => (extra && snake(n) === extra.name ? `${extra.name}_name` : snake(n)))])];
  ws.eachRow((row, r) => {
    if (r > headerRow && keep(row)) out.push(csvRow([...(extra ? [extra.value(row)] : []), ...cols.map(([c]) => cellValue(row.getCell(c)))]));
  });
  return out.join('');
}

/** Economies a sheet lists whose every cell is missing: they have no observation file row, but they were released. */
function withoutValues(listed: Set<string>, observations: Observation[], reg: Registries): string[] {
  const seen = new Set(observations.map((o) => o.economy));
  return [...listed].filter((code) => !seen.has(economyFor(reg.economies, code, {})?.iso3 ?? code)).sort();
}

/**
 * ITU ICT Price Baskets, March 2024 release (2008-2023). Each row of `economies_2008-2023` is a harmonised time
 * series (`i154_FBB_ts_GNI`, ...) that splices basket definitions; as for the 2022 release, the value of a year
 * belongs to the basket in force that year (the workbook's BasketHistory: historical basket, data collection
 * years, codes) and is filed under that basket's indicator, with the series code kept. `ExperimentalData_MBB`
 * (data-only 1, 5 and 10 GB, 2023) is filed with the note "experimental".
 */
export async function convertItuPrices2024(sharedDir: string, reg: Registries): Promise<SourceOutput> {
  const file = PRICES_2024_03_FILE;
  const wb = await readWorkbook(sharedDir, file);
  const source = citation(wb, file);
  const dropped: DropCounts = {};
  const observations: Observation[] = [];

  const history = sheet(wb, file, 'BasketHistory');
  const hh = headerOf(history.getRow(4)).names;
  const [cHistorical, cYears, cLatest, cCodes] = ['Historical baskets', '(data collection years)', 'Latest basket (2022)', 'Codes (time series)'].map((n) =>
    column(hh, n, file, 'BasketHistory'),
  );
  const periods: Array<{ prefix: string; historical: string; latest: string; from: number; to: number }> = [];
  history.eachRow((row, r) => {
    if (r <= 4) return;
    const codes = text(row.getCell(cCodes));
    if (!codes.endsWith('*')) return;
    const m = /^(\d{4})-(\d{4})?$/.exec(text(row.getCell(cYears)));
    if (!m) throw new Error(`${file}, BasketHistory, row ${r}: years "${text(row.getCell(cYears))}" are not "YYYY-" or "YYYY-YYYY"`);
    periods.push({
      prefix: codes.replace(/_?\*$/, ''),
      historical: text(row.getCell(cHistorical)),
      latest: text(row.getCell(cLatest)),
      from: Number(m[1]),
      to: m[2] ? Number(m[2]) : 9999,
    });
  });

  const ws = sheet(wb, file, 'economies_2008-2023');
  const { names, years } = headerOf(ws.getRow(1));
  const [cIso, cCode, cUnit] = ['IsoCode', 'Code', 'Unit'].map((n) => column(names, n, file, ws.name));
  const listed = new Set<string>();
  ws.eachRow((row, r) => {
    if (r === 1) return;
    listed.add(text(row.getCell(cIso)));
    const code = text(row.getCell(cCode)),
      unit = text(row.getCell(cUnit));
    const current = indicatorFor(reg.indicators, code);
    const mine = periods.filter((p) => code.replace(/(_GNI|_PPP|\$)$/, '') === p.prefix);
    if (mine.length === 0) throw new Error(`${file}, ${ws.name}, row ${r}: code ${code} is in no BasketHistory row`);
    const economy = economyFor(reg.economies, text(row.getCell(cIso)), dropped);
    if (!economy) return;
    for (const { col, year } of years) {
      const value = numberCell(row.getCell(col), file, ws.name);
      if (value === null) continue;
      const period = mine.find((p) => p.from <= year && year <= p.to);
      if (!period) {
        countDrop(dropped, 'no basket in force that year (BasketHistory)', `${code}/${year}`);
        continue;
      }
      const def = indicatorFor(reg.indicators, `${period.historical}/${unit}`);
      observations.push({
        economy: economy.iso3,
        indicator: def.id,
        year,
        value,
        note: joinNotes(
          def.id === current.id ? '' : `historical basket "${period.historical}" (BasketHistory), from the time series ${code}`,
          economy.viaCode ? `source entity code ${economy.viaCode}` : '',
        ),
        source,
        series_code: code,
      });
    }
  });

  const exp = sheet(wb, file, 'ExperimentalData_MBB');
  const eh = headerOf(exp.getRow(2));
  const [eIso, eBasket, eUnit] = ['IsoCode', 'Basket - Experimental', 'Unit'].map((n) => column(eh.names, n, file, exp.name));
  exp.eachRow((row, r) => {
    if (r <= 2 || text(row.getCell(eIso)) === '') return;
    const seriesCode = `${text(row.getCell(eBasket))}/${text(row.getCell(eUnit))}`;
    const def = indicatorFor(reg.indicators, seriesCode);
    const economy = economyFor(reg.economies, text(row.getCell(eIso)), dropped);
    if (!economy) return;
    for (const { col, year } of eh.years) {
      const value = numberCell(row.getCell(col), file, exp.name);
      if (value !== null)
        observations.push({
          economy: economy.iso3,
          indicator: def.id,
          year,
          value,
          note: joinNotes('experimental', economy.viaCode ? `source entity code ${economy.viaCode}` : ''),
          source,
          series_code: seriesCode,
        });
    }
  });

  const extraFiles = new Map<string, string>();
  extraFiles.set(
    'basket_history.csv',
    tableCsv(history, 4, (row) => text(row.getCell(cCodes)).endsWith('*')),
  );
  for (const ms of wb.worksheets.filter((w) => w.name.startsWith('medians_')))
    extraFiles.set(
      `${ms.name}.csv`,
      mediansLong(ms, file, 1, () => null),
    );
  return { id: 'itu-prices-2024-03', observations, dropped, extraFiles, checks: { economiesListedWithoutAnyValue: withoutValues(listed, observations, reg) } };
}

/**
 * ITU ICT Price Baskets, December 2025 release (2008-2025): one row per economy and basket definition
 * (`i154_FBB5_GNI`, `i271mb_high_2GB$`, ...), each code an alias of one registry indicator. BasketHistory marks
 * each (definition, year) `x` (official) or `exp` (experimental): experimental values carry the note
 * "experimental", values in a year BasketHistory does not mark carry a note saying so. The medians, BasketHistory
 * and GNI_denominator sheets are kept as CSV files beside the observations.
 */
export async function convertItuPrices2025Workbook(sharedDir: string, reg: Registries): Promise<SourceOutput> {
  const file = PRICES_2025_12_FILE;
  const wb = await readWorkbook(sharedDir, file);
  const source = citation(wb, file);
  const dropped: DropCounts = {};
  const observations: Observation[] = [];

  const history = sheet(wb, file, 'BasketHistory');
  const hh = headerOf(history.getRow(4));
  const [cGeneric, cName, cCodes] = ['Basket name (generic)', 'Basket name', 'Codes'].map((n) => column(hh.names, n, file, 'BasketHistory'));
  const status = new Map<string, Map<number, string>>(); // code prefix -> year -> x | exp
  const historyCsv = [csvRow(['basket_generic', 'basket_name', 'codes', 'year', 'status'])];
  let generic = '';
  history.eachRow((row, r) => {
    if (r <= 4) return;
    const codes = text(row.getCell(cCodes));
    if (!codes.endsWith('*')) return;
    generic = text(row.getCell(cGeneric)) || generic; // the generic name is written once per group of rows
    const marks = new Map<number, string>();
    for (const { col, year } of hh.years) {
      const m = text(row.getCell(col));
      if (m === '') continue;
      if (m !== 'x' && m !== 'exp') throw new Error(`${file}, BasketHistory, cell ${row.getCell(col).address}: "${m}" is neither x nor exp`);
      marks.set(year, m);
      historyCsv.push(csvRow([generic, text(row.getCell(cName)), codes, year, m === 'x' ? 'official' : 'experimental']));
    }
    status.set(codes.slice(0, -1), marks);
  });

  const ws = sheet(wb, file, 'economies_2008-2025');
  const { names, years } = headerOf(ws.getRow(1));
  const [cIso, cEconomy, cCode] = ['IsoCode', 'Economy', 'Code'].map((n) => column(names, n, file, ws.name));
  const isoByName = new Map<string, string>(),
    listed = new Set<string>();
  const unmarked: Record<string, number> = {}; // values kept (with a note) in a year BasketHistory does not mark
  ws.eachRow((row, r) => {
    if (r === 1) return;
    const code = text(row.getCell(cCode));
    const prefix = code.replace(/(_GNI|_PPP|\$)$/, '');
    const marks = status.get(prefix);
    if (!marks) throw new Error(`${file}, ${ws.name}, row ${r}: code ${code} is in no BasketHistory row`);
    const def = indicatorFor(reg.indicators, code);
    isoByName.set(text(row.getCell(cEconomy)), text(row.getCell(cIso)));
    listed.add(text(row.getCell(cIso)));
    const economy = economyFor(reg.economies, text(row.getCell(cIso)), dropped);
    if (!economy) return;
    for (const { col, year } of years) {
      const value = numberCell(row.getCell(col), file, ws.name);
      if (value === null) continue;
      const mark = marks.get(year);
      if (!mark) unmarked[`${prefix}/${year}`] = (unmarked[`${prefix}/${year}`] ?? 0) + 1;
      observations.push({
        economy: economy.iso3,
        indicator: def.id,
        year,
        value,
        note: joinNotes(
          mark === 'exp' ? 'experimental' : mark ? '' : `${year} is not marked for ${prefix}* in BasketHistory`,
          economy.viaCode ? `source entity code ${economy.viaCode}` : '',
        ),
        source,
        series_code: code,
      });
    }
  });

  const extraFiles = new Map<string, string>();
  extraFiles.set('basket_history.csv', historyCsv.join(''));
  // medians: annual medians (all economies with data that year), then 2-, 4- and 5-year windows over balanced subsets.
  const medians = sheet(wb, file, 'medians');
  const mh = headerOf(medians.getRow(3)).years;
  const windows: Array<{ cols: Set<number>; label: string }> = [];
  for (let k = 0; k < mh.length; k++) {
    if (k === 0 || mh[k].col !== mh[k - 1].col + 1) windows.push({ cols: new Set(), label: '' });
    windows[windows.length - 1].cols.add(mh[k].col);
  }
  for (const [i, w] of windows.entries()) {
    const ys = mh.filter((y) => w.cols.has(y.col)).map((y) => y.year);
    w.label = i === 0 ? 'annual' : `${Math.min(...ys)}-${Math.max(...ys)}`;
  }
  extraFiles.set(
    'medians.csv',
    mediansLong(medians, file, 3, (col) => windows.find((w) => w.cols.has(col))!.label),
  );
  // GNI per capita actually used as the denominator, by economy name: the ISO3 comes from the economies sheet.
  const gni = sheet(wb, file, 'GNI_denominator');
  const economyName = (row: ExcelJS.Row): string => text(row.getCell(1)).replace(/\*+$/, '').trim(); // "Palestine*": a footnote mark
  extraFiles.set(
    'gni_denominator.csv',
    tableCsv(gni, 2, (row) => typeof cellValue(row.getCell(2)) === 'number', {
      name: 'economy',
      value: (row) => {
        const iso = isoByName.get(economyName(row)) ?? reg.economies.find(economyName(row))?.iso3;
        if (!iso) throw new Error(`${file}, GNI_denominator, row ${row.number}: economy "${economyName(row)}" is not in the economies sheet or the registry`);
        const e = economyFor(reg.economies, iso, {});
        if (!e) throw new Error(`${file}, GNI_denominator, row ${row.number}: "${iso}" is not an economy`);
        return e.iso3;
      },
    }),
  );
  return {
    id: 'itu-prices-2025-12',
    observations,
    dropped,
    extraFiles,
    checks: { valuesInYearsNotMarkedInBasketHistory: unmarked, economiesListedWithoutAnyValue: withoutValues(listed, observations, reg) },
  };
}

/**
 * ITU Core Household Indicators, June 2019: one row per economy with, per indicator (HH1 ... HH10), the latest
 * value, a footnote number and the year of data. A value in italics is an ITU estimate: it gets the note
 * "ITU estimate" (observations have no estimate column yet); the footnote number becomes the footnote's text,
 * from the numbered notes under the table. "..." is not available.
 */
export async function convertCoreHousehold(sharedDir: string, reg: Registries): Promise<SourceOutput> {
  const file = CORE_HOUSEHOLD_FILE;
  const wb = await readWorkbook(sharedDir, file);
  const ws = wb.worksheets[0];
  const dropped: DropCounts = {};
  const observations: Observation[] = [];
  // Header: the code "(HH4)" in row 3 over the value column; the footnote column follows; "Year" (row 3) "of data" (row 4) after.
  const blocks: Array<{ code: string; valueCol: number; noteCol: number; yearCol: number }> = [];
  const codeRow = ws.getRow(3);
  const lastCol = ws.columnCount;
  for (let c = 1; c <= lastCol; c++) {
    const m = /^\((HH\w+)\)$/.exec(text(codeRow.getCell(c)));
    if (!m) continue;
    let y = c + 1;
    while (y <= lastCol && !(text(codeRow.getCell(y)) === 'Year' && text(ws.getRow(4).getCell(y)) === 'of data')) y++;
    if (y > lastCol) throw new Error(`${file}: no "Year of data" column after ${m[1]} (${codeRow.getCell(c).address})`);
    blocks.push({ code: m[1], valueCol: c, noteCol: c + 1, yearCol: y });
  }
  if (blocks.length === 0) throw new Error(`${file}: no indicator codes "(HH...)" in row 3`);
  // Numbered footnotes: one cell "(1) ... (2) ..." under the table.
  const footnotes = new Map<string, string>();
  ws.eachRow((row) => {
    const t = text(row.getCell(1));
    if (!/^\(1\)/.test(t)) return;
    const parts = t.split(/\s*\((\d+)\)\s*/);
    for (let k = 1; k + 1 < parts.length; k += 2) footnotes.set(parts[k], parts[k + 1].trim());
  });
  if (footnotes.size === 0) throw new Error(`${file}: no numbered footnotes "(1) ..." under the table`);
  const italicCounts: Record<string, number> = {};
  ws.eachRow((row, r) => {
    const seq = cellValue(row.getCell(1));
    if (r < 5 || typeof seq !== 'number') return; // economies are numbered 1, 2, ...; the notes rows are not
    const name = text(row.getCell(2));
    const found = reg.economies.find(name);
    if (!found) throw new Error(`${file}, cell ${row.getCell(2).address}: economy "${name}" is not in the registry (add the name as an alias)`);
    const economy = economyFor(reg.economies, found.iso3, dropped)!;
    for (const b of blocks) {
      const cell = row.getCell(b.valueCol);
      const raw = text(cell);
      if (raw === '-') {
        countDrop(dropped, '"-": zero or less than the unit shown', b.code);
        continue;
      }
      const value = numberCell(cell, file, ws.name);
      if (value === null) {
        countDrop(dropped, 'not available (...)', b.code);
        continue;
      }
      const year = cellValue(row.getCell(b.yearCol));
      if (typeof year !== 'number') {
        countDrop(dropped, 'value without a year of data', b.code);
        continue;
      }
      const mark = text(row.getCell(b.noteCol));
      const footnote = mark ? footnotes.get(mark) : '';
      if (mark && footnote === undefined) throw new Error(`${file}, cell ${row.getCell(b.noteCol).address}: footnote ${mark} is not under the table`);
      const italic = cell.font?.italic === true;
      if (italic) italicCounts[b.code] = (italicCounts[b.code] ?? 0) + 1;
      const def = indicatorFor(reg.indicators, b.code);
      observations.push({
        economy: economy.iso3,
        indicator: def.id,
        year,
        value,
        note: joinNotes(italic ? ITU_ESTIMATE_NOTE : '', mark ? `(${mark}) ${footnote}` : ''),
        source: CORE_HOUSEHOLD_SOURCE,
        series_code: b.code,
      });
    }
  });
  return { id: 'itu-core-household', observations, dropped, checks: { italicValues: italicCounts, footnotes: footnotes.size } };
}
