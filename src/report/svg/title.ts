/** The chart title as the report's config has it: 14 px bold, anchored at the start of the plot's bounds, 4 px above them. */
import type { SceneItem } from './scene.js';

export const TITLE_SIZE = 14;
export const TITLE_OFFSET = 4;

/** The title over a plot whose bounds start at x1 (left) and y1 (top). */
export function title(text: string, x1: number, y1: number): SceneItem {
  return {
    type: 'text',
    role: 'title-text',
    x: x1,
    y: y1 - TITLE_SIZE - TITLE_OFFSET,
    text,
    fontSize: TITLE_SIZE,
    fontWeight: 'bold',
    align: 'left',
    baseline: 'top',
    fill: '#000',
  };
}
