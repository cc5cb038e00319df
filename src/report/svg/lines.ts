/**
 * Internet use over the years (charts.ts, `internet-use-estimates`): per group a line over the years (x, ordinal:
 * a point scale with half a step of padding; labels turned 270 degrees), World thicker, and a point per value whose
 * shape tells estimate from nowcast; on the right the groups' colour legend, and 8 px below it (vega's margin between
 * legends of one side) the shape legend.
 */
import { yearLines } from './year-lines.js';
import { LEGEND_MARGIN, LEGEND_OFFSET, symbolLegend } from './legend.js';
import { type Scene, viewOf } from './scene.js';
import { textBox } from './text.js';
import { TITLE_OFFSET, TITLE_SIZE, title } from './title.js';

export interface LinesChart {
  title: string;
  width: number;
  height: number;
  yTitle: string;
  /** The colour legend's title (the groups). */
  legendTitle: string;
  yDomain: [number, number];
  domain: string[];
  colors: string[];
  /** The stroke width of the one thick group's line, and of the others'. */
  thick: { group: string; width: number; otherWidth: number };
  point: { size: number; opacity: number };
  shapes: { domain: string[]; range: Array<'circle' | 'triangle-up'> };
  rows: Array<{ group: string; year: number; value: number; shape: string }>;
}

export function linesScene(c: LinesChart): Scene {
  const { items, ax, ay, xAt, y, color } = yearLines(c);
  for (const r of c.rows) {
    const fill = color(r.group),
      k = c.shapes.domain.indexOf(r.shape);
    if (fill && k >= 0)
      items.push({
        type: 'symbol',
        role: 'mark-point',
        x: xAt.get(r.year)!,
        y: y(r.value),
        size: c.point.size,
        shape: c.shapes.range[k],
        fill,
        opacity: c.point.opacity,
      });
  }
  items.push(...ax.items, ...ay.items);
  const lx = c.width + LEGEND_OFFSET;
  const groupLegend = symbolLegend({
    x: lx,
    y: 0,
    title: c.legendTitle,
    entries: c.domain.map((g, k) => ({ label: g, fill: c.colors[k % c.colors.length], shape: 'circle', opacity: c.point.opacity })),
    grow: 3,
  });
  const shapesTop = groupLegend.height + LEGEND_MARGIN;
  const legend = symbolLegend({
    x: lx,
    y: shapesTop,
    title: null,
    entries: c.shapes.domain.map((s, k) => ({ label: s, fill: 'black', shape: c.shapes.range[k], opacity: c.point.opacity })),
    stroked: true,
  });
  items.push(...groupLegend.items, ...legend.items);
  const b = ax.bounds;
  b.add(ay.bounds.x1, ay.bounds.y1, ay.bounds.x2, ay.bounds.y2)
    .add(0, 0, c.width, c.height)
    .add(lx, 0, lx + groupLegend.width, groupLegend.height)
    .add(lx, shapesTop, lx + legend.width, shapesTop + legend.height);
  items.push(title(c.title, b.x1, b.y1));
  const tb = textBox(b.x1, b.y1 - TITLE_SIZE - TITLE_OFFSET, c.title, TITLE_SIZE, 'left', 'top');
  b.add(tb.x1, tb.y1, tb.x2, tb.y2);
  return { ...viewOf(b), label: c.title, items };
}
