import type { AuditEvent, AuditEventType } from './audit-event.js';
import type { AuditResourceType } from './resource-types.js';

/** What a query of the audit events selects; every field narrows. */
export interface AuditQuery {
  /** At most this many events (after the filters), newest first. */
  readonly count?: number;
  /** Clusters to include; undefined includes every cluster in the store. */
  readonly clusters?: ReadonlySet<string>;
  readonly namespaces?: ReadonlySet<string>;
  readonly eventTypes?: ReadonlySet<AuditEventType>;
  readonly resourceTypes?: ReadonlySet<AuditResourceType>;
  /** Bounds, inclusive, on `costPrediction.totalMonthlyRate`. */
  readonly totalCostLowerBound?: number;
  readonly totalCostUpperBound?: number;
}

/** True when `e` passes every filter of `q` except `count` (SQL backends say the same in SQL). */
export function matchesAuditQuery(e: AuditEvent, q: AuditQuery): boolean {
  const rate = e.costPrediction.totalMonthlyRate;
  return (
    (q.clusters === undefined || q.clusters.has(e.properties.cluster)) &&
    (q.namespaces === undefined || q.namespaces.has(e.properties.namespace)) &&
    (q.eventTypes === undefined || q.eventTypes.has(e.eventType)) &&
    (q.resourceTypes === undefined || q.resourceTypes.has(e.resourceType)) &&
    (q.totalCostLowerBound === undefined || rate >= q.totalCostLowerBound) &&
    (q.totalCostUpperBound === undefined || rate <= q.totalCostUpperBound)
  );
}
