/** Metadata the fake assigns and keeps on every stored object. */
export interface FakeObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation: number;
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** A stored object as the API server holds it: no kind/apiVersion, which are added on the wire. */
export interface FakeObject {
  metadata: FakeObjectMeta;
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/** What a test hands to create(): the server fills uid, resourceVersion, generation and timestamps. */
export interface NewFakeObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/** A watch event type as the API server spells it. */
export type FakeEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One mutation in the server's history, as a watch replays it. */
export interface FakeLogEntry {
  readonly rv: number;
  readonly type: FakeEventType;
  readonly resourceKey: string;
  readonly object: FakeObject;
}

/** The `Status` object the API server answers errors with (in a body or inside an ERROR event). */
export interface FakeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string };
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
}

/** Builds a failure Status body. */
export function statusBody(code: number, reason: string, message: string, extra: { continue?: string } = {}): FakeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: extra, status: 'Failure', message, reason, code };
}
