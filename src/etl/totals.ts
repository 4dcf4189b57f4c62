/**
 * What "Totaled" computes: a set's amounts and costs summed per cluster and per `cluster/node`,
 * as OpenCost's ComputeAllocationTotals / ComputeAssetTotals. Allocation totals leave idle out
 * (they are what was allocated), so asset totals − allocation totals is what idle holds.
 */
import { isIdle } from './aggregate-allocations.js';
import type { Allocation, AllocationSet, AssetSet, NodeAsset, ResourceTotals, SetTotals } from './sets.js';

/** Totals with nothing counted. */
export function emptyTotals(): ResourceTotals {
  return {
    count: 0,
    cpuCoreHours: 0,
    ramByteHours: 0,
    gpuHours: 0,
    cpuCost: 0,
    ramCost: 0,
    gpuCost: 0,
    pvCost: 0,
    loadBalancerCost: 0,
    adjustment: 0,
    totalCost: 0,
  };
}

function totalsAt(map: Record<string, ResourceTotals>, key: string): ResourceTotals {
  let t = map[key];
  if (t === undefined) {
    t = emptyTotals();
    map[key] = t;
  }
  return t;
}

/** What an allocation and a node both carry: compute amounts and their costs. */
type Compute = Pick<NodeAsset, 'cpuCoreHours' | 'ramByteHours' | 'gpuHours' | 'cpuCost' | 'ramCost' | 'gpuCost'>;

/** Adds one record to `t`: its compute amounts and costs, `adjustment` and `total` as the caller counts them. */
function addCompute(t: ResourceTotals, a: Compute, adjustment: number, total: number): void {
  t.count++;
  t.cpuCoreHours += a.cpuCoreHours;
  t.ramByteHours += a.ramByteHours;
  t.gpuHours += a.gpuHours;
  t.cpuCost += a.cpuCost;
  t.ramCost += a.ramCost;
  t.gpuCost += a.gpuCost;
  t.adjustment += adjustment;
  t.totalCost += total;
}

function addAllocation(t: ResourceTotals, a: Allocation, adjustment: number, total: number): void {
  addCompute(t, a, adjustment, total);
  t.pvCost += a.pvCost;
}

function addCost(t: ResourceTotals, cost: number, adjustment: number): void {
  t.count++;
  t.adjustment += adjustment;
  t.totalCost += cost + adjustment;
}

/** Allocations (idle excluded) summed per cluster and per `cluster/node`. */
export function totalAllocations(set: AllocationSet): SetTotals {
  const byCluster: Record<string, ResourceTotals> = {};
  const byNode: Record<string, ResourceTotals> = {};
  for (const a of set.allocations) {
    if (isIdle(a)) continue;
    const cluster = a.properties.cluster ?? set.cluster;
    const adjustment = a.cpuCostAdjustment + a.ramCostAdjustment + a.gpuCostAdjustment + a.pvCostAdjustment;
    const total = a.cpuCost + a.ramCost + a.gpuCost + a.pvCost + adjustment;
    addAllocation(totalsAt(byCluster, cluster), a, adjustment, total);
    if (a.properties.node !== undefined) addAllocation(totalsAt(byNode, `${cluster}/${a.properties.node}`), a, adjustment, total);
  }
  return { window: set.window, byCluster, byNode };
}

/** Assets summed per cluster, and nodes per `cluster/node` too (disks and load balancers count per cluster only). */
export function totalAssets(set: AssetSet): SetTotals {
  const byCluster: Record<string, ResourceTotals> = {};
  const byNode: Record<string, ResourceTotals> = {};
  for (const a of set.assets) {
    const cluster = a.properties.cluster ?? set.cluster;
    const c = totalsAt(byCluster, cluster);
    switch (a.type) {
      case 'Node': {
        const total = a.cpuCost + a.ramCost + a.gpuCost + a.adjustment;
        addCompute(c, a, a.adjustment, total);
        addCompute(totalsAt(byNode, `${cluster}/${a.properties.name ?? a.name}`), a, a.adjustment, total);
        break;
      }
      case 'Disk':
        addCost(c, a.cost, a.adjustment);
        c.pvCost += a.cost;
        break;
      case 'LoadBalancer':
        addCost(c, a.cost, a.adjustment);
        c.loadBalancerCost += a.cost;
        break;
    }
  }
  return { window: set.window, byCluster, byNode };
}
