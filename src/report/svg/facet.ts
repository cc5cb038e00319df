/**
 * The price-basket medians (charts.ts, `price-medians`): one cell per basket in vega-lite's facet grid (3 columns,
 * independent scales): per cell an ordinal x axis of its years (a point scale, labels turned), a y axis from zero
 * made nice (d3's nice, count 10) with ceil(height / 40) ticks and a grid, a line and points per group, World
 * thicker; the basket's name as the cell's header (12 px bold, centred, 10 px above the cell's y axis bounds, which
 * reach 11 px above the plot); the colour legend 18 px right of the grid. The grid is vega's layout "none" with
 * 20 px padding and full bounds: a cell's x is the previous one's plus the previous column's widest right bound
 * (rounded up), the padding and its own left overhang (rounded up); rows alike.
 */
import { yearLines } from './year-lines.js';
import { LEGEND_OFFSET, symbolLegend } from './legend.js';
import { niceDomain } from './scale.js';
import { Bounds, type Scene, type SceneItem, viewOf } from './scene.js';
import { textBox } from './text.js';
import { TITLE_OFFSET, TITLE_SIZE, title } from './title.js';

const PADDING = 20,
  HEADER_SIZE = 12,
  HEADER_OFFSET = 10,
  /** How far vega's left-axis bounds reach above the plot (its label font size). */
  AXIS_OVERHANG = 11;

export interface FacetChart {
  title: string;
  width: number;
  height: number;
  columns: number;
  yTitle: string;
  legendTitle: string;
  order: string[];
  domain: string[];
  colors: string[];
  thick: { group: string; width: number; otherWidth: number };
  point: { size: number };
  rows: Array<{ facet: string; group: string; year: number; value: number }>;
}

interface Cell {
  items: SceneItem[];
  bounds: Bounds;
}

function cellOf(c: FacetChart, facet: string): Cell {
  const rows = c.rows.filter((r) => r.facet === facet);
  const { items, ax, ay, xAt, y, color } = yearLines({ ...c, rows, yDomain: niceDomain(0, Math.max(0, ...rows.map((r) => r.value))) });
  for (const r of rows) {
    const fill = color(r.group);
    if (fill) items.push({ type: 'symbol', role: 'mark-point', x: xAt.get(r.year)!, y: y(r.value), size: c.point.size, shape: 'circle', fill, opacity: 1 });
  }
  items.push(...ax.items, ...ay.items);
  // (vega lays the grid out with the left axis's bounds half a pixel further left: its group's crisp offset)
  const left = ay.bounds.x1 - 0.5;
  const b = new Bounds().add(ax.bounds.x1, ax.bounds.y1, ax.bounds.x2, ax.bounds.y2).add(left, -AXIS_OVERHANG, ay.bounds.x2, c.height + AXIS_OVERHANG);
  b.add(left, ay.bounds.y1, ay.bounds.x2, ay.bounds.y2).add(0, 0, c.width, c.height);
  const hy = -AXIS_OVERHANG - HEADER_SIZE - HEADER_OFFSET;
  items.push({
    type: 'text',
    role: 'title-text',
    x: c.width / 2,
    y: hy,
    text: facet,
    fontSize: HEADER_SIZE,
    fontWeight: 'bold',
    align: 'center',
    baseline: 'top',
    fill: '#000',
  });
  const hb = textBox(c.width / 2, hy, facet, HEADER_SIZE, 'center', 'top');
  b.add(hb.x1, hb.y1, hb.x2, hb.y2);
  return { items, bounds: b };
}

const shift = (it: SceneItem, dx: number, dy: number): SceneItem =>
  it.type === 'line'
    ? { ...it, points: it.points.map(([x, y]) => [x + dx, y + dy] as [number, number]) }
    : it.type === 'rule'
      ? { ...it, x: it.x + dx, y: it.y + dy, x2: it.x2 + dx, y2: it.y2 + dy }
      : it.type === 'path'
        ? it
        : { ...it, x: it.x + dx, y: it.y + dy };

export function facetScene(c: FacetChart): Scene {
  const facets = c.order.filter((f) => c.rows.some((r) => r.facet === f));
  const cells = facets.map((f) => cellOf(c, f));
  const n = cells.length,
    ncols = c.columns,
    nrows = Math.ceil(n / ncols);
  const xExtent = new Array<number>(ncols).fill(0),
    yExtent = new Array<number>(nrows).fill(0);
  const off = (v: number): number => (v < 0 ? Math.ceil(-v) : 0);
  cells.forEach((cell, i) => {
    xExtent[i % ncols] = Math.max(xExtent[i % ncols], Math.ceil(cell.bounds.x2));
    yExtent[Math.floor(i / ncols)] = Math.max(yExtent[Math.floor(i / ncols)], Math.ceil(cell.bounds.y2));
  });
  const xs = new Array<number>(n),
    ys = new Array<number>(n);
  for (let i = 0; i < n; ++i) {
    const col = i % ncols,
      row = Math.floor(i / ncols);
    xs[i] = col ? xs[i - 1] + PADDING + off(cells[i].bounds.x1) + xExtent[col - 1] : 0;
    ys[i] = row ? ys[i - ncols] + PADDING + off(cells[i].bounds.y1) + yExtent[row - 1] : 0;
  }
  const items: SceneItem[] = [];
  const b = new Bounds();
  cells.forEach((cell, i) => {
    for (const it of cell.items) items.push(shift(it, xs[i], ys[i]));
    b.add(cell.bounds.x1 + xs[i], cell.bounds.y1 + ys[i], cell.bounds.x2 + xs[i], cell.bounds.y2 + ys[i]);
  });
  const lx = Math.round(b.x2 + LEGEND_OFFSET);
  const legend = symbolLegend({
    x: lx,
    y: 0,
    title: c.legendTitle,
    entries: c.domain.map((g, k) => ({ label: g, fill: c.colors[k % c.colors.length], shape: 'circle', opacity: 1 })),
    grow: 3,
  });
  items.push(...legend.items);
  b.add(lx, 0, lx + legend.width, legend.height);
  items.push(title(c.title, b.x1, b.y1));
  const tb = textBox(b.x1, b.y1 - TITLE_SIZE - TITLE_OFFSET, c.title, TITLE_SIZE, 'left', 'top');
  b.add(tb.x1, tb.y1, tb.x2, tb.y2);
  return { ...viewOf(b), label: c.title, items };
}
