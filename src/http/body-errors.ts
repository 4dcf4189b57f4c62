import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { clipText } from '../quote-value.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a body over the route's limit is told to do instead (default: the limit again, or that the route takes no body). */
    bodyLimitAdvice?: string;
  }
}

/**
 * Fastify's errors of reading a request's body: too large, not the JSON its type says, shorter
 * than its Content-Length. On a request no route takes (a 404 or 405) they are not the answer:
 * the route is, as Fastify itself does for a body of a type nobody parses.
 */
export function isBodyError(err: unknown): boolean {
  const code = (err as Partial<FastifyError> | undefined)?.code;
  return typeof code === 'string' && code.startsWith('FST_ERR_CTP_');
}

/** `1048576 bytes (1 MiB)`: a body limit as the messages give it. */
export function bytesText(bytes: number): string {
  const [size, unit] = bytes >= 2 ** 20 ? [2 ** 20, 'MiB'] : [1024, 'KiB'];
  if (bytes < size) return `${bytes} bytes`;
  const n = bytes / size;
  return `${bytes} bytes (${Number.isInteger(n) ? n : n.toFixed(2)} ${unit})`;
}

/** The message of a 413: the route's limit, then what to do instead. */
export function bodyTooLargeMessage(limit: number, advice: string): string {
  return `the body is larger than ${bytesText(limit)}; ${advice}`;
}

/**
 * {@link bodyTooLargeMessage} for the route `request` reached: its own advice when it gives one;
 * else, for a route that reads no body, that it takes none, and for one that does, its limit.
 */
export function routeBodyTooLargeMessage(request: FastifyRequest): string {
  const { bodyLimit, config, schema } = request.routeOptions;
  const path = clipText(request.url.split('?')[0] ?? '');
  const advice = config.bodyLimitAdvice ?? (schema?.body === undefined ? `${request.method} ${path} takes no body` : `send at most ${bytesText(bodyLimit)}`);
  return bodyTooLargeMessage(bodyLimit, advice);
}

/** Bytes of a refused body the server still reads and drops so that its client reads the answer. */
export const REFUSED_BODY_DRAIN_BYTES = 64 * 2 ** 20;

/**
 * After a body error (too large, of a type nobody reads), the rest of the body is often still on
 * its way. Fastify answers `Connection: close`, and Node then closes the socket with that rest
 * unread: the kernel resets the connection, and a client still writing its body gets EPIPE
 * instead of the 413 (Node's `fetch` did, 17 times in 20 with a 6 MB Predict upload). So, up to
 * {@link REFUSED_BODY_DRAIN_BYTES} (as declared, or as read when the body is chunked), the
 * connection stays open: the answer leaves at once, the rest of the body is read and dropped, and
 * the connection serves the client's next request. A larger body is closed on as before; the
 * server's request timeout bounds how long a slow one is read.
 */
export function drainRefusedBody(request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw;
  if (raw.complete || Number(raw.headers['content-length'] ?? 0) > REFUSED_BODY_DRAIN_BYTES) return;
  reply.removeHeader('connection');
  // A signed Cloud Eye body is piped through its hash, which nobody reads now: piped, the rest
  // would stall on that stream's backpressure and the connection wait for the request timeout.
  raw.unpipe();
  let read = 0;
  raw.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > REFUSED_BODY_DRAIN_BYTES) raw.socket.destroy();
  });
  raw.resume();
}
