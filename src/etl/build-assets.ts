/**
 * A window's assets: its nodes (with what they cost), its persistent volumes as disks and its
 * LoadBalancer services, each for its time in the window. A name seen twice is summed.
 */
import type { Window } from '../window.js';
import { addAssetInto } from './add-records.js';
import type { ClusterSnapshot } from './cluster-state.js';
import type { Asset, NodeAsset } from './sets.js';
import { HOUR_MS } from '../window.js';
import { clippedEnd, clippedStart } from './window-clip.js';
import type { NodeEntry } from './window-nodes.js';

/** The asset of a node entry: its capacity, and its hours and cost in the window. */
export function nodeAsset(cluster: string, n: NodeEntry): NodeAsset {
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

/** Adds an asset to the set being built, summed into the one of its name if there is one. */
export function putAsset(assets: Map<string, Asset>, asset: Asset): void {
  const held = assets.get(asset.name);
  if (held === undefined) assets.set(asset.name, asset);
  else addAssetInto(held, asset);
}

/** A Disk asset for each persistent volume in the window, its bytes priced per byte-hour. */
export function addVolumeAssets(assets: Map<string, Asset>, snapshot: ClusterSnapshot, window: Window, storagePrice: number): void {
  for (const v of snapshot.volumes) {
    const start = clippedStart(window, v.start, v.end);
    if (Number.isNaN(start)) continue;
    const end = clippedEnd(window, v.end);
    const byteHours = (v.bytes * (end - start)) / HOUR_MS;
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

/** A LoadBalancer asset for each LoadBalancer service in the window, priced flat per hour. */
export function addLoadBalancerAssets(assets: Map<string, Asset>, snapshot: ClusterSnapshot, window: Window, hourly: number): void {
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
      cost: (hourly * (end - start)) / HOUR_MS,
      ip: lb.ingress,
    });
  }
}
