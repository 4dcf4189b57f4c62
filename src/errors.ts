import { quoteValue } from './quote-value.js';

/**
 * The error catalogue: every error a client can see, with a stable code and its HTTP status.
 * Code compares `code`, never the message. Domain modules throw these; the HTTP layer renders them.
 */
export const ERROR_CODES = {
  BAD_PARAMETER: 400,
  BAD_BODY: 400,
  NOT_FOUND: 404,
  /** A repair of the cluster's ETL is already running: one at a time. */
  REPAIR_RUNNING: 409,
  FEATURE_DISABLED: 404,
  /** A known path asked with a method it does not answer; the `Allow` header lists those it does. */
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  STORAGE_UNAVAILABLE: 503,
  /** The Kubernetes API could not answer a lookup the request needs (the Predict API's costBefore). */
  CLUSTER_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

/** A stable error code of the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error meant for the client: its message says what was wrong and what is accepted. */
export class AppError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
    this.statusCode = ERROR_CODES[code];
  }
}

/** A query parameter with a value it does not accept; the value is quoted as the client sent it. */
export function badParameter(name: string, value: unknown, accepts: string): AppError {
  return new AppError('BAD_PARAMETER', `invalid parameter '${name}': got ${quoteValue(typeof value === 'object' && value !== null ? value : String(value))}; accepts ${accepts}`);
}
