import { CostError } from '../cost/errors.js';
import { daemonSetNodeCount, workloadSpecOf, type PodRequests, type WorkloadSpec } from '../cost/workload.js';
import type { WorkloadObject } from '../cost/workload-object.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { WatchEventType } from '../kube/watch-types.js';
import { UNKNOWN_SOURCE, type Source } from './attribution.js';
import { summarizeContainers, type ContainerSummary } from './container-summary.js';
import { fieldOwners, NO_OWNERS, type FieldOwners } from './field-owners.js';
import type { AuditResourceType } from './resource-types.js';
import { sourceOf } from './source.js';

/**
 * What the audit keeps of one watched object: identity, version, creation time and the few
 * numbers pricing needs. Never the whole object, so 100,000 workloads fit in little memory.
 */
export interface TrackedWorkload {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  /** `metadata.creationTimestamp`, epoch ms, when present. */
  readonly createdAtMs: number | undefined;
  /** Undefined when the object is not audited (a pod owned by a controller) or cannot be priced. */
  readonly spec: WorkloadSpec | undefined;
  /** Who owns the fields the audit prices (from managedFields): all `unknown` when it has none. */
  readonly owners: FieldOwners;
  /** The tool that owns the workload, from its labels and annotations. */
  readonly source: Source;
  /** Its containers' requests and images, to say what an update moved; undefined when not known (remembered from a previous run). */
  readonly containers: ContainerSummary | undefined;
  /** Why the object cannot be priced, when `spec` is undefined for that reason. */
  readonly problem?: string;
}

/** What reducing an object needs besides the object. */
export interface TrackContext {
  /** Schedulable nodes now, for DaemonSets whose controller has not yet set their status. */
  schedulableNodes(): number;
  /** The object a kept spec holds for its pod requests: one shared among equal ones ({@link SharedRequests}); absent, its own. */
  shareRequests?(r: PodRequests): PodRequests;
}

interface OwnedMeta {
  ownerReferences?: { controller?: boolean }[];
  creationTimestamp?: string;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  managedFields?: unknown;
}

/** Reduces a watched object to a {@link TrackedWorkload}; one without identity is tracked as unpriceable. */
export function trackWorkload(type: AuditResourceType, obj: KubeObject, ctx: TrackContext): TrackedWorkload {
  const m = obj.metadata;
  const uid = m?.uid;
  const name = m?.name;
  const resourceVersion = m?.resourceVersion;
  if (typeof uid !== 'string' || typeof name !== 'string' || typeof resourceVersion !== 'string') {
    return {
      uid: uid ?? '',
      name: name ?? '',
      namespace: '',
      resourceVersion: resourceVersion ?? '',
      createdAtMs: undefined,
      spec: undefined,
      owners: NO_OWNERS,
      source: UNKNOWN_SOURCE,
      containers: undefined,
      problem: 'metadata lacks uid, name or resourceVersion',
    };
  }
  const meta = m as OwnedMeta;
  const created = meta.creationTimestamp === undefined ? Number.NaN : Date.parse(meta.creationTimestamp);
  const namespace = typeof m?.namespace === 'string' ? m.namespace : '';
  const createdAtMs = Number.isNaN(created) ? undefined : created;
  // Whole literals, not `{ ...base, spec }`: V8 (Node 20) gives an object spread from another a
  // hidden class of its own, so each kept workload carried two (~330 bytes) and every read of one
  // was a megamorphic lookup.
  // Pods are audited only when bare: a pod of a controller is the controller's change, counted there.
  if (type === 'pod' && (meta.ownerReferences ?? []).some((r) => r.controller === true)) {
    return { uid, name, namespace, resourceVersion, createdAtMs, spec: undefined, owners: NO_OWNERS, source: UNKNOWN_SOURCE, containers: undefined };
  }
  // Only what attribution needs leaves the object: a few references, never the entries themselves.
  const owners = fieldOwners(meta.managedFields, type === 'pod');
  const source = sourceOf(meta.labels, meta.annotations);
  const workload = obj as WorkloadObject;
  const containers = summarizeContainers(type === 'pod' ? workload.spec : workload.spec?.template?.spec);
  try {
    const spec = workloadSpecOf(type, workload, type === 'daemonset' ? { daemonSetNodes: daemonSetNodeCount(workload, ctx.schedulableNodes()) } : {});
    // The spec is new here and nobody else's yet: its requests are swapped for the shared equal ones.
    if (ctx.shareRequests !== undefined) spec.perPod = ctx.shareRequests(spec.perPod);
    return { uid, name, namespace, resourceVersion, createdAtMs, spec, owners, source, containers };
  } catch (err) {
    if (err instanceof CostError) return { uid, name, namespace, resourceVersion, createdAtMs, spec: undefined, owners, source, containers, problem: err.message };
    throw err;
  }
}

/**
 * The audit's reduction of a watched object, as its watch delivers it: the delete of a workload
 * the detector keeps is that kept workload (`kept`), since the delete is priced and attributed
 * from what the detector kept, so the object's owners, source, containers and spec are not read
 * again; anything else is reduced whole.
 */
export function trackChange(
  type: AuditResourceType,
  kept: (uid: string) => TrackedWorkload | undefined,
  ctx: TrackContext,
): (obj: KubeObject, event?: WatchEventType) => TrackedWorkload {
  return (obj, event) => (event === 'DELETED' && typeof obj.metadata?.uid === 'string' ? kept(obj.metadata.uid) : undefined) ?? trackWorkload(type, obj, ctx);
}

/** True when two specs would be priced differently: replicas or one pod's requests changed. */
export function sameCost(a: WorkloadSpec, b: WorkloadSpec): boolean {
  return (
    a.replicas === b.replicas &&
    a.perPod.cpuCores === b.perPod.cpuCores &&
    a.perPod.memoryBytes === b.perPod.memoryBytes &&
    a.perPod.gpus === b.perPod.gpus
  );
}
