/**
 * The pipeline's data: AllocationSets and AssetSets, one per window, in the model Kubecost and
 * OpenCost use. Amounts are kept at full precision; rendering (set-json.ts) rounds as OpenCost
 * does. Times are epoch milliseconds (UTC). Fields are mutable so aggregation can fold in place;
 * a set handed to another module is not changed by the module that handed it over.
 */
import type { Window } from '../window.js';

/** What an allocation describes; an aggregate keeps the properties its members share. */
export interface AllocationProperties {
  cluster?: string;
  node?: string;
  namespace?: string;
  /** Lower-case, as Kubecost spells it: `deployment`, `statefulset`, `daemonset`, `job`, … */
  controllerKind?: string;
  controller?: string;
  pod?: string;
  container?: string;
  /** The pod's labels. */
  labels?: Record<string, string>;
  /** The node's provider id, when known. */
  providerID?: string;
}

/**
 * The cost of one container over the part of the window it ran (or of an aggregate of them).
 * Usage is not measured without a metrics source, so amounts are requests × running time.
 */
export interface Allocation {
  /** Its key in the set: `cluster/node/namespace/pod/container`, `cluster/node/__idle__`, or an aggregate's key. */
  name: string;
  properties: AllocationProperties;
  /** When it started running inside the window. */
  start: number;
  /** When it stopped running inside the window (the window's end if still running). */
  end: number;
  cpuCoreHours: number;
  cpuCoreRequestAverage: number;
  cpuCost: number;
  /** Added by reconciliation (billed − computed); 0 until then. */
  cpuCostAdjustment: number;
  gpuHours: number;
  gpuRequestAverage: number;
  gpuCost: number;
  gpuCostAdjustment: number;
  ramByteHours: number;
  ramByteRequestAverage: number;
  ramCost: number;
  ramCostAdjustment: number;
  pvByteHours: number;
  pvCost: number;
  pvCostAdjustment: number;
  /**
   * Optional: the share of `pvByteHours` and `pvCost` that came from each PersistentVolume, keyed
   * by PV name (as OpenCost's `pvs`). Reconciliation rescales each share by its disk's billed cost
   * when present; without it, `pvCost` is rescaled by the cluster-wide ratio of billed to computed
   * disk cost.
   */
  pvs?: Record<string, { byteHours: number; cost: number }>;
}

/** The kinds of asset a cluster alone can see. */
export type AssetType = 'Node' | 'Disk' | 'LoadBalancer';

/** What an asset describes, named as Kubecost's Assets API names it. */
export interface AssetProperties {
  cluster?: string;
  /** `Compute` (nodes), `Storage` (disks), `Network` (load balancers). */
  category?: string;
  /** `Kubernetes` for everything found in the cluster. */
  service?: string;
  name?: string;
  providerID?: string;
  /** A load balancer's namespace. */
  namespace?: string;
}

interface AssetCommon {
  /** Its key in the set: `cluster/Node/name`, `cluster/Disk/name`, `cluster/LoadBalancer/namespace/name`. */
  name: string;
  properties: AssetProperties;
  labels: Record<string, string>;
  /** When it existed inside the window. */
  start: number;
  end: number;
  /** Added by reconciliation: billed cost − computed cost; 0 until then. */
  adjustment: number;
}

/** A node: its capacity priced for the time it existed. */
export interface NodeAsset extends AssetCommon {
  type: 'Node';
  /** The instance type, when labelled. */
  nodeType?: string;
  cpuCores: number;
  ramBytes: number;
  gpuCount: number;
  cpuCoreHours: number;
  ramByteHours: number;
  gpuHours: number;
  cpuCost: number;
  ramCost: number;
  gpuCost: number;
}

/** A PersistentVolume: its capacity priced for the time it existed. */
export interface DiskAsset extends AssetCommon {
  type: 'Disk';
  bytes: number;
  byteHours: number;
  cost: number;
  storageClass?: string;
  volumeName: string;
  claimName?: string;
  claimNamespace?: string;
}

/** A Service of type LoadBalancer: a flat hourly price for the time it existed. */
export interface LoadBalancerAsset extends AssetCommon {
  type: 'LoadBalancer';
  cost: number;
  /** Its ingress IP or hostname, once provisioned. */
  ip?: string;
}

/** Any asset. */
export type Asset = NodeAsset | DiskAsset | LoadBalancerAsset;

/** That a set's costs were replaced by billed costs: from which export, and when. */
export interface ReconcileStamp {
  /** A digest of the billing export's content, so a changed export reconciles again. */
  readonly source: string;
  /** Epoch ms of the reconciliation. */
  readonly at: number;
}

/** Every allocation of one cluster in one window, by name (ordered by name). */
export interface AllocationSet {
  readonly cluster: string;
  readonly window: Window;
  allocations: Allocation[];
  reconciled?: ReconcileStamp;
}

/** Every asset of one cluster in one window, by name (ordered by name). */
export interface AssetSet {
  readonly cluster: string;
  readonly window: Window;
  assets: Asset[];
  reconciled?: ReconcileStamp;
}

/** Sums over a group of allocations or assets: what "Totaled" computes, per cluster and per node. */
export interface ResourceTotals {
  /** Records summed. */
  count: number;
  cpuCoreHours: number;
  ramByteHours: number;
  gpuHours: number;
  cpuCost: number;
  ramCost: number;
  gpuCost: number;
  pvCost: number;
  loadBalancerCost: number;
  /** Every adjustment reconciliation made. */
  adjustment: number;
  totalCost: number;
}

/** A set's totals: per cluster, and per `cluster/node` (assets not on a node count only per cluster). */
export interface SetTotals {
  readonly window: Window;
  readonly byCluster: Record<string, ResourceTotals>;
  readonly byNode: Record<string, ResourceTotals>;
}

/** The key idle allocations carry (per node: `cluster/node/__idle__`), as in Kubecost. */
export const IDLE_KEY = '__idle__';
/** The key of members that lack the aggregated property (no label `team`, say), as in Kubecost. */
export const UNALLOCATED_KEY = '__unallocated__';

/** The order of a set's records: by name, in code-unit order as Go sorts strings. */
export function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
