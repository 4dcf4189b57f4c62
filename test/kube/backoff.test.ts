import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/kube/backoff.js';

describe('backoffDelay', () => {
  it('doubles from 800 ms and stops at 30 s', () => {
    const top = (): number => 1;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, DEFAULT_BACKOFF, top))).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
  });

  it('jitters within the upper half of each step', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(400);
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.5)).toBe(600);
    expect(backoffDelay(10, DEFAULT_BACKOFF, () => 0)).toBe(15000);
  });
});
