import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { AUDIT_EVENT_TYPES } from '../audit/audit-event.js';
import { AUDIT_RESOURCE_TYPES } from '../audit/resource-types.js';
import { GAP_CAUSES } from '../audit/watch-gap.js';
import { categoryOf, ETL_KINDS, type EtlKind } from '../events/etl-kinds.js';
import { PendingCounts } from './pending-counts.js';

/** The server's Prometheus metrics: one registry of its own (never prom-client's global one) and the metrics fed as things happen. */
export interface Metrics {
  readonly registry: Registry;
  /** `kubecost_etl_events_total{etl,event}`, as real Kubecost names it. */
  readonly etlEvents: Counter<'etl' | 'event'>;
  /** `cost_events_audit_events_total{event_type,resource_type}`. */
  readonly auditEvents: Counter<'event_type' | 'resource_type'>;
  /** `cost_events_audit_monthly_cost_added_total{namespace}`: the positive monthly cost deltas of audit events, summed. */
  readonly auditCostAdded: Counter<'namespace'>;
  /** `cost_events_audit_monthly_cost_removed_total{namespace}`: the negative ones, as positive amounts. */
  readonly auditCostRemoved: Counter<'namespace'>;
  /** `cost_events_audit_gaps_total{resource_type,cause}`: gaps in the audit's view ended by a list (GET /model/audit/gaps). */
  readonly auditGaps: Counter<'resource_type' | 'cause'>;
  /** `cost_events_audit_gap_seconds_total{resource_type,cause}`: their length, summed. */
  readonly auditGapSeconds: Counter<'resource_type' | 'cause'>;
  /** `cost_events_audit_gap_changes_total{resource_type,cause}`: changes those lists found (inferred events). */
  readonly auditGapChanges: Counter<'resource_type' | 'cause'>;
  /** `cost_events_http_request_duration_seconds{method,route,status_code}`. */
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** What each audit change adds to the three audit counters above, as plain numbers until a scrape collects them (one change each, so kept cheap). */
  readonly pendingAudit: {
    readonly events: PendingCounts<'event_type' | 'resource_type'>;
    readonly costAdded: PendingCounts<'namespace'>;
    readonly costRemoved: PendingCounts<'namespace'>;
  };
}

/** What {@link createMetrics} may add. */
export interface MetricsOptions {
  /** Add prom-client's Node.js process metrics (CPU, memory, event loop lag, GC). Tests leave them off. */
  readonly defaultMetrics?: boolean;
}

/**
 * The label real Kubecost gives a kind: its scrape shows `AllocationSetDeletedEvent` beside
 * `AllocationSetSaved`, so `…Deleted` keeps the older `Event` suffix and the other kinds do not.
 */
export function etlEventLabel(kind: EtlKind): string {
  return kind.endsWith('Deleted') ? `${kind}Event` : kind;
}

/** Most namespaces the audit cost counters keep series of; the ones seen later share {@link OTHER_NAMESPACES}. */
export const MAX_AUDIT_NAMESPACES = 1000;
/** Where namespaces past the cap are counted: no namespace can be named so (a DNS label has no `_`). */
export const OTHER_NAMESPACES = '_other';

/** prom-client's gauges named like counters; each duplicates the sum of the per-type gauge without the suffix. */
const NOT_COUNTERS_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Request durations from 1 ms (a cached answer) to 10 s (a slow Kubecost behind the Predict API). */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Creates the registry and the metrics fed by events and requests. Every known label
 * combination starts at zero, so `rate()` and `increase()` see the first event too.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics === true) {
    collectDefaultMetrics({ register: registry });
    // prom-client names three gauges `…_total`, a suffix Prometheus reserves for counters
    // (`promtool check metrics` refuses them). Each is the sum of its per-type gauge, which stays:
    // sum(nodejs_active_handles) is nodejs_active_handles_total.
    for (const name of NOT_COUNTERS_NAMED_TOTAL) registry.removeSingleMetric(name);
  }
  const etlEvents = new Counter({
    name: 'kubecost_etl_events_total',
    help: 'Kubecost ETL events counted by kind.',
    labelNames: ['etl', 'event'] as const,
    registers,
  });
  for (const kind of ETL_KINDS) etlEvents.inc({ etl: categoryOf(kind), event: etlEventLabel(kind) }, 0);
  const auditEvents = new Counter({
    name: 'cost_events_audit_events_total',
    help: 'Audit events (priced workload changes) published, by change type and workload kind.',
    labelNames: ['event_type', 'resource_type'] as const,
    registers,
    collect: (): void => pendingAudit.events.flush(),
  });
  for (const eventType of AUDIT_EVENT_TYPES) {
    for (const resourceType of AUDIT_RESOURCE_TYPES) auditEvents.inc({ event_type: eventType, resource_type: resourceType }, 0);
  }
  // Two counters, not one signed figure: a counter only grows, so rate() and increase() survive
  // restarts; the net change over a range is added minus removed.
  const auditCostAdded = new Counter({
    name: 'cost_events_audit_monthly_cost_added_total',
    help: `Monthly cost rate added by audit events (their positive monthlyCostDelta, summed), by namespace, in the currency of the price sheet; past ${MAX_AUDIT_NAMESPACES} namespaces, under namespace="${OTHER_NAMESPACES}".`,
    labelNames: ['namespace'] as const,
    registers,
    collect: (): void => pendingAudit.costAdded.flush(),
  });
  const auditCostRemoved = new Counter({
    name: 'cost_events_audit_monthly_cost_removed_total',
    help: `Monthly cost rate removed by audit events (their negative monthlyCostDelta, as positive amounts, summed), by namespace; past ${MAX_AUDIT_NAMESPACES} namespaces, under namespace="${OTHER_NAMESPACES}".`,
    labelNames: ['namespace'] as const,
    registers,
    collect: (): void => pendingAudit.costRemoved.flush(),
  });
  const pendingAudit: Metrics['pendingAudit'] = { events: new PendingCounts(auditEvents), costAdded: new PendingCounts(auditCostAdded), costRemoved: new PendingCounts(auditCostRemoved) };
  const gapCounter = (name: string, help: string) => {
    const c = new Counter({ name, help, labelNames: ['resource_type', 'cause'] as const, registers });
    for (const resourceType of AUDIT_RESOURCE_TYPES) for (const cause of GAP_CAUSES) c.inc({ resource_type: resourceType, cause }, 0);
    return c;
  };
  const auditGaps = gapCounter('cost_events_audit_gaps_total', 'Gaps in the audit\'s view (a watch that lost its history and relisted, or a restart), by audited kind and cause; GET /model/audit/gaps lists them.');
  const auditGapSeconds = gapCounter('cost_events_audit_gap_seconds_total', 'Length of the audit\'s gaps in seconds, summed, by audited kind and cause.');
  const auditGapChanges = gapCounter('cost_events_audit_gap_changes_total', 'Changes found by the lists that ended the audit\'s gaps (events marked inferred), by audited kind and cause.');
  const httpDuration = new Histogram({
    name: 'cost_events_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern (never the raw URL), method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers,
  });
  return { registry, etlEvents, auditEvents, auditCostAdded, auditCostRemoved, auditGaps, auditGapSeconds, auditGapChanges, httpDuration, pendingAudit };
}
