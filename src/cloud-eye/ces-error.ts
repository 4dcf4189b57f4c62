/**
 * Cloud Eye's error codes, as its API documents them (a catalogue of their own beside
 * `src/errors.ts`: the Cloud Eye routes answer in Cloud Eye's body, with Cloud Eye's codes).
 * Code compares `kind`, never the message.
 */
export const CES_ERRORS = {
  /** The body is missing or empty (ces.0001, "The content must be specified."). */
  CONTENT_REQUIRED: { status: 400, code: 'ces.0001' },
  /** The project id is not a cluster this server knows (ces.0003, "The tenant ID is left blank or incorrect."). */
  BAD_PROJECT: { status: 400, code: 'ces.0003' },
  /** A query or path parameter is not acceptable (ces.0013). */
  BAD_PARAMETER: { status: 400, code: 'ces.0013' },
  /** Some content of the body is not correct (ces.0014). */
  BAD_BODY: { status: 400, code: 'ces.0014' },
  /** No token, or one that is not valid (ces.0015). */
  UNAUTHENTICATED: { status: 401, code: 'ces.0015' },
  /** A valid token used outside its grant (ces.0017). */
  FORBIDDEN: { status: 403, code: 'ces.0017' },
  /** No such route (ces.0016). */
  NOT_FOUND: { status: 404, code: 'ces.0016' },
  /** A known path asked with another method. Cloud Eye documents no code for it: the code is the status, as for 429. */
  METHOD_NOT_ALLOWED: { status: 405, code: '405' },
  /** Past the client's rate limit. Cloud Eye documents the status, not a code: the code is the status, as its gateway errors carry. */
  TOO_MANY_REQUESTS: { status: 429, code: '429' },
  /** A bug; the details are in the log (ces.0007, "Internal service error."). */
  INTERNAL: { status: 500, code: 'ces.0007' },
  /** Storage cannot be reached; retry later (ces.0008, "Database error."). */
  STORAGE_UNAVAILABLE: { status: 503, code: 'ces.0008' },
} as const;

/** One error of the catalogue. */
export type CesErrorKind = keyof typeof CES_ERRORS;

/** An error meant for a Cloud Eye client: `details` says what was wrong and what is accepted. */
export class CesError extends Error {
  readonly statusCode: number;
  readonly cesCode: string;

  constructor(
    readonly kind: CesErrorKind,
    details: string,
  ) {
    super(details);
    this.name = 'CesError';
    this.statusCode = CES_ERRORS[kind].status;
    this.cesCode = CES_ERRORS[kind].code;
  }
}
