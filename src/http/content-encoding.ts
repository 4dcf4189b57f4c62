import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { quoteValue } from '../quote-value.js';
import { readsBody } from './request-body.js';

/**
 * A request body sent with a `Content-Encoding` (gzip, br, …), on a request whose body Fastify reads. No route decodes one, so the body's
 * parser saw compressed bytes and answered that it was not JSON, or not a manifest. A root hook
 * refuses it before the body is read: a 415 naming the encoding, with `Accept-Encoding: identity`
 * (RFC 9110, 12.5.3), in the route's envelope (Cloud Eye's body on its routes). Node reads and
 * drops the unread body, so the connection serves the next request.
 */
export function installContentEncodingCheck(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request, and most have no Content-Encoding.
  app.addHook('onRequest', (request, reply, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding === undefined || /^\s*(identity)?\s*$/i.test(encoding) || !readsBody(request)) {
      done();
      return;
    }
    void reply.header('accept-encoding', 'identity');
    done(new AppError('UNSUPPORTED_MEDIA_TYPE', `the body is sent with Content-Encoding ${quoteValue(encoding)}; bodies are read as they are: send it uncompressed`));
  });
}
