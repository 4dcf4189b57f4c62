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
 *
 * This file is the frame every kind shares (version, kind, gzip, header, columns) and the check of
 * a header read back; the string table and label sets are set-codec-tables.ts, each kind's columns
 * allocation-set-codec.ts and asset-set-codec.ts.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ReconcileStamp } from './sets.js';
import { errorMessage } from '../errors.js';

/** Bytes that are not an encoded set of the kind asked for: truncated, corrupt, another version or kind. */
export class SetCodecError extends Error {
  override readonly name = 'SetCodecError';
}

const FORMAT_VERSION = 1;
/** The kind byte of an allocation set. */
export const KIND_ALLOCATION = 1;
/** The kind byte of an asset set. */
export const KIND_ASSET = 2;
/**
 * gzip level, measured on a 40,000-allocation set (payload 7.7 MB): level 1 gave 1.03 MB in
 * 23 ms, 4 gave 0.90 MB in 34 ms, 6 gave 0.84 MB in 84 ms. Shuffling the float bytes into planes
 * made it larger (whole repeated doubles are what LZ77 finds).
 */
const GZIP_LEVEL = 4;
/** A decoded payload larger than this is refused (no set comes near it). */
const MAX_PAYLOAD_BYTES = 1 << 30;

/** The JSON header of an encoded set: its fields, its tables and its names (see the layout above). */
export interface Header {
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

/** A set's header and columns as the bytes stored: version, kind, then the gzipped payload. */
export function pack(kind: number, header: Header, ints: Int32Array, floats: Float64Array): Uint8Array {
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


/** A decoded payload: the header, checked, and its columns (column `c` of record `i` at `c * n + i`). */
export interface Unpacked {
  readonly header: Header;
  readonly ints: Int32Array;
  readonly floats: Float64Array;
}

/** Checks and opens a payload; `extraFloats` are the floats after the columns the header announces. */
export function unpack(bytes: Uint8Array, kind: number, intCols: number, floatCols: number, extraFloats: (h: Header) => number = () => 0): Unpacked {
  if (!(bytes instanceof Uint8Array)) throw new SetCodecError('not bytes');
  if (bytes.length < 3) throw new SetCodecError(`${bytes.length} bytes: too short for an encoded set`);
  if (bytes[0] !== FORMAT_VERSION) throw new SetCodecError(`format version ${bytes[0]}; this build reads version ${FORMAT_VERSION}`);
  if (bytes[1] !== kind) throw new SetCodecError(`the bytes hold ${kindName(bytes[1])}, not ${kindName(kind)}`);
  let payload: Buffer;
  try {
    payload = gunzipSync(bytes.subarray(2), { maxOutputLength: MAX_PAYLOAD_BYTES });
  } catch (err) {
    throw new SetCodecError(`the compressed payload is corrupt (${errorMessage(err)})`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload.length < 4) throw new SetCodecError('the payload is too short for its header length');
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > payload.length) throw new SetCodecError(`the header length ${headerLength} runs past the payload (${payload.length} bytes)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8', 4, 4 + headerLength));
  } catch (err) {
    throw new SetCodecError(`the header is not JSON (${errorMessage(err)})`);
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

/** Puts the header's reconciliation stamp, if any, on a decoded set. */
export function withStamp<S extends { reconciled?: ReconcileStamp }>(set: S, r: [string, number] | null): S {
  if (r !== null) set.reconciled = { source: r[0], at: r[1] };
  return set;
}
