import type { AuditEvent, AuditEventType } from './audit-event.js';
import type { WorkloadStateChange } from './workload-state.js';
import type { AuditGap } from './watch-gap.js';

/**
 * What the audit publishes for one change: the public event, its idempotency key within the
 * cluster, and the remembered state of the workload after the change (written with the event).
 */
export interface AuditChange {
  readonly event: AuditEvent;
  readonly key: string;
  readonly state: WorkloadStateChange;
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
