import type { AuditChange } from '../audit/audit-change.js';
import type { EventBus, Unsubscribe } from '../events/bus.js';
import type { EtlEvent } from '../events/etl-event.js';
import type { Topics } from '../events/topics.js';
import type { StoreRecord } from './store.js';
import type { StoreWriter } from './store-writer.js';

/** Records to commit with an event (the notifications it triggers), so both are in one transaction. */
export interface NotifyHook {
  audit(change: AuditChange): readonly StoreRecord[];
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
    bus.subscribe('audit', (c) => writer.submit(withExtra([{ type: 'audit', event: c.event, key: c.key }, { type: 'workload', change: c.state }], notify?.audit(c)))),
    bus.subscribe('workloads', (change) => writer.submit([{ type: 'workload', change }])),
    bus.subscribe('auditGaps', (gap) => writer.submit([{ type: 'gap', gap }])),
  ];
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}

function withExtra(unit: StoreRecord[], extra: readonly StoreRecord[] | undefined): StoreRecord[] {
  if (extra !== undefined) for (const r of extra) unit.push(r);
  return unit;
}
