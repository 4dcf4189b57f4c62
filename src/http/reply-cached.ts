import type { FastifyReply, FastifyRequest } from 'fastify';
import { negotiateCoding } from './encoding.js';
import type { RenderedBody } from './render-cache.js';

/** Sends a cached JSON body in the coding the client prefers. */
export async function sendRendered(request: FastifyRequest, reply: FastifyReply, body: RenderedBody): Promise<FastifyReply> {
  const coding = negotiateCoding(request.headers['accept-encoding']);
  reply.header('content-type', 'application/json; charset=utf-8').header('vary', 'Accept-Encoding');
  if (coding !== 'identity') reply.header('content-encoding', coding);
  return reply.send(await body.bytes(coding));
}
