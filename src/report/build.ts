/**
 * `buildReport`: regenerate a Measuring the Information Society edition from one data vintage — the IDI
 * and price-basket tables as CSV, Markdown, HTML and one XLSX workbook, SVG charts, and a self-contained
 * `index.html`. Deterministic: the same inputs give byte-identical files (no clock in any content; the only
 * "date" is the data vintage). Used by `ictstat report` and by the HTTP server (`/report`).
 *
 * This module stays light on purpose: it starts the thread of the scenario ranks of the sensitivity analysis
 * beside the caller's and only then loads the builder (src/report/compose.ts) with the data, index and table
 * code. The charts are drawn on the caller's thread by our own renderer (src/report/svg): vega is not loaded
 * (it stays the renderer's test oracle). The thread runs the same functions the caller's thread would: every
 * file is byte for byte what one thread writes.
 */
import { ScenarioPool } from '../idi/sensitivity-pool.js';
import { bundledMethodologies, bundledMethodologyEditions } from '../idi/bundled-methodologies.js';
import { UserInputError } from '../util/errors.js';
import type { ReportOptions, ReportResult } from './compose.js';
import { RenderThread } from './render-pool.js';

export type { ReportOptions, ReportResult, ReportSummary } from './compose.js';

export async function buildReport(o: ReportOptions): Promise<ReportResult> {
  const draws = o.sensitivityDraws ?? 1000;
  const threads = {
    // all six charts are ours: no chart thread, no vega
    svg: RenderThread.here('svg'),
    // no built worker script (or no thread to be had): the analysis runs on this thread
    pool: draws > 0 ? ScenarioPool.start(1).catch(() => undefined) : Promise.resolve(undefined),
  };
  try {
    const { composeReport } = await import('./compose.js');
    return await composeReport(o, threads);
  } finally {
    await Promise.all([threads.svg.close(), threads.pool.then((p) => p?.close())]);
  }
}

/** The methodology of an edition: the bundled one of that edition, else the latest bundled one before it. */
export function defaultMethodology(edition: number): string {
  let best: { id: string; edition: number } | undefined;
  for (const { id, edition: e } of bundledMethodologyEditions()) {
    if (e === undefined || e > edition) continue;
    if (!best || e > best.edition) best = { id, edition: e };
  }
  if (!best)
    throw new UserInputError(`no bundled methodology for edition ${edition} or earlier (bundled: ${bundledMethodologies().join(', ')}); give a methodology`, {
      code: 'no-methodology',
      field: 'methodology',
      value: edition,
    });
  return best.id;
}
