/**
 * The index by region (charts.ts, `idi-by-region`): per ITU region (a band of the y axis, in the spec's order, the
 * regions present), vega-lite's min-max boxplot of the scores (whiskers from the minimum to the first quartile and
 * from the third quartile to the maximum, the box from the first to the third quartile in the region's colour, the
 * median a black tick, in the box's colour when the box has no width) and the regional mean as a black tick over it. Quartiles as vega computes them (d3's
 * R-7 quantiles of the sorted values).
 */
import { axis } from './axis.js';
import { linear } from './scale.js';
import { type Scene, type SceneItem, viewOf } from './scene.js';
import { textBox } from './text.js';
import { TITLE_OFFSET, TITLE_SIZE, title } from './title.js';

export interface BoxplotChart {
  title: string;
  width: number;
  height: number;
  xTitle: string;
  xDomain: [number, number];
  /** The categories' order and colours (those with values are drawn). */
  order: string[];
  colors: string[];
  box: { size: number; medianColor: string };
  mean: { color: string; thickness: number; size: number };
  rows: Array<{ region: string; score: number }>;
}

/** vega-lite's default opacity of a tick mark. */
const TICK_OPACITY = 0.7;

/** d3's quantileSorted (R-7): the linear interpolation between the order statistics around (n - 1) p. */
function quantileSorted(v: Float64Array, p: number): number {
  const i = (v.length - 1) * p,
    lo = Math.floor(i);
  return lo + 1 < v.length ? v[lo] + (v[lo + 1] - v[lo]) * (i - lo) : v[lo];
}

export function boxplotScene(c: BoxplotChart): Scene {
  const groups = new Map<string, number[]>();
  for (const r of c.rows) {
    let g = groups.get(r.region);
    if (!g) groups.set(r.region, (g = []));
    g.push(r.score);
  }
  const present = c.order.filter((k) => groups.has(k)).concat([...groups.keys()].filter((k) => !c.order.includes(k)).sort());
  const step = c.height / present.length;
  const centres = present.map((_, i) => step * i + step / 2);
  const x = linear(c.xDomain, [0, c.width]);
  const ax = axis({ orient: 'bottom', scale: x, width: c.width, height: c.height, title: c.xTitle, grid: true });
  const ay = axis({
    orient: 'left',
    scale: linear([0, 1], [0, c.height]),
    width: c.width,
    height: c.height,
    title: '',
    grid: false,
    band: { labels: present, centres },
  });
  const items: SceneItem[] = [...ax.grid];
  present.forEach((region, i) => {
    const values = Float64Array.from(groups.get(region)!).sort();
    const [min, q1, median, q3, max] = [0, 0.25, 0.5, 0.75, 1].map((p) => quantileSorted(values, p));
    let sum = 0;
    for (const v of values) sum += v;
    const mean = sum / values.length;
    const y = centres[i],
      color = c.colors[c.order.indexOf(region)] ?? '#000';
    items.push(
      { type: 'rule', role: 'mark-whisker', x: x(min), y, x2: x(q1), y2: y, stroke: 'black', strokeWidth: 1 },
      { type: 'rule', role: 'mark-whisker', x: x(q3), y, x2: x(max), y2: y, stroke: 'black', strokeWidth: 1 },
      { type: 'rect', role: 'mark-box', x: x(q1), y: y - c.box.size / 2, width: x(q3) - x(q1), height: c.box.size, fill: color },
      // (vega-lite gives a box of no width its median in the box's colour)
      {
        type: 'rect',
        role: 'mark-median',
        x: x(median) - 0.5,
        y: y - c.box.size / 2,
        width: 1,
        height: c.box.size,
        fill: q1 === q3 ? color : c.box.medianColor,
        opacity: TICK_OPACITY,
      },
      {
        type: 'rect',
        role: 'mark-mean',
        x: x(mean) - c.mean.thickness / 2,
        y: y - c.mean.size / 2,
        width: c.mean.thickness,
        height: c.mean.size,
        fill: c.mean.color,
      },
    );
  });
  items.push(...ax.items, ...ay.items);
  const b = ax.bounds;
  b.add(ay.bounds.x1, ay.bounds.y1, ay.bounds.x2, ay.bounds.y2).add(0, 0, c.width, c.height);
  items.push(title(c.title, b.x1, b.y1));
  const tb = textBox(b.x1, b.y1 - TITLE_SIZE - TITLE_OFFSET, c.title, TITLE_SIZE, 'left', 'top');
  b.add(tb.x1, tb.y1, tb.x2, tb.y2);
  return { ...viewOf(b), label: c.title, items };
}
