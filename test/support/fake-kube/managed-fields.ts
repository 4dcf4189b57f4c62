/**
 * `metadata.managedFields` as kube-apiserver's field manager writes them (structured-merge-diff's
 * FieldsV1): one entry per manager, operation, apiVersion (Update only) and subresource, holding
 * the set of fields that manager last set. An Update takes the fields it changed from every other
 * manager; an Apply (server-side apply, conflicts forced) owns what its configuration names; fields
 * removed from the object leave every set; an entry left empty is dropped. Entries are sorted as
 * the API server sorts them: operation, time (seconds), manager, apiVersion, subresource.
 *
 * Approximations, documented in README: list items are keyed by `name` (containers, env, ports…);
 * other lists are atomic; `.` marks list items and string maps (labels, annotations); an Apply does
 * not remove fields its previous configuration had and this one lacks.
 */

/** One managedFields entry, keys in the order the API server prints them. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

/** structured-merge-diff's field set as JSON: `f:<field>`, `k:{"name":…}`, `.` for the node itself. */
export interface FieldsV1 {
  [key: string]: FieldsV1;
}

/** Who writes, and how: an Update (the default) or an Apply, through the main resource or a subresource. */
export interface FakeWrite {
  readonly manager: string;
  readonly operation?: 'Update' | 'Apply';
  readonly subresource?: 'scale' | 'status';
}

/** Metadata the server owns: never in a field set. */
const SERVER_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'selfLink']);
/** String maps: their node is a member of the set (`.`), as the API server records them. */
const STRING_MAPS = new Set(['labels', 'annotations', 'nodeSelector']);

const SEP = '\u0000';

/** Each member of the object's field set (a path joined by NUL) with the JSON of its value. */
export function fieldValues(obj: Record<string, unknown>, subresource?: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'kind' || k === 'apiVersion') continue;
    // The status is the status subresource's; the main resource's writers never own it.
    if ((k === 'status') !== (subresource === 'status')) continue;
    if (k === 'metadata' && isPlain(v)) {
      for (const [mk, mv] of Object.entries(v)) if (!SERVER_META.has(mk)) walk(mv, [`f:metadata`, `f:${mk}`], mk, out);
      continue;
    }
    walk(v, [`f:${k}`], k, out);
  }
  return out;
}

function walk(v: unknown, path: string[], field: string, out: Map<string, string>): void {
  // A null is no value (kubectl sends `creationTimestamp: null` in pod templates): never a member.
  if (v === null) return;
  if (isPlain(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0 || field === 'selector') {
      // An empty struct, or a selector (atomic in the API's schema): one member.
      out.set(path.join(SEP), JSON.stringify(v));
      return;
    }
    if (STRING_MAPS.has(field)) out.set([...path, '.'].join(SEP), '');
    for (const k of keys) walk(v[k], [...path, `f:${k}`], k, out);
    return;
  }
  if (Array.isArray(v) && v.length > 0 && v.every((i) => isPlain(i) && typeof i.name === 'string')) {
    for (const item of v as Record<string, unknown>[]) {
      const key = `k:${JSON.stringify({ name: item.name })}`;
      out.set([...path, key, '.'].join(SEP), '');
      for (const [k, iv] of Object.entries(item)) walk(iv, [...path, key, `f:${k}`], k, out);
    }
    return;
  }
  out.set(path.join(SEP), JSON.stringify(v));
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Each member and every path above it. */
function nodesOf(members: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const m of members) {
    const parts = m.split(SEP);
    if (parts[parts.length - 1] === '.') parts.pop();
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join(SEP));
  }
  return out;
}

/** The members of a FieldsV1. */
export function membersOf(fields: FieldsV1, prefix: string[] = [], out: Set<string> = new Set()): Set<string> {
  for (const [k, sub] of Object.entries(fields)) {
    if (k === '.') {
      out.add([...prefix, '.'].join(SEP));
      continue;
    }
    if (Object.keys(sub).length === 0) out.add([...prefix, k].join(SEP));
    else membersOf(sub, [...prefix, k], out);
  }
  return out;
}

/** A set of members as FieldsV1, keys sorted as the API server serialises them. */
export function fieldsOf(members: Iterable<string>): FieldsV1 {
  const root: FieldsV1 = {};
  for (const m of [...members].sort()) {
    let node = root;
    for (const part of m.split(SEP)) node = node[part] ??= {};
  }
  return sortKeys(root);
}

function sortKeys(f: FieldsV1): FieldsV1 {
  const out: FieldsV1 = {};
  for (const k of Object.keys(f).sort()) out[k] = sortKeys(f[k]!);
  return out;
}

/** The object's managedFields after `write` turned `before` (undefined: a create) into `after`; `applied` is an Apply's configuration. */
export function nextManagedFields(opts: {
  readonly before: Record<string, unknown> | undefined;
  readonly after: Record<string, unknown>;
  readonly previous: readonly ManagedFieldsEntry[];
  readonly write: FakeWrite;
  readonly apiVersion: string;
  readonly time: string;
  readonly applied?: Record<string, unknown>;
}): ManagedFieldsEntry[] {
  const { write } = opts;
  const operation = write.operation ?? 'Update';
  const sub = write.subresource;
  const now = fieldValues(opts.after, sub);
  const was = opts.before === undefined ? new Map<string, string>() : fieldValues(opts.before, sub);
  const changed = new Set<string>();
  for (const [m, v] of now) if (was.get(m) !== v) changed.add(m);
  // Every node of the object (members and the maps above them), over the main resource and the
  // status: a member whose node is gone leaves every set. One whose node is still there stays,
  // leaf or not (kubectl-create keeps `f:resources` once another manager fills it).
  const nodes = nodesOf([...fieldValues(opts.after).keys(), ...fieldValues(opts.after, 'status').keys()]);
  const present = { has: (m: string) => nodes.has(m.endsWith(`${SEP}.`) ? m.slice(0, -2) : m) };
  const removed = { has: (m: string) => was.has(m) && !present.has(m) };
  let mine: Set<string>;
  if (operation === 'Apply') {
    mine = new Set(fieldValues(opts.applied ?? opts.after, sub).keys());
  } else if (sub === 'scale') {
    mine = new Set([['f:spec', 'f:replicas'].join(SEP)]);
  } else {
    mine = changed;
  }
  const same = (e: ManagedFieldsEntry) =>
    e.manager === write.manager && e.operation === operation && (e.subresource ?? '') === (sub ?? '') && (operation === 'Apply' || e.apiVersion === opts.apiVersion);
  const out: ManagedFieldsEntry[] = [];
  let own: Set<string> | undefined;
  for (const e of opts.previous) {
    const members = membersOf(e.fieldsV1);
    if (same(e)) {
      own = operation === 'Apply' ? mine : new Set([...members, ...mine]);
      continue;
    }
    // What this write changed is no longer the other manager's; what left the object, nobody's.
    for (const m of members) if ((changed.has(m) && mine.has(m)) || removed.has(m) || !present.has(m)) members.delete(m);
    if (members.size > 0) out.push({ ...e, fieldsV1: fieldsOf(members) });
  }
  own ??= mine;
  for (const m of own) if (!present.has(m)) own.delete(m);
  if (own.size > 0) {
    out.push({
      manager: write.manager,
      operation,
      apiVersion: opts.apiVersion,
      time: opts.time,
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsOf(own),
      ...(sub !== undefined && { subresource: sub }),
    });
  }
  return sortEntries(out);
}

/** Sorted as kube-apiserver's sortEncodedManagedFields: operation, time in seconds, manager, apiVersion, subresource. */
function sortEntries(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const seconds = (t: string) => Math.floor(Date.parse(t) / 1000);
  return entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
}

/** One field a server-side apply would take from another manager, as the API server reports it. */
export interface ApplyConflict {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly subresource?: string;
  /** `.spec.replicas`, `.spec.template.spec.containers[name="app"].image`. */
  readonly field: string;
}

/**
 * The conflicts of an Apply by `manager` of `config` onto `current`: fields the configuration sets
 * to a value other than the current one while another manager (or this manager's Update entry)
 * owns them, through any subresource (an HPA's scale owns `spec.replicas` for an Apply of the
 * Deployment too). Setting a field to the value it has is no conflict: the field is then shared.
 */
export function applyConflicts(current: Record<string, unknown>, config: Record<string, unknown>, manager: string, subresource?: 'scale'): ApplyConflict[] {
  const now = fieldValues(current, subresource);
  const entries = (((current['metadata'] as Record<string, unknown> | undefined)?.['managedFields'] as ManagedFieldsEntry[] | undefined) ?? []);
  const out: ApplyConflict[] = [];
  for (const [m, v] of fieldValues(config, subresource)) {
    const cur = now.get(m);
    if (cur === undefined || cur === v) continue;
    for (const e of entries) {
      if (e.manager === manager && e.operation === 'Apply') continue;
      if (membersOf(e.fieldsV1).has(m)) out.push({ manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, ...(e.subresource !== undefined && { subresource: e.subresource }), field: fieldPathText(m) });
    }
  }
  return out;
}

/** A member as the API server prints it in a conflict: `.spec.template.spec.containers[name="app"].image`. */
function fieldPathText(member: string): string {
  let out = '';
  for (const part of member.split(SEP)) {
    if (part === '.') continue;
    if (part.startsWith('f:')) out += `.${part.slice(2)}`;
    else if (part.startsWith('k:')) {
      const key = JSON.parse(part.slice(2)) as Record<string, unknown>;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    }
  }
  return out;
}
