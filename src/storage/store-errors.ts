/**
 * Sorting storage failures: a transient one (the database is unreachable, restarting, out of
 * disk, busy, a deadlock victim) is retried and makes the server report storage unavailable; any
 * other (a bug, a value the schema refuses) is not retried, so one bad record cannot block the queue.
 */

/** SQLite result codes that say "not now" rather than "never" (extended codes start with these). */
const SQLITE_TRANSIENT = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PROTOCOL', 'SQLITE_NOMEM', 'SQLITE_NOLFS'];

/**
 * PostgreSQL SQLSTATE classes and codes worth retrying: 08 connection exception, 40 transaction
 * rollback (serialization failure, deadlock), 53 insufficient resources (disk full), 57 operator
 * intervention (admin shutdown, cannot connect now), 58 system error, 55P03 lock not available.
 */
const PG_TRANSIENT_CLASSES = ['08', '40', '53', '57', '58'];

/** Messages of the pg client's own connection failures, which carry no code. */
const CONNECTION_MESSAGES = /connection terminated|connection error|not queryable|timeout exceeded when trying to connect|query read timeout|cannot use a pool after calling end/i;

/** True for a failure that may go away by itself, so the write is kept and retried. */
export function isTransientStoreError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) return SQLITE_TRANSIENT.some((c) => code === c || code.startsWith(`${c}_`));
    if (/^[0-9A-Z]{5}$/.test(code)) return PG_TRANSIENT_CLASSES.includes(code.slice(0, 2)) || code === '55P03';
    // Node's socket errors: ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, ENOTFOUND, EHOSTUNREACH, …
    if (/^E[A-Z]+$/.test(code)) return true;
  }
  return CONNECTION_MESSAGES.test(err.message);
}

/** A short, internals-free description of a failure for logs and `/readyz`: its code and first line. */
export function describeStoreError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const first = err.message.split('\n')[0] ?? '';
  return typeof code === 'string' && !first.includes(code) ? `${code}: ${first}` : first;
}
