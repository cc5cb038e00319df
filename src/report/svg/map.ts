/**
 * The world map chart (charts.ts `worldMapSpec` over the build's projected map): every shape grey, the economies with
 * a score filled from vega's "blues" scheme over [0, scale], a gradient legend on the right, the title above.
 */
import type { ProjectedFeature } from '../world-map.js';
import { gradientLegend, LEGEND_OFFSET } from './legend.js';
import { type Scene, type SceneItem, viewOf } from './scene.js';
import { scheme } from './scale.js';
import { title } from './title.js';

const STROKE = 0.4;

/** A polygon's path as vega writes it (each ring M...L...Z, without the closing point GeoJSON repeats). */
export function ringsPath(rings: number[][][]): string {
  let d = '';
  for (const ring of rings) {
    const n = ring.length - 1;
    for (let i = 0; i < n; ++i) d += `${i ? 'L' : 'M'}${ring[i][0]},${ring[i][1]}`;
    if (n > 0) d += 'Z';
  }
  return d;
}

export interface MapChart {
  title: string;
  legendTitle: string;
  width: number;
  height: number;
  domain: [number, number];
  features: ProjectedFeature[];
  /** Score by M49 code. */
  scores: Map<string, number>;
}

export function mapScene(m: MapChart): Scene {
  const color = scheme('blues');
  const [d0, d1] = m.domain;
  const items: SceneItem[] = [];
  let minX = Number.POSITIVE_INFINITY,
    minY = Number.POSITIVE_INFINITY,
    maxX = Number.NEGATIVE_INFINITY,
    maxY = Number.NEGATIVE_INFINITY;
  const paths = m.features.map((f) => {
    for (const ring of f.geometry.coordinates)
      for (const [x, y] of ring) {
        if (x < minX) minX = x;
        if (y < minY) minY = y;
        if (x > maxX) maxX = x;
        if (y > maxY) maxY = y;
      }
    return ringsPath(f.geometry.coordinates);
  });
  m.features.forEach((_, k) => items.push({ type: 'path', role: 'map-shape', d: paths[k], fill: '#dddddd', stroke: 'white', strokeWidth: STROKE }));
  m.features.forEach((f, k) => {
    const v = f.id === undefined ? undefined : m.scores.get(f.id);
    if (v === undefined || !Number.isFinite(v)) return;
    items.push({
      type: 'path',
      role: 'map-score',
      d: paths[k],
      fill: color((v - d0) / (d1 - d0)),
      stroke: 'white',
      strokeWidth: STROKE,
      label: `${m.legendTitle}: ${v}`,
    });
  });
  const legend = gradientLegend({ x: m.width + LEGEND_OFFSET, y: 0, title: m.legendTitle, domain: m.domain, color: (t) => color(t) });
  items.push(...legend.items);
  // vega's bounds of a stroked shape reach out by the stroke's width; the frame itself is the plot's rectangle
  const x1 = Math.min(0, minX - STROKE),
    y1 = Math.min(0, minY - STROKE);
  const t = title(m.title, x1, y1);
  items.push(t);
  const view = viewOf({
    x1,
    y1: t.type === 'text' ? t.y : y1,
    x2: Math.max(m.width, maxX + STROKE, m.width + LEGEND_OFFSET + legend.width),
    y2: Math.max(m.height, maxY + STROKE, legend.height),
  });
  return { ...view, label: m.title, items };
}
