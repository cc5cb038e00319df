/**
 * The report's Facts and Figures section: world and ITU-region estimates of Internet use over the edition's last
 * seven data years, computed as ITU does (every economy, the missing ones estimated first, population-weighted),
 * each with the share of the population whose value is estimated.
 */
import type { ReportTable } from '../table/report-table.js';
import type { DataSource } from '../usecases/data-source.js';
import { estimateAggregates } from '../usecases/estimates.js';

export interface FactsAndFigures {
  tables: ReportTable[];
  /** World and regional series for the chart (finite values only). */
  series: Array<{ group: string; year: number; value: number; estimatedShare: number; nowcast: boolean }>;
}

export async function factsAndFigures(o: { source: DataSource; dataYear: number; years?: number; notes: string[] }): Promise<FactsAndFigures> {
  const from = o.dataYear - (o.years ?? 7) + 1;
  const r = await estimateAggregates({ indicator: 'internet_users_pct', from, to: o.dataYear, groupings: ['world', 'itu-region-2025'], source: o.source });
  const table: ReportTable = {
    ...r.table,
    id: 'facts-internet-use',
    title: `Individuals using the Internet, World and ITU regions, ${from}-${o.dataYear} (estimates as ITU computes them)`,
    sheet: 'facts-internet-use',
    notes: [...r.table.notes, ...o.notes],
  };
  const series = r.table.rows
    .filter((x) => typeof x.value === 'number' && Number.isFinite(x.value))
    .map((x) => ({
      group: x.group as string,
      year: x.year as number,
      value: x.value as number,
      estimatedShare: x.estimated_share as number,
      nowcast: x.nowcast === 'nowcast',
    }));
  return { tables: [table], series };
}
