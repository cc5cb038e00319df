/**
 * The index against affordability (charts.ts, `idi-vs-affordability`): a point per economy at its basket's % of
 * GNI p.c. (x, log scale made nice to whole powers of ten) and its score (y), coloured by region, with a symbol
 * legend of the regions on the right.
 */
import { axis } from './axis.js';
import { LEGEND_OFFSET, symbolLegend } from './legend.js';
import { linear, log10Nice } from './scale.js';
import { type Scene, type SceneItem, viewOf } from './scene.js';
import { textBox } from './text.js';
import { TITLE_OFFSET, TITLE_SIZE, title } from './title.js';

export interface ScatterChart {
  title: string;
  width: number;
  height: number;
  xTitle: string;
  yTitle: string;
  yDomain: [number, number];
  legendTitle: string;
  point: { size: number; opacity: number };
  /** The colour scale: an ordinal over the domain (a group outside it is not drawn, as vega draws it: without a fill). */
  domain: string[];
  colors: string[];
  rows: Array<{ x: number; y: number; group: string }>;
}

export function scatterScene(c: ScatterChart): Scene {
  let min = Number.POSITIVE_INFINITY,
    max = Number.NEGATIVE_INFINITY;
  for (const r of c.rows) {
    if (r.x < min) min = r.x;
    if (r.x > max) max = r.x;
  }
  const x = log10Nice(min, max, [0, c.width]),
    y = linear(c.yDomain, [c.height, 0]);
  const domain = c.domain;
  const color = (g: string): string | undefined => {
    const i = domain.indexOf(g);
    return i < 0 ? undefined : c.colors[i % c.colors.length];
  };
  const ax = axis({ orient: 'bottom', scale: x, width: c.width, height: c.height, title: c.xTitle, grid: true, log: true });
  const ay = axis({ orient: 'left', scale: y, width: c.width, height: c.height, title: c.yTitle, grid: true });
  const items: SceneItem[] = [...ax.grid, ...ay.grid];
  for (const r of c.rows) {
    // a group outside the colour domain gets no colour from vega's scale, so vega draws its point without a fill: nothing to see
    const fill = color(r.group);
    if (fill) items.push({ type: 'symbol', role: 'mark-point', x: x(r.x), y: y(r.y), size: c.point.size, shape: 'circle', fill, opacity: c.point.opacity });
  }
  items.push(...ax.items, ...ay.items);
  const legend = symbolLegend({
    x: c.width + LEGEND_OFFSET,
    y: 0,
    title: c.legendTitle,
    entries: domain.map((g) => ({ label: g, fill: color(g)!, shape: 'circle' as const, opacity: c.point.opacity })),
  });
  items.push(...legend.items);
  const b = ax.bounds;
  b.add(ay.bounds.x1, ay.bounds.y1, ay.bounds.x2, ay.bounds.y2)
    .add(0, 0, c.width, c.height)
    .add(c.width + LEGEND_OFFSET, 0, c.width + LEGEND_OFFSET + legend.width, legend.height);
  items.push(title(c.title, b.x1, b.y1));
  const tb = textBox(b.x1, b.y1 - TITLE_SIZE - TITLE_OFFSET, c.title, TITLE_SIZE, 'left', 'top');
  b.add(tb.x1, tb.y1, tb.x2, tb.y2);
  return { ...viewOf(b), label: c.title, items };
}
