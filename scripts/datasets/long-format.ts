/** The canonical long format of `datasets/<source>/<indicator>.csv` and helpers shared by the converters. */
import { createHash } from 'node:crypto';
import { csvRow } from '../../src/util/csv.js';
import type { EconomyRegistry } from '../../src/registry/economies.js';
import type { IndicatorDef, IndicatorRegistry } from '../../src/registry/indicators.js';

export const LONG_HEADER = ['economy', 'indicator', 'year', 'value', 'note', 'source', 'series_code'] as const;

export interface Observation {
  economy: string;
  indicator: string;
  year: number;
  value: number;
  note: string;
  source: string;
  series_code: string;
}

/** reason → code → count of source rows not converted. */
export type DropCounts = Record<string, Record<string, number>>;

export interface SourceOutput {
  id: string;
  observations: Observation[];
  dropped: DropCounts;
  /** Files besides the per-indicator ones (path relative to `datasets/<id>/` → content). */
  extraFiles?: Map<string, string>;
  /** Source-specific checks worth reporting (e.g. duplicate columns that disagree). */
  checks?: Record<string, unknown>;
}

export function countDrop(dropped: DropCounts, reason: string, code: string): void {
  (dropped[reason] ??= {})[code] = (dropped[reason][code] ?? 0) + 1;
}

/**
 * The registry economy for a code found in a source file, or null (counted in `dropped`).
 * DataHub non-ISO codes that stand for an ISO economy are mapped and the original code returned for the note.
 */
export function economyFor(economies: EconomyRegistry, code: string, dropped: DropCounts): { iso3: string; viaCode?: string } | null {
  const c = economies.classify(code);
  switch (c.kind) {
    case 'economy':
      // Only exact codes: a name or an ISO2 in a code column would be a source error worth seeing.
      if (c.economy.iso3 !== code.trim().toUpperCase()) throw new Error(`source code "${code}" is not an ISO3 code (it names ${c.economy.iso3})`);
      return { iso3: c.economy.iso3 };
    case 'non-iso':
      if (c.iso3) return { iso3: c.iso3, viaCode: c.code };
      countDrop(dropped, 'non-iso code without ISO3', code);
      return null;
    case 'aggregate':
      countDrop(dropped, 'aggregate', code);
      return null;
    default:
      countDrop(dropped, 'not an economy', code);
      return null;
  }
}

/** The registry indicator for a source code; a missing alias is a registry gap to fix in indicators.json. */
export function indicatorFor(indicators: IndicatorRegistry, code: string): IndicatorDef {
  const def = indicators.find(code);
  if (!def) throw new Error(`no indicator in indicators/indicators.json has the alias "${code}"; add it there`);
  return def;
}

export const joinNotes = (...notes: string[]): string =>
  notes
    .map((n) => n.trim())
    .filter(Boolean)
    .join('; ');

/** One indicator's observations as CSV, sorted by economy then year (then series code, for determinism). */
export function observationsCsv(rows: readonly Observation[]): string {
  const sorted = [...rows].sort((a, b) =>
    a.economy < b.economy ? -1 : a.economy > b.economy ? 1 : a.year - b.year || (a.series_code < b.series_code ? -1 : a.series_code > b.series_code ? 1 : 0),
  );
  return csvRow(LONG_HEADER) + sorted.map((o) => csvRow(LONG_HEADER.map((k) => o[k]))).join('');
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
