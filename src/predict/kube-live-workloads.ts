/**
 * {@link LiveWorkloads} over the Kubernetes API: one authenticated GET per workload (404 means
 * not running, the GETs sharing keep-alive connections), and a node count for a DaemonSet from the shared Node informer while its watch is
 * current, else from a paginated list of Nodes. Each request
 * has a deadline on the injected clock; any failure but a 404 is a 503 naming what could not be
 * read, because a silent zero `costBefore` would show a spurious cost increase.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { nodeSchedulability } from '../kube/node-counter.js';
import type { Clock } from '../clock.js';
import { CostError } from '../cost/errors.js';
import { parseWorkloadObject, type WorkloadObject } from '../cost/workload-object.js';
import { apiKindOf } from '../cost/workload.js';
import { AppError } from '../errors.js';
import { describeError } from '../kube/api-error.js';
import { getObject, namespacedObjectPath } from '../kube/get-object.js';
import { KUBE_KINDS } from '../kube/kinds.js';
import { KubeConnection } from '../kube/kube-request.js';
import { listAll } from '../kube/list-all.js';
import type { LiveWorkloads } from './live-workloads.js';
import { PREDICT_CONCURRENCY } from './predict-spec-costs.js';
import type { PredictKind } from './select-workloads.js';

/** How long one lookup (a GET, or one page of Nodes) may take. */
export const DEFAULT_LIVE_TIMEOUT_MS = 5_000;

/** Largest object answer read; etcd caps objects at 1.5 MiB, so this is generous. */
const MAX_OBJECT_BYTES = 8 * 1024 * 1024;
/** Largest page of Nodes read (500 nodes of ~20 KiB each fit many times over). */
const MAX_NODE_PAGE_BYTES = 64 * 1024 * 1024;

/** Where the cluster is and how long to wait for it. */
export interface KubeLiveWorkloadsOptions {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly timeoutMs?: number;
  /** Schedulable nodes from the shared Node informer (undefined while it is behind); without it, or while it is behind, Nodes are listed. */
  readonly nodes?: () => number | undefined;
}

/** Live workloads read from the cluster the kubeconfig names; `close()` lets go of its connections. */
export function kubeLiveWorkloads(options: KubeLiveWorkloadsOptions): LiveWorkloads & { close(): void } {
  const { kubeConfig, clock } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_LIVE_TIMEOUT_MS;
  // Lookups share keep-alive connections, as many as one request looks up at once: a request of
  // 20 workloads, and the requests after it, make no TLS handshake each.
  const connection = new KubeConnection({ maxSockets: PREDICT_CONCURRENCY });
  return {
    close: () => connection.close(),
    async find(kind: PredictKind, namespace: string, name: string): Promise<WorkloadObject | undefined> {
      const what = `the running ${apiKindOf(kind)} ${namespace}/${name}`;
      let found;
      try {
        found = await getObject(kubeConfig, namespacedObjectPath(KUBE_KINDS[kind].path, namespace, name), { clock, timeoutMs, maxBytes: MAX_OBJECT_BYTES }, connection);
      } catch (err) {
        throw unavailable(`cannot read ${what} from the Kubernetes API (${describeError(err)})`);
      }
      if (found === undefined) return undefined;
      try {
        return parseWorkloadObject(found);
      } catch (err) {
        if (err instanceof CostError) throw unavailable(`the Kubernetes API answered ${what} in a shape that cannot be priced (${err.message})`);
        throw err;
      }
    },
    async schedulableNodes(): Promise<number> {
      const watched = options.nodes?.();
      if (watched !== undefined) return watched;
      try {
        const { items } = await listAll({
          kubeConfig,
          path: KUBE_KINDS.node.path,
          pageSize: 500,
          transform: nodeSchedulability,
          onBadItem: () => undefined,
          // Nothing cancels a lookup but its own deadline.
          signal: new AbortController().signal,
          clock,
          pageTimeoutMs: timeoutMs,
          maxPageBytes: MAX_NODE_PAGE_BYTES,
          maxRestarts: 2,
        });
        return items.filter((n) => n.schedulable).length;
      } catch (err) {
        throw unavailable(`cannot list Nodes from the Kubernetes API to price a DaemonSet (${describeError(err)})`);
      }
    },
  };
}

function unavailable(message: string): AppError {
  return new AppError('CLUSTER_UNAVAILABLE', `${message}; try again once the cluster answers`);
}
