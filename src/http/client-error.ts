import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from './envelope.js';

/** What Node's parser reports, by its error code, in words a client can act on. */
function describe(err: NodeJS.ErrnoException): { status: number; message: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: 'the request headers are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, message: 'the request was not received in time' };
    default:
      return {
        status: 400,
        message: `the request could not be parsed as HTTP/1.1 (${err.code ?? 'malformed'}): a malformed request line or headers, or a body not framed by Content-Length or Transfer-Encoding; the connection is closed`,
      };
  }
}

/**
 * Fastify's `clientErrorHandler`: a request Node's parser cannot read (a malformed request line,
 * an unframed body) is answered in the envelope with `Connection: close`, then the socket is
 * ended, so a keep-alive client opens a new connection instead of reusing this dead one.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // ECONNRESET and the like: the client went away; nothing to answer.
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
    socket.destroy();
    return;
  }
  const { status, message } = describe(err);
  const body = JSON.stringify(errorBody(status, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${randomUUID()}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
