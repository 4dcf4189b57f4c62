import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CLOUD_EYE_PREFIX } from './cloud-eye-routes.js';

/** Which origins may read answers: every one (`*`), or these (`https://dash.example.com`). */
export type CorsOrigins = '*' | readonly string[];

/** Headers a browser page may send: the Cloud Eye token and AK/SK signature, bodies' types, a request id of its own. */
export const CORS_ALLOWED_HEADERS = ['Accept', 'Accept-Encoding', 'Authorization', 'Content-Type', 'If-None-Match', 'X-Auth-Token', 'X-Project-Id', 'X-Request-Id', 'X-Sdk-Date'];

/** Headers a page may read besides the safelisted ones. */
export const CORS_EXPOSED_HEADERS = ['ETag', 'Warning', 'X-Ignored-Kinds', 'X-Request-Id', 'Retry-After', 'Allow'];

/** Seconds a browser may reuse a preflight's answer (Chromium caps it at 7200). */
export const CORS_MAX_AGE = 600;

/** The methods routes answer. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS'];

/**
 * CORS on every route through @fastify/cors: preflights answered 204 before any route's hooks
 * (a browser never sends the token on a preflight), `Vary: Origin` always (the answer differs by
 * origin whenever a list is set, and caches must not mix them). Credentials (cookies) are allowed
 * only for a list of origins and never on the Cloud Eye routes, which authenticate by header and
 * must not be reachable with a browser's ambient credentials.
 */
export function installCors(app: FastifyInstance, origins: CorsOrigins): void {
  // Joined once here: @fastify/cors joins arrays on every request.
  const base: FastifyCorsOptions = {
    methods: CORS_METHODS.join(', '),
    allowedHeaders: CORS_ALLOWED_HEADERS.join(', '),
    exposedHeaders: CORS_EXPOSED_HEADERS.join(', '),
    maxAge: CORS_MAX_AGE,
    // A plain OPTIONS (no Origin) is answered like a preflight, not with a bare text 400.
    strictPreflight: false,
  };
  const everyOrigin: FastifyCorsOptions = { ...base, origin: '*', credentials: false };
  const listed: FastifyCorsOptions = origins === '*' ? everyOrigin : { ...base, origin: [...origins], credentials: true };
  const listedCloudEye: FastifyCorsOptions = { ...listed, credentials: false };
  if (origins === '*') {
    // The same answer for every request: options made once, not per request as a delegator's are
    // (@fastify/cors normalises a delegator's options on each call). A static `*` origin makes
    // @fastify/cors leave out `Vary: Origin`, so it is added first, where the delegator put it.
    app.addHook('onRequest', (_request, reply, done) => {
      void reply.header('vary', 'Origin');
      done();
    });
    void app.register(cors, everyOrigin);
    return;
  }
  void app.register(cors, {
    delegator: (request: FastifyRequest, done: (err: Error | null, options: FastifyCorsOptions) => void) => {
      done(null, isCloudEye(request.url) ? listedCloudEye : listed);
    },
  });
}

function isCloudEye(url: string): boolean {
  return url === CLOUD_EYE_PREFIX || url.startsWith(`${CLOUD_EYE_PREFIX}/`) || url.startsWith(`${CLOUD_EYE_PREFIX}?`);
}
