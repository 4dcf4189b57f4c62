import type { Clock } from '../clock.js';

/** What @fastify/rate-limit asks of a store. */
interface RateLimitResult {
  readonly current: number;
  readonly ttl: number;
}
type Callback = (err: Error | null, result: RateLimitResult) => void;

/** The store interface @fastify/rate-limit constructs (`new Store(options)`) and calls. */
export interface RateLimitStore {
  incr(key: string, cb: Callback, timeWindow: number, max: number): void;
  read(key: string, cb: Callback, timeWindow: number): void;
  child(routeOptions: unknown): RateLimitStore;
}

/** At most this many clients are tracked; past it the least recently seen is forgotten (it starts a fresh window). */
const MAX_KEYS = 10_000;

/**
 * A fixed-window request counter per client for @fastify/rate-limit, on the injected clock (its
 * own store reads Date.now(), so tests could not move time). Bounded: the least recently seen
 * client is forgotten past {@link MAX_KEYS}. Returns a class, as the plugin constructs its store.
 */
export function clockRateLimitStore(clock: Clock): new (options: unknown) => RateLimitStore {
  return class ClockStore implements RateLimitStore {
    readonly #windows = new Map<string, { start: number; count: number }>();

    incr(key: string, cb: Callback, timeWindow: number): void {
      const now = clock.nowMs();
      let w = this.#windows.get(key);
      if (w === undefined || w.start + timeWindow <= now) w = { start: now, count: 0 };
      w.count++;
      // Re-inserted, so the Map's order is least recently seen first.
      this.#windows.delete(key);
      this.#windows.set(key, w);
      if (this.#windows.size > MAX_KEYS) {
        const oldest = this.#windows.keys().next();
        if (oldest.done !== true) this.#windows.delete(oldest.value);
      }
      cb(null, { current: w.count, ttl: w.start + timeWindow - now });
    }

    read(key: string, cb: Callback, timeWindow: number): void {
      const now = clock.nowMs();
      const w = this.#windows.get(key);
      if (w === undefined || w.start + timeWindow <= now) cb(null, { current: 0, ttl: 0 });
      else cb(null, { current: w.count, ttl: w.start + timeWindow - now });
    }

    child(): RateLimitStore {
      return new ClockStore();
    }
  };
}
