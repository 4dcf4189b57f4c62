/**
 * A fixed-capacity ring: O(1) push that overwrites the oldest entry once full, no array
 * shifting, so memory stays flat however many items pass through.
 */
export class RingBuffer<T> {
  readonly #slots: (T | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    }
    this.#slots = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Items currently held (at most `capacity`). */
  get size(): number {
    return this.#size;
  }

  /** Appends `item`, evicting the oldest when full; returns the evicted item, if any. */
  push(item: T): T | undefined {
    const evicted = this.#size === this.capacity ? this.#slots[this.#next] : undefined;
    this.#slots[this.#next] = item;
    this.#next = this.#next + 1 === this.capacity ? 0 : this.#next + 1;
    if (this.#size < this.capacity) this.#size++;
    return evicted;
  }

  /** The `i`-th newest item held (0: the last pushed), or undefined past the oldest: a read from the newest end without copying the ring. */
  fromNewest(i: number): T | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.#size) return undefined;
    const at = this.#next - 1 - i;
    return this.#slots[at < 0 ? at + this.capacity : at];
  }

  /** The held items, oldest first, as a new array. */
  toArray(): T[] {
    const out = new Array<T>(this.#size);
    let i = this.#size === this.capacity ? this.#next : 0;
    for (let n = 0; n < this.#size; n++) {
      out[n] = this.#slots[i] as T;
      i = i + 1 === this.capacity ? 0 : i + 1;
    }
    return out;
  }

  /** Removes every item. */
  clear(): void {
    this.#slots.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}
