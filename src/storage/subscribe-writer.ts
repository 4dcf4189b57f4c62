import type { EventBus, Unsubscribe } from '../events/bus.js';
import type { Topics } from '../events/topics.js';
import type { StoreWriter } from './store-writer.js';

/**
 * Subscribes the writer to every topic that is stored. An audit change and the remembered state
 * after it are one unit, committed together, so storage never holds the state without its event.
 */
export function subscribeWriter(bus: EventBus<Topics>, writer: StoreWriter): Unsubscribe {
  const subscriptions = [
    bus.subscribe('etl', (event) => writer.submit([{ type: 'etl', event }])),
    bus.subscribe('audit', (c) => writer.submit([{ type: 'audit', event: c.event, key: c.key }, { type: 'workload', change: c.state }])),
    bus.subscribe('workloads', (change) => writer.submit([{ type: 'workload', change }])),
  ];
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}
