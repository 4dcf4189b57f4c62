import type { WorkloadSpec } from '../cost/workload.js';
import type { AuditResourceType } from './resource-types.js';

/**
 * What the audit remembers of one workload between runs: enough to diff the first list after a
 * restart against, and to price a workload that was deleted while the server was down.
 */
export interface KnownWorkload {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly resourceVersion: string;
  readonly spec: WorkloadSpec;
  /** Epoch ns when the workload was last seen in a list or an event. */
  readonly lastSeenNs: bigint;
}

/** The remembered workloads of one cluster and kind, as the previous run left them. */
export interface PriorWorkloads {
  readonly workloads: readonly KnownWorkload[];
  /**
   * Epoch ns until which the previous run watched this kind with a complete view (its last mark):
   * a workload missing now was still there then, so that is its last-seen time.
   */
  readonly seenUntilNs: bigint;
}

interface Scope {
  readonly cluster: string;
  readonly resourceType: AuditResourceType;
}

/**
 * A change of what the audit remembers. It travels after the audit event it caused, so a crash
 * between the two makes the next start find the change again (and the event's key makes that
 * second finding a no-op), never forget it.
 */
export type WorkloadStateChange =
  | (Scope & { readonly op: 'put'; readonly workload: KnownWorkload })
  | (Scope & { readonly op: 'remove'; readonly uid: string })
  /** The complete set after a list; also marks the kind as watched until `atNs`. */
  | (Scope & { readonly op: 'replace'; readonly workloads: readonly KnownWorkload[]; readonly atNs: bigint })
  /** The remembered set was complete and current at `atNs` (a heartbeat while watching, and at shutdown). */
  | (Scope & { readonly op: 'seen'; readonly atNs: bigint });
