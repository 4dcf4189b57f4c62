/**
 * From a cluster snapshot to one window's AllocationSet and AssetSet: pure functions, no clock,
 * no I/O. Amounts are requests × running time (no usage is measured); prices come from the
 * price sheet. The rules (instance-type pricing, idle, the split of a volume among the pods that
 * mount it) are written down in docs/ARCHITECTURE.md, "ETL sets".
 */
import { resourceCosts, type PriceSheet } from '../cost/price-sheet.js';
import { decimalQuotient } from '../cost/decimal.js';
import type { Window } from '../window.js';
import { addAllocationInto, addAssetInto } from './add-records.js';
import type { ClaimRecord, ClusterSnapshot, NodeRecord, PodRecord, VolumeRecord } from './cluster-state.js';
import { IDLE_KEY, type Allocation, type AllocationSet, type Asset, type AssetSet, type NodeAsset } from './sets.js';

/** A window's two sets, built from one snapshot. */
export interface BuiltSets {
  readonly allocations: AllocationSet;
  readonly assets: AssetSet;
}

/** Hourly prices of one unit of each resource a container requests. */
export interface UnitPrices {
  /** Per core-hour. */
  readonly cpu: number;
  /** Per byte-hour. */
  readonly ram: number;
  /** Per GPU-hour. */
  readonly gpu: number;
}

/** The sheet's hourly unit prices: the compute defaults, storage and load balancers. */
export interface SheetUnitPrices extends UnitPrices {
  /** Per byte-hour of persistent volume. */
  readonly storage: number;
  /** Per hour of one LoadBalancer service. */
  readonly loadBalancer: number;
}

/** What one node costs per hour, per resource, and the unit prices its containers pay. */
export interface NodePrices {
  readonly unit: UnitPrices;
  readonly cpuHourly: number;
  readonly ramHourly: number;
  readonly gpuHourly: number;
}

const MS_PER_HOUR = 3_600_000;
const GIB = 2 ** 30;

/** Hourly unit prices from a sheet, divided as resourceCosts() divides them (exact decimals, rounded once). */
export function sheetUnitPrices(sheet: PriceSheet): SheetUnitPrices {
  const compute = resourceCosts(sheet);
  return {
    cpu: compute.costPerCPUCoreHour,
    ram: compute.costPerRAMByteHour,
    gpu: compute.costPerGPUHour,
    storage: decimalQuotient(sheet.storageGiBMonth, sheet.hoursPerMonth * GIB),
    loadBalancer: sheet.loadBalancerHour,
  };
}

/**
 * A node's prices. Without a sheet price for its instance type, its capacity at the default unit
 * prices. With one (P per hour for the whole node), the default unit prices scaled by one factor
 * so that the capacity costs exactly P: P is split over CPU, RAM and GPU in proportion to what
 * each costs at the defaults. A priced node with no capacity (or capacity worth nothing at the
 * defaults) puts all of P on CPU; its containers then pay the defaults.
 */
export function nodePrices(node: Pick<NodeRecord, 'cpuCores' | 'ramBytes' | 'gpus' | 'instanceType'>, sheet: PriceSheet, defaults: UnitPrices): NodePrices {
  const typePrice = node.instanceType === undefined ? undefined : sheet.instanceTypes?.[node.instanceType];
  const cpuHourly = node.cpuCores * defaults.cpu;
  const ramHourly = node.ramBytes * defaults.ram;
  const gpuHourly = node.gpus * defaults.gpu;
  if (typePrice === undefined) return { unit: defaults, cpuHourly, ramHourly, gpuHourly };
  const atDefaults = cpuHourly + ramHourly + gpuHourly;
  if (!(atDefaults > 0)) return { unit: defaults, cpuHourly: typePrice, ramHourly: 0, gpuHourly: 0 };
  const scale = typePrice / atDefaults;
  return {
    unit: { cpu: defaults.cpu * scale, ram: defaults.ram * scale, gpu: defaults.gpu * scale },
    cpuHourly: cpuHourly * scale,
    ramHourly: ramHourly * scale,
    gpuHourly: gpuHourly * scale,
  };
}

/** A node name's records in the window, summed (as its asset sums them), and what its containers were charged. */
interface NodeEntry extends Pick<NodeAsset, 'start' | 'end' | 'cpuCoreHours' | 'ramByteHours' | 'gpuHours' | 'cpuCost' | 'ramCost' | 'gpuCost'> {
  /** The record whose prices and properties apply: the latest started of the name. */
  record: NodeRecord;
  prices: NodePrices;
  usedCpuCoreHours: number;
  usedRamByteHours: number;
  usedGpuHours: number;
  usedCpuCost: number;
  usedRamCost: number;
  usedGpuCost: number;
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

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Overlap of [start, end ?? ∞) with the window: the clipped start, or NaN when the overlap is empty. */
function clippedStart(w: Window, start: number, end: number | undefined): number {
  const s = start > w.start ? start : w.start;
  const e = end === undefined || end > w.end ? w.end : end;
  return e > s ? s : Number.NaN;
}

function clippedEnd(w: Window, end: number | undefined): number {
  return end === undefined || end > w.end ? w.end : end;
}

function indexNodes(records: readonly NodeRecord[], window: Window, sheet: PriceSheet, defaults: UnitPrices): Map<string, NodeEntry> {
  const nodes = new Map<string, NodeEntry>();
  for (const record of records) {
    const start = clippedStart(window, record.start, record.end);
    if (Number.isNaN(start)) continue;
    const end = clippedEnd(window, record.end);
    const hours = (end - start) / MS_PER_HOUR;
    const prices = nodePrices(record, sheet, defaults);
    const entry = nodes.get(record.name);
    if (entry === undefined) {
      nodes.set(record.name, {
        record,
        prices,
        start,
        end,
        cpuCoreHours: record.cpuCores * hours,
        ramByteHours: record.ramBytes * hours,
        gpuHours: record.gpus * hours,
        cpuCost: prices.cpuHourly * hours,
        ramCost: prices.ramHourly * hours,
        gpuCost: prices.gpuHourly * hours,
        usedCpuCoreHours: 0,
        usedRamByteHours: 0,
        usedGpuHours: 0,
        usedCpuCost: 0,
        usedRamCost: 0,
        usedGpuCost: 0,
      });
      continue;
    }
    // The same name twice in one window: a node deleted and recreated. One asset, summed.
    if (record.start > entry.record.start) {
      entry.record = record;
      entry.prices = prices;
    }
    entry.start = Math.min(entry.start, start);
    entry.end = Math.max(entry.end, end);
    entry.cpuCoreHours += record.cpuCores * hours;
    entry.ramByteHours += record.ramBytes * hours;
    entry.gpuHours += record.gpus * hours;
    entry.cpuCost += prices.cpuHourly * hours;
    entry.ramCost += prices.ramHourly * hours;
    entry.gpuCost += prices.gpuHourly * hours;
  }
  return nodes;
}

/** Latest-started record per key among those overlapping the window. */
function latestByKey<R extends { readonly start: number; readonly end?: number }>(records: readonly R[], window: Window, keyOf: (r: R) => string): Map<string, R> {
  const out = new Map<string, R>();
  for (const r of records) {
    if (Number.isNaN(clippedStart(window, r.start, r.end))) continue;
    const key = keyOf(r);
    const held = out.get(key);
    if (held === undefined || r.start > held.start) out.set(key, r);
  }
  return out;
}

const claimKey = (c: ClaimRecord): string => `${c.namespace}/${c.name}`;
const volumeKey = (v: VolumeRecord): string => v.name;

/** Byte-hours of persistent volume per pod (indexed as snapshot.pods): in all, and per bound PV's name. */
interface VolumeShares {
  readonly byteHours: Float64Array;
  readonly byVolume: (Map<string, number> | undefined)[];
}

/**
 * Byte-hours of persistent volume per pod. Each claim a pod mounts
 * resolves to the claim of that name in the pod's namespace, then to its bound volume's size (by
 * `volumeName`), else to the claim's own size. At every moment a claim's bytes are split evenly
 * among the pods mounting it at that moment (pod running time ∩ claim lifetime ∩ window), so the
 * shares sum to the claim's size × the time it was mounted.
 */
function volumeShares(snapshot: ClusterSnapshot, window: Window): VolumeShares {
  const shares: VolumeShares = { byteHours: new Float64Array(snapshot.pods.length), byVolume: [] };
  const claims = latestByKey(snapshot.claims, window, claimKey);
  if (claims.size === 0) return shares;
  const volumes = latestByKey(snapshot.volumes, window, volumeKey);
  const podsByClaim = new Map<string, number[]>();
  const pods = snapshot.pods;
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i];
    if (pod === undefined || pod.claims.length === 0) continue;
    for (const claim of pod.claims) {
      const key = `${pod.namespace}/${claim}`;
      const list = podsByClaim.get(key);
      if (list === undefined) podsByClaim.set(key, [i]);
      else if (list.at(-1) !== i) list.push(i); // a claim mounted twice by one pod counts once
    }
  }
  for (const [key, podIndexes] of podsByClaim) {
    const claim = claims.get(key);
    if (claim === undefined) continue;
    const volume = claim.volumeName === undefined ? undefined : volumes.get(claim.volumeName);
    const bytes = volume?.bytes ?? claim.bytes;
    if (!(bytes > 0)) continue;
    // The claim's own lifetime, clipped to the window, bounds every pod's share.
    const cStart = Math.max(claim.start, window.start);
    const cEnd = clippedEnd(window, claim.end);
    splitClaim(pods, podIndexes, { start: cStart, end: cEnd, bytes, volume: volume?.name }, shares);
  }
  return shares;
}

/** One pod's mount of a claim: the part of its running time inside the claim's lifetime. */
interface Mount {
  readonly pod: number;
  readonly start: number;
  readonly end: number;
}

/** A claim as the split sees it: its lifetime in the window, its size, its bound volume's name. */
interface SplitClaim {
  readonly start: number;
  readonly end: number;
  readonly bytes: number;
  readonly volume: string | undefined;
}

function addShare(shares: VolumeShares, pod: number, volume: string | undefined, byteHours: number): void {
  shares.byteHours[pod] = (shares.byteHours[pod] ?? 0) + byteHours;
  if (volume === undefined) return;
  let byVolume = shares.byVolume[pod];
  if (byVolume === undefined) {
    byVolume = new Map();
    shares.byVolume[pod] = byVolume;
  }
  byVolume.set(volume, (byVolume.get(volume) ?? 0) + byteHours);
}

function splitClaim(pods: readonly PodRecord[], podIndexes: readonly number[], claim: SplitClaim, shares: VolumeShares): void {
  const mounts: Mount[] = [];
  for (const i of podIndexes) {
    const pod = pods[i];
    if (pod === undefined) continue;
    const start = Math.max(pod.start, claim.start);
    const end = pod.end === undefined ? claim.end : Math.min(pod.end, claim.end);
    if (end > start) mounts.push({ pod: i, start, end });
  }
  const [only] = mounts;
  if (only === undefined) return;
  if (mounts.length === 1) {
    addShare(shares, only.pod, claim.volume, (claim.bytes * (only.end - only.start)) / MS_PER_HOUR);
    return;
  }
  // Between consecutive start/end times the set of mounting pods is fixed: split evenly there.
  const bounds = [...new Set(mounts.flatMap((m) => [m.start, m.end]))].sort((a, b) => a - b);
  for (let k = 1; k < bounds.length; k++) {
    const from = bounds[k - 1] ?? 0;
    const to = bounds[k] ?? 0;
    let active = 0;
    for (const m of mounts) if (m.start <= from && m.end >= to) active++;
    if (active === 0) continue;
    const each = (claim.bytes * (to - from)) / MS_PER_HOUR / active;
    for (const m of mounts) if (m.start <= from && m.end >= to) addShare(shares, m.pod, claim.volume, each);
  }
}

/** Each bound volume's share of one container (its pod's split evenly over its containers), as `Allocation.pvs`. */
function containerPvs(byVolume: Map<string, number> | undefined, containers: number, storagePrice: number): Allocation['pvs'] {
  if (byVolume === undefined) return undefined;
  const out: NonNullable<Allocation['pvs']> = {};
  for (const [name, byteHours] of byVolume) {
    const share = byteHours / containers;
    out[name] = { byteHours: share, cost: share * storagePrice };
  }
  return out;
}

function podAllocations(
  snapshot: ClusterSnapshot,
  window: Window,
  nodes: ReadonlyMap<string, NodeEntry>,
  prices: SheetUnitPrices,
  shares: VolumeShares,
): Map<string, Allocation> {
  const out = new Map<string, Allocation>();
  const cluster = snapshot.cluster;
  const pods = snapshot.pods;
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i];
    if (pod === undefined || pod.containers.length === 0) continue;
    const start = clippedStart(window, pod.start, pod.end);
    if (Number.isNaN(start)) continue;
    const end = clippedEnd(window, pod.end);
    const hours = (end - start) / MS_PER_HOUR;
    const node = nodes.get(pod.node);
    const unit = node === undefined ? prices : node.prices.unit;
    const pvByteHours = (shares.byteHours[i] ?? 0) / pod.containers.length;
    const byVolume = shares.byVolume[i];
    const pvCost = pvByteHours * prices.storage;
    const labels = { ...pod.labels };
    const prefix = `${cluster}/${pod.node}/${pod.namespace}/${pod.name}/`;
    for (const c of pod.containers) {
      const cpuCoreHours = c.cpuCores * hours;
      const ramByteHours = c.ramBytes * hours;
      const gpuHours = c.gpus * hours;
      const a: Allocation = {
        name: prefix + c.name,
        properties: {
          cluster,
          node: pod.node,
          namespace: pod.namespace,
          controllerKind: pod.controllerKind,
          controller: pod.controller,
          pod: pod.name,
          container: c.name,
          labels,
          providerID: node?.record.providerId,
        },
        start,
        end,
        cpuCoreHours,
        cpuCoreRequestAverage: c.cpuCores,
        cpuCost: cpuCoreHours * unit.cpu,
        cpuCostAdjustment: 0,
        gpuHours,
        gpuRequestAverage: c.gpus,
        gpuCost: gpuHours * unit.gpu,
        gpuCostAdjustment: 0,
        ramByteHours,
        ramByteRequestAverage: c.ramBytes,
        ramCost: ramByteHours * unit.ram,
        ramCostAdjustment: 0,
        pvByteHours,
        pvCost,
        pvCostAdjustment: 0,
        pvs: containerPvs(byVolume, pod.containers.length, prices.storage),
      };
      if (node !== undefined) {
        node.usedCpuCoreHours += cpuCoreHours;
        node.usedRamByteHours += ramByteHours;
        node.usedGpuHours += gpuHours;
        node.usedCpuCost += a.cpuCost;
        node.usedRamCost += a.ramCost;
        node.usedGpuCost += a.gpuCost;
      }
      const held = out.get(a.name);
      // The same key twice: a pod deleted and recreated under its name on the same node. Summed.
      if (held === undefined) out.set(a.name, a);
      else addAllocationInto(held, a);
    }
  }
  return out;
}

const positive = (x: number): number => (x > 0 ? x : 0);

/** What the node cost that its containers were not charged, per resource, never below zero. */
function idleAllocation(cluster: string, n: NodeEntry): Allocation {
  return {
    name: `${cluster}/${n.record.name}/${IDLE_KEY}`,
    properties: {
      cluster,
      node: n.record.name,
      namespace: undefined,
      controllerKind: undefined,
      controller: undefined,
      pod: undefined,
      container: undefined,
      labels: undefined,
      providerID: n.record.providerId,
    },
    start: n.start,
    end: n.end,
    cpuCoreHours: positive(n.cpuCoreHours - n.usedCpuCoreHours),
    cpuCoreRequestAverage: 0,
    cpuCost: positive(n.cpuCost - n.usedCpuCost),
    cpuCostAdjustment: 0,
    gpuHours: positive(n.gpuHours - n.usedGpuHours),
    gpuRequestAverage: 0,
    gpuCost: positive(n.gpuCost - n.usedGpuCost),
    gpuCostAdjustment: 0,
    ramByteHours: positive(n.ramByteHours - n.usedRamByteHours),
    ramByteRequestAverage: 0,
    ramCost: positive(n.ramCost - n.usedRamCost),
    ramCostAdjustment: 0,
    pvByteHours: 0,
    pvCost: 0,
    pvCostAdjustment: 0,
    pvs: undefined,
  };
}

function nodeAsset(cluster: string, n: NodeEntry): NodeAsset {
  const r = n.record;
  return {
    type: 'Node',
    name: `${cluster}/Node/${r.name}`,
    properties: { cluster, category: 'Compute', service: 'Kubernetes', name: r.name, providerID: r.providerId, namespace: undefined },
    labels: { ...r.labels },
    start: n.start,
    end: n.end,
    adjustment: 0,
    nodeType: r.instanceType,
    cpuCores: r.cpuCores,
    ramBytes: r.ramBytes,
    gpuCount: r.gpus,
    cpuCoreHours: n.cpuCoreHours,
    ramByteHours: n.ramByteHours,
    gpuHours: n.gpuHours,
    cpuCost: n.cpuCost,
    ramCost: n.ramCost,
    gpuCost: n.gpuCost,
  };
}

function putAsset(assets: Map<string, Asset>, asset: Asset): void {
  const held = assets.get(asset.name);
  if (held === undefined) assets.set(asset.name, asset);
  else addAssetInto(held, asset);
}

function addVolumeAssets(assets: Map<string, Asset>, snapshot: ClusterSnapshot, window: Window, storagePrice: number): void {
  for (const v of snapshot.volumes) {
    const start = clippedStart(window, v.start, v.end);
    if (Number.isNaN(start)) continue;
    const end = clippedEnd(window, v.end);
    const byteHours = (v.bytes * (end - start)) / MS_PER_HOUR;
    putAsset(assets, {
      type: 'Disk',
      name: `${snapshot.cluster}/Disk/${v.name}`,
      properties: { cluster: snapshot.cluster, category: 'Storage', service: 'Kubernetes', name: v.name, providerID: v.providerId, namespace: undefined },
      labels: { ...v.labels },
      start,
      end,
      adjustment: 0,
      bytes: v.bytes,
      byteHours,
      cost: byteHours * storagePrice,
      storageClass: v.storageClass,
      volumeName: v.name,
      claimName: v.claim?.name,
      claimNamespace: v.claim?.namespace,
    });
  }
}

function addLoadBalancerAssets(assets: Map<string, Asset>, snapshot: ClusterSnapshot, window: Window, hourly: number): void {
  for (const lb of snapshot.loadBalancers) {
    const start = clippedStart(window, lb.start, lb.end);
    if (Number.isNaN(start)) continue;
    const end = clippedEnd(window, lb.end);
    putAsset(assets, {
      type: 'LoadBalancer',
      name: `${snapshot.cluster}/LoadBalancer/${lb.namespace}/${lb.name}`,
      properties: { cluster: snapshot.cluster, category: 'Network', service: 'Kubernetes', name: lb.name, providerID: undefined, namespace: lb.namespace },
      labels: { ...lb.labels },
      start,
      end,
      adjustment: 0,
      cost: (hourly * (end - start)) / MS_PER_HOUR,
      ip: lb.ingress,
    });
  }
}
