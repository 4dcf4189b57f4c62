import { randomUUID } from 'node:crypto';
import { nextManagedFields, type FakeWrite, type ManagedFieldsEntry } from './managed-fields.js';
import type { FakeResource } from './resources.js';
import { resourceKey } from './resources.js';
import type { FakeEventType, FakeLogEntry, FakeObject, NewFakeObject } from './types.js';

/** Thrown by the store's test API when the caller asks for something that cannot be. */
export class FakeStoreError extends Error {
  constructor(readonly code: 'AlreadyExists' | 'NotFound', message: string) {
    super(message);
    this.name = 'FakeStoreError';
  }
}

/** Where `ns/name` sorts, as etcd orders keys; cluster-scoped objects have an empty namespace. */
export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/**
 * The fake's etcd: objects per resource, one global resourceVersion counter, and an event log
 * with a compaction floor. Stored objects are never mutated (updates replace them), so a list
 * snapshot or a log entry can hold references instead of copies.
 */
export class FakeStore {
  #rv: number;
  #floor: number;
  readonly #maxLog: number;
  readonly #objects = new Map<string, Map<string, FakeObject>>();
  /** History, oldest first; entries before `#head` are dropped (trimmed off the array in bulk, see #commit). */
  #log: FakeLogEntry[] = [];
  #head = 0;
  readonly #listeners = new Set<(e: FakeLogEntry) => void>();
  readonly #now: () => string;
  readonly #uid: () => string;

  constructor(opts: { startRv?: number; maxLogEntries?: number; now?: () => string; uid?: () => string } = {}) {
    this.#rv = opts.startRv ?? 1;
    this.#floor = this.#rv;
    this.#maxLog = opts.maxLogEntries ?? 200_000;
    this.#now = opts.now ?? (() => new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    this.#uid = opts.uid ?? randomUUID;
  }

  /** The newest resourceVersion: what a list taken now reports. */
  get currentRv(): number {
    return this.#rv;
  }

  /** Watches starting before this resourceVersion are expired (410). */
  get floor(): number {
    return this.#floor;
  }

  /** Forgets history up to `rv` (default: all of it), as etcd compaction does. */
  compact(rv: number = this.#rv): void {
    this.#floor = Math.max(this.#floor, Math.min(rv, this.#rv));
    const floor = this.#floor;
    this.#log = this.#log.slice(this.#head).filter((e) => e.rv > floor);
    this.#head = 0;
  }

  /** Calls `fn` for every mutation from now on; returns the unsubscribe function. */
  subscribe(fn: (e: FakeLogEntry) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Log entries after `rv` (exclusive), oldest first. */
  entriesAfter(rv: number): FakeLogEntry[] {
    // The log is sorted by rv; a binary search keeps replay cheap when it is long.
    let lo = this.#head;
    let hi = this.#log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#log[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.#log.slice(lo);
  }

  /** The current objects of a resource, optionally in one namespace, in key order. */
  list(r: FakeResource, namespace?: string): FakeObject[] {
    const all = [...this.#bucket(r).entries()];
    all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const items = all.map(([, o]) => o);
    return namespace === undefined ? items : items.filter((o) => o.metadata.namespace === namespace);
  }

  /** One object, or undefined. */
  get(r: FakeResource, namespace: string | undefined, name: string): FakeObject | undefined {
    return this.#bucket(r).get(objectKey(r.namespaced ? namespace : undefined, name));
  }

  /**
   * Creates an object, assigning uid, resourceVersion, generation and creationTimestamp; with a
   * `write`, its managedFields as the API server records that manager's create (or Apply).
   */
  create(r: FakeResource, input: NewFakeObject, write?: FakeWrite): FakeObject {
    const namespace = r.namespaced ? (input.metadata.namespace ?? 'default') : undefined;
    const key = objectKey(namespace, input.metadata.name);
    const bucket = this.#bucket(r);
    if (bucket.has(key)) throw new FakeStoreError('AlreadyExists', `${r.plural} "${key}" already exists`);
    const copy = structuredClone(input);
    delete copy['kind'];
    delete copy['apiVersion'];
    const rv = this.#rv + 1;
    const obj: FakeObject = {
      ...copy,
      metadata: {
        ...copy.metadata,
        ...(namespace === undefined ? {} : { namespace }),
        uid: this.#uid(),
        resourceVersion: String(rv),
        generation: 1,
        creationTimestamp: this.#now(),
      },
    };
    if (namespace === undefined) delete obj.metadata.namespace;
    if (write !== undefined) obj.metadata.managedFields = this.#managed(r, undefined, obj, write, write.operation === 'Apply' ? copy : undefined);
    bucket.set(key, obj);
    this.#commit(rv, 'ADDED', r, obj);
    return obj;
  }

  /**
   * Replaces an object with `mutate`'s change to a copy; generation moves when the spec does. With
   * a `write`, managedFields move as the API server moves them for that manager (`applied`: the
   * configuration of an Apply); without, they are kept as they were.
   */
  update(r: FakeResource, namespace: string | undefined, name: string, mutate: (draft: FakeObject) => void, write?: FakeWrite, applied?: Record<string, unknown>): FakeObject {
    const key = objectKey(r.namespaced ? (namespace ?? 'default') : undefined, name);
    const bucket = this.#bucket(r);
    const old = bucket.get(key);
    if (old === undefined) throw new FakeStoreError('NotFound', `${r.plural} "${key}" not found`);
    const draft = structuredClone(old);
    mutate(draft);
    const rv = this.#rv + 1;
    const specChanged = JSON.stringify(draft.spec) !== JSON.stringify(old.spec);
    const obj: FakeObject = {
      ...draft,
      metadata: {
        ...draft.metadata,
        // Identity fields are the server's, whatever the mutation did to them.
        name: old.metadata.name,
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        resourceVersion: String(rv),
        generation: old.metadata.generation + (specChanged ? 1 : 0),
      },
    };
    if (old.metadata.namespace !== undefined) obj.metadata.namespace = old.metadata.namespace;
    if (old.metadata.managedFields === undefined) delete obj.metadata.managedFields;
    else obj.metadata.managedFields = old.metadata.managedFields;
    if (write !== undefined) obj.metadata.managedFields = this.#managed(r, old, obj, write, applied);
    bucket.set(key, obj);
    this.#commit(rv, 'MODIFIED', r, obj);
    return obj;
  }

  /** Deletes an object; the DELETED event carries its last state stamped with the deletion's rv. */
  delete(r: FakeResource, namespace: string | undefined, name: string): FakeObject {
    const key = objectKey(r.namespaced ? (namespace ?? 'default') : undefined, name);
    const bucket = this.#bucket(r);
    const old = bucket.get(key);
    if (old === undefined) throw new FakeStoreError('NotFound', `${r.plural} "${key}" not found`);
    bucket.delete(key);
    const rv = this.#rv + 1;
    const obj: FakeObject = { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } };
    this.#commit(rv, 'DELETED', r, obj);
    return obj;
  }

  #managed(r: FakeResource, before: FakeObject | undefined, after: FakeObject, write: FakeWrite, applied: Record<string, unknown> | undefined): ManagedFieldsEntry[] {
    return nextManagedFields({
      before,
      after,
      previous: (before?.metadata.managedFields as ManagedFieldsEntry[] | undefined) ?? [],
      write,
      apiVersion: r.group === '' ? r.version : `${r.group}/${r.version}`,
      time: this.#now(),
      ...(applied !== undefined && { applied }),
    });
  }

  #commit(rv: number, type: FakeEventType, r: FakeResource, object: FakeObject): void {
    this.#rv = rv;
    const entry: FakeLogEntry = { rv, type, resourceKey: resourceKey(r), object };
    this.#log.push(entry);
    const over = this.#log.length - this.#head - this.#maxLog;
    if (over > 0) {
      // Bounded history, like etcd's: dropping the oldest entries raises the floor with them.
      this.#head += over;
      this.#floor = Math.max(this.#floor, this.#log[this.#head - 1]!.rv);
      // Dropped entries leave the array in bulk: a splice per commit would move the whole history each time.
      if (this.#head >= this.#maxLog) {
        this.#log = this.#log.slice(this.#head);
        this.#head = 0;
      }
    }
    for (const fn of this.#listeners) fn(entry);
  }

  #bucket(r: FakeResource): Map<string, FakeObject> {
    const k = resourceKey(r);
    let b = this.#objects.get(k);
    if (b === undefined) {
      b = new Map();
      this.#objects.set(k, b);
    }
    return b;
  }
}
