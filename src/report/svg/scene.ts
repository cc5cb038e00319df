/**
 * The scene of a chart: its marks in absolute pixel coordinates of the plot's frame (what vega's scenegraph holds,
 * flattened), which the writer (write.ts) serialises and the oracle test compares with vega's own scenegraph.
 */
import type { Baseline } from './text.js';

export interface Gradient {
  /** From (x1, y1) to (x2, y2) in the box's unit square, as vega writes a linear gradient. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  stops: Array<{ offset: number; color: string }>;
}

export type SceneItem =
  | { type: 'rule'; role: string; x: number; y: number; x2: number; y2: number; stroke: string; strokeWidth: number; dash?: number[] }
  | { type: 'symbol'; role: string; x: number; y: number; size: number; shape: 'circle' | 'triangle-up'; fill: string; opacity: number }
  | { type: 'line'; role: string; points: Array<[number, number]>; stroke: string; strokeWidth: number; dash?: number[] }
  | { type: 'path'; role: string; d: string; fill: string; stroke?: string; strokeWidth?: number; label?: string }
  | {
      type: 'rect';
      role: string;
      x: number;
      y: number;
      width: number;
      height: number;
      fill: string | Gradient;
      stroke?: string;
      strokeWidth?: number;
      opacity?: number;
    }
  | {
      type: 'text';
      role: string;
      x: number;
      y: number;
      text: string;
      fontSize: number;
      fontWeight?: 'bold';
      align: 'left' | 'center' | 'right';
      baseline: Baseline;
      fill: string;
      angle?: number;
    };

export interface Scene {
  /** The chart's size with vega's padding (5 px) and the frame's origin in it (both as vega's autosize "pad" gives them). */
  width: number;
  height: number;
  originX: number;
  originY: number;
  /** Read by assistive technology (vega writes the same as aria labels). */
  label: string;
  items: SceneItem[];
}

/** vega's default view padding. */
export const PADDING = 5;

/** The bounds of what is drawn, in frame coordinates, and the view they give: vega's autosize "pad" (whole pixels). */
export function viewOf(bounds: { x1: number; y1: number; x2: number; y2: number }): { width: number; height: number; originX: number; originY: number } {
  const originX = Math.ceil(-bounds.x1),
    originY = Math.ceil(-bounds.y1);
  return {
    originX,
    originY,
    width: Math.ceil(bounds.x2 - bounds.x1) + 2 * PADDING,
    height: Math.ceil(bounds.y2 - bounds.y1) + 2 * PADDING,
  };
}

/** Bounds in frame coordinates, grown by what is drawn. */
export class Bounds {
  x1 = Number.POSITIVE_INFINITY;
  y1 = Number.POSITIVE_INFINITY;
  x2 = Number.NEGATIVE_INFINITY;
  y2 = Number.NEGATIVE_INFINITY;
  add(x1: number, y1: number, x2: number, y2: number): this {
    if (x1 < this.x1) this.x1 = x1;
    if (y1 < this.y1) this.y1 = y1;
    if (x2 > this.x2) this.x2 = x2;
    if (y2 > this.y2) this.y2 = y2;
    return this;
  }
}
