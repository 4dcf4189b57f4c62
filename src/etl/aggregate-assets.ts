/**
 * Aggregation of an asset set: its records grouped by properties, as `aggregate=` asks, into
 * aggregates that sum each kind of cost. Nothing here changes the set it is given.
 */
import type { Window } from '../window.js';
import { narrowAssetProperties, sharedLabels } from './add-records.js';
import type { AssetAggregateBy } from './aggregate-by.js';
import { byName, type Asset, type AssetProperties, type AssetSet, type AssetType, type ReconcileStamp } from './sets.js';

/** The key part of assets that lack the aggregated property, as OpenCost's asset aggregation writes it. */
export const UNDEFINED_KEY = '__undefined__';

/** A group of assets: the type they share (or `Any`), the properties and labels they share, their costs summed. */
export interface AssetAggregate {
  name: string;
  /** The members' common type, or `Any` when they differ (as OpenCost adds a Node and a Disk). */
  type: AssetType | 'Any';
  properties: AssetProperties;
  labels: Record<string, string>;
  start: number;
  end: number;
  /** Assets in the group. */
  count: number;
  /** Nodes' CPU cost. */
  cpuCost: number;
  /** Nodes' RAM cost. */
  ramCost: number;
  /** Nodes' GPU cost. */
  gpuCost: number;
  /** Disks' cost. */
  diskCost: number;
  /** Load balancers' cost. */
  loadBalancerCost: number;
  adjustment: number;
  /** Every cost above plus the adjustment. */
  totalCost: number;
}

/** An asset set grouped by properties. */
export interface AssetAggregateSet {
  readonly cluster: string;
  readonly window: Window;
  assets: AssetAggregate[];
  reconciled?: ReconcileStamp;
}

/**
 * Groups assets by `by`, as OpenCost keys them: values joined with '/', a missing value is
 * `__undefined__`, `label:team` gives `team=<value>`. Properties and labels: those all members share.
 */
export function aggregateAssets(set: AssetSet, by: readonly AssetAggregateBy[]): AssetAggregateSet {
  const parts = by.map(assetPart);
  const groups = new Map<string, AssetAggregate>();
  for (const a of set.assets) {
    let key = '';
    for (let i = 0; i < parts.length; i++) key += (i === 0 ? '' : '/') + (parts[i]?.(a) ?? UNDEFINED_KEY);
    const held = groups.get(key);
    if (held === undefined) groups.set(key, assetAggregateOf(a, key));
    else addToAssetAggregate(held, a);
  }
  const out: AssetAggregateSet = { cluster: set.cluster, window: set.window, assets: [...groups.values()].sort(byName) };
  if (set.reconciled !== undefined) out.reconciled = set.reconciled;
  return out;
}

function assetPart(by: AssetAggregateBy): (a: Asset) => string {
  const orUndefined = (v: string | undefined): string => (v === undefined || v === '' ? UNDEFINED_KEY : v);
  switch (by) {
    case 'cluster':
      return (a) => orUndefined(a.properties.cluster);
    case 'type':
      return (a) => a.type;
    case 'category':
      return (a) => orUndefined(a.properties.category);
    case 'name':
      return (a) => orUndefined(a.properties.name);
    case 'providerID':
      return (a) => orUndefined(a.properties.providerID);
    default: {
      const label = by.slice('label:'.length);
      return (a) => {
        const v = Object.hasOwn(a.labels, label) ? a.labels[label] : undefined;
        return v === undefined || v === '' ? UNDEFINED_KEY : `${label}=${v}`;
      };
    }
  }
}

function costsOf(a: Asset): { cpu: number; ram: number; gpu: number; disk: number; lb: number } {
  switch (a.type) {
    case 'Node':
      return { cpu: a.cpuCost, ram: a.ramCost, gpu: a.gpuCost, disk: 0, lb: 0 };
    case 'Disk':
      return { cpu: 0, ram: 0, gpu: 0, disk: a.cost, lb: 0 };
    case 'LoadBalancer':
      return { cpu: 0, ram: 0, gpu: 0, disk: 0, lb: a.cost };
  }
}

function assetAggregateOf(a: Asset, name: string): AssetAggregate {
  const c = costsOf(a);
  return {
    name,
    type: a.type,
    properties: { ...a.properties },
    labels: a.labels,
    start: a.start,
    end: a.end,
    count: 1,
    cpuCost: c.cpu,
    ramCost: c.ram,
    gpuCost: c.gpu,
    diskCost: c.disk,
    loadBalancerCost: c.lb,
    adjustment: a.adjustment,
    totalCost: c.cpu + c.ram + c.gpu + c.disk + c.lb + a.adjustment,
  };
}

function addToAssetAggregate(g: AssetAggregate, a: Asset): void {
  const c = costsOf(a);
  if (g.type !== a.type) g.type = 'Any';
  if (a.start < g.start) g.start = a.start;
  if (a.end > g.end) g.end = a.end;
  g.count++;
  g.cpuCost += c.cpu;
  g.ramCost += c.ram;
  g.gpuCost += c.gpu;
  g.diskCost += c.disk;
  g.loadBalancerCost += c.lb;
  g.adjustment += a.adjustment;
  g.totalCost += c.cpu + c.ram + c.gpu + c.disk + c.lb + a.adjustment;
  narrowAssetProperties(g.properties, a.properties);
  if (g.labels !== a.labels) g.labels = sharedLabels(g.labels, a.labels) ?? {};
}
