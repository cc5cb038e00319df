/**
 * The gate in front of the workbook reader: a workbook (.xlsx) is a ZIP archive of XML parts, and both can
 * be hostile. Everything here is checked BEFORE exceljs sees a byte, from the central directory first
 * (read by hand, nothing inflated: entry count, declared sizes, compression ratio), then while inflating
 * each entry ourselves in bounded steps (an entry that inflates beyond its declared size stops at once),
 * scanning the XML as it comes out (DTDs and entity declarations refused: billion laughs; cells and
 * shared strings counted against their caps). exceljs is then given exactly the bytes that passed
 * (re-packed uncompressed), never the original archive, so what it parses is what was checked.
 */
import { Inflate, zipSync } from 'fflate';
import { parseRange } from '../util/a1.js';
import type { Rule } from './findings.js';

export interface ZipLimits {
  /** Entries in the archive (an .xlsx has a dozen, plus one per sheet). */
  maxEntries: number;
  /** Sum of the entries' uncompressed sizes. */
  maxUncompressedBytes: number;
  /** Uncompressed / compressed size of one entry larger than 1 MiB (spreadsheet XML compresses 5-30x; zip bombs 1000x). */
  maxCompressionRatio: number;
  /** Shared strings (distinct texts) in the workbook. */
  maxSharedStrings: number;
  /** Cells over all sheets (exceljs holds every cell as an object: this caps its memory). */
  maxCells: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 2000,
  maxUncompressedBytes: 128 << 20, // ITU's Dec 2025 price workbook: 9.4 MiB for 302k cells
  maxCompressionRatio: 200,
  maxSharedStrings: 1_000_000,
  maxCells: 1_000_000, // exceljs peaks at about 1.6 KB per cell: ITU's Dec 2025 price workbook, 302k cells, 480 MB
};

/** A workbook refused before it was parsed: the rule and a message for the statistician. */
export class WorkbookRefused extends Error {
  constructor(
    readonly rule: Rule,
    message: string,
  ) {
    super(message);
  }
}

export interface ZipEntryInfo {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  flags: number;
}

const MiB = (n: number): string => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;

/** The central directory of a ZIP archive, read by hand (no inflation). Throws WorkbookRefused. */
export function readCentralDirectory(b: Uint8Array, limits: ZipLimits): ZipEntryInfo[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (o: number): number => view.getUint16(o, true),
    u32 = (o: number): number => view.getUint32(o, true);
  // End of central directory: 22 bytes + a comment of at most 65535 bytes, at the end of the file.
  let eocd = -1;
  for (let o = b.length - 22; o >= Math.max(0, b.length - 22 - 65535); o--) {
    if (u32(o) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) throw new WorkbookRefused('bad-xlsx', 'not a readable ZIP archive (no end of central directory): the workbook is truncated or damaged');
  const count = u16(eocd + 10),
    cdSize = u32(eocd + 12),
    cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new WorkbookRefused('bad-xlsx', 'a ZIP64 archive: workbooks that large are not accepted');
  if (count > limits.maxEntries) throw new WorkbookRefused('zip-bomb', `${count} entries in the archive, above the limit of ${limits.maxEntries}`);
  if (cdOffset + cdSize > eocd) throw new WorkbookRefused('bad-xlsx', 'the ZIP central directory lies outside the file: the workbook is damaged');
  const out: ZipEntryInfo[] = [];
  const names = new Set<string>();
  let total = 0;
  for (let k = 0, o = cdOffset; k < count; k++) {
    if (o + 46 > eocd || u32(o) !== 0x02014b50) throw new WorkbookRefused('bad-xlsx', `ZIP central directory entry ${k + 1} is damaged`);
    const nameLen = u16(o + 28),
      extraLen = u16(o + 30),
      commentLen = u16(o + 32);
    const e: ZipEntryInfo = {
      flags: u16(o + 8),
      method: u16(o + 10),
      compressedSize: u32(o + 20),
      size: u32(o + 24),
      localOffset: u32(o + 42),
      name: new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(o + 46, o + 46 + nameLen)),
    };
    o += 46 + nameLen + extraLen + commentLen;
    if (e.size === 0xffffffff || e.compressedSize === 0xffffffff) throw new WorkbookRefused('bad-xlsx', `entry ${e.name}: ZIP64 sizes are not accepted`);
    if (e.flags & 1) throw new WorkbookRefused('bad-xlsx', `entry ${e.name} is encrypted: remove the password and save again`);
    if (e.method !== 0 && e.method !== 8)
      throw new WorkbookRefused('bad-xlsx', `entry ${e.name} uses ZIP compression method ${e.method} (only stored and deflate are read)`);
    if (names.has(e.name)) throw new WorkbookRefused('bad-xlsx', `entry ${e.name} appears twice in the archive`);
    names.add(e.name);
    total += e.size;
    if (total > limits.maxUncompressedBytes)
      throw new WorkbookRefused('zip-bomb', `the archive inflates to more than ${MiB(limits.maxUncompressedBytes)} (declared sizes; at ${e.name})`);
    if (e.size > 1 << 20 && e.size > limits.maxCompressionRatio * Math.max(1, e.compressedSize))
      throw new WorkbookRefused(
        'zip-bomb',
        `entry ${e.name} inflates ${Math.round(e.size / Math.max(1, e.compressedSize))}-fold (${MiB(e.compressedSize)} to ${MiB(e.size)}), above the ratio limit of ${limits.maxCompressionRatio}`,
      );
    out.push(e);
  }
  return out;
}

/** Counters of the XML scan, over all entries. */
interface Scan {
  cells: number;
  sharedStrings: number;
  mergedCells: number;
}

const DTD = /<!(?:DOCTYPE|ENTITY)/i;
const STEP = 16 << 10; // compressed bytes per inflate step: at most ~16 MiB of output before the next size check

/**
 * Inflate and check every entry; returns the parts by name. The XML is decoded as UTF-8 (what XLSX
 * requires) and scanned with a small overlap so that a marker split between chunks is still seen.
 */
export function inflateChecked(b: Uint8Array, entries: ZipEntryInfo[], limits: ZipLimits): Map<string, Uint8Array> {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const parts = new Map<string, Uint8Array>();
  const scan: Scan = { cells: 0, sharedStrings: 0, mergedCells: 0 };
  for (const e of entries) {
    if (e.name.endsWith('/')) continue; // directory entries hold nothing
    const o = e.localOffset;
    if (o + 30 > b.length || view.getUint32(o, true) !== 0x04034b50) throw new WorkbookRefused('bad-xlsx', `entry ${e.name}: damaged local header`);
    const start = o + 30 + view.getUint16(o + 26, true) + view.getUint16(o + 28, true);
    if (start + e.compressedSize > b.length) throw new WorkbookRefused('bad-xlsx', `entry ${e.name} runs past the end of the file: the workbook is truncated`);
    const data = b.subarray(start, start + e.compressedSize);
    const chunks: Uint8Array[] = [];
    let got = 0;
    // Every entry but media is scanned as text, whatever its name: exceljs picks the parts it parses by unanchored
    // patterns (xl/worksheets/sheet1.xml.bak is parsed as a sheet) and keeps xl/media/ as bytes (an SVG image there
    // may well carry a DOCTYPE).
    const media = /xl\/media\//.test(e.name);
    const isShared = /sharedStrings\.xml/i.test(e.name),
      isSheet = /xl\/worksheets\/[^/]+\.xml/i.test(e.name);
    let tail = '';
    const decoder = new TextDecoder('utf-8');
    const onData = (chunk: Uint8Array): void => {
      got += chunk.length;
      if (got > e.size)
        throw new WorkbookRefused('zip-bomb', `entry ${e.name} inflates beyond its declared ${e.size.toLocaleString('en')} bytes: a forged archive`);
      chunks.push(chunk);
      if (media) return;
      const text = tail + decoder.decode(chunk, { stream: true });
      if (DTD.test(text))
        throw new WorkbookRefused(
          'xml-dtd',
          `entry ${e.name} declares a DTD or entities (<!DOCTYPE or <!ENTITY): refused, since entity expansion can exhaust memory (billion laughs); a workbook never needs one`,
        );
      if (isShared) scan.sharedStrings += count(text, '<si>', tail) + count(text, '<si ', tail);
      if (isSheet) {
        scan.cells += count(text, '<c ', tail) + count(text, '<c>', tail);
        // exceljs creates every cell of a merged range: A1:XFD1048576 would be 17 billion objects.
        for (const m of text.matchAll(MERGE)) if (m.index + m[0].length > tail.length) scan.mergedCells += rangeArea(m[1]);
        if (scan.mergedCells > limits.maxCells)
          throw new WorkbookRefused(
            'too-large',
            `merged ranges cover more than ${limits.maxCells.toLocaleString('en')} cells (at ${e.name}): refused before they are expanded`,
          );
      }
      if (scan.sharedStrings > limits.maxSharedStrings)
        throw new WorkbookRefused(
          'too-many-strings',
          `more than ${limits.maxSharedStrings.toLocaleString('en')} shared strings in ${e.name}: the workbook is refused before it is parsed`,
        );
      if (scan.cells > limits.maxCells)
        throw new WorkbookRefused(
          'too-large',
          `more than ${limits.maxCells.toLocaleString('en')} cells in the workbook (at ${e.name}): split it, or submit CSV`,
        );
      tail = text.slice(-80);
    };
    if (e.method === 0) {
      if (e.compressedSize !== e.size) throw new WorkbookRefused('bad-xlsx', `stored entry ${e.name}: its sizes disagree`);
      for (let k = 0; k < data.length; k += STEP) onData(data.subarray(k, Math.min(data.length, k + STEP)));
    } else {
      const inflate = new Inflate((chunk) => onData(chunk));
      try {
        for (let k = 0; k < data.length; k += STEP) inflate.push(data.subarray(k, Math.min(data.length, k + STEP)), k + STEP >= data.length);
        if (data.length === 0) inflate.push(new Uint8Array(0), true);
      } catch (err) {
        if (err instanceof WorkbookRefused) throw err;
        throw new WorkbookRefused('bad-xlsx', `entry ${e.name} cannot be inflated (${(err as Error).message}): the workbook is damaged`);
      }
    }
    if (got !== e.size) throw new WorkbookRefused('bad-xlsx', `entry ${e.name} inflates to ${got} bytes, not the ${e.size} declared: the workbook is damaged`);
    parts.set(e.name, concat(chunks, got));
  }
  return parts;
}

const MERGE = /<mergeCell\s+ref="([^"]{1,40})"/g;

/** Cells in a merged range (a malformed one counts as one cell: exceljs will refuse it). */
function rangeArea(ref: string): number {
  const r = parseRange(ref);
  return r ? (r.bottom - r.top + 1) * (r.right - r.left + 1) : 1;
}

/** Occurrences of `needle` in `text` that do not lie wholly inside `tail` (the overlap already counted). */
function count(text: string, needle: string, tail: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) if (i + needle.length > tail.length) n++;
  return n;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * The checked parts of a workbook: central directory, then inflation with every cap. A ZIP archive that
 * is not a workbook (no [Content_Types].xml or xl/workbook.xml) is refused first.
 */
export function checkedWorkbookParts(bytes: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Map<string, Uint8Array> {
  const entries = readCentralDirectory(bytes, limits);
  const names = new Set(entries.map((e) => e.name.replace(/^\//, '')));
  if (!names.has('xl/workbook.xml'))
    throw new WorkbookRefused(
      'bad-xlsx',
      names.has('[Content_Types].xml')
        ? 'an Office document but not an Excel workbook (no xl/workbook.xml): a Word or PowerPoint file?'
        : names.has('content.xml') && names.has('mimetype')
          ? 'an OpenDocument file (.ods), not an Excel workbook: save it as .xlsx (Excel 2007-365)'
          : 'a ZIP archive, not an Excel workbook (no xl/workbook.xml)',
    );
  return inflateChecked(bytes, entries, limits);
}

/** The checked parts as an uncompressed archive, for exceljs (nothing left to inflate that was not checked). */
export function repackStored(parts: Map<string, Uint8Array>): Uint8Array {
  return zipSync(Object.fromEntries(parts), { level: 0 });
}
