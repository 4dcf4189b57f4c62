import type { AuditEvent } from '../audit/audit-event.js';
import { shortHash, type NotifyMessage } from './message.js';
import type { OutboxRow } from './outbox.js';
import { auditMessage } from './notify-router.js';

/**
 * An outbox row as the SQL backends read it: `message` for a row that carries its message, else
 * `eventKey` and the referenced audit event's body (`body`: the outbox's own copy when pruning
 * removed the event before delivery, else the stored event's, by a join in the lease).
 */
export interface StoredOutboxRow {
  readonly seq: number;
  readonly id: string | null;
  readonly cluster: string;
  readonly eventKey: string | null;
  readonly route: string;
  readonly sink: string;
  readonly groupKey: string;
  readonly createdMs: number;
  readonly notBeforeMs: number;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly message: string | null;
  readonly body: string | null;
}

/** The id of an audit notice: the same on every replica and backend (and as the id rows of schema 8 had). */
export function noticeId(cluster: string, eventKey: string, route: string, sink: string): string {
  return shortHash(`${cluster}\u0000${eventKey}\u0000${route}\u0000${sink}`);
}

/** A stored row as the notifier gets it: the message parsed, or made from the referenced event. */
export function outboxRowOf(r: StoredOutboxRow): OutboxRow {
  const { seq, cluster, route, sink, groupKey, createdMs, notBeforeMs, attempts, lastError } = r;
  const id = r.id ?? noticeId(cluster, r.eventKey ?? '', route, sink);
  return { seq, id, cluster, route, sink, groupKey, createdMs, notBeforeMs, attempts, lastError, message: messageOf(r) };
}

function messageOf(r: StoredOutboxRow): NotifyMessage | undefined {
  try {
    if (r.message !== null) return JSON.parse(r.message) as NotifyMessage;
    if (r.eventKey !== null && r.body !== null) return auditMessage(JSON.parse(r.body) as AuditEvent, r.eventKey);
  } catch {
    // A row that no longer parses is buried by the notifier like a row whose event is gone.
  }
  return undefined;
}
