/**
 * The set renderer as it was before issue #19 (src/etl/set-json.ts at 3cbb7fa): one object per
 * record, JSON.stringify of a few hundred records at a time. Kept only as the oracle the written
 * renderer must match byte for byte (test/etl/set-json-previous.test.ts); not to be changed.
 */
import { formatRfc3339Seconds } from '../../src/time.js';
import type { Window } from '../../src/window.js';
import type { AssetAggregate, AssetAggregateSet } from '../../src/etl/aggregate-assets.js';
import type { Allocation, AllocationSet, Asset, AssetProperties, AssetSet } from '../../src/etl/sets.js';

/** Rounded to 5 decimals as OpenCost (half away from zero); NaN and ±Inf stay as they are, and JSON.stringify prints them null. */
function r5(x: number): number {
  return (x < 0 ? -Math.round(-x * 1e5) : Math.round(x * 1e5)) / 1e5;
}

const MS_PER_MINUTE = 60_000;

/** Per-render caches: the window, times and label objects recur across records. */
class RenderContext {
  readonly window: { readonly start: string; readonly end: string };
  readonly #start: number;
  readonly #end: number;
  readonly #times = new Map<number, string>();
  readonly #labels = new Map<Record<string, string>, Record<string, string>>();
  /** Labels objects that hold no label (an allocation omits them). */
  readonly #empty = new Set<Record<string, string>>();

  constructor(window: Window) {
    this.#start = window.start;
    this.#end = window.end;
    this.window = { start: formatRfc3339Seconds(window.start), end: formatRfc3339Seconds(window.end) };
  }

  /** Most records start and end with the window, so those skip the map. */
  time(ms: number): string {
    if (ms === this.#start) return this.window.start;
    if (ms === this.#end) return this.window.end;
    let s = this.#times.get(ms);
    if (s === undefined) {
      s = formatRfc3339Seconds(ms);
      this.#times.set(ms, s);
    }
    return s;
  }

  /** The labels with keys sorted, as Go prints a map (a copy per labels object, made once). */
  labels(labels: Record<string, string>): Record<string, string> {
    let sorted = this.#labels.get(labels);
    if (sorted === undefined) {
      sorted = Object.create(null) as Record<string, string>;
      const keys = Object.keys(labels).sort();
      for (const k of keys) sorted[k] = labels[k] ?? '';
      this.#labels.set(labels, sorted);
      if (keys.length === 0) this.#empty.add(labels);
    }
    return sorted;
  }

  /** Allocation labels as OpenCost prints them: omitted when there are none. */
  someLabels(labels: Record<string, string> | undefined): Record<string, string> | undefined {
    if (labels === undefined) return undefined;
    const sorted = this.labels(labels);
    return this.#empty.has(labels) ? undefined : sorted;
  }
}

/** An amount over its hours, as OpenCost derives cpuCores from cpuCoreHours (0 for no time). */
function perHour(amount: number, hours: number): number {
  return hours > 0 ? amount / hours : 0;
}

/** An empty string as absent, so JSON.stringify omits it as Go's omitempty does. */
function omitEmpty(s: string | undefined): string | undefined {
  return s === '' ? undefined : s;
}

/** OpenCost's `pvs`: each volume's share keyed `cluster=<cluster>:name=<volume>` (its PVKey as text), unrounded as Go prints it; null without. */
function pvsJson(a: Allocation): Record<string, { byteHours: number; cost: number }> | null {
  if (a.pvs === undefined) return null;
  const out = Object.create(null) as Record<string, { byteHours: number; cost: number }>;
  for (const [name, share] of Object.entries(a.pvs)) out[`cluster=${a.properties.cluster ?? ''}:name=${name}`] = { byteHours: share.byteHours, cost: share.cost };
  return out;
}

function allocationJson(a: Allocation, ctx: RenderContext): object {
  const minutes = (a.end - a.start) / MS_PER_MINUTE;
  const hours = minutes / 60;
  const p = a.properties;
  return {
    name: a.name,
    // OpenCost's AllocationProperties field order.
    properties: {
      cluster: omitEmpty(p.cluster),
      node: omitEmpty(p.node),
      container: omitEmpty(p.container),
      controller: omitEmpty(p.controller),
      controllerKind: omitEmpty(p.controllerKind),
      namespace: omitEmpty(p.namespace),
      pod: omitEmpty(p.pod),
      providerID: omitEmpty(p.providerID),
      labels: ctx.someLabels(p.labels),
    },
    window: ctx.window,
    start: ctx.time(a.start),
    end: ctx.time(a.end),
    minutes: r5(minutes),
    cpuCores: r5(perHour(a.cpuCoreHours, hours)),
    cpuCoreRequestAverage: r5(a.cpuCoreRequestAverage),
    cpuCoreHours: r5(a.cpuCoreHours),
    cpuCost: r5(a.cpuCost),
    cpuCostAdjustment: r5(a.cpuCostAdjustment),
    gpuCount: r5(perHour(a.gpuHours, hours)),
    gpuRequestAverage: r5(a.gpuRequestAverage),
    gpuHours: r5(a.gpuHours),
    gpuCost: r5(a.gpuCost),
    gpuCostAdjustment: r5(a.gpuCostAdjustment),
    networkCost: 0,
    loadBalancerCost: 0,
    pvBytes: r5(perHour(a.pvByteHours, hours)),
    pvByteHours: r5(a.pvByteHours),
    pvCost: r5(a.pvCost),
    pvs: pvsJson(a),
    pvCostAdjustment: r5(a.pvCostAdjustment),
    ramBytes: r5(perHour(a.ramByteHours, hours)),
    ramByteRequestAverage: r5(a.ramByteRequestAverage),
    ramByteHours: r5(a.ramByteHours),
    ramCost: r5(a.ramCost),
    ramCostAdjustment: r5(a.ramCostAdjustment),
    externalCost: 0,
    sharedCost: 0,
    totalCost: r5(a.cpuCost + a.cpuCostAdjustment + a.gpuCost + a.gpuCostAdjustment + a.ramCost + a.ramCostAdjustment + a.pvCost + a.pvCostAdjustment),
  };
}

/** AssetProperties in OpenCost's field order (category, service, cluster, name, providerID), then our namespace. */
function assetPropertiesJson(p: AssetProperties): object {
  return {
    category: omitEmpty(p.category),
    service: omitEmpty(p.service),
    cluster: omitEmpty(p.cluster),
    name: omitEmpty(p.name),
    providerID: omitEmpty(p.providerID),
    namespace: omitEmpty(p.namespace),
  };
}

function assetJson(a: Asset, ctx: RenderContext): object {
  const properties = assetPropertiesJson(a.properties);
  const labels = ctx.labels(a.labels);
  const start = ctx.time(a.start);
  const end = ctx.time(a.end);
  const minutes = r5((a.end - a.start) / MS_PER_MINUTE);
  switch (a.type) {
    case 'Node':
      return {
        type: a.type, properties, labels, window: ctx.window, start, end, minutes,
        nodeType: a.nodeType ?? '',
        cpuCores: r5(a.cpuCores),
        ramBytes: r5(a.ramBytes),
        cpuCoreHours: r5(a.cpuCoreHours),
        ramByteHours: r5(a.ramByteHours),
        GPUHours: r5(a.gpuHours),
        cpuCost: r5(a.cpuCost),
        gpuCost: r5(a.gpuCost),
        gpuCount: r5(a.gpuCount),
        ramCost: r5(a.ramCost),
        adjustment: r5(a.adjustment),
        totalCost: r5(a.cpuCost + a.gpuCost + a.ramCost + a.adjustment),
      };
    case 'Disk':
      return {
        type: a.type, properties, labels, window: ctx.window, start, end, minutes,
        byteHours: r5(a.byteHours),
        bytes: r5(a.bytes),
        adjustment: r5(a.adjustment),
        totalCost: r5(a.cost + a.adjustment),
        storageClass: a.storageClass ?? '',
        volumeName: a.volumeName,
        claimName: a.claimName ?? '',
        claimNamespace: a.claimNamespace ?? '',
      };
    case 'LoadBalancer':
      return {
        type: a.type, properties, labels, window: ctx.window, start, end, minutes,
        adjustment: r5(a.adjustment),
        totalCost: r5(a.cost + a.adjustment),
        ip: a.ip ?? '',
      };
  }
}

function assetAggregateJson(a: AssetAggregate, ctx: RenderContext): object {
  return {
    type: a.type,
    properties: assetPropertiesJson(a.properties),
    labels: ctx.labels(a.labels),
    window: ctx.window,
    start: ctx.time(a.start),
    end: ctx.time(a.end),
    minutes: r5((a.end - a.start) / MS_PER_MINUTE),
    count: a.count,
    cpuCost: r5(a.cpuCost),
    gpuCost: r5(a.gpuCost),
    ramCost: r5(a.ramCost),
    diskCost: r5(a.diskCost),
    loadBalancerCost: r5(a.loadBalancerCost),
    adjustment: r5(a.adjustment),
    totalCost: r5(a.totalCost),
  };
}

/** True for a name a JavaScript object would order before the others (an array index such as "7"). */
function isIndexLike(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(name) && Number(name) < 4294967295;
}

/** Records per JSON.stringify call when a set's names are sorted and unique (see renderKeyed). */
const CHUNK = 256;

/** True when every name is after the one before (sorted, no name twice), as every set the pipeline makes. */
function strictlyAscending(records: readonly { readonly name: string }[]): boolean {
  for (let i = 1; i < records.length; i++) if (!((records[i - 1]?.name ?? '') < (records[i]?.name ?? ''))) return false;
  return true;
}

/**
 * The records as one JSON object keyed by name, in the set's order (sorted by name, as Go
 * prints a map). Records of a sorted set are stringified CHUNK at a time and the pieces joined:
 * the same bytes as one object of the whole set (no name can repeat across pieces), and each
 * piece's objects die young instead of all of them living until one call at the end (about 10%
 * of the render's CPU). A set not sorted is rendered as one object, so a name given twice keeps
 * its first place and last value as it always has. JavaScript would move index-like keys ("7")
 * to the front of an object, so a piece holding any is joined record by record instead.
 */
function renderKeyed<R extends { readonly name: string }>(records: readonly R[], ctx: RenderContext, json: (r: R, ctx: RenderContext) => object): string {
  const size = strictlyAscending(records) ? CHUNK : Math.max(1, records.length);
  const pieces: string[] = [];
  for (let from = 0; from < records.length; from += size) {
    const to = Math.min(records.length, from + size);
    let indexLike = false;
    for (let i = from; i < to; i++) if (isIndexLike((records[i] as R).name)) indexLike = true;
    if (indexLike) {
      for (let i = from; i < to; i++) {
        const r = records[i] as R;
        pieces.push(`${JSON.stringify(r.name)}:${JSON.stringify(json(r, ctx))}`);
      }
      continue;
    }
    const out = Object.create(null) as Record<string, object>;
    for (let i = from; i < to; i++) {
      const r = records[i] as R;
      out[r.name] = json(r, ctx);
    }
    pieces.push(JSON.stringify(out).slice(1, -1));
  }
  return `{${pieces.join(',')}}`;
}

/** One allocation's JSON within `window`. */
export function previousRenderAllocation(a: Allocation, window: Window): string {
  return JSON.stringify(allocationJson(a, new RenderContext(window)));
}

/** A set as OpenCost marshals an AllocationSet: an object of its allocations keyed by name. */
export function previousRenderAllocationSet(set: AllocationSet): string {
  return renderKeyed(set.allocations, new RenderContext(set.window), allocationJson);
}

/** One asset's JSON within `window`. */
export function previousRenderAsset(a: Asset, window: Window): string {
  return JSON.stringify(assetJson(a, new RenderContext(window)));
}

/** A set as OpenCost marshals an AssetSet: an object of its assets keyed by name. */
export function previousRenderAssetSet(set: AssetSet): string {
  return renderKeyed(set.assets, new RenderContext(set.window), assetJson);
}

/** An aggregated asset set: an object of its aggregates keyed by name. */
export function previousRenderAssetAggregateSet(set: AssetAggregateSet): string {
  return renderKeyed(set.assets, new RenderContext(set.window), assetAggregateJson);
}
