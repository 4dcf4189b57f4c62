import type { AuditEvent } from '../audit/audit-event.js';

/**
 * Who made a change and with what tool, read from the fields the change-intelligence work adds to
 * audit events (`changedBy`, `source`). Until they exist these read undefined and the routes'
 * `changedBy`/`sources` matches match nothing; the shapes read are the likely ones: a string, or an
 * object with `manager` (changedBy) and `kind`/`type` plus `name`/`release`/`application` (source).
 */
export interface AuditOrigin {
  readonly changedBy?: string;
  readonly source?: string;
  /** The Helm release or Argo CD application, when the source names one. */
  readonly release?: string;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads `changedBy` and `source` off an event when present. */
export function auditOrigin(event: AuditEvent): AuditOrigin {
  const e = event as AuditEvent & { changedBy?: unknown; source?: unknown };
  const by = e.changedBy;
  const changedBy = text(by) ?? (typeof by === 'object' && by !== null ? text((by as Record<string, unknown>)['manager']) : undefined);
  const src = e.source;
  let source: string | undefined;
  let release: string | undefined;
  if (typeof src === 'string') source = text(src);
  else if (typeof src === 'object' && src !== null) {
    const o = src as Record<string, unknown>;
    source = text(o['kind']) ?? text(o['type']) ?? text(o['tool']);
    release = text(o['release']) ?? text(o['name']) ?? text(o['application']);
  }
  return { ...(changedBy !== undefined && { changedBy }), ...(source !== undefined && { source }), ...(release !== undefined && { release }) };
}

/** `helm: release shop`, `argocd: application web`, `kubectl`; undefined when nothing is known. */
export function describeOrigin(o: AuditOrigin): string | undefined {
  if (o.source === undefined) return undefined;
  if (o.release === undefined) return o.source;
  const noun = o.source === 'argocd' ? 'application' : 'release';
  return `${o.source}: ${noun} ${o.release}`;
}
