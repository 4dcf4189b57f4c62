import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { AppError, badParameter, internalErrorMessage, missingParameterMessage, repeatedParameterMessage } from '../errors.js';
import { isBodyError, routeBodyTooLargeMessage } from './body-errors.js';
import { errorBody } from './envelope.js';
import { allowedMethods, methodNotAllowedMessage } from './method-not-allowed.js';
import type { RequestLog } from './request-log.js';
import { clipText } from '../quote-value.js';

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
  return badParameter(pointer, e.data, accepts);
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
    // Fastify reads the body before a request reaches the not-found handler.
    if (request.is404 && isBodyError(raw)) return unrouted(request, reply);
    // Fastify's own 413 says only "Request body is too large".
    const err = raw.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? new AppError('PAYLOAD_TOO_LARGE', routeBodyTooLargeMessage(request)) : raw;
    const status = err.statusCode ?? 500;
    requestLog.noteFailure(request, err);
    if (status >= 400 && status < 500) return reply.code(status).send(errorBody(status, err.message));
    const message = err instanceof AppError ? err.message : internalErrorMessage(request.id);
    return reply.code(status).send(errorBody(status, message));
  });
  app.setNotFoundHandler(unrouted);
}
