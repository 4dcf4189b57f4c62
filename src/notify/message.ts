import { createHash } from 'node:crypto';
import type { AuditEvent } from '../audit/audit-event.js';
import type { EtlTrigger } from './notify-config.js';

/** The workload a message is about, for Kubernetes Events. */
export interface MessageSubject {
  readonly resourceType: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

/** What an ETL condition message says. */
export interface EtlCondition {
  readonly condition: EtlTrigger;
  readonly state: 'firing' | 'resolved';
  /** allocation or asset, where the condition is one category's. */
  readonly category?: string;
  readonly detail: string;
  /** The ETL event that raised it, as `/model/etl/log` serves it, when one did. */
  readonly event?: unknown;
}

/**
 * One notification, whatever sink it goes to: stored in the outbox as JSON when its event is
 * committed, rendered per sink at delivery (so a sink's URL or headers can change meanwhile).
 */
export interface NotifyMessage {
  readonly kind: 'audit' | 'etl' | 'test';
  /** The event's id (the CloudEvents `id`): the same on every replica for the same event. */
  readonly id: string;
  readonly cluster: string;
  /** One line for people: `add deployment team-a/web: +$43.89/month (helm: release shop)`. */
  readonly summary: string;
  /** CloudEvents `type`: `io.cost-events.audit.add`, `io.cost-events.etl.compute-error`, … */
  readonly type: string;
  /** When the event happened, RFC 3339. */
  readonly time: string;
  readonly audit?: AuditEvent;
  readonly etl?: EtlCondition;
  readonly subject?: MessageSubject;
  /** Signed monthly cost change (audit). */
  readonly delta?: number;
  /** `helm: release shop` when the change came from a known tool. */
  readonly origin?: string;
}

/** `+$43.89/month`, `-$2.40/month`. */
export function formatDelta(delta: number): string {
  const sign = delta < 0 ? '-' : '+';
  return `${sign}$${Math.abs(delta).toFixed(2)}/month`;
}

/** `ComputeError` → `compute-error`, for CloudEvents types. */
export function kebab(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** A short opaque key of a text (the outbox row id, the Idempotency-Key of a group). */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** What several messages delivered as one say: the sum of their deltas, and one line. */
export function groupSummary(messages: readonly NotifyMessage[]): string {
  const first = messages[0];
  if (first === undefined) return '';
  if (messages.length === 1) return first.summary;
  const sum = messages.reduce((s, m) => s + (m.delta ?? 0), 0);
  const from = first.origin ?? (first.subject !== undefined ? `${first.subject.namespace}/${first.subject.name}` : first.cluster);
  return `${messages.length} changes (${from}): ${formatDelta(sum)} in all`;
}
