/**
 * vega as the oracle of our chart renderer (src/report/svg): a chart's vega scenegraph flattened into the same
 * form as our scene (absolute frame coordinates; shapes' path strings and fills read from vega's SVG), and the
 * comparison of the two, mark by mark, within a tolerance in pixels.
 */
import { chartEngines } from '../../src/report/charts.js';
import type { Scene, SceneItem } from '../../src/report/svg/scene.js';

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e5e5e5' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start', fontWeight: 'bold' },
};

interface VegaItem {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  text?: string;
  fontSize?: number;
  fontWeight?: string;
  align?: string;
  baseline?: string;
  fill?: unknown;
  stroke?: string;
  strokeWidth?: number;
  strokeDash?: number[];
  opacity?: number;
  x2?: number;
  y2?: number;
  size?: number;
  shape?: string;
  angle?: number;
  items?: VegaMark[];
}
interface VegaMark {
  marktype: string;
  role: string;
  name?: string;
  items: VegaItem[];
}

export interface OracleScene {
  width: number;
  height: number;
  originX: number;
  originY: number;
  items: Array<SceneItem & { ax?: number }>;
}

/** vega's picture of a spec: view size and origin, texts, rects and shapes (in drawing order). */
export async function vegaScene(spec: object): Promise<OracleScene> {
  const { vega, compile } = await chartEngines();
  const vg = compile({ ...spec, config: CONFIG } as never).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logLevel: vega.Error });
  try {
    await view.runAsync();
    const svg = await view.toSVG();
    const items: SceneItem[] = [];
    // shapes: their path strings and fills as vega writes them, per layer in order
    const shapes: Array<{ d: string; fill: string; layer: string }> = [];
    for (const g of svg.matchAll(/<g class="mark-shape role-mark (\w+)"[^>]*>(.*?)<\/g>/g))
      for (const p of g[2].matchAll(/<path [^>]*?d="([^"]*)" fill="([^"]*)"/g)) shapes.push({ d: p[1], fill: p[2], layer: g[1] });
    let shape = 0;
    // a line mark's items are the vertices of one line
    const lineOf = (mark: VegaMark, ox: number, oy: number): void => {
      const first = mark.items[0];
      // (a line without a stroke draws nothing)
      if (first && first.stroke !== undefined)
        items.push({
          type: 'line',
          role: mark.role,
          points: mark.items.map((it) => [ox + (it.x ?? 0), oy + (it.y ?? 0)] as [number, number]),
          stroke: String(first.stroke),
          strokeWidth: first.strokeWidth ?? 1,
          ...(first.strokeDash ? { dash: first.strokeDash } : {}),
        });
    };
    const walk = (mark: VegaMark, ox: number, oy: number): void => {
      if (mark.marktype === 'line') {
        lineOf(mark, ox, oy);
        return;
      }
      for (const it of mark.items) {
        const x = ox + (it.x ?? 0),
          y = oy + (it.y ?? 0);
        if (mark.marktype === 'text' && (it.opacity === 0 || it.text === '')) {
          // a label vega hides (overlap) or leaves empty (log axis): not drawn
        } else if (mark.marktype === 'text')
          items.push({
            type: 'text',
            role: mark.role,
            x,
            y,
            text: String(it.text),
            fontSize: it.fontSize ?? 11,
            ...(it.fontWeight === 'bold' ? { fontWeight: 'bold' as const } : {}),
            align: (it.align ?? 'left') as 'left',
            baseline: (it.baseline ?? 'alphabetic') as 'top',
            fill: String(it.fill ?? '#000'),
            ...(it.angle ? { angle: it.angle } : {}),
          });
        else if (mark.marktype === 'rule')
          items.push({
            type: 'rule',
            role: mark.role,
            x,
            y,
            x2: ox + (it.x2 ?? it.x ?? 0),
            y2: oy + (it.y2 ?? it.y ?? 0),
            stroke: String(it.stroke),
            strokeWidth: it.strokeWidth ?? 1,
          });
        else if (mark.marktype === 'symbol' && it.fill === undefined) {
          // a symbol without a fill (or stroke) draws nothing
        } else if (mark.marktype === 'symbol')
          items.push({
            type: 'symbol',
            role: mark.role,
            x,
            y,
            size: it.size ?? 64,
            shape: (it.shape ?? 'circle') as 'circle',
            fill: String(it.fill),
            opacity: it.opacity ?? 1,
          });
        else if (mark.marktype === 'rect' && mark.role === 'mark')
          items.push({
            type: 'rect',
            role: mark.role,
            x,
            y,
            width: it.width ?? 0,
            height: it.height ?? 0,
            fill: String(it.fill),
            ...(it.opacity !== undefined && it.opacity !== 1 ? { opacity: it.opacity } : {}),
          });
        else if (mark.marktype === 'rect' && mark.role === 'legend-gradient') {
          const g = it.fill as { x1: number; y1: number; x2: number; y2: number; stops: Array<{ offset: number; color: string }> };
          items.push({
            type: 'rect',
            role: mark.role,
            x,
            y,
            width: it.width ?? 0,
            height: it.height ?? 0,
            fill: { x1: g.x1, y1: g.y1, x2: g.x2, y2: g.y2, stops: g.stops },
          });
        } else if (mark.marktype === 'shape') {
          const s = shapes[shape++];
          items.push({ type: 'path', role: s.layer, d: s.d, fill: s.fill });
        }
        for (const sub of it.items ?? []) walk(sub, x, y);
      }
    };
    walk((view.scenegraph() as unknown as { root: VegaMark }).root, 0, 0);
    const m = svg.match(/width="(\d+)" height="(\d+)"/)!,
      t = svg.match(/translate\(([-\d.]+),([-\d.]+)\)/)!;
    return { width: Number(m[1]), height: Number(m[2]), originX: Number(t[1]) - 5, originY: Number(t[2]) - 5, items };
  } finally {
    view.finalize();
  }
}

/** The differences between vega's scene and ours (a rule either way round) (empty: the same picture within `tol` px): per kind of item, in order. */
export function compareScenes(ours: Scene, theirs: OracleScene, tol = 0.5): string[] {
  const out: string[] = [];
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= tol;
  for (const k of ['width', 'height', 'originX', 'originY'] as const) if (ours[k] !== theirs[k]) out.push(`${k}: ours ${ours[k]}, vega ${theirs[k]}`);
  const kinds = (s: { items: SceneItem[] }, type: SceneItem['type']) => s.items.filter((i) => i.type === type);
  for (const type of ['path', 'rect', 'text', 'rule', 'symbol', 'line'] as const) {
    const a = kinds(ours, type),
      b = kinds(theirs, type);
    if (a.length !== b.length) out.push(`${type}: ours ${a.length}, vega ${b.length}`);
    // texts in vega's order need not be ours (legend title before labels): match texts by content and role
    const pool = [...b];
    for (const x of a) {
      const j = pool.findIndex((y) =>
        x.type === 'text' && y.type === 'text'
          ? x.text === y.text &&
            near(x.x, y.x) &&
            near(x.y, y.y) &&
            x.fontSize === y.fontSize &&
            x.align === y.align &&
            x.baseline === y.baseline &&
            (x.fontWeight ?? '') === (y.fontWeight ?? '') &&
            (x.angle ?? 0) === (y.angle ?? 0)
          : x.type === 'path' && y.type === 'path'
            ? x.d === y.d && x.fill === y.fill
            : x.type === 'rule' && y.type === 'rule'
              ? ((near(x.x, y.x) && near(x.y, y.y) && near(x.x2, y.x2) && near(x.y2, y.y2)) ||
                  (near(x.x, y.x2) && near(x.y, y.y2) && near(x.x2, y.x) && near(x.y2, y.y))) &&
                x.stroke === y.stroke &&
                x.strokeWidth === y.strokeWidth
              : x.type === 'symbol' && y.type === 'symbol'
                ? near(x.x, y.x) && near(x.y, y.y) && x.size === y.size && x.shape === y.shape && x.fill === y.fill && x.opacity === y.opacity
                : x.type === 'line' && y.type === 'line'
                  ? x.stroke === y.stroke &&
                    x.strokeWidth === y.strokeWidth &&
                    JSON.stringify(x.dash ?? null) === JSON.stringify(y.dash ?? null) &&
                    x.points.length === y.points.length &&
                    x.points.every((p, k) => near(p[0], y.points[k][0]) && near(p[1], y.points[k][1]))
                  : x.type === 'rect' && y.type === 'rect'
                    ? near(x.x, y.x) &&
                      near(x.y, y.y) &&
                      near(x.width, y.width) &&
                      near(x.height, y.height) &&
                      JSON.stringify(x.fill) === JSON.stringify(y.fill)
                    : false,
      );
      if (j < 0) out.push(`${type} of ours not in vega's: ${JSON.stringify(x).slice(0, 200)}`);
      else pool.splice(j, 1);
    }
    for (const y of pool) out.push(`${type} of vega's not in ours: ${JSON.stringify(y).slice(0, 200)}`);
  }
  return out;
}
