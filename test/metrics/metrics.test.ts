import { describe, expect, it } from 'vitest';
import type { AuditChange } from '../../src/audit/audit-change.js';
import { auditChangeOf } from '../../src/audit/audit-change.js';
import type { AuditEventType } from '../../src/audit/audit-event.js';
import type { AuditResourceType } from '../../src/audit/resource-types.js';
import { EventBus } from '../../src/events/bus.js';
import type { Topics } from '../../src/events/topics.js';
import type { EtlState } from '../../src/etl/etl-state.js';
import type { ResourceTotals, SetTotals } from '../../src/etl/sets.js';
import type { ConsumerWatchStatus } from '../../src/kube/watch-types.js';
import { createMetrics, etlEventLabel } from '../../src/metrics/metrics.js';
import { registerStateMetrics, type StateSources } from '../../src/metrics/state-metrics.js';
import { subscribeMetrics } from '../../src/metrics/subscribe-metrics.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { StoreWriter, type WriterStats } from '../../src/storage/store-writer.js';
import { silentLog } from '../support/app.js';
import { auditEvent, etlEvent } from '../support/events.js';
import { ManualClock } from '../support/manual-clock.js';
import { switchableStore } from '../support/stores.js';

const bus = () =>
  new EventBus<Topics>((topic, err) => {
    throw new Error(`subscriber of ${topic} failed: ${String(err)}`);
  });

const change = (name: string, type: AuditEventType, resource: AuditResourceType): AuditChange =>
  auditChangeOf(auditEvent(name, { type, resource }), `${type}/uid-${name}`, { cluster: 'cluster-one', resourceType: resource, op: 'remove', uid: `uid-${name}` });

const IDLE_WRITER: WriterStats = { available: true, queued: 0, written: 0, dropped: { etl: 0, audit: 0, workload: 0, notification: 0, gap: 0 }, errors: { transient: 0, refused: 0 } };

const sources = (o: Partial<StateSources> = {}): StateSources => ({
  watchers: () => [],
  storage: () => IDLE_WRITER,
  readiness: () => ({ components: {} }),
  etl: () => undefined,
  etlResolutionMs: 3_600_000,
  build: { version: '0.1.0', commit: 'abc123', builtAt: null },
  ...o,
});

describe('the ETL event counter', () => {
  it('counts the ETL events published on the bus, labelled as real Kubecost labels them', async () => {
    const b = bus();
    const metrics = createMetrics();
    subscribeMetrics(b, metrics);
    b.publish('etl', etlEvent('cluster-one', 'AllocationSetSaved', 1n));
    b.publish('etl', etlEvent('cluster-one', 'AllocationSetSaved', 2n));
    b.publish('etl', etlEvent('cluster-one', 'AssetSetDeleted', 3n));
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE kubecost_etl_events_total counter\n');
    expect(text).toContain('kubecost_etl_events_total{etl="allocation",event="AllocationSetSaved"} 2\n');
    expect(text).toContain('kubecost_etl_events_total{etl="asset",event="AssetSetDeletedEvent"} 1\n');
  });

  it('starts every kind at zero, so the first event shows in increase()', async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toContain('kubecost_etl_events_total{etl="allocation",event="AllocationSetLoaded"} 0\n');
    expect(text).toContain('kubecost_etl_events_total{etl="asset",event="AssetSetReconcileError"} 0\n');
    expect(text.match(/^kubecost_etl_events_total\{/gm)).toHaveLength(16);
  });

  it('keeps the older Event suffix only on the Deleted kinds, as the real scrape shows', () => {
    expect(etlEventLabel('AllocationSetDeleted')).toBe('AllocationSetDeletedEvent');
    expect(etlEventLabel('AllocationSetSaved')).toBe('AllocationSetSaved');
  });

  it('stops counting once unsubscribed', async () => {
    const b = bus();
    const metrics = createMetrics();
    subscribeMetrics(b, metrics)();
    b.publish('etl', etlEvent('cluster-one', 'AssetSetSaved', 1n));
    expect(await metrics.registry.metrics()).toContain('kubecost_etl_events_total{etl="asset",event="AssetSetSaved"} 0\n');
  });
});

describe('the audit event counter', () => {
  it('counts audit events by change type and workload kind', async () => {
    const b = bus();
    const metrics = createMetrics();
    subscribeMetrics(b, metrics);
    b.publish('audit', change('web', 'add', 'deployment'));
    b.publish('audit', change('api', 'add', 'deployment'));
    b.publish('audit', change('db', 'delete', 'statefulset'));
    b.publish('workloads', { cluster: 'cluster-one', resourceType: 'deployment', op: 'seen', atNs: 1n });
    const text = await metrics.registry.metrics();
    expect(text).toContain('cost_events_audit_events_total{event_type="add",resource_type="deployment"} 2\n');
    expect(text).toContain('cost_events_audit_events_total{event_type="delete",resource_type="statefulset"} 1\n');
    expect(text).toContain('cost_events_audit_events_total{event_type="update",resource_type="pod"} 0\n');
  });
});

describe('the audit cost counters', () => {
  const priced = (name: string, ns: string, type: AuditEventType, monthlyCostDelta: number): AuditChange => {
    const c = change(name, type, 'deployment');
    return auditChangeOf({ ...c.event, properties: { ...c.event.properties, namespace: ns }, monthlyCostDelta }, c.key, c.state);
  };

  it('sum the monthly cost added and removed per namespace, each namespace starting both at zero', async () => {
    const b = bus();
    const metrics = createMetrics();
    subscribeMetrics(b, metrics);
    b.publish('audit', priced('web', 'shop', 'add', 2.5));
    b.publish('audit', priced('web', 'shop', 'update', -1));
    b.publish('audit', priced('api', 'shop', 'update', 4.25));
    b.publish('audit', priced('db', 'data', 'delete', -3));
    b.publish('audit', priced('job', 'ci', 'update', 0));
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE cost_events_audit_monthly_cost_added_total counter\n');
    expect(text.match(/^cost_events_audit_monthly_cost_(added|removed)_total\{.*$/gm)).toEqual([
      'cost_events_audit_monthly_cost_added_total{namespace="shop"} 6.75',
      'cost_events_audit_monthly_cost_added_total{namespace="data"} 0',
      'cost_events_audit_monthly_cost_added_total{namespace="ci"} 0',
      'cost_events_audit_monthly_cost_removed_total{namespace="shop"} 1',
      'cost_events_audit_monthly_cost_removed_total{namespace="data"} 3',
      'cost_events_audit_monthly_cost_removed_total{namespace="ci"} 0',
    ]);
  });

  it('keep series for the first 1000 namespaces and count later ones under _other', async () => {
    const b = bus();
    const metrics = createMetrics();
    subscribeMetrics(b, metrics);
    for (let i = 0; i < 1002; i++) b.publish('audit', priced('web', `team-${i}`, 'add', 1));
    b.publish('audit', priced('web', 'team-0', 'add', 1));
    const text = await metrics.registry.metrics();
    expect(text.match(/^cost_events_audit_monthly_cost_added_total\{/gm)).toHaveLength(1001);
    expect(text).toContain('cost_events_audit_monthly_cost_added_total{namespace="team-0"} 2\n');
    expect(text).toContain('cost_events_audit_monthly_cost_added_total{namespace="team-999"} 1\n');
    expect(text).toContain('cost_events_audit_monthly_cost_added_total{namespace="_other"} 2\n');
    expect(text).not.toContain('namespace="team-1000"');
  });
});

describe('the state metrics', () => {
  const deployment: ConsumerWatchStatus = { consumer: 'audit', kind: 'Deployment', state: 'watching', synced: true, failures: 0, relists: 2, restarts: 5 };
  const pod: ConsumerWatchStatus = { consumer: 'audit', kind: 'Pod', state: 'backoff', synced: false, failures: 1, relists: 0, restarts: 1, lastError: 'connect ECONNREFUSED' };

  it('reports each watch loop: its state as a state set, synced, relists and restarts', async () => {
    const metrics = createMetrics();
    registerStateMetrics(metrics.registry, sources({ watchers: () => [deployment, pod] }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('cost_events_watch_state{consumer="audit",kind="Deployment",state="watching"} 1\n');
    expect(text).toContain('cost_events_watch_state{consumer="audit",kind="Deployment",state="backoff"} 0\n');
    expect(text).toContain('cost_events_watch_state{consumer="audit",kind="Pod",state="backoff"} 1\n');
    expect(text).toContain('cost_events_watch_synced{consumer="audit",kind="Deployment"} 1\n');
    expect(text).toContain('cost_events_watch_synced{consumer="audit",kind="Pod"} 0\n');
    expect(text).toContain('# TYPE cost_events_watch_relists_total counter\n');
    expect(text).toContain('cost_events_watch_relists_total{consumer="audit",kind="Deployment"} 2\n');
    expect(text).toContain('cost_events_watch_restarts_total{consumer="audit",kind="Deployment"} 5\n');
    expect(text).toContain('cost_events_watch_restarts_total{consumer="audit",kind="Pod"} 1\n');
  });

  it("keeps apart two loops of one kind, the audit's and the ETL's, neither overwritten nor summed", async () => {
    const etlPod: ConsumerWatchStatus = { consumer: 'etl', kind: 'Pod', state: 'watching', synced: true, failures: 0, relists: 4, restarts: 2 };
    const metrics = createMetrics();
    registerStateMetrics(metrics.registry, sources({ watchers: () => [pod, etlPod] }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('cost_events_watch_state{consumer="audit",kind="Pod",state="backoff"} 1\n');
    expect(text).toContain('cost_events_watch_state{consumer="etl",kind="Pod",state="backoff"} 0\n');
    expect(text).toContain('cost_events_watch_state{consumer="etl",kind="Pod",state="watching"} 1\n');
    expect(text).toContain('cost_events_watch_synced{consumer="audit",kind="Pod"} 0\n');
    expect(text).toContain('cost_events_watch_synced{consumer="etl",kind="Pod"} 1\n');
    expect(text).toContain('cost_events_watch_relists_total{consumer="audit",kind="Pod"} 0\n');
    expect(text).toContain('cost_events_watch_relists_total{consumer="etl",kind="Pod"} 4\n');
    expect(text).toContain('cost_events_watch_restarts_total{consumer="audit",kind="Pod"} 1\n');
    expect(text).toContain('cost_events_watch_restarts_total{consumer="etl",kind="Pod"} 2\n');
  });

  it('reads the watchers at every scrape, never a stale copy', async () => {
    let current: ConsumerWatchStatus = { ...deployment, relists: 0 };
    const metrics = createMetrics();
    registerStateMetrics(metrics.registry, sources({ watchers: () => [current] }));
    expect(await metrics.registry.metrics()).toContain('cost_events_watch_relists_total{consumer="audit",kind="Deployment"} 0\n');
    current = { ...deployment, relists: 3 };
    expect(await metrics.registry.metrics()).toContain('cost_events_watch_relists_total{consumer="audit",kind="Deployment"} 3\n');
  });

  it('reports the storage writer during an outage: availability, queue depth, drops and errors', async () => {
    const clock = new ManualClock();
    const db = switchableStore(new MemoryStore({ etlLogCapacity: 10, auditCapacity: 10 }));
    const writer = new StoreWriter({ store: db.store, clock, capacity: 2, log: silentLog });
    const metrics = createMetrics();
    registerStateMetrics(metrics.registry, sources({ storage: () => writer.stats() }));
    db.setDown(true);
    writer.submit([{ type: 'etl', event: etlEvent('cluster-one', 'AssetSetSaved', 1n) }]);
    await writer.idle();
    for (let i = 2; i <= 4; i++) writer.submit([{ type: 'etl', event: etlEvent('cluster-one', 'AssetSetSaved', BigInt(i)) }]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('cost_events_storage_available 0\n');
    expect(text).toContain('cost_events_storage_queue_depth 2\n');
    expect(text).toContain('cost_events_storage_dropped_records_total{type="etl"} 2\n');
    expect(text).toContain('cost_events_storage_dropped_records_total{type="audit"} 0\n');
    expect(text).toContain('cost_events_storage_errors_total{kind="transient"} 1\n');
    expect(text).toContain('cost_events_storage_errors_total{kind="refused"} 0\n');
    expect(text).toContain('cost_events_storage_written_records_total 0\n');
    await writer.close();
  });

  it('reports each component as /readyz does, and the build', async () => {
    const metrics = createMetrics();
    registerStateMetrics(
      metrics.registry,
      sources({ readiness: () => ({ components: { storage: { ready: true, state: 'ready' }, audit: { ready: false, state: 'not synced' } } }) }),
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('cost_events_component_ready{component="storage"} 1\n');
    expect(text).toContain('cost_events_component_ready{component="audit"} 0\n');
    expect(text).toContain('cost_events_build_info{version="0.1.0",commit="abc123"} 1\n');
  });
});

describe('the ETL metrics', () => {
  const records = (live: number, ended = 0, droppedEnded = 0) => ({ live, ended, droppedEnded });
  const cache = { nodes: records(3), pods: records(40, 12, 2), volumes: records(5, 1), claims: records(5), loadBalancers: records(1) };
  const window = { start: Date.parse('2024-05-03T07:00:00Z'), end: Date.parse('2024-05-03T08:00:00Z') };
  const cost = (totalCost: number): ResourceTotals => ({
    count: 1, cpuCoreHours: 0, ramByteHours: 0, gpuHours: 0, cpuCost: 0, ramCost: 0, gpuCost: 0, pvCost: 0, loadBalancerCost: 0, adjustment: 0, totalCost,
  });
  const totals = (byCluster: Record<string, number>): SetTotals => ({ window, byCluster: Object.fromEntries(Object.entries(byCluster).map(([c, n]) => [c, cost(n)])), byNode: {} });
  const scrape = async (etl: () => EtlState | undefined) => {
    const metrics = createMetrics();
    registerStateMetrics(metrics.registry, sources({ etl }));
    return metrics.registry.metrics();
  };

  it('reports the cluster cache: live and ended records per kind, and ended records dropped at the cap', async () => {
    const text = await scrape(() => ({ pipeline: { nextWindowStart: window.end, lastTotals: {} }, cache }));
    expect(text).toContain('cost_events_etl_cache_records{kind="pods",state="live"} 40\n');
    expect(text).toContain('cost_events_etl_cache_records{kind="pods",state="ended"} 12\n');
    expect(text).toContain('cost_events_etl_cache_records{kind="loadBalancers",state="live"} 1\n');
    expect(text).toContain('# TYPE cost_events_etl_cache_ended_dropped_total counter\n');
    expect(text).toContain('cost_events_etl_cache_ended_dropped_total{kind="pods"} 2\n');
    expect(text).toContain('cost_events_etl_cache_ended_dropped_total{kind="nodes"} 0\n');
  });

  it('reports the end of the last window built in epoch seconds, and the cost per cluster of its sets', async () => {
    const text = await scrape(() => ({
      pipeline: { nextWindowStart: window.end, lastBuiltEnd: window.end, lastTotals: { allocation: totals({ 'cluster-one': 12.5 }), asset: totals({ 'cluster-one': 14.25 }) } },
      cache,
    }));
    expect(text).toContain('# TYPE cost_events_etl_last_built_window_end_seconds gauge\n');
    expect(text).toContain(`cost_events_etl_last_built_window_end_seconds ${window.end / 1000}\n`);
    expect(text).toContain('cost_events_etl_resolution_seconds 3600\n');
    expect(text).toContain('# HELP cost_events_etl_last_set_cost Total cost per cluster of the last window built');
    expect(text).toContain('cost_events_etl_last_set_cost{etl="allocation",cluster="cluster-one"} 12.5\n');
    expect(text).toContain('cost_events_etl_last_set_cost{etl="asset",cluster="cluster-one"} 14.25\n');
  });

  it('reports ETL_RESOLUTION in seconds while the pipeline runs, for the stalled-ETL alert', async () => {
    const metrics = createMetrics();
    registerStateMetrics(metrics.registry, sources({ etl: () => ({ pipeline: { nextWindowStart: window.end, lastTotals: {} }, cache }), etlResolutionMs: 10_000 }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE cost_events_etl_resolution_seconds gauge\n');
    expect(text).toContain('cost_events_etl_resolution_seconds 10\n');
  });

  it('shows no last window and no cost before the first window is built', async () => {
    const text = await scrape(() => ({ pipeline: { nextWindowStart: window.end, lastTotals: {} }, cache }));
    expect(text).toContain('# TYPE cost_events_etl_last_built_window_end_seconds gauge\n');
    expect(text).not.toMatch(/^cost_events_etl_last_built_window_end_seconds /m);
    expect(text).not.toMatch(/^cost_events_etl_last_set_cost\{/m);
  });

  it('shows no ETL sample without a pipeline (no cluster)', async () => {
    const text = await scrape(() => undefined);
    expect(text).not.toMatch(/^cost_events_etl_\w+(\{.*\})? /m);
  });

  it('reads the pipeline at every scrape', async () => {
    let current: EtlState = { pipeline: { nextWindowStart: window.start, lastTotals: {} }, cache };
    const metrics = createMetrics();
    registerStateMetrics(metrics.registry, sources({ etl: () => current }));
    expect(await metrics.registry.metrics()).not.toMatch(/^cost_events_etl_last_built_window_end_seconds /m);
    current = { pipeline: { nextWindowStart: window.end, lastBuiltEnd: window.end, lastTotals: {} }, cache };
    expect(await metrics.registry.metrics()).toContain(`cost_events_etl_last_built_window_end_seconds ${window.end / 1000}\n`);
  });
});

describe('registries', () => {
  it('are independent: two servers in one process never share a counter', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.etlEvents.inc({ etl: 'asset', event: 'AssetSetSaved' });
    expect(await b.registry.metrics()).toContain('kubecost_etl_events_total{etl="asset",event="AssetSetSaved"} 0\n');
  });

  it('carry the Node.js process metrics when asked to', async () => {
    const text = await createMetrics({ defaultMetrics: true }).registry.metrics();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_heap_size_total_bytes gauge');
    expect(await createMetrics().registry.metrics()).not.toContain('process_cpu_user_seconds_total');
  });
});
