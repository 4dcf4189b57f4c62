import * as nodeZlib from 'node:zlib';
import { constants as zlib, deflateRawSync } from 'node:zlib';

/**
 * One gzip answer stitched from pieces compressed separately, so a body that changes in a few
 * places is not compressed again whole. Each piece is raw deflate ended by a sync flush (its
 * blocks end on a byte boundary and none is final; its back-references stay inside it, or reach
 * into the bytes it was compressed to follow, given as a dictionary), or a stored block for short text; their concatenation, a final empty stored block, the gzip header
 * and a trailer with the whole body's CRC-32 and length make one ordinary single-member gzip
 * stream (RFC 1952) that decompresses to the pieces' bytes in order. The CRC-32 is combined from
 * the pieces' own, so the whole body is never read again.
 */

/** Bytes of a body in one place of the stitched stream: their deflate form, CRC-32 and length. */
export interface GzipPiece {
  readonly deflated: Buffer;
  readonly crc: number;
  readonly length: number;
  /** The bytes themselves, for short stored text: summed into the CRC directly, cheaper than combining. */
  readonly raw?: Buffer;
  /** x^(8·length) modulo the CRC polynomial: what combining this piece's CRC after another's takes. */
  readonly shift: number;
}

/** The header Node's `gzip` writes: no name, no mtime, OS Unix. */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);
/** A final empty stored block: ends the deflate stream. */
const END = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);
const STORED_MAX = 0xffff;
/** Up to this many bytes, summing a piece into the CRC costs less than combining its CRC. */
const SUM_DIRECTLY = 256;

/**
 * `bytes` compressed to follow `preceding` (the bytes just before them in the stream, referred back
 * to as a dictionary; none: they stand anywhere), at `level` 6 (as `gzip` does) for bytes kept for
 * long, lower for bytes about to change.
 */
export function deflatedPiece(bytes: Buffer, level = 6, preceding?: Buffer): GzipPiece {
  const deflated = deflateRawSync(bytes, { level, finishFlush: zlib.Z_SYNC_FLUSH, ...(preceding && { dictionary: preceding }) });
  return { deflated, crc: crc32(bytes), length: bytes.length, shift: shiftOf(bytes.length) };
}

/** `bytes` as stored (not compressed) blocks: for short text, where compressing costs more than it saves. */
export function storedPiece(bytes: Buffer): GzipPiece {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length || at === 0; at += STORED_MAX) {
    const chunk = bytes.subarray(at, at + STORED_MAX);
    const head = Buffer.alloc(5);
    // BFINAL 0, BTYPE 00, then LEN and its one's complement, little-endian.
    head.writeUInt16LE(chunk.length, 1);
    head.writeUInt16LE(~chunk.length & 0xffff, 3);
    parts.push(head, chunk);
    if (bytes.length === 0) break;
  }
  return { deflated: Buffer.concat(parts), crc: crc32(bytes), length: bytes.length, raw: bytes, shift: shiftOf(bytes.length) };
}

/** One gzip stream of `pieces` in order. */
export function stitchGzip(pieces: readonly GzipPiece[]): Buffer {
  let crc = 0;
  let length = 0;
  const parts: Buffer[] = [HEADER];
  for (const p of pieces) {
    crc = p.raw !== undefined && p.raw.length <= SUM_DIRECTLY ? crc32Update(crc, p.raw) : (multModP(p.shift, crc) ^ p.crc) >>> 0;
    length += p.length;
    parts.push(p.deflated);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  parts.push(END, trailer);
  return Buffer.concat(parts);
}

// CRC-32 (the gzip polynomial, reflected) and zlib's crc32_combine. zlib.crc32 is not in every Node
// the package supports (20.15+): a table where it is missing.
const POLY = 0xedb88320;
const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[n] = c;
}

/** The CRC-32 of `bytes`. */
export const crc32: (bytes: Uint8Array) => number = (nodeZlib as { crc32?: (data: Uint8Array) => number }).crc32 ?? crc32Table;

/** The CRC-32 of `bytes`, by a table. */
export function crc32Table(bytes: Uint8Array): number {
  return crc32Update(0, bytes);
}

/** The CRC-32 of bytes whose CRC-32 is `crc`, followed by `bytes`. */
function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = ~crc;
  for (const byte of bytes) c = (TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return ~c >>> 0;
}

/** a·b modulo the CRC polynomial (bit-reflected). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if ((a & m) !== 0) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) modulo the polynomial, k = 0..31. */
const X2N = new Uint32Array(32);
X2N[0] = 0x40000000;
for (let k = 1; k < 32; k++) X2N[k] = multModP(X2N[k - 1] ?? 0, X2N[k - 1] ?? 0);

/** x^(8·length) mod p, by the binary digits of length (k starts at 3: a byte is 2^3 bits). */
function shiftOf(length: number): number {
  let p = 0x80000000;
  let k = 3;
  for (let n = length; n > 0; n = Math.floor(n / 2), k++) if (n % 2 === 1) p = multModP(X2N[k & 31] ?? 0, p);
  return p;
}

/** The CRC-32 of A followed by B, from A's, B's and B's length (zlib's crc32_combine). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(shiftOf(lengthB), crcA) ^ crcB) >>> 0;
}
