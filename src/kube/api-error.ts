import { isKubeStatus } from './kube-object.js';

/** A failure answered by the API server (HTTP status, or an ERROR event in a watch stream). */
export class KubeApiError extends Error {
  constructor(
    /** The HTTP status, or the Status `code` of an in-stream error. */
    readonly status: number,
    /** The Status `reason` (`Expired`, `Gone`, `NotFound`, …) when the server gave one. */
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  /** Builds the error from a Status body (parsed or not) and the HTTP status it came with. */
  static fromStatus(httpStatus: number, body: unknown): KubeApiError {
    if (isKubeStatus(body)) {
      return new KubeApiError(body.code ?? httpStatus, body.reason, body.message ?? `HTTP ${httpStatus}`);
    }
    return new KubeApiError(httpStatus, undefined, `HTTP ${httpStatus}`);
  }
}

/** Thrown when a request is cut short because its deadline passed (not because it was stopped). */
export class KubeTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeTimeoutError';
  }
}

/** Whether an error means "your resourceVersion or continue token is too old": relist from scratch. */
export function isExpired(err: unknown): boolean {
  // A watch answered with another status than 200 ends with an Error carrying `statusCode` (watch-session.ts).
  const status = err instanceof KubeApiError ? err.status : statusCodeOf(err);
  return status === 410;
}

/** The HTTP status an error carries, whichever layer raised it. */
export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.status;
  if (typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number') return err.statusCode;
  return undefined;
}

/** A one-line description of any error, for status pages and logs. */
export function describeError(err: unknown): string {
  if (err instanceof KubeApiError) return `${err.status}${err.reason === undefined ? '' : ` ${err.reason}`}: ${err.message}`;
  const status = statusCodeOf(err);
  if (err instanceof Error) {
    // Node's network errors often name their code in the message already (`connect ECONNREFUSED …`).
    const code = 'code' in err && typeof err.code === 'string' && !err.message.includes(err.code) ? ` (${err.code})` : '';
    return status === undefined ? `${err.message}${code}` : `HTTP ${status}: ${err.message}`;
  }
  return String(err);
}
