import { RingBuffer } from '../events/ring-buffer.js';
import type { AuditEvent, AuditEventType } from './audit-event.js';
import type { AuditResourceType } from './resource-types.js';

/** What a query of the audit store selects; every field narrows. */
export interface AuditQuery {
  /** At most this many events (after the filters), newest first. */
  readonly count?: number;
  readonly namespaces?: ReadonlySet<string>;
  readonly eventTypes?: ReadonlySet<AuditEventType>;
  readonly resourceTypes?: ReadonlySet<AuditResourceType>;
  /** Bounds, inclusive, on `costPrediction.totalMonthlyRate`. */
  readonly totalCostLowerBound?: number;
  readonly totalCostUpperBound?: number;
}

/** The most recent audit events in a ring; `version` changes on every append. */
export class AuditStore {
  readonly #ring: RingBuffer<AuditEvent>;
  #version = 0;

  constructor(capacity: number) {
    this.#ring = new RingBuffer(capacity);
  }

  /** Increases on every append. */
  get version(): number {
    return this.#version;
  }

  /** Records one event. */
  append(event: AuditEvent): void {
    this.#ring.push(event);
    this.#version++;
  }

  /** Events matching `q`, newest first. */
  query(q: AuditQuery = {}): AuditEvent[] {
    const all = this.#ring.toArray();
    const limit = q.count ?? Infinity;
    const out: AuditEvent[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const e = all[i] as AuditEvent;
      if (matches(e, q)) out.push(e);
    }
    return out;
  }
}

function matches(e: AuditEvent, q: AuditQuery): boolean {
  const rate = e.costPrediction.totalMonthlyRate;
  return (
    (q.namespaces === undefined || q.namespaces.has(e.properties.namespace)) &&
    (q.eventTypes === undefined || q.eventTypes.has(e.eventType)) &&
    (q.resourceTypes === undefined || q.resourceTypes.has(e.resourceType)) &&
    (q.totalCostLowerBound === undefined || rate >= q.totalCostLowerBound) &&
    (q.totalCostUpperBound === undefined || rate <= q.totalCostUpperBound)
  );
}
