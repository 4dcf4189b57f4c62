/** A kind to watch, as data: the one watch loop serves every kind from this. */
export interface WatchedKind {
  /** `Deployment`: the kind's name, for logs, status and metrics. */
  readonly kind: string;
  /** The all-namespaces collection path: `/apis/apps/v1/deployments`, `/api/v1/pods`. */
  readonly path: string;
  readonly namespaced: boolean;
}

/** The collection path of a resource in every namespace (or of a cluster-scoped resource). */
export function collectionPath(group: string, version: string, plural: string): string {
  return group === '' ? `/api/${version}/${plural}` : `/apis/${group}/${version}/${plural}`;
}

/** The kinds the audit and the predictor know, by the names `AUDIT_RESOURCE_TYPES` uses. */
export const KUBE_KINDS = {
  deployment: { kind: 'Deployment', path: collectionPath('apps', 'v1', 'deployments'), namespaced: true },
  statefulset: { kind: 'StatefulSet', path: collectionPath('apps', 'v1', 'statefulsets'), namespaced: true },
  daemonset: { kind: 'DaemonSet', path: collectionPath('apps', 'v1', 'daemonsets'), namespaced: true },
  pod: { kind: 'Pod', path: collectionPath('', 'v1', 'pods'), namespaced: true },
  node: { kind: 'Node', path: collectionPath('', 'v1', 'nodes'), namespaced: false },
  persistentvolume: { kind: 'PersistentVolume', path: collectionPath('', 'v1', 'persistentvolumes'), namespaced: false },
  persistentvolumeclaim: { kind: 'PersistentVolumeClaim', path: collectionPath('', 'v1', 'persistentvolumeclaims'), namespaced: true },
  service: { kind: 'Service', path: collectionPath('', 'v1', 'services'), namespaced: true },
} as const satisfies Record<string, WatchedKind>;

/** A name accepted by {@link KUBE_KINDS}. */
export type KubeKindName = keyof typeof KUBE_KINDS;
