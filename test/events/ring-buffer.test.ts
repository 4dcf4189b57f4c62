import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/events/ring-buffer.js';

describe('RingBuffer', () => {
  it('returns items oldest first before it is full', () => {
    const r = new RingBuffer<number>(3);
    r.push(1);
    r.push(2);
    expect(r.toArray()).toEqual([1, 2]);
    expect(r.size).toBe(2);
  });

  it('drops the oldest item once full', () => {
    const r = new RingBuffer<number>(3);
    for (let i = 1; i <= 7; i++) r.push(i);
    expect(r.toArray()).toEqual([5, 6, 7]);
    expect(r.size).toBe(3);
  });

  it('keeps exactly capacity items when it wraps at the boundary', () => {
    const r = new RingBuffer<number>(2);
    for (let i = 1; i <= 4; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4]);
  });

  it('holds a single item with capacity one', () => {
    const r = new RingBuffer<string>(1);
    r.push('a');
    r.push('b');
    expect(r.toArray()).toEqual(['b']);
  });

  it('reads the i-th newest item in place, before and after it wraps', () => {
    const r = new RingBuffer<number>(3);
    expect(r.fromNewest(0)).toBeUndefined();
    r.push(1);
    r.push(2);
    expect([0, 1, 2].map((i) => r.fromNewest(i))).toEqual([2, 1, undefined]);
    for (let i = 3; i <= 7; i++) {
      r.push(i);
      // Every position of the write cursor: the same items as toArray(), newest first.
      expect([0, 1, 2, 3].map((n) => r.fromNewest(n))).toEqual([...r.toArray().reverse(), undefined]);
    }
    expect([0, 1, 2].map((i) => r.fromNewest(i))).toEqual([7, 6, 5]);
    expect([-1, 1.5, Number.NaN].map((i) => r.fromNewest(i))).toEqual([undefined, undefined, undefined]);
  });

  it('empties on clear', () => {
    const r = new RingBuffer<number>(2);
    r.push(1);
    r.clear();
    expect(r.toArray()).toEqual([]);
    r.push(9);
    expect(r.toArray()).toEqual([9]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses capacity %s', (c) => {
    expect(() => new RingBuffer<number>(c)).toThrow(RangeError);
  });
});
