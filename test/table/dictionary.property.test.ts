import fc from 'fast-check';
import { Dictionary, Int32, makeData, makeVector, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { dictionaryVector } from '../../src/table/observations.js';

/**
 * dictionaryVector writes its utf8 dictionary's offsets and bytes itself (no Arrow builder): its values, codes and the
 * IPC bytes of its dictionary must be those of the same codes over a dictionary made by Arrow's `vectorFromArray`.
 */
describe('dictionaryVector', () => {
  it('gives the bytes of a dictionary built by vectorFromArray, for any strings (multi-byte ones included)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 40 }),
        fc.array(fc.integer({ min: -1, max: 39 }), { maxLength: 60 }),
        (dict, raw) => {
          const codes = Int32Array.from(raw, (c) => (dict.length === 0 ? -1 : c < 0 ? -1 : c % dict.length));
          const ours = dictionaryVector(codes, dict);
          const data = Int32Array.from(codes, (c) => Math.max(c, 0));
          const nullCount = codes.filter((c) => c < 0).length;
          const nullBitmap = new Uint8Array((codes.length + 7) >> 3);
          codes.forEach((c, i) => {
            if (c >= 0) nullBitmap[i >> 3] |= 1 << (i & 7);
          });
          const arrows = makeVector(
            makeData({
              type: new Dictionary(new Utf8(), new Int32()),
              length: codes.length,
              nullCount,
              nullBitmap: nullCount ? nullBitmap : undefined,
              data,
              dictionary: vectorFromArray([...dict], new Utf8()),
            }),
          );
          expect(ours.toArray()).toEqual(arrows.toArray());
          // the dictionaries' own bytes (a table of the dictionary types would differ in their ids, a process-wide counter)
          const dictOf = (v: typeof ours) => tableToIPC(new Table({ d: v.data[0].dictionary! }), 'stream');
          expect(dictOf(ours)).toEqual(dictOf(arrows));
          expect(ours.data[0].values).toEqual(arrows.data[0].values);
          expect(ours.nullCount).toBe(arrows.nullCount);
        },
      ),
      { numRuns: 300, seed: 14 },
    );
  });
});
