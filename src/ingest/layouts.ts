import { basename, extname } from 'node:path';

/** One observation as read from a file, before validation: cell texts and where they came from. */
export interface RawObservation {
  line: number;
  economy: string;
  indicator: string;
  year: string;
  value: string;
  note?: string;
  source?: string;
  seriesCode?: string;
  /** Column names of the cells, for findings. */
  economyColumn: string;
  indicatorColumn: string;
  yearColumn: string;
  valueColumn: string;
}

export type CsvFormat = 'canonical' | 'itu-datahub' | 'wb-long' | 'wide';
/** The CSV layouts, and ITU's questionnaire, read from workbooks only (it needs header cells above the table). */
export type LayoutFormat = CsvFormat | 'questionnaire';

export interface CsvLayout {
  format: LayoutFormat;
  description: string;
  /** The header's number of fields: rows with another count are malformed. */
  width: number;
  /** Observations of one data row (a wide row yields one per year column). */
  read(fields: string[], line: number, emit: (raw: RawObservation) => void): void;
}

export interface LayoutOptions {
  /** Indicator of a file without an indicator column (World Bank long CSV); else taken from the file name. */
  indicator?: string;
  file: string;
}

const norm = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');

/**
 * Where a CSV layout's cells are: column indexes (-1: none) and the names findings give them. One description per
 * layout serves both readers: `read` (rows of strings: workbooks, and the tests' record path) and the columnar CSV
 * path (`csv-columns.ts`), which reads the same cells as byte ranges.
 */
export interface LayoutColumns {
  economy: number;
  /** The indicator column; -1: every row has `fixedIndicator` (World Bank long, a wide file without one). */
  indicator: number;
  fixedIndicator?: string;
  /** Long layouts: the year and value columns (wide: -1, and `years`). */
  year: number;
  value: number;
  /** Wide: each year and its column (the column holds the value). */
  years?: ReadonlyArray<readonly [number, number]>;
  note: number;
  source: number;
  /** The series code column; -1: `fixedSeriesCode` (possibly none). */
  seriesCode: number;
  fixedSeriesCode?: string;
  economyColumn: string;
  indicatorColumn: string;
  yearColumn: string;
  valueColumn: string;
  /** The header's names, trimmed (a wide observation names its year column). */
  names: readonly string[];
}

/** A CSV layout found from a header: its reader and where its cells are. */
export interface ColumnLayout extends CsvLayout {
  format: CsvFormat;
  columns: LayoutColumns;
  /** Observations per row: 1, or a wide file's year columns (`observationAt`'s slots). */
  slots: number;
  /** The observation of a row's slot (a wide row's slot k: the k-th year column), whether or not its cell is filled. */
  observationAt(fields: string[], line: number, slot: number): RawObservation;
}

/** A wide value cell that holds no observation: empty, or World Bank's `..`. */
export const isNoObservation = (trimmed: string): boolean => trimmed === '' || trimmed === '..';

function columnLayout(format: CsvFormat, description: string, width: number, c: LayoutColumns): ColumnLayout {
  const years = c.years;
  const observationAt = (f: string[], line: number, slot: number): RawObservation => {
    const [y, k] = years ? years[slot] : [0, 0];
    return {
      line,
      economy: f[c.economy],
      indicator: c.indicator >= 0 ? f[c.indicator] : c.fixedIndicator!,
      year: years ? String(y) : f[c.year],
      // A wide cell is trimmed (it was tested for emptiness); long cells are as read.
      value: years ? (f[k]?.trim() ?? '') : f[c.value],
      note: c.note >= 0 ? f[c.note] : undefined,
      source: c.source >= 0 ? f[c.source] : undefined,
      seriesCode: c.seriesCode >= 0 ? f[c.seriesCode] : c.fixedSeriesCode,
      economyColumn: c.economyColumn,
      indicatorColumn: c.indicatorColumn,
      yearColumn: years ? c.names[k] : c.yearColumn,
      valueColumn: years ? c.names[k] : c.valueColumn,
    };
  };
  return {
    format,
    description,
    width,
    columns: c,
    slots: years ? years.length : 1,
    observationAt,
    read(f, line, emit) {
      if (!years) return emit(observationAt(f, line, 0));
      // empty cells and World Bank '..' are no observation
      for (let s = 0; s < years.length; s++) if (!isNoObservation(f[years[s][1]]?.trim() ?? '')) emit(observationAt(f, line, s));
    },
  };
}

/** Find the layout from the header row; `undefined` when none matches (the caller says what was expected). */
export function detectCsvLayout(header: string[], opts: LayoutOptions): ColumnLayout | { missing: string[]; format: CsvFormat } | undefined {
  const names = header.map(norm);
  const at = (...alts: string[]): number => {
    for (const a of alts) {
      const k = names.indexOf(norm(a));
      if (k >= 0) return k;
    }
    return -1;
  };
  const width = header.length;
  // Column names for findings, trimmed once (not per row).
  const trimmed = header.map((h) => h.trim());
  const col = (k: number): string => trimmed[k];

  // ITU DataHub export: seriesCode, entityIso, dataValue, dataYear (+ note and source).
  if (at('entityIso') >= 0 || at('seriesCode') >= 0) {
    const e = at('entityIso'),
      s = at('seriesCode'),
      y = at('dataYear'),
      v = at('dataValue');
    const missing = [
      ['entityIso', e],
      ['seriesCode', s],
      ['dataYear', y],
      ['dataValue', v],
    ]
      .filter(([, k]) => k === -1)
      .map(([n]) => n as string);
    if (missing.length) return { missing, format: 'itu-datahub' };
    return columnLayout('itu-datahub', 'ITU DataHub export', width, {
      economy: e,
      indicator: s,
      year: y,
      value: v,
      note: at('dataNote'),
      source: at('dataSource'),
      seriesCode: s,
      economyColumn: col(e),
      indicatorColumn: col(s),
      yearColumn: col(y),
      valueColumn: col(v),
      names: trimmed,
    });
  }

  const yearColumns = header.map((h, k) => [yearOfHeader(h), k] as const).filter(([y]) => y !== undefined) as Array<readonly [number, number]>;
  const econ = at('economy', 'iso3', 'country code', 'country iso3', 'countryiso3code', 'entityiso', 'ref area', 'ref_area');
  const ind = at('indicator', 'indicator code', 'series code', 'indicator id');

  // Wide: one column per year.
  if (yearColumns.length > 0 && econ >= 0) {
    const fixed = ind >= 0 ? undefined : indicatorFromName(opts);
    return columnLayout('wide', `wide CSV (${yearColumns.length} year columns)`, width, {
      economy: econ,
      indicator: ind,
      fixedIndicator: fixed,
      year: -1,
      value: -1,
      years: yearColumns,
      note: at('note'),
      source: at('source'),
      seriesCode: ind,
      fixedSeriesCode: fixed,
      economyColumn: col(econ),
      indicatorColumn: ind >= 0 ? col(ind) : '(file name or --indicator)',
      yearColumn: '(year column)',
      valueColumn: '(year column)',
      names: trimmed,
    });
  }

  // Canonical long: economy, indicator, year, value [, note] [, source] [, series_code].
  if (at('economy') >= 0 && at('indicator') >= 0) {
    const e = at('economy'),
      i = at('indicator'),
      y = at('year'),
      v = at('value');
    const missing = [
      ['year', y],
      ['value', v],
    ]
      .filter(([, k]) => k === -1)
      .map(([nm]) => nm as string);
    if (missing.length) return { missing, format: 'canonical' };
    return columnLayout('canonical', 'canonical long CSV', width, {
      economy: e,
      indicator: i,
      year: y,
      value: v,
      note: at('note'),
      source: at('source'),
      seriesCode: at('series code', 'series_code'),
      economyColumn: col(e),
      indicatorColumn: col(i),
      yearColumn: col(y),
      valueColumn: col(v),
      names: trimmed,
    });
  }

  // World Bank long: Country Name, Country Code, Year, Value; the indicator from --indicator or the file name.
  if (at('country code') >= 0 && at('year') >= 0) {
    const e = at('country code'),
      y = at('year'),
      v = at('value');
    if (v < 0) return { missing: ['Value'], format: 'wb-long' };
    const indicator = indicatorFromName(opts);
    return columnLayout('wb-long', 'World Bank long CSV', width, {
      economy: e,
      indicator: -1,
      fixedIndicator: indicator,
      year: y,
      value: v,
      note: -1,
      source: -1,
      seriesCode: -1,
      fixedSeriesCode: indicator,
      economyColumn: col(e),
      indicatorColumn: '(file name or --indicator)',
      yearColumn: col(y),
      valueColumn: col(v),
      names: trimmed,
    });
  }
  return undefined;
}

/** 2010, "2010", "2010 [YR2010]" (World Bank Databank) or "YR2010" name a year column. */
function yearOfHeader(h: string): number | undefined {
  const m = /^\s*(?:YR)?(\d{4})(?:\s*\[YR\d{4}\])?\s*$/i.exec(h);
  return m ? Number(m[1]) : undefined;
}

/** `--indicator`, else the file name without extension (World Bank files are named after the series code). */
function indicatorFromName(opts: LayoutOptions): string {
  return opts.indicator ?? basename(opts.file, extname(opts.file)).replace(/\.data$/i, '');
}

export const EXPECTED_LAYOUTS =
  'canonical long (economy,indicator,year,value[,note][,source]), ITU DataHub export (seriesCode,entityIso,dataValue,dataYear,...), ' +
  'World Bank long (Country Name,Country Code,Year,Value), or wide (an economy column and one column per year)';
