/** A kind the fake serves, described as data so one code path serves them all. */
export interface FakeResource {
  readonly group: string; // '' for the core group
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /**
   * The field selector labels it takes besides `metadata.name` and `metadata.namespace`, as the
   * apiserver registers them per kind (any other label is a 400 "field label not supported").
   */
  readonly fieldLabels?: readonly string[];
}

/** The labels every kind's field selectors take. */
const METADATA_FIELD_LABELS = ['metadata.name', 'metadata.namespace'] as const;

/** The field selector labels a resource takes. */
export function fieldLabelsOf(r: FakeResource): ReadonlySet<string> {
  return new Set([...METADATA_FIELD_LABELS, ...(r.fieldLabels ?? [])]);
}

/** The kinds preconfigured in every fake: what the audit watchers and the predictor read. */
export const DEFAULT_RESOURCES: readonly FakeResource[] = [
  { group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'] },
  { group: 'apps', version: 'v1', plural: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'] },
  { group: 'apps', version: 'v1', plural: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'] },
  {
    group: '',
    version: 'v1',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    fieldLabels: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'],
  },
  { group: '', version: 'v1', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], fieldLabels: ['spec.unschedulable'] },
  { group: '', version: 'v1', plural: 'persistentvolumes', singular: 'persistentvolume', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'] },
  { group: '', version: 'v1', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'] },
  { group: '', version: 'v1', plural: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'] },
];

/**
 * ReplicaSets, which `kubectl describe deployment` lists by the Deployment's selector: added by
 * tests that run it (an empty list then, as on a cluster whose controllers have not run).
 */
export const REPLICASETS_RESOURCE: FakeResource = { group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], fieldLabels: ['status.replicas'] };

/** `apps/v1` or `v1`: the apiVersion objects of this resource carry. */
export function apiVersionOf(r: FakeResource): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** The URL prefix of the resource's group version: `/api/v1` or `/apis/apps/v1`. */
export function groupVersionPrefix(r: FakeResource): string {
  return r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
}

/** A stable key for a resource: `apps/deployments` or `pods`. */
export function resourceKey(r: FakeResource): string {
  return r.group === '' ? r.plural : `${r.group}/${r.plural}`;
}

/** Kinds with a `scale` subresource (their `spec.replicas`). */
export const SCALABLE_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);
