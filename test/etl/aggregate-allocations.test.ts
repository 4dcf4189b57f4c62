import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { aggregateAllocations } from '../../src/etl/aggregate-allocations.js';
import { buildSets } from '../../src/etl/build-sets.js';
import type { AllocationSet } from '../../src/etl/sets.js';
import { allocation, allocationSet, container, GIB, HOUR, HOUR_10, MIN, named, node, pod, snapshot, T10 } from '../support/etl-records.js';

const CLOSE = 12;

/** Two nodes, three namespaces, controllers of two kinds and a bare pod, labels shared in part. */
function sample(): AllocationSet {
  const s = snapshot({
    nodes: [node('n1'), node('n2')],
    pods: [
      pod('web-1', { labels: { app: 'web', team: 'a', 'app.kubernetes.io/name': 'shop-web' }, containers: [container('app', 1, 2 * GIB), container('proxy', 0.5, GIB)] }),
      pod('web-2', { node: 'n2', labels: { app: 'web', team: 'a', 'app.kubernetes.io/name': 'shop-web' }, start: T10 + 30 * MIN }),
      pod('db-0', { controllerKind: 'statefulset', controller: 'db', labels: { app: 'db', team: 'b' }, containers: [container('db', 2, 4 * GIB)] }),
      pod('debug', { namespace: 'ops', controllerKind: undefined, controller: undefined, labels: { app: 'debug' }, node: 'n2' }),
      pod('job-x', { namespace: 'batch', controllerKind: 'job', controller: 'nightly', labels: {}, node: 'n2', end: T10 + 15 * MIN }),
    ],
  });
  return buildSets(s, HOUR_10, DEFAULT_PRICE_SHEET).allocations;
}

describe('aggregateAllocations', () => {
  const set = sample();
  const total = (s: AllocationSet, f: (a: AllocationSet['allocations'][number]) => number): number => s.allocations.reduce((n, a) => n + f(a), 0);

  it('groups by namespace: amounts and costs summed, every idle in one __idle__', () => {
    const agg = aggregateAllocations(set, ['namespace']);
    expect(agg.allocations.map((a) => a.name)).toEqual(['__idle__', 'batch', 'ops', 'shop']);
    const shop = named(agg.allocations, 'shop');
    // web-1: 1.5 cores × 1 h, web-2: 1 core × 0.5 h, db-0: 2 cores × 1 h
    expect(shop.cpuCoreHours).toBe(4);
    expect(shop.cpuCost).toBeCloseTo(4 * 0.031616438356164386, CLOSE);
    expect(total(agg, (a) => a.cpuCost + a.ramCost)).toBeCloseTo(total(set, (a) => a.cpuCost + a.ramCost), CLOSE);
    const idle = named(agg.allocations, '__idle__');
    expect(idle.properties).toEqual({ cluster: 'c1' });
    expect(idle.cpuCoreHours).toBe(8 - 4 - 1 - 0.25);
  });

  it('recomputes request averages over the aggregate’s minutes, and keeps start and end of the span', () => {
    const shop = named(aggregateAllocations(set, ['namespace']).allocations, 'shop');
    expect([shop.start, shop.end]).toEqual([T10, T10 + HOUR]);
    // 4 core-hours over 60 minutes: 4 cores on average.
    expect(shop.cpuCoreRequestAverage).toBeCloseTo(4, CLOSE);
    expect(shop.ramByteRequestAverage).toBeCloseTo((2 + 1 + 2 * 0.5 + 4) * GIB, 3);
    const batch = named(aggregateAllocations(set, ['namespace']).allocations, 'batch');
    expect([batch.start, batch.end, batch.cpuCoreRequestAverage]).toEqual([T10, T10 + 15 * MIN, 1]);
  });

  it('keeps the properties and labels all members share', () => {
    const shop = named(aggregateAllocations(set, ['namespace']).allocations, 'shop');
    expect(shop.properties).toEqual({ cluster: 'c1', namespace: 'shop', labels: {} });
    const web = named(aggregateAllocations(set, ['label:app']).allocations, 'web');
    expect(web.properties).toEqual({
      cluster: 'c1',
      namespace: 'shop',
      controllerKind: 'deployment',
      controller: 'web',
      labels: { app: 'web', team: 'a', 'app.kubernetes.io/name': 'shop-web' },
    });
  });

  it('keys controllers kind:name as OpenCost does, and a bare pod __unallocated__', () => {
    expect(aggregateAllocations(set, ['controller']).allocations.map((a) => a.name)).toEqual([
      '__idle__',
      '__unallocated__',
      'deployment:web',
      'job:nightly',
      'statefulset:db',
    ]);
    expect(aggregateAllocations(set, ['controllerKind']).allocations.map((a) => a.name)).toEqual(['__idle__', '__unallocated__', 'deployment', 'job', 'statefulset']);
  });

  it('groups by label with __unallocated__ for members without it, and finds a label by its Prometheus-sanitised name', () => {
    expect(aggregateAllocations(set, ['label:team']).allocations.map((a) => a.name)).toEqual(['__idle__', '__unallocated__', 'a', 'b']);
    expect(aggregateAllocations(set, ['label:app_kubernetes_io_name']).allocations.map((a) => a.name)).toEqual(['__idle__', '__unallocated__', 'shop-web']);
    expect(aggregateAllocations(set, ['label:app.kubernetes.io/name']).allocations.map((a) => a.name)).toEqual(['__idle__', '__unallocated__', 'shop-web']);
    // An own property only: a label named like an Object.prototype member is simply absent.
    expect(aggregateAllocations(set, ['label:constructor']).allocations.map((a) => a.name)).toEqual(['__idle__', '__unallocated__']);
  });

  it('joins several keys with / in the order given', () => {
    expect(aggregateAllocations(set, ['namespace', 'label:team']).allocations.map((a) => a.name)).toEqual([
      '__idle__',
      'batch/__unallocated__',
      'ops/__unallocated__',
      'shop/a',
      'shop/b',
    ]);
    expect(aggregateAllocations(set, ['cluster', 'node']).allocations.map((a) => a.name)).toEqual(['__idle__', 'c1/n1', 'c1/n2']);
  });

  it('groups by cluster, node, pod and container', () => {
    expect(aggregateAllocations(set, ['cluster']).allocations.map((a) => a.name)).toEqual(['__idle__', 'c1']);
    expect(aggregateAllocations(set, ['node']).allocations.map((a) => a.name)).toEqual(['__idle__', 'n1', 'n2']);
    expect(aggregateAllocations(set, ['pod']).allocations.map((a) => a.name)).toEqual(['__idle__', 'db-0', 'debug', 'job-x', 'web-1', 'web-2']);
    expect(aggregateAllocations(set, ['container']).allocations.map((a) => a.name)).toEqual(['__idle__', 'app', 'db', 'proxy']);
  });

  it('keeps idle apart per cluster or per node when asked (Kubecost’s splitIdle, idleByNode)', () => {
    expect(aggregateAllocations(set, ['namespace'], { splitIdle: true }).allocations.map((a) => a.name)).toEqual(['batch', 'c1/__idle__', 'ops', 'shop']);
    expect(aggregateAllocations(set, ['namespace'], { splitIdle: true, idleByNode: true }).allocations.map((a) => a.name)).toEqual([
      'batch',
      'c1/n1/__idle__',
      'c1/n2/__idle__',
      'ops',
      'shop',
    ]);
  });

  it('sums each volume’s share', () => {
    const withPvs = allocationSet([
      allocation('a', { properties: { namespace: 'x' }, pvByteHours: 3, pvCost: 0.3, pvs: { 'pv-1': { byteHours: 1, cost: 0.1 }, 'pv-2': { byteHours: 2, cost: 0.2 } } }),
      allocation('b', { properties: { namespace: 'x' }, pvByteHours: 4, pvCost: 0.4, pvs: { 'pv-1': { byteHours: 4, cost: 0.4 } } }),
      allocation('c', { properties: { namespace: 'x' } }),
    ]);
    const before = structuredClone(withPvs);
    const x = aggregateAllocations(withPvs, ['namespace']).allocations[0];
    expect(x?.pvs).toEqual({ 'pv-1': { byteHours: 5, cost: 0.5 }, 'pv-2': { byteHours: 2, cost: 0.2 } });
    expect(withPvs).toEqual(before);
  });

  it('changes nothing of the set it is given', () => {
    const before = structuredClone(set);
    aggregateAllocations(set, ['namespace']);
    aggregateAllocations(set, ['label:app']);
    expect(set).toEqual(before);
  });

  it('aggregates an empty set to an empty set', () => {
    expect(aggregateAllocations(allocationSet([]), ['namespace']).allocations).toEqual([]);
  });
});
