import type { Groupings } from '../registry/groupings.js';
import type { ImputationSpec } from './methodology.js';
import { panelIndex, type Panel } from './panel.js';

/** How a cell of the data-year matrix got its value. */
export const CELL = {
  observed: 0,
  earlier: 1, // the latest available year within the methodology's look-back window
  'nearest-year': 2,
  interpolation: 3,
  regression: 4,
  'group-median': 5,
  'hot-deck': 6,
  missing: 255,
} as const;
export const CELL_NAMES: Record<number, string> = Object.fromEntries(Object.entries(CELL).map(([k, v]) => [v, k]));

export interface ImputationRecord {
  method: ImputationSpec['method'];
  /** One sentence a statistician can check. */
  detail: string;
  inputs: Record<string, number | string | number[] | string[]>;
}

/** The values of one data year, indicator-major (values[k * nE + e]), with how each cell was obtained. */
export interface YearMatrix {
  year: number;
  economies: string[];
  indicators: string[];
  values: Float64Array;
  status: Uint8Array;
  yearUsed: Int16Array;
  records: Map<number, ImputationRecord>;
}

/** The data year's observations, or the latest earlier year within `latestWithin` years (its year recorded). */
export function yearMatrix(panel: Panel, year: number, latestWithin: number): YearMatrix {
  const nE = panel.economies.length, nK = panel.indicators.length;
  const values = new Float64Array(nK * nE).fill(NaN), status = new Uint8Array(nK * nE).fill(CELL.missing), yearUsed = new Int16Array(nK * nE);
  for (let k = 0; k < nK; k++) {
    for (let d = 0; d <= latestWithin; d++) {
      const y = year - d;
      if (y < panel.firstYear || y >= panel.firstYear + panel.nYears) continue;
      const base = panelIndex(panel, k, y, 0);
      for (let e = 0; e < nE; e++) {
        const cell = k * nE + e;
        if (status[cell] !== CELL.missing) continue;
        const x = panel.values[base + e];
        if (Number.isNaN(x)) continue;
        values[cell] = x;
        status[cell] = d === 0 ? CELL.observed : CELL.earlier;
        yearUsed[cell] = y;
      }
    }
  }
  return { year, economies: panel.economies, indicators: panel.indicators, values, status, yearUsed, records: new Map() };
}

export interface ImputationContext {
  panel: Panel;
  groupings: Groupings;
  /** Indicators (matrix rows) to impute: the methodology's leaves. */
  targets: readonly number[];
  /** Economies to impute for (those that pass the coverage rule). */
  active: Uint8Array;
  /** Valid range of each matrix row, to keep regression estimates plausible. */
  range: (indicator: string) => [number, number];
}

/** Apply the methodology's imputation methods in order; each fills only cells still missing. */
export function impute(m: YearMatrix, methods: readonly ImputationSpec[], ctx: ImputationContext): void {
  for (const spec of methods) {
    switch (spec.method) {
      case 'nearest-year': nearestYear(m, ctx, spec.window); break;
      case 'interpolation': interpolate(m, ctx, spec.maxGap ?? 10); break;
      case 'regression': regress(m, ctx, spec.target, spec.predictor, spec.minObservations ?? 10); break;
      case 'group-median': groupMedian(m, ctx, spec.groupings, spec.minGroupSize ?? 3); break;
      case 'hot-deck': hotDeck(m, ctx, spec.similarity, spec.sameGroup); break;
    }
  }
}

const isKnown = (s: number): boolean => s !== CELL.missing;
const isReported = (s: number): boolean => s === CELL.observed || s === CELL.earlier;

function forEachMissing(m: YearMatrix, ctx: ImputationContext, k: number, f: (e: number, cell: number) => void): void {
  const nE = m.economies.length;
  for (let e = 0; e < nE; e++) {
    const cell = k * nE + e;
    if (ctx.active[e] && m.status[cell] === CELL.missing) f(e, cell);
  }
}

function set(m: YearMatrix, cell: number, value: number, code: number, year: number, record: ImputationRecord): void {
  m.values[cell] = value;
  m.status[cell] = code;
  m.yearUsed[cell] = year;
  m.records.set(cell, record);
}

/** The observation of the nearest year within the window (the earlier one on a tie). */
function nearestYear(m: YearMatrix, ctx: ImputationContext, window: number): void {
  const p = ctx.panel;
  for (const k of ctx.targets) forEachMissing(m, ctx, k, (e, cell) => {
    for (let d = 1; d <= window; d++) for (const y of [m.year - d, m.year + d]) {
      if (y < p.firstYear || y >= p.firstYear + p.nYears) continue;
      const x = p.values[panelIndex(p, k, y, e)];
      if (Number.isNaN(x)) continue;
      set(m, cell, x, CELL['nearest-year'], y, { method: 'nearest-year', detail: `value of ${y} (nearest year within ${window})`, inputs: { year: y, value: x } });
      return;
    }
  });
}

/** Linear interpolation between the nearest observed years before and after, at most `maxGap` apart. */
function interpolate(m: YearMatrix, ctx: ImputationContext, maxGap: number): void {
  const p = ctx.panel;
  for (const k of ctx.targets) forEachMissing(m, ctx, k, (e, cell) => {
    let y0 = -1, y1 = -1;
    for (let y = m.year - 1; y >= p.firstYear && m.year - y < maxGap; y--) if (!Number.isNaN(p.values[panelIndex(p, k, y, e)])) { y0 = y; break; }
    if (y0 < 0) return;
    for (let y = m.year + 1; y < p.firstYear + p.nYears && y - y0 <= maxGap; y++) if (!Number.isNaN(p.values[panelIndex(p, k, y, e)])) { y1 = y; break; }
    if (y1 < 0) return;
    const v0 = p.values[panelIndex(p, k, y0, e)], v1 = p.values[panelIndex(p, k, y1, e)];
    const x = v0 + (v1 - v0) * (m.year - y0) / (y1 - y0);
    set(m, cell, x, CELL.interpolation, m.year, { method: 'interpolation', detail: `linear between ${y0} (${v0}) and ${y1} (${v1})`, inputs: { years: [y0, y1], values: [v0, v1] } });
  });
}

/** Ordinary least squares of target on predictor, fitted on the economies that report both in the data year itself. */
function regress(m: YearMatrix, ctx: ImputationContext, target: string, predictor: string, minObservations: number): void {
  const nE = m.economies.length;
  const t = m.indicators.indexOf(target), x = m.indicators.indexOf(predictor);
  if (t < 0 || x < 0 || !ctx.targets.includes(t)) return;
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (let e = 0; e < nE; e++) {
    if (m.status[t * nE + e] !== CELL.observed || m.status[x * nE + e] !== CELL.observed) continue;
    const a = m.values[x * nE + e], b = m.values[t * nE + e];
    n++; sx += a; sy += b; sxx += a * a; sxy += a * b; syy += b * b;
  }
  if (n < minObservations) return;
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const intercept = (sy - slope * sx) / n;
  const r2 = (n * sxy - sx * sy) ** 2 / ((n * sxx - sx * sx) * (n * syy - sy * sy));
  if (!Number.isFinite(slope)) return;
  const [lo, hi] = ctx.range(target);
  forEachMissing(m, ctx, t, (e, cell) => {
    if (!isKnown(m.status[x * nE + e])) return;
    const xv = m.values[x * nE + e];
    const est = Math.min(hi, Math.max(lo, intercept + slope * xv));
    set(m, cell, est, CELL.regression, m.year, {
      method: 'regression',
      detail: `${target} = ${round(intercept)} + ${round(slope)} x ${predictor} (${xv}); OLS over ${n} economies of ${m.year}, R2 ${round(r2)}`,
      inputs: { predictor, predictorValue: xv, intercept, slope, n, r2 },
    });
  });
}

/** Median of the economies in the same cell of the groupings' cross-classification; coarser when too few. */
function groupMedian(m: YearMatrix, ctx: ImputationContext, groupings: readonly string[], minGroupSize: number): void {
  const nE = m.economies.length;
  const labels = groupings.map((g) => m.economies.map((iso3) => ctx.groupings.groupOf(g, iso3)));
  for (const k of ctx.targets) forEachMissing(m, ctx, k, (e, cell) => {
    for (let depth = groupings.length; depth > 0; depth--) {
      if (labels.slice(0, depth).some((l) => l[e] === undefined)) continue;
      const xs: number[] = [];
      for (let d = 0; d < nE; d++) {
        if (!isReported(m.status[k * nE + d])) continue;
        let same = true;
        for (let g = 0; g < depth && same; g++) same = labels[g][d] === labels[g][e];
        if (same) xs.push(m.values[k * nE + d]);
      }
      if (xs.length < minGroupSize) continue;
      xs.sort((a, b) => a - b);
      const med = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
      const group = labels.slice(0, depth).map((l) => l[e]!).join(' x ');
      set(m, cell, med, CELL['group-median'], m.year, { method: 'group-median', detail: `median of ${xs.length} economies in ${group} (${groupings.slice(0, depth).join(' x ')})`, inputs: { group, n: xs.length, median: med } });
      return;
    }
  });
}

/** The value of the most similar economy (nearest log of the similarity indicator), in the same group if set. */
function hotDeck(m: YearMatrix, ctx: ImputationContext, similarity: string, sameGroup?: string): void {
  const nE = m.economies.length;
  const s = m.indicators.indexOf(similarity);
  if (s < 0) return;
  const group = sameGroup ? m.economies.map((iso3) => ctx.groupings.groupOf(sameGroup, iso3)) : undefined;
  for (const k of ctx.targets) forEachMissing(m, ctx, k, (e, cell) => {
    const se = m.values[s * nE + e];
    if (!(se > 0) || (group && group[e] === undefined)) return;
    let best = -1, bestGap = Infinity;
    for (let d = 0; d < nE; d++) {
      if (d === e || !isReported(m.status[k * nE + d]) || (group && group[d] !== group[e])) continue;
      const sd = m.values[s * nE + d];
      if (!(sd > 0)) continue;
      const gap = Math.abs(Math.log(sd) - Math.log(se));
      if (gap < bestGap) { bestGap = gap; best = d; }
    }
    if (best < 0) return;
    const donor = m.economies[best];
    const x = m.values[k * nE + best];
    set(m, cell, x, CELL['hot-deck'], m.year, {
      method: 'hot-deck',
      detail: `value of ${donor} (${similarity} ${m.values[s * nE + best]} vs ${se}${group ? `, both in ${group[e]}` : ''})`,
      inputs: { donor, donorSimilarity: m.values[s * nE + best], similarity: se },
    });
  });
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
