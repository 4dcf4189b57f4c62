import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/clock.js';

// The real clock against a wall clock and a high-resolution timer of our own (Date.now and
// process.hrtime.bigint replaced), so steps of the wall clock can be made at will.

let wallMs = 1_700_000_000_000;
let hrNs = 5_000_000_000n;

afterEach(() => {
  vi.restoreAllMocks();
});

function mockTime(): void {
  vi.spyOn(Date, 'now').mockImplementation(() => wallMs);
  vi.spyOn(process.hrtime, 'bigint').mockImplementation(() => hrNs);
}

/** Moves both clocks on by `ns`, the wall one to its whole ms. */
function advance(ns: bigint): void {
  hrNs += ns;
  wallMs = Number((BigInt(wallMs) * 1_000_000n + ns) / 1_000_000n);
}

describe('systemClock().nowNs()', () => {
  it('reads the high-resolution timer from the wall clock it started at, to the nanosecond', () => {
    mockTime();
    const clock = systemClock();
    const start = clock.nowNs();
    expect(start).toBe(BigInt(wallMs) * 1_000_000n);
    hrNs += 123_456n;
    expect(clock.nowNs()).toBe(start + 123_456n);
    advance(2_500_000n);
    expect(clock.nowNs()).toBe(start + 123_456n + 2_500_000n);
  });

  it('never gives the same time twice, however often it is read in one nanosecond', () => {
    mockTime();
    const clock = systemClock();
    const times = Array.from({ length: 1000 }, () => clock.nowNs());
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1n);
  });

  it('follows the wall clock when it is stepped forward by more than a millisecond', () => {
    mockTime();
    const clock = systemClock();
    clock.nowNs();
    wallMs += 10_000;
    hrNs += 1_000n;
    expect(clock.nowNs()).toBe(BigInt(wallMs) * 1_000_000n);
    hrNs += 7n;
    expect(clock.nowNs()).toBe(BigInt(wallMs) * 1_000_000n + 7n);
  });

  it('re-anchors on a backward step but never goes backwards itself', () => {
    mockTime();
    const clock = systemClock();
    advance(50_000_000n);
    const before = clock.nowNs();
    wallMs -= 5_000;
    hrNs += 1_000n;
    const after = clock.nowNs();
    expect(after).toBe(before + 1n);
    // Anchored to the stepped wall clock now: once it has caught up, time moves with it again.
    advance(6_000_000_000n);
    expect(clock.nowNs()).toBe(BigInt(wallMs) * 1_000_000n);
  });

  it('sees a step of the wall clock at the first read after it, among reads within one millisecond', () => {
    mockTime();
    const clock = systemClock();
    clock.nowNs();
    hrNs += 10n;
    const sameMs = clock.nowNs();
    wallMs += 20_000;
    expect(clock.nowNs() - sameMs).toBeGreaterThan(19_000_000_000n);
  });
});
