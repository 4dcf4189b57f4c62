/**
 * Records as values, as OpenCost's Allocation and Asset `Clone` and `Add`: a copy the caller
 * owns, and another record folded into it (amounts summed, the span widened, averages
 * re-weighted, properties and labels narrowed to those both share). Label objects are shared
 * between copies and never written.
 */
import { HOUR_MS } from '../window.js';
import { define } from './own-property.js';
import type { Allocation, AllocationProperties, Asset, AssetProperties } from './sets.js';

/** A copy of `a` named `name` (its labels object shared, never written). */
export function cloneAllocation(a: Allocation, name: string = a.name): Allocation {
  return {
    name,
    properties: cloneAllocationProperties(a.properties),
    start: a.start,
    end: a.end,
    cpuCoreHours: a.cpuCoreHours,
    cpuCoreRequestAverage: a.cpuCoreRequestAverage,
    cpuCost: a.cpuCost,
    cpuCostAdjustment: a.cpuCostAdjustment,
    gpuHours: a.gpuHours,
    gpuRequestAverage: a.gpuRequestAverage,
    gpuCost: a.gpuCost,
    gpuCostAdjustment: a.gpuCostAdjustment,
    ramByteHours: a.ramByteHours,
    ramByteRequestAverage: a.ramByteRequestAverage,
    ramCost: a.ramCost,
    ramCostAdjustment: a.ramCostAdjustment,
    pvByteHours: a.pvByteHours,
    pvCost: a.pvCost,
    pvCostAdjustment: a.pvCostAdjustment,
    pvs: clonePvs(a.pvs),
  };
}

/** A copy of an allocation's properties the caller owns (the labels object shared, never written). */
export function cloneAllocationProperties(p: AllocationProperties): AllocationProperties {
  return {
    cluster: p.cluster,
    node: p.node,
    namespace: p.namespace,
    controllerKind: p.controllerKind,
    controller: p.controller,
    pod: p.pod,
    container: p.container,
    labels: p.labels,
    providerID: p.providerID,
  };
}

/** A copy of the volume shares the caller owns; undefined for none. */
export function clonePvs(pvs: Allocation['pvs']): Allocation['pvs'] {
  return pvs === undefined ? undefined : addPvs({}, pvs);
}

/** Adds each volume's share of `src` into `into` (which the caller owns). */
export function addPvs(into: NonNullable<Allocation['pvs']>, src: NonNullable<Allocation['pvs']>): NonNullable<Allocation['pvs']> {
  for (const name of Object.keys(src)) {
    const s = src[name];
    if (s === undefined) continue;
    const held = Object.hasOwn(into, name) ? into[name] : undefined;
    if (held === undefined) define(into, name, { byteHours: s.byteHours, cost: s.cost });
    else {
      held.byteHours += s.byteHours;
      held.cost += s.cost;
    }
  }
  return into;
}

/**
 * Folds `src` into `target` (which must be a record the caller owns, e.g. from cloneAllocation):
 * amounts and costs summed (per volume too), start the earlier, end the later, request averages re-weighted by
 * each one's running time over the combined span (as OpenCost's Allocation.add), properties
 * and labels narrowed to those both share.
 */
export function addAllocationInto(target: Allocation, src: Allocation): void {
  const tSpan = target.end - target.start;
  const sSpan = src.end - src.start;
  const cpuReq = target.cpuCoreRequestAverage * tSpan + src.cpuCoreRequestAverage * sSpan;
  const gpuReq = target.gpuRequestAverage * tSpan + src.gpuRequestAverage * sSpan;
  const ramReq = target.ramByteRequestAverage * tSpan + src.ramByteRequestAverage * sSpan;
  if (src.start < target.start) target.start = src.start;
  if (src.end > target.end) target.end = src.end;
  const span = target.end - target.start;
  target.cpuCoreRequestAverage = span > 0 ? cpuReq / span : 0;
  target.gpuRequestAverage = span > 0 ? gpuReq / span : 0;
  target.ramByteRequestAverage = span > 0 ? ramReq / span : 0;
  target.cpuCoreHours += src.cpuCoreHours;
  target.cpuCost += src.cpuCost;
  target.cpuCostAdjustment += src.cpuCostAdjustment;
  target.gpuHours += src.gpuHours;
  target.gpuCost += src.gpuCost;
  target.gpuCostAdjustment += src.gpuCostAdjustment;
  target.ramByteHours += src.ramByteHours;
  target.ramCost += src.ramCost;
  target.ramCostAdjustment += src.ramCostAdjustment;
  target.pvByteHours += src.pvByteHours;
  target.pvCost += src.pvCost;
  target.pvCostAdjustment += src.pvCostAdjustment;
  if (src.pvs !== undefined) target.pvs = addPvs(target.pvs ?? {}, src.pvs);
  narrowAllocationProperties(target.properties, src.properties);
}

/** Clears each property of `t` that `s` does not share and narrows the labels to those both hold (`t` being properties the caller owns). */
export function narrowAllocationProperties(t: AllocationProperties, s: AllocationProperties): void {
  if (t.cluster !== s.cluster) t.cluster = undefined;
  if (t.node !== s.node) t.node = undefined;
  if (t.namespace !== s.namespace) t.namespace = undefined;
  if (t.controllerKind !== s.controllerKind) t.controllerKind = undefined;
  if (t.controller !== s.controller) t.controller = undefined;
  if (t.pod !== s.pod) t.pod = undefined;
  if (t.container !== s.container) t.container = undefined;
  if (t.providerID !== s.providerID) t.providerID = undefined;
  if (t.labels !== s.labels) t.labels = sharedLabels(t.labels, s.labels);
}

/** The labels both hold with the same value: `a` itself when it has nothing more (no copy). */
export function sharedLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): Record<string, string> | undefined {
  if (a === undefined || b === undefined) return undefined;
  const keys = Object.keys(a);
  let same = 0;
  while (same < keys.length) {
    const k = keys[same] ?? '';
    if (!Object.hasOwn(b, k) || b[k] !== a[k]) break;
    same++;
  }
  if (same === keys.length) return a;
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = a[k];
    if (v !== undefined && Object.hasOwn(b, k) && b[k] === v) out[k] = v;
  }
  return out;
}

/** Clears each property of `t` that `s` does not share (`t` being a record the caller owns). */
export function narrowAssetProperties(t: AssetProperties, s: AssetProperties): void {
  if (t.cluster !== s.cluster) t.cluster = undefined;
  if (t.category !== s.category) t.category = undefined;
  if (t.service !== s.service) t.service = undefined;
  if (t.name !== s.name) t.name = undefined;
  if (t.providerID !== s.providerID) t.providerID = undefined;
  if (t.namespace !== s.namespace) t.namespace = undefined;
}

/** A copy of `a` (its labels object shared, never written). */
export function cloneAsset(a: Asset): Asset {
  const properties = { ...a.properties };
  switch (a.type) {
    case 'Node':
      return { ...a, properties };
    case 'Disk':
      return { ...a, properties };
    case 'LoadBalancer':
      return { ...a, properties };
  }
}

/**
 * Folds `src` into `target` (a record the caller owns; both the same asset, so the same type):
 * amounts and costs summed, the span widened, capacities re-averaged over the span as OpenCost's
 * Node.CPUCores() derives them (core-hours / hours), properties and labels narrowed to those both share.
 */
export function addAssetInto(target: Asset, src: Asset): void {
  if (target.type !== src.type) throw new TypeError(`cannot fold a ${src.type} into the ${target.type} ${target.name}`);
  if (src.start < target.start) target.start = src.start;
  if (src.end > target.end) target.end = src.end;
  const hours = (target.end - target.start) / HOUR_MS;
  target.adjustment += src.adjustment;
  narrowAssetProperties(target.properties, src.properties);
  if (target.labels !== src.labels) target.labels = sharedLabels(target.labels, src.labels) ?? {};
  if (target.type === 'Node' && src.type === 'Node') {
    target.cpuCoreHours += src.cpuCoreHours;
    target.ramByteHours += src.ramByteHours;
    target.gpuHours += src.gpuHours;
    target.cpuCost += src.cpuCost;
    target.ramCost += src.ramCost;
    target.gpuCost += src.gpuCost;
    if (hours > 0) {
      target.cpuCores = target.cpuCoreHours / hours;
      target.ramBytes = target.ramByteHours / hours;
      target.gpuCount = target.gpuHours / hours;
    }
    if (target.nodeType !== src.nodeType) target.nodeType = src.nodeType ?? target.nodeType;
  } else if (target.type === 'Disk' && src.type === 'Disk') {
    target.byteHours += src.byteHours;
    target.cost += src.cost;
    if (hours > 0) target.bytes = target.byteHours / hours;
    target.storageClass = src.storageClass ?? target.storageClass;
    target.claimName = src.claimName ?? target.claimName;
    target.claimNamespace = src.claimNamespace ?? target.claimNamespace;
  } else if (target.type === 'LoadBalancer' && src.type === 'LoadBalancer') {
    target.cost += src.cost;
    target.ip = src.ip ?? target.ip;
  }
}
