import type { AuditChange } from '../../src/audit/audit-change.js';
import { auditChangeOf } from '../../src/audit/audit-change.js';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { parseNotifyConfig, type NotifyConfig } from '../../src/notify/notify-config.js';
import type { NotifyRouter } from '../../src/notify/notify-router.js';
import type { StoreRecord } from '../../src/storage/store.js';
import { auditRecord } from '../../src/storage/subscribe-writer.js';
import { auditEvent } from '../support/events.js';

/** A notifications file from YAML, with `env` for `…Env` secrets. */
export function config(yaml: string, env: Record<string, string> = {}): NotifyConfig {
  return parseNotifyConfig(yaml, env);
}

/** An audit change of `name` with a monthly delta, as the audit publishes it. */
export function change(name: string, delta: number, o: Partial<AuditEvent> = {}): AuditChange {
  const base = auditEvent(name, { cluster: 'c1' });
  const event: AuditEvent = { ...base, monthlyCostDelta: delta, ...o, properties: { ...base.properties, ...(o.properties ?? {}) } };
  return auditChangeOf(event, `${event.eventType}/${name}-${delta}`, { op: 'seen', cluster: 'c1', resourceType: 'deployment', atNs: 1n });
}

/** What the writer commits for a change: its audit record with the notices the router gives it. */
export function routed(router: NotifyRouter, c: AuditChange): StoreRecord[] {
  return [auditRecord(c, router.auditNotices(c))];
}
