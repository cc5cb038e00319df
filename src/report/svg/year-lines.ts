/**
 * The frame both line charts share (lines.ts, facet.ts): an ordinal x axis of the years (a point scale with half a
 * step of padding, labels turned 270 degrees), a linear y axis with its grid, and a line per group in its colour
 * (the one thick group's wider), drawn over the grids; the caller adds its points, then the axes' items.
 */
import { axis } from './axis.js';
import { linear } from './scale.js';
import type { SceneItem } from './scene.js';

export interface YearLinesInput {
  rows: Array<{ group: string; year: number; value: number }>;
  width: number;
  height: number;
  yDomain: [number, number];
  yTitle: string;
  domain: string[];
  colors: string[];
  /** The stroke width of the one thick group's line, and of the others'. */
  thick: { group: string; width: number; otherWidth: number };
}

export function yearLines(o: YearLinesInput): {
  items: SceneItem[];
  ax: ReturnType<typeof axis>;
  ay: ReturnType<typeof axis>;
  xAt: Map<number, number>;
  y: ReturnType<typeof linear>;
  color: (group: string) => string | undefined;
} {
  const years = [...new Set(o.rows.map((r) => r.year))].sort((a, b) => a - b);
  const step = o.width / years.length;
  const xAt = new Map(years.map((y, i) => [y, step / 2 + i * step]));
  const y = linear(o.yDomain, [o.height, 0]);
  const ax = axis({
    orient: 'bottom',
    scale: linear([0, 1], [0, o.width]),
    width: o.width,
    height: o.height,
    title: '',
    grid: false,
    band: { labels: years.map(String), centres: years.map((v) => xAt.get(v)!), point: true },
    labelAngle: 270,
  });
  const ay = axis({ orient: 'left', scale: y, width: o.width, height: o.height, title: o.yTitle, grid: true });
  const items: SceneItem[] = [...ax.grid, ...ay.grid];
  const color = (g: string): string | undefined => {
    const i = o.domain.indexOf(g);
    return i < 0 ? undefined : o.colors[i % o.colors.length];
  };
  for (const g of [...new Set(o.rows.map((r) => r.group))]) {
    const stroke = color(g);
    if (!stroke) continue;
    const pts = o.rows
      .filter((r) => r.group === g)
      .sort((a, b) => a.year - b.year)
      .map((r) => [xAt.get(r.year)!, y(r.value)] as [number, number]);
    items.push({ type: 'line', role: 'mark-line', points: pts, stroke, strokeWidth: g === o.thick.group ? o.thick.width : o.thick.otherWidth });
  }
  return { items, ax, ay, xAt, y, color };
}
