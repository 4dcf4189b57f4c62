import type { FastifyRequest } from 'fastify';

/** Methods whose body Fastify never reads. */
const BODYLESS = new Set(['GET', 'HEAD']);

/** Whether Fastify will read a body for this request (its handle-request rule): not for GET or HEAD, nor with no type and no length. */
export function readsBody(request: FastifyRequest): boolean {
  if (BODYLESS.has(request.method)) return false;
  const h = request.headers;
  return !(h['content-type'] === undefined && h['transfer-encoding'] === undefined && (h['content-length'] === undefined || h['content-length'] === '0'));
}
