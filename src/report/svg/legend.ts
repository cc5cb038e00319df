/**
 * Legends as vega lays them out with the report's config (labels 11 px, titles 12 px bold): a vertical gradient
 * legend (vega's defaults: 16 x 200 px, labels 2 px right of it, the title 5 px above, 18 px right of the plot).
 */
import type { Gradient, SceneItem } from './scene.js';
import { tickFormat, ticks } from './scale.js';
import { estimateWidth } from './text.js';

export const LEGEND_OFFSET = 18;
/** vega's space between two legends on the same side (its legend layout's `margin`, 8 by default). */
export const LEGEND_MARGIN = 8;
const LABEL_SIZE = 11,
  TITLE_SIZE = 12,
  TITLE_PADDING = 5,
  GRADIENT_LENGTH = 200,
  GRADIENT_THICKNESS = 16,
  LABEL_OFFSET = 2,
  /** vega's legend title limit. */
  TITLE_LIMIT = 180;

/** A gradient legend for a sequential colour scale over [d0, d1] at (x, y): its items and its width and height. */
export function gradientLegend(o: { x: number; y: number; title: string; domain: [number, number]; color: (t: number) => string }): {
  items: SceneItem[];
  width: number;
  height: number;
} {
  const [d0, d1] = o.domain;
  const top = o.y + TITLE_SIZE + TITLE_PADDING;
  // vega samples the gradient at 21 stops
  const gradient: Gradient = { x1: 0, y1: 1, x2: 0, y2: 0, stops: Array.from({ length: 21 }, (_, i) => ({ offset: i / 20, color: o.color(i / 20) })) };
  const items: SceneItem[] = [
    legendTitle(o.x, o.y, o.title),
    {
      type: 'rect',
      role: 'legend-gradient',
      x: o.x,
      y: top,
      width: GRADIENT_THICKNESS,
      height: GRADIENT_LENGTH,
      fill: gradient,
      stroke: '#ddd',
      strokeWidth: 0,
    },
  ];
  const values = ticks(d0, d1, 5),
    format = tickFormat(d0, d1, 5);
  let labelWidth = 0;
  for (const v of values) {
    const text = format(v);
    labelWidth = Math.max(labelWidth, estimateWidth(text, LABEL_SIZE));
    // the end labels are flush with the gradient's ends
    const baseline = v === d0 ? 'bottom' : v === d1 ? 'top' : 'middle';
    const y = top + (1 - (v - d0) / (d1 - d0)) * GRADIENT_LENGTH;
    items.push({
      type: 'text',
      role: 'legend-label',
      x: o.x + GRADIENT_THICKNESS + LABEL_OFFSET,
      y,
      text,
      fontSize: LABEL_SIZE,
      align: 'left',
      baseline,
      fill: '#000',
    });
  }
  const width = Math.max(GRADIENT_THICKNESS + LABEL_OFFSET + labelWidth, Math.min(TITLE_LIMIT, estimateWidth(o.title, TITLE_SIZE)));
  return { items, width, height: TITLE_SIZE + TITLE_PADDING + GRADIENT_LENGTH };
}

/** A legend's title at (x, y): 12 px bold, its top at y. */
function legendTitle(x: number, y: number, text: string): SceneItem {
  return { type: 'text', role: 'legend-title', x, y, text, fontSize: TITLE_SIZE, fontWeight: 'bold', align: 'left', baseline: 'top', fill: '#000' };
}

/** vega's legend rows for its default 100 px² symbols: the symbol's centre 6 px in, the label at 16 px, rows 2 px apart. */
const SYMBOL_X = 6,
  SYMBOL_LABEL_X = 16,
  SYMBOL_SIZE = 100,
  SYMBOL_STROKE = 1.5;

/** A symbol legend (one row per entry: its symbol, then its label) at (x, y): its items and its width and height. */
export function symbolLegend(o: {
  x: number;
  y: number;
  title: string | null;
  entries: Array<{ label: string; fill: string; shape: 'circle' | 'triangle-up'; opacity: number }>;
  /** Whether vega strokes the symbols (transparently, for a point mark's legend): their bounds then grow by the 1.5 px stroke. */
  stroked?: boolean;
  /** How far a symbol's bounds grow instead (the colour legend of a line mark, stroked and filled in the colour: 3 px, as measured against vega). */
  grow?: number;
}): { items: SceneItem[]; width: number; height: number } {
  const items: SceneItem[] = [];
  const top = o.title ? o.y + TITLE_SIZE + TITLE_PADDING : o.y;
  if (o.title) items.push(legendTitle(o.x, o.y, o.title));
  let labelWidth = 0,
    rowTop = top,
    bottom = top,
    lastExtent = 0;
  // each row as high as its symbol's or label's bounds, the next 2 px below (rounded, as vega's grid layout places them)
  const r = Math.sqrt(SYMBOL_SIZE) / 2,
    grow = o.grow ?? (o.stroked ? SYMBOL_STROKE : 0);
  o.entries.forEach((e, i) => {
    if (i) rowTop = top + Math.round(bottom - top + 2);
    const half = e.shape === 'circle' ? r : (Math.sqrt(3) / 2) * r;
    bottom = rowTop + Math.max(LABEL_SIZE, SYMBOL_X + half + grow);
    lastExtent = Math.max(LABEL_SIZE, SYMBOL_X + half + Math.min(grow, SYMBOL_STROKE));
    const cy = rowTop + SYMBOL_X;
    items.push({ type: 'symbol', role: 'legend-symbol', x: o.x + SYMBOL_X, y: cy, size: SYMBOL_SIZE, shape: e.shape, fill: e.fill, opacity: e.opacity });
    items.push({
      type: 'text',
      role: 'legend-label',
      x: o.x + SYMBOL_LABEL_X,
      y: cy,
      text: e.label,
      fontSize: LABEL_SIZE,
      align: 'left',
      baseline: 'middle',
      fill: '#000',
    });
    labelWidth = Math.max(labelWidth, estimateWidth(e.label, LABEL_SIZE));
  });
  const width = Math.max(SYMBOL_LABEL_X + labelWidth, o.title ? Math.min(TITLE_LIMIT, estimateWidth(o.title, TITLE_SIZE)) : 0);
  // the legend's own height: its last row's symbol grows by the stroke alone (1.5 px), whatever the rows' spacing
  // took (measured against vega: a colour legend of 7 stroked circles under a title is 126 px high, not 127)
  return { items, width, height: Math.ceil(rowTop + lastExtent - o.y) };
}
