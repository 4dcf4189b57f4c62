import type { WorkloadSpec } from '../cost/workload.js';
import type { AuditEventType } from './audit-event.js';
import { UNKNOWN_CHANGED_BY, type ChangedBy, type Source } from './attribution.js';
import type { TrackedWorkload } from './tracked-workload.js';

/** The manager whose replica changes are an autoscaler's (the HPA controller runs in it). */
export const AUTOSCALER_MANAGER = 'kube-controller-manager';

const later = (a: ChangedBy, b: ChangedBy) => ((b.time ?? '') > (a.time ?? '') ? b : a);

/**
 * Who made a change and which tool owns the workload. An add is its creator's; an update, the
 * manager owning the fields that moved (the later of the two when replicas and requests both
 * moved); a delete is never in managedFields, so `unknown`. A replicas change by
 * kube-controller-manager is an autoscaler's.
 */
export function attributeChange(type: AuditEventType, w: TrackedWorkload, previous: WorkloadSpec | undefined): { changedBy: ChangedBy; source: Source } {
  if (type === 'add') return { changedBy: w.owners.creator, source: w.source };
  if (type === 'delete' || previous === undefined || w.spec === undefined) return { changedBy: UNKNOWN_CHANGED_BY, source: w.source };
  const a = previous.perPod;
  const b = w.spec.perPod;
  const requests = a.cpuCores !== b.cpuCores || a.memoryBytes !== b.memoryBytes || a.gpus !== b.gpus;
  const replicas = previous.replicas !== w.spec.replicas;
  let changedBy: ChangedBy;
  if (requests && replicas) changedBy = later(w.owners.resources, w.owners.replicas);
  else if (requests) changedBy = w.owners.resources;
  else if (replicas) changedBy = w.owners.replicas;
  else changedBy = w.owners.images;
  const scaledByAutoscaler = replicas && !requests && changedBy.manager === AUTOSCALER_MANAGER;
  return { changedBy, source: scaledByAutoscaler ? { tool: 'autoscaler' } : w.source };
}
