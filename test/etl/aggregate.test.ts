import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import {
  accumulateAllocationSets,
  accumulateAssetSets,
  aggregateAllocations,
  aggregateAssets,
  AllocationSetAccumulator,
  AssetSetAccumulator,
  parseAllocationAggregate,
  parseAssetAggregate,
} from '../../src/etl/aggregate.js';
import { buildSets } from '../../src/etl/build-sets.js';
import type { AllocationSet, AssetSet, NodeAsset } from '../../src/etl/sets.js';
import { allocation, allocationSet, claim, container, GIB, HOUR, HOUR_10, HOUR_11, loadBalancer, MIN, named, node, pod, snapshot, T10, volume } from '../support/etl-records.js';

const CLOSE = 12;

describe('parseAllocationAggregate', () => {
  it('takes a comma list of properties and labels, as Kubecost accepts it', () => {
    expect(parseAllocationAggregate('namespace,label:app')).toEqual({ ok: true, by: ['namespace', 'label:app'] });
    expect(parseAllocationAggregate('cluster, node ,controllerKind,controller,pod,container')).toEqual({
      ok: true,
      by: ['cluster', 'node', 'controllerKind', 'controller', 'pod', 'container'],
    });
  });

  it('reads names case-insensitively, keeps label names as written and drops repeats', () => {
    expect(parseAllocationAggregate('Namespace,CONTROLLERKIND,label:App.Kubernetes.io/Name,namespace')).toEqual({
      ok: true,
      by: ['namespace', 'controllerKind', 'label:App.Kubernetes.io/Name'],
    });
  });

  it('refuses what it does not know, naming what it accepts', () => {
    for (const raw of ['deployment', 'namespace,', '', 'label:', 'namespace,,pod']) {
      const r = parseAllocationAggregate(raw);
      expect(r.ok).toBe(false);
    }
    expect(parseAllocationAggregate('namespace,team')).toEqual({ ok: false, reason: '"team" is not a property' });
    expect(parseAllocationAggregate('namespace,,pod')).toEqual({ ok: false, reason: 'an entry is empty' });
    expect(parseAllocationAggregate('label:')).toEqual({ ok: false, reason: 'label: needs a label name' });
  });
});

describe('parseAssetAggregate', () => {
  it('takes cluster, type, category, name, providerID and labels', () => {
    expect(parseAssetAggregate('type,category,label:team')).toEqual({ ok: true, by: ['type', 'category', 'label:team'] });
    expect(parseAssetAggregate('providerid,NAME,cluster')).toEqual({ ok: true, by: ['providerID', 'name', 'cluster'] });
  });

  it('refuses allocation properties', () => {
    expect(parseAssetAggregate('namespace')).toEqual({ ok: false, reason: '"namespace" is not a property' });
  });
});

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

function sampleAssets(): AssetSet {
  const s = snapshot({
    nodes: [node('n1', { labels: { team: 'a', pool: 'x' } }), node('n2', { labels: { team: 'b', pool: 'x' }, gpus: 1 })],
    volumes: [volume('pv-1', { labels: { team: 'a' } })],
    claims: [claim('data', { volumeName: 'pv-1' })],
    loadBalancers: [loadBalancer('ingress', { labels: {} })],
  });
  return buildSets(s, HOUR_10, DEFAULT_PRICE_SHEET).assets;
}

describe('aggregateAssets', () => {
  const set = sampleAssets();

  it('groups by type with costs summed per kind of resource', () => {
    const agg = aggregateAssets(set, ['type']);
    expect(agg.assets.map((a) => [a.name, a.type, a.count])).toEqual([
      ['Disk', 'Disk', 1],
      ['LoadBalancer', 'LoadBalancer', 1],
      ['Node', 'Node', 2],
    ]);
    const nodes = named(agg.assets, 'Node');
    expect(nodes.cpuCost).toBeCloseTo(2 * 0.12646575342465752, CLOSE);
    expect(nodes.gpuCost).toBeCloseTo(0.95, CLOSE);
    expect(nodes.totalCost).toBeCloseTo(nodes.cpuCost + nodes.ramCost + nodes.gpuCost, CLOSE);
    expect(nodes.labels).toEqual({ pool: 'x' });
    expect(nodes.properties).toEqual({ cluster: 'c1', category: 'Compute', service: 'Kubernetes' });
    expect(named(agg.assets, 'LoadBalancer').loadBalancerCost).toBeCloseTo(0.025, CLOSE);
  });

  it('makes a group of mixed types an Any, keyed as OpenCost keys labels (name=value, __undefined__)', () => {
    const agg = aggregateAssets(set, ['label:team']);
    expect(agg.assets.map((a) => [a.name, a.type, a.count])).toEqual([
      ['__undefined__', 'LoadBalancer', 1],
      ['team=a', 'Any', 2],
      ['team=b', 'Node', 1],
    ]);
    const a = named(agg.assets, 'team=a');
    expect(a.diskCost).toBeGreaterThan(0);
    expect(a.totalCost).toBeCloseTo(a.cpuCost + a.ramCost + a.diskCost, CLOSE);
    expect(a.properties).toEqual({ cluster: 'c1', service: 'Kubernetes' });
  });

  it('groups by cluster, category, name and providerID, and joins keys with /', () => {
    expect(aggregateAssets(set, ['cluster']).assets.map((a) => a.name)).toEqual(['c1']);
    expect(aggregateAssets(set, ['category']).assets.map((a) => a.name)).toEqual(['Compute', 'Network', 'Storage']);
    expect(aggregateAssets(set, ['name']).assets.map((a) => a.name)).toEqual(['ingress', 'n1', 'n2', 'pv-1']);
    expect(aggregateAssets(set, ['providerID']).assets.map((a) => a.name)).toEqual(['__undefined__', 'aws:///eu-west-1a/i-n1', 'aws:///eu-west-1a/i-n2']);
    expect(aggregateAssets(set, ['cluster', 'type']).assets.map((a) => a.name)).toEqual(['c1/Disk', 'c1/LoadBalancer', 'c1/Node']);
  });

  it('sums adjustments into the total', () => {
    const adjusted: AssetSet = { ...set, assets: set.assets.map((a) => ({ ...a, adjustment: 1 })) };
    const all = aggregateAssets(adjusted, ['cluster']).assets[0];
    expect(all?.adjustment).toBe(4);
    expect(all?.totalCost).toBeCloseTo(aggregateAssets(set, ['cluster']).assets[0]!.totalCost + 4, CLOSE);
  });

  it('changes nothing of the set it is given', () => {
    const before = structuredClone(set);
    aggregateAssets(set, ['type']);
    expect(set).toEqual(before);
  });
});

describe('accumulation', () => {
  const s = snapshot({
    nodes: [node('n1')],
    pods: [pod('web-1', { end: T10 + 90 * MIN }), pod('late', { start: T10 + 70 * MIN })],
  });
  const h10 = buildSets(s, HOUR_10, DEFAULT_PRICE_SHEET);
  const h11 = buildSets(s, HOUR_11, DEFAULT_PRICE_SHEET);
  const twoHours = { start: HOUR_10.start, end: HOUR_11.end };

  it('merges two hourly sets by name into one over the window', () => {
    const acc = accumulateAllocationSets([h10.allocations, h11.allocations], twoHours);
    expect(acc.window).toEqual(twoHours);
    expect(acc.cluster).toBe('c1');
    expect(acc.allocations.map((a) => a.name)).toEqual(['c1/n1/__idle__', 'c1/n1/shop/late/app', 'c1/n1/shop/web-1/app']);
    const web = named(acc.allocations, 'c1/n1/shop/web-1/app');
    expect([web.start, web.end]).toEqual([T10, T10 + 90 * MIN]);
    expect(web.cpuCoreHours).toBe(1.5);
    expect(web.cpuCost).toBeCloseTo(1.5 * 0.031616438356164386, CLOSE);
    expect(web.cpuCoreRequestAverage).toBeCloseTo(1, CLOSE);
    const late = named(acc.allocations, 'c1/n1/shop/late/app');
    expect([late.start, late.end, late.cpuCoreHours]).toEqual([T10 + 70 * MIN, T10 + 2 * HOUR, 50 / 60]);
    const idle = named(acc.allocations, 'c1/n1/__idle__');
    expect(idle.cpuCoreHours).toBeCloseTo(8 - 1.5 - 50 / 60, CLOSE);
  });

  it('weights request averages by running time over the merged span', () => {
    // 2 cores for 10:00–11:00, then 1 core for 11:00–11:30: 2.5 core-hours over 90 minutes.
    const a = allocationSet([allocation('x', { cpuCoreHours: 2, cpuCoreRequestAverage: 2 })]);
    const b = allocationSet([allocation('x', { start: HOUR_11.start, end: HOUR_11.start + 30 * MIN, cpuCoreHours: 0.5, cpuCoreRequestAverage: 1 })], HOUR_11);
    const x = accumulateAllocationSets([a, b], twoHours).allocations[0];
    expect(x?.cpuCoreRequestAverage).toBeCloseTo(2.5 / 1.5, CLOSE);
  });

  it('merges asset sets: hours and costs summed, capacity averaged over the span', () => {
    const acc = accumulateAssetSets([h10.assets, h11.assets], twoHours);
    const n = named(acc.assets, 'c1/Node/n1') as NodeAsset;
    expect([n.start, n.end, n.cpuCoreHours, n.cpuCores]).toEqual([T10, T10 + 2 * HOUR, 8, 4]);
    expect(n.cpuCost).toBeCloseTo(2 * 0.12646575342465752, CLOSE);
  });

  it('streams: adding sets one at a time gives the same as accumulating them at once, and changes neither input', () => {
    const before = structuredClone([h10, h11]);
    const acc = new AllocationSetAccumulator(twoHours);
    acc.add(h10.allocations);
    acc.add(h11.allocations);
    expect(acc.result()).toEqual(accumulateAllocationSets([h10.allocations, h11.allocations], twoHours));
    const assets = new AssetSetAccumulator(twoHours);
    assets.add(h10.assets);
    assets.add(h11.assets);
    expect(assets.result()).toEqual(accumulateAssetSets([h10.assets, h11.assets], twoHours));
    expect([h10, h11]).toEqual(before);
  });

  it('folds an accumulated set again (the daily roll-up adds one hour at a time)', () => {
    const once = accumulateAllocationSets([h10.allocations, h11.allocations], twoHours);
    const stepwise = accumulateAllocationSets([accumulateAllocationSets([h10.allocations], twoHours), h11.allocations], twoHours);
    expect(stepwise).toEqual(once);
  });

  it('keeps a reconciliation stamp only when every set carries one from the same export', () => {
    const stamp = (source: string, at: number) => ({ source, at });
    const a = { ...h10.allocations, reconciled: stamp('x', 1) };
    const b = { ...h11.allocations, reconciled: stamp('x', 5) };
    expect(accumulateAllocationSets([a, b], twoHours).reconciled).toEqual(stamp('x', 5));
    expect(accumulateAllocationSets([a, h11.allocations], twoHours).reconciled).toBeUndefined();
    expect(accumulateAllocationSets([a, { ...b, reconciled: stamp('y', 5) }], twoHours).reconciled).toBeUndefined();
  });

  it('names the clusters of sets from several, and none for no set', () => {
    const other = { ...h11.allocations, cluster: 'c0' };
    expect(accumulateAllocationSets([h10.allocations, other], twoHours).cluster).toBe('c0,c1');
    expect(accumulateAllocationSets([], twoHours)).toEqual({ cluster: '', window: twoHours, allocations: [] });
    expect(accumulateAssetSets([], twoHours)).toEqual({ cluster: '', window: twoHours, assets: [] });
  });
});
