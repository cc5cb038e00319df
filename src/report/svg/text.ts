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
export const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
export const escapeAttr = (s: string): string =>
  escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');
