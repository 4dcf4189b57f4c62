import type { NewFakeObject } from './types.js';

/** Requests of the one container in a generated pod template. */
export interface ContainerRequests {
  cpu?: string;
  memory?: string;
  gpu?: number;
}

function podSpec(requests: ContainerRequests): Record<string, unknown> {
  const req: Record<string, string> = {};
  if (requests.cpu !== undefined) req['cpu'] = requests.cpu;
  if (requests.memory !== undefined) req['memory'] = requests.memory;
  const resources: Record<string, unknown> = { requests: req };
  if (requests.gpu !== undefined) resources['limits'] = { 'nvidia.com/gpu': String(requests.gpu) };
  return { containers: [{ name: 'app', image: 'nginx:1.27', resources }] };
}

/** A Deployment with `replicas` pods of one container requesting `requests`. */
export function deploymentObject(namespace: string, name: string, replicas = 1, requests: ContainerRequests = { cpu: '100m', memory: '32Mi' }): NewFakeObject {
  return {
    metadata: { name, namespace, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec(requests) } },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas },
  };
}

/** A StatefulSet with `replicas` pods of one container requesting `requests`. */
export function statefulSetObject(namespace: string, name: string, replicas = 1, requests: ContainerRequests = { cpu: '100m', memory: '32Mi' }): NewFakeObject {
  const d = deploymentObject(namespace, name, replicas, requests);
  return { ...d, spec: { ...(d.spec as Record<string, unknown>), serviceName: name } };
}

/** A DaemonSet scheduled on `desiredNumberScheduled` nodes. */
export function daemonSetObject(namespace: string, name: string, desiredNumberScheduled = 1, requests: ContainerRequests = { cpu: '100m', memory: '32Mi' }): NewFakeObject {
  return {
    metadata: { name, namespace, labels: { app: name } },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec(requests) } },
    status: { desiredNumberScheduled, currentNumberScheduled: desiredNumberScheduled, numberReady: desiredNumberScheduled },
  };
}

/** A bare Pod of one container requesting `requests`. */
export function podObject(namespace: string, name: string, requests: ContainerRequests = { cpu: '100m', memory: '32Mi' }): NewFakeObject {
  return { metadata: { name, namespace }, spec: podSpec(requests), status: { phase: 'Running' } };
}

/** A schedulable Node. */
export function nodeObject(name: string): NewFakeObject {
  return { metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {}, status: { capacity: { cpu: '4', memory: '16Gi' } } };
}

/** Where and how a pod made by {@link runningPodObject} runs. */
export interface RunningPodOptions {
  node?: string;
  /** `status.startTime`; default `2024-05-03T08:00:00Z`; null for none. */
  startTime?: string | null;
  phase?: string;
  /** The controller owner reference. */
  owner?: { kind: string; name: string };
  labels?: Record<string, string>;
  /** `resources` of each app container, by container name; default one `app` requesting 100m and 32Mi. */
  containers?: Record<string, { requests?: Record<string, string | number>; limits?: Record<string, string | number> }>;
  /** PersistentVolumeClaims its volumes mount. */
  claims?: string[];
  /** `state.terminated.finishedAt` of each container status. */
  finishedAt?: string[];
}

/** A Pod scheduled on a node and started (Running by default), optionally owned by a controller. */
export function runningPodObject(namespace: string, name: string, opts: RunningPodOptions = {}): NewFakeObject {
  const containers = Object.entries(opts.containers ?? { app: { requests: { cpu: '100m', memory: '32Mi' } } }).map(([n, resources]) => ({ name: n, image: 'nginx:1.27', resources }));
  const volumes = (opts.claims ?? []).map((claimName, i) => ({ name: `data-${i}`, persistentVolumeClaim: { claimName } }));
  const status: Record<string, unknown> = { phase: opts.phase ?? 'Running' };
  const startTime = opts.startTime === undefined ? '2024-05-03T08:00:00Z' : opts.startTime;
  if (startTime !== null) status['startTime'] = startTime;
  if (opts.finishedAt !== undefined) {
    status['containerStatuses'] = opts.finishedAt.map((finishedAt, i) => ({ name: `c${i}`, state: { terminated: { exitCode: 0, finishedAt } } }));
  }
  const metadata: NewFakeObject['metadata'] = { name, namespace, labels: opts.labels ?? {} };
  if (opts.owner !== undefined) metadata['ownerReferences'] = [{ apiVersion: 'apps/v1', kind: opts.owner.kind, name: opts.owner.name, uid: `${opts.owner.name}-uid`, controller: true }];
  return { metadata, spec: { nodeName: opts.node ?? 'node-1', containers, volumes }, status };
}

/** A Node of a cloud provider: instance type label, providerID and capacity (GPUs as `nvidia.com/gpu`). */
export function cloudNodeObject(name: string, opts: { instanceType?: string; providerID?: string; cpu?: string; memory?: string; gpus?: number } = {}): NewFakeObject {
  const capacity: Record<string, string> = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '16Gi', pods: '110' };
  if (opts.gpus !== undefined) capacity['nvidia.com/gpu'] = String(opts.gpus);
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name };
  if (opts.instanceType !== undefined) labels['node.kubernetes.io/instance-type'] = opts.instanceType;
  return { metadata: { name, labels }, spec: opts.providerID === undefined ? {} : { providerID: opts.providerID }, status: { capacity, allocatable: capacity } };
}

/** A PersistentVolume of `storage`, optionally bound to a claim and backed by a CSI disk. */
export function persistentVolumeObject(name: string, opts: { storage?: string; storageClass?: string; claim?: { namespace: string; name: string }; volumeHandle?: string } = {}): NewFakeObject {
  const spec: Record<string, unknown> = { capacity: { storage: opts.storage ?? '10Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete' };
  if (opts.storageClass !== undefined) spec['storageClassName'] = opts.storageClass;
  if (opts.claim !== undefined) spec['claimRef'] = { kind: 'PersistentVolumeClaim', namespace: opts.claim.namespace, name: opts.claim.name };
  if (opts.volumeHandle !== undefined) spec['csi'] = { driver: 'ebs.csi.aws.com', volumeHandle: opts.volumeHandle };
  return { metadata: { name }, spec, status: { phase: opts.claim === undefined ? 'Available' : 'Bound' } };
}

/** A PersistentVolumeClaim requesting `storage`; bound to `volumeName` (with `status.capacity`) when given. */
export function persistentVolumeClaimObject(namespace: string, name: string, opts: { storage?: string; volumeName?: string; boundStorage?: string } = {}): NewFakeObject {
  const storage = opts.storage ?? '10Gi';
  const spec: Record<string, unknown> = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } };
  if (opts.volumeName !== undefined) spec['volumeName'] = opts.volumeName;
  const status = opts.volumeName === undefined ? { phase: 'Pending' } : { phase: 'Bound', capacity: { storage: opts.boundStorage ?? storage } };
  return { metadata: { name, namespace }, spec, status };
}

/** A Service of `type` (LoadBalancer by default), with its ingress once given. */
export function serviceObject(namespace: string, name: string, opts: { type?: string; ingress?: { ip?: string; hostname?: string }[] } = {}): NewFakeObject {
  const type = opts.type ?? 'LoadBalancer';
  return {
    metadata: { name, namespace, labels: { app: name } },
    spec: { type, selector: { app: name }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
    status: { loadBalancer: opts.ingress === undefined ? {} : { ingress: opts.ingress } },
  };
}
