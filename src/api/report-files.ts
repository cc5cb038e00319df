/**
 * The files of a report build as the server serves them: which paths a build can have, their types, and their
 * encodings. The build's process (report-worker.ts) encodes each compressible file once, next to the build in
 * `.encoded/`, so that the server never compresses a report file itself: after a rebuild, the requests that waited
 * for it all became answers at once, each compressing its own copy of a 1.6 MB page (+40-90 MiB of the server's
 * RSS for a second, the soak's end-of-run peak of issue 13).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { encodeNow, etagOf, type Encoded } from './send.js';
import { own } from '../util/lookup.js';

export const REPORT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The type a report file is served with. */
export const reportType = (rel: string): string => own(REPORT_TYPES, extname(rel)) ?? 'application/octet-stream';

/** The files a report build writes: the page, its JSON summary, the workbook, tables and charts. */
export const REPORT_PATH = /^(?:index\.html|report\.json|mis-\d{4}\.xlsx|tables\/[a-z0-9][a-z0-9-]*\.(?:csv|md|html)|charts\/[a-z0-9][a-z0-9-]*\.svg)$/;

/** Where a build's encodings are (a dot directory: never served, REPORT_PATH has no dot segment). */
const ENCODED_DIR = '.encoded';
/** Every file but the workbook (a zip already) is text worth compressing. */
const compressible = (rel: string): boolean => extname(rel) !== '.xlsx';

/** The report files of a build directory, relative, with `/` separators. */
function reportFiles(dir: string, sub = ''): string[] {
  const out: string[] = [];
  for (const d of readdirSync(join(dir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${d.name}` : d.name;
    if (d.isDirectory() && !d.name.startsWith('.')) out.push(...reportFiles(dir, rel));
    else if (d.isFile() && REPORT_PATH.test(rel)) out.push(rel);
  }
  return out;
}

/**
 * Encode a finished build once (in the build's process): each compressible file's gzip and brotli, and every
 * file's ETag, in `dir/.encoded/` (`index.json` names them). Returns how many files were encoded.
 */
export function encodeReportBuild(dir: string): number {
  const index: Record<string, { etag: string; encoded: boolean }> = {};
  let encoded = 0;
  for (const rel of reportFiles(dir)) {
    const body = readFileSync(join(dir, rel));
    if (!compressible(rel)) {
      index[rel] = { etag: etagOf(body), encoded: false };
      continue;
    }
    const e = encodeNow(body);
    index[rel] = { etag: e.etag, encoded: e.gzip !== undefined };
    if (e.gzip && e.br) {
      mkdirSync(dirname(join(dir, ENCODED_DIR, rel)), { recursive: true });
      writeFileSync(join(dir, ENCODED_DIR, `${rel}.gz`), e.gzip);
      writeFileSync(join(dir, ENCODED_DIR, `${rel}.br`), e.br);
      encoded++;
    }
  }
  mkdirSync(join(dir, ENCODED_DIR), { recursive: true });
  writeFileSync(join(dir, ENCODED_DIR, 'index.json'), JSON.stringify(index));
  return encoded;
}

/** The index of a build's encodings (undefined when the build has none: then the server hashes and sends as is). */
export async function readEncodedIndex(dir: string): Promise<Record<string, { etag: string; encoded: boolean }> | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, ENCODED_DIR, 'index.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** One report file with its encodings, read from the build (off the event loop); nothing is compressed here. */
export async function readReportFile(dir: string, rel: string, index: Record<string, { etag: string; encoded: boolean }> | undefined): Promise<Encoded> {
  const body = await readFile(join(dir, rel));
  const entry = index && Object.hasOwn(index, rel) ? index[rel] : undefined;
  if (!entry) return { body, etag: etagOf(body) };
  if (!entry.encoded) return { body, etag: entry.etag };
  const [gzip, br] = await Promise.all([readFile(join(dir, ENCODED_DIR, `${rel}.gz`)), readFile(join(dir, ENCODED_DIR, `${rel}.br`))]);
  return { body, etag: entry.etag, gzip, br };
}
