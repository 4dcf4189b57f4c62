import type { AuditEvent } from '../audit/audit-event.js';

/**
 * Who made a change and with what tool, from the audit event's `changedBy` (its field manager) and
 * `source` (the owning tool and its release or application), for matching and for messages.
 */
export interface AuditOrigin {
  readonly changedBy?: string;
  readonly source?: string;
  /** The Helm release, Argo CD application or Flux object, when the source names one. */
  readonly release?: string;
}

/** Reads `changedBy` and `source` off an event (absent on events stored before they existed). */
export function auditOrigin(event: AuditEvent): AuditOrigin {
  const changedBy = event.changedBy?.manager;
  const source = event.source?.tool;
  const release = event.source?.name;
  return { ...(changedBy !== undefined && { changedBy }), ...(source !== undefined && { source }), ...(release !== undefined && { release }) };
}

/** `helm: release shop`, `argocd: application web`, `kubectl`; undefined when nothing is known. */
export function describeOrigin(o: AuditOrigin): string | undefined {
  if (o.source === undefined || o.source === 'unknown') return undefined;
  if (o.release === undefined) return o.source;
  const noun = o.source === 'argocd' ? 'application' : 'release';
  return `${o.source}: ${noun} ${o.release}`;
}
