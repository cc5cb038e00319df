/**
 * The memory of one batch of a column, row-aligned. Apache Arrow JS slices a fixed-width column's value buffer when
 * it slices the column (`Data.slice` -> `_sliceBuffers`), so `values[i]` is row i whatever `offset` is; `offset`
 * applies only to the validity bitmap, which is shared unsliced. Every reader of a column's typed array or bits goes
 * through these two functions so that a sliced table reads the same as an unsliced one.
 */
export interface ColumnData {
  values: unknown;
  offset: number;
  length: number;
  nullCount: number;
  nullBitmap?: Uint8Array | null;
}

/** The typed array of a fixed-width column (dictionary codes for a dictionary column), one element per row. */
export function rowValues<T extends Int16Array | Int32Array | Float64Array>(data: ColumnData): T {
  return (data.values as T).subarray(0, data.length) as T;
}

/** Whether row i (0-based within the batch) holds a value: its bit in the validity bitmap, read at the batch's offset. */
export function isValidRow(data: ColumnData, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap) return true;
  const bit = data.offset + i;
  return ((data.nullBitmap[bit >> 3] >> (bit & 7)) & 1) === 1;
}

// (a dictionary is shared by every table cut from one snapshot: its strings are decoded once, not once per reader)
const decoded = new WeakMap<object, ReadonlyArray<string | null>>();

/** The strings of a dictionary column's dictionary (code -> string), decoded once per dictionary; [] without one. */
export function dictionaryStrings(data: { dictionary?: { toArray(): unknown } | null }): ReadonlyArray<string | null> {
  const dict = data.dictionary;
  if (!dict) return [];
  let s = decoded.get(dict);
  if (s === undefined) decoded.set(dict, (s = Array.from(dict.toArray() as ArrayLike<string | null>)));
  return s;
}
