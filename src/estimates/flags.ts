/**
 * ITU's own country estimates in the inputs: in the DataHub exports the only sign is the row's source (or note)
 * text, "ITU estimate." and variants. The test runs once per dictionary string, then per row over the codes.
 */
import type { Table, Vector } from 'apache-arrow';
import { marksEstimate as marksItuEstimate, panelIndex, type EstimateMarker, type Panel } from '../idi/imputation/index.js';
import { dictionaryStrings, isValidRow, rowValues } from '../table/data-view.js';

export { marksItuEstimate, type EstimateMarker };

/**
 * A mask in the panel's layout: 1 where the observation of (indicator, year, economy) is marked as an ITU
 * estimate, for the panel rows listed in `rows` (marks of row `from[i]` are written to row `to[i]`).
 */
export function ituEstimateMask(table: Table, panel: Panel, marker: EstimateMarker, rows: readonly { from: string; to: number }[]): Uint8Array {
  const mask = new Uint8Array(panel.values.length);
  const last = panel.firstYear + panel.nYears - 1;
  const econIndex = new Map(panel.economies.map((e, k) => [e, k]));
  const target = new Map<string, number[]>();
  for (const r of rows) target.set(r.from, [...(target.get(r.from) ?? []), r.to]);
  const econ = table.getChild('economy'),
    ind = table.getChild('indicator'),
    year = table.getChild('year');
  const texts = marker.columns.map((c) => table.getChild(c)).filter((c): c is Vector => c !== null);
  if (!econ || !ind || !year) return mask;
  for (let b = 0; b < econ.data.length; b++) {
    const ed = econ.data[b],
      id = ind.data[b],
      yd = year.data[b];
    const eMap = Int32Array.from(strings(ed), (s) => econIndex.get(s) ?? -1);
    const iTargets = strings(id).map((s) => target.get(s));
    const marked = texts.map((c) => {
      const d = c.data[b];
      return { d, hit: Uint8Array.from(strings(d), (s) => (marksItuEstimate(s, marker.prefixes) ? 1 : 0)) };
    });
    const eCodes = codes(ed),
      iCodes = codes(id),
      years = rowValues<Int16Array>(yd);
    const tCodes = marked.map((m) => codes(m.d));
    for (let r = 0; r < ed.length; r++) {
      const to = iTargets[iCodes[r]],
        e = eMap[eCodes[r]],
        y = years[r];
      if (!to || e < 0 || y < panel.firstYear || y > last) continue;
      let hit = 0;
      for (let t = 0; t < marked.length && !hit; t++) if (valid(marked[t].d, r)) hit = marked[t].hit[tCodes[t][r]];
      if (hit) for (const k of to) mask[panelIndex(panel, k, y, e)] = 1;
    }
  }
  return mask;
}

type Data = { values: unknown; offset: number; length: number; nullCount: number; nullBitmap?: Uint8Array | null; dictionary?: Vector };
const codes = (d: Data): Int32Array => rowValues<Int32Array>(d);
const strings = (d: Data): string[] => dictionaryStrings(d) as string[];
const valid = isValidRow;
