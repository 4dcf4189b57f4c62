/**
 * Answers kept under a stamp (the store's revision) and reused while the stamp is unchanged, so
 * a dashboard polling the same summary costs a revision check, not a query. The stamp is read
 * before the answer is computed, so a kept answer is never older than its stamp.
 *
 * Bounded by count and by bytes: past `capacity` keys, or past `budgetBytes` of keys and answers
 * as `weigh` estimates them, the least recently used are dropped; an answer heavier than the whole
 * budget is served and not kept. A summary over 100,000 custom event names is ~15 MB, and clients
 * choose the keys (every `from`), so a count alone would let them hold gigabytes.
 */
export class StampedCache<T> {
  readonly #entries = new Map<string, { readonly stamp: string; readonly value: T; readonly bytes: number }>();
  #bytes = 0;

  constructor(
    private readonly weigh: (value: T) => number,
    private readonly budgetBytes = 16 * 1024 * 1024,
    private readonly capacity = 1000,
  ) {}

  /** Bytes held (keys and answers, as weighed). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The answer kept for `key` under `stamp`, or the one `compute` makes (kept in its place). */
  async get(key: string, stamp: string, compute: () => Promise<T>): Promise<T> {
    const held = this.#entries.get(key);
    if (held !== undefined) {
      this.#entries.delete(key);
      if (held.stamp === stamp) {
        this.#entries.set(key, held);
        return held.value;
      }
      this.#bytes -= held.bytes;
    }
    const value = await compute();
    const bytes = 2 * (key.length + stamp.length) + this.weigh(value);
    if (bytes > this.budgetBytes) return value;
    // Another request for the same key may have finished meanwhile: keep one.
    const raced = this.#entries.get(key);
    if (raced !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= raced.bytes;
    }
    this.#entries.set(key, { stamp, value, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.capacity && this.#bytes <= this.budgetBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
    return value;
  }
}
