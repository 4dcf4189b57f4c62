import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The header a request id comes in and goes back out in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Longest incoming request id taken as it is. */
export const MAX_REQUEST_ID = 128;

/** 1 to 128 visible ASCII characters: safe in a header, a log line and an error message. */
const SAFE_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The request's id: the client's `X-Request-Id` when it is safe (so a proxy's or an SDK's id
 * follows the request through our log), else a new UUID. Fastify's `requestIdHeader` would take
 * any value as sent, so it is off and this is its `genReqId`.
 */
export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers[REQUEST_ID_HEADER];
  return typeof sent === 'string' && SAFE_ID.test(sent) ? sent : randomUUID();
}

/** Returns the id on every answer, errors and 404s included (a root hook, before any route). */
export function echoRequestId(app: FastifyInstance): void {
  // A callback hook: no promise and microtask per request, as an async one costs.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
