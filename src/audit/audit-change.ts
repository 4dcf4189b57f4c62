import type { AuditEvent, AuditEventType } from './audit-event.js';
import type { AuditResourceType } from './resource-types.js';
import type { WorkloadStateChange } from './workload-state.js';
import type { AuditGap } from './watch-gap.js';

/**
 * What every reader of a change can have without its event being built: the fields the metrics,
 * the memory backend's rings and its summaries read per change.
 */
export interface AuditHead {
  readonly eventType: AuditEventType;
  readonly resourceType: AuditResourceType;
  /** `event.properties.cluster` and `.namespace`. */
  readonly cluster: string;
  readonly namespace: string;
  readonly monthlyCostDelta: number;
  /** `event.timestamp` in epoch ms as `Date.parse` reads it (floored): the SQL backends' `time_ms`, and the id's ms. */
  readonly timeMs: number;
}

/** An audit event with its idempotency key within the cluster: what storage is given of a change. */
export interface KeyedAuditEvent {
  /**
   * The public event. A change the detector saw builds it on the first read (its id's hash, its
   * printed times): every read gives the same object, with the same bytes as if it had been built at
   * once. The memory backend keeps the last AUDIT_CAPACITY of a burst and reads fewer still, so most
   * of a burst's events are never built there.
   */
  readonly event: AuditEvent;
  readonly key: string;
  readonly head: AuditHead;
}

/**
 * What the audit publishes for one change: the public event, its idempotency key within the
 * cluster, and the remembered state of the workload after the change (written with the event).
 */
export interface AuditChange extends KeyedAuditEvent {
  readonly state: WorkloadStateChange;
}

/** An event built already, with its key: for what does not come from the detector (tests, benchmarks). */
export function keyedAuditEvent(event: AuditEvent, key: string): KeyedAuditEvent {
  return { event, key, head: auditHeadOf(event) };
}

/** A change whose event is built already (tests, benchmarks). */
export function auditChangeOf(event: AuditEvent, key: string, state: WorkloadStateChange): AuditChange {
  return { ...keyedAuditEvent(event, key), state };
}

/** The head of a built event. */
export function auditHeadOf(e: AuditEvent): AuditHead {
  return {
    eventType: e.eventType,
    resourceType: e.resourceType,
    cluster: e.properties.cluster,
    namespace: e.properties.namespace,
    monthlyCostDelta: e.monthlyCostDelta,
    timeMs: Date.parse(e.timestamp),
  };
}

/**
 * The idempotency key of an audit event within its cluster. A UID is created once and deleted
 * once, so `add` and `delete` need nothing more; an `update` is one per object version. Two
 * replicas watching one cluster, or a replica that finds a change again after a restart, derive
 * the same key for the same change, and storage keeps the event once.
 */
export function auditEventKey(type: AuditEventType, uid: string, resourceVersion: string): string {
  return type === 'update' ? `update/${uid}/${resourceVersion}` : `${type}/${uid}`;
}

/** What the audit's ordered queue publishes: a priced change, a change of remembered state alone, or a gap a list ended (after the changes it found). */
export type AuditOutput = { readonly change: AuditChange } | { readonly state: WorkloadStateChange } | { readonly gap: AuditGap };
