/**
 * From a watched Kubernetes object to the compact record the cluster cache keeps (cluster-state.ts):
 * pure functions, one per kind, that read only what the records need and never hold on to the
 * object. They never throw on a malformed field: a quantity that does not parse counts 0 and is
 * reported in `problems`; a timestamp that does not parse falls back to the time seen. Only an
 * object without identity (no uid or name) throws, and the watch loop skips it with a warning.
 */
import { parseQuantityValue } from '../cost/quantity.js';
import type { KubeObject } from '../kube/kube-object.js';
import { parseRfc3339Ms } from '../time.js';
import type { ClaimRecord, ContainerRecord, LoadBalancerRecord, NodeRecord, PodRecord, VolumeRecord } from './cluster-state.js';
import { errorMessage } from '../errors.js';

/** What every record has: identity and the time it existed. */
export interface TimedRecord {
  readonly uid: string;
  readonly start: number;
  readonly end?: number;
}

/** What a projection needs besides the object. */
export interface ObserveContext {
  /** When the object was seen (epoch ms): the fallback for a missing or invalid timestamp. */
  readonly seenMs: number;
}

/** One version of an object as the cache sees it. */
export interface Observed<R extends TimedRecord> {
  readonly uid: string;
  /** `namespace/name`, or `name` for a cluster-scoped object: for logs. */
  readonly ref: string;
  /** The record as of this version; undefined when the object does not count now (a pod not started, a Service not of type LoadBalancer). */
  readonly record: R | undefined;
  /** What could not be read (a bad quantity, counted as 0; a bad timestamp); absent when nothing. */
  readonly problems?: readonly string[];
}

type Json = Record<string, unknown>;

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const field = (v: unknown, key: string): unknown => (isJson(v) ? v[key] : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** Problems found while reading one object; the array is made only when there is one. */
class Problems {
  list: string[] | undefined;

  add(problem: string): void {
    (this.list ??= []).push(problem);
  }
}

/** A timestamp field, or undefined with a problem when present but invalid. */
function timestamp(value: unknown, path: string, problems: Problems): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = parseRfc3339Ms(value);
  if (ms === undefined) problems.add(`${path}: not an RFC 3339 time: ${JSON.stringify(value)}`);
  return ms;
}

/** A quantity as a number; a value that is not a quantity (or is negative) counts 0 and is reported. */
function quantity(value: unknown, path: string, problems: Problems): number {
  if (value === undefined || value === null) return 0;
  let reason = 'expected a quantity such as "100m" or "64Mi"';
  if (typeof value === 'string' || typeof value === 'number') {
    try {
      const n = parseQuantityValue(value);
      if (n >= 0) return n;
      reason = 'negative';
    } catch (err) {
      reason = errorMessage(err);
    }
  }
  problems.add(`${path}: ${reason}; counted as 0`);
  return 0;
}

/** Whether a resource name is a GPU: `nvidia.com/gpu`, `amd.com/gpu`, any `<vendor>/gpu`. */
export function isGpuResource(name: string): boolean {
  return name.endsWith('/gpu');
}

/** The sum of the GPU resources of a resource list (node capacity). */
function gpusIn(resources: unknown, path: string, problems: Problems): number {
  let gpus = 0;
  if (isJson(resources)) for (const name of Object.keys(resources)) if (isGpuResource(name)) gpus += quantity(resources[name], `${path}[${name}]`, problems);
  return gpus;
}

interface Identity {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly created: number | undefined;
}

function identity(obj: KubeObject, problems: Problems): Identity {
  const meta = obj.metadata;
  const uid = text(meta?.uid);
  const name = text(meta?.name);
  if (uid === undefined || name === undefined) throw new Error('the object has no metadata.uid or metadata.name');
  return {
    uid,
    name,
    namespace: text(meta?.namespace) ?? '',
    labels: labelsOf(meta?.['labels']),
    created: timestamp(meta?.['creationTimestamp'], 'metadata.creationTimestamp', problems),
  };
}

/** A copy of the string-valued labels (never the object's own map), or one shared empty map. */
function labelsOf(value: unknown): Readonly<Record<string, string>> {
  if (!isJson(value)) return NO_LABELS;
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') (out ??= {})[k] = v;
  return out ?? NO_LABELS;
}

const refOf = (id: Identity): string => (id.namespace === '' ? id.name : `${id.namespace}/${id.name}`);

/**
 * Reads an object's identity, then its record with `build`, which is handed the time the object
 * exists from when nothing better is known (`creationTimestamp`, else the time seen).
 */
function observe<R extends TimedRecord>(
  obj: KubeObject,
  ctx: ObserveContext,
  build: (id: Identity, problems: Problems, createdOrSeen: number) => R | undefined,
): Observed<R> {
  const problems = new Problems();
  const id = identity(obj, problems);
  const record = build(id, problems, id.created ?? ctx.seenMs);
  const ref = refOf(id);
  return problems.list === undefined ? { uid: id.uid, ref, record } : { uid: id.uid, ref, record, problems: problems.list };
}

// ---- Pods -------------------------------------------------------------------------------------

/**
 * A Pod, recorded once scheduled and started: `spec.nodeName` set and `status.startTime` present
 * (or, for a Running pod without `startTime`, its creation time). It ends when Succeeded or Failed,
 * at the latest container `finishedAt` (else the time seen); the cache ends it on deletion too.
 */
export function observePod(obj: KubeObject, ctx: ObserveContext): Observed<PodRecord> {
  return observe(obj, ctx, (id, problems, createdOrSeen) => podRecord(obj, id, problems, createdOrSeen, ctx.seenMs));
}

function podRecord(obj: KubeObject, id: Identity, problems: Problems, createdOrSeen: number, seenMs: number): PodRecord | undefined {
  const spec = obj['spec'];
  const status = obj['status'];
  const node = text(field(spec, 'nodeName'));
  const phase = field(status, 'phase');
  let start = timestamp(field(status, 'startTime'), 'status.startTime', problems);
  if (start === undefined && phase === 'Running') start = createdOrSeen;
  if (node === undefined || start === undefined) return undefined;

  let end: number | undefined;
  if (phase === 'Succeeded' || phase === 'Failed') end = Math.max(start, lastFinishedAt(status, problems) ?? seenMs);
  const { controllerKind, controller } = podController(obj.metadata?.['ownerReferences'], id.labels);
  return {
    uid: id.uid,
    namespace: id.namespace,
    name: id.name,
    node,
    labels: id.labels,
    ...(controllerKind !== undefined && { controllerKind, controller }),
    containers: list(field(spec, 'containers')).map((c, i) => containerRecord(c, i, problems)),
    claims: claimNames(spec),
    start,
    ...(end !== undefined && { end }),
  };
}

/** The latest `state.terminated.finishedAt` of the app containers' statuses. */
function lastFinishedAt(status: unknown, problems: Problems): number | undefined {
  let last: number | undefined;
  list(field(status, 'containerStatuses')).forEach((cs, i) => {
    const at = timestamp(field(field(field(cs, 'state'), 'terminated'), 'finishedAt'), `status.containerStatuses[${i}].state.terminated.finishedAt`, problems);
    if (at !== undefined && (last === undefined || at > last)) last = at;
  });
  return last;
}

/** One app container's requests; a request defaults to its limit, as the API server defaults it. */
function containerRecord(container: unknown, index: number, problems: Problems): ContainerRecord {
  const resources = field(container, 'resources');
  const requests = field(resources, 'requests');
  const limits = field(resources, 'limits');
  const path = `spec.containers[${index}].resources`;
  const request = (name: string): number => {
    const r = field(requests, name);
    return r === undefined ? quantity(field(limits, name), `${path}.limits[${name}]`, problems) : quantity(r, `${path}.requests[${name}]`, problems);
  };
  let gpus = 0;
  const gpuNames = new Set([...Object.keys(isJson(requests) ? requests : {}), ...Object.keys(isJson(limits) ? limits : {})].filter(isGpuResource));
  for (const name of gpuNames) gpus += request(name);
  return { name: text(field(container, 'name')) ?? `#${index}`, cpuCores: request('cpu'), ramBytes: request('memory'), gpus };
}

function claimNames(spec: unknown): string[] {
  const claims: string[] = [];
  for (const v of list(field(spec, 'volumes'))) {
    const claim = text(field(field(v, 'persistentVolumeClaim'), 'claimName'));
    if (claim !== undefined) claims.push(claim);
  }
  return claims;
}

/**
 * The controller Kubecost reports for a pod, from its owner references (the one marked
 * `controller: true`, else the first): the kind in lower case and the name; a ReplicaSet named
 * `<deployment>-<pod-template-hash>` is reported as its Deployment. A Job stays a `job` (a Job's
 * name does not reliably say whether a CronJob made it). A bare pod has neither.
 */
export function podController(ownerReferences: unknown, labels: Readonly<Record<string, string>>): { controllerKind?: string; controller?: string } {
  const refs = list(ownerReferences);
  const owner = refs.find((r) => field(r, 'controller') === true) ?? refs[0];
  const kind = text(field(owner, 'kind'));
  const name = text(field(owner, 'name'));
  if (kind === undefined || name === undefined) return {};
  const hash = labels['pod-template-hash'];
  if (kind === 'ReplicaSet' && hash !== undefined && hash !== '' && name.length > hash.length + 1 && name.endsWith(`-${hash}`)) {
    return { controllerKind: 'deployment', controller: name.slice(0, -(hash.length + 1)) };
  }
  return { controllerKind: kind.toLowerCase(), controller: name };
}

// ---- Nodes, volumes, claims, load balancers -----------------------------------------------------

/** A Node: its capacity, instance type and provider id, from its creation. */
export function observeNode(obj: KubeObject, ctx: ObserveContext): Observed<NodeRecord> {
  return observe(obj, ctx, (id, problems, start) => {
    const capacity = field(obj['status'], 'capacity');
    const instanceType = id.labels['node.kubernetes.io/instance-type'] ?? id.labels['beta.kubernetes.io/instance-type'];
    const providerId = text(field(obj['spec'], 'providerID'));
    return {
      uid: id.uid,
      name: id.name,
      labels: id.labels,
      ...(instanceType !== undefined && instanceType !== '' && { instanceType }),
      ...(providerId !== undefined && { providerId }),
      cpuCores: quantity(field(capacity, 'cpu'), 'status.capacity[cpu]', problems),
      ramBytes: quantity(field(capacity, 'memory'), 'status.capacity[memory]', problems),
      gpus: gpusIn(capacity, 'status.capacity', problems),
      start,
    };
  });
}

/** Where each volume source keeps the cloud disk's id, in the order they are tried. */
const DISK_IDS: readonly (readonly [string, string])[] = [
  ['csi', 'volumeHandle'],
  ['awsElasticBlockStore', 'volumeID'],
  ['gcePersistentDisk', 'pdName'],
  ['azureDisk', 'diskURI'],
];

/** A PersistentVolume: its size, class, claim and cloud disk id, from its creation. */
export function observeVolume(obj: KubeObject, ctx: ObserveContext): Observed<VolumeRecord> {
  return observe(obj, ctx, (id, problems, start) => {
    const spec = obj['spec'];
    const storageClass = text(field(spec, 'storageClassName'));
    const claimRef = field(spec, 'claimRef');
    const claimNamespace = text(field(claimRef, 'namespace'));
    const claimName = text(field(claimRef, 'name'));
    let providerId: string | undefined;
    for (const [source, key] of DISK_IDS) providerId ??= text(field(field(spec, source), key));
    return {
      uid: id.uid,
      name: id.name,
      labels: id.labels,
      bytes: quantity(field(field(spec, 'capacity'), 'storage'), 'spec.capacity[storage]', problems),
      ...(storageClass !== undefined && { storageClass }),
      ...(claimNamespace !== undefined && claimName !== undefined && { claim: { namespace: claimNamespace, name: claimName } }),
      ...(providerId !== undefined && { providerId }),
      start,
    };
  });
}

/** A PersistentVolumeClaim: its volume and size (`status.capacity` once bound, else the request), from its creation. */
export function observeClaim(obj: KubeObject, ctx: ObserveContext): Observed<ClaimRecord> {
  return observe(obj, ctx, (id, problems, start) => {
    const spec = obj['spec'];
    const volumeName = text(field(spec, 'volumeName'));
    const bound = field(field(obj['status'], 'capacity'), 'storage');
    const bytes =
      bound === undefined
        ? quantity(field(field(field(spec, 'resources'), 'requests'), 'storage'), 'spec.resources.requests[storage]', problems)
        : quantity(bound, 'status.capacity[storage]', problems);
    return { uid: id.uid, namespace: id.namespace, name: id.name, ...(volumeName !== undefined && { volumeName }), bytes, start };
  });
}

/**
 * A Service, recorded only while of type LoadBalancer, from its creation. A Service that changes
 * type has no timestamp for it; the cache stamps such a change with the time it sees it.
 */
export function observeLoadBalancer(obj: KubeObject, ctx: ObserveContext): Observed<LoadBalancerRecord> {
  return observe(obj, ctx, (id, _problems, start): LoadBalancerRecord | undefined => {
    if (field(obj['spec'], 'type') !== 'LoadBalancer') return undefined;
    let ingress: string | undefined;
    for (const entry of list(field(field(obj['status'], 'loadBalancer'), 'ingress'))) ingress ??= text(field(entry, 'ip')) ?? text(field(entry, 'hostname'));
    return { uid: id.uid, namespace: id.namespace, name: id.name, labels: id.labels, ...(ingress !== undefined && { ingress }), start };
  });
}
