import { closeSync, openSync, readSync } from 'node:fs';

export type ContentKind = 'empty' | 'binary' | 'arrow-file' | 'arrow-stream' | 'parquet' | 'json' | 'text' | 'xlsx';
export type TextEncoding = 'utf-8' | 'latin1';

export interface Sniffed {
  kind: ContentKind;
  encoding: TextEncoding;
  /** Byte offset of the first byte that is not valid UTF-8, when the encoding is latin1. */
  invalidUtf8At?: number;
  /** A UTF-16 byte-order mark: text, but in an encoding we do not read. */
  utf16?: boolean;
  /** An OLE compound file: a legacy .xls workbook, or an encrypted .xlsx. */
  compoundFile?: boolean;
}

export const SNIFF_BYTES = 64 * 1024;

/** Detect a file's kind and text encoding from its first 64 KiB (never from its name). */
export function sniffFile(path: string): Sniffed {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
    return sniffBytes(buf.subarray(0, n), n < SNIFF_BYTES);
  } finally {
    closeSync(fd);
  }
}

export function sniffBytes(bytes: Uint8Array, complete: boolean): Sniffed {
  // A ZIP archive (local file header): read as a workbook; the reader checks that it is one (xl/workbook.xml
  // in the central directory, which is where the names are reliably found) before anything is inflated.
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return { kind: 'xlsx', encoding: 'utf-8' };
  if (
    bytes.length >= 8 &&
    bytes[0] === 0xd0 &&
    bytes[1] === 0xcf &&
    bytes[2] === 0x11 &&
    bytes[3] === 0xe0 &&
    bytes[4] === 0xa1 &&
    bytes[5] === 0xb1 &&
    bytes[6] === 0x1a &&
    bytes[7] === 0xe1
  )
    return { kind: 'binary', encoding: 'utf-8', compoundFile: true };
  if (bytes.length >= 6 && String.fromCharCode(...bytes.subarray(0, 6)) === 'ARROW1') return { kind: 'arrow-file', encoding: 'utf-8' };
  if (bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'PAR1') return { kind: 'parquet', encoding: 'utf-8' };
  if (bytes.length >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff) return { kind: 'arrow-stream', encoding: 'utf-8' };
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return { kind: 'binary', encoding: 'utf-8', utf16: true };
  let control = 0;
  let firstChar = -1;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0) return { kind: 'binary', encoding: 'utf-8' };
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
    if (firstChar < 0 && b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) firstChar = b;
  }
  if (firstChar < 0) return { kind: 'empty', encoding: 'utf-8' };
  if (control > 0 && control * 100 > bytes.length - start) return { kind: 'binary', encoding: 'utf-8' };
  const invalid = firstInvalidUtf8(bytes, start, complete);
  const encoding: TextEncoding = invalid < 0 ? 'utf-8' : 'latin1';
  const kind: ContentKind = firstChar === 0x5b /* [ */ || firstChar === 0x7b /* { */ ? 'json' : 'text';
  return invalid < 0 ? { kind, encoding } : { kind, encoding, invalidUtf8At: invalid };
}

/** Offset of the first invalid UTF-8 sequence, or -1 (a sequence cut by the end of a partial read is fine). */
export function firstInvalidUtf8(b: Uint8Array, start = 0, complete = true): number {
  let i = start;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number, min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return complete ? i : -1;
      const cc = b[i + k];
      if ((cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
