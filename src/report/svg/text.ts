/**
 * Text as vega lays it out without a canvas (vega-scenegraph src/util/text.js): the width estimate
 * `~~(0.8 * length * fontSize)` and its own baseline offsets, so labels sit where vega puts them.
 */
export const estimateWidth = (text: string, fontSize: number): number => Math.trunc(0.8 * text.length * fontSize);

export type Baseline = 'top' | 'middle' | 'bottom' | 'alphabetic';
/** The y offset vega adds to a text's anchor for its baseline (rounded, as vega rounds it). */
export function baselineOffset(baseline: Baseline, fontSize: number): number {
  return Math.round(baseline === 'top' ? 0.79 * fontSize : baseline === 'middle' ? 0.3 * fontSize : baseline === 'bottom' ? -0.21 * fontSize : 0);
}

/** XML escaping as vega's markup writer does it: text content, and attribute values (quotes and whitespace too). */
// (a test first: most strings, such as path data, need nothing, and the map's run to hundreds of kilobytes)
export const escapeText = (s: string): string => (/[&<>]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s);
export const escapeAttr = (s: string): string =>
  /[&<>"\t\n\r]/.test(s) ? escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;') : s;

/**
 * A text's box as vega bounds it (vega-scenegraph marks/text.js): its estimated width placed by its alignment, and
 * from the baseline offset less 0.8 of the font size down by the font size; a rotated text's box rotated about its anchor.
 */
export function textBox(
  x: number,
  y: number,
  text: string,
  fontSize: number,
  align: 'left' | 'center' | 'right',
  baseline: Baseline,
  angle = 0,
): { x1: number; y1: number; x2: number; y2: number } {
  const w = estimateWidth(text, fontSize);
  const dx = align === 'center' ? -w / 2 : align === 'right' ? -w : 0;
  const dy = baselineOffset(baseline, fontSize) - Math.round(0.8 * fontSize);
  if (angle === -90 || angle === 270) return { x1: x + dy, y1: y - dx - w, x2: x + dy + fontSize, y2: y - dx };
  if (angle !== 0) throw new Error(`text box: angle ${angle} is not supported`);
  return { x1: x + dx, y1: y + dy, x2: x + dx + w, y2: y + dy + fontSize };
}
