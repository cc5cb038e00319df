/**
 * Answers from memory: the bytes of each successful GET answer (with its headers and ETag, and its gzip and brotli
 * encodings made once, off the event loop), kept per data version in an LRU bounded by bytes. A request whose
 * answer is held is sent from the `onRequest` hook: no routing of parameters, no index lookup, no serialisation,
 * no hashing and no compression. An answer is held under the version of the data it was made from (the store's
 * version, or for computed answers the computed version, see `ObservationCache.computedIndex`): a submission
 * moves the version, and the answers of earlier versions are dropped.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { brotliCompress, brotliCompressSync, gzip, gzipSync } from 'node:zlib';
import { brotliParams, encodedOf, notModified, pickEncoding } from './send.js';

export interface CachedAnswer {
  /** Headers of the first answer (type, ETag, Cache-Control, Vary, CORS and security headers), without length or encoding. */
  headers: Record<string, string>;
  etag: string;
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  /** The data version the answer was made from (`s<store version>` or `c<computed version>`). */
  tag: string;
  bytes: number;
  /**
   * For an answer of the previous computed version served while the current one's is computed: true while it
   * still is the answer (the first request after the current one's is ready drops it, and its route answers).
   */
  valid?: () => boolean;
  /** The whole header block of each way it is sent from memory (identity, gzip, br), made at its first such request. */
  sent?: Partial<Record<'identity' | 'gzip' | 'br', Record<string, string>>>;
  /** Its encodings being made in libuv's pool: settled when both are (a request that accepts one waits for it). */
  encoding?: Promise<void>;
}

export const ANSWER_DEFAULTS = {
  /** Bytes of answers held (bodies and their encodings). */
  maxBytes: 32 << 20,
  /** A larger answer is not held (it is made again for each request). */
  maxEntryBytes: 4 << 20,
  /**
   * An answer up to this size is encoded when it is held, on the event loop (well under a millisecond: cheaper
   * than a compression stream and two thread-pool round trips), and its first request is sent encoded too.
   */
  syncEncodeBytes: 16 << 10,
};
export type AnswerOptions = Partial<typeof ANSWER_DEFAULTS>;

/** Types worth compressing (the others, Arrow and Parquet, are binary and already compact or compressed). */
const COMPRESSIBLE = /^(?:application\/(?:json|xml|vnd\.sdmx\.)|text\/)/i;

/** An LRU of answers bounded by bytes. */
export class AnswerCache {
  private readonly entries = new Map<string, CachedAnswer>();
  bytes = 0;
  /** Work counted (tests and the soak): answers sent from memory, answers made, held, dropped for the budget, dropped for a new version. */
  readonly stats = { hits: 0, misses: 0, stored: 0, evictions: 0, invalidated: 0, encoded: 0 };
  readonly opts: typeof ANSWER_DEFAULTS;
  constructor(opts: AnswerOptions = {}) {
    this.opts = { ...ANSWER_DEFAULTS, ...opts };
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry, without counting a use. */
  peek(key: string): CachedAnswer | undefined {
    return this.entries.get(key);
  }

  get(key: string): CachedAnswer | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.valid && !e.valid()) {
      this.delete(key);
      this.stats.invalidated++;
      return undefined;
    }
    this.entries.delete(key); // most recently used last
    this.entries.set(key, e);
    return e;
  }

  /** Hold an answer (false when it is larger than `maxEntryBytes`); its encodings follow (unless it comes with them). */
  set(key: string, e: Omit<CachedAnswer, 'bytes'>): boolean {
    const bytes = answerBytes(key, e);
    if (bytes > this.opts.maxEntryBytes) return false;
    this.delete(key);
    const entry: CachedAnswer = { ...e, bytes };
    this.entries.set(key, entry);
    this.bytes += bytes;
    this.stats.stored++;
    this.evict();
    if (!entry.gzip && !entry.br && entry.body.length >= 1024 && COMPRESSIBLE.test(entry.headers['content-type'] ?? '')) {
      if (entry.body.length <= this.opts.syncEncodeBytes) this.encodeNow(entry);
      else this.encode(key, entry);
    }
    return true;
  }

  /** gzip (a window fitted to the body) and brotli at once: for small answers. */
  private encodeNow(e: CachedAnswer): void {
    const windowBits = Math.max(9, Math.min(15, Math.ceil(Math.log2(e.body.length + 262))));
    e.gzip = gzipSync(e.body, { windowBits, memLevel: 8 });
    e.br = brotliCompressSync(e.body, brotliParams(e.body.length));
    const n = e.gzip.length + e.br.length;
    e.bytes += n;
    this.bytes += n;
    this.stats.encoded += 2;
    this.evict();
  }

  /**
   * The headers a held answer is sent with in one encoding (none: identity), made once and counted in its bytes:
   * what the reply path sends (the held headers, Vary naming Accept-Encoding when encoded, Content-Encoding,
   * Fastify's Content-Type default, the length).
   */
  sentHeaders(e: CachedAnswer, enc: 'gzip' | 'br' | undefined): Record<string, string> {
    const sent = (e.sent ??= {});
    const held = sent[enc ?? 'identity'];
    if (held) return held;
    const h: Record<string, string> = { ...e.headers };
    if (enc) {
      if (!/accept-encoding/i.test(h.vary ?? '')) h.vary = h.vary ? `${h.vary}, Accept-Encoding` : 'Accept-Encoding';
      h['content-encoding'] = enc;
    }
    h['content-type'] ??= 'application/octet-stream';
    h['content-length'] = String((enc ? e[enc]! : e.body).length);
    sent[enc ?? 'identity'] = h;
    let n = 0;
    for (const k in h) n += 2 * (k.length + h[k].length);
    e.bytes += n; // (e is held: it was just asked for)
    this.bytes += n;
    this.evict();
    return h;
  }

  /** Drop every answer whose tag `keep` refuses (the answers of data versions that are not current any more). */
  retain(keep: (tag: string) => boolean): void {
    for (const [k, e] of this.entries)
      if (!keep(e.tag)) {
        this.delete(k);
        this.stats.invalidated++;
      }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }

  private evict(): void {
    for (const k of this.entries.keys()) {
      if (this.bytes <= this.opts.maxBytes) break;
      this.delete(k);
      this.stats.evictions++;
    }
  }

  /**
   * gzip and brotli in libuv's thread pool, once: a request that accepts an encoding and asks meanwhile waits for
   * them (`encoding`) rather than having the compression plugin compress a copy of its own (after a rebuild, the
   * requests that waited for it made as many compression streams of the same answer at once).
   */
  private encode(key: string, e: CachedAnswer): void {
    let left = 2;
    let settle: () => void = () => undefined;
    e.encoding = new Promise<void>((res) => {
      settle = res;
    });
    const add = (name: 'gzip' | 'br') => (err: Error | null, out: Buffer) => {
      if (!err && this.entries.get(key) === e) {
        e[name] = out;
        e.bytes += out.length;
        this.bytes += out.length;
        this.stats.encoded++;
        this.evict();
      }
      if (--left === 0) {
        e.encoding = undefined;
        settle();
      }
    };
    gzip(e.body, add('gzip'));
    brotliCompress(e.body, brotliParams(e.body.length), add('br'));
  }
}

function answerBytes(key: string, e: Omit<CachedAnswer, 'bytes'>): number {
  let h = 0;
  for (const [k, v] of Object.entries(e.headers)) h += k.length + v.length;
  return 2 * key.length + 2 * h + e.body.length + (e.gzip?.length ?? 0) + (e.br?.length ?? 0) + 200;
}

/** Stands for an answer with both encodings: does a request accept either? */
const EITHER = { gzip: new Uint8Array(1), br: new Uint8Array(1) };

const VALID = Symbol('ictstat.holdWhile');
/**
 * This answer was made from an earlier version than its key says (the previous computed version's, while the
 * current one's is computed): hold it only while `valid()` says it still is the answer.
 */
export function holdWhile(reply: FastifyReply, valid: () => boolean): void {
  (reply as unknown as Record<symbol, () => boolean>)[VALID] = valid;
}

const KEY = Symbol('ictstat.answerKey');
const HIT = Symbol('ictstat.answerHit');
type Marked = FastifyRequest & { [KEY]?: string; [HIT]?: boolean };

/** Was this request answered from memory (the client budget charges such answers less)? */
export function servedFromMemory(req: FastifyRequest): boolean {
  return (req as Marked)[HIT] === true;
}

/**
 * Serve held answers and hold new ones. `tagOf(path, query)` names the data version an answer to that path and
 * query is made from (undefined: never held). Registered before the compression plugin, so that answers are held uncompressed.
 */
export function registerAnswerCache(
  app: FastifyInstance,
  answers: AnswerCache,
  tagOf: (path: string, query: Record<string, unknown>) => string | undefined,
): void {
  app.addHook('onRequest', (req: Marked, reply, done) => {
    if (req.method !== 'GET') return done();
    const url = req.url;
    const q = url.indexOf('?');
    const tag = tagOf((q < 0 ? url : url.slice(0, q)).toLowerCase(), req.query as Record<string, unknown>);
    if (tag === undefined) return done();
    // No Accept and `*/*` ask the same (the default type): one answer held for both (fetch sends `*/*`, node:http none).
    const accept = req.headers.accept;
    const key = `${tag}\n${url}\n${accept === '*/*' ? '' : (accept ?? '')}`;
    const e = answers.get(key);
    if (!e) {
      answers.stats.misses++;
      req[KEY] = key;
      return done();
    }
    answers.stats.hits++;
    req[HIT] = true;
    // Its encodings are being made and this client takes one: sent encoded once they are (milliseconds).
    if (e.encoding && pickEncoding(req.headers['accept-encoding'], EITHER)) {
      void e.encoding.then(() => sendHeld(req, reply, e));
      return;
    }
    sendHeld(req, reply, e);
  });
  /** A held answer sent: at once past the reply for the usual hit, else through it (conditional, other encodings). */
  const sendHeld = (req: Marked, reply: FastifyReply, e: CachedAnswer): void => {
    const inm = req.headers['if-none-match'];
    const acceptEncoding = req.headers['accept-encoding'];
    const enc = pickEncoding(acceptEncoding, e);
    if (inm === undefined && (enc || acceptEncoding === undefined)) {
      // The usual hit: status, headers (made once per answer and encoding) and bytes written at once, past
      // Fastify's reply and its onSend hooks (the held headers are those the hooks set). A conditional request
      // and any other Accept-Encoding go through the reply below, where the compression plugin may still compress
      // an answer not yet encoded.
      const headers = answers.sentHeaders(e, enc);
      reply.hijack();
      reply.raw.writeHead(200, headers);
      reply.raw.end(enc ? e[enc] : e.body);
      return;
    }
    reply.headers(e.headers);
    if (notModified(inm, e.etag)) {
      reply.code(304).send();
      return;
    }
    if (enc) {
      reply.header('content-encoding', enc);
      if (!/accept-encoding/i.test(e.headers.vary ?? '')) reply.header('vary', e.headers.vary ? `${e.headers.vary}, Accept-Encoding` : 'Accept-Encoding');
    }
    reply.code(200).send(enc ? e[enc] : e.body);
  };
  app.addHook('onSend', (req: Marked, reply, payload, done) => {
    const key = req[KEY];
    if (
      key === undefined ||
      req[HIT] ||
      reply.statusCode !== 200 ||
      (typeof payload !== 'string' && !Buffer.isBuffer(payload)) ||
      reply.hasHeader('set-cookie') ||
      /no-store|private/i.test(String(reply.getHeader('cache-control') ?? ''))
    )
      return done(null, payload);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined && k !== 'content-length' && k !== 'content-encoding') headers[k] = String(v);
    const valid = (reply as unknown as Record<symbol, (() => boolean) | undefined>)[VALID];
    const pre = encodedOf(reply);
    if (pre || reply.hasHeader('content-encoding')) {
      // Encoded beforehand (a computed answer in its worker, a report file by its build): held with all its
      // encodings, whichever one this request was sent, and sent as it is.
      if (pre)
        answers.set(key, {
          headers,
          etag: pre.etag,
          body: pre.body,
          gzip: pre.gzip,
          br: pre.br,
          tag: key.slice(0, key.indexOf('\n')),
          ...(valid ? { valid } : {}),
        });
      return done(null, payload);
    }
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (!answers.set(key, { headers, etag: headers.etag ?? '', body, tag: key.slice(0, key.indexOf('\n')), ...(valid ? { valid } : {}) }))
      return done(null, body);
    // Encoded already (a small answer), or being encoded (a larger one: this request waits for it, milliseconds):
    // sent encoded, and the compression plugin passes it by.
    const e = answers.peek(key);
    const sendEncodedHeld = () => {
      const enc = e && pickEncoding(req.headers['accept-encoding'], e);
      if (!enc) return done(null, body);
      reply.header('content-encoding', enc);
      if (!/accept-encoding/i.test(headers.vary ?? '')) reply.header('vary', headers.vary ? `${headers.vary}, Accept-Encoding` : 'Accept-Encoding');
      done(null, e[enc]);
    };
    if (e?.encoding && pickEncoding(req.headers['accept-encoding'], EITHER)) void e.encoding.then(sendEncodedHeld);
    else sendEncodedHeld();
  });
}
