/**
 * What "Totaled" computes: a set's amounts and costs summed per cluster and per `cluster/node`,
 * as OpenCost's ComputeAllocationTotals / ComputeAssetTotals. Allocation totals leave idle out
 * (they are what was allocated), so asset totals − allocation totals is what idle holds.
 */
import { isIdle } from './aggregate.js';
import type { Allocation, AllocationSet, AssetSet, ResourceTotals, SetTotals } from './sets.js';

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

function addAllocation(t: ResourceTotals, a: Allocation, adjustment: number, total: number): void {
  t.count++;
  t.cpuCoreHours += a.cpuCoreHours;
  t.ramByteHours += a.ramByteHours;
  t.gpuHours += a.gpuHours;
  t.cpuCost += a.cpuCost;
  t.ramCost += a.ramCost;
  t.gpuCost += a.gpuCost;
  t.pvCost += a.pvCost;
  t.adjustment += adjustment;
  t.totalCost += total;
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
    c.count++;
    c.adjustment += a.adjustment;
    switch (a.type) {
      case 'Node': {
        const n = totalsAt(byNode, `${cluster}/${a.properties.name ?? a.name}`);
        n.count++;
        n.adjustment += a.adjustment;
        for (const t of [c, n]) {
          t.cpuCoreHours += a.cpuCoreHours;
          t.ramByteHours += a.ramByteHours;
          t.gpuHours += a.gpuHours;
          t.cpuCost += a.cpuCost;
          t.ramCost += a.ramCost;
          t.gpuCost += a.gpuCost;
          t.totalCost += a.cpuCost + a.ramCost + a.gpuCost + a.adjustment;
        }
        break;
      }
      case 'Disk':
        c.pvCost += a.cost;
        c.totalCost += a.cost + a.adjustment;
        break;
      case 'LoadBalancer':
        c.loadBalancerCost += a.cost;
        c.totalCost += a.cost + a.adjustment;
        break;
    }
  }
  return { window: set.window, byCluster, byNode };
}
