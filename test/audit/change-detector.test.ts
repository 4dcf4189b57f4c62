import { beforeEach, describe, expect, it } from 'vitest';
import { auditEventId } from '../../src/audit/audit-id.js';
import type { AuditChange, AuditOutput } from '../../src/audit/audit-change.js';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { UNKNOWN_SOURCE } from '../../src/audit/attribution.js';
import { ChangeDetector } from '../../src/audit/change-detector.js';
import { summarizeContainers } from '../../src/audit/container-summary.js';
import { NO_OWNERS } from '../../src/audit/field-owners.js';
import { PricingQueue } from '../../src/audit/pricing-queue.js';
import type { TrackedWorkload } from '../../src/audit/tracked-workload.js';
import type { WorkloadStateChange } from '../../src/audit/workload-state.js';
import type { CostPredictor } from '../../src/cost/predictor.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { createRequestsPredictor } from '../../src/cost/requests-predictor.js';
import { ManualClock } from '../support/manual-clock.js';

const w = (uid: string, name: string, o: { rv?: string; replicas?: number; cpu?: number; mem?: number; created?: string } = {}): TrackedWorkload => ({
  uid,
  name,
  namespace: 'kubecost',
  resourceVersion: o.rv ?? '1',
  createdAtMs: o.created === undefined ? undefined : Date.parse(o.created),
  spec: {
    kind: 'deployment',
    namespace: 'kubecost',
    name,
    uid,
    replicas: o.replicas ?? 1,
    perPod: { cpuCores: o.cpu ?? 0.1, memoryBytes: o.mem ?? 32 * 2 ** 20, gpus: 0 },
  },
  owners: NO_OWNERS,
  source: UNKNOWN_SOURCE,
  containers: undefined,
});

let clock: ManualClock;
let outputs: AuditOutput[];
/** The events published so far, in order. */
let events: AuditEvent[];
let queue: PricingQueue<AuditOutput>;
let detector: ChangeDetector;
const requests = createRequestsPredictor(DEFAULT_PRICE_SHEET);

const collect = (o: AuditOutput) => {
  outputs.push(o);
  if ('change' in o) events.push(o.change.event);
};

const make = (predictor: CostPredictor = requests, maxPending = 100, prior?: ConstructorParameters<typeof ChangeDetector>[0]['prior']) => {
  queue = new PricingQueue(collect, (err) => {
    throw err;
  }, maxPending);
  detector = new ChangeDetector({ resourceType: 'deployment', cluster: 'cluster-one', clock, predictor, overflowPredictor: requests, queue, ...(prior && { prior }) });
};

/** Each output in order: `add a` for a change (with its key), `replace [uids]`/`put uid`/`remove uid`/`seen` for state. */
const trail = () =>
  outputs.map((o) => {
    if ('change' in o) return `${o.change.event.eventType} ${o.change.event.properties.name} key=${o.change.key} then ${stateLine(o.change.state)}`;
    if ('gap' in o) return `gap ${o.gap.cause} ${o.gap.kinds.join(',')} changes=${o.gap.changes}`;
    return stateLine(o.state);
  });
const stateLine = (s: WorkloadStateChange) => {
  switch (s.op) {
    case 'put':
      return `put ${s.workload.uid}@${s.workload.resourceVersion}`;
    case 'remove':
      return `remove ${s.uid}`;
    case 'replace':
      return `replace [${s.workloads.map((w) => w.uid).join(',')}]`;
    case 'seen':
      return 'seen';
  }
};

beforeEach(() => {
  clock = new ManualClock('2023-02-28T13:58:44.552Z');
  clock.tickNs(788_548n);
  outputs = [];
  events = [];
  make();
});

const summary = () => events.map((e) => `${e.eventType} ${e.properties.name}${e.detectedAt === undefined ? '' : ' (detected)'}`);

describe('ChangeDetector', () => {
  it('records the initial list without any event', async () => {
    detector.onSync([w('u1', 'a'), w('u2', 'b')], { initial: true });
    await queue.idle();
    expect(events).toEqual([]);
    expect(detector.size).toBe(2);
  });

  it('reports a workload added after the watch began exactly as Kubecost prints it', async () => {
    detector.onSync([], { initial: true });
    detector.onAdded(w('u1', 'sample-deployment'));
    await queue.idle();
    expect(events).toEqual([
      {
        eventType: 'add',
        resourceType: 'deployment',
        timestamp: '2023-02-28T13:58:44.552788548Z',
        properties: { cluster: 'cluster-one', name: 'sample-deployment', namespace: 'kubecost' },
        totalRequests: { cpu: '100m', memory: '32Mi' },
        resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
        costPrediction: { totalMonthlyRate: 2.4045625000000004, cpuMonthlyRate: 2.3080000000000003, ramMonthlyRate: 0.0965625, gpuMonthlyRate: 0 },
        monthlyCostDelta: 2.4045625000000004,
        uid: 'u1',
        predictor: 'requests',
        // The Cloud Eye system event's id of the same change: cluster and key hashed, after the ms.
        id: auditEventId('cluster-one', 'add/u1', Date.parse('2023-02-28T13:58:44.552Z')),
        // No managedFields, no markers: said, not invented.
        changedBy: { manager: 'unknown' },
        source: { tool: 'unknown' },
      },
    ]);
    expect(events[0]!.id).toMatch(/^ev1677592724552[A-Za-z0-9]{9}$/);
    // As stored and served: Kubecost's fields in its order, then the added ones; none that do not apply.
    expect(Object.keys(JSON.parse(JSON.stringify(events[0])) as object)).toEqual([
      'eventType', 'resourceType', 'timestamp', 'properties', 'totalRequests', 'resourceCosts', 'costPrediction',
      'monthlyCostDelta', 'uid', 'predictor', 'id', 'changedBy', 'source',
    ]);
  });

  it('serializes an update with its previous prediction after the delta and its changes last', async () => {
    detector.onSync([w('u1', 'a', { replicas: 1 })], { initial: true });
    detector.onModified(w('u1', 'a', { replicas: 2, rv: '2' }));
    await queue.idle();
    expect(Object.keys(JSON.parse(JSON.stringify(events[0])) as object)).toEqual([
      'eventType', 'resourceType', 'timestamp', 'properties', 'totalRequests', 'resourceCosts', 'costPrediction',
      'monthlyCostDelta', 'previousTotalRequests', 'previousCostPrediction', 'uid', 'predictor', 'id', 'changedBy', 'source', 'changes',
    ]);
  });

  it('prices a delete as the positive cost removed, with a negative delta', async () => {
    detector.onSync([w('u1', 'a', { replicas: 3 })], { initial: true });
    detector.onDeleted(w('u1', 'a', { replicas: 3 }));
    await queue.idle();
    expect(events[0]).toMatchObject({ eventType: 'delete', totalRequests: { cpu: '300m', memory: '96Mi' } });
    expect(events[0]!.costPrediction.totalMonthlyRate).toBeCloseTo(3 * 2.4045625, 10);
    expect(events[0]!.monthlyCostDelta).toBeCloseTo(-3 * 2.4045625, 10);
  });

  it('reports a change of replicas as an update priced new minus old', async () => {
    detector.onSync([w('u1', 'a', { replicas: 1 })], { initial: true });
    detector.onModified(w('u1', 'a', { replicas: 3, rv: '2' }));
    await queue.idle();
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.eventType).toBe('update');
    expect(e.totalRequests).toEqual({ cpu: '300m', memory: '96Mi' });
    expect(e.previousTotalRequests).toEqual({ cpu: '100m', memory: '32Mi' });
    expect(e.previousCostPrediction?.totalMonthlyRate).toBeCloseTo(2.4045625, 10);
    expect(e.monthlyCostDelta).toBeCloseTo(2 * 2.4045625, 10);
  });

  it('reports a change of one pod request as an update', async () => {
    detector.onSync([w('u1', 'a')], { initial: true });
    detector.onModified(w('u1', 'a', { cpu: 0.5, rv: '2' }));
    await queue.idle();
    expect(summary()).toEqual(['update a']);
    expect(events[0]!.totalRequests.cpu).toBe('500m');
  });

  it('ignores a modification that does not change the cost (a status update)', async () => {
    detector.onSync([w('u1', 'a')], { initial: true });
    detector.onModified(w('u1', 'a', { rv: '2' }));
    await queue.idle();
    expect(events).toEqual([]);
  });

  it('sees delete-and-recreate with the same name as a delete and an add', async () => {
    detector.onSync([w('u1', 'a')], { initial: true });
    detector.onDeleted(w('u1', 'a'));
    detector.onAdded(w('u2', 'a'));
    await queue.idle();
    expect(events.map((e) => `${e.eventType} ${e.uid}`)).toEqual(['delete u1', 'add u2']);
  });

  it('finds on a relist what changed while the watch was down, marked detectedAt and inferred within the outage', async () => {
    detector.onSync([w('gone', 'old'), w('kept', 'same'), w('grown', 'scaled', { replicas: 1 })], { initial: true });
    const outageSinceMs = clock.nowMs();
    clock.advance(60_000);
    detector.onSync(
      [w('kept', 'same'), w('grown', 'scaled', { replicas: 2, rv: '5' }), w('new', 'fresh', { created: '2023-02-28T13:59:00Z' })],
      { initial: false, outageSinceMs, lastError: 'watch: 410 Expired' },
    );
    await queue.idle();
    expect(summary().sort()).toEqual(['add fresh (detected)', 'delete old (detected)', 'update scaled (detected)']);
    const add = events.find((e) => e.eventType === 'add')!;
    expect(add.timestamp).toBe('2023-02-28T13:59:00.000000000Z');
    expect(add.detectedAt).toBe('2023-02-28T13:59:44.552788548Z');
    const del = events.find((e) => e.eventType === 'delete')!;
    expect(del.timestamp).toBe('2023-02-28T13:58:44.552788548Z');
    // Each was last seen when the list before the outage was taken (later than the outage's start, which has ms precision).
    const span = { start: '2023-02-28T13:58:44.552788548Z', end: '2023-02-28T13:59:44.552788548Z' };
    expect(events.every((e) => e.inferred === true)).toBe(true);
    expect(Object.fromEntries(events.map((e) => [e.eventType, e.span]))).toEqual({ add: { start: '2023-02-28T13:58:44.552000000Z', end: span.end }, update: span, delete: span });
    expect(trail().at(-1)).toBe('gap watch deployment changes=3');
  });

  it('emits nothing on a relist that matches what is known', async () => {
    detector.onSync([w('u1', 'a'), w('u2', 'b')], { initial: true });
    detector.onSync([w('u1', 'a'), w('u2', 'b')], { initial: false });
    await queue.idle();
    expect(events).toEqual([]);
  });

  it('ignores objects it cannot price, and tells about each', async () => {
    const problems: string[] = [];
    queue = new PricingQueue(collect, () => undefined);
    detector = new ChangeDetector({
      resourceType: 'deployment',
      cluster: 'c',
      clock,
      predictor: requests,
      overflowPredictor: requests,
      queue,
      onUnpriceable: (x) => problems.push(`${x.name}: ${x.problem ?? ''}`),
    });
    detector.onSync([], { initial: true });
    detector.onAdded({ ...w('u1', 'broken'), spec: undefined, problem: 'spec.template.spec.containers[0].resources.requests[cpu]: not a quantity' });
    await queue.idle();
    expect(events).toEqual([]);
    expect(problems).toEqual(['broken: spec.template.spec.containers[0].resources.requests[cpu]: not a quantity']);
  });

  it('publishes in the order changes were seen even when pricing finishes out of order', async () => {
    let n = 0;
    const resolvers: (() => void)[] = [];
    const slow: CostPredictor = {
      name: 'slow',
      predict: (spec) =>
        new Promise((resolve) => {
          const i = n++;
          resolvers[i] = () => void requests.predict(spec).then(resolve);
        }),
    };
    make(slow);
    detector.onSync([], { initial: true });
    detector.onAdded(w('u1', 'first'));
    detector.onAdded(w('u2', 'second'));
    resolvers[1]!();
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([]);
    resolvers[0]!();
    await queue.idle();
    expect(summary()).toEqual(['add first', 'add second']);
  });

  it('prices with the local predictor once the queue is full', async () => {
    const used: string[] = [];
    const never: CostPredictor = { name: 'kubecost', predict: (spec) => (used.push(`kubecost ${spec.name}`), new Promise(() => undefined)) };
    const local: CostPredictor = { name: 'requests', predict: (spec) => (used.push(`requests ${spec.name}`), requests.predict(spec)) };
    queue = new PricingQueue(collect, () => undefined, 1);
    detector = new ChangeDetector({ resourceType: 'deployment', cluster: 'c', clock, predictor: never, overflowPredictor: local, queue });
    detector.onSync([], { initial: true });
    detector.onAdded(w('u1', 'stuck'));
    detector.onAdded(w('u2', 'overflow'));
    await new Promise((r) => setImmediate(r));
    expect(used).toEqual(['kubecost stuck', 'requests overflow']);
  });
  it('remembers what it knows behind the events: the list, then each change after its event', async () => {
    detector.onSync([w('u1', 'a'), w('u2', 'b')], { initial: true });
    detector.onModified(w('u1', 'a', { rv: '2' }));
    detector.onModified(w('u1', 'a', { rv: '3', replicas: 2 }));
    detector.onDeleted(w('u2', 'b', { rv: '4' }));
    detector.onAdded(w('u3', 'c', { rv: '5' }));
    await queue.idle();
    expect(trail()).toEqual([
      'replace [u1,u2]',
      'update a key=update/u1/3 then put u1@3',
      'delete b key=delete/u2 then remove u2',
      'add c key=add/u3 then put u3@5',
    ]);
  });

  it('diffs the first list against the prior state, so changes made while the server was down are found', async () => {
    make(requests, 100, {
      workloads: [
        { uid: 'gone', name: 'old', namespace: 'kubecost', resourceVersion: '1', spec: w('gone', 'old').spec!, lastSeenNs: 1_677_592_000_000_000_000n },
        { uid: 'kept', name: 'same', namespace: 'kubecost', resourceVersion: '1', spec: w('kept', 'same').spec!, lastSeenNs: 1_677_592_000_000_000_000n },
      ],
      seenUntilNs: 1_677_592_500_000_000_000n,
    });
    detector.onSync([w('kept', 'same'), w('new', 'fresh', { rv: '8', created: '2023-02-28T13:40:00Z' })], { initial: true });
    await queue.idle();
    expect(trail()).toEqual(['add fresh key=add/new then put new@8', 'delete old key=delete/gone then remove gone', 'replace [kept,new]', 'gap restart deployment changes=2']);
    const [add, del] = events;
    // Inferred: found by the first list, somewhere between the previous run's last mark and now.
    const span = { start: '2023-02-28T13:55:00.000000000Z', end: '2023-02-28T13:58:44.552788548Z' };
    expect(add).toMatchObject({ timestamp: '2023-02-28T13:40:00.000000000Z', detectedAt: '2023-02-28T13:58:44.552788548Z', inferred: true, span });
    // Last seen: the previous run's last mark, later than the workload's own last event.
    expect(del).toMatchObject({ timestamp: '2023-02-28T13:55:00.000000000Z', detectedAt: '2023-02-28T13:58:44.552788548Z', monthlyCostDelta: -2.4045625000000004, inferred: true, span });
  });

  it('takes owners, source and containers from the first list for workloads the previous run remembered unchanged', async () => {
    const lastSeenNs = 1_677_592_000_000_000_000n;
    make(requests, 100, {
      workloads: [
        { uid: 'a', name: 'web', namespace: 'kubecost', resourceVersion: '4', spec: w('a', 'web').spec!, lastSeenNs },
        { uid: 'b', name: 'api', namespace: 'kubecost', resourceVersion: '7', spec: w('b', 'api').spec!, lastSeenNs },
      ],
      seenUntilNs: lastSeenNs,
    });
    const helm = { tool: 'helm', name: 'shop', namespace: 'kubecost' } as const;
    const owners = { ...NO_OWNERS, resources: { manager: 'kubectl-edit', operation: 'Update', time: '2023-02-28T13:58:00Z' } } as const;
    const podSpec = (cpu: string, image: string) => ({ containers: [{ name: 'app', image, resources: { requests: { cpu, memory: '32Mi' } } }] });
    const listed = (uid: string, name: string, rv: string, cpu = 0.1, image = 'shop/app:1.0'): TrackedWorkload => ({
      ...w(uid, name, { rv, cpu }),
      source: helm,
      owners,
      containers: summarizeContainers(podSpec(`${cpu * 1000}m`, image)),
    });
    detector.onSync([listed('a', 'web', '4'), listed('b', 'api', '7')], { initial: true });
    expect(detector.kept('a')?.source).toEqual(helm);
    // Deleted later: the delete says which tool owned it, as one watched since its creation would.
    detector.onDeleted(listed('a', 'web', '5'));
    // Resized later: described per container against the listed copy, the image as context.
    detector.onModified(listed('b', 'api', '8', 0.25, 'shop/app:1.1'));
    await queue.idle();
    const [del, update] = events;
    expect(del).toMatchObject({ eventType: 'delete', source: helm });
    expect(update).toMatchObject({ eventType: 'update', source: helm, changedBy: { manager: 'kubectl-edit' } });
    expect(update?.changes?.map((c) => [c.field, c.from, c.to])).toEqual([
      ['containers[app].requests.cpu', '100m', '250m'],
      ['containers[app].image', 'shop/app:1.0', 'shop/app:1.1'],
    ]);
  });

  it('with a prior state of no workloads, reports every workload of the first list as added', async () => {
    make(requests, 100, { workloads: [], seenUntilNs: 1n });
    detector.onSync([w('u1', 'a', { created: '2023-02-28T13:00:00Z' })], { initial: true });
    await queue.idle();
    expect(summary()).toEqual(['add a (detected)']);
  });

  it('marks its remembered state current when told, once it has listed', async () => {
    detector.markSeen();
    detector.onSync([w('u1', 'a')], { initial: true });
    clock.advance(60_000);
    detector.markSeen();
    await queue.idle();
    expect(trail()).toEqual(['replace [u1]', 'seen']);
    const seen = outputs[1] as { state: WorkloadStateChange };
    expect(seen.state).toEqual({ op: 'seen', cluster: 'cluster-one', resourceType: 'deployment', atNs: clock.nowNs() });
  });

  it('gives a change found on a relist the key of the same change seen live', async () => {
    detector.onSync([w('u1', 'a')], { initial: true });
    detector.onSync([w('u1', 'a', { rv: '9', replicas: 4 })], { initial: false });
    await queue.idle();
    expect((outputs[1] as { change: AuditChange }).change.key).toBe('update/u1/9');
  });
});
