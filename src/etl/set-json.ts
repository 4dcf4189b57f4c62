/**
 * Sets in the JSON Kubecost and OpenCost answer with: a set is an object keyed by record name;
 * an allocation is OpenCost's AllocationJSON (core/pkg/opencost/allocation_json.go), an asset its
 * asset_json.go shape, fields in their order. Floats are rounded to 5 decimals as OpenCost rounds
 * them (NaN and ±Inf print null); times are RFC 3339 seconds in UTC; labels print with sorted
 * keys and empty properties are omitted, as Go prints them. Fields we do not compute (usage,
 * efficiency, breakdowns, network detail) are left out rather than invented.
 *
 * Each record is written field by field into a JsonWriter (json-writer.ts), in the order the
 * fields print, with the bytes JSON.stringify would print for the object the renderer used to
 * build (test/support/previous-set-json.ts, the tests' oracle): building that object per record
 * cost about as much as printing it (issue #19: 441 ms against 272 ms to print the benchmark's
 * 39,130 allocations already built). What recurs across records is made once: keys as bytes per
 * process; the window and its times, and the labels' key order, per render. The schemas of this
 * JSON are set-json-schemas.ts.
 */
import { formatRfc3339Seconds } from '../time.js';
import type { Window } from '../window.js';
import type { AssetAggregate, AssetAggregateSet } from './aggregate-assets.js';
import { ChunkPool, fragment, JsonWriter, type JsonBytes } from './json-writer.js';
import type { Allocation, AllocationSet, Asset, AssetProperties, AssetSet } from './sets.js';

/** `x` rounded to 5 decimals as OpenCost's formatFloat64ForResponse (math.Round: half away from zero); null when not finite. JsonWriter.rounded prints the same. */
export function roundForJson(x: number): number | null {
  const r = (x < 0 ? -Math.round(-x * 1e5) : Math.round(x * 1e5)) / 1e5;
  return Number.isFinite(r) ? r + 0 : null; // + 0 turns -0 into 0
}

const MS_PER_MINUTE = 60_000;

/** Per-render caches: the window, times and labels recur across records. */
class RenderContext {
  /** `,"window":{…}` as every record prints it. */
  readonly windowField: Uint8Array;
  readonly #start: number;
  readonly #end: number;
  /** The window's start and end as JSON strings (`"2024-05-03T08:00:00Z"`), as bytes. */
  readonly #startJson: Uint8Array;
  readonly #endJson: Uint8Array;
  readonly #times = new Map<number, Uint8Array>();
  /** Print order of each distinct list of label keys, by the list as JSON. */
  readonly #labelKeys = new Map<string, LabelKeys>();
  /** The first few lists of label keys found, as given: compared key by key before the map (no JSON of the keys to hash); most pods have one of a few. */
  readonly #commonLabelKeys: { readonly given: readonly string[]; readonly found: LabelKeys }[] = [];
  /** The labels object asked for last and its keys' order: a pod's containers are next to each other and share it. */
  #lastLabels: Record<string, string> | undefined;
  #lastLabelKeys: LabelKeys = NO_LABELS;

  constructor(window: Window) {
    this.#start = window.start;
    this.#end = window.end;
    const start = formatRfc3339Seconds(window.start);
    const end = formatRfc3339Seconds(window.end);
    this.#startJson = fragment(JSON.stringify(start));
    this.#endJson = fragment(JSON.stringify(end));
    this.windowField = fragment(`,"window":${JSON.stringify({ start, end })}`);
  }

  /** A time as a JSON string of RFC 3339 seconds, as bytes. Most records start and end with the window, so those skip the map. */
  time(ms: number): Uint8Array {
    if (ms === this.#start) return this.#startJson;
    if (ms === this.#end) return this.#endJson;
    let s = this.#times.get(ms);
    if (s === undefined) {
      s = fragment(JSON.stringify(formatRfc3339Seconds(ms)));
      this.#times.set(ms, s);
    }
    return s;
  }

  /**
   * The labels' keys in the order they print: sorted, as Go prints a map, except that index-like
   * keys ("7") come first, as they always have: the answer was once JSON.stringify of a sorted
   * copy, and a JavaScript object puts those keys first. Found once per distinct list of keys:
   * most pods' labels have one of a few lists, and each labels object is its pod's own.
   */
  labelKeys(labels: Record<string, string>): LabelKeys {
    if (labels === this.#lastLabels) return this.#lastLabelKeys;
    this.#lastLabels = labels;
    this.#lastLabelKeys = this.#findLabelKeys(labels);
    return this.#lastLabelKeys;
  }

  #findLabelKeys(labels: Record<string, string>): LabelKeys {
    const keys = Object.keys(labels);
    if (keys.length === 0) return NO_LABELS;
    for (const common of this.#commonLabelKeys) if (sameKeys(common.given, keys)) return common.found;
    const id = JSON.stringify(keys);
    let found = this.#labelKeys.get(id);
    if (found === undefined) {
      const sorted = Object.create(null) as Record<string, true>;
      for (const k of [...keys].sort()) sorted[k] = true;
      const order = Object.keys(sorted);
      const printable = order.every((k) => PRINTABLE_KEY.test(k));
      found = { order, keys: printable ? order.map((k, i) => fragment(`${i === 0 ? '{' : ','}${JSON.stringify(k)}:`)) : undefined };
      this.#labelKeys.set(id, found);
      if (this.#commonLabelKeys.length < COMMON_LABEL_KEY_LISTS) this.#commonLabelKeys.push({ given: keys, found });
    }
    return found;
  }
}

/** How many lists of label keys RenderContext compares key by key before looking the list up by its JSON. */
const COMMON_LABEL_KEY_LISTS = 8;

/** Whether two lists hold the same keys in the same order. */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A labels object's keys in print order, with each key as bytes (`{"app":`, `,"team":`) when all are printable ASCII needing no escape. */
interface LabelKeys {
  readonly order: readonly string[];
  readonly keys: readonly Uint8Array[] | undefined;
}

const NO_LABELS: LabelKeys = { order: [], keys: [] };

/** A key JsonWriter.string would copy as it is. */
const PRINTABLE_KEY = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `labels` as a JSON object in print order (RenderContext.labelKeys); an absent value prints "". */
function writeLabels(w: JsonWriter, labels: Record<string, string>, { order, keys }: LabelKeys): void {
  if (order.length === 0) return w.json('{}');
  for (let i = 0; i < order.length; i++) {
    const k = order[i] as string;
    const key = keys?.[i];
    if (key !== undefined) w.bytes(key);
    else {
      w.json(i === 0 ? '{' : ',');
      w.string(k);
      w.json(':');
    }
    w.string(labels[k] ?? '');
  }
  w.json('}');
}

/** An amount over its hours, as OpenCost derives cpuCores from cpuCoreHours (0 for no time). */
function perHour(amount: number, hours: number): number {
  return hours > 0 ? amount / hours : 0;
}

/**
 * `<before>"<name>":` for each field name, made once as bytes (JsonWriter.bytes): keys are about
 * half of an answer's bytes, and copying them costs less than reading them from a string.
 */
function fieldKeys<N extends string>(before: string, names: readonly N[]): Readonly<Record<N, Uint8Array>> {
  return Object.fromEntries(names.map((n) => [n, fragment(`${before}${JSON.stringify(n)}:`)])) as Record<N, Uint8Array>;
}

/** The keys of every field a record prints after its first. */
const FIELD = fieldKeys(',', [
  'properties', 'labels', 'start', 'end', 'minutes', 'cpuCores', 'cpuCoreRequestAverage', 'cpuCoreHours', 'cpuCost',
  'cpuCostAdjustment', 'gpuCount', 'gpuRequestAverage', 'gpuHours', 'gpuCost', 'gpuCostAdjustment', 'pvBytes', 'pvByteHours',
  'pvCost', 'pvs', 'pvCostAdjustment', 'ramBytes', 'ramByteRequestAverage', 'ramByteHours', 'ramCost', 'ramCostAdjustment',
  'totalCost', 'nodeType', 'GPUHours', 'adjustment', 'byteHours', 'bytes', 'storageClass', 'volumeName',
  'claimName', 'claimNamespace', 'ip', 'count', 'diskCost', 'loadBalancerCost',
]);

/** A key as the first field of its object (`{"cluster":`) and after another (`,"cluster":`). */
interface OptionalKey {
  readonly first: Uint8Array;
  readonly next: Uint8Array;
}

/** The keys of fields Go leaves out when empty (OmitEmptyFields), with a brace or a comma before each. */
function optionalKeys<N extends string>(names: readonly N[]): Readonly<Record<N, OptionalKey>> {
  const first = fieldKeys('{', names);
  const next = fieldKeys(',', names);
  return Object.fromEntries(names.map((n) => [n, { first: first[n], next: next[n] }])) as Record<N, OptionalKey>;
}

/** The keys of allocation and asset properties. */
const PROPERTY = optionalKeys(['cluster', 'node', 'container', 'controller', 'controllerKind', 'namespace', 'pod', 'providerID', 'labels', 'category', 'service', 'name']);

/** Costs an allocation prints as 0: we see no network or load balancer usage per allocation. */
const UNCOMPUTED_COSTS = fragment(',"networkCost":0,"loadBalancerCost":0');
/** Costs an allocation prints as 0: no external costs, and idle and shared costs are not distributed. */
const UNCOMPUTED_SHARES = fragment(',"externalCost":0,"sharedCost":0');

/** `key` (FIELD) and the amount rounded. */
function amount(w: JsonWriter, key: Uint8Array, x: number): void {
  w.bytes(key);
  w.rounded(x);
}

/** `key` (FIELD) and the time as RFC 3339 seconds. */
function time(w: JsonWriter, key: Uint8Array, ms: number, ctx: RenderContext): void {
  w.bytes(key);
  w.bytes(ctx.time(ms));
}

/**
 * Writes an object's string fields Go omits when empty (omitempty): each present field after a
 * comma, or after the opening brace for the first. `close` ends the object, `{}` if none printed.
 */
class OmitEmptyFields {
  #open = false;
  constructor(private readonly w: JsonWriter) {}

  /** A string field, left out when absent or empty. */
  string(key: OptionalKey, value: string | undefined): void {
    if (value === undefined || value === '') return;
    this.key(key);
    this.w.string(value);
  }

  close(): void {
    this.w.json(this.#open ? '}' : '{}');
  }

  /** A field's key, its value for the caller to write. */
  key(key: OptionalKey): void {
    this.w.bytes(this.#open ? key.next : key.first);
    this.#open = true;
  }
}

/** OpenCost's `pvs`: each volume's share keyed `cluster=<cluster>:name=<volume>` (its PVKey as text), unrounded as Go prints it; null without. */
function writePvs(w: JsonWriter, a: Allocation): void {
  w.bytes(FIELD.pvs);
  if (a.pvs === undefined) return w.json('null');
  let sep = '{';
  for (const [name, share] of Object.entries(a.pvs)) {
    w.json(sep);
    w.string(`cluster=${a.properties.cluster ?? ''}:name=${name}`);
    w.json(':{"byteHours":');
    w.number(share.byteHours);
    w.json(',"cost":');
    w.number(share.cost);
    w.json('}');
    sep = ',';
  }
  w.json(sep === '{' ? '{}' : '}');
}

function writeAllocation(w: JsonWriter, a: Allocation, ctx: RenderContext): void {
  const minutes = (a.end - a.start) / MS_PER_MINUTE;
  const hours = minutes / 60;
  const p = a.properties;
  w.json('{"name":');
  w.string(a.name);
  // OpenCost's AllocationProperties field order; labels omitted when there are none.
  w.bytes(FIELD.properties);
  const properties = new OmitEmptyFields(w);
  properties.string(PROPERTY.cluster, p.cluster);
  properties.string(PROPERTY.node, p.node);
  properties.string(PROPERTY.container, p.container);
  properties.string(PROPERTY.controller, p.controller);
  properties.string(PROPERTY.controllerKind, p.controllerKind);
  properties.string(PROPERTY.namespace, p.namespace);
  properties.string(PROPERTY.pod, p.pod);
  properties.string(PROPERTY.providerID, p.providerID);
  if (p.labels !== undefined) {
    const labelKeys = ctx.labelKeys(p.labels);
    if (labelKeys.order.length > 0) {
      properties.key(PROPERTY.labels);
      writeLabels(w, p.labels, labelKeys);
    }
  }
  properties.close();
  w.bytes(ctx.windowField);
  time(w, FIELD.start, a.start, ctx);
  time(w, FIELD.end, a.end, ctx);
  amount(w, FIELD.minutes, minutes);
  amount(w, FIELD.cpuCores, perHour(a.cpuCoreHours, hours));
  amount(w, FIELD.cpuCoreRequestAverage, a.cpuCoreRequestAverage);
  amount(w, FIELD.cpuCoreHours, a.cpuCoreHours);
  amount(w, FIELD.cpuCost, a.cpuCost);
  amount(w, FIELD.cpuCostAdjustment, a.cpuCostAdjustment);
  amount(w, FIELD.gpuCount, perHour(a.gpuHours, hours));
  amount(w, FIELD.gpuRequestAverage, a.gpuRequestAverage);
  amount(w, FIELD.gpuHours, a.gpuHours);
  amount(w, FIELD.gpuCost, a.gpuCost);
  amount(w, FIELD.gpuCostAdjustment, a.gpuCostAdjustment);
  w.bytes(UNCOMPUTED_COSTS);
  amount(w, FIELD.pvBytes, perHour(a.pvByteHours, hours));
  amount(w, FIELD.pvByteHours, a.pvByteHours);
  amount(w, FIELD.pvCost, a.pvCost);
  writePvs(w, a);
  amount(w, FIELD.pvCostAdjustment, a.pvCostAdjustment);
  amount(w, FIELD.ramBytes, perHour(a.ramByteHours, hours));
  amount(w, FIELD.ramByteRequestAverage, a.ramByteRequestAverage);
  amount(w, FIELD.ramByteHours, a.ramByteHours);
  amount(w, FIELD.ramCost, a.ramCost);
  amount(w, FIELD.ramCostAdjustment, a.ramCostAdjustment);
  w.bytes(UNCOMPUTED_SHARES);
  amount(w, FIELD.totalCost, a.cpuCost + a.cpuCostAdjustment + a.gpuCost + a.gpuCostAdjustment + a.ramCost + a.ramCostAdjustment + a.pvCost + a.pvCostAdjustment);
  w.json('}');
}

/**
 * What every asset and aggregate prints first: its type, AssetProperties in OpenCost's field
 * order (category, service, cluster, name, providerID, then our namespace), its labels (always,
 * `{}` for none), the window, its times and minutes.
 */
function writeAssetHead(w: JsonWriter, a: Asset | AssetAggregate, ctx: RenderContext): void {
  w.json('{"type":');
  w.string(a.type);
  w.bytes(FIELD.properties);
  const p: AssetProperties = a.properties;
  const properties = new OmitEmptyFields(w);
  properties.string(PROPERTY.category, p.category);
  properties.string(PROPERTY.service, p.service);
  properties.string(PROPERTY.cluster, p.cluster);
  properties.string(PROPERTY.name, p.name);
  properties.string(PROPERTY.providerID, p.providerID);
  properties.string(PROPERTY.namespace, p.namespace);
  properties.close();
  w.bytes(FIELD.labels);
  writeLabels(w, a.labels, ctx.labelKeys(a.labels));
  w.bytes(ctx.windowField);
  time(w, FIELD.start, a.start, ctx);
  time(w, FIELD.end, a.end, ctx);
  amount(w, FIELD.minutes, (a.end - a.start) / MS_PER_MINUTE);
}

function writeAsset(w: JsonWriter, a: Asset, ctx: RenderContext): void {
  writeAssetHead(w, a, ctx);
  switch (a.type) {
    case 'Node':
      w.bytes(FIELD.nodeType);
      w.string(a.nodeType ?? '');
      amount(w, FIELD.cpuCores, a.cpuCores);
      amount(w, FIELD.ramBytes, a.ramBytes);
      amount(w, FIELD.cpuCoreHours, a.cpuCoreHours);
      amount(w, FIELD.ramByteHours, a.ramByteHours);
      amount(w, FIELD.GPUHours, a.gpuHours);
      amount(w, FIELD.cpuCost, a.cpuCost);
      amount(w, FIELD.gpuCost, a.gpuCost);
      amount(w, FIELD.gpuCount, a.gpuCount);
      amount(w, FIELD.ramCost, a.ramCost);
      amount(w, FIELD.adjustment, a.adjustment);
      amount(w, FIELD.totalCost, a.cpuCost + a.gpuCost + a.ramCost + a.adjustment);
      break;
    case 'Disk':
      amount(w, FIELD.byteHours, a.byteHours);
      amount(w, FIELD.bytes, a.bytes);
      amount(w, FIELD.adjustment, a.adjustment);
      amount(w, FIELD.totalCost, a.cost + a.adjustment);
      w.bytes(FIELD.storageClass);
      w.string(a.storageClass ?? '');
      w.bytes(FIELD.volumeName);
      w.string(a.volumeName);
      w.bytes(FIELD.claimName);
      w.string(a.claimName ?? '');
      w.bytes(FIELD.claimNamespace);
      w.string(a.claimNamespace ?? '');
      break;
    case 'LoadBalancer':
      amount(w, FIELD.adjustment, a.adjustment);
      amount(w, FIELD.totalCost, a.cost + a.adjustment);
      w.bytes(FIELD.ip);
      w.string(a.ip ?? '');
      break;
  }
  w.json('}');
}

function writeAssetAggregate(w: JsonWriter, a: AssetAggregate, ctx: RenderContext): void {
  writeAssetHead(w, a, ctx);
  w.bytes(FIELD.count);
  w.number(a.count);
  amount(w, FIELD.cpuCost, a.cpuCost);
  amount(w, FIELD.gpuCost, a.gpuCost);
  amount(w, FIELD.ramCost, a.ramCost);
  amount(w, FIELD.diskCost, a.diskCost);
  amount(w, FIELD.loadBalancerCost, a.loadBalancerCost);
  amount(w, FIELD.adjustment, a.adjustment);
  amount(w, FIELD.totalCost, a.totalCost);
  w.json('}');
}

/** True for a name a JavaScript object would order before the others (an array index such as "7"). */
function isIndexLike(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(name) && Number(name) < 4294967295;
}

/** True when every name is after the one before (sorted, no name twice), as every set the pipeline makes. */
function strictlyAscending(records: readonly { readonly name: string }[]): boolean {
  for (let i = 1; i < records.length; i++) if (!((records[i - 1]?.name ?? '') < (records[i]?.name ?? ''))) return false;
  return true;
}

/**
 * The records an answer prints, in its order. A sorted set (every set the pipeline makes) prints
 * as it is. The renderer used to build one JavaScript object of a set not sorted, and the answers
 * keep what that printed: a name given twice in its first place with its last value, except in a
 * set holding an index-like name ("7", which an object would move to the front), which printed
 * record by record as given.
 */
function keyedOrder<R extends { readonly name: string }>(records: readonly R[]): readonly R[] {
  if (strictlyAscending(records) || records.some((r) => isIndexLike(r.name))) return records;
  const last = new Map<string, R>();
  for (const r of records) last.set(r.name, r);
  return [...last.values()];
}

/** The records as one JSON object keyed by name (see keyedOrder). */
function renderKeyed<R extends { readonly name: string }>(records: readonly R[], window: Window, pool: ChunkPool, write: (w: JsonWriter, r: R, ctx: RenderContext) => void): JsonBytes {
  const w = new JsonWriter(pool);
  const ctx = new RenderContext(window);
  let sep = '{';
  for (const r of keyedOrder(records)) {
    w.json(sep);
    w.string(r.name);
    w.json(':');
    write(w, r, ctx);
    sep = ',';
  }
  w.json(sep === '{' ? '{}' : '}');
  return w.chunks();
}

/** One record's JSON within `window`. */
function renderOne<R>(record: R, window: Window, write: (w: JsonWriter, r: R, ctx: RenderContext) => void): JsonBytes {
  const w = new JsonWriter();
  write(w, record, new RenderContext(window));
  return w.chunks();
}

/** One allocation's JSON within `window`. */
export function renderAllocation(a: Allocation, window: Window): JsonBytes {
  return renderOne(a, window, writeAllocation);
}

/** A set as OpenCost marshals an AllocationSet: an object of its allocations keyed by name; its chunks taken from `pool` (none reused by default). */
export function renderAllocationSet(set: AllocationSet, pool = new ChunkPool(0)): JsonBytes {
  return renderKeyed(set.allocations, set.window, pool, writeAllocation);
}

/** One asset's JSON within `window`. */
export function renderAsset(a: Asset, window: Window): JsonBytes {
  return renderOne(a, window, writeAsset);
}

/** A set as OpenCost marshals an AssetSet: an object of its assets keyed by name. */
export function renderAssetSet(set: AssetSet, pool = new ChunkPool(0)): JsonBytes {
  return renderKeyed(set.assets, set.window, pool, writeAsset);
}

/** An aggregated asset set: an object of its aggregates keyed by name. */
export function renderAssetAggregateSet(set: AssetAggregateSet, pool = new ChunkPool(0)): JsonBytes {
  return renderKeyed(set.assets, set.window, pool, writeAssetAggregate);
}
