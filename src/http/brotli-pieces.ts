import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';

/**
 * One brotli answer stitched from pieces compressed separately, as gzip-pieces.ts does for gzip,
 * so a body that changes in a few places is not compressed again whole. A brotli stream (RFC
 * 7932) is a window-size header and a sequence of meta-blocks; what a compressed meta-block
 * depends on beyond itself is the distance cache, the last two bytes (for literal context), and
 * the position in the stream (a distance beyond it names a static-dictionary word). Brotli's
 * quality 0 and 1 ("compress fragment") meta-blocks depend on none of them: each is compressed
 * independently of the input before it ("No block splits, no contexts": one literal code, so the
 * last bytes do not matter), its matches stay inside it, it never uses the static dictionary, and
 * it uses the last distance only after a distance of its own. So such a piece means the same
 * bytes wherever it stands, once cut from its own stream: the header's bits before it and the
 * closing `ISLAST` bits after it removed, and a metadata meta-block that skips to the next byte
 * appended (the decoder reads meta-blocks from any bit; a piece must end on a byte to be
 * concatenated). Short text goes in uncompressed meta-blocks, which depend on nothing either.
 * (Node 20 has no `BROTLI_PARAM_STREAM_OFFSET`, so the better qualities cannot be stitched.)
 */

/** The window every piece is compressed with and the stitched stream declares: brotli's default, 4 MiB. */
const LGWIN = 22;
/** An uncompressed meta-block holds at most this many bytes with a 16-bit length. */
const RAW_MAX = 1 << 16;
/** `ISLAST` and `ISLASTEMPTY`: the end of a stream. */
const END = Buffer.from([0x03]);

/**
 * The stream's start: the window bits of {@link LGWIN} (1, then 22 − 17 = 5 in three bits), then
 * an empty metadata meta-block (ISLAST 0, MNIBBLES 0 as 11, reserved 0, MSKIPBYTES 00) so the
 * first piece starts on a byte.
 */
const HEADER = bitsToBytes([1, 1, 0, 1, 0, 1, 1, 0, 0, 0]);

function bitsToBytes(bits: readonly number[]): Buffer {
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((bit, i) => setBit(out, i, bit));
  return out;
}

/** Sets bit `bit` of `bytes` (counted from each byte's least significant bit, as brotli does) to `value`. */
function setBit(bytes: Buffer, bit: number, value: number): void {
  const byte = bytes[bit >> 3] ?? 0;
  bytes[bit >> 3] = value === 1 ? byte | (1 << (bit & 7)) : byte & ~(1 << (bit & 7));
}

/**
 * `bytes` compressed at brotli `quality` 0 or 1, as meta-blocks that start and end on a byte and
 * mean `bytes` wherever they stand in a stream of {@link stitchBrotli}. The cut piece is decoded
 * once to check it: an uncompressed meta-block inside (the encoder's choice for short or
 * incompressible input) is aligned to the bytes of its own stream, which moving the bits breaks,
 * so such input is sent uncompressed instead. Decoding at one byte offset proves every byte
 * offset, since nothing else in these meta-blocks depends on where they stand.
 */
export function brotliPiece(bytes: Buffer, quality: 0 | 1 = 1): Buffer {
  if (bytes.length === 0) return Buffer.alloc(0);
  const stream = brotliCompressSync(bytes, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: quality, [zlib.BROTLI_PARAM_LGWIN]: LGWIN, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  const piece = cutMetaBlocks(stream);
  return piece !== undefined && decodesTo(piece, bytes) ? piece : rawBrotliPiece(bytes);
}

function decodesTo(piece: Buffer, bytes: Buffer): boolean {
  try {
    return brotliDecompressSync(stitchBrotli([piece])).equals(bytes);
  } catch {
    return false;
  }
}

/** The meta-blocks of a whole stream of one piece, byte-aligned: without its header and its final empty meta-block. */
function cutMetaBlocks(stream: Buffer): Buffer | undefined {
  const start = headerBits(stream);
  // The stream ends with ISLAST 1, ISLASTEMPTY 1 and zero bits to the byte: its last two set bits.
  let last = stream.length - 1;
  while (last > 0 && stream[last] === 0) last--;
  const lastByte = stream[last] ?? 0;
  const emptyBit = last * 8 + (31 - Math.clz32(lastByte));
  const end = emptyBit - 1;
  if (lastByte === 0 || bitAt(stream, end) !== 1) return undefined;
  const length = end - start;
  // A piece ending inside a byte gets an empty metadata meta-block (0, 11, 0, 00) to skip to the next.
  const out = Buffer.alloc(length % 8 === 0 ? length / 8 : Math.ceil((length + 6) / 8));
  const shift = start & 7;
  const from = start >> 3;
  for (let i = 0; i < out.length; i++) {
    const lo = (stream[from + i] ?? 0) >>> shift;
    const hi = shift === 0 ? 0 : (stream[from + i + 1] ?? 0) << (8 - shift);
    out[i] = (lo | hi) & 0xff;
  }
  // Clear what followed the meta-blocks (the ISLAST bits and the padding), then write the skip.
  for (let bit = length; bit < out.length * 8; bit++) setBit(out, bit, 0);
  if (length % 8 !== 0) {
    setBit(out, length + 1, 1);
    setBit(out, length + 2, 1);
  }
  return out;
}

function bitAt(bytes: Buffer, bit: number): number {
  return ((bytes[bit >> 3] ?? 0) >> (bit & 7)) & 1;
}

/** Bits of the window-size header at the start of `stream` (RFC 7932 9.1): 1, 4 or 7 (14: large window, which Node makes only when asked). */
function headerBits(stream: Buffer): number {
  const first = stream[0] ?? 0;
  if ((first & 1) === 0) return 1;
  if (((first >> 1) & 7) !== 0) return 4;
  return ((first >> 4) & 7) === 1 ? 14 : 7;
}

/** `bytes` as uncompressed meta-blocks: for short text, where compressing costs more than it saves. */
export function rawBrotliPiece(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += RAW_MAX) {
    const chunk = bytes.subarray(at, at + RAW_MAX);
    // ISLAST 0, MNIBBLES 00 (four), MLEN − 1 in 16 bits, ISUNCOMPRESSED 1, four bits to the byte.
    const header = (chunk.length - 1) * 8 + (1 << 19);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), chunk);
  }
  return Buffer.concat(parts);
}

/** One brotli stream of `pieces` in order: decompresses to their bytes, concatenated. */
export function stitchBrotli(pieces: readonly Buffer[]): Buffer {
  return Buffer.concat([HEADER, ...pieces, END]);
}
