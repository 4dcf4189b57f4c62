/**
 * From a cluster snapshot to one window's AllocationSet and AssetSet: pure functions, no clock,
 * no I/O. Amounts are requests × running time (no usage is measured); prices come from the
 * price sheet. The rules (instance-type pricing, idle, the split of a volume among the pods that
 * mount it) are written down in docs/ARCHITECTURE.md, "ETL sets". This file puts the parts
 * together: unit-prices.ts, window-nodes.ts, volume-shares.ts, build-allocations.ts and
 * build-assets.ts.
 */
import type { PriceSheet } from '../cost/price-sheet.js';
import type { Window } from '../window.js';
import { idleAllocation, podAllocations } from './build-allocations.js';
import { addLoadBalancerAssets, addVolumeAssets, nodeAsset, putAsset } from './build-assets.js';
import type { ClusterSnapshot } from './cluster-state.js';
import { byName, type AllocationSet, type Asset, type AssetSet } from './sets.js';
import { sheetUnitPrices } from './unit-prices.js';
import { volumeShares } from './volume-shares.js';
import { indexNodes } from './window-nodes.js';

/** A window's two sets, built from one snapshot. */
export interface BuiltSets {
  readonly allocations: AllocationSet;
  readonly assets: AssetSet;
}

/** Builds the window's allocations (one per container that ran, one idle per node) and assets (nodes, disks, load balancers). */
export function buildSets(snapshot: ClusterSnapshot, window: Window, sheet: PriceSheet): BuiltSets {
  const prices = sheetUnitPrices(sheet);
  const nodes = indexNodes(snapshot.nodes, window, sheet, prices);
  const shares = volumeShares(snapshot, window);
  const allocations = podAllocations(snapshot, window, nodes, prices, shares);
  const assets = new Map<string, Asset>();
  for (const entry of nodes.values()) {
    const idle = idleAllocation(snapshot.cluster, entry);
    allocations.set(idle.name, idle);
    putAsset(assets, nodeAsset(snapshot.cluster, entry));
  }
  addVolumeAssets(assets, snapshot, window, prices.storage);
  addLoadBalancerAssets(assets, snapshot, window, prices.loadBalancer);
  return {
    allocations: { cluster: snapshot.cluster, window, allocations: [...allocations.values()].sort(byName) },
    assets: { cluster: snapshot.cluster, window, assets: [...assets.values()].sort(byName) },
  };
}


