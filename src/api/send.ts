import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Send a GET answer with a strong ETag of its bytes; a matching If-None-Match gets 304 and no body.
 * (Weak comparison, as RFC 9110 asks for If-None-Match; compression does not change the ETag because it is
 * taken before encoding and `Vary: Accept-Encoding` is set.)
 */
export function send(req: FastifyRequest, reply: FastifyReply, body: string | Buffer, type: string): FastifyReply {
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  reply.header('etag', etag).header('vary', 'Accept, Accept-Encoding').header('cache-control', 'public, max-age=60');
  const inm = req.headers['if-none-match'];
  if (inm?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) return reply.code(304).send();
  return reply.type(type).send(body);
}
