import type { AuditChange } from '../audit/audit-change.js';
import type { EventBus, Unsubscribe } from '../events/bus.js';
import type { EtlEvent } from '../events/etl-event.js';
import type { Topics } from '../events/topics.js';
import type { AuditNotice } from '../notify/outbox.js';
import type { StoreRecord } from './store.js';
import type { StoreWriter } from './store-writer.js';

/** The notifications an event triggers, committed with it in one transaction. */
export interface NotifyHook {
  /** Notices that ride on the change's audit record and refer to the stored event. */
  audit(change: AuditChange): readonly AuditNotice[];
  /** Records to commit with the ETL event (conditions that fire or clear, with their messages). */
  etl(event: EtlEvent): readonly StoreRecord[];
}

/**
 * Subscribes the writer to every topic that is stored. An audit change and the remembered state
 * after it are one unit, committed together, so storage never holds the state without its event;
 * the notifications an event triggers join its unit the same way.
 */
export function subscribeWriter(bus: EventBus<Topics>, writer: StoreWriter, notify?: NotifyHook): Unsubscribe {
  const subscriptions = [
    bus.subscribe('etl', (event) => writer.submit(withExtra([{ type: 'etl', event }], notify?.etl(event)))),
    bus.subscribe('audit', (c) => writer.submit([auditRecord(c, notify?.audit(c)), { type: 'workload', change: c.state }])),
    bus.subscribe('workloads', (change) => writer.submit([{ type: 'workload', change }])),
    bus.subscribe('auditGaps', (gap) => writer.submit([{ type: 'gap', gap }])),
  ];
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}

/** The record of an audit change, with the notices it triggers when there are any. */
export function auditRecord(c: AuditChange, notify: readonly AuditNotice[] | undefined): StoreRecord {
  return notify !== undefined && notify.length > 0 ? { type: 'audit', audit: c, notify } : { type: 'audit', audit: c };
}

function withExtra(unit: StoreRecord[], extra: readonly StoreRecord[] | undefined): StoreRecord[] {
  if (extra !== undefined) for (const r of extra) unit.push(r);
  return unit;
}
