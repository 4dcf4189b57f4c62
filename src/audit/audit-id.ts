import { derivedEventId, EVENT_ID_PATTERN } from '../cloud-eye/event-id.js';

/**
 * An audit event's `id`: the id Cloud Eye's system events already give the change (`ev`, the
 * event's epoch ms, nine characters from a hash of its cluster and idempotency key). Every replica
 * and every restart derives the same id for one change, and `GET /V1.0/{project}/events` shows the
 * same change under the same id.
 */
export function auditEventId(cluster: string, key: string, timeMs: number): string {
  return derivedEventId(timeMs, `audit/${cluster}/${key}`);
}

/** The epoch ms an audit event id carries, or undefined when `id` is not of the id's form. */
export function auditIdTimeMs(id: string): number | undefined {
  return EVENT_ID_PATTERN.test(id) ? Number(id.slice(2, 15)) : undefined;
}

/** The id's form, for a 400 that says what `id` accepts. */
export const AUDIT_ID_ACCEPTS = "an event id: 'ev', 13 digits (epoch ms) and 9 letters or digits, as /model/audit/events gives it";
