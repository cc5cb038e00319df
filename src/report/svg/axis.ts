/**
 * Quantitative axes as vega-lite draws them with the report's config: grid (#e5e5e5), ticks of 5 px, labels 2 px
 * beyond them (11 px; the x axis's end labels flush with its ends), a domain line (#888), the title 4 px beyond the
 * labels (12 px bold; on the left, rotated). About one tick per 40 px (`ceil(length / 40)`), as d3 places them;
 * tick and grid positions are rounded, labels are not; overlapping labels are thinned as vega's "parity" strategy
 * does (every other one dropped until none overlap). Lines sit half a pixel off, as vega draws them crisp.
 */
import { formatFloat, type Linear, type log10Nice, tickFormat } from './scale.js';
import { Bounds, type SceneItem } from './scene.js';
import { textBox } from './text.js';

const TICK = 5,
  LABEL_PADDING = 2,
  LABEL_SIZE = 11,
  TITLE_SIZE = 12,
  TITLE_PADDING = 4,
  GRID = '#e5e5e5',
  LINE = '#888';

export interface AxisOptions {
  orient: 'bottom' | 'left';
  scale: Linear;
  /** The plot's width and height. */
  width: number;
  height: number;
  title: string;
  grid: boolean;
  /**
   * A band axis instead (the scale then only gives the range): one tick and label per category at its band's centre,
   * the ticks half a pixel before it (vega's band axis tick offset) and rounded, the labels neither rounded nor thinned.
   */
  band?: { labels: string[]; centres: number[] /** A point scale's (ordinal x): ticks at the rounded centres, no offset. */; point?: boolean };
  /** Labels turned by this angle (vega-lite turns the labels of an ordinal x axis by 270 degrees: right-aligned, middle). */
  labelAngle?: 270;
  /** A log axis (`log10Nice`): vega's default 10 ticks, labels only where d3's log format gives one, thinned greedily. */
  log?: boolean;
}

/** The axis's items in two layers (the grid goes under the marks) and its bounds in frame coordinates (vega leaves out the half pixel). */
export function axis(o: AxisOptions): { grid: SceneItem[]; items: SceneItem[]; bounds: Bounds } {
  const bottom = o.orient === 'bottom';
  const length = bottom ? o.width : o.height;
  const [d0, d1] = o.scale.domain;
  const lo = Math.min(d0, d1),
    hi = Math.max(d0, d1);
  const count = o.log ? 10 : Math.ceil(length / 40);
  const band = o.band;
  const values = band ? band.centres : o.scale.ticks(count).filter((v) => v >= lo && v <= hi),
    format = band
      ? (v: number) => band.labels[band.centres.indexOf(v)]
      : o.log
        ? (v: number) => ((o.scale as ReturnType<typeof log10Nice>).labelled(v) ? formatFloat(v) : '')
        : tickFormat(lo, hi, count);
  const at = band ? (v: number) => v : o.scale;
  const tickAt = band ? (v: number) => Math.round(band.point ? v : v - 0.5) : (v: number) => Math.round(o.scale(v));
  const range = o.scale.range;
  const ox = 0,
    oy = bottom ? o.height : 0;
  const grid: SceneItem[] = [],
    items: SceneItem[] = [];
  const bounds = new Bounds();
  const rule = (role: string, x: number, y: number, x2: number, y2: number, stroke: string): SceneItem => {
    // a tick's bounds reach out by its stroke width (vega bounds an axis by its ticks, labels, range and title, not its domain line)
    if (role === 'axis-tick') bounds.add(Math.min(x, x2) - 1, Math.min(y, y2) - 1, Math.max(x, x2) + 1, Math.max(y, y2) + 1);
    return { type: 'rule', role, x: x + 0.5, y: y + 0.5, x2: x2 + 0.5, y2: y2 + 0.5, stroke, strokeWidth: 1 };
  };
  for (const v of values) {
    const p = tickAt(v);
    if (o.grid) grid.push(bottom ? { ...line(p + 0.5, oy + 0.5, p + 0.5, 0.5, GRID) } : { ...line(0.5, p + 0.5, o.width + 0.5, p + 0.5, GRID) });
  }
  for (const v of values) {
    const p = tickAt(v);
    items.push(bottom ? rule('axis-tick', p, oy, p, oy + TICK, LINE) : rule('axis-tick', ox, p, ox - TICK, p, LINE));
  }
  // labels, thinned while any two neighbours overlap
  let labels = values.map((v) => {
    const p = at(v);
    const a = Math.min(range[0], range[1]),
      b = Math.max(range[0], range[1]);
    const l = Math.abs(p - a),
      r = Math.abs(b - p);
    const align = o.labelAngle ? 'right' : bottom ? (l < r && l <= 1 ? 'left' : r <= 1 ? 'right' : 'center') : 'right';
    const x = bottom ? p : ox - TICK - LABEL_PADDING,
      y = bottom ? oy + TICK + LABEL_PADDING : p;
    const baseline = bottom && !o.labelAngle ? 'top' : 'middle';
    const text = format(v);
    return { x, y, text, align, baseline, box: textBox(x, y, text, LABEL_SIZE, align, baseline, o.labelAngle ?? 0) } as const;
  });
  const overlaps = (ls: typeof labels): boolean => {
    for (let i = 1; i < ls.length; ++i) {
      const a = ls[i - 1].box,
        b = ls[i].box;
      if (a.x1 <= b.x2 && b.x1 <= a.x2 && a.y1 <= b.y2 && b.y1 <= a.y2) return true;
    }
    return false;
  };
  if (o.log) {
    // vega's "greedy": each label hidden if it overlaps the last one kept (the empty ones left out first)
    labels = labels.filter((l) => l.text !== '');
    let last = labels[0];
    labels = labels.filter((l, i) => {
      const a = last.box,
        b = l.box;
      if (i && a.x1 <= b.x2 && b.x1 <= a.x2 && a.y1 <= b.y2 && b.y1 <= a.y2) return false;
      last = l;
      return true;
    });
  } else while (!band && labels.length > 2 && overlaps(labels)) labels = labels.filter((_, i) => i % 2 === 0);
  labels = labels.filter((l) => l.text !== '');
  for (const l of labels) {
    items.push({
      type: 'text',
      role: 'axis-label',
      x: l.x + 0.5,
      y: l.y + 0.5,
      text: l.text,
      fontSize: LABEL_SIZE,
      align: l.align,
      baseline: l.baseline,
      fill: '#000',
      ...(o.labelAngle ? { angle: o.labelAngle } : {}),
    });
    bounds.add(l.box.x1, l.box.y1, l.box.x2, l.box.y2);
  }
  // the axis's extent beyond the plot: its ticks' and labels' (vega's axis layout)
  const extent = values.length ? (bottom ? bounds.y2 - oy : ox - bounds.x1) : 0;
  if (bottom) bounds.add(0, oy, length, oy + extent);
  else bounds.add(ox - extent, 0, ox, length);
  items.push(bottom ? rule('axis-domain', range[0], oy, range[1], oy, LINE) : rule('axis-domain', ox, range[0], ox, range[1], LINE));
  if (o.title) {
    const x = bottom ? o.width / 2 : ox - extent - TITLE_PADDING,
      y = bottom ? oy + extent + TITLE_PADDING : o.height / 2;
    const baseline = bottom ? 'top' : 'bottom',
      angle = bottom ? 0 : -90;
    items.push({
      type: 'text',
      role: 'axis-title',
      x: x + 0.5,
      y: y + 0.5,
      text: o.title,
      fontSize: TITLE_SIZE,
      fontWeight: 'bold',
      align: 'center',
      baseline,
      fill: '#000',
      ...(angle ? { angle } : {}),
    });
    const b = textBox(x, y, o.title, TITLE_SIZE, 'center', baseline, angle);
    bounds.add(b.x1, b.y1, b.x2, b.y2);
  }
  return { grid, items, bounds };
}

const line = (x: number, y: number, x2: number, y2: number, stroke: string): SceneItem => ({
  type: 'rule',
  role: 'axis-grid',
  x,
  y,
  x2,
  y2,
  stroke,
  strokeWidth: 1,
});
