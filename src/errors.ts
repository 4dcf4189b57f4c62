import { quoteValue } from './quote-value.js';

/**
 * One entry of the catalogue. `status` is the HTTP status an error of this code answers with;
 * `ces` is the code Cloud Eye's body carries (the Cloud Eye routes' entries). A domain error's
 * entry has neither: it is never an answer by itself, a route maps it (see `asClientError`).
 */
interface CatalogueEntry {
  readonly status?: number;
  readonly ces?: string;
}

/**
 * The error catalogue: every error code of the server, with its HTTP status and, for the Cloud Eye
 * routes, Cloud Eye's code. Code compares `code`, never the message. Domain modules throw these;
 * the HTTP layer renders them (the Kubecost envelope, or Cloud Eye's body for the `CES_` entries).
 */
export const ERRORS = {
  // Answered in the Kubecost envelope (every route but Cloud Eye's).
  BAD_PARAMETER: { status: 400 },
  BAD_BODY: { status: 400 },
  NOT_FOUND: { status: 404 },
  /** A repair of the cluster's ETL is already running: one at a time. */
  REPAIR_RUNNING: { status: 409 },
  FEATURE_DISABLED: { status: 404 },
  /** A known path asked with a method it does not answer; the `Allow` header lists those it does. */
  METHOD_NOT_ALLOWED: { status: 405 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  /** An `Expect` header asking for something other than 100-continue. */
  EXPECTATION_FAILED: { status: 417 },
  STORAGE_UNAVAILABLE: { status: 503 },
  /** The Kubernetes API could not answer a lookup the request needs (the Predict API's costBefore). */
  CLUSTER_UNAVAILABLE: { status: 503 },
  INTERNAL: { status: 500 },

  // Cloud Eye's codes, as its API documents them, answered in Cloud Eye's body.
  /** The body is missing or empty (ces.0001, "The content must be specified."). */
  CES_CONTENT_REQUIRED: { status: 400, ces: 'ces.0001' },
  /** The project id is not a cluster this server knows (ces.0003, "The tenant ID is left blank or incorrect."). */
  CES_BAD_PROJECT: { status: 400, ces: 'ces.0003' },
  /** A query or path parameter is not acceptable (ces.0013). */
  CES_BAD_PARAMETER: { status: 400, ces: 'ces.0013' },
  /** Some content of the body is not correct (ces.0014). */
  CES_BAD_BODY: { status: 400, ces: 'ces.0014' },
  /** No token, or one that is not valid (ces.0015). */
  CES_UNAUTHENTICATED: { status: 401, ces: 'ces.0015' },
  /** A valid token used outside its grant (ces.0017). */
  CES_FORBIDDEN: { status: 403, ces: 'ces.0017' },
  /** No such route (ces.0016). */
  CES_NOT_FOUND: { status: 404, ces: 'ces.0016' },
  /** A known path asked with another method. Cloud Eye documents no code for it: the code is the status, as for 429. */
  CES_METHOD_NOT_ALLOWED: { status: 405, ces: '405' },
  /** An `Expect` header asking for something other than 100-continue. Cloud Eye documents no code for it: the code is the status, as for 405. */
  CES_EXPECTATION_FAILED: { status: 417, ces: '417' },
  /** Past the client's rate limit. Cloud Eye documents the status, not a code: the code is the status, as its gateway errors carry. */
  CES_TOO_MANY_REQUESTS: { status: 429, ces: '429' },
  /** A bug; the details are in the log (ces.0007, "Internal service error."). */
  CES_INTERNAL: { status: 500, ces: 'ces.0007' },
  /** Storage cannot be reached; retry later (ces.0008, "Database error."). */
  CES_STORAGE_UNAVAILABLE: { status: 503, ces: 'ces.0008' },

  // The cost domain's errors (`src/cost/errors.ts`): a route maps them to a 400 naming the input at
  // fault; settings map them to exit code 2.
  /** A string that is not a Kubernetes resource quantity. */
  COST_QUANTITY_INVALID: {},
  /** A price sheet (PRICING_CONFIG) that does not parse or does not validate. */
  COST_PRICE_SHEET_INVALID: {},
  /** A workload object that cannot be priced. */
  COST_WORKLOAD_INVALID: {},
} as const satisfies Record<string, CatalogueEntry>;

/** A stable error code of the catalogue. */
export type Code = keyof typeof ERRORS;

/** A code a client can be answered with: it has an HTTP status. */
export type ErrorCode = { [C in Code]: (typeof ERRORS)[C] extends { readonly status: number } ? C : never }[Code];

/** A Cloud Eye code of the catalogue: answered in Cloud Eye's body. */
export type CesErrorCode = Extract<ErrorCode, `CES_${string}`>;

/** A domain error's code: no status of its own. */
export type DomainErrorCode = Exclude<Code, ErrorCode>;

/** An error meant for the client: its message says what was wrong and what is accepted. */
export class AppError extends Error {
  readonly statusCode: number;
  /** Cloud Eye's code, for the `CES_` entries; undefined for the others. */
  readonly cesCode: string | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
    const entry: CatalogueEntry = ERRORS[code];
    this.statusCode = entry.status ?? 500;
    this.cesCode = entry.ces;
  }
}

/** Base of the domain's errors: a stable code of the catalogue plus a message for the person who sent the input. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

// Message templates: each text a client can get from more than one place, written once.

/** A parameter with a value it does not accept; `quoted` is the value as `quoteValue` shows it. */
export function invalidParameterMessage(name: string, quoted: string, accepts: string): string {
  return `invalid parameter '${name}': got ${quoted}; accepts ${accepts}`;
}

/** A required parameter that was not given. */
export function missingParameterMessage(name: string, accepts?: string): string {
  return `missing parameter '${name}'${accepts === undefined ? '' : `; accepts ${accepts}`}`;
}

/** A parameter given twice where it is taken once. */
export function repeatedParameterMessage(name: string): string {
  return `parameter '${name}' was given more than once; give it once`;
}

/** The message of every 5xx that is not the catalogue's: the request id to look for, never internals. */
export function internalErrorMessage(requestId: string): string {
  return `internal error (request ${requestId}); the server log has the details`;
}

/** A query parameter with a value it does not accept; the value is quoted as the client sent it. */
export function badParameter(name: string, value: unknown, accepts: string): AppError {
  return new AppError('BAD_PARAMETER', invalidParameterMessage(name, quoteValue(typeof value === 'object' && value !== null ? value : String(value)), accepts));
}

/**
 * The one place a domain error becomes a client's error: runs `work`; an error of `type` it
 * throws becomes `toClient(err)` (a 400 naming the input, usually); anything else passes through.
 */
export function asClientError<T, E extends Error>(work: () => T, type: abstract new (...args: never[]) => E, toClient: (err: E) => AppError): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof type) throw toClient(err);
    throw err;
  }
}

/** The one way to describe an unknown thrown value in a message: an Error's message, anything else as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
