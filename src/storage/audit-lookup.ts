import { auditEventId } from '../audit/audit-id.js';

/** What `GET /model/audit/events/{id}` needs of storage: one event by its id. */
export interface AuditEventLookup {
  /**
   * The stored event whose id is `id` (as the JSON served), among what the list serves (the most
   * recent `AUDIT_CAPACITY` of its cluster); undefined when none. `timeMs` is the time the id
   * carries: backends read only the rows of that millisecond and derive their ids.
   */
  findAuditEvent(id: string, timeMs: number): Promise<string | undefined>;
}

/** A stored audit row as far as its id goes. */
export interface AuditIdRow {
  readonly cluster: string;
  readonly key: string;
  readonly timeMs: number;
  readonly body: string;
}

/** The body of the row among `rows` whose derived id is `id`. */
export function pickById(id: string, rows: Iterable<AuditIdRow>): string | undefined {
  for (const r of rows) if (auditEventId(r.cluster, r.key, r.timeMs) === id) return r.body;
  return undefined;
}

/**
 * A stored body with its id: bodies written before schema version 5 lack it, and the migration
 * adds it at the end (where new events carry it); JSON.parse and stringify keep the key order and
 * print every number as it was printed.
 */
export function bodyWithId(row: AuditIdRow): string {
  const event = JSON.parse(row.body) as Record<string, unknown>;
  if (typeof event.id === 'string') return row.body;
  return JSON.stringify({ ...event, id: auditEventId(row.cluster, row.key, row.timeMs) });
}
