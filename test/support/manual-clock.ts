import type { Clock, TimerHandle } from '../../src/clock.js';
import { NS_PER_MS } from '../../src/time.js';

/** A clock that moves only when the test says so; due timers run inside advance(). */
export class ManualClock implements Clock {
  #ns: bigint;
  #timers = new Map<number, { at: bigint; fn: () => void }>();
  #nextId = 1;

  constructor(start: string | number = '2024-05-03T08:01:04Z') {
    const ms = typeof start === 'number' ? start : Date.parse(start);
    this.#ns = BigInt(ms) * NS_PER_MS;
  }

  nowNs(): bigint {
    return this.#ns;
  }

  nowMs(): number {
    return Number(this.#ns / NS_PER_MS);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#ns + BigInt(Math.max(0, Math.round(ms))) * NS_PER_MS, fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle.id);
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms` (fractions allowed), running each timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.#ns + BigInt(Math.round(ms * 1e6));
    for (;;) {
      let next: { id: number; at: bigint; fn: () => void } | undefined;
      for (const [id, t] of this.#timers) {
        if (t.at <= target && (next === undefined || t.at < next.at)) next = { id, ...t };
      }
      if (next === undefined) break;
      this.#timers.delete(next.id);
      if (next.at > this.#ns) this.#ns = next.at;
      next.fn();
    }
    this.#ns = target;
  }

  /** Moves time forward by one nanosecond-precise step, without running timers past it. */
  tickNs(ns: bigint): void {
    this.advance(Number(ns) / 1e6);
  }
}
