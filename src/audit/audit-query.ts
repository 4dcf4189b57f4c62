import type { AuditEvent, AuditEventType } from './audit-event.js';
import type { SourceTool } from './attribution.js';
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
  /** `changedBy.manager` in this set (events stored before schema version 5 have none and never match). */
  readonly changedBy?: ReadonlySet<string>;
  /** `source.tool` in this set (likewise). */
  readonly sources?: ReadonlySet<SourceTool>;
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
    (q.totalCostUpperBound === undefined || rate <= q.totalCostUpperBound) &&
    (q.changedBy === undefined || (e.changedBy !== undefined && q.changedBy.has(e.changedBy.manager))) &&
    (q.sources === undefined || (e.source !== undefined && q.sources.has(e.source.tool)))
  );
}
