import type { KubeObject } from '../kube/kube-object.js';
import type { WatchHandler } from '../kube/watch-types.js';

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
