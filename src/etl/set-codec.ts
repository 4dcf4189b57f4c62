/**
 * Sets as bytes for storage: compact, versioned, exact. Layout:
 *
 *   byte 0   format version (1)
 *   byte 1   kind: 1 allocation set, 2 asset set
 *   bytes 2… gzip of the payload:
 *     u32 LE   length of the header
 *     header   JSON: {cluster, window: [start, end], reconciled: [source, at] | null, n,
 *              strings: the string table, labels: label sets as flat [key, value, …] string
 *              indexes, names: one per record, null where the name is the one its properties
 *              give (cluster/node/namespace/pod/container, cluster/Node/name and the like),
 *              pv (allocations only, may be absent): [record, volume name index, …] for each
 *              entry of the records' `pvs`}
 *     pad to 8 bytes, then int columns (i32 LE, column after column, n each): string-table
 *              indexes of the properties (-1: absent), the label set index, an asset's type
 *     pad to 8 bytes, then float columns (f64 LE, column after column): every number, then the
 *              `pv` entries' byte-hours and then their costs
 *
 * Columns keep like values together, which is what gzip compresses best; floats are stored as
 * their bits, so every value (NaN, -0, the last ulp) comes back as it went in. Decoding checks
 * the whole structure and throws {@link SetCodecError} rather than return anything made up.
 * Decoded records with equal labels share one labels object (sets never write labels in place).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Window } from '../window.js';
import { IDLE_KEY, type Allocation, type AllocationProperties, type AllocationSet, type Asset, type AssetProperties, type AssetSet, type ReconcileStamp } from './sets.js';

/** Bytes that are not an encoded set of the kind asked for: truncated, corrupt, another version or kind. */
export class SetCodecError extends Error {
  override readonly name = 'SetCodecError';
}

const FORMAT_VERSION = 1;
const KIND_ALLOCATION = 1;
const KIND_ASSET = 2;
/**
 * gzip level, measured on a 40,000-allocation set (payload 7.7 MB): level 1 gave 1.03 MB in
 * 23 ms, 4 gave 0.90 MB in 34 ms, 6 gave 0.84 MB in 84 ms. Shuffling the float bytes into planes
 * made it larger (whole repeated doubles are what LZ77 finds).
 */
const GZIP_LEVEL = 4;
/** A decoded payload larger than this is refused (no set comes near it). */
const MAX_PAYLOAD_BYTES = 1 << 30;

interface Header {
  cluster: string;
  window: [number, number];
  reconciled: [string, number] | null;
  n: number;
  strings: string[];
  labels: number[][];
  names: (string | null)[];
  /** Pairs of record index and volume name index, one per `pvs` entry (allocations). */
  pv?: number[];
}

/** Interns strings and label sets while encoding. */
class Tables {
  readonly strings: string[] = [];
  readonly labels: number[][] = [];
  readonly #stringIndex = new Map<string, number>();
  readonly #labelsByObject = new Map<Record<string, string>, number>();
  readonly #labelsByContent = new Map<string, number>();

  str(s: string | undefined): number {
    if (s === undefined) return -1;
    let i = this.#stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.#stringIndex.set(s, i);
    }
    return i;
  }

  labelSet(labels: Record<string, string> | undefined): number {
    if (labels === undefined) return -1;
    let i = this.#labelsByObject.get(labels);
    if (i !== undefined) return i;
    const flat: number[] = [];
    for (const k of Object.keys(labels)) flat.push(this.str(k), this.str(labels[k]));
    const content = flat.join(',');
    i = this.#labelsByContent.get(content);
    if (i === undefined) {
      i = this.labels.length;
      this.labels.push(flat);
      this.#labelsByContent.set(content, i);
    }
    this.#labelsByObject.set(labels, i);
    return i;
  }

  header(set: { cluster: string; window: Window; reconciled?: ReconcileStamp }, names: (string | null)[]): Header {
    return {
      cluster: set.cluster,
      window: [set.window.start, set.window.end],
      reconciled: set.reconciled === undefined ? null : [set.reconciled.source, set.reconciled.at],
      n: names.length,
      strings: this.strings,
      labels: this.labels,
      names,
    };
  }
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** True on little-endian hosts (all Node ships for but s390x): typed arrays are then copied as they are. */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeColumns(view: DataView, at: number, values: Int32Array | Float64Array): void {
  if (HOST_LE) {
    new Uint8Array(view.buffer, view.byteOffset + at, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } else if (values instanceof Int32Array) {
    for (let i = 0; i < values.length; i++) view.setInt32(at + i * 4, values[i] ?? 0, true);
  } else {
    for (let i = 0; i < values.length; i++) view.setFloat64(at + i * 8, values[i] ?? 0, true);
  }
}

function readInts(view: DataView, at: number, count: number): Int32Array {
  if (HOST_LE) return new Int32Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + count * 4));
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt32(at + i * 4, true);
  return out;
}

function readFloats(view: DataView, at: number, count: number): Float64Array {
  if (HOST_LE) return new Float64Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + count * 8));
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + i * 8, true);
  return out;
}

function pack(kind: number, header: Header, ints: Int32Array, floats: Float64Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const intsAt = pad8(4 + json.length);
  const floatsAt = pad8(intsAt + ints.byteLength);
  const payload = new Uint8Array(floatsAt + floats.byteLength);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  view.setUint32(0, json.length, true);
  payload.set(json, 4);
  writeColumns(view, intsAt, ints);
  writeColumns(view, floatsAt, floats);
  const gz = gzipSync(payload, { level: GZIP_LEVEL });
  const out = new Uint8Array(2 + gz.length);
  out[0] = FORMAT_VERSION;
  out[1] = kind;
  out.set(gz, 2);
  return out;
}

function kindName(kind: number | undefined): string {
  return kind === KIND_ALLOCATION ? 'an allocation set' : kind === KIND_ASSET ? 'an asset set' : `kind ${kind}`;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A decoded payload: the header, checked, and its columns (column `c` of record `i` at `c * n + i`). */
interface Unpacked {
  readonly header: Header;
  readonly ints: Int32Array;
  readonly floats: Float64Array;
}

/** Checks and opens a payload; `extraFloats` are the floats after the columns the header announces. */
function unpack(bytes: Uint8Array, kind: number, intCols: number, floatCols: number, extraFloats: (h: Header) => number = () => 0): Unpacked {
  if (!(bytes instanceof Uint8Array)) throw new SetCodecError('not bytes');
  if (bytes.length < 3) throw new SetCodecError(`${bytes.length} bytes: too short for an encoded set`);
  if (bytes[0] !== FORMAT_VERSION) throw new SetCodecError(`format version ${bytes[0]}; this build reads version ${FORMAT_VERSION}`);
  if (bytes[1] !== kind) throw new SetCodecError(`the bytes hold ${kindName(bytes[1])}, not ${kindName(kind)}`);
  let payload: Buffer;
  try {
    payload = gunzipSync(bytes.subarray(2), { maxOutputLength: MAX_PAYLOAD_BYTES });
  } catch (err) {
    throw new SetCodecError(`the compressed payload is corrupt (${reason(err)})`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload.length < 4) throw new SetCodecError('the payload is too short for its header length');
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > payload.length) throw new SetCodecError(`the header length ${headerLength} runs past the payload (${payload.length} bytes)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8', 4, 4 + headerLength));
  } catch (err) {
    throw new SetCodecError(`the header is not JSON (${reason(err)})`);
  }
  const header = checkHeader(parsed);
  const n = header.n;
  const intsAt = pad8(4 + headerLength);
  const floatsAt = pad8(intsAt + n * intCols * 4);
  const floatCount = n * floatCols + extraFloats(header);
  const expected = floatsAt + floatCount * 8;
  if (payload.length !== expected) throw new SetCodecError(`the payload is ${payload.length} bytes; ${n} records need ${expected}`);
  return { header, ints: readInts(view, intsAt, n * intCols), floats: readFloats(view, floatsAt, floatCount) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isStamp = (r: unknown): boolean => r === null || (Array.isArray(r) && r.length === 2 && typeof r[0] === 'string' && typeof r[1] === 'number');

function checkHeader(h: unknown): Header {
  const bad = (what: string): never => {
    throw new SetCodecError(`the header is malformed: ${what}`);
  };
  if (!isRecord(h)) return bad('not an object');
  const { cluster, window, reconciled, n, strings, labels, names } = h;
  if (typeof cluster !== 'string') bad('cluster is not a string');
  if (!Array.isArray(window) || window.length !== 2 || !window.every((x) => Number.isSafeInteger(x))) bad('window is not two epoch milliseconds');
  if (!isStamp(reconciled)) bad('reconciled is neither null nor [source, at]');
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return bad('n is not a record count');
  if (!Array.isArray(strings) || !strings.every((s) => typeof s === 'string')) return bad('strings is not a list of strings');
  if (!Array.isArray(names) || names.length !== n) return bad(`names does not hold ${n} entries`);
  if (!names.every((name) => name === null || typeof name === 'string')) bad('a name is neither a string nor null');
  if (!Array.isArray(labels)) return bad('labels is not a list');
  const below = (limit: number) => (i: unknown): boolean => Number.isInteger(i) && (i as number) >= 0 && (i as number) < limit;
  const inTable = below(strings.length);
  for (const set of labels) {
    if (!Array.isArray(set) || set.length % 2 !== 0) bad('a label set is not a list of key and value pairs');
    if (!(set as unknown[]).every(inTable)) bad('a label set refers past the string table');
  }
  const { pv } = h;
  if (pv !== undefined) {
    if (!Array.isArray(pv) || pv.length % 2 !== 0) bad('pv is not a list of record and volume pairs');
    const inRecords = below(n);
    for (let j = 0; j < (pv as unknown[]).length; j += 2) {
      if (!inRecords((pv as unknown[])[j]) || !inTable((pv as unknown[])[j + 1])) bad('a pv entry refers past the records or the string table');
    }
  }
  return h as unknown as Header;
}

/** Reads a decoded payload's records: strings and label sets looked up and checked against their tables. */
class Reader {
  readonly n: number;
  readonly floats: Float64Array;
  readonly #ints: Int32Array;
  readonly #strings: readonly string[];
  readonly #names: readonly (string | null)[];
  readonly #labels: Record<string, string>[];

  constructor(u: Unpacked) {
    this.n = u.header.n;
    this.floats = u.floats;
    this.#ints = u.ints;
    this.#strings = u.header.strings;
    this.#names = u.header.names;
    this.#labels = u.header.labels.map((flat) => {
      const out: Record<string, string> = {};
      for (let j = 0; j < flat.length; j += 2) define(out, this.#strings[flat[j] ?? 0] ?? '', this.#strings[flat[j + 1] ?? 0] ?? '');
      return out;
    });
  }

  int(col: number, i: number): number {
    return this.#ints[col * this.n + i] ?? -1;
  }

  float(col: number, i: number): number {
    return this.floats[col * this.n + i] ?? Number.NaN;
  }

  str(col: number, i: number): string | undefined {
    const k = this.int(col, i);
    if (k === -1) return undefined;
    const s = this.#strings[k];
    if (s === undefined) throw new SetCodecError(`record ${i}: string index ${k} is outside the table`);
    return s;
  }

  required(col: number, i: number, what: string): string {
    const s = this.str(col, i);
    if (s === undefined) throw new SetCodecError(`record ${i}: ${what} is missing`);
    return s;
  }

  labels(col: number, i: number): Record<string, string> | undefined {
    const k = this.int(col, i);
    if (k === -1) return undefined;
    const l = this.#labels[k];
    if (l === undefined) throw new SetCodecError(`record ${i}: label set ${k} is outside the table`);
    return l;
  }

  name(i: number, derived: string | undefined): string {
    const name = this.#names[i] ?? derived;
    if (name === undefined) throw new SetCodecError(`record ${i}: no name and none derivable from its properties`);
    return name;
  }
}

function define<V>(o: Record<string, V>, k: string, v: V): void {
  // A key named __proto__ must become an own property, not the prototype.
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function withStamp<S extends { reconciled?: ReconcileStamp }>(set: S, r: [string, number] | null): S {
  if (r !== null) set.reconciled = { source: r[0], at: r[1] };
  return set;
}

// ---- Allocations ----

/** The name an allocation gets from its properties when built: cluster/node/namespace/pod/container or cluster/node/__idle__. */
function derivedAllocationName(p: AllocationProperties): string | undefined {
  if (p.cluster === undefined || p.node === undefined) return undefined;
  if (p.namespace !== undefined && p.pod !== undefined && p.container !== undefined) return `${p.cluster}/${p.node}/${p.namespace}/${p.pod}/${p.container}`;
  if (p.namespace === undefined && p.pod === undefined && p.container === undefined) return `${p.cluster}/${p.node}/${IDLE_KEY}`;
  return undefined;
}

/**
 * True when `name` is what derivedAllocationName gives for `p`, compared in place (no string is
 * built: most names are, and building 40,000 of them to compare cost more than the rest of a record).
 */
function isDerivedAllocationName(name: string, p: AllocationProperties): boolean {
  const { cluster, node, namespace, pod, container } = p;
  if (cluster === undefined || node === undefined) return false;
  const parts = namespace !== undefined && pod !== undefined && container !== undefined ? [cluster, node, namespace, pod, container] : namespace === undefined && pod === undefined && container === undefined ? [cluster, node, IDLE_KEY] : undefined;
  if (parts === undefined) return false;
  let at = 0;
  for (const part of parts) {
    if (at > 0) {
      if (name.charCodeAt(at) !== 47) return false; // '/'
      at++;
    }
    if (!name.startsWith(part, at)) return false;
    at += part.length;
  }
  return at === name.length;
}

/** Writes string-table indexes into int columns, remembering each column's last value (sorted records repeat them in runs). */
class PropertyColumns {
  readonly #last: (string | undefined)[] = [];
  readonly #lastIndex: number[] = [];

  constructor(
    private readonly tables: Tables,
    private readonly ints: Int32Array,
    private readonly n: number,
  ) {}

  put(col: number, i: number, value: string | undefined): void {
    let index = this.#lastIndex[col];
    if (index === undefined || this.#last[col] !== value) {
      index = this.tables.str(value);
      this.#last[col] = value;
      this.#lastIndex[col] = index;
    }
    this.ints[col * this.n + i] = index;
  }
}

/** Int columns of an allocation: its 8 properties (string indexes), then its label set. */
const A_LABELS = 8;
const A_INTS = 9;
const A_FLOATS = 17;

/** An allocation set as bytes. */
export function encodeAllocationSet(set: AllocationSet): Uint8Array {
  const list = set.allocations;
  const n = list.length;
  const t = new Tables();
  const ints = new Int32Array(n * A_INTS);
  const floats = new Float64Array(n * A_FLOATS);
  const names = new Array<string | null>(n);
  const pv: number[] = [];
  const pvFloats: number[] = [];
  // Records sorted by name repeat their cluster, node, namespace… run after run: remember the last per column.
  const col = new PropertyColumns(t, ints, n);
  for (let i = 0; i < n; i++) {
    const a = list[i] as Allocation;
    const p = a.properties;
    col.put(0, i, p.cluster);
    col.put(1, i, p.node);
    col.put(2, i, p.namespace);
    col.put(3, i, p.controllerKind);
    col.put(4, i, p.controller);
    col.put(5, i, p.pod);
    col.put(6, i, p.container);
    col.put(7, i, p.providerID);
    ints[A_LABELS * n + i] = t.labelSet(p.labels);
    floats[i] = a.start;
    floats[n + i] = a.end;
    floats[2 * n + i] = a.cpuCoreHours;
    floats[3 * n + i] = a.cpuCoreRequestAverage;
    floats[4 * n + i] = a.cpuCost;
    floats[5 * n + i] = a.cpuCostAdjustment;
    floats[6 * n + i] = a.gpuHours;
    floats[7 * n + i] = a.gpuRequestAverage;
    floats[8 * n + i] = a.gpuCost;
    floats[9 * n + i] = a.gpuCostAdjustment;
    floats[10 * n + i] = a.ramByteHours;
    floats[11 * n + i] = a.ramByteRequestAverage;
    floats[12 * n + i] = a.ramCost;
    floats[13 * n + i] = a.ramCostAdjustment;
    floats[14 * n + i] = a.pvByteHours;
    floats[15 * n + i] = a.pvCost;
    floats[16 * n + i] = a.pvCostAdjustment;
    names[i] = isDerivedAllocationName(a.name, p) ? null : a.name;
    if (a.pvs !== undefined) {
      for (const [volume, share] of Object.entries(a.pvs)) {
        pv.push(i, t.str(volume));
        pvFloats.push(share.byteHours, share.cost);
      }
    }
  }
  const header = t.header(set, names);
  if (pv.length === 0) return pack(KIND_ALLOCATION, header, ints, floats);
  // Each entry's byte-hours, then each entry's cost: columns, as the rest.
  const m = pv.length / 2;
  const all = new Float64Array(floats.length + 2 * m);
  all.set(floats);
  for (let j = 0; j < m; j++) {
    all[floats.length + j] = pvFloats[2 * j] ?? 0;
    all[floats.length + m + j] = pvFloats[2 * j + 1] ?? 0;
  }
  return pack(KIND_ALLOCATION, { ...header, pv }, ints, all);
}

/** Bytes from encodeAllocationSet back to the set; throws {@link SetCodecError} when they are not one. */
export function decodeAllocationSet(bytes: Uint8Array): AllocationSet {
  const u = unpack(bytes, KIND_ALLOCATION, A_INTS, A_FLOATS, (h) => (h.pv?.length ?? 0));
  const r = new Reader(u);
  const n = r.n;
  const f = r.floats;
  const allocations = new Array<Allocation>(n);
  for (let i = 0; i < n; i++) {
    const properties: AllocationProperties = {
      cluster: r.str(0, i),
      node: r.str(1, i),
      namespace: r.str(2, i),
      controllerKind: r.str(3, i),
      controller: r.str(4, i),
      pod: r.str(5, i),
      container: r.str(6, i),
      labels: r.labels(A_LABELS, i),
      providerID: r.str(7, i),
    };
    allocations[i] = {
      name: r.name(i, derivedAllocationName(properties)),
      properties,
      start: f[i] as number,
      end: f[n + i] as number,
      cpuCoreHours: f[2 * n + i] as number,
      cpuCoreRequestAverage: f[3 * n + i] as number,
      cpuCost: f[4 * n + i] as number,
      cpuCostAdjustment: f[5 * n + i] as number,
      gpuHours: f[6 * n + i] as number,
      gpuRequestAverage: f[7 * n + i] as number,
      gpuCost: f[8 * n + i] as number,
      gpuCostAdjustment: f[9 * n + i] as number,
      ramByteHours: f[10 * n + i] as number,
      ramByteRequestAverage: f[11 * n + i] as number,
      ramCost: f[12 * n + i] as number,
      ramCostAdjustment: f[13 * n + i] as number,
      pvByteHours: f[14 * n + i] as number,
      pvCost: f[15 * n + i] as number,
      pvCostAdjustment: f[16 * n + i] as number,
      pvs: undefined,
    };
  }
  const h = u.header;
  const pv = h.pv ?? [];
  const m = pv.length / 2;
  for (let j = 0; j < m; j++) {
    const a = allocations[pv[2 * j] ?? 0] as Allocation;
    a.pvs ??= {};
    define(a.pvs, h.strings[pv[2 * j + 1] ?? 0] ?? '', { byteHours: f[A_FLOATS * n + j] as number, cost: f[A_FLOATS * n + m + j] as number });
  }
  return withStamp<AllocationSet>({ cluster: h.cluster, window: { start: h.window[0], end: h.window[1] }, allocations }, h.reconciled);
}

// ---- Assets ----

const ASSET_TYPES = ['Node', 'Disk', 'LoadBalancer'] as const;
const S_PROPERTIES = ['cluster', 'category', 'service', 'name', 'providerID', 'namespace'] as const;
/** Int columns after the properties: type, labels, then the typed fields. */
const S_TYPE = S_PROPERTIES.length;
const S_LABELS = S_TYPE + 1;
const S_NODE_TYPE = S_LABELS + 1;
const S_STORAGE_CLASS = S_NODE_TYPE + 1;
const S_VOLUME_NAME = S_STORAGE_CLASS + 1;
const S_CLAIM_NAME = S_VOLUME_NAME + 1;
const S_CLAIM_NAMESPACE = S_CLAIM_NAME + 1;
const S_IP = S_CLAIM_NAMESPACE + 1;
const S_INTS = S_IP + 1;
/** Float columns: start, end, adjustment, then by type (Node: 9, Disk: 3, LoadBalancer: 1), unused ones 0. */
const S_FLOATS = 12;

function derivedAssetName(type: Asset['type'], p: AssetProperties): string | undefined {
  if (p.cluster === undefined || p.name === undefined) return undefined;
  if (type !== 'LoadBalancer') return `${p.cluster}/${type}/${p.name}`;
  return p.namespace === undefined ? undefined : `${p.cluster}/LoadBalancer/${p.namespace}/${p.name}`;
}

function typedFloats(a: Asset): readonly number[] {
  switch (a.type) {
    case 'Node':
      return [a.cpuCores, a.ramBytes, a.gpuCount, a.cpuCoreHours, a.ramByteHours, a.gpuHours, a.cpuCost, a.ramCost, a.gpuCost];
    case 'Disk':
      return [a.bytes, a.byteHours, a.cost];
    case 'LoadBalancer':
      return [a.cost];
  }
}

/** An asset set as bytes. */
export function encodeAssetSet(set: AssetSet): Uint8Array {
  const list = set.assets;
  const n = list.length;
  const t = new Tables();
  const ints = new Int32Array(n * S_INTS).fill(-1);
  const floats = new Float64Array(n * S_FLOATS);
  const names = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const a = list[i] as Asset;
    for (let c = 0; c < S_PROPERTIES.length; c++) ints[c * n + i] = t.str(a.properties[S_PROPERTIES[c] ?? 'cluster']);
    ints[S_TYPE * n + i] = ASSET_TYPES.indexOf(a.type);
    ints[S_LABELS * n + i] = t.labelSet(a.labels);
    if (a.type === 'Node') ints[S_NODE_TYPE * n + i] = t.str(a.nodeType);
    if (a.type === 'Disk') {
      ints[S_STORAGE_CLASS * n + i] = t.str(a.storageClass);
      ints[S_VOLUME_NAME * n + i] = t.str(a.volumeName);
      ints[S_CLAIM_NAME * n + i] = t.str(a.claimName);
      ints[S_CLAIM_NAMESPACE * n + i] = t.str(a.claimNamespace);
    }
    if (a.type === 'LoadBalancer') ints[S_IP * n + i] = t.str(a.ip);
    const values = [a.start, a.end, a.adjustment, ...typedFloats(a)];
    for (let c = 0; c < values.length; c++) floats[c * n + i] = values[c] ?? 0;
    names[i] = derivedAssetName(a.type, a.properties) === a.name ? null : a.name;
  }
  return pack(KIND_ASSET, t.header(set, names), ints, floats);
}

/** Bytes from encodeAssetSet back to the set; throws {@link SetCodecError} when they are not one. */
export function decodeAssetSet(bytes: Uint8Array): AssetSet {
  const u = unpack(bytes, KIND_ASSET, S_INTS, S_FLOATS);
  const r = new Reader(u);
  const assets = new Array<Asset>(r.n);
  for (let i = 0; i < r.n; i++) {
    const type = ASSET_TYPES[r.int(S_TYPE, i)];
    if (type === undefined) throw new SetCodecError(`record ${i}: asset type ${r.int(S_TYPE, i)} is unknown`);
    const properties: AssetProperties = {
      cluster: r.str(0, i),
      category: r.str(1, i),
      service: r.str(2, i),
      name: r.str(3, i),
      providerID: r.str(4, i),
      namespace: r.str(5, i),
    };
    const labels = r.labels(S_LABELS, i);
    if (labels === undefined) throw new SetCodecError(`record ${i}: labels are missing`);
    const name = r.name(i, derivedAssetName(type, properties));
    const [start, end, adjustment] = [r.float(0, i), r.float(1, i), r.float(2, i)];
    const x = (k: number): number => r.float(3 + k, i);
    switch (type) {
      case 'Node':
        assets[i] = {
          type, name, properties, labels, start, end, adjustment,
          nodeType: r.str(S_NODE_TYPE, i),
          cpuCores: x(0), ramBytes: x(1), gpuCount: x(2), cpuCoreHours: x(3), ramByteHours: x(4), gpuHours: x(5), cpuCost: x(6), ramCost: x(7), gpuCost: x(8),
        };
        break;
      case 'Disk':
        assets[i] = {
          type, name, properties, labels, start, end, adjustment,
          bytes: x(0), byteHours: x(1), cost: x(2),
          storageClass: r.str(S_STORAGE_CLASS, i),
          volumeName: r.required(S_VOLUME_NAME, i, 'a disk’s volumeName'),
          claimName: r.str(S_CLAIM_NAME, i),
          claimNamespace: r.str(S_CLAIM_NAMESPACE, i),
        };
        break;
      case 'LoadBalancer':
        assets[i] = { type, name, properties, labels, start, end, adjustment, cost: x(0), ip: r.str(S_IP, i) };
        break;
    }
  }
  const h = u.header;
  return withStamp<AssetSet>({ cluster: h.cluster, window: { start: h.window[0], end: h.window[1] }, assets }, h.reconciled);
}
