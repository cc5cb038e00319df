/**
 * The rank-intervals chart (charts.ts, `idi-rank-intervals`): per ranked economy at its published rank (x), a rule
 * from its 5th to its 95th percentile rank and a dot at its median rank (y, reversed: rank 1 on top), and the
 * dashed diagonal where the median equals the published rank.
 */
import { axis } from './axis.js';
import { linear } from './scale.js';
import { type Scene, type SceneItem, viewOf } from './scene.js';
import { textBox } from './text.js';
import { TITLE_OFFSET, TITLE_SIZE, title } from './title.js';

export interface IntervalsChart {
  title: string;
  width: number;
  height: number;
  xTitle: string;
  yTitle: string;
  xDomain: [number, number];
  yDomain: [number, number];
  rule: { color: string; width: number };
  point: { color: string; size: number };
  diagonal: { color: string; width: number; dash: number[]; from: [number, number]; to: [number, number] };
  rows: Array<{ rank: number; median: number; p05: number; p95: number }>;
}

/** vega-lite's default opacity of a filled point mark. */
const POINT_OPACITY = 0.7;

export function intervalsScene(c: IntervalsChart): Scene {
  const x = linear(c.xDomain, [0, c.width]),
    y = linear(c.yDomain, [0, c.height]);
  const ax = axis({ orient: 'bottom', scale: x, width: c.width, height: c.height, title: c.xTitle, grid: true });
  const ay = axis({ orient: 'left', scale: y, width: c.width, height: c.height, title: c.yTitle, grid: true });
  const items: SceneItem[] = [...ax.grid, ...ay.grid];
  for (const r of c.rows)
    items.push({ type: 'rule', role: 'mark-rule', x: x(r.rank), y: y(r.p05), x2: x(r.rank), y2: y(r.p95), stroke: c.rule.color, strokeWidth: c.rule.width });
  for (const r of c.rows)
    items.push({
      type: 'symbol',
      role: 'mark-point',
      x: x(r.rank),
      y: y(r.median),
      size: c.point.size,
      shape: 'circle',
      fill: c.point.color,
      opacity: POINT_OPACITY,
    });
  const d = c.diagonal;
  items.push({
    type: 'line',
    role: 'mark-line',
    points: [
      [x(d.from[0]), y(d.from[1])],
      [x(d.to[0]), y(d.to[1])],
    ],
    stroke: d.color,
    strokeWidth: d.width,
    dash: d.dash,
  });
  items.push(...ax.items, ...ay.items);
  const b = ax.bounds;
  b.add(ay.bounds.x1, ay.bounds.y1, ay.bounds.x2, ay.bounds.y2).add(0, 0, c.width, c.height);
  const t = title(c.title, b.x1, b.y1);
  items.push(t);
  const tb = textBox(b.x1, b.y1 - TITLE_SIZE - TITLE_OFFSET, c.title, TITLE_SIZE, 'left', 'top');
  b.add(tb.x1, tb.y1, tb.x2, tb.y2);
  return { ...viewOf(b), label: c.title, items };
}
