/**
 * Asset sets as bytes, in the frame of set-codec.ts: per asset, its 6 properties, type, label set
 * and the string fields of its type as ints; start, end, adjustment and the numbers of its type
 * as floats (columns a type does not use hold -1 or 0). A name is written only where it is not the
 * one the asset's properties give.
 */
import type { Asset, AssetProperties, AssetSet } from './sets.js';
import { KIND_ASSET, pack, SetCodecError, unpack, withStamp } from './set-codec.js';
import { Reader, Tables } from './set-codec-tables.js';

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
