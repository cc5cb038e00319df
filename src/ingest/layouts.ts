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

/** Find the layout from the header row; `undefined` when none matches (the caller says what was expected). */
export function detectCsvLayout(header: string[], opts: LayoutOptions): CsvLayout | { missing: string[]; format: CsvFormat } | undefined {
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
    const n = at('dataNote'),
      src = at('dataSource');
    return {
      format: 'itu-datahub',
      description: 'ITU DataHub export',
      width,
      read(f, line, emit) {
        emit({
          line,
          economy: f[e],
          indicator: f[s],
          year: f[y],
          value: f[v],
          note: n >= 0 ? f[n] : undefined,
          source: src >= 0 ? f[src] : undefined,
          seriesCode: f[s],
          economyColumn: col(e),
          indicatorColumn: col(s),
          yearColumn: col(y),
          valueColumn: col(v),
        });
      },
    };
  }

  const yearColumns = header.map((h, k) => [yearOfHeader(h), k] as const).filter(([y]) => y !== undefined) as Array<readonly [number, number]>;
  const econ = at('economy', 'iso3', 'country code', 'country iso3', 'countryiso3code', 'entityiso', 'ref area', 'ref_area');
  const ind = at('indicator', 'indicator code', 'series code', 'indicator id');

  // Wide: one column per year.
  if (yearColumns.length > 0 && econ >= 0) {
    const fixed = ind >= 0 ? undefined : indicatorFromName(opts);
    const n = at('note'),
      src = at('source');
    return {
      format: 'wide',
      description: `wide CSV (${yearColumns.length} year columns)`,
      width,
      read(f, line, emit) {
        const indicator = ind >= 0 ? f[ind] : fixed!;
        for (const [y, k] of yearColumns) {
          const v = f[k]?.trim();
          if (v === undefined || v === '' || v === '..') continue; // empty cells and World Bank '..' are no observation
          emit({
            line,
            economy: f[econ],
            indicator,
            year: String(y),
            value: v,
            note: n >= 0 ? f[n] : undefined,
            source: src >= 0 ? f[src] : undefined,
            seriesCode: ind >= 0 ? f[ind] : fixed,
            economyColumn: col(econ),
            indicatorColumn: ind >= 0 ? col(ind) : '(file name or --indicator)',
            yearColumn: col(k),
            valueColumn: col(k),
          });
        }
      },
    };
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
    const n = at('note'),
      src = at('source'),
      sc = at('series code', 'series_code');
    return {
      format: 'canonical',
      description: 'canonical long CSV',
      width,
      read(f, line, emit) {
        emit({
          line,
          economy: f[e],
          indicator: f[i],
          year: f[y],
          value: f[v],
          note: n >= 0 ? f[n] : undefined,
          source: src >= 0 ? f[src] : undefined,
          seriesCode: sc >= 0 ? f[sc] : undefined,
          economyColumn: col(e),
          indicatorColumn: col(i),
          yearColumn: col(y),
          valueColumn: col(v),
        });
      },
    };
  }

  // World Bank long: Country Name, Country Code, Year, Value; the indicator from --indicator or the file name.
  if (at('country code') >= 0 && at('year') >= 0) {
    const e = at('country code'),
      y = at('year'),
      v = at('value');
    if (v < 0) return { missing: ['Value'], format: 'wb-long' };
    const indicator = indicatorFromName(opts);
    return {
      format: 'wb-long',
      description: 'World Bank long CSV',
      width,
      read(f, line, emit) {
        emit({
          line,
          economy: f[e],
          indicator,
          year: f[y],
          value: f[v],
          seriesCode: indicator,
          economyColumn: col(e),
          indicatorColumn: '(file name or --indicator)',
          yearColumn: col(y),
          valueColumn: col(v),
        });
      },
    };
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
