/** A handle returned by {@link Clock.setTimeout}; pass it back to {@link Clock.clearTimeout}. */
export interface TimerHandle {
  readonly id: number;
}

/**
 * The one source of time and timers. Everything that reads the time or waits takes a Clock,
 * so tests drive time with a manual clock instead of sleeping.
 */
export interface Clock {
  /** Wall-clock time in nanoseconds since the Unix epoch (monotonic within the process). */
  nowNs(): bigint;
  /** Wall-clock time in milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Runs `fn` once after `ms` milliseconds of this clock's time. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

const NS_PER_MS = 1_000_000n;

/**
 * The real clock: nanosecond resolution from the high-resolution timer, anchored to the wall
 * clock and re-anchored when the two drift apart by more than a millisecond (NTP steps), yet
 * never going backwards, so events stamped in sequence keep their order.
 */
export function systemClock(): Clock {
  let anchorWall = BigInt(Date.now()) * NS_PER_MS;
  let anchorHr = process.hrtime.bigint();
  let last = 0n;
  /** The wall-clock ms of the last drift check: a burst stamps many times in one ms, checked once. */
  let checkedMs = Number.NaN;
  const timers = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  return {
    nowNs() {
      let now = anchorWall + (process.hrtime.bigint() - anchorHr);
      const wallMs = Date.now();
      if (wallMs !== checkedMs) {
        checkedMs = wallMs;
        const wall = BigInt(wallMs) * NS_PER_MS;
        const drift = now - wall;
        if (drift > NS_PER_MS || drift < -NS_PER_MS) {
          anchorWall = wall;
          anchorHr = process.hrtime.bigint();
          now = wall;
        }
      }
      if (now <= last) now = last + 1n;
      last = now;
      return now;
    },
    nowMs() {
      return Date.now();
    },
    setTimeout(fn, ms) {
      const id = nextId++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, ms);
      // Timers never keep the process alive on their own: shutdown is explicit.
      t.unref();
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t !== undefined) {
        clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
}
