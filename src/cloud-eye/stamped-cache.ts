/**
 * Answers kept under a stamp (the store's revision) and reused while the stamp is unchanged, so
 * a dashboard polling the same summary costs a revision check, not a query. Bounded: past
 * `capacity` keys the least recently used is dropped. The stamp is read before the answer is
 * computed, so a kept answer is never older than its stamp.
 */
export class StampedCache<T> {
  readonly #entries = new Map<string, { readonly stamp: string; readonly value: T }>();

  constructor(private readonly capacity = 1000) {}

  /** The answer kept for `key` under `stamp`, or the one `compute` makes (kept in its place). */
  async get(key: string, stamp: string, compute: () => Promise<T>): Promise<T> {
    const held = this.#entries.get(key);
    this.#entries.delete(key);
    if (held?.stamp === stamp) {
      this.#entries.set(key, held);
      return held.value;
    }
    const value = await compute();
    this.#entries.set(key, { stamp, value });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.capacity) break;
      this.#entries.delete(oldest);
    }
    return value;
  }
}
