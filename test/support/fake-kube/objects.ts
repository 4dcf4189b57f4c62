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
