import type { Coding } from './encoding.js';
import { etlPageFrame } from '../events/etl-log-json.js';
import type { EtlPage } from '../storage/store.js';
import { deflatedPiece, stitchGzip, storedPiece, type GzipPiece } from './gzip-pieces.js';
import { brotliBytes, type CodedBody } from './render-cache.js';

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
 * block's piece is made again when the first is cut); brotli has no such stitching in Node, so it
 * compresses the whole body, once per revision asked for, at {@link BROTLI_QUALITY}.
 */

/** Events per block on average. */
const AVERAGE_EVENTS = 32;
/** At most this many events in a block, whatever their hashes. */
const MAX_EVENTS = 256;
/**
 * Brotli quality of this route's bodies: they change with every ETL event, so each is compressed
 * about once; quality 5 (the other routes') costs about 2.3× the CPU for about 13% fewer bytes
 * (16.9 KB against 19.4 KB for the benchmark's full log).
 */
export const BROTLI_QUALITY = 2;

/** Whether `json` (one event) ends a block: a hash of its end, where the time's digits are. */
function endsBlock(json: string): boolean {
  let h = 0x811c9dc5;
  for (let i = Math.max(0, json.length - 16); i < json.length; i++) h = Math.imul(h ^ json.charCodeAt(i), 0x01000193);
  return (h >>> 0) % AVERAGE_EVENTS === 0;
}

const COMMA = Buffer.from(',');

/** A run of consecutive events of one list, rendered once. */
class EventBlock {
  readonly identity: Buffer;
  /** Its gzip piece and the block it was compressed to follow (its bytes and a comma as the dictionary). */
  #gzip: { after: EventBlock | undefined; piece: GzipPiece } | undefined;

  constructor(
    readonly events: readonly string[],
    /** Ended by its own last event (or by the size limit), so appending after it never changes it. */
    readonly closed: boolean,
  ) {
    this.identity = Buffer.from(events.join(','));
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

  /** Bytes held: the UTF-8 bytes, the events' strings (about as many), and room for the gzip piece. */
  get weight(): number {
    return this.identity.length * 3;
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
    if (coding === 'br') return (this.#br ??= brotliBytes(this.#identityBytes, BROTLI_QUALITY));
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
        while (end < events.length && !closed) closed = endsBlock(events[end++] ?? '') || end - at === MAX_EVENTS;
        block = new EventBlock(events.slice(at, end), closed);
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
