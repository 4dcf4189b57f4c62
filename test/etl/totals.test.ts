import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { buildSets } from '../../src/etl/build-sets.js';
import { emptyTotals, totalAllocations, totalAssets } from '../../src/etl/totals.js';
import { allocation, allocationSet, claim, GIB, HOUR_10, loadBalancer, node, pod, snapshot, volume } from '../support/etl-records.js';

const CLOSE = 12;
const CPU_HOUR = 0.031616438356164386;
const NODE_CPU_HOUR = 0.12646575342465752;
const NODE_RAM_HOUR = 0.06772602739726027;

const sets = buildSets(
  snapshot({
    nodes: [node('n1'), node('n2')],
    pods: [pod('a'), pod('b', { node: 'n2' }), pod('c', { node: 'n2', claims: ['data'] })],
    claims: [claim('data', { volumeName: 'pv-1' })],
    volumes: [volume('pv-1')],
    loadBalancers: [loadBalancer('ingress')],
  }),
  HOUR_10,
  DEFAULT_PRICE_SHEET,
);

describe('totalAllocations', () => {
  const t = totalAllocations(sets.allocations);

  it('sums allocations per cluster and per cluster/node, leaving idle out', () => {
    expect(Object.keys(t.byCluster)).toEqual(['c1']);
    expect(Object.keys(t.byNode).sort()).toEqual(['c1/n1', 'c1/n2']);
    const c1 = t.byCluster['c1']!;
    expect(c1.count).toBe(3);
    expect(c1.cpuCoreHours).toBe(3);
    expect(c1.ramByteHours).toBe(6 * GIB);
    expect(c1.cpuCost).toBeCloseTo(3 * CPU_HOUR, CLOSE);
    // pod c's 10 GiB for an hour: 10 × 0.04 / 730
    expect(c1.pvCost).toBeCloseTo(0.000547945205479452, CLOSE);
    expect(c1.totalCost).toBeCloseTo(c1.cpuCost + c1.ramCost + c1.pvCost, CLOSE);
    expect(t.byNode['c1/n2']?.count).toBe(2);
    expect(t.byNode['c1/n1']?.cpuCost).toBeCloseTo(CPU_HOUR, CLOSE);
    expect(t.window).toBe(HOUR_10);
  });

  it('counts adjustments in the adjustment and the total', () => {
    const adjusted = allocationSet([allocation('x', { properties: { cluster: 'c1', node: 'n1' }, cpuCost: 1, cpuCostAdjustment: -0.25, ramCostAdjustment: 0.5, pvCostAdjustment: 0.125 })]);
    const c1 = totalAllocations(adjusted).byCluster['c1']!;
    expect(c1.adjustment).toBe(0.375);
    expect(c1.totalCost).toBe(1.375);
  });

  it('files an allocation without a cluster under the set’s, and one without a node under its cluster only', () => {
    const t2 = totalAllocations(allocationSet([allocation('agg', { cpuCost: 2 })]));
    expect(t2.byCluster['c1']?.cpuCost).toBe(2);
    expect(t2.byNode).toEqual({});
  });

  it('is empty for an empty set', () => {
    expect(totalAllocations(allocationSet([]))).toEqual({ window: HOUR_10, byCluster: {}, byNode: {} });
  });
});

describe('totalAssets', () => {
  const t = totalAssets(sets.assets);

  it('sums nodes per cluster and per node; disks and load balancers per cluster only', () => {
    const c1 = t.byCluster['c1']!;
    expect(c1.count).toBe(4);
    expect(c1.cpuCoreHours).toBe(8);
    expect(c1.cpuCost).toBeCloseTo(2 * NODE_CPU_HOUR, CLOSE);
    expect(c1.ramCost).toBeCloseTo(2 * NODE_RAM_HOUR, CLOSE);
    expect(c1.pvCost).toBeCloseTo(0.000547945205479452, CLOSE);
    expect(c1.loadBalancerCost).toBeCloseTo(0.025, CLOSE);
    expect(c1.totalCost).toBeCloseTo(2 * (NODE_CPU_HOUR + NODE_RAM_HOUR) + 0.000547945205479452 + 0.025, CLOSE);
    expect(Object.keys(t.byNode).sort()).toEqual(['c1/n1', 'c1/n2']);
    expect(t.byNode['c1/n1']).toEqual({ ...emptyTotals(), count: 1, cpuCoreHours: 4, ramByteHours: 16 * GIB, cpuCost: t.byNode['c1/n1']!.cpuCost, ramCost: t.byNode['c1/n1']!.ramCost, totalCost: t.byNode['c1/n1']!.totalCost });
    expect(t.byNode['c1/n1']!.totalCost).toBeCloseTo(NODE_CPU_HOUR + NODE_RAM_HOUR, CLOSE);
  });

  it('leaves what idle holds as the difference of asset and allocation totals', () => {
    const a = totalAllocations(sets.allocations).byCluster['c1']!;
    const idle = sets.allocations.allocations.filter((x) => x.name.endsWith('/__idle__')).reduce((s, x) => s + x.cpuCost + x.ramCost, 0);
    expect(t.byCluster['c1']!.cpuCost + t.byCluster['c1']!.ramCost - (a.cpuCost + a.ramCost)).toBeCloseTo(idle, CLOSE);
  });

  it('counts each asset’s adjustment', () => {
    const adjusted = { ...sets.assets, assets: sets.assets.assets.map((x) => ({ ...x, adjustment: 0.5 })) };
    const c1 = totalAssets(adjusted).byCluster['c1']!;
    expect(c1.adjustment).toBe(2);
    expect(c1.totalCost).toBeCloseTo(t.byCluster['c1']!.totalCost + 2, CLOSE);
    expect(totalAssets(adjusted).byNode['c1/n2']!.adjustment).toBe(0.5);
  });
});
