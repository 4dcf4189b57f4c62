import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditOutput } from '../../src/audit/audit-change.js';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { UNKNOWN_SOURCE } from '../../src/audit/attribution.js';
import { ChangeDetector } from '../../src/audit/change-detector.js';
import { NO_OWNERS } from '../../src/audit/field-owners.js';
import { PricingQueue } from '../../src/audit/pricing-queue.js';
import type { TrackedWorkload } from '../../src/audit/tracked-workload.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { createRequestsPredictor } from '../../src/cost/requests-predictor.js';
import { ManualClock } from '../support/manual-clock.js';

// An autoscaler's scales of one workload grouped into one update per AUDIT_SCALE_GROUP_INTERVAL,
// on an injected clock: what the group says, what closes it early, and what is never grouped.

const HPA = { manager: 'kube-controller-manager', operation: 'Update' as const, subresource: 'scale' };
const KUBECTL = { manager: 'kubectl', operation: 'Update' as const, subresource: 'scale' };
const MIN = 60_000;

let rv = 0;
const w = (replicas: number, o: { uid?: string; scaledBy?: typeof HPA; cpu?: number } = {}): TrackedWorkload => {
  const uid = o.uid ?? 'u1';
  return {
    uid,
    name: uid === 'u1' ? 'api' : uid,
    namespace: 'shop',
    resourceVersion: String(++rv),
    createdAtMs: undefined,
    spec: { kind: 'deployment', namespace: 'shop', name: uid === 'u1' ? 'api' : uid, uid, replicas, perPod: { cpuCores: o.cpu ?? 0.1, memoryBytes: 32 * 2 ** 20, gpus: 0 } },
    owners: { ...NO_OWNERS, replicas: o.scaledBy ?? HPA },
    source: UNKNOWN_SOURCE,
    containers: undefined,
  };
};

let clock: ManualClock;
let events: AuditEvent[];
let queue: PricingQueue<AuditOutput>;
let detector: ChangeDetector;

const make = (scaleGroupMs: number) => {
  const requests = createRequestsPredictor(DEFAULT_PRICE_SHEET);
  queue = new PricingQueue<AuditOutput>((o) => 'change' in o && events.push(o.change.event), (err) => {
    throw err;
  });
  detector = new ChangeDetector({ resourceType: 'deployment', cluster: 'c1', clock, predictor: requests, overflowPredictor: requests, queue, scaleGroupMs });
  detector.onSync([w(2)], { initial: true });
};

/** Each event as `type from→to (scales)`. */
const summary = async () => {
  await queue.idle();
  return events.map((e) => `${e.eventType} ${e.changes?.find((c) => c.field === 'replicas')?.from ?? ''}→${e.changes?.find((c) => c.field === 'replicas')?.to ?? ''} ${e.scaleGroup?.scales ?? '-'}`);
};

beforeEach(() => {
  clock = new ManualClock('2026-12-06T10:00:00Z');
  events = [];
  rv = 0;
});

describe('grouping an autoscaler\'s scales', () => {
  it('makes one update per interval from the replicas before the first scale to those after the last, with the range between', async () => {
    make(5 * MIN);
    detector.onModified(w(4));
    clock.advance(MIN);
    detector.onModified(w(7));
    clock.advance(MIN);
    detector.onModified(w(3));
    expect(await summary()).toEqual([]);
    clock.advance(3 * MIN);
    expect(await summary()).toEqual(['update 2→3 3']);
    expect(events[0]).toMatchObject({
      timestamp: '2026-12-06T10:02:00.000000000Z',
      changedBy: HPA,
      source: { tool: 'autoscaler' },
      scaleGroup: { scales: 3, firstReplicas: 2, lastReplicas: 3, minReplicas: 2, maxReplicas: 7, start: '2026-12-06T10:00:00.000000000Z', end: '2026-12-06T10:02:00.000000000Z' },
    });
    expect(events[0]?.monthlyCostDelta).toBeCloseTo(2.4045625, 9);
  });

  it('starts a new group after the interval', async () => {
    make(5 * MIN);
    detector.onModified(w(4));
    clock.advance(5 * MIN);
    detector.onModified(w(6));
    clock.advance(5 * MIN);
    expect(await summary()).toEqual(['update 2→4 1', 'update 4→6 1']);
  });

  it('closes the group before any other change of the workload, so events keep their order', async () => {
    make(5 * MIN);
    detector.onModified(w(4));
    clock.advance(MIN);
    detector.onModified(w(4, { scaledBy: KUBECTL, cpu: 0.2 }));
    clock.advance(MIN);
    detector.onModified(w(5, { cpu: 0.2 }));
    detector.onDeleted(w(5, { cpu: 0.2 }));
    expect(await summary()).toEqual(['update 2→4 1', 'update → -', 'update 4→5 1', 'delete → -']);
  });

  it('never groups a scale by another manager', async () => {
    make(5 * MIN);
    detector.onModified(w(4, { scaledBy: KUBECTL }));
    detector.onModified(w(6, { scaledBy: KUBECTL }));
    expect(await summary()).toEqual(['update 2→4 -', 'update 4→6 -']);
  });

  it('keeps one group per workload', async () => {
    make(5 * MIN);
    detector.onSync([w(2), w(1, { uid: 'u2' })], { initial: false, outageSinceMs: clock.nowMs() });
    await queue.idle();
    events.length = 0;
    detector.onModified(w(4));
    detector.onModified(w(3, { uid: 'u2' }));
    clock.advance(5 * MIN);
    expect((await summary()).sort()).toEqual(['update 1→3 1', 'update 2→4 1']);
  });

  it('publishes an open group when the watch relists or the detector is told to (shutdown)', async () => {
    make(5 * MIN);
    detector.onModified(w(4));
    detector.onSync([w(4)], { initial: false, outageSinceMs: clock.nowMs() });
    detector.onModified(w(5));
    detector.closeScaleGroups();
    expect(await summary()).toEqual(['update 2→4 1', 'update 4→5 1']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('records every scale at once with an interval of 0', async () => {
    make(0);
    detector.onModified(w(4));
    detector.onModified(w(6));
    expect(await summary()).toEqual(['update 2→4 -', 'update 4→6 -']);
  });
});
