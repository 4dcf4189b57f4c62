import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { buildSets } from '../../src/etl/build-sets.js';
import type { Allocation, DiskAsset, LoadBalancerAsset, NodeAsset } from '../../src/etl/sets.js';
import { nodePrices, sheetUnitPrices } from '../../src/etl/unit-prices.js';
import { syntheticPriceSheet, syntheticSnapshot } from '../support/etl-snapshot.js';
import { claim, container, GIB, HOUR, HOUR_10, loadBalancer, MIN, named, node, pod, snapshot, T10, volume } from '../support/etl-records.js';

const sheet = DEFAULT_PRICE_SHEET;
const CLOSE = 12; // digits: these are exact to far below a cent

// Hand-computed at the defaults (23.08 per core-month, 3.09 per GiB-month, 0.04 per GiB-month of
// storage, 0.95 per GPU-hour, 730-hour months):
//   a 4-core node for an hour: 4 × 23.08 / 730 = 0.126465753…; 16 GiB: 16 × 3.09 / 730 = 0.067726027…
//   1 core for half an hour: 0.015808219…; 2 GiB for half an hour: 3.09 / 730 = 0.004232876…
const NODE_CPU_HOUR = 0.12646575342465752;
const NODE_RAM_HOUR = 0.06772602739726027;

describe('unit prices', () => {
  it('divide the sheet as resourceCosts does, storage per byte-hour included', () => {
    const p = sheetUnitPrices(sheet);
    expect(p.cpu).toBe(0.031616438356164386);
    expect(p.ram).toBe(3.94217363775593e-12);
    expect(p.gpu).toBe(0.95);
    expect(p.storage * 730 * GIB).toBeCloseTo(0.04, 15);
    expect(p.loadBalancer).toBe(0.025);
  });

  it('scale the defaults so that a priced instance type costs its price, split by what each resource costs at the defaults', () => {
    const priced = { ...sheet, instanceTypes: { 'm5.xlarge': 0.2 } };
    const defaults = sheetUnitPrices(priced);
    const p = nodePrices({ cpuCores: 4, ramBytes: 16 * GIB, gpus: 0, instanceType: 'm5.xlarge' }, priced, defaults);
    // Default cost 0.194191780…/h; scale 0.2 / 0.194191780… = 1.029909706…
    expect(p.cpuHourly).toBeCloseTo(0.13024830699774267, CLOSE);
    expect(p.ramHourly).toBeCloseTo(0.06975169300225735, CLOSE);
    expect(p.cpuHourly + p.ramHourly + p.gpuHourly).toBeCloseTo(0.2, 15);
    expect(p.unit.cpu / defaults.cpu).toBeCloseTo(1.0299097065462754, CLOSE);
    expect(p.unit.ram / defaults.ram).toBeCloseTo(1.0299097065462754, CLOSE);
  });

  it('put a priced node without capacity wholly on CPU, its containers paying the defaults', () => {
    const priced = { ...sheet, instanceTypes: { virtual: 0.5 } };
    const defaults = sheetUnitPrices(priced);
    expect(nodePrices({ cpuCores: 0, ramBytes: 0, gpus: 0, instanceType: 'virtual' }, priced, defaults)).toEqual({ unit: defaults, cpuHourly: 0.5, ramHourly: 0, gpuHourly: 0 });
  });

  it('ignore an instance type the sheet does not price', () => {
    const defaults = sheetUnitPrices(sheet);
    const p = nodePrices({ cpuCores: 4, ramBytes: 16 * GIB, gpus: 0, instanceType: 'unknown' }, sheet, defaults);
    expect(p.unit).toBe(defaults);
    expect(p.cpuHourly).toBeCloseTo(NODE_CPU_HOUR, CLOSE);
  });
});

describe('buildSets: nodes and idle', () => {
  it('prices a 4-core/16Gi node for a full hour at the defaults; with no pods its idle is its whole cost', () => {
    const { allocations, assets } = buildSets(snapshot({ nodes: [node('n1', { instanceType: 'm5.xlarge', labels: { zone: 'a' } })] }), HOUR_10, sheet);
    const n = named(assets.assets, 'c1/Node/n1') as NodeAsset;
    expect(n).toMatchObject({
      type: 'Node',
      properties: { cluster: 'c1', category: 'Compute', service: 'Kubernetes', name: 'n1', providerID: 'aws:///eu-west-1a/i-n1' },
      labels: { zone: 'a' },
      nodeType: 'm5.xlarge',
      start: T10,
      end: T10 + HOUR,
      adjustment: 0,
      cpuCores: 4,
      ramBytes: 16 * GIB,
      gpuCount: 0,
      cpuCoreHours: 4,
      ramByteHours: 16 * GIB,
      gpuHours: 0,
      gpuCost: 0,
    });
    expect(n.cpuCost).toBeCloseTo(NODE_CPU_HOUR, CLOSE);
    expect(n.ramCost).toBeCloseTo(NODE_RAM_HOUR, CLOSE);
    expect(allocations.allocations.map((a) => a.name)).toEqual(['c1/n1/__idle__']);
    const idle = named(allocations.allocations, 'c1/n1/__idle__');
    expect(idle.properties).toEqual({ cluster: 'c1', node: 'n1', providerID: 'aws:///eu-west-1a/i-n1' });
    expect(idle.cpuCost).toBeCloseTo(NODE_CPU_HOUR, CLOSE);
    expect(idle.ramCost).toBeCloseTo(NODE_RAM_HOUR, CLOSE);
    expect(idle.cpuCoreHours).toBe(4);
    expect(idle.ramByteHours).toBe(16 * GIB);
    expect([idle.start, idle.end]).toEqual([T10, T10 + HOUR]);
  });

  it('charges a pod requesting 1 core and 2Gi from 10:15 to 10:45, and leaves the rest of the node idle', () => {
    const s = snapshot({
      nodes: [node('n1')],
      pods: [pod('web-1', { start: T10 + 15 * MIN, end: T10 + 45 * MIN, labels: { app: 'web', team: 'a' } })],
    });
    const { allocations } = buildSets(s, HOUR_10, sheet);
    const a = named(allocations.allocations, 'c1/n1/shop/web-1/app');
    expect(a.properties).toEqual({
      cluster: 'c1',
      node: 'n1',
      namespace: 'shop',
      controllerKind: 'deployment',
      controller: 'web',
      pod: 'web-1',
      container: 'app',
      labels: { app: 'web', team: 'a' },
      providerID: 'aws:///eu-west-1a/i-n1',
    });
    expect([a.start, a.end]).toEqual([T10 + 15 * MIN, T10 + 45 * MIN]);
    expect(a.cpuCoreHours).toBe(0.5);
    expect(a.ramByteHours).toBe(GIB);
    expect(a.cpuCoreRequestAverage).toBe(1);
    expect(a.ramByteRequestAverage).toBe(2 * GIB);
    expect(a.cpuCost).toBeCloseTo(0.01580821917808219, CLOSE);
    expect(a.ramCost).toBeCloseTo(0.004232876712328767, CLOSE);
    expect([a.gpuCost, a.pvCost, a.cpuCostAdjustment]).toEqual([0, 0, 0]);

    const idle = named(allocations.allocations, 'c1/n1/__idle__');
    expect(idle.cpuCost).toBeCloseTo(0.11065753424657533, CLOSE);
    expect(idle.ramCost).toBeCloseTo(0.06349315068493151, CLOSE);
    expect(idle.cpuCoreHours).toBe(3.5);
    expect(idle.ramByteHours).toBe(15 * GIB);
  });

  it('prices pods on an instance-typed node at its scaled unit prices, so pods + idle = the instance price', () => {
    const priced = { ...sheet, instanceTypes: { 'm5.xlarge': 0.2 } };
    const s = snapshot({ nodes: [node('n1', { instanceType: 'm5.xlarge' })], pods: [pod('web-1')] });
    const { allocations, assets } = buildSets(s, HOUR_10, priced);
    const n = named(assets.assets, 'c1/Node/n1') as NodeAsset;
    expect(n.cpuCost + n.ramCost).toBeCloseTo(0.2, 15);
    const a = named(allocations.allocations, 'c1/n1/shop/web-1/app');
    // 1 core for an hour at 0.031616438… × 1.029909706…; 2 GiB at 0.004232876… × 2 × 1.029909706…
    expect(a.cpuCost).toBeCloseTo(0.03256207674943567, CLOSE);
    expect(a.ramCost).toBeCloseTo(0.008718961625282169, CLOSE);
    const idle = named(allocations.allocations, 'c1/n1/__idle__');
    expect(a.cpuCost + a.ramCost + idle.cpuCost + idle.ramCost).toBeCloseTo(0.2, 15);
  });

  it('prices GPUs per GPU-hour and leaves unrequested GPUs idle', () => {
    const s = snapshot({
      nodes: [node('g1', { gpus: 2 })],
      pods: [pod('train-1', { node: 'g1', containers: [container('trainer', 1, GIB, 1)] })],
    });
    const { allocations, assets } = buildSets(s, HOUR_10, sheet);
    expect((named(assets.assets, 'c1/Node/g1') as NodeAsset).gpuCost).toBeCloseTo(1.9, CLOSE);
    const a = named(allocations.allocations, 'c1/g1/shop/train-1/trainer');
    expect([a.gpuHours, a.gpuRequestAverage, a.gpuCost]).toEqual([1, 1, 0.95]);
    const idle = named(allocations.allocations, 'c1/g1/__idle__');
    expect(idle.gpuHours).toBe(1);
    expect(idle.gpuCost).toBeCloseTo(0.95, CLOSE);
  });

  it('clamps idle at zero for a node its pods overcommit', () => {
    const s = snapshot({ nodes: [node('n1', { cpuCores: 1 })], pods: [pod('a'), pod('b')] });
    const idle = named(buildSets(s, HOUR_10, sheet).allocations.allocations, 'c1/n1/__idle__');
    expect(idle.cpuCost).toBe(0);
    expect(idle.cpuCoreHours).toBe(0);
    expect(idle.ramCost).toBeGreaterThan(0);
  });

  it('prices a pod on a node it cannot find at the defaults, with no provider id and no idle', () => {
    const s = snapshot({ nodes: [node('n1', { instanceType: 'x' })], pods: [pod('lost', { node: 'gone' })] });
    const { allocations } = buildSets(s, HOUR_10, { ...sheet, instanceTypes: { x: 10 } });
    const a = named(allocations.allocations, 'c1/gone/shop/lost/app');
    expect(a.properties.providerID).toBeUndefined();
    expect(a.cpuCost).toBeCloseTo(0.031616438356164386, CLOSE);
    expect(allocations.allocations.map((x) => x.name)).toEqual(['c1/gone/shop/lost/app', 'c1/n1/__idle__']);
    expect(named(allocations.allocations, 'c1/n1/__idle__').cpuCost + named(allocations.allocations, 'c1/n1/__idle__').ramCost).toBeCloseTo(10, CLOSE);
  });

  it('counts a node only for its time in the window: created at 10:30, half an hour of cost and idle', () => {
    const s = snapshot({ nodes: [node('n1', { start: T10 + 30 * MIN })] });
    const { allocations, assets } = buildSets(s, HOUR_10, sheet);
    const n = named(assets.assets, 'c1/Node/n1') as NodeAsset;
    expect([n.start, n.end, n.cpuCoreHours]).toEqual([T10 + 30 * MIN, T10 + HOUR, 2]);
    expect(n.cpuCost).toBeCloseTo(NODE_CPU_HOUR / 2, CLOSE);
    expect(named(allocations.allocations, 'c1/n1/__idle__').start).toBe(T10 + 30 * MIN);
  });

  it('sums a node name seen twice in the window (deleted and recreated) into one asset', () => {
    const s = snapshot({ nodes: [node('n1', { end: T10 + 20 * MIN }), node('n1', { uid: 'second', start: T10 + 40 * MIN, cpuCores: 8 })] });
    const n = named(buildSets(s, HOUR_10, sheet).assets.assets, 'c1/Node/n1') as NodeAsset;
    expect([n.start, n.end]).toEqual([T10, T10 + HOUR]);
    expect(n.cpuCoreHours).toBeCloseTo(4 / 3 + 8 / 3, CLOSE);
    expect(n.cpuCores).toBe(8);
  });
});

describe('buildSets: window clipping', () => {
  const s = snapshot({
    nodes: [node('n1')],
    pods: [
      pod('always'),
      pod('ended-before', { start: T10 - 2 * HOUR, end: T10 - MIN }),
      pod('ended-at-start', { start: T10 - HOUR, end: T10 }),
      pod('starts-after', { start: T10 + HOUR }),
      pod('ends-after', { start: T10 + 50 * MIN, end: T10 + 2 * HOUR }),
    ],
  });
  const { allocations } = buildSets(s, HOUR_10, sheet);

  it('clips running time to the window and skips pods with no time in it', () => {
    expect(allocations.allocations.map((a) => a.name)).toEqual(['c1/n1/__idle__', 'c1/n1/shop/always/app', 'c1/n1/shop/ends-after/app']);
    const always = named(allocations.allocations, 'c1/n1/shop/always/app');
    expect([always.start, always.end, always.cpuCoreHours]).toEqual([T10, T10 + HOUR, 1]);
    const late = named(allocations.allocations, 'c1/n1/shop/ends-after/app');
    expect([late.start, late.end]).toEqual([T10 + 50 * MIN, T10 + HOUR]);
    expect(late.cpuCoreHours).toBeCloseTo(1 / 6, CLOSE);
  });

  it('keys allocations cluster/node/namespace/pod/container, sorted by name, in the window and cluster given', () => {
    expect(allocations.cluster).toBe('c1');
    expect(allocations.window).toBe(HOUR_10);
    const names = allocations.allocations.map((a) => a.name);
    expect(names).toEqual([...names].sort());
  });
});

describe('buildSets: persistent volumes', () => {
  const base = { nodes: [node('n1')], claims: [claim('data', { volumeName: 'pv-1' })], volumes: [volume('pv-1', { bytes: 20 * GIB, claim: { namespace: 'shop', name: 'data' }, providerId: 'vol-1', labels: { tier: 'ssd' } })] };

  it('charges the bound volume’s size for the pod’s time, split evenly across its containers', () => {
    const s = snapshot({ ...base, pods: [pod('db-0', { claims: ['data'], containers: [container('db', 1, GIB), container('backup', 0.1, GIB)] })] });
    const { allocations } = buildSets(s, HOUR_10, sheet);
    for (const c of ['db', 'backup']) {
      const a = named(allocations.allocations, `c1/n1/shop/db-0/${c}`);
      expect(a.pvByteHours).toBe(10 * GIB);
      // 10 GiB-hours × 0.04 / 730 per GiB-hour
      expect(a.pvCost).toBeCloseTo(0.000547945205479452, CLOSE);
      expect(a.pvs).toEqual({ 'pv-1': { byteHours: 10 * GIB, cost: a.pvCost } });
    }
  });

  it('splits a claim evenly among the pods mounting it at each moment', () => {
    // a mounts it all hour; b from 10:00 to 10:30: the first half hour is shared, the second is a's.
    const s = snapshot({
      ...base,
      pods: [
        pod('a', { claims: ['data'], containers: [container('app', 1, GIB), container('side', 1, GIB)] }),
        pod('b', { claims: ['data', 'data'], end: T10 + 30 * MIN }),
      ],
    });
    const all = buildSets(s, HOUR_10, sheet).allocations.allocations;
    const a1 = named(all, 'c1/n1/shop/a/app');
    const a2 = named(all, 'c1/n1/shop/a/side');
    const b = named(all, 'c1/n1/shop/b/app');
    // a: 20 GiB × (0.5 h / 2 + 0.5 h) = 15 GiB-h over two containers; b: 20 GiB × 0.5 h / 2 = 5 GiB-h.
    expect(a1.pvByteHours).toBe(7.5 * GIB);
    expect(a2.pvByteHours).toBe(7.5 * GIB);
    expect(b.pvByteHours).toBe(5 * GIB);
    expect(a1.pvCost).toBeCloseTo(0.00041095890410958907, CLOSE);
    expect(b.pvCost).toBeCloseTo(0.000273972602739726, CLOSE);
    expect(b.pvs).toEqual({ 'pv-1': { byteHours: 5 * GIB, cost: b.pvCost } });
  });

  it('uses the claim’s own size when it is unbound, and finds claims only in the pod’s namespace', () => {
    const s = snapshot({
      nodes: [node('n1')],
      claims: [claim('scratch', { bytes: 5 * GIB }), claim('data', { namespace: 'other' })],
      pods: [pod('p', { claims: ['scratch', 'data'] })],
    });
    const p = named(buildSets(s, HOUR_10, sheet).allocations.allocations, 'c1/n1/shop/p/app');
    expect(p.pvByteHours).toBe(5 * GIB);
    // No volume to name: the share is in pvByteHours and pvCost only.
    expect(p.pvs).toBeUndefined();
  });

  it('makes a Disk asset of each volume in the window', () => {
    const d = named(buildSets(snapshot(base), HOUR_10, sheet).assets.assets, 'c1/Disk/pv-1') as DiskAsset;
    expect(d).toMatchObject({
      type: 'Disk',
      properties: { cluster: 'c1', category: 'Storage', service: 'Kubernetes', name: 'pv-1', providerID: 'vol-1' },
      labels: { tier: 'ssd' },
      start: T10,
      end: T10 + HOUR,
      adjustment: 0,
      bytes: 20 * GIB,
      byteHours: 20 * GIB,
      storageClass: 'gp3',
      volumeName: 'pv-1',
      claimName: 'data',
      claimNamespace: 'shop',
    });
    expect(d.cost).toBeCloseTo(0.001095890410958904, CLOSE);
  });
});

describe('buildSets: load balancers', () => {
  it('prices each LoadBalancer service flat per hour for its time in the window', () => {
    const s = snapshot({ loadBalancers: [loadBalancer('ingress', { start: T10 + 30 * MIN }), loadBalancer('pending', { ingress: undefined, end: T10 - MIN })] });
    const { assets } = buildSets(s, HOUR_10, sheet);
    expect(assets.assets.map((a) => a.name)).toEqual(['c1/LoadBalancer/shop/ingress']);
    const lb = assets.assets[0] as LoadBalancerAsset;
    expect(lb).toMatchObject({
      type: 'LoadBalancer',
      properties: { cluster: 'c1', category: 'Network', service: 'Kubernetes', name: 'ingress', namespace: 'shop' },
      labels: { app: 'ingress' },
      start: T10 + 30 * MIN,
      end: T10 + HOUR,
      ip: '203.0.113.7',
      adjustment: 0,
    });
    expect(lb.cost).toBeCloseTo(0.0125, CLOSE);
  });
});

describe('buildSets: records seen twice', () => {
  it('sums a pod recreated under its name on the same node into one allocation', () => {
    const s = snapshot({ nodes: [node('n1')], pods: [pod('web-0', { end: T10 + 10 * MIN }), pod('web-0', { uid: 'new', start: T10 + 30 * MIN })] });
    const a = named(buildSets(s, HOUR_10, sheet).allocations.allocations, 'c1/n1/shop/web-0/app');
    expect([a.start, a.end]).toEqual([T10, T10 + HOUR]);
    expect(a.cpuCoreHours).toBeCloseTo(2 / 3, CLOSE);
    // 40 of the 60 minutes at 1 core
    expect(a.cpuCoreRequestAverage).toBeCloseTo(2 / 3, CLOSE);
  });
});

describe('buildSets on a synthetic cluster', () => {
  const window = HOUR_10;
  const snap = syntheticSnapshot({ nodes: 40, pods: 1500, window, seed: 7 });
  const { allocations, assets } = buildSets(snap, window, syntheticPriceSheet());

  it('charges every node exactly once: its containers and its idle add up to its cost where idle is not clamped', () => {
    const byNode = new Map<string, Allocation[]>();
    for (const a of allocations.allocations) {
      const list = byNode.get(a.properties.node ?? '') ?? [];
      list.push(a);
      byNode.set(a.properties.node ?? '', list);
    }
    let checked = 0;
    for (const asset of assets.assets) {
      if (asset.type !== 'Node') continue;
      const list = byNode.get(asset.properties.name ?? '') ?? [];
      const idle = list.find((a) => a.name.endsWith('/__idle__'));
      expect(idle).toBeDefined();
      if (idle === undefined || idle.cpuCost === 0 || idle.ramCost === 0) continue;
      const sum = (f: (a: Allocation) => number): number => list.reduce((s, a) => s + f(a), 0);
      expect(sum((a) => a.cpuCost)).toBeCloseTo(asset.cpuCost, 9);
      expect(sum((a) => a.ramCost)).toBeCloseTo(asset.ramCost, 9);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('is deterministic for a seed', () => {
    const again = buildSets(syntheticSnapshot({ nodes: 40, pods: 1500, window, seed: 7 }), window, syntheticPriceSheet());
    expect(again.allocations).toEqual(allocations);
  });

  it('names every record once', () => {
    expect(new Set(allocations.allocations.map((a) => a.name)).size).toBe(allocations.allocations.length);
    expect(new Set(assets.assets.map((a) => a.name)).size).toBe(assets.assets.length);
  });
});
