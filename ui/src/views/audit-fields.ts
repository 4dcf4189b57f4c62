import type { AuditEvent } from '../types.js';

// Fields some servers add to an audit event and others do not (who changed it, the field diff,
// the realized cost, …): read where present, never assumed. Their values are shown as the API
// gives them, as text.

/** An audit event's field by name, whether or not this build's schema declares it. */
export function field(e: AuditEvent, name: string): unknown {
  return (e as unknown as Readonly<Record<string, unknown>>)[name];
}

/** Who made the change (its field manager, and the subresource it wrote through); undefined when unknown. */
export function changedByText(e: AuditEvent): string | undefined {
  const c = e.changedBy;
  if (c === undefined || c.manager === 'unknown') return undefined;
  return c.subresource === undefined ? c.manager : `${c.manager} (${c.subresource})`;
}

/** The tool that owns the workload, with its release or application; undefined when unknown. */
export function sourceText(e: AuditEvent): string | undefined {
  const s = e.source;
  if (s === undefined || s.tool === 'unknown') return undefined;
  return s.name === undefined ? s.tool : `${s.tool}: ${s.name}`;
}

/** The event's identity: its `id` where the server gives one, else what no two events share. */
export function eventKey(e: AuditEvent): string {
  const id = field(e, 'id');
  return typeof id === 'string' || typeof id === 'number' ? String(id) : `${e.uid}@${e.timestamp}@${e.eventType}`;
}

/** True when the change was inferred (found on a relist after a watch gap), not seen live. */
export function isInferred(e: AuditEvent): boolean {
  return e.detectedAt !== undefined || field(e, 'inferred') === true;
}

/** One changed field: where it is, its value before and after. */
export interface FieldChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

const pick = (o: Readonly<Record<string, unknown>>, names: readonly string[]): unknown => {
  for (const n of names) if (n in o) return o[n];
  return undefined;
};

/**
 * The field diff of `changes`, read from the shapes a diff is usually written in: a list of
 * `{path|field, from|old|before, to|new|after}`, or a map of path to `{from, to}` or `[from, to]`.
 * Undefined when the event has none; entries of another shape keep their JSON as `after`.
 */
export function fieldChanges(e: AuditEvent): FieldChange[] | undefined {
  const raw = field(e, 'changes');
  if (raw === undefined || raw === null) return undefined;
  const one = (path: string, v: unknown): FieldChange => {
    if (Array.isArray(v) && v.length === 2) return { path, before: v[0], after: v[1] };
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      return { path, before: pick(o, ['from', 'old', 'before', 'oldValue']), after: pick(o, ['to', 'new', 'after', 'newValue']) };
    }
    return { path, before: undefined, after: v };
  };
  if (Array.isArray(raw)) {
    return raw.map((item, i) => {
      if (typeof item === 'object' && item !== null) {
        const o = item as Record<string, unknown>;
        const path = pick(o, ['path', 'field', 'name', 'key']);
        return one(typeof path === 'string' ? path : `#${i + 1}`, o);
      }
      return { path: `#${i + 1}`, before: undefined, after: item };
    });
  }
  if (typeof raw === 'object') return Object.entries(raw as Record<string, unknown>).map(([path, v]) => one(path, v));
  return [{ path: 'changes', before: undefined, after: raw }];
}

/** A value of the API as text: strings as they are, anything else as compact JSON. */
export function show(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
