/**
 * Aggregation (grouping a set's records by properties, as `aggregate=` asks) and accumulation
 * (merging the sets of consecutive windows into one, by name) of allocation and asset sets.
 * Nothing here changes the sets it is given: results are new records (label objects are shared
 * with the inputs and never written).
 */
import type { Window } from '../window.js';
import {
  IDLE_KEY,
  UNALLOCATED_KEY,
  type Allocation,
  type AllocationProperties,
  type AllocationSet,
  type Asset,
  type AssetProperties,
  type AssetSet,
  type AssetType,
  type ReconcileStamp,
} from './sets.js';

/** What allocations can be grouped by, as Kubecost's `aggregate` names it. */
export type AllocationAggregateBy = 'cluster' | 'node' | 'namespace' | 'controllerKind' | 'controller' | 'pod' | 'container' | `label:${string}`;

/** What assets can be grouped by. */
export type AssetAggregateBy = 'cluster' | 'type' | 'category' | 'name' | 'providerID' | `label:${string}`;

/** A parsed `aggregate` list, or why it does not parse (what is accepted is `*_AGGREGATE_ACCEPTS`). */
export type ParsedAggregate<T> = { readonly ok: true; readonly by: T[] } | { readonly ok: false; readonly reason: string };

/** The key part of assets that lack the aggregated property, as OpenCost's asset aggregation writes it. */
export const UNDEFINED_KEY = '__undefined__';

const ALLOCATION_PROPERTIES = ['cluster', 'node', 'namespace', 'controllerKind', 'controller', 'pod', 'container'] as const;
const ASSET_PROPERTIES = ['cluster', 'type', 'category', 'name', 'providerID'] as const;

/** What `parseAllocationAggregate` accepts, in words. */
export const ALLOCATION_AGGREGATE_ACCEPTS = `a comma list of ${ALLOCATION_PROPERTIES.join(', ')} or label:<name>, such as namespace,label:app`;
/** What `parseAssetAggregate` accepts, in words. */
export const ASSET_AGGREGATE_ACCEPTS = `a comma list of ${ASSET_PROPERTIES.join(', ')} or label:<name>, such as cluster,type`;

/** Parses Kubecost's `aggregate=namespace,label:app` for allocations (names case-insensitive, repeats dropped). */
export function parseAllocationAggregate(raw: string): ParsedAggregate<AllocationAggregateBy> {
  return parseAggregate<AllocationAggregateBy>(raw, ALLOCATION_PROPERTIES);
}

/** Parses an `aggregate` list for assets. */
export function parseAssetAggregate(raw: string): ParsedAggregate<AssetAggregateBy> {
  return parseAggregate<AssetAggregateBy>(raw, ASSET_PROPERTIES);
}

function parseAggregate<T extends string>(raw: string, known: readonly T[]): ParsedAggregate<T> {
  const by: T[] = [];
  for (const part of raw.split(',')) {
    const entry = part.trim();
    const fail = (reason: string): ParsedAggregate<T> => ({ ok: false, reason });
    if (entry === '') return fail('an entry is empty');
    let parsed: T | undefined;
    if (entry.toLowerCase().startsWith('label:')) {
      const label = entry.slice('label:'.length).trim();
      if (label === '') return fail('label: needs a label name');
      parsed = `label:${label}` as T;
    } else {
      parsed = known.find((k) => k.toLowerCase() === entry.toLowerCase());
      if (parsed === undefined) return fail(`${JSON.stringify(entry.slice(0, 60))} is not a property`);
    }
    if (!by.includes(parsed)) by.push(parsed);
  }
  return { ok: true, by };
}

/** How idle allocations are grouped, as Kubecost's `splitIdle` and `idleByNode` ask. */
export interface AllocationAggregateOptions {
  /** Keep idle apart per cluster (`cluster/__idle__`) instead of one `__idle__`. */
  readonly splitIdle?: boolean;
  /** With `splitIdle`: apart per node (`cluster/node/__idle__`). */
  readonly idleByNode?: boolean;
}

const IDLE_SUFFIX = `/${IDLE_KEY}`;

/** True for an idle allocation (`…/__idle__` or `__idle__`). */
export function isIdle(a: Allocation): boolean {
  return a.name === IDLE_KEY || a.name.endsWith(IDLE_SUFFIX);
}

/**
 * Groups allocations by `by`: the key is the members' values joined with '/' in the order given;
 * a member without a value gives `__unallocated__` for that part; `controller` reads
 * `kind:name` as in OpenCost. Idle allocations are not keyed by `by`: as in OpenCost (Kubecost's
 * default), all of them combine into one `__idle__`, or per cluster/node with `splitIdle`.
 * An aggregate keeps the properties (and labels) all its members share.
 */
export function aggregateAllocations(set: AllocationSet, by: readonly AllocationAggregateBy[], options: AllocationAggregateOptions = {}): AllocationSet {
  const keyOf = allocationKeyer(by);
  const groups = new Map<string, Allocation>();
  for (const a of set.allocations) {
    const key = isIdle(a) ? idleKey(a.properties, options) : keyOf(a.properties);
    const held = groups.get(key);
    if (held === undefined) groups.set(key, cloneAllocation(a, key));
    else addAllocationInto(held, a);
  }
  return { ...set, allocations: [...groups.values()].sort(byName) };
}

function idleKey(p: AllocationProperties, options: AllocationAggregateOptions): string {
  if (options.splitIdle !== true) return IDLE_KEY;
  const cluster = p.cluster ?? UNALLOCATED_KEY;
  return options.idleByNode === true ? `${cluster}/${p.node ?? UNALLOCATED_KEY}/${IDLE_KEY}` : `${cluster}/${IDLE_KEY}`;
}

type Part = (p: AllocationProperties) => string;

function allocationKeyer(by: readonly AllocationAggregateBy[]): (p: AllocationProperties) => string {
  const parts = by.map(allocationPart);
  if (parts.length === 1) return parts[0] ?? (() => '');
  return (p) => {
    let key = '';
    for (let i = 0; i < parts.length; i++) key += (i === 0 ? '' : '/') + (parts[i]?.(p) ?? '');
    return key;
  };
}

function allocationPart(by: AllocationAggregateBy): Part {
  switch (by) {
    case 'cluster':
      return (p) => p.cluster ?? UNALLOCATED_KEY;
    case 'node':
      return (p) => p.node ?? UNALLOCATED_KEY;
    case 'namespace':
      return (p) => p.namespace ?? UNALLOCATED_KEY;
    case 'controllerKind':
      return (p) => p.controllerKind ?? UNALLOCATED_KEY;
    case 'controller':
      return (p) => (p.controller === undefined ? UNALLOCATED_KEY : p.controllerKind === undefined ? p.controller : `${p.controllerKind}:${p.controller}`);
    case 'pod':
      return (p) => p.pod ?? UNALLOCATED_KEY;
    case 'container':
      return (p) => p.container ?? UNALLOCATED_KEY;
    default:
      return labelPart(by.slice('label:'.length));
  }
}

const PROMETHEUS_UNSAFE = /[^a-zA-Z0-9_]/g;

/**
 * A label's value; a name written as Prometheus sanitises it (`app_kubernetes_io_name`, as
 * Kubecost users write it) also finds the label it came from (`app.kubernetes.io/name`).
 */
function labelPart(name: string): Part {
  const sanitisedForm = !/[^a-zA-Z0-9_]/.test(name);
  const sanitised = new Map<string, string>();
  return (p) => {
    const labels = p.labels;
    if (labels === undefined) return UNALLOCATED_KEY;
    if (Object.hasOwn(labels, name)) return labels[name] ?? UNALLOCATED_KEY;
    if (!sanitisedForm) return UNALLOCATED_KEY;
    for (const key of Object.keys(labels)) {
      let s = sanitised.get(key);
      if (s === undefined) {
        s = key.replace(PROMETHEUS_UNSAFE, '_');
        sanitised.set(key, s);
      }
      if (s === name) return labels[key] ?? UNALLOCATED_KEY;
    }
    return UNALLOCATED_KEY;
  };
}

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A copy of `a` named `name` (its labels object shared, never written). */
export function cloneAllocation(a: Allocation, name: string = a.name): Allocation {
  const p = a.properties;
  return {
    name,
    properties: {
      cluster: p.cluster,
      node: p.node,
      namespace: p.namespace,
      controllerKind: p.controllerKind,
      controller: p.controller,
      pod: p.pod,
      container: p.container,
      labels: p.labels,
      providerID: p.providerID,
    },
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
    pvs: a.pvs === undefined ? undefined : addPvs({}, a.pvs),
  };
}

/** Adds each volume's share of `src` into `into` (which the caller owns). */
function addPvs(into: NonNullable<Allocation['pvs']>, src: NonNullable<Allocation['pvs']>): NonNullable<Allocation['pvs']> {
  for (const name of Object.keys(src)) {
    const s = src[name];
    if (s === undefined) continue;
    const held = Object.hasOwn(into, name) ? into[name] : undefined;
    if (held === undefined) into[name] = { byteHours: s.byteHours, cost: s.cost };
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
  const t = target.properties;
  const s = src.properties;
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
function sharedLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): Record<string, string> | undefined {
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

function narrowAssetProperties(t: AssetProperties, s: AssetProperties): void {
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

const MS_PER_HOUR = 3_600_000;

/**
 * Folds `src` into `target` (a record the caller owns; both the same asset, so the same type):
 * amounts and costs summed, the span widened, capacities re-averaged over the span as OpenCost's
 * Node.CPUCores() derives them (core-hours / hours), properties and labels narrowed to those both share.
 */
export function addAssetInto(target: Asset, src: Asset): void {
  if (target.type !== src.type) throw new TypeError(`cannot fold a ${src.type} into the ${target.type} ${target.name}`);
  if (src.start < target.start) target.start = src.start;
  if (src.end > target.end) target.end = src.end;
  const hours = (target.end - target.start) / MS_PER_HOUR;
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

/**
 * Accumulation by name over a window: the cluster the sets share (their names sorted and joined
 * with ',' when they differ; '' for none), the window given, and a reconciliation stamp only when
 * every set carried one from the same source (the latest time kept).
 */
abstract class SetAccumulator<R extends { name: string }> {
  readonly #window: Window;
  readonly #byName = new Map<string, R>();
  readonly #clusters = new Set<string>();
  #stamp: ReconcileStamp | undefined | null;

  constructor(window: Window) {
    this.#window = window;
  }

  protected abstract clone(r: R): R;
  protected abstract fold(target: R, src: R): void;

  protected addRecords(cluster: string, records: readonly R[], reconciled: ReconcileStamp | undefined): void {
    this.#clusters.add(cluster);
    this.#stamp = this.#stamp === null ? null : commonStamp(this.#stamp, reconciled);
    for (const r of records) {
      const held = this.#byName.get(r.name);
      if (held === undefined) this.#byName.set(r.name, this.clone(r));
      else this.fold(held, r);
    }
  }

  protected parts(): { cluster: string; window: Window; records: R[]; reconciled?: ReconcileStamp } {
    const out: { cluster: string; window: Window; records: R[]; reconciled?: ReconcileStamp } = {
      cluster: [...this.#clusters].sort().join(','),
      window: this.#window,
      records: [...this.#byName.values()].sort(byName),
    };
    if (this.#stamp !== null && this.#stamp !== undefined) out.reconciled = this.#stamp;
    return out;
  }
}

function commonStamp(sofar: ReconcileStamp | undefined, next: ReconcileStamp | undefined): ReconcileStamp | null {
  if (next === undefined) return null;
  if (sofar === undefined) return next;
  return sofar.source === next.source ? { source: next.source, at: Math.max(sofar.at, next.at) } : null;
}

/** Merges allocation sets one at a time (only the merged records are held), by name, into one set over a window. */
export class AllocationSetAccumulator extends SetAccumulator<Allocation> {
  protected clone(a: Allocation): Allocation {
    return cloneAllocation(a);
  }

  protected fold(target: Allocation, src: Allocation): void {
    addAllocationInto(target, src);
  }

  add(set: AllocationSet): void {
    this.addRecords(set.cluster, set.allocations, set.reconciled);
  }

  result(): AllocationSet {
    const { records, ...rest } = this.parts();
    return { ...rest, allocations: records };
  }
}

/** Merges asset sets one at a time, by name, into one set over a window. */
export class AssetSetAccumulator extends SetAccumulator<Asset> {
  protected clone(a: Asset): Asset {
    return cloneAsset(a);
  }

  protected fold(target: Asset, src: Asset): void {
    addAssetInto(target, src);
  }

  add(set: AssetSet): void {
    this.addRecords(set.cluster, set.assets, set.reconciled);
  }

  result(): AssetSet {
    const { records, ...rest } = this.parts();
    return { ...rest, assets: records };
  }
}

/** The sets of consecutive windows merged by name into one set over `window` (the daily roll-up, `accumulate=true`). */
export function accumulateAllocationSets(sets: readonly AllocationSet[], window: Window): AllocationSet {
  const acc = new AllocationSetAccumulator(window);
  for (const set of sets) acc.add(set);
  return acc.result();
}

/** Asset sets of consecutive windows merged by name into one set over `window`. */
export function accumulateAssetSets(sets: readonly AssetSet[], window: Window): AssetSet {
  const acc = new AssetSetAccumulator(window);
  for (const set of sets) acc.add(set);
  return acc.result();
}
