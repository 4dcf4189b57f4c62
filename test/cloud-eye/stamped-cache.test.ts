import { describe, expect, it } from 'vitest';
import { StampedCache } from '../../src/cloud-eye/stamped-cache.js';

const answer = (v: string) => async () => v;
/** Weighs an answer at its length: one-character keys and stamps then weigh 4 bytes more. */
const byLength = (v: string) => v.length;

describe('StampedCache', () => {
  it('reuses an answer while its stamp stands and recomputes it when the stamp moves', async () => {
    const cache = new StampedCache(byLength);
    let computed = 0;
    const compute = async () => `answer ${++computed}`;
    expect(await cache.get('k', '1', compute)).toBe('answer 1');
    expect(await cache.get('k', '1', compute)).toBe('answer 1');
    expect(await cache.get('k', '2', compute)).toBe('answer 2');
    expect(cache.size).toBe(1);
  });

  it('drops the least recently used past its byte budget', async () => {
    const cache = new StampedCache(byLength, 250);
    await cache.get('a', '1', answer('x'.repeat(100)));
    await cache.get('b', '1', answer('y'.repeat(100)));
    await cache.get('a', '1', answer('unused'));
    await cache.get('c', '1', answer('z'.repeat(100)));
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(208);
    expect(await cache.get('a', '1', answer('recomputed'))).toBe('x'.repeat(100));
    expect(await cache.get('b', '1', answer('recomputed'))).toBe('recomputed');
  });

  it('serves an answer heavier than the whole budget without keeping it', async () => {
    const cache = new StampedCache(byLength, 50);
    expect(await cache.get('a', '1', answer('x'.repeat(100)))).toBe('x'.repeat(100));
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('drops the least recently used past its count', async () => {
    const cache = new StampedCache(byLength, 1_000_000, 2);
    for (const k of ['a', 'b', 'c']) await cache.get(k, '1', answer(k));
    expect(cache.size).toBe(2);
    expect(await cache.get('a', '1', answer('recomputed'))).toBe('recomputed');
  });
});
