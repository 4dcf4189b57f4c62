import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { AppError, badParameter, internalErrorMessage, missingParameterMessage, repeatedParameterMessage } from '../errors.js';
import { drainRefusedBody, isBodyError, routeBodyTooLargeMessage } from './body-errors.js';
import { errorBody } from './envelope.js';
import { allowedMethods, methodNotAllowedMessage } from './method-not-allowed.js';
import type { RequestLog } from './request-log.js';
import { clipText, queryValueToQuote } from '../quote-value.js';

interface VerboseValidationError extends FastifySchemaValidationError {
  readonly data?: unknown;
  readonly parentSchema?: { readonly 'x-accepts'?: string; readonly properties?: Readonly<Record<string, { readonly 'x-accepts'?: string }>> };
}

/**
 * Turns Ajv's errors into one message that names the parameter and what it accepts
 * (schemas carry the accepted forms in `x-accepts`). Fastify hands the result to the error handler.
 */
export function formatValidationErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const e: VerboseValidationError | undefined = errors[0];
  if (e === undefined) return new AppError('BAD_PARAMETER', `invalid ${dataVar}`);
  const pointer = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (dataVar === 'body') {
    return new AppError('BAD_BODY', `invalid body: ${pointer === '' ? 'the body' : `'${pointer}'`} ${e.message ?? 'is not valid'}`);
  }
  const missing = (e.params as { missingProperty?: string }).missingProperty;
  if (e.keyword === 'required' && missing !== undefined) {
    const accepts = e.parentSchema?.properties?.[missing]?.['x-accepts'];
    return new AppError('BAD_PARAMETER', missingParameterMessage(missing, accepts));
  }
  if (Array.isArray(e.data)) {
    return new AppError('BAD_PARAMETER', repeatedParameterMessage(pointer));
  }
  const accepts = e.parentSchema?.['x-accepts'] ?? e.message ?? 'a valid value';
  return dataVar === 'querystring' ? new RejectedQueryValue(pointer, e.data, accepts) : badParameter(pointer, e.data, accepts);
}

/**
 * A query value the schema refused, as Ajv left it: converted to a number or boolean where the
 * schema asks for one (`99999999999999999999` is `1e20` by then, `00` is `0`). The formatter has no
 * request, so the error handler quotes the value as sent when converting changed it.
 */
class RejectedQueryValue extends AppError {
  constructor(
    readonly parameter: string,
    readonly converted: unknown,
    readonly accepts: string,
  ) {
    super('BAD_PARAMETER', badParameter(parameter, converted, accepts).message);
  }

  /** The same error quoting the value as `url`'s query has it, if converting changed it. */
  asSentIn(url: string): AppError {
    const start = url.indexOf('?');
    const sent = start < 0 ? null : new URLSearchParams(url.slice(start + 1)).get(this.parameter);
    const quoted = queryValueToQuote(this.converted, sent);
    return quoted === this.converted ? this : badParameter(this.parameter, quoted, this.accepts);
  }
}

/**
 * The one root error handler and not-found handler: every failure leaves in the Kubecost error
 * envelope, 4xx with its message, 5xx with a generic one (the details go to the log, once).
 */
export function installErrorHandling(app: FastifyInstance, requestLog: RequestLog): void {
  /** A 405 when another method of the path has a route, else a 404. */
  const unrouted = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const allowed = allowedMethods(app, request.url);
    if (allowed.length > 0) {
      const err = new AppError('METHOD_NOT_ALLOWED', methodNotAllowedMessage(request.method, request.url, allowed));
      requestLog.noteFailure(request, err);
      return reply.code(405).header('allow', allowed.join(', ')).send(errorBody(405, err.message));
    }
    return reply.code(404).send(errorBody(404, `no route for ${request.method} ${clipText(request.url.split('?')[0] ?? '')}`));
  };
  app.setErrorHandler((raw: FastifyError | AppError, request, reply) => {
    if (isBodyError(raw)) drainRefusedBody(request, reply);
    // Fastify reads the body before a request reaches the not-found handler.
    if (request.is404 && isBodyError(raw)) return unrouted(request, reply);
    // Fastify's own 413 says only "Request body is too large".
    const err =
      raw.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? new AppError('PAYLOAD_TOO_LARGE', routeBodyTooLargeMessage(request)) : raw instanceof RejectedQueryValue ? raw.asSentIn(request.url) : raw;
    const status = err.statusCode ?? 500;
    requestLog.noteFailure(request, err);
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody(status, err.message));
    const message = err instanceof AppError ? err.message : internalErrorMessage(request.id);
    return reply.code(status).send(errorBody(status, message));
  });
  app.setNotFoundHandler(unrouted);
}
