import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * Send a GET answer with a strong ETag of its bytes; a matching If-None-Match gets 304 and no body.
 * (Weak comparison, as RFC 9110 asks for If-None-Match; compression does not change the ETag because it is
 * taken before encoding and `Vary: Accept-Encoding` is set.)
 */
export function send(req: FastifyRequest, reply: FastifyReply, body: string | Buffer, type: string, etag = etagOf(body)): FastifyReply {
  reply.header('etag', etag).header('vary', 'Accept, Accept-Encoding').header('cache-control', 'public, max-age=60');
  if (notModified(req.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type(type).send(body);
}

/** Answers of more records than this are written in batches of this many, the event loop free between them. */
export const RECORD_BATCH = 1_000;

/**
 * `head`, the records' text in batches of RECORD_BATCH (`part` of each batch, `sep` between batches), then `tail`:
 * the same bytes as one serialisation of the whole, made a batch per turn of the event loop (a 10,000-record World
 * Bank page blocked it for tens of milliseconds when built at once), with its ETag hashed as it is made.
 * `turn` waits a turn (setImmediate; a test counts them).
 */
export async function batched<T>(
  head: string,
  items: readonly T[],
  part: (batch: readonly T[]) => string,
  sep: string,
  tail: string,
  turn: () => Promise<void> = () => new Promise((r) => setImmediate(r)),
): Promise<{ body: string; etag: string }> {
  const hash = createHash('sha1');
  const parts: string[] = [head];
  hash.update(head);
  for (let i = 0; i < items.length; i += RECORD_BATCH) {
    if (i > 0) {
      await turn();
      parts.push(sep);
      hash.update(sep);
    }
    const t = part(items.slice(i, i + RECORD_BATCH));
    parts.push(t);
    hash.update(t);
  }
  parts.push(tail);
  hash.update(tail);
  return { body: parts.join(''), etag: `"${hash.digest('base64url')}"` };
}

/** The strong ETag of an answer's bytes. */
export const etagOf = (body: string | Uint8Array): string => `"${createHash('sha1').update(body).digest('base64url')}"`;

/** If-None-Match matches (weak comparison, RFC 9110 13.1.2). */
export function notModified(inm: string | undefined, etag: string): boolean {
  return !!etag && !!inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*');
}

/** An answer with its ETag and its encodings, made once (in a worker, or when it is first held). */
export interface Encoded {
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  etag: string;
}

/** The best encoding the client accepts of those held: br, then gzip, else none (RFC 9110 12.5.3; q=0 refuses). */
export function pickEncoding(accept: string | undefined, e: { gzip?: Uint8Array; br?: Uint8Array }): 'br' | 'gzip' | undefined {
  if (!accept || (!e.br && !e.gzip)) return undefined;
  let br = false,
    gz = false;
  for (const part of accept.toLowerCase().split(',')) {
    const [coding, ...params] = part.split(';').map((x) => x.trim());
    if (params.some((x) => /^q=0(?:\.0{0,3})?$/.test(x))) continue;
    if (coding === 'br') br = true;
    else if (coding === 'gzip' || coding === 'x-gzip') gz = true;
    else if (coding === '*') br = gz = true;
  }
  return br && e.br ? 'br' : gz && e.gzip ? 'gzip' : undefined;
}

const ENCODED = Symbol('ictstat.encoded');
/** The encoded answer `sendEncoded` sent, whichever encoding went out (the answer cache holds all of them). */
export function encodedOf(reply: FastifyReply): Encoded | undefined {
  return (reply as unknown as Record<symbol, Encoded | undefined>)[ENCODED];
}

/** `send` for an answer encoded beforehand: no hashing and no compression per request (the compression plugin skips it). */
export function sendEncoded(req: FastifyRequest, reply: FastifyReply, e: Encoded, type: string): FastifyReply {
  (reply as unknown as Record<symbol, Encoded>)[ENCODED] = e;
  reply.header('etag', e.etag).header('vary', 'Accept, Accept-Encoding').header('cache-control', 'public, max-age=60');
  if (notModified(req.headers['if-none-match'], e.etag)) return reply.code(304).send();
  const enc = pickEncoding(req.headers['accept-encoding'], e);
  if (enc) reply.header('content-encoding', enc);
  return reply.type(type).send(enc ? e[enc] : e.body);
}

/** Brotli settings of answers encoded once: a middle quality (5), text mode. */
export const brotliParams = (bytes: number) => ({
  params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: bytes, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
});

/** An answer with its ETag, gzip and brotli, made at once (in a worker thread or process: it blocks its thread). */
export function encodeNow(text: string | Buffer): Encoded {
  const body = typeof text === 'string' ? Buffer.from(text) : text;
  const small = body.length < 1024; // not worth compressing (the compression plugin's threshold)
  return { body, etag: etagOf(body), ...(small ? {} : { gzip: gzipSync(body), br: brotliCompressSync(body, brotliParams(body.length)) }) };
}

/** An Encoded that came through postMessage (its buffers arrive as plain Uint8Arrays). */
export function encodedFrom(e: { body: Uint8Array; gzip?: Uint8Array; br?: Uint8Array; etag: string }): Encoded {
  const b = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return { body: b(e.body), etag: e.etag, ...(e.gzip ? { gzip: b(e.gzip) } : {}), ...(e.br ? { br: b(e.br) } : {}) };
}

export const encodedBytes = (e: Encoded): number => e.body.length + (e.gzip?.length ?? 0) + (e.br?.length ?? 0) + 2 * e.etag.length;
