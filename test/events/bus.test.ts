import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';

interface T {
  a: number;
  b: string;
}

describe('EventBus', () => {
  it('delivers a payload to every subscriber of its topic, in subscription order', () => {
    const bus = new EventBus<T>(() => undefined);
    const seen: string[] = [];
    bus.subscribe('a', (n) => seen.push(`first ${n}`));
    bus.subscribe('a', (n) => seen.push(`second ${n}`));
    bus.subscribe('b', (s) => seen.push(`b ${s}`));
    bus.publish('a', 1);
    expect(seen).toEqual(['first 1', 'second 1']);
  });

  it('stops delivering after unsubscribe', () => {
    const bus = new EventBus<T>(() => undefined);
    const seen: number[] = [];
    const off = bus.subscribe('a', (n) => seen.push(n));
    bus.publish('a', 1);
    off();
    bus.publish('a', 2);
    expect(seen).toEqual([1]);
  });

  it('reports a throwing subscriber and still delivers to the others', () => {
    const errors: string[] = [];
    const bus = new EventBus<T>((topic, err) => errors.push(`${topic}: ${(err as Error).message}`));
    const seen: number[] = [];
    bus.subscribe('a', () => {
      throw new Error('boom');
    });
    bus.subscribe('a', (n) => seen.push(n));
    bus.publish('a', 5);
    expect(errors).toEqual(['a: boom']);
    expect(seen).toEqual([5]);
  });

  it('lets a subscriber unsubscribe itself during delivery without skipping the next one', () => {
    const bus = new EventBus<T>(() => undefined);
    const seen: string[] = [];
    const off = bus.subscribe('a', () => {
      seen.push('once');
      off();
    });
    bus.subscribe('a', () => seen.push('always'));
    bus.publish('a', 1);
    bus.publish('a', 2);
    expect(seen).toEqual(['once', 'always', 'always']);
  });
});
