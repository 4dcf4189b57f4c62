import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { quoteValue } from '../quote-value.js';

/** Node's own test for the one expectation it meets itself: `100-continue`, alone or among others. */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/**
 * An `Expect` header asking for anything but `100-continue`. Node answers such a request itself,
 * before any route, with a bare 417: no body, no request id, no CORS headers, no log line. The
 * request goes to the router instead, and a root hook (after CORS's and the metrics') answers it
 * 417 in the route's envelope, naming what was asked and what is met, with `Connection: close`
 * (the client may send its body or not).
 */
export function installExpectationHandling(app: FastifyInstance): void {
  app.server.on('checkExpectation', (req, res) => app.server.emit('request', req, res));
  app.addHook('onRequest', async (request, reply) => {
    const expect = request.headers.expect;
    if (expect === undefined || CONTINUE.test(expect)) return;
    void reply.header('connection', 'close');
    throw new AppError('EXPECTATION_FAILED', `the Expect header asks for ${quoteValue(expect)}; this server meets only "100-continue"`);
  });
}
