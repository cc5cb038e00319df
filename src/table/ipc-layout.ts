import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataType, Dictionary, Float64, Int16, Int32, makeData, makeVector, Table, tableFromIPC, Utf8, type Vector } from 'apache-arrow';

/**
 * Where each buffer of a single-batch Arrow IPC file lies in the file, so that a reader can make the columns as
 * views of the file's bytes without the IPC reader (flatbuffer metadata, message loop, vector loader): what the
 * bundled-data snapshot records at build time (scripts/build-snapshot.ts) and `loadBundled` reads it with. Only
 * the canonical observation columns' types: dictionary<utf8, int32>, int16, int32, float64.
 */
export interface ColumnLayout {
  name: string;
  type: 'dictionary' | 'int16' | 'int32' | 'float64';
  length: number;
  nullCount: number;
  /** [byte offset in the file, byte length] */
  values: [number, number];
  validity?: [number, number];
  dictionary?: { length: number; offsets: [number, number]; data: [number, number] };
}

/** The layout of an IPC file's columns (read back once with the IPC reader, whose buffers are views of `bytes`). */
export function ipcLayout(bytes: Uint8Array): ColumnLayout[] {
  const t = tableFromIPC(bytes);
  if (t.batches.length !== 1) throw new Error('ipcLayout needs a single-batch IPC file');
  const at = (a: ArrayBufferView): [number, number] => {
    if (a.buffer !== bytes.buffer) throw new Error('an IPC buffer is not a view of the file');
    return [a.byteOffset - bytes.byteOffset, a.byteLength];
  };
  return t.schema.fields.map((f) => {
    const d = t.getChild(f.name)!.data[0];
    if (d.offset !== 0) throw new Error(`column ${f.name}: offset ${d.offset}`);
    const type = DataType.isDictionary(d.type)
      ? 'dictionary'
      : DataType.isFloat(d.type)
        ? 'float64'
        : DataType.isInt(d.type) && (d.type as Int16).bitWidth === 16
          ? 'int16'
          : 'int32';
    const col: ColumnLayout = { name: f.name, type, length: d.length, nullCount: d.nullCount, values: at(d.values) };
    if (d.nullCount > 0 && d.nullBitmap) col.validity = at(d.nullBitmap);
    if (type === 'dictionary') {
      const dict = d.dictionary!.data[0];
      if (d.dictionary!.data.length !== 1 || !DataType.isUtf8(dict.type) || dict.nullCount > 0) throw new Error(`column ${f.name}: not a utf8 dictionary`);
      col.dictionary = { length: dict.length, offsets: at(dict.valueOffsets), data: at(dict.values) };
    }
    return col;
  });
}

/** The table of an IPC file from its layout, its columns views of `bytes`; null when a buffer is out of bounds or misaligned. */
export function tableFromLayout(bytes: Uint8Array, layout: readonly ColumnLayout[]): Table | null {
  const ok = ([off, len]: [number, number], align: number): boolean =>
    Number.isInteger(off) && Number.isInteger(len) && off >= 0 && off + len <= bytes.byteLength && (bytes.byteOffset + off) % align === 0;
  const view = <T>(C: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number }, r: [number, number]): T =>
    new C(bytes.buffer, bytes.byteOffset + r[0], r[1] / C.BYTES_PER_ELEMENT);
  const columns: Record<string, Vector> = {};
  for (const c of layout) {
    const width = c.type === 'float64' ? 8 : c.type === 'int16' ? 2 : 4;
    if (!ok(c.values, width) || c.values[1] < c.length * width || (c.validity && !ok(c.validity, 1))) return null;
    const nullBitmap = c.validity ? view(Uint8Array, c.validity) : undefined;
    if (c.type === 'dictionary') {
      const d = c.dictionary;
      if (!d || !ok(d.offsets, 4) || d.offsets[1] < (d.length + 1) * 4 || !ok(d.data, 1)) return null;
      const dictionary = makeVector(
        makeData({ type: new Utf8(), length: d.length, nullCount: 0, valueOffsets: view(Int32Array, d.offsets), data: view(Uint8Array, d.data) }),
      );
      const type = new Dictionary(new Utf8(), new Int32());
      columns[c.name] = makeVector(
        makeData({ type, length: c.length, nullCount: c.nullCount, nullBitmap, data: view(Int32Array, c.values).subarray(0, c.length), dictionary }),
      );
    } else if (c.type === 'float64')
      columns[c.name] = makeVector(
        makeData({ type: new Float64(), length: c.length, nullCount: c.nullCount, nullBitmap, data: view(Float64Array, c.values).subarray(0, c.length) }),
      );
    else if (c.type === 'int16')
      columns[c.name] = makeVector(
        makeData({ type: new Int16(), length: c.length, nullCount: c.nullCount, nullBitmap, data: view(Int16Array, c.values).subarray(0, c.length) }),
      );
    else
      columns[c.name] = makeVector(
        makeData({ type: new Int32(), length: c.length, nullCount: c.nullCount, nullBitmap, data: view(Int32Array, c.values).subarray(0, c.length) }),
      );
  }
  return new Table(columns);
}

/**
 * The bytes of the file at `path` that a selection of rows reads, each at its own offset in a buffer of the file's
 * size (the rest stays zero, pages never touched): every dictionary, and per column the values and validity bytes of
 * the rows [starts[k], ends[k]). `tableFromLayout` over it and `takeRanges` of those rows give what they give over
 * the whole file, without reading the whole file (a `series` of one indicator needs about 5 % of the snapshot's 9 MB). Null when the file
 * is not `size` bytes long.
 */
export function readRowRanges(path: string, size: number, layout: readonly ColumnLayout[], starts: Int32Array, ends: Int32Array): Uint8Array | null {
  const fd = openSync(path, 'r');
  try {
    if (fstatSync(fd).size !== size) return null;
    const bytes = new Uint8Array(size);
    const read = (off: number, len: number): void => {
      const from = Math.max(0, off),
        to = Math.min(size, off + len);
      for (let at = from; at < to; ) {
        const n = readSync(fd, bytes, at, to - at, at);
        if (n <= 0) throw new Error(`${path}: short read at byte ${at}`);
        at += n;
      }
    };
    for (const c of layout) {
      const width = c.type === 'float64' ? 8 : c.type === 'int16' ? 2 : 4;
      if (c.dictionary) {
        read(...c.dictionary.offsets);
        read(...c.dictionary.data);
      }
      for (let k = 0; k < starts.length; k++) {
        if (ends[k] <= starts[k]) continue;
        read(c.values[0] + starts[k] * width, (ends[k] - starts[k]) * width);
        if (c.validity) read(c.validity[0] + (starts[k] >> 3), ((ends[k] - 1) >> 3) - (starts[k] >> 3) + 1);
      }
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}
