import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { quoteValue } from '../quote-value.js';

/** Node's own test for the one expectation it meets itself: `100-continue`, alone or among others. */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/**
 * The `Expect` header. Asking for anything but `100-continue`, Node answers the request itself,
 * before any route, with a bare 417: no body, no request id, no CORS headers, no log line. Such a
 * request goes to the router instead, and a root hook (after CORS's and the metrics') answers it
 * 417 in the route's envelope, naming what was asked and what is met, with `Connection: close`
 * (the client may send its body or not). `100-continue` is met, in its turn (below).
 */
export function installExpectationHandling(app: FastifyInstance): void {
  const server = app.server;
  server.on('checkExpectation', (req, res) => server.emit('request', req, res));
  // `100-continue`, as Node meets it (the interim 100, then the request), but not before the
  // request's turn on its connection. A request pipelined behind another has no socket yet, and
  // Node buffers its 100 until it has; a response with a Buffer body then puts its head in front
  // of that buffered 100 (OutgoingMessage's `_send` unshifts it), and the client reads the 100
  // inside the body. Waiting for the socket keeps the 100 first.
  server.on('checkContinue', (req, res) => {
    const meet = (): void => {
      res.writeContinue();
      server.emit('request', req, res);
    };
    if (res.socket !== null) meet();
    else res.once('socket', meet);
  });
  // A callback hook, not an async one: it runs on every request, and most have no Expect.
  app.addHook('onRequest', (request, reply, done) => {
    const expect = request.headers.expect;
    if (expect === undefined || CONTINUE.test(expect)) {
      done();
      return;
    }
    void reply.header('connection', 'close');
    done(new AppError('EXPECTATION_FAILED', `the Expect header asks for ${quoteValue(expect)}; this server meets only "100-continue"`));
  });
}
