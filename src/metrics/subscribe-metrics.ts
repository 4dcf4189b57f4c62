import type { EventBus, Unsubscribe } from '../events/bus.js';
import { categoryOf } from '../events/etl-kinds.js';
import type { Topics } from '../events/topics.js';
import { etlEventLabel, type Metrics } from './metrics.js';

/**
 * Counts what flows through the bus: every ETL step and every audit event this process
 * publishes. Counting at the bus, not in storage, counts each step once per publisher whatever
 * storage does with it (replicas' duplicates are deduplicated there, not here).
 */
export function subscribeMetrics(bus: EventBus<Topics>, metrics: Metrics): Unsubscribe {
  const subscriptions = [
    bus.subscribe('etl', (e) => metrics.etlEvents.inc({ etl: categoryOf(e.kind), event: etlEventLabel(e.kind) })),
    bus.subscribe('audit', (c) => metrics.auditEvents.inc({ event_type: c.event.eventType, resource_type: c.event.resourceType })),
  ];
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}
