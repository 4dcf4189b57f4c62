/**
 * From a workload object to the few numbers pricing needs: the effective requests of one pod and
 * how many pods run. {@link WorkloadSpec} is all the audit keeps of an object in memory.
 *
 * A pod's effective request follows Kubernetes (component-helpers `PodRequests`): for each
 * resource, the larger of (app containers + native sidecars) and the peak of the init phase, where
 * an init container runs beside the sidecars started before it; then pod-level `resources` if set
 * (cpu, memory); then `overhead`. A container's request defaults to its limit, as the API server
 * defaults it on a Pod; a container with neither counts zero.
 */
import { Type, type Static } from '@sinclair/typebox';
import { quoteValue } from '../quote-value.js';
import { QuantityError, WorkloadError } from './errors.js';
import { parseQuantityValue, roundToNano } from './quantity.js';
import type { Container, PodSpec, ResourceRequirements, WorkloadObject } from './workload-object.js';

/** The kinds that can be priced, in Kubecost's lower-case spelling (`resourceType`, `controllerKind`). */
export const WorkloadKindSchema = Type.Union([
  Type.Literal('deployment'),
  Type.Literal('statefulset'),
  Type.Literal('daemonset'),
  Type.Literal('replicaset'),
  Type.Literal('pod'),
]);

/** A priceable kind. */
export type WorkloadKind = Static<typeof WorkloadKindSchema>;

/** Every priceable kind, e.g. to validate a list of kinds to watch. */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['deployment', 'statefulset', 'daemonset', 'replicaset', 'pod'];

const API_KINDS: Readonly<Record<WorkloadKind, string>> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  replicaset: 'ReplicaSet',
  pod: 'Pod',
};

/** The Kubernetes `kind` of a workload kind: `deployment` → `Deployment`. */
export function apiKindOf(kind: WorkloadKind): string {
  return API_KINDS[kind];
}

/** The workload kind of a Kubernetes `kind` (`Deployment` → `deployment`), or undefined if not priceable. */
export function workloadKindOf(apiKind: string): WorkloadKind | undefined {
  return WORKLOAD_KINDS.find((kind) => API_KINDS[kind] === apiKind);
}

/** Amounts of the priced resources: CPU cores, memory bytes, GPUs. */
export const PodRequestsSchema = Type.Object({
  cpuCores: Type.Number({ minimum: 0 }),
  memoryBytes: Type.Number({ minimum: 0 }),
  gpus: Type.Number({ minimum: 0 }),
});

/** Effective requests of one pod (or one container): cores, bytes, GPUs. */
export type PodRequests = Static<typeof PodRequestsSchema>;

/** What pricing needs of a workload, and all the audit keeps of it: never the whole object. */
export const WorkloadSpecSchema = Type.Object({
  kind: WorkloadKindSchema,
  namespace: Type.String(),
  name: Type.String(),
  uid: Type.Optional(Type.String()),
  /** Pods that run: `spec.replicas` (default 1), nodes for a DaemonSet, 1 for a Pod. */
  replicas: Type.Integer({ minimum: 0 }),
  perPod: PodRequestsSchema,
});

/** A workload reduced to its identity, its pod count and one pod's effective requests. */
export type WorkloadSpec = Static<typeof WorkloadSpecSchema>;

/** Resource names counted as GPUs. */
export const GPU_RESOURCE_NAMES: readonly string[] = ['nvidia.com/gpu', 'amd.com/gpu'];

/** How to read an object whose context is not in the object itself. */
export interface WorkloadSpecOptions {
  /** Namespace for an object without one (the Predict API's `defaultNamespace`); else `default`. */
  readonly defaultNamespace?: string;
  /** Nodes a DaemonSet runs on; required for DaemonSets (see {@link daemonSetNodeCount}). */
  readonly daemonSetNodes?: number;
}

/** Reduces a workload object to a {@link WorkloadSpec}; throws {@link WorkloadError} naming the bad field. */
export function workloadSpecOf(kind: WorkloadKind, obj: WorkloadObject, options: WorkloadSpecOptions = {}): WorkloadSpec {
  const meta = obj.metadata;
  const name = meta?.name ?? meta?.generateName;
  if (name === undefined || name === '') throw new WorkloadError('metadata.name', 'is required');
  const spec = obj.spec;
  if (spec === undefined) throw new WorkloadError('spec', 'is required');

  let podSpec: PodSpec | undefined = spec;
  let podSpecPath = 'spec';
  if (kind !== 'pod') {
    if (spec.template === undefined) throw new WorkloadError('spec.template', 'is required');
    podSpec = spec.template.spec;
    podSpecPath = 'spec.template.spec';
    if (podSpec === undefined) throw new WorkloadError(podSpecPath, 'is required');
  }

  // Every field in the literal (uid undefined when absent, which JSON leaves out): a property added
  // afterwards gave each of the audit's 100,000 kept specs a separate properties store (40 bytes).
  return {
    kind,
    namespace: meta?.namespace ?? options.defaultNamespace ?? 'default',
    name,
    replicas: replicasOf(kind, obj, options),
    perPod: podRequestsOf(podSpec, podSpecPath),
    uid: meta?.uid,
  };
}

function replicasOf(kind: WorkloadKind, obj: WorkloadObject, options: WorkloadSpecOptions): number {
  switch (kind) {
    case 'pod':
      return 1;
    case 'daemonset': {
      const nodes = options.daemonSetNodes;
      if (nodes === undefined || !Number.isInteger(nodes) || nodes < 0) {
        throw new RangeError('pricing a DaemonSet needs daemonSetNodes, a whole number >= 0 (see daemonSetNodeCount)');
      }
      return nodes;
    }
    default: {
      // Kubernetes defaults an absent spec.replicas to 1; an explicit 0 stays 0.
      const replicas = obj.spec?.replicas ?? 1;
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw new WorkloadError('spec.replicas', `expected a whole number >= 0, got ${replicas}`);
      }
      return replicas;
    }
  }
}

/**
 * Nodes a DaemonSet runs on: `status.desiredNumberScheduled` once its controller has observed it
 * (`status.observedGeneration` set), else `schedulableNodes`. A just-created DaemonSet carries a
 * zeroed status the controller has not filled in yet; trusting it would price the add at 0.
 */
export function daemonSetNodeCount(obj: WorkloadObject, schedulableNodes: number): number {
  return observedDaemonSetNodes(obj) ?? schedulableNodes;
}

/** `status.desiredNumberScheduled` once the DaemonSet controller has observed the object, else undefined. */
export function observedDaemonSetNodes(obj: WorkloadObject): number | undefined {
  const status = obj.status;
  return status?.observedGeneration === undefined ? undefined : status.desiredNumberScheduled;
}

/** A container's effective requests (requests, else limits, else zero); `path` prefixes error field paths. */
export function containerRequestsOf(container: Container, path: string): PodRequests {
  return amountsAt(container.resources, path).amounts;
}

/** One pod's effective requests; `path` (`spec` or `spec.template.spec`) prefixes error field paths. */
export function podRequestsOf(podSpec: PodSpec, path: string): PodRequests {
  const containers = podSpec.containers;
  if (containers === undefined) throw new WorkloadError(`${path}.containers`, 'is required');

  const running = zero();
  let cpuSpecified = false;
  let memorySpecified = false;
  // Plain loops, and field paths made only for an error: this runs for every watched change.
  for (let i = 0; i < containers.length; i++) {
    const { amounts, cpu, memory } = amountsAt((containers[i] as Container).resources, path, 'containers', i);
    addInto(running, amounts);
    cpuSpecified ||= cpu;
    memorySpecified ||= memory;
  }

  const sidecars = zero();
  const initPeak = zero();
  const initContainers = podSpec.initContainers ?? [];
  for (let i = 0; i < initContainers.length; i++) {
    const container = initContainers[i] as Container;
    const { amounts, cpu, memory } = amountsAt(container.resources, path, 'initContainers', i);
    cpuSpecified ||= cpu;
    memorySpecified ||= memory;
    let inUse: PodRequests;
    if (container.restartPolicy === 'Always') {
      // A native sidecar keeps running beside the app, and beside every init container after it.
      addInto(running, amounts);
      addInto(sidecars, amounts);
      inUse = sidecars;
    } else {
      inUse = zero();
      addInto(inUse, amounts);
      addInto(inUse, sidecars);
    }
    maxInto(initPeak, inUse);
  }
  maxInto(running, initPeak);

  if (podSpec.resources !== undefined) {
    const podLevel = `${path}.resources`;
    running.cpuCores = podLevelRequest(podSpec.resources, 'cpu', podLevel, running.cpuCores, cpuSpecified);
    running.memoryBytes = podLevelRequest(podSpec.resources, 'memory', podLevel, running.memoryBytes, memorySpecified);
  }

  if (podSpec.overhead !== undefined) {
    const overhead = podSpec.overhead;
    running.cpuCores += quantityOrZero(overhead.cpu, `${path}.overhead[cpu]`);
    running.memoryBytes += quantityOrZero(overhead.memory, `${path}.overhead[memory]`);
    for (const gpu of GPU_RESOURCE_NAMES) running.gpus += quantityOrZero(overhead[gpu], `${path}.overhead[${gpu}]`);
  }
  return {
    cpuCores: roundToNano(running.cpuCores),
    memoryBytes: roundToNano(running.memoryBytes),
    gpus: roundToNano(running.gpus),
  };
}

/**
 * Pod-level resources (beta in Kubernetes 1.34): a pod-level request replaces the containers'
 * total; a pod-level limit stands in for the request only when no container states one, as the
 * API server defaults it.
 */
function podLevelRequest(
  resources: ResourceRequirements | undefined,
  name: 'cpu' | 'memory',
  path: string,
  containersTotal: number,
  containersSpecify: boolean,
): number {
  const request = resources?.requests?.[name];
  if (request !== undefined) return quantityAt(request, `${path}.requests[${name}]`);
  const limit = resources?.limits?.[name];
  if (limit !== undefined && !containersSpecify) return quantityAt(limit, `${path}.limits[${name}]`);
  return containersTotal;
}

/**
 * The amounts of the container whose resources are at `${path}.resources`, or at
 * `${path}.${list}[${index}].resources` when a list is named; the path is made only for an error.
 */
function amountsAt(
  resources: ResourceRequirements | undefined,
  path: string,
  list?: 'containers' | 'initContainers',
  index?: number,
): { amounts: PodRequests; cpu: boolean; memory: boolean } {
  try {
    const cpu = effectiveRequest(resources, 'cpu');
    const memory = effectiveRequest(resources, 'memory');
    let gpus = 0;
    for (const gpu of GPU_RESOURCE_NAMES) gpus += effectiveRequest(resources, gpu) ?? 0;
    return {
      amounts: { cpuCores: cpu ?? 0, memoryBytes: memory ?? 0, gpus },
      cpu: cpu !== undefined,
      memory: memory !== undefined,
    };
  } catch (err) {
    if (!(err instanceof RelativeFieldError)) throw err;
    throw new WorkloadError(`${list === undefined ? path : `${path}.${list}[${index}]`}.resources.${err.field}`, err.reason);
  }
}

/** A refused quantity at `field` of a container's resources (`requests[cpu]`), before the container's own path is known. */
class RelativeFieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** The request of one resource, defaulted to its limit; undefined when neither is set. */
function effectiveRequest(resources: ResourceRequirements | undefined, name: string): number | undefined {
  const request = resources?.requests?.[name];
  if (request !== undefined) return quantityIn(request, 'requests', name);
  const limit = resources?.limits?.[name];
  if (limit !== undefined) return quantityIn(limit, 'limits', name);
  return undefined;
}

/** {@link quantityAt} of `list[name]` in a container's resources; throws {@link RelativeFieldError}. */
function quantityIn(value: unknown, list: 'requests' | 'limits', name: string): number {
  const checked = checkedQuantity(value);
  if (typeof checked === 'string') throw new RelativeFieldError(`${list}[${name}]`, checked);
  return checked;
}

function quantityOrZero(value: unknown, path: string): number {
  return value === undefined ? 0 : quantityAt(value, path);
}

function quantityAt(value: unknown, path: string): number {
  const checked = checkedQuantity(value);
  if (typeof checked === 'string') throw new WorkloadError(path, checked);
  return checked;
}

/** The value of a requested quantity, or why it is refused. */
function checkedQuantity(value: unknown): number | string {
  if (typeof value !== 'string' && typeof value !== 'number') return 'expected a quantity such as "100m" or "64Mi"';
  let parsed: number;
  try {
    parsed = parseQuantityValue(value);
  } catch (err) {
    if (err instanceof QuantityError) return err.message;
    throw err;
  }
  if (parsed < 0) return `must be greater than or equal to 0, got ${quoteValue(value)}`;
  return parsed;
}

function zero(): PodRequests {
  return { cpuCores: 0, memoryBytes: 0, gpus: 0 };
}

function addInto(target: PodRequests, add: PodRequests): void {
  target.cpuCores += add.cpuCores;
  target.memoryBytes += add.memoryBytes;
  target.gpus += add.gpus;
}

function maxInto(target: PodRequests, other: PodRequests): void {
  target.cpuCores = Math.max(target.cpuCores, other.cpuCores);
  target.memoryBytes = Math.max(target.memoryBytes, other.memoryBytes);
  target.gpus = Math.max(target.gpus, other.gpus);
}
