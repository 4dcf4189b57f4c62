import { cloudNodeObject, serviceObject } from '../test/support/fake-kube/objects.js';
import { DEFAULT_RESOURCES, type FakeResource } from '../test/support/fake-kube/resources.js';
import type { FakeKubeServer } from '../test/support/fake-kube/server.js';
import type { DemoWorkloads } from './workloads.js';

/** What the fake serves in the demo: the kinds the server watches, plus ReplicaSets and Namespaces for kubectl. */
export const DEMO_RESOURCES: readonly FakeResource[] = [
  ...DEFAULT_RESOURCES,
  { group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'] },
  { group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
];

/** The demo's nodes: two m5.xlarge-sized and a larger one, in two zones. */
export const DEMO_NODES = ['ip-10-0-1-17', 'ip-10-0-2-33', 'ip-10-0-3-51'] as const;

/** Creates a namespace object (kubectl get ns lists it). */
export function createNamespace(fake: FakeKubeServer, name: string, manager = 'kubectl-create'): void {
  fake.create('namespaces', { metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, spec: {}, status: { phase: 'Active' } }, { manager });
}

/**
 * The cluster the demo starts with: three nodes; a shop (Helm: a web Deployment, a db StatefulSet
 * with its volume, a LoadBalancer Service), payments (Argo CD: api and worker Deployments),
 * monitoring (Argo CD: a node-exporter DaemonSet) and a kubectl-applied reports Deployment.
 */
export function seedCluster(fake: FakeKubeServer, workloads: DemoWorkloads): void {
  fake.create('nodes', cloudNodeObject('ip-10-0-1-17', { instanceType: 'm5.xlarge', providerID: 'aws:///eu-west-1a/i-0a1b2c3d4e5f60718' }));
  fake.create('nodes', cloudNodeObject('ip-10-0-2-33', { cpu: '8', memory: '32Gi', providerID: 'aws:///eu-west-1b/i-0f9e8d7c6b5a40321' }));
  fake.create('nodes', cloudNodeObject('ip-10-0-3-51', { instanceType: 'm5.xlarge', providerID: 'aws:///eu-west-1a/i-05c4d3e2f1a0b9c8d' }));
  for (const ns of ['default', 'kube-system', 'shop', 'payments', 'monitoring', 'reports']) createNamespace(fake, ns);

  const storefront = { team: 'storefront' };
  workloads.create({ kind: 'Deployment', namespace: 'shop', name: 'web', tool: 'helm', release: 'shop', replicas: 2, requests: { cpu: '500m', memory: '1Gi' }, labels: storefront });
  workloads.create({ kind: 'StatefulSet', namespace: 'shop', name: 'db', tool: 'helm', release: 'shop', replicas: 1, requests: { cpu: '1', memory: '4Gi' }, labels: storefront, claims: true });
  fake.create('services', serviceObject('shop', 'web', { ingress: [{ hostname: 'web-1234567890.eu-west-1.elb.amazonaws.com' }] }), { manager: 'helm' });
  workloads.create({ kind: 'Deployment', namespace: 'payments', name: 'api', tool: 'argocd', release: 'payments', replicas: 3, requests: { cpu: '250m', memory: '256Mi' }, labels: { team: 'payments' } });
  workloads.create({ kind: 'Deployment', namespace: 'payments', name: 'worker', tool: 'argocd', release: 'payments', replicas: 1, requests: { cpu: '1', memory: '2Gi' }, labels: { team: 'payments' } });
  workloads.create({ kind: 'DaemonSet', namespace: 'monitoring', name: 'node-exporter', tool: 'argocd', release: 'monitoring', requests: { cpu: '50m', memory: '64Mi' } });
  workloads.create({ kind: 'Deployment', namespace: 'reports', name: 'nightly', tool: 'kubectl', replicas: 1, requests: { cpu: '200m', memory: '512Mi' }, labels: { team: 'finance' } });
}
