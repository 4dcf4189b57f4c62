/**
 * A JSON text written piece by piece, for the large set answers of set-json.ts: byte for byte
 * what JSON.stringify prints for the same values (as UTF-8), without an object built per record
 * (issue #19: about 0.7× the CPU of building and stringifying them). The caller writes keys and
 * punctuation in order (the constant ones as bytes made once, see fragment()), strings, and
 * numbers; amounts rounded to 5 decimals as OpenCost rounds them are written as the digits of an
 * integer instead of through the shortest-decimal algorithm.
 *
 * The result is the UTF-8 bytes themselves, in chunks (JsonBytes), for the route to put in its
 * body as they are: making a string of them, and encoding that string again for the socket, was
 * most of what a render cost beyond the writes (decoding 41 MB of chunks, about 150 ms a render).
 * ASCII is copied into the chunk byte by byte; text beyond ASCII (or needing escapes, printed by
 * JSON.stringify) is encoded into it by Buffer.write. A chunk that is full is handed on as it is
 * and the next taken from the writer's ChunkPool (no copy); no character is split between chunks.
 * The last chunk is copied to its length, so a small answer (a step without records, one of
 * thousands) holds its bytes and not a whole chunk, and the chunk goes back to the pool.
 */

/** A JSON text as its UTF-8 bytes, in order: what JsonWriter writes, for a body to concatenate (Buffer.concat) without encoding it again. */
export type JsonBytes = readonly Buffer[];

/** Bytes per chunk, each its own ArrayBuffer outside V8's heap (Buffer.allocUnsafe of more than 4 KB). */
export const CHUNK_BYTES = 256 * 1024;

/** Room for any number's text (`-1.7976931348623157e+308` is 24 characters). */
const NUMBER_ROOM = 32;

/**
 * Scaled amounts below this print from their digits: `n / 1e5` of an integer `n` with at most 15
 * digits is the double nearest that decimal, and no other decimal of 15 digits or fewer maps to
 * that double, so the shortest text that reads back as it (what JSON.stringify prints) is those
 * digits. Anything larger is printed by JavaScript.
 */
const DIGITS_EXACT_BELOW = 1e15;

const INT32_LIMIT = 2 ** 31;

/**
 * Chunks whose bytes were copied out (into a body), for the next writers to fill again. Fresh
 * chunks cost more than their bytes: each page is faulted in as it is first written, and V8 counts
 * memory outside its heap towards a collection (`--trace-gc`: a mark-compact about once per answer
 * of 41 MB, where strings of the same size brought one about every eight). Measured: a render of
 * 39,130 allocations 268 → 158 ms CPU with its chunks reused (bench/README.md). Holds at most `maxChunks` while idle. Whoever gives chunks back must
 * hold no reference to them: they will be overwritten.
 */
export class ChunkPool {
  readonly #free: Buffer[] = [];
  /** The memory of the chunks in #free: one given back twice is kept once, so two writers never share a chunk. */
  readonly #held = new Set<ArrayBufferLike>();

  constructor(readonly maxChunks: number) {}

  /** A chunk of CHUNK_BYTES to write into: one given back, else a fresh one. */
  take(): Buffer {
    const chunk = this.#free.pop();
    if (chunk === undefined) return Buffer.allocUnsafe(CHUNK_BYTES);
    this.#held.delete(chunk.buffer);
    return chunk;
  }

  /** Keeps the whole chunks among `bytes` (bytes copied out and no longer read) for take(), up to maxChunks. */
  give(bytes: Iterable<Uint8Array>): void {
    for (const b of bytes) {
      if (this.#free.length >= this.maxChunks) return;
      if (b.byteOffset !== 0 || b.buffer.byteLength !== CHUNK_BYTES || this.#held.has(b.buffer)) continue;
      this.#held.add(b.buffer);
      this.#free.push(Buffer.from(b.buffer, 0, CHUNK_BYTES));
    }
  }

  /** Chunks held for reuse. */
  get size(): number {
    return this.#free.length;
  }
}

export class JsonWriter {
  readonly #pool: ChunkPool;
  #bytes: Buffer;
  #at = 0;
  /** The chunks filled, and text longer than a chunk as its own bytes, in order. */
  readonly #done: Buffer[] = [];

  /** Writes into chunks taken from `pool` (none kept by default). */
  constructor(pool = new ChunkPool(0)) {
    this.#pool = pool;
    this.#bytes = pool.take();
  }

  /** Text that is JSON already (keys, punctuation, fragments printed earlier), as it is. */
  json(text: string): void {
    const n = text.length;
    if (this.#at + n > CHUNK_BYTES && !this.#room(n)) return this.#encode(text);
    const bytes = this.#bytes;
    const from = this.#at;
    let at = from;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 127) {
        this.#at = from;
        return this.#encode(text);
      }
      bytes[at++] = c;
    }
    this.#at = at;
  }

  /** ASCII bytes made once (see fragment()), as they are: a copy, no check per character. */
  bytes(fragment: Uint8Array): void {
    if (this.#at + fragment.length > CHUNK_BYTES) this.#next();
    this.#bytes.set(fragment, this.#at);
    this.#at += fragment.length;
  }

  /** `s` as a JSON string. Printable ASCII without `"` or `\` (every name the pipeline makes) is copied; anything else is JSON.stringify's. */
  string(s: string): void {
    const n = s.length;
    if (this.#at + n + 2 > CHUNK_BYTES && !this.#room(n + 2)) return this.#encode(JSON.stringify(s));
    const bytes = this.#bytes;
    const from = this.#at;
    let at = from;
    bytes[at++] = 34; // "
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 32 || c > 126 || c === 34 || c === 92) {
        this.#at = from;
        return this.#encode(JSON.stringify(s));
      }
      bytes[at++] = c;
    }
    bytes[at++] = 34;
    this.#at = at;
  }

  /** A number as JSON.stringify prints it (null when not finite). */
  number(x: number): void {
    this.json(Number.isFinite(x) ? String(x) : 'null');
  }

  /**
   * `x` rounded to 5 decimals as OpenCost's formatFloat64ForResponse (math.Round: half away from
   * zero), printed as JSON.stringify prints the rounded double: `-0` as 0, NaN and ±Inf (also
   * after scaling) as null. Must stay the same rounding as set-json.ts's roundForJson.
   */
  rounded(x: number): void {
    const negative = x < 0;
    const scaled = negative ? Math.round(-x * 1e5) : Math.round(x * 1e5);
    if (!(scaled < DIGITS_EXACT_BELOW)) return this.number((negative ? -scaled : scaled) / 1e5); // NaN too
    if (this.#at + NUMBER_ROOM > CHUNK_BYTES) this.#next();
    const bytes = this.#bytes;
    if (scaled === 0) {
      bytes[this.#at++] = 48; // 0 (also for -0)
      return;
    }
    if (negative) bytes[this.#at++] = 45; // -
    const whole = Math.floor(scaled / 1e5);
    this.#digits(whole);
    let fraction = scaled - whole * 1e5;
    if (fraction === 0) return;
    // The fraction's five digits without their trailing zeros.
    let width = 5;
    while (fraction % 10 === 0) {
      fraction /= 10;
      width--;
    }
    bytes[this.#at++] = 46; // .
    let at = this.#at + width;
    this.#at = at;
    for (let i = 0; i < width; i++) {
      const rest = (fraction / 10) | 0;
      bytes[--at] = 48 + fraction - rest * 10;
      fraction = rest;
    }
  }

  /** A whole number from 0 below 2^53, as digits. */
  #digits(n: number): void {
    const bytes = this.#bytes;
    if (n < 10) {
      bytes[this.#at++] = 48 + n;
      return;
    }
    let width = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) width++;
    let at = this.#at + width;
    this.#at = at;
    if (n < INT32_LIMIT) {
      // Small integer arithmetic, much cheaper than dividing doubles.
      let i = n | 0;
      do {
        const rest = (i / 10) | 0;
        bytes[--at] = 48 + i - rest * 10;
        i = rest;
      } while (i > 0);
      return;
    }
    do {
      const rest = Math.floor(n / 10);
      bytes[--at] = 48 + n - rest * 10;
      n = rest;
    } while (n > 0);
  }

  /** The bytes written, once done writing: the chunks filled as they are, the last one copied to its length (and the chunk given back to the pool). */
  chunks(): JsonBytes {
    if (this.#at > 0) this.#done.push(Buffer.from(this.#bytes.subarray(0, this.#at)));
    this.#at = 0;
    this.#pool.give([this.#bytes]);
    return this.#done;
  }

  /** `text` as UTF-8 in the chunk, or in a fresh one when it does not fit, or as bytes of its own when longer than a chunk. */
  #encode(text: string): void {
    const n = Buffer.byteLength(text);
    if (this.#at + n > CHUNK_BYTES) this.#next();
    if (n > CHUNK_BYTES) {
      this.#done.push(Buffer.from(text));
      return;
    }
    this.#at += this.#bytes.write(text, this.#at);
  }

  /** Whether `n` bytes fit in a fresh chunk, started here (false for text longer than a chunk). */
  #room(n: number): boolean {
    this.#next();
    return n <= CHUNK_BYTES;
  }

  /** Hands on the chunk as it is (what it holds) and starts a fresh one. */
  #next(): void {
    if (this.#at === 0) return;
    this.#done.push(this.#bytes.subarray(0, this.#at));
    this.#bytes = this.#pool.take();
    this.#at = 0;
  }
}

/** ASCII text as bytes, made once for JsonWriter.bytes (keys and punctuation written for every record). */
export function fragment(text: string): Uint8Array {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`not printable ASCII: ${JSON.stringify(text)}`);
  return Buffer.from(text, 'latin1');
}
