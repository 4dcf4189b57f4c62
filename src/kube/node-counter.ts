import type { InformerSubscription } from './informer.js';
import type { InformerRegistry } from './informer-registry.js';
import { KUBE_KINDS } from './kinds.js';
import type { KubeObject } from './kube-object.js';
import { watchCurrency } from './watch-readiness.js';
import type { WatchHandler } from './watch-types.js';

/** What the node counter keeps of a Node. */
export interface NodeSchedulability {
  readonly uid: string;
  readonly schedulable: boolean;
}

/** Reduces a Node to whether pods can be scheduled on it (`spec.unschedulable` not set). */
export function nodeSchedulability(obj: KubeObject): NodeSchedulability {
  const spec = obj['spec'] as { unschedulable?: boolean } | undefined;
  return { uid: obj.metadata?.uid ?? '', schedulable: spec?.unschedulable !== true };
}

/** Counts schedulable nodes from a watch of Nodes: how many a new DaemonSet would run on. */
export class NodeCounter implements WatchHandler<NodeSchedulability> {
  readonly #nodes = new Map<string, boolean>();

  /** Schedulable nodes now. */
  get schedulable(): number {
    let n = 0;
    for (const s of this.#nodes.values()) if (s) n++;
    return n;
  }

  onSync(items: NodeSchedulability[]): void {
    this.#nodes.clear();
    for (const n of items) this.#nodes.set(n.uid, n.schedulable);
  }

  onAdded(n: NodeSchedulability): void {
    this.#nodes.set(n.uid, n.schedulable);
  }

  onModified(n: NodeSchedulability): void {
    this.#nodes.set(n.uid, n.schedulable);
  }

  onDeleted(n: NodeSchedulability): void {
    this.#nodes.delete(n.uid);
  }
}

/** The schedulable nodes as a subscription to the shared Node informer knows them, while it is current. */
export interface WatchedNodeCount {
  /** Schedulable nodes now; undefined until listed, or while the watch is behind (failing, relisting): read them otherwise. */
  current(): number | undefined;
  readonly subscription: InformerSubscription;
}

/** Subscribes a {@link NodeCounter} to the Node informer of `registry`; start its subscription before the registry starts. */
export function watchNodeCount(registry: InformerRegistry, consumer: string): WatchedNodeCount {
  const counter = new NodeCounter();
  const subscription = registry.informer(KUBE_KINDS.node).subscribe({ consumer, handler: counter, transform: nodeSchedulability });
  return {
    subscription,
    current: () => (watchCurrency([subscription.status()]).ready ? counter.schedulable : undefined),
  };
}
