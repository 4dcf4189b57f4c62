import { describe, expect, it } from 'vitest';
import { auditHeadOf, type AuditChange, type AuditOutput } from '../../src/audit/audit-change.js';
import { auditIdTimeMs } from '../../src/audit/audit-id.js';
import { UNKNOWN_SOURCE } from '../../src/audit/attribution.js';
import { ChangeDetector } from '../../src/audit/change-detector.js';
import { NO_OWNERS } from '../../src/audit/field-owners.js';
import { PricingQueue } from '../../src/audit/pricing-queue.js';
import type { TrackedWorkload } from '../../src/audit/tracked-workload.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { createRequestsPredictor } from '../../src/cost/requests-predictor.js';
import { EventBus } from '../../src/events/bus.js';
import type { Topics } from '../../src/events/topics.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { subscribeMetrics } from '../../src/metrics/subscribe-metrics.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { StoreWriter } from '../../src/storage/store-writer.js';
import { subscribeWriter } from '../../src/storage/subscribe-writer.js';
import { silentLog } from '../support/app.js';
import { ManualClock } from '../support/manual-clock.js';

// The detector's changes build their event on its first read. What must hold: the head every
// subscriber reads says what the event says, the event is built once, and the write path of the
// memory backend (the writer, the store, the metrics) never reads it.

const w = (uid: string, o: { rv?: string; replicas?: number; ns?: string } = {}): TrackedWorkload => ({
  uid,
  name: `app-${uid}`,
  namespace: o.ns ?? 'team-a',
  resourceVersion: o.rv ?? '1',
  createdAtMs: undefined,
  spec: { kind: 'deployment', namespace: o.ns ?? 'team-a', name: `app-${uid}`, uid, replicas: o.replicas ?? 1, perPod: { cpuCores: 0.25, memoryBytes: 2 ** 28, gpus: 0 } },
  owners: NO_OWNERS,
  source: UNKNOWN_SOURCE,
  containers: undefined,
});

const requests = createRequestsPredictor(DEFAULT_PRICE_SHEET);

function detectorAt(start: string, ns: bigint, publish: (o: AuditOutput) => void): { clock: ManualClock; detector: ChangeDetector } {
  const clock = new ManualClock(start);
  clock.tickNs(ns);
  const queue = new PricingQueue<AuditOutput>(publish, (err) => {
    throw err;
  });
  const detector = new ChangeDetector({ resourceType: 'statefulset', cluster: 'cluster-two', clock, predictor: requests, overflowPredictor: requests, queue });
  detector.onSync([w('kept', { replicas: 2 })], { initial: true });
  return { clock, detector };
}

/** An add, an update (a scale) and a delete, as the detector publishes them. */
function threeChanges(start: string, ns: bigint): AuditChange[] {
  const changes: AuditChange[] = [];
  const { clock, detector } = detectorAt(start, ns, (o) => {
    if ('change' in o) changes.push(o.change);
  });
  detector.onAdded(w('new', { ns: 'team-b' }));
  clock.tickNs(1_234_567n);
  detector.onModified(w('kept', { replicas: 5, rv: '2' }));
  clock.tickNs(999_999n);
  detector.onDeleted(w('kept', { replicas: 5, rv: '3' }));
  return changes;
}

describe("a detected change's head", () => {
  it.each([
    ['after 1970', '2023-02-28T13:58:44.552Z', 788_548n],
    ['on a whole millisecond', '2024-05-03T08:01:04Z', 0n],
    ['before 1970 (times floor, as Date.parse reads them)', '1969-12-31T23:59:59.998Z', 999_999n],
  ])('says what the built event says, %s', (_, start, ns) => {
    const changes = threeChanges(start, ns);
    expect(changes.map((c) => c.head.eventType)).toEqual(['add', 'update', 'delete']);
    for (const c of changes) {
      const { eventType, resourceType, cluster, namespace, monthlyCostDelta, timeMs } = c.head;
      expect(auditHeadOf(c.event)).toEqual({ eventType, resourceType, cluster, namespace, monthlyCostDelta, timeMs });
    }
  });

  it('gives one event, built once, whatever reads it', () => {
    const [add] = threeChanges('2023-02-28T13:58:44.552Z', 1n);
    expect(add).toBeDefined();
    expect(add?.event).toBe(add?.event);
    expect(add?.event.timestamp).toBe('2023-02-28T13:58:44.552000001Z');
    // The id carries the head's ms (the SQL backends' time_ms).
    expect(auditIdTimeMs(add?.event.id ?? '')).toBe(add?.head.timeMs);
  });
});

describe('the memory backend and the metrics', () => {
  it('write a burst of changes without building their events, and build the one a reader asks for', async () => {
    const clock = new ManualClock('2024-05-03T08:01:04Z');
    const store = new MemoryStore({ etlLogCapacity: 10, auditCapacity: 3 });
    const bus = new EventBus<Topics>((topic, err) => {
      throw new Error(`subscriber of ${topic} failed: ${String(err)}`);
    });
    const writer = new StoreWriter({ store, clock, capacity: 100, log: silentLog });
    subscribeWriter(bus, writer);
    const metrics = createMetrics();
    subscribeMetrics(bus, metrics);
    // Each change counts the reads of its event.
    const reads = new Map<string, number>();
    const { detector } = detectorAt('2024-05-03T08:01:04Z', 0n, (o) => {
      if (!('change' in o)) return;
      const c = o.change;
      const counted: AuditChange = {
        get event() {
          reads.set(c.key, (reads.get(c.key) ?? 0) + 1);
          return c.event;
        },
        key: c.key,
        head: c.head,
        state: c.state,
      };
      bus.publish('audit', counted);
    });
    for (let i = 0; i < 10; i++) detector.onAdded(w(`u${i}`));
    await writer.idle();
    expect(reads.size).toBe(0);
    // The metrics counted every change from the heads.
    expect(await metrics.registry.metrics()).toContain('cost_events_audit_events_total{event_type="add",resource_type="statefulset"} 10');

    const newest = await store.queryAudit({ count: 1 });
    expect(newest.map((j) => (JSON.parse(j) as { uid: string }).uid)).toEqual(['u9']);
    expect([...reads.keys()]).toEqual(['add/u9']);
  });
});
