/**
 * A window's allocations: one per container that ran, charged its requests × running time at its
 * node's unit prices plus its pod's share of persistent volumes, and one idle per node, for what
 * the node cost that its containers were not charged.
 */
import type { Window } from '../window.js';
import { addAllocationInto } from './add-records.js';
import { define } from './own-property.js';
import type { ClusterSnapshot } from './cluster-state.js';
import { IDLE_KEY, type Allocation } from './sets.js';
import type { SheetUnitPrices } from './unit-prices.js';
import type { VolumeShares } from './volume-shares.js';
import { HOUR_MS } from '../window.js';
import { clippedEnd, clippedStart } from './window-clip.js';
import type { NodeEntry } from './window-nodes.js';

/** Each bound volume's share of one container (its pod's split evenly over its containers), as `Allocation.pvs`. */
function containerPvs(byVolume: Map<string, number> | undefined, containers: number, storagePrice: number): Allocation['pvs'] {
  if (byVolume === undefined) return undefined;
  const out: NonNullable<Allocation['pvs']> = {};
  for (const [name, byteHours] of byVolume) {
    const share = byteHours / containers;
    define(out, name, { byteHours: share, cost: share * storagePrice });
  }
  return out;
}

/** One allocation per container that ran in the window, keyed by name; charges each to its node's entry in `nodes`. */
export function podAllocations(
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
    const hours = (end - start) / HOUR_MS;
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
export function idleAllocation(cluster: string, n: NodeEntry): Allocation {
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
