/**
 * Allocation sets as bytes, in the frame of set-codec.ts: per allocation, 8 property columns and
 * its label set as ints and its 17 numbers as floats; each entry of its `pvs` in the header's
 * `pv` list, with its byte-hours and cost after the float columns. A name is written only where it
 * is not the one the allocation's properties give.
 */
import { IDLE_KEY, type Allocation, type AllocationProperties, type AllocationSet } from './sets.js';
import { KIND_ALLOCATION, pack, unpack, withStamp } from './set-codec.js';
import { define } from './own-property.js';
import { PropertyColumns, Reader, Tables } from './set-codec-tables.js';
import { PROPERTY_IDS, setInterner } from './set-codec-interning.js';

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
  const ids = new Int32Array(PROPERTY_IDS);
  for (let i = 0; i < n; i++) {
    // One frozen object per distinct properties, shared by every set decoded while the interner holds it.
    const { properties, derivedName } = setInterner.allocationProperties(r.contentIds(A_LABELS, A_LABELS, i, ids), () => ({
      cluster: r.str(0, i),
      node: r.str(1, i),
      namespace: r.str(2, i),
      controllerKind: r.str(3, i),
      controller: r.str(4, i),
      pod: r.str(5, i),
      container: r.str(6, i),
      labels: r.labels(A_LABELS, i),
      providerID: r.str(7, i),
    }), derivedAllocationName);
    allocations[i] = {
      name: r.name(i, derivedName),
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
