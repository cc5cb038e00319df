/**
 * The ITU ICT Price Baskets workbooks newer than the March 2022 CSV (March 2024 and December 2025 releases): the
 * per-economy sheet (`economies_<years>`: IsoCode, Economy, Code, Unit, membership columns, one column per year) as
 * a PriceRelease whose series are the sheet's codes (`i154_FBB_ts_GNI`, `i271mb_high_5GB$`, ...). The workbook
 * passes the ZIP gate of src/ingest/xlsx.ts first (bounded in size and entries).
 */
import { readFileSync } from 'node:fs';
import { readWorkbookSheets, WorkbookRefused } from '../ingest/xlsx.js';
import { UserInputError } from '../util/errors.js';
import type { PriceRelease, ReleaseEconomyRow } from './release.js';

/** Columns of the per-economy sheet that are neither membership nor years. */
const ROW_COLUMNS = new Set(['IsoCode', 'Economy', 'Code', 'Unit', 'Basket name', 'basket_combined_simplified']);

export async function readPriceWorkbook(path: string, bytes: Uint8Array = readFileSync(path)): Promise<PriceRelease & { economiesSheet: string }> {
  let sheets;
  try {
    sheets = await readWorkbookSheets(bytes);
  } catch (e) {
    if (e instanceof WorkbookRefused) throw new UserInputError(`${path}: ${e.message} [${e.rule}]`);
    throw e;
  }
  const ws = sheets.find((s) => /^economies_\d{4}-\d{4}$/.test(s.name));
  if (!ws)
    throw new UserInputError(`${path}: no per-economy sheet "economies_<from>-<to>" (sheets: ${sheets.map((s) => s.name).join(', ')}) [missing-section]`);
  const header = ws.rows[0];
  const byCol = new Map(header.cells.map((c) => [c.col, c.text.trim()]));
  const colOf = (name: string): number => {
    for (const [k, v] of byCol) if (v === name) return k;
    throw new UserInputError(`${path}, sheet ${ws.name}, row ${header.row}: column "${name}" is missing [missing-column]`);
  };
  const [cIso, cName, cCode, cUnit] = ['IsoCode', 'Economy', 'Code', 'Unit'].map(colOf);
  const yearCols = [...byCol].filter(([, v]) => /^\d{4}$/.test(v)).map(([k, v]) => [k, Number(v)] as const);
  const memberCols = [...byCol].filter(([, v]) => !ROW_COLUMNS.has(v) && !/^\d{4}$/.test(v));
  const years = yearCols.map(([, y]) => y);
  const economies: ReleaseEconomyRow[] = [];
  for (const r of ws.rows.slice(1)) {
    const cells = new Map(r.cells.map((c) => [c.col, c]));
    const text = (col: number): string => cells.get(col)?.text.trim() ?? '';
    const iso3 = text(cIso);
    if (!/^[A-Z]{3}$/.test(iso3)) continue;
    const values = new Float64Array(years.length);
    yearCols.forEach(([col], k) => {
      const c = cells.get(col);
      const t = c?.text.trim() ?? '';
      if (t === '' || t === 'NA' || t === '...' || t === '..') values[k] = NaN;
      else if (typeof c?.value === 'number') values[k] = c.value;
      else {
        const x = Number(t);
        if (!Number.isFinite(x)) throw new UserInputError(`${path}, sheet ${ws.name}, cell ${c?.ref}: value ${JSON.stringify(t)}: not a number [not-a-number]`);
        values[k] = x;
      }
    });
    const code = text(cCode);
    economies.push({
      line: r.row,
      iso3,
      name: text(cName),
      basketCombined: code,
      basketCurrent: code,
      unit: text(cUnit),
      columns: Object.fromEntries(memberCols.map(([col, name]) => [name, text(col)])),
      values,
    });
  }
  if (economies.length === 0) throw new UserInputError(`${path}, sheet ${ws.name}: no economy rows [no-data-rows]`);
  return { file: path, citation: null, years, history: [], economies, medians: [], mediansYears: [], economiesSheet: ws.name };
}
