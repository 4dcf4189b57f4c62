import type { Coding } from './encoding.js';
import { etlPageFrame } from '../events/etl-log-json.js';
import type { EtlPage } from '../storage/store.js';
import { brotliPiece, rawBrotliPiece, stitchBrotli } from './brotli-pieces.js';
import { deflatedPiece, stitchGzip, storedPiece, type GzipPiece } from './gzip-pieces.js';
import type { CodedBody } from './render-cache.js';

/**
 * The answer of `GET /model/etl/log` made from blocks of events kept between revisions, so an
 * append costs a few blocks, not the whole log. Each list (allocation, asset) is cut into blocks
 * where the events themselves say (content-defined: an event whose hash is 0 modulo
 * {@link AVERAGE_EVENTS} ends a block, as does the {@link MAX_EVENTS}th), so when a ring drops its
 * oldest event and gains a newest, only the first block (cut shorter) and the last (grown) are new
 * and every block between is the one already held, with its UTF-8 bytes and its gzip piece. The
 * identity body is the frame and the blocks' bytes joined by commas, byte for byte
 * `renderEtlPage`; gzip stitches the blocks' pieces (gzip-pieces.ts), each compressed to follow
 * the block before it (so it refers back into it, as one gzip of the whole would, and the second
 * block's piece is made again when the first is cut). Brotli stitches pieces that stand alone
 * (brotli-pieces.ts: quality 0 and 1 only, with no reference outside themselves), so its pieces
 * are larger runs of blocks for the body's bulk: a list's blocks are grouped into segments the same
 * content-defined way (a block whose last event's hash is 0 modulo {@link SEGMENT_EVENTS} ends a
 * segment), each one piece compressed once; only where a list changes (its first block, its open
 * last block, and the runs of blocks after the one and before the other) are pieces made more often.
 * A change then compresses a block or two (about 0.1 ms) instead of the whole body (1.2 ms at
 * quality 2), for about 30% more bytes than quality 2 of the whole (about gzip's size).
 */

/** Events per block on average. */
const AVERAGE_EVENTS = 32;
/** At most this many events in a block, whatever their hashes. */
const MAX_EVENTS = 256;
/**
 * Events per brotli segment on average (eight blocks): a piece of quality 1 compresses about as
 * well as the whole body at quality 1 from about 256 events (23 KB for the benchmark's log, against
 * 35 KB in pieces of 32).
 */
const SEGMENT_EVENTS = AVERAGE_EVENTS * 8;
/** At most this many blocks in a segment, whatever their hashes: bounds the work of compressing one. */
const MAX_SEGMENT_BLOCKS = 32;

/** A hash of one event's end, where the time's digits are. */
function hashOf(json: string): number {
  let h = 0x811c9dc5;
  for (let i = Math.max(0, json.length - 16); i < json.length; i++) h = Math.imul(h ^ json.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const COMMA = Buffer.from(',');

/** A run of consecutive events of one list, rendered once. */
class EventBlock {
  readonly identity: Buffer;
  /** Ended by its own last event's hash, and that hash also ends a brotli segment. */
  readonly endsSegment: boolean;
  /** Its gzip piece and the block it was compressed to follow (its bytes and a comma as the dictionary). */
  #gzip: { after: EventBlock | undefined; piece: GzipPiece } | undefined;
  #brotli: Buffer | undefined;
  /** When this block starts a segment: the segment's blocks (by serial) and its brotli piece. */
  #segment: { serials: readonly number[]; piece: Buffer } | undefined;

  constructor(
    readonly events: readonly string[],
    /** Ended by its own last event (or by the size limit), so appending after it never changes it. */
    readonly closed: boolean,
    /** Tells blocks apart without holding them (a segment remembers its blocks by serial). */
    readonly serial: number,
  ) {
    this.identity = Buffer.from(events.join(','));
    this.endsSegment = closed && hashOf(events[events.length - 1] ?? '') % SEGMENT_EVENTS === 0;
  }

  /** Its brotli piece. */
  get brotli(): Buffer {
    return (this.#brotli ??= brotliPiece(this.identity));
  }

  /** The brotli piece of a run of blocks this block starts, `blocks` (this one first), joined by commas. */
  runBrotli(blocks: readonly EventBlock[]): Buffer {
    if (blocks.length === 1) return this.brotli;
    const held = this.#segment;
    if (held !== undefined && held.serials.length === blocks.length && held.serials.every((s, i) => blocks[i]?.serial === s)) return held.piece;
    const parts: Buffer[] = [];
    blocks.forEach((b, i) => (i > 0 && parts.push(COMMA), parts.push(b.identity)));
    const piece = brotliPiece(Buffer.concat(parts));
    this.#segment = { serials: blocks.map((b) => b.serial), piece };
    return piece;
  }

  /**
   * Its gzip piece after `after` (the block before it in its list, or none for the first). The
   * first two blocks of a list change with each eviction (the first is cut, the second follows
   * it) and the last with each append, so they are compressed faster, less.
   */
  gzip(after: EventBlock | undefined, index: number): GzipPiece {
    if (this.#gzip !== undefined && this.#gzip.after === after) return this.#gzip.piece;
    const level = index < 2 || !this.closed ? 1 : 6;
    const piece = deflatedPiece(this.identity, level, after && Buffer.concat([after.identity, COMMA]));
    this.#gzip = { after, piece };
    return piece;
  }

  /**
   * Bytes held: the UTF-8 bytes, the events' strings (about as many), and room for the compressed
   * pieces (its own, about a tenth each, and a segment's it starts, up to its blocks' tenth).
   */
  get weight(): number {
    return this.identity.length * 4;
  }

  /** Whether this block is what `events` holds from `at`. */
  fits(events: readonly string[], at: number): boolean {
    const n = this.events.length;
    if (at + n > events.length || (!this.closed && at + n !== events.length)) return false;
    for (let k = 0; k < n; k++) if (this.events[k] !== events[at + k]) return false;
    return true;
  }
}

const COMMA_PIECE = storedPiece(COMMA);
const COMMA_BROTLI = rawBrotliPiece(COMMA);

/**
 * A list's blocks as brotli pieces, commas between: each segment (ended by a block that ends one,
 * or by {@link MAX_SEGMENT_BLOCKS}) one piece, except where the list changes. The first block
 * (cut as the list's oldest go) and an open last block (grown as events arrive) are pieces of
 * their own, and the rest of the first segment and of an unfinished last one are each a run
 * made again when a block leaves or joins it (about every {@link AVERAGE_EVENTS} changes of the
 * list), and kept as the segment's piece once the segment is finished.
 */
function brotliPiecesOf(blocks: readonly EventBlock[], out: Buffer[]): void {
  const runs: EventBlock[][] = [];
  let start = 0;
  blocks.forEach((block, i) => {
    const last = i + 1 === blocks.length;
    if (i === 0 || (last && !block.closed)) {
      // Alone: the first block, or the open last one (after the run before it).
      if (i > start) runs.push(blocks.slice(start, i));
      runs.push([block]);
      start = i + 1;
    } else if (block.endsSegment || i + 1 - start === MAX_SEGMENT_BLOCKS || last) {
      runs.push(blocks.slice(start, i + 1));
      start = i + 1;
    }
  });
  runs.forEach(([first, ...rest], i) => {
    if (i > 0) out.push(COMMA_BROTLI);
    if (first !== undefined) out.push(first.runBrotli([first, ...rest]));
  });
}

/** One answer: the frame's text and the blocks of both lists. */
class EtlLogBody implements CodedBody {
  readonly weight: number;
  #identity: Buffer | undefined;
  readonly #texts: readonly [Buffer, Buffer, Buffer];
  readonly #lists: readonly [readonly EventBlock[], readonly EventBlock[]];
  #gzip: Promise<Buffer> | undefined;
  #br: Promise<Buffer> | undefined;

  constructor(page: EtlPage, allocation: readonly EventBlock[], asset: readonly EventBlock[]) {
    const frame = etlPageFrame(page.counters);
    this.#texts = [Buffer.from(frame.open), Buffer.from(frame.between), Buffer.from(frame.close)];
    this.#lists = [allocation, asset];
    let length = 0;
    this.#each(
      (text) => (length += text.length),
      (block) => (length += block.identity.length),
      () => (length += COMMA.length),
    );
    // The identity bytes, once made, and about as much again for the blocks and the compressed forms.
    this.weight = length * 2;
  }

  /** The identity bytes, joined on first need (a gzip answer does not need them). */
  get #identityBytes(): Buffer {
    if (this.#identity === undefined) {
      const parts: Buffer[] = [];
      this.#each(
        (text) => parts.push(text),
        (block) => parts.push(block.identity),
        () => parts.push(COMMA),
      );
      this.#identity = Buffer.concat(parts);
    }
    return this.#identity;
  }

  bytes(coding: Coding): Promise<Buffer> {
    if (coding === 'identity') return Promise.resolve(this.#identityBytes);
    if (coding === 'br') {
      return (this.#br ??= Promise.resolve().then(() => {
        const [open, between, close] = this.#texts;
        const pieces = [rawBrotliPiece(open)];
        brotliPiecesOf(this.#lists[0], pieces);
        pieces.push(rawBrotliPiece(between));
        brotliPiecesOf(this.#lists[1], pieces);
        pieces.push(rawBrotliPiece(close));
        return stitchBrotli(pieces);
      }));
    }
    return (this.#gzip ??= Promise.resolve().then(() => {
      const pieces: GzipPiece[] = [];
      this.#each(
        (text) => pieces.push(storedPiece(text)),
        (block, index, after) => pieces.push(block.gzip(after, index)),
        () => pieces.push(COMMA_PIECE),
      );
      return stitchGzip(pieces);
    }));
  }

  /** Walks the body in order: the frame's texts, each list's blocks with a comma between two. */
  #each(text: (b: Buffer) => void, block: (b: EventBlock, index: number, after: EventBlock | undefined) => void, comma: () => void): void {
    const [open, between, close] = this.#texts;
    text(open);
    this.#lists[0].forEach((b, i, l) => (i > 0 && comma(), block(b, i, l[i - 1])));
    text(between);
    this.#lists[1].forEach((b, i, l) => (i > 0 && comma(), block(b, i, l[i - 1])));
    text(close);
  }
}

/** Makes the answers of the ETL log route, keeping the blocks they share within `budgetBytes`. */
export class EtlLogBodies {
  /** Blocks by their first event, least recently used first. */
  readonly #blocks = new Map<string, EventBlock>();
  #bytes = 0;
  #serial = 0;

  constructor(readonly budgetBytes: number) {}

  /** The answer for `page`. */
  body(page: EtlPage): CodedBody {
    const body = new EtlLogBody(page, this.#blocksOf(page.allocation), this.#blocksOf(page.asset));
    this.#evict();
    return body;
  }

  /** Blocks held, and their bytes (as weighed). */
  get held(): { blocks: number; bytes: number } {
    return { blocks: this.#blocks.size, bytes: this.#bytes };
  }

  #blocksOf(events: readonly string[]): EventBlock[] {
    const out: EventBlock[] = [];
    for (let at = 0; at < events.length; ) {
      const first = events[at] ?? '';
      let block = this.#blocks.get(first);
      if (block !== undefined) {
        this.#blocks.delete(first);
        this.#bytes -= block.weight;
        if (!block.fits(events, at)) block = undefined;
      }
      if (block === undefined) {
        let end = at;
        let closed = false;
        while (end < events.length && !closed) closed = hashOf(events[end++] ?? '') % AVERAGE_EVENTS === 0 || end - at === MAX_EVENTS;
        block = new EventBlock(events.slice(at, end), closed, this.#serial++);
      }
      // Most recently used goes last.
      this.#blocks.set(first, block);
      this.#bytes += block.weight;
      out.push(block);
      at += block.events.length;
    }
    return out;
  }

  #evict(): void {
    for (const [k, v] of this.#blocks) {
      if (this.#bytes <= this.budgetBytes) break;
      this.#blocks.delete(k);
      this.#bytes -= v.weight;
    }
  }
}
