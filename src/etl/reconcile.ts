/**
 * Reconciliation: a window's AllocationSet and AssetSet corrected to what the billing export says
 * their nodes and disks cost. The computed costs stay as they are; the corrections go into the
 * `adjustment` of assets and the `*CostAdjustment` of allocations, replacing any earlier ones.
 */
import { formatRfc3339Seconds } from '../time.js';
import type { BillingIndex } from './billing-export.js';
import { IDLE_KEY, type Allocation, type AllocationSet, type Asset, type AssetSet, type NodeAsset } from './sets.js';

/** The export to reconcile against: its digest (stamped on the sets) and its index. */
export interface ReconcileBilling {
  readonly digest: string;
  readonly index: BillingIndex;
}

/** What reconciling one window's sets came to. */
export type ReconcileResult =
  /** New sets (the inputs are untouched), stamped with the export's digest; `matched` nodes and disks got their billed cost, `unmatched` kept the computed one. */
  | { readonly status: 'reconciled'; readonly allocations: AllocationSet; readonly assets: AssetSet; readonly matched: number; readonly unmatched: number }
  /** The export does not reach the window's end yet (billing lags a day or two): try again with a later export. */
  | { readonly status: 'pending'; readonly coverageEnd: number }
  /** Both sets are already stamped with this export's digest. */
  | { readonly status: 'unchanged' }
  /** The export covers the window but nothing in it could be matched, or the sets cannot be reconciled. */
  | { readonly status: 'error'; readonly error: string };

/** Node and Disk assets are what the export can price; load balancers have no provider id to match. */
type Matchable = Extract<Asset, { type: 'Node' | 'Disk' }>;

/**
 * Reconciles a window's sets against a billing export.
 *
 * - Each Node and Disk asset with a `providerID` (the node's `spec.providerID`, the PV's disk id)
 *   that the export bills in the window gets `adjustment = billed − computed`, so its total cost
 *   is the billed cost. Others keep their computed cost (adjustment 0).
 * - The allocations on a matched node (same cluster, `properties.node` its name, its `__idle__`
 *   included) are rescaled so that together they cost the node's billed cost: each one's CPU, RAM
 *   and GPU cost deltas go into its `*CostAdjustment`, in the ratio billed ÷ their computed sum.
 *   Were their computed sum zero, the billed cost goes to the node's idle allocation.
 * - PV costs: an allocation that records `pvs` (its cost per PV) has each share rescaled by that
 *   disk's billed ÷ computed; one without it has `pvCost` rescaled by the cluster-wide ratio of
 *   the disks' reconciled to computed cost (allocations do not otherwise say which PV they used).
 *
 * Reconciling always starts from the computed costs: earlier adjustments are dropped, not added
 * to. The sets should be the unaggregated ones (allocations keep their node).
 */
export function reconcileSets(allocations: AllocationSet, assets: AssetSet, billing: ReconcileBilling, nowMs: number): ReconcileResult {
  if (allocations.reconciled?.source === billing.digest && assets.reconciled?.source === billing.digest) return { status: 'unchanged' };
  const window = assets.window;
  const where = `cluster ${assets.cluster}, window [${formatRfc3339Seconds(window.start)}, ${formatRfc3339Seconds(window.end)})`;
  if (allocations.cluster !== assets.cluster || allocations.window.start !== window.start || allocations.window.end !== window.end) {
    return {
      status: 'error',
      error: `the allocation set (cluster ${allocations.cluster}, window [${formatRfc3339Seconds(allocations.window.start)}, ${formatRfc3339Seconds(allocations.window.end)})) and the asset set (${where}) are not of the same cluster and window`,
    };
  }
  const { index } = billing;
  if (index.coverageEnd < window.end) return { status: 'pending', coverageEnd: index.coverageEnd };

  const newAssets = assets.assets.map((a) => ({ ...structuredClone(a), adjustment: 0 }));
  const matchable = newAssets.filter((a): a is Matchable => a.type === 'Node' || a.type === 'Disk');
  const withIds = matchable.filter((a) => (a.properties.providerID ?? '') !== '');
  if (withIds.length === 0) {
    return {
      status: 'error',
      error: `none of the ${matchable.length} nodes and disks of ${where} has a provider id (a node's spec.providerID, a PV's cloud disk id), so nothing can be matched to the billing export's ResourceIds`,
    };
  }

  /** Billed cost of the matched assets. */
  const billed = new Map<Matchable, number>();
  for (const a of withIds) {
    const cost = index.billedCost([a.properties.providerID ?? ''], window);
    if (cost === undefined) continue;
    billed.set(a, cost);
    a.adjustment = cost - computedCost(a);
  }
  if (billed.size === 0) {
    const tried = withIds.slice(0, 3).map((a) => a.properties.providerID ?? '');
    const more = withIds.length > tried.length ? `, and ${withIds.length - tried.length} more` : '';
    const sample = index.sampleIds(3);
    const holds = sample.length === 0 ? 'it has no Usage row with a ResourceId' : `its ResourceIds look like ${sample.join(', ')}`;
    return {
      status: 'error',
      error:
        `the billing export bills none of the ${withIds.length} nodes and disks with a provider id in ${where} ` +
        `(tried ${tried.join(', ')}${more}); ${holds}. An id matches a ResourceId that equals it or ends in the same last path segment`,
    };
  }

  const newAllocations = allocations.allocations.map((a) => ({ ...structuredClone(a), cpuCostAdjustment: 0, ramCostAdjustment: 0, gpuCostAdjustment: 0, pvCostAdjustment: 0 }));
  rescaleNodes(newAllocations, allocations.cluster, billed);
  rescaleVolumes(newAllocations, allocations.cluster, newAssets, billed);

  const reconciled = { source: billing.digest, at: nowMs };
  return {
    status: 'reconciled',
    allocations: { ...allocations, allocations: newAllocations, reconciled },
    assets: { ...assets, assets: newAssets, reconciled },
    matched: billed.size,
    unmatched: matchable.length - billed.size,
  };
}

/** An asset's cost before reconciliation. */
function computedCost(a: Matchable): number {
  return a.type === 'Node' ? a.cpuCost + a.ramCost + a.gpuCost : a.cost;
}

/** What scaling `cost` by 1 + f adds to it (never −0, which a zero cost scaled down would give). */
function delta(cost: number, f: number): number {
  return cost === 0 ? 0 : cost * f;
}

function key(cluster: string, name: string): string {
  return `${cluster}\u0000${name}`;
}

/** The node an allocation ran on, as `key(cluster, node)`. */
function nodeOf(a: Allocation, setCluster: string): string | undefined {
  return a.properties.node === undefined ? undefined : key(a.properties.cluster ?? setCluster, a.properties.node);
}

function nodeName(a: NodeAsset): string {
  return a.properties.name ?? a.name.slice(a.name.lastIndexOf('/') + 1);
}

/** Rescales the CPU, RAM and GPU costs of the allocations on each matched node so they sum to its billed cost. */
function rescaleNodes(allocations: readonly Allocation[], setCluster: string, billed: ReadonlyMap<Matchable, number>): void {
  const byNode = new Map<string, Allocation[]>();
  for (const a of allocations) {
    const k = nodeOf(a, setCluster);
    if (k === undefined) continue;
    const list = byNode.get(k);
    if (list === undefined) byNode.set(k, [a]);
    else list.push(a);
  }
  for (const [asset, cost] of billed) {
    if (asset.type !== 'Node') continue;
    const onNode = byNode.get(key(asset.properties.cluster ?? setCluster, nodeName(asset)));
    if (onNode === undefined) continue;
    const computed = onNode.reduce((sum, a) => sum + a.cpuCost + a.ramCost + a.gpuCost, 0);
    if (computed !== 0) {
      const f = cost / computed - 1;
      for (const a of onNode) {
        a.cpuCostAdjustment = delta(a.cpuCost, f);
        a.ramCostAdjustment = delta(a.ramCost, f);
        a.gpuCostAdjustment = delta(a.gpuCost, f);
      }
      continue;
    }
    // Nothing priced on the node (it had no price): what it was billed is idle, split as the node's capacity is priced.
    const idle = onNode.find((a) => a.name.endsWith(`/${IDLE_KEY}`));
    if (idle === undefined) continue;
    const nodeComputed = asset.cpuCost + asset.ramCost + asset.gpuCost;
    if (nodeComputed === 0) {
      idle.cpuCostAdjustment = cost;
    } else {
      idle.cpuCostAdjustment = (cost * asset.cpuCost) / nodeComputed;
      idle.ramCostAdjustment = (cost * asset.ramCost) / nodeComputed;
      idle.gpuCostAdjustment = (cost * asset.gpuCost) / nodeComputed;
    }
  }
}

/** Rescales PV costs: per PV where an allocation records `pvs`, else by the cluster-wide ratio. */
function rescaleVolumes(allocations: readonly Allocation[], setCluster: string, assets: readonly Asset[], billed: ReadonlyMap<Matchable, number>): void {
  /** key(cluster, PV name) → billed ÷ computed, for matched disks with a computed cost. */
  const ratio = new Map<string, number>();
  let computedTotal = 0;
  let reconciledTotal = 0;
  for (const a of assets) {
    if (a.type !== 'Disk') continue;
    const cost = billed.get(a);
    computedTotal += a.cost;
    reconciledTotal += cost ?? a.cost;
    if (cost !== undefined && a.cost !== 0) ratio.set(key(a.properties.cluster ?? setCluster, a.volumeName), cost / a.cost);
  }
  const clusterWide = computedTotal === 0 ? 1 : reconciledTotal / computedTotal;
  for (const a of allocations) {
    if (a.pvs === undefined) {
      a.pvCostAdjustment = delta(a.pvCost, clusterWide - 1);
      continue;
    }
    const cluster = a.properties.cluster ?? setCluster;
    let sum = 0;
    for (const [pv, share] of Object.entries(a.pvs)) sum += delta(share.cost, (ratio.get(key(cluster, pv)) ?? 1) - 1);
    a.pvCostAdjustment = sum;
  }
}
