/** What a cached projection must expose: identity and version. */
export interface Versioned {
  readonly uid: string;
  readonly resourceVersion: string;
}

/** How a full list differs from what the store held before it. */
export interface SyncDiff<T> {
  /** In the list, not in the store. */
  readonly added: T[];
  /** In the store, not in the list: deleted while nobody was looking. */
  readonly removed: T[];
  /** In both, with a different resourceVersion. */
  readonly changed: { readonly previous: T; readonly current: T }[];
}

/**
 * A cache of compact projections keyed by UID (not namespace/name, so a delete-and-recreate under
 * the same name is two objects), for a watch consumer to diff each relist against.
 */
export class ObjectStore<T extends Versioned> {
  #byUid = new Map<string, T>();

  /** Objects held. */
  get size(): number {
    return this.#byUid.size;
  }

  /** The object with this UID, if held. */
  get(uid: string): T | undefined {
    return this.#byUid.get(uid);
  }

  /** Every object held, in insertion order. */
  values(): IterableIterator<T> {
    return this.#byUid.values();
  }

  /** Stores `obj`; returns the version it replaced, if any. */
  upsert(obj: T): T | undefined {
    const previous = this.#byUid.get(obj.uid);
    this.#byUid.set(obj.uid, obj);
    return previous;
  }

  /** Forgets the object with this UID; returns it, if it was held. */
  remove(uid: string): T | undefined {
    const previous = this.#byUid.get(uid);
    this.#byUid.delete(uid);
    return previous;
  }

  /** Replaces the whole content with a full list and says what changed. */
  replace(items: readonly T[]): SyncDiff<T> {
    const next = new Map<string, T>();
    const added: T[] = [];
    const changed: { previous: T; current: T }[] = [];
    for (const item of items) {
      next.set(item.uid, item);
      const previous = this.#byUid.get(item.uid);
      if (previous === undefined) added.push(item);
      else if (previous.resourceVersion !== item.resourceVersion) changed.push({ previous, current: item });
    }
    const removed: T[] = [];
    for (const [uid, previous] of this.#byUid) if (!next.has(uid)) removed.push(previous);
    this.#byUid = next;
    return { added, removed, changed };
  }
}
