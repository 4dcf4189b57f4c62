import type { EventBus, Unsubscribe } from '../events/bus.js';
import { categoryOf } from '../events/etl-kinds.js';
import type { Topics } from '../events/topics.js';
import { etlEventLabel, MAX_AUDIT_NAMESPACES, OTHER_NAMESPACES, type Metrics } from './metrics.js';

/**
 * Counts what flows through the bus: every ETL step and every audit event this process
 * publishes, and the monthly cost the audit events add and remove per namespace. Counting at the bus, not in storage, counts each step once per publisher whatever
 * storage does with it (replicas' duplicates are deduplicated there, not here).
 */
export function subscribeMetrics(bus: EventBus<Topics>, metrics: Metrics): Unsubscribe {
  // Namespaces come and go (one per pull request, say): series are kept for the first
  // MAX_AUDIT_NAMESPACES seen, the rest share one, so the registry stays bounded.
  const namespaces = new Set<string>();
  const namespaceLabel = (namespace: string): string => {
    if (namespaces.has(namespace)) return namespace;
    const label = namespaces.size < MAX_AUDIT_NAMESPACES ? namespace : OTHER_NAMESPACES;
    if (label === namespace) namespaces.add(namespace);
    // Both series start at 0, so added − removed exists for every namespace from its first change.
    metrics.auditCostAdded.inc({ namespace: label }, 0);
    metrics.auditCostRemoved.inc({ namespace: label }, 0);
    return label;
  };
  const pending = metrics.pendingAudit;
  // The `<event type>/<resource type>` keys, made once per pair rather than once per change.
  const eventKeys = new Map<string, Map<string, string>>();
  const eventKey = (eventType: string, resourceType: string): string => {
    let byResource = eventKeys.get(eventType);
    if (byResource === undefined) eventKeys.set(eventType, (byResource = new Map<string, string>()));
    let key = byResource.get(resourceType);
    if (key === undefined) byResource.set(resourceType, (key = `${eventType}/${resourceType}`));
    return key;
  };
  const subscriptions = [
    bus.subscribe('etl', (e) => metrics.etlEvents.inc({ etl: categoryOf(e.kind), event: etlEventLabel(e.kind) })),
    // The change's head, not its event: reading the event would build it (KeyedAuditEvent).
    bus.subscribe('audit', ({ head }) => {
      pending.events.add(eventKey(head.eventType, head.resourceType), eventLabels);
      const delta = head.monthlyCostDelta;
      const namespace = namespaceLabel(head.namespace);
      if (delta > 0) pending.costAdded.add(namespace, namespaceLabels, delta);
      else if (delta < 0) pending.costRemoved.add(namespace, namespaceLabels, -delta);
    }),
    bus.subscribe('auditGaps', (g) => {
      for (const resourceType of g.kinds) {
        const labels = { resource_type: resourceType, cause: g.cause };
        metrics.auditGaps.inc(labels);
        metrics.auditGapSeconds.inc(labels, g.seconds);
        metrics.auditGapChanges.inc(labels, g.changes);
      }
    }),
  ];
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}

/** The labels of an `<event type>/<resource type>` key. */
function eventLabels(key: string): { event_type: string; resource_type: string } {
  const at = key.indexOf('/');
  return { event_type: key.slice(0, at), resource_type: key.slice(at + 1) };
}

const namespaceLabels = (namespace: string) => ({ namespace });
