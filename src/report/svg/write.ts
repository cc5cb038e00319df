/**
 * The SVG writer: a scene (scene.ts) as one standalone SVG document, white background, the frame translated by
 * vega's padding and origin; ids (gradients) prefixed with the chart's id, so several charts can share a page.
 */
import type { Gradient, Scene, SceneItem } from './scene.js';
import { PADDING } from './scene.js';
import { baselineOffset, escapeAttr, escapeText } from './text.js';

const FONT = 'Helvetica, Arial, sans-serif';
const ANCHOR = { left: 'start', center: 'middle', right: 'end' } as const;

const attrs = (a: Record<string, string | number | undefined>): string => {
  let s = '';
  for (const k in a) if (a[k] !== undefined) s += ` ${k}="${escapeAttr(String(a[k]))}"`;
  return s;
};

export function writeSvg(scene: Scene, prefix: string): string {
  const defs: string[] = [];
  const fill = (f: string | Gradient): string => {
    if (typeof f === 'string') return f;
    const id = `${prefix}-${defs.length + 1}`;
    defs.push(
      `<linearGradient${attrs({ id, x1: f.x1, x2: f.x2, y1: f.y1, y2: f.y2 })}>${f.stops.map((s) => `<stop${attrs({ offset: s.offset, 'stop-color': s.color })}/>`).join('')}</linearGradient>`,
    );
    return `url(#${id})`;
  };
  const item = (it: SceneItem): string => {
    switch (it.type) {
      case 'path':
        return `<path${attrs({ 'aria-label': it.label, d: it.d, fill: it.fill, stroke: it.stroke, 'stroke-width': it.strokeWidth })}/>`;
      case 'rect':
        // as a path, as vega writes a rect
        return `<path${attrs({ transform: `translate(${it.x},${it.y})`, d: `M0,0h${it.width}v${it.height}h${-it.width}Z`, fill: fill(it.fill), stroke: it.stroke, 'stroke-width': it.strokeWidth, opacity: it.opacity })}/>`;
      case 'rule':
        return `<line${attrs({ x1: it.x, y1: it.y, x2: it.x2, y2: it.y2, stroke: it.stroke, 'stroke-width': it.strokeWidth, 'stroke-dasharray': it.dash?.join(',') })}/>`;
      case 'symbol':
        return `<path${attrs({ transform: `translate(${it.x},${it.y})`, d: symbolPath(it.shape, it.size), fill: it.fill, opacity: it.opacity })}/>`;
      case 'line':
        return `<path${attrs({ d: `M${it.points.map((p) => `${p[0]},${p[1]}`).join('L')}`, stroke: it.stroke, 'stroke-width': it.strokeWidth, 'stroke-dasharray': it.dash?.join(',') })}/>`;
      case 'text': {
        const off = baselineOffset(it.baseline, it.fontSize);
        const transform = it.angle ? `translate(${it.x},${it.y}) rotate(${it.angle}) translate(0,${off})` : `translate(${it.x},${it.y + off})`;
        return `<text${attrs({ 'text-anchor': ANCHOR[it.align], transform, 'font-family': FONT, 'font-size': `${it.fontSize}px`, 'font-weight': it.fontWeight, fill: it.fill })}>${escapeText(it.text)}</text>`;
      }
    }
  };
  // consecutive items of one role in one group, as vega groups the items of a mark
  let body = '',
    role: string | undefined;
  for (const it of scene.items) {
    if (it.role !== role) {
      if (role !== undefined) body += '</g>';
      role = it.role;
      body += `<g class="${escapeAttr(`role-${role}`)}">`;
    }
    body += item(it);
  }
  if (role !== undefined) body += '</g>';
  const { width: w, height: h } = scene;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="graphics-document" aria-label="${escapeAttr(scene.label)}">` +
    `<rect width="${w}" height="${h}" fill="white"/>` +
    `<g fill="none" stroke-miterlimit="4" transform="translate(${scene.originX + PADDING},${scene.originY + PADDING})">${body}</g>` +
    (defs.length ? `<defs>${defs.join('')}</defs>` : '') +
    '</svg>'
  );
}

/**
 * A symbol of area `size` (px^2) centred on the origin, as vega draws it: a circle of radius sqrt(size)/2; an upward
 * triangle of vega's proportions (side sqrt(size) ... height sqrt(3)/2 of it, centred on its box).
 */
export function symbolPath(shape: 'circle' | 'triangle-up', size: number): string {
  const r = Math.sqrt(size) / 2;
  if (shape === 'circle') return `M${r},0A${r},${r},0,1,1,${-r},0A${r},${r},0,1,1,${r},0`;
  const h = (Math.sqrt(3) / 2) * r;
  return `M0,${-h}L${-r},${h}L${r},${h}Z`;
}
