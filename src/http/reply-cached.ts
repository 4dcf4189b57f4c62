import type { FastifyReply, FastifyRequest } from 'fastify';
import { negotiateCoding } from './encoding.js';
import { etagOf, matchesIfNoneMatch } from './etag.js';
import { RenderedBody, type CodedBody } from './render-cache.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Adds `value` to the reply's `Vary` (CORS adds `Origin`; this must not replace it). */
export function addVary(reply: FastifyReply, value: string): void {
  const current = reply.getHeader('vary');
  // The usual case (CORS's `Origin` alone) without splitting: the list below gives the same.
  if (current === 'Origin' && value.toLowerCase() !== 'origin') {
    void reply.header('vary', `Origin, ${value}`);
    return;
  }
  const list = typeof current === 'string' && current !== '' ? current.split(',').map((s) => s.trim()) : [];
  if (!list.some((v) => v.toLowerCase() === value.toLowerCase())) list.push(value);
  void reply.header('vary', list.join(', '));
}

/**
 * For an answer made from stored data identified by `tag` (see `answerTag`): sets its `ETag` in the
 * negotiated coding and `Cache-Control: no-cache` (revalidate every time: the data changes), and
 * when `If-None-Match` holds it, answers 304 with no body. Returns true when it answered, so the
 * caller renders nothing.
 */
export function answeredNotModified(request: FastifyRequest, reply: FastifyReply, tag: string): boolean {
  const etag = etagOf(tag, negotiateCoding(request.headers['accept-encoding']));
  void reply.header('etag', etag).header('cache-control', 'no-cache');
  addVary(reply, 'Accept-Encoding');
  if (!matchesIfNoneMatch(request.headers['if-none-match'], etag)) return false;
  void reply.code(304).send();
  return true;
}

/** Sends a rendered body in the coding the client prefers (JSON unless `contentType` says otherwise). */
export async function sendRendered(request: FastifyRequest, reply: FastifyReply, body: CodedBody, contentType = JSON_TYPE): Promise<FastifyReply> {
  const coding = negotiateCoding(request.headers['accept-encoding']);
  void reply.header('content-type', contentType);
  addVary(reply, 'Accept-Encoding');
  if (coding !== 'identity') void reply.header('content-encoding', coding);
  return reply.send(await body.bytes(coding));
}

/** Serialises `answer` with the route's response schema for the reply's status, then sends it as {@link sendRendered} does (compressed on request). */
export function sendSerialized(request: FastifyRequest, reply: FastifyReply, answer: unknown): Promise<FastifyReply> {
  const json = reply.serialize(answer);
  // Fastify's serializers give a string; a Uint8Array or ArrayBuffer (a custom serializer's) is sent as its bytes.
  return sendRendered(request, reply, new RenderedBody(typeof json === 'string' ? json : Buffer.from(json as ArrayBuffer)));
}
