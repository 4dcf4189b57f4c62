import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_EVENTS_PER_REPORT } from '../cloud-eye/report-schema.js';
import type { CesErrorBody } from '../cloud-eye/response-schemas.js';
import { AppError, internalErrorMessage } from '../errors.js';
import { bodyTooLargeMessage, bytesText, drainRefusedBody, isBodyError } from './body-errors.js';
import type { RequestLog } from './request-log.js';

/** Largest report body: 1 MiB. */
export const REPORT_BODY_LIMIT = 1024 * 1024;

const LIMITS = `at most ${MAX_EVENTS_PER_REPORT} events and ${bytesText(REPORT_BODY_LIMIT)} per report`;

/** What an empty report is told (ces.0001), whether Fastify or validation finds it empty. */
export const EMPTY_REPORT = `the body is empty; send a JSON array of 1 to ${MAX_EVENTS_PER_REPORT} events`;

/** What a report that is not JSON is told. */
const notJson = (err: Error): AppError => new AppError('CES_BAD_BODY', `the body is not valid JSON (${err.message}); send a JSON array of events`);

/** Cloud Eye's error body. */
export function cesErrorBody(err: AppError): CesErrorBody {
  return { http_code: String(err.statusCode), message: { details: err.message, code: err.cesCode ?? '' } };
}

/**
 * What a failure is in Cloud Eye's terms: errors of the catalogue's Cloud Eye codes as they are; Fastify's own
 * (a body too large, not JSON, of another type) as the body errors they are; storage outages as
 * ces.0008; anything else a 500 whose details name the request id, never internals.
 */
export function toCesError(err: FastifyError | Error, requestId: string): AppError {
  if (err instanceof AppError) {
    if (err.cesCode !== undefined) return err;
    if (err.code === 'STORAGE_UNAVAILABLE') return new AppError('CES_STORAGE_UNAVAILABLE', err.message);
    if (err.code === 'BAD_BODY') return new AppError('CES_BAD_BODY', err.message);
    if (err.code === 'EXPECTATION_FAILED') return new AppError('CES_EXPECTATION_FAILED', err.message);
    if (err.code === 'UNSUPPORTED_MEDIA_TYPE') return new AppError('CES_BAD_BODY', err.message);
    if (err.statusCode < 500) return new AppError('CES_BAD_PARAMETER', err.message);
  }
  const code = (err as FastifyError).code;
  const status = (err as FastifyError).statusCode ?? 500;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('CES_BAD_BODY', bodyTooLargeMessage(REPORT_BODY_LIMIT, `send ${LIMITS}`));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('CES_CONTENT_REQUIRED', EMPTY_REPORT);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('CES_BAD_BODY', `the body must be JSON, sent with Content-Type: application/json`);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return notJson(err);
  }
  if (status >= 400 && status < 500) {
    // A body that fails to parse as JSON is a SyntaxError carrying status 400.
    return err instanceof SyntaxError ? notJson(err) : new AppError('CES_BAD_PARAMETER', err.message);
  }
  return new AppError('CES_INTERNAL', internalErrorMessage(requestId));
}

/**
 * The Cloud Eye routes' error handler: every failure leaves in Cloud Eye's body, noted once for the
 * request's log line. `unrouted` is the not-found handler's error (a 404 or 405), which also answers
 * a request no route takes whose body Fastify could not read.
 */
export function cesErrorHandler(requestLog: RequestLog, unrouted: (request: FastifyRequest, reply: FastifyReply) => AppError) {
  return (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (isBodyError(err)) drainRefusedBody(request, reply);
    const ces = request.is404 && isBodyError(err) ? unrouted(request, reply) : toCesError(err, request.id);
    // The original error goes to the log (a 5xx with its stack); the client sees the Cloud Eye one.
    requestLog.noteFailure(request, ces.statusCode >= 500 ? err : ces);
    return reply.code(ces.statusCode).send(cesErrorBody(ces));
  };
}
