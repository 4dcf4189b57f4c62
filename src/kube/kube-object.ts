/** The metadata fields the watch code reads; every other field is the consumer's business. */
export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  [key: string]: unknown;
}

/** A Kubernetes object as JSON on the wire, typed only as far as identity and version. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMeta;
  [key: string]: unknown;
}

/** The `Status` an API server answers errors with, in a body or in a watch ERROR event. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  reason?: string;
  message?: string;
  code?: number;
}

/** The identity of an object: what a cache keys and versions it by. */
export interface ObjectRef {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly resourceVersion: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a value parsed off the wire looks like an object (has a metadata record). */
export function isKubeObject(v: unknown): v is KubeObject {
  return isRecord(v) && (v['metadata'] === undefined || isRecord(v['metadata']));
}

/** Whether a value looks like a Status. */
export function isKubeStatus(v: unknown): v is KubeStatus {
  return isRecord(v) && (v['code'] === undefined || typeof v['code'] === 'number');
}

/** The object's uid, name, namespace and resourceVersion, or undefined if it lacks uid, name or rv. */
export function objectRef(o: KubeObject): ObjectRef | undefined {
  const m = o.metadata;
  if (m === undefined) return undefined;
  const { uid, name, namespace, resourceVersion } = m;
  if (typeof uid !== 'string' || typeof name !== 'string' || typeof resourceVersion !== 'string') return undefined;
  return { uid, name, namespace: typeof namespace === 'string' ? namespace : undefined, resourceVersion };
}
