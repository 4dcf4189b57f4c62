/**
 * The cluster as the Predict API needs it: the running copy of a workload (its cost is
 * `costBefore`) and how many nodes a DaemonSet would run on. An interface, so the composition root
 * hands in the Kubernetes-backed one and tests may hand in another.
 */
import type { WorkloadObject } from '../cost/workload-object.js';
import type { PredictKind } from './select-workloads.js';

/** Looks up what runs in the watched cluster. */
export interface LiveWorkloads {
  /**
   * The running object of this kind, namespace and name; undefined when there is none or no
   * cluster is connected. Throws a 503 AppError (CLUSTER_UNAVAILABLE) when the cluster cannot say.
   */
  find(kind: PredictKind, namespace: string, name: string): Promise<WorkloadObject | undefined>;
  /** Schedulable nodes (where a new DaemonSet runs); undefined when no cluster is connected. */
  schedulableNodes(): Promise<number | undefined>;
}

/** No cluster connected: nothing runs, so every `costBefore` is zero, and node counts are unknown. */
export function noCluster(): LiveWorkloads {
  return {
    find: () => Promise.resolve(undefined),
    schedulableNodes: () => Promise.resolve(undefined),
  };
}
