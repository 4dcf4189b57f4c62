import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Characters of a URL a log line keeps; Node admits URLs up to its 16 KiB header limit. */
export const LOGGED_URL_CHARACTERS = 1024;

/** The URL as logged: whole when short, else its start and how long it was. */
export function loggedUrl(url: string): string {
  return url.length <= LOGGED_URL_CHARACTERS ? url : `${url.slice(0, LOGGED_URL_CHARACTERS)}… (${url.length} characters)`;
}

/**
 * One log line per request, written when it completes, carrying the failure (if any) that the
 * error handler noted: 4xx at info with the message, 5xx at error with the stack. Fastify's own
 * two lines per request and its separate error lines are switched off.
 */
export class RequestLog extends LogController {
  readonly #failures = new WeakMap<FastifyRequest, Error>();

  /** Remembers why `request` failed, for its completion line. */
  noteFailure(request: FastifyRequest, err: Error): void {
    this.#failures.set(request, err);
  }

  override incomingRequest(): void {
    // The completion line says everything; an extra line per request only doubles log volume.
  }

  override defaultErrorLog(): void {
    // Errors are logged on the completion line.
  }

  override routeNotFound(): void {
    // Likewise.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const failure = error ?? this.#failures.get(request);
    const line = { method: request.method, url: loggedUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 };
    // A 5xx the route chose to answer (/readyz's 503 while a component is not ready, which is
    // expected with no cluster) is no error of the server's: only a failure is logged as one.
    if (reply.statusCode >= 500 && failure !== undefined) request.log.error({ ...line, err: failure }, 'request failed');
    else if (reply.statusCode >= 500) request.log.info(line, 'request answered unavailable');
    else if (failure !== undefined) request.log.info({ ...line, error: failure.message }, 'request rejected');
    else request.log.info(line, 'request');
  }
}
