/** The Kubernetes side: connection, kinds, the generic watch loop and the UID-keyed cache. */
export { loadClusterConnection } from './kubeconfig.js';
export type { ClusterConnection, KubeConfigSources } from './kubeconfig.js';
export { KUBE_KINDS, collectionPath } from './kinds.js';
export type { WatchedKind, KubeKindName } from './kinds.js';
export { createWatchLoop } from './watch-loop.js';
export type { WatchHandler, WatchLoop, WatchLoopOptions, WatchState, WatchStatus, KubeLogger, LoopTuning } from './watch-types.js';
export { SharedInformer } from './informer.js';
export type { InformerSubscription, InformerSubscriberOptions } from './informer.js';
export { InformerRegistry } from './informer-registry.js';
export type { WatchSource } from './informer-registry.js';
export { silentLogger } from './watch-types.js';
export { ObjectStore } from './object-store.js';
export type { Versioned, SyncDiff } from './object-store.js';
export { objectRef, isKubeObject } from './kube-object.js';
export type { KubeObject, KubeObjectMeta, ObjectRef } from './kube-object.js';
export { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
export { KubeApiError } from './api-error.js';
