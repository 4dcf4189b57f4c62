import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { EVENT_RESOURCES } from './events-views.js';
import type { ApplyConflict } from './managed-fields.js';
import { jsonPatch, mergePatch, PATCH_TYPES, stable, strategicMergePatch, type PatchType } from './patch.js';
import type { RecordedRequest } from './requests.js';
import { apiVersionOf, SCALABLE_KINDS, type FakeResource } from './resources.js';
import { resolveRoute } from './routes.js';
import { FakeStoreError, type FakeStore } from './store.js';
import type { FakeObject, NewFakeObject } from './types.js';
import { statusBody } from './types.js';
import { sendJson, withTypeMeta } from './wire.js';
import { applyObject, scaleObject } from './write-ops.js';

/**
 * Writes over HTTP, as kube-apiserver takes them: POST (create), PUT (update), PATCH (merge,
 * strategic merge, JSON patch, server-side apply), DELETE, and the `scale` subresource (GET, PUT,
 * PATCH) of the kinds that have one. Every write goes through the store's create/update/delete with
 * the request's field manager, so it bumps the resourceVersion, reaches open watches and moves
 * managedFields as the in-process test API does. `dryRun` is refused with a 400.
 */

/** What a write request names: a collection (POST), an object, or an object's scale. */
export interface WriteTarget {
  readonly resource: FakeResource;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly scale: boolean;
}

/** The API server's limit on a request body (3 MiB). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** The write (or scale read) a request asks for, or undefined when it is a read this module does not serve. */
export function writeTarget(resources: readonly FakeResource[], method: string, pathname: string): WriteTarget | undefined {
  const scale = pathname.endsWith('/scale');
  if (method === 'GET' && !scale) return undefined;
  const route = resolveRoute(resources, scale ? pathname.slice(0, -'/scale'.length) : pathname);
  if (route.type !== 'collection' && route.type !== 'object') return undefined;
  // Events are the events code's: read-only but for events.k8s.io's create.
  if (EVENT_RESOURCES.includes(route.resource)) return undefined;
  if (scale && (route.type !== 'object' || !SCALABLE_KINDS.has(route.resource.kind))) return undefined;
  return { resource: route.resource, namespace: route.namespace, name: route.type === 'object' ? route.name : undefined, scale };
}

/**
 * The manager of a write that names none: the User-Agent up to its first `/` (`kubectl` for
 * `kubectl/v1.30.13 (linux/amd64) kubernetes/50af91c`), printable characters only, at most 128
 * bytes: kube-apiserver's prefixFromUserAgent.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0]!) {
    if (!/^\P{C}$/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out;
}

type Reply = { code: number; body: unknown };

const fail = (code: number, reason: string, message: string): Reply => ({ code, body: statusBody(code, reason, message) });

/** Answers a write; reads the body first, so the answer comes later. */
export function handleWrite(store: FakeStore, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, target: WriteTarget, q: URLSearchParams): void {
  rec.resource = target.resource.plural;
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY_BYTES) chunks.push(c);
  });
  req.on('end', () => {
    let reply: Reply;
    try {
      reply = size > MAX_BODY_BYTES ? fail(413, 'RequestEntityTooLarge', 'the request body is too large') : write(store, req, target, q, Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      reply = fail(500, 'InternalError', String(err));
    }
    // The server records `rec.status` when the answer is sent (server.ts).
    sendJson(res, reply.code, reply.body);
  });
}

function write(store: FakeStore, req: IncomingMessage, t: WriteTarget, q: URLSearchParams, text: string): Reply {
  const method = req.method ?? 'GET';
  if (q.has('dryRun')) return fail(400, 'BadRequest', 'the fake API server does not support dryRun');
  // An empty fieldManager is none (managerOrUserAgent); an Apply must name one.
  const named = q.get('fieldManager') || null;
  if (named !== null && Buffer.byteLength(named) > 128) return fail(422, 'Invalid', `fieldManager: Too long: may not be longer than 128`);
  const manager = named ?? managerFromUserAgent(req.headers['user-agent']);
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
  if (contentType === 'application/vnd.kubernetes.protobuf' || contentType === 'application/cbor') {
    return fail(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  const r = t.resource;
  const what = r.group === '' ? r.plural : `${r.plural}.${r.group}`;

  if (t.name === undefined) {
    if (method !== 'POST') return fail(405, 'MethodNotAllowed', `${method} is not supported on a collection`);
    const body = parseBody(text, contentType);
    if (!body.ok) return fail(400, 'BadRequest', body.message);
    const obj = checkObject(r, body.value, t.namespace);
    if (typeof obj === 'string') return fail(400, 'BadRequest', obj);
    try {
      return { code: 201, body: withTypeMeta(r, store.create(r, forWrite(obj, undefined), { manager })) };
    } catch (err) {
      if (err instanceof FakeStoreError && err.code === 'AlreadyExists') return fail(409, 'AlreadyExists', `${what} "${obj.metadata.name}" already exists`);
      throw err;
    }
  }

  const name = t.name;
  const current = store.get(r, t.namespace, name);
  const notFound = fail(404, 'NotFound', `${what} "${name}" not found`);
  const modified = fail(409, 'Conflict', `Operation cannot be fulfilled on ${what} "${name}": the object has been modified; please apply your changes to the latest version and try again`);

  if (method === 'DELETE') {
    if (current === undefined) return notFound;
    store.delete(r, t.namespace, name);
    return { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: r.plural, uid: current.metadata.uid } } };
  }

  if (t.scale) {
    if (current === undefined) return notFound;
    const scale = scaleOf(current);
    if (method === 'GET') return { code: 200, body: scale };
    let next: Record<string, unknown>;
    let operation: 'Update' | 'Apply' = 'Update';
    if (method === 'PUT') {
      const body = parseBody(text, contentType);
      if (!body.ok) return fail(400, 'BadRequest', body.message);
      next = body.value;
    } else if (method === 'PATCH') {
      const patched = patch(scale, text, contentType);
      if (!patched.ok) return fail(patched.code, patched.code === 415 ? 'UnsupportedMediaType' : 'BadRequest', patched.message);
      next = patched.value;
      if (contentType === 'application/apply-patch+yaml') operation = 'Apply';
    } else return fail(405, 'MethodNotAllowed', `${method} is not supported on ${what}/scale`);
    if (operation === 'Apply' && named === null) return fail(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const rv = (next['metadata'] as Record<string, unknown> | undefined)?.['resourceVersion'];
    if (typeof rv === 'string' && rv !== '' && rv !== current.metadata.resourceVersion) return modified;
    const replicas = (next['spec'] as Record<string, unknown> | undefined)?.['replicas'];
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) return fail(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: must be a non-negative integer`);
    if (replicas === (current.spec as { replicas?: number } | undefined)?.replicas && operation === 'Update') return { code: 200, body: scale };
    return { code: 200, body: scaleOf(scaleObject(store, r, t.namespace, name, replicas, manager, operation)) };
  }

  if (method === 'PUT') {
    if (current === undefined) return notFound;
    const body = parseBody(text, contentType);
    if (!body.ok) return fail(400, 'BadRequest', body.message);
    const obj = checkObject(r, body.value, t.namespace, name);
    if (typeof obj === 'string') return fail(400, 'BadRequest', obj);
    const rv = obj.metadata['resourceVersion'];
    if (typeof rv === 'string' && rv !== '' && rv !== current.metadata.resourceVersion) return modified;
    return update(store, r, current, forWrite(obj, current), manager);
  }

  if (method !== 'PATCH') return fail(405, 'MethodNotAllowed', `${method} is not supported`);
  if (contentType === 'application/apply-patch+yaml') {
    if (named === null) return fail(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const body = parseBody(text, contentType);
    if (!body.ok) return fail(400, 'BadRequest', body.message);
    const obj = checkObject(r, body.value, t.namespace, name);
    if (typeof obj === 'string') return fail(400, 'BadRequest', obj);
    const force = q.get('force') === 'true';
    const config = forWrite(obj, current);
    if (current !== undefined) delete config.status;
    const done = applyObject(store, r, config, manager, force);
    if (!done.ok) return conflict(r, name, done.conflicts);
    return { code: done.created ? 201 : 200, body: withTypeMeta(r, done.obj) };
  }
  if (current === undefined) return notFound;
  const patched = patch(withTypeMeta(r, current), text, contentType);
  if (!patched.ok) return fail(patched.code, patched.code === 415 ? 'UnsupportedMediaType' : 'BadRequest', patched.message);
  const obj = checkObject(r, patched.value, t.namespace, name);
  if (typeof obj === 'string') return fail(422, 'Invalid', obj);
  const rv = obj.metadata['resourceVersion'];
  if (typeof rv === 'string' && rv !== '' && rv !== current.metadata.resourceVersion) return modified;
  return update(store, r, current, forWrite(obj, current), manager);
}

/** An update of the main resource; one that changes nothing is no write (no new resourceVersion, no event), as etcd skips it. */
function update(store: FakeStore, r: FakeResource, current: FakeObject, next: NewFakeObject, manager: string): Reply {
  const comparable = (o: Record<string, unknown>) => {
    const { resourceVersion: _rv, managedFields: _mf, generation: _g, uid: _u, creationTimestamp: _c, ...meta } = o['metadata'] as Record<string, unknown>;
    return stable({ ...o, metadata: meta });
  };
  if (comparable(next) === comparable(current)) return { code: 200, body: withTypeMeta(r, current) };
  const obj = store.update(
    r,
    current.metadata.namespace,
    current.metadata.name,
    (d) => {
      for (const k of Object.keys(d)) if (k !== 'metadata') Reflect.deleteProperty(d, k);
      Object.assign(d, next, { metadata: { ...next.metadata } });
    },
    { manager },
  );
  return { code: 200, body: withTypeMeta(r, obj) };
}

/**
 * The object a write stores: without kind, apiVersion and what the server owns (managedFields
 * are the server's to write; a create's status starts empty; an update through the main
 * resource keeps the stored status, as the workload kinds' strategies do).
 */
function forWrite(obj: NewFakeObject, current: FakeObject | undefined): NewFakeObject {
  const { kind: _k, apiVersion: _v, status: _s, ...rest } = obj;
  const { managedFields: _mf, creationTimestamp: _c, ...meta } = rest.metadata;
  const out: NewFakeObject = { ...rest, metadata: { ...meta, name: obj.metadata.name } };
  if (current === undefined) out.status = {};
  else if (current.status !== undefined) out.status = structuredClone(current.status);
  return out;
}

/** The object a body names, checked against the path: kind, apiVersion, name, namespace. */
function checkObject(r: FakeResource, v: Record<string, unknown>, namespace: string | undefined, name?: string): NewFakeObject | string {
  if (v['kind'] !== undefined && v['kind'] !== r.kind) return `the kind of the object (${JSON.stringify(v['kind'])}) does not match the resource (${r.kind})`;
  if (v['apiVersion'] !== undefined && v['apiVersion'] !== apiVersionOf(r)) return `the apiVersion of the object (${JSON.stringify(v['apiVersion'])}) does not match the resource (${apiVersionOf(r)})`;
  const meta = v['metadata'];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'the object has no metadata';
  const m = { ...(meta as Record<string, unknown>) };
  if (m['name'] === undefined && name !== undefined) m['name'] = name;
  if (typeof m['name'] !== 'string' || m['name'] === '') return 'metadata.name: Required value: name or generateName is required';
  if (name !== undefined && m['name'] !== name) return `the name of the object (${m['name']}) does not match the name on the URL (${name})`;
  if (r.namespaced) {
    if (m['namespace'] !== undefined && m['namespace'] !== namespace) return 'the namespace of the provided object does not match the namespace sent on the request';
    m['namespace'] = namespace;
  }
  return { ...v, metadata: m as NewFakeObject['metadata'] };
}

type Parsed = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

function parseBody(text: string, contentType: string): Parsed {
  let v: unknown;
  try {
    v = contentType.includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `the body does not parse: ${String(err)}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, message: 'the body is not an object' };
  return { ok: true, value: v as Record<string, unknown> };
}

function patch(target: Record<string, unknown>, text: string, contentType: string): { ok: true; value: Record<string, unknown> } | { ok: false; code: number; message: string } {
  if (!(PATCH_TYPES as readonly string[]).includes(contentType)) return { ok: false, code: 415, message: `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}` };
  const type = contentType as PatchType;
  let body: unknown;
  try {
    body = type === 'application/apply-patch+yaml' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 400, message: `the patch does not parse: ${String(err)}` };
  }
  if (type === 'application/json-patch+json') {
    const r = jsonPatch(target, body);
    return r.ok ? r : { ok: false, code: 422, message: r.message };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, code: 400, message: 'the patch is not an object' };
  const out = type === 'application/strategic-merge-patch+json' ? strategicMergePatch(target, body) : mergePatch(target, body);
  return { ok: true, value: out as Record<string, unknown> };
}

/** The autoscaling/v1 Scale of a workload. */
function scaleOf(o: FakeObject): Record<string, unknown> {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (o.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const { name, namespace, uid, resourceVersion, creationTimestamp } = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, ...(namespace !== undefined && { namespace }), uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

/** A manager as kube-apiserver's conflict messages print it (printManager). */
function printManager(c: ApplyConflict): string {
  const sub = c.subresource === undefined ? '' : ` with subresource ${JSON.stringify(c.subresource)}`;
  return `${JSON.stringify(c.manager)}${sub}${c.operation === 'Update' ? ` using ${c.apiVersion}` : ''}`;
}

/** 409 Conflict for a server-side apply, worded as kube-apiserver words it (NewConflictError): one line for one conflict, else grouped by manager. */
function conflict(r: FakeResource, name: string, conflicts: readonly ApplyConflict[]): Reply {
  let message: string;
  if (conflicts.length === 1) message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!)}: ${conflicts[0]!.field}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(printManager(c), [...(byManager.get(printManager(c)) ?? []), c.field]);
    const lines = [...byManager.keys()].sort().flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((f) => `- ${f}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return {
    code: 409,
    body: {
      ...statusBody(409, 'Conflict', message),
      details: { name, group: r.group, kind: r.plural, causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c)}`, field: c.field })) },
    },
  };
}
