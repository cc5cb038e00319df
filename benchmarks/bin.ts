/**
 * A tiny container for benchmark inputs and outputs: a JSON header and named typed arrays, so that every
 * peer (Node children and the C program) reads the very same numbers. Layout: "ICTB" magic, uint32 header
 * length, the UTF-8 JSON header ({meta, arrays: [{name, type, offset, length}]}), padding to 8 bytes, then
 * the arrays (little-endian, each aligned to 8 bytes).
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

export type Typed = Float64Array | Int32Array | Uint8Array | Int16Array;
const TYPES = { f64: Float64Array, i32: Int32Array, u8: Uint8Array, i16: Int16Array } as const;
type TypeName = keyof typeof TYPES;
const typeName = (a: Typed): TypeName => (a instanceof Float64Array ? 'f64' : a instanceof Int32Array ? 'i32' : a instanceof Int16Array ? 'i16' : 'u8');

export function writeBin(file: string, meta: unknown, arrays: Record<string, Typed>): void {
  const entries = Object.entries(arrays);
  const specs: Array<{ name: string; type: TypeName; offset: number; length: number }> = [];
  let offset = 0;
  for (const [name, a] of entries) {
    specs.push({ name, type: typeName(a), offset, length: a.length });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  let header = Buffer.from(JSON.stringify({ meta, arrays: specs }), 'utf8');
  const pad = (8 - ((8 + header.length) % 8)) % 8;
  header = Buffer.concat([header, Buffer.alloc(pad, 32)]);
  const head = Buffer.alloc(8);
  head.write('ICTB', 0, 'latin1');
  head.writeUInt32LE(header.length, 4);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    writeSync(fd, header);
    for (const [, a] of entries) {
      writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      const rest = Math.ceil(a.byteLength / 8) * 8 - a.byteLength;
      if (rest) writeSync(fd, Buffer.alloc(rest));
    }
  } finally {
    closeSync(fd);
  }
}

export function readBin<M = Record<string, unknown>>(file: string): { meta: M; arrays: Record<string, Typed> } {
  const buf = readFileSync(file);
  if (buf.toString('latin1', 0, 4) !== 'ICTB') throw new Error(`${file}: not a benchmark binary`);
  const hl = buf.readUInt32LE(4);
  const { meta, arrays } = JSON.parse(buf.toString('utf8', 8, 8 + hl)) as {
    meta: M;
    arrays: Array<{ name: string; type: TypeName; offset: number; length: number }>;
  };
  const base = 8 + hl;
  const out: Record<string, Typed> = {};
  for (const s of arrays) {
    const T = TYPES[s.type];
    // Copy into an aligned buffer of its own (the file buffer may not be 8-byte aligned).
    const bytes = buf.subarray(base + s.offset, base + s.offset + s.length * T.BYTES_PER_ELEMENT);
    const a = new T(s.length);
    new Uint8Array(a.buffer).set(bytes);
    out[s.name] = a;
  }
  return { meta, arrays: out };
}
