/**
 * The PATCH bodies the API server takes, applied to a plain JSON object (the object as it is on
 * the wire, kind and apiVersion included): JSON merge patch (RFC 7386), a strategic merge patch
 * (a subset: see {@link strategicMergePatch}) and JSON patch (RFC 6902). Each returns the patched
 * copy or a message saying why the patch does not apply (the server answers it with a 422/400).
 */

type Json = unknown;
type JsonMap = Record<string, Json>;

/** The patch types the fake serves, by Content-Type. */
export const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml'] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

export type PatchResult = { ok: true; value: JsonMap } | { ok: false; message: string };

const isMap = (v: Json): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386: maps merge, null removes a key, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return structuredClone(patch);
  const out: JsonMap = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const namedItems = (v: Json): v is (JsonMap & { name: string })[] => Array.isArray(v) && v.length > 0 && v.every((i) => isMap(i) && typeof i['name'] === 'string');

/**
 * A strategic merge patch, the subset kubectl sends: maps merge as in a merge patch; a list whose
 * items all have a `name` (containers, env, volumes…) merges by name (`$patch: delete` in an item
 * removes it, `$setElementOrder/<list>` orders the result); `$patch: replace` in a map replaces it;
 * `$retainKeys` keeps only the keys it lists; other lists (and lists keyed otherwise, e.g. ports
 * by `containerPort`) are replaced whole.
 */
export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return structuredClone(patch);
  if (patch['$patch'] === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch['$patch'] === 'delete') return undefined;
  const out: JsonMap = isMap(target) ? { ...target } : {};
  const orders = new Map<string, Json[]>();
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders.set(k.slice('$setElementOrder/'.length), v);
      continue;
    }
    if (k === '$retainKeys' || k.startsWith('$deleteFromPrimitiveList/') || k === '$patch') continue;
    if (v === null) {
      Reflect.deleteProperty(out, k);
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v) && (namedItems(v) || v.some((i) => isMap(i) && i['$patch'] === 'delete')) && (cur === undefined || namedItems(cur))) {
      out[k] = mergeNamedList(cur ?? [], v as JsonMap[]);
    } else {
      const next = strategicMergePatch(cur, v);
      if (next === undefined) Reflect.deleteProperty(out, k);
      else out[k] = next;
    }
  }
  for (const [k, order] of orders) {
    const list = out[k];
    if (!namedItems(list)) continue;
    const rank = (n: string) => {
      const at = order.findIndex((o) => isMap(o) && o['name'] === n);
      return at < 0 ? order.length : at;
    };
    out[k] = [...list].sort((a, b) => rank(a.name) - rank(b.name));
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) Reflect.deleteProperty(out, k);
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith('$deleteFromPrimitiveList/') || !Array.isArray(v)) continue;
    const field = k.slice('$deleteFromPrimitiveList/'.length);
    const list = out[field];
    if (Array.isArray(list)) out[field] = list.filter((x) => !v.includes(x));
  }
  return out;
}

function mergeNamedList(current: JsonMap[], patch: JsonMap[]): JsonMap[] {
  const out = [...current];
  for (const item of patch) {
    const at = out.findIndex((c) => c['name'] === item['name']);
    if (item['$patch'] === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at < 0) out.push(stripDirectives(item) as JsonMap);
    else out[at] = strategicMergePatch(out[at], item) as JsonMap;
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isMap(v)) return v;
  const out: JsonMap = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

interface Op {
  op?: unknown;
  path?: unknown;
  from?: unknown;
  value?: unknown;
}

/** RFC 6902: add, remove, replace, move, copy, test; a failing op fails the whole patch. */
export function jsonPatch(target: JsonMap, ops: Json): PatchResult {
  if (!Array.isArray(ops)) return { ok: false, message: 'a JSON patch is a list of operations' };
  let doc: Json = structuredClone(target);
  for (const raw of ops as Op[]) {
    if (!isMap(raw) || typeof raw.path !== 'string') return { ok: false, message: 'each operation needs a "path"' };
    const path = pointer(raw.path);
    if (path === undefined) return { ok: false, message: `invalid JSON pointer "${raw.path}"` };
    let r: { ok: true; doc: Json } | { ok: false; message: string };
    switch (raw.op) {
      case 'add':
        r = put(doc, path, structuredClone(raw.value), 'add');
        break;
      case 'replace':
        r = put(doc, path, structuredClone(raw.value), 'replace');
        break;
      case 'remove':
        r = remove(doc, path);
        break;
      case 'test': {
        const got = get(doc, path);
        r = got.found && stable(got.value) === stable(raw.value) ? { ok: true, doc } : { ok: false, message: `testing value ${raw.path} failed` };
        break;
      }
      case 'move':
      case 'copy': {
        const from = typeof raw.from === 'string' ? pointer(raw.from) : undefined;
        if (from === undefined) return { ok: false, message: `"${raw.op}" needs a valid "from"` };
        const got = get(doc, from);
        if (!got.found) return { ok: false, message: `the "from" path ${String(raw.from)} does not exist` };
        const moved = raw.op === 'move' ? remove(doc, from) : { ok: true as const, doc };
        r = moved.ok ? put(moved.doc, path, structuredClone(got.value), 'add') : moved;
        break;
      }
      default:
        return { ok: false, message: `unknown JSON patch operation "${String(raw.op)}"` };
    }
    if (!r.ok) return r;
    doc = r.doc;
  }
  return isMap(doc) ? { ok: true, value: doc } : { ok: false, message: 'the patch replaced the object with a non-object' };
}

function pointer(p: string): string[] | undefined {
  if (p === '') return [];
  if (!p.startsWith('/')) return undefined;
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Json, path: string[]): { found: boolean; value?: Json } {
  let cur = doc;
  for (const part of path) {
    if (Array.isArray(cur)) {
      const i = Number(part);
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) return { found: false };
      cur = cur[i];
    } else if (isMap(cur) && part in cur) cur = cur[part];
    else return { found: false };
  }
  return { found: true, value: cur };
}

function put(doc: Json, path: string[], value: Json, mode: 'add' | 'replace'): { ok: true; doc: Json } | { ok: false; message: string } {
  if (path.length === 0) return { ok: true, doc: value };
  const parent = get(doc, path.slice(0, -1));
  const last = path[path.length - 1]!;
  const where = `/${path.join('/')}`;
  if (!parent.found) return { ok: false, message: `the parent of ${where} does not exist` };
  const p = parent.value;
  if (Array.isArray(p)) {
    const i = last === '-' ? p.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > p.length || (mode === 'replace' && i === p.length)) return { ok: false, message: `index ${last} out of range at ${where}` };
    if (mode === 'add') p.splice(i, 0, value);
    else p[i] = value;
    return { ok: true, doc };
  }
  if (!isMap(p)) return { ok: false, message: `${where} is not inside an object or a list` };
  if (mode === 'replace' && !(last in p)) return { ok: false, message: `replace operation does not apply: doc is missing key: ${where}` };
  p[last] = value;
  return { ok: true, doc };
}

function remove(doc: Json, path: string[]): { ok: true; doc: Json } | { ok: false; message: string } {
  const where = `/${path.join('/')}`;
  if (path.length === 0) return { ok: false, message: 'cannot remove the whole object' };
  const parent = get(doc, path.slice(0, -1));
  const last = path[path.length - 1]!;
  const p = parent.value;
  if (Array.isArray(p)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= p.length) return { ok: false, message: `index ${last} out of range at ${where}` };
    p.splice(i, 1);
    return { ok: true, doc };
  }
  if (!isMap(p) || !(last in p)) return { ok: false, message: `remove operation does not apply: doc is missing path: ${where}` };
  Reflect.deleteProperty(p, last);
  return { ok: true, doc };
}

/** JSON with map keys sorted: two values are equal when their stable forms are. */
export function stable(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isMap(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
