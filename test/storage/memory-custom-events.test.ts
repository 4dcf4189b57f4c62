import { describe, expect, it } from 'vitest';
import type { CustomEventRecord } from '../../src/storage/catalogue.js';
import { customEventBytes, MEMORY_CUSTOM_EVENT_BYTES, MemoryCustomEvents } from '../../src/storage/memory-custom-events.js';

const T0 = Date.parse('2024-05-03T08:00:00Z');

function record(i: number, content = ''): CustomEventRecord {
  return {
    eventId: `ev${T0 + i}abcdefghi`,
    name: 'deploy',
    source: 'app.orders',
    timeMs: T0 + i,
    level: 'Info',
    state: 'normal',
    user: '',
    dedupeKey: `key-${String(i).padStart(3, '0')}`,
    body: JSON.stringify({ event_id: `ev${T0 + i}`, content }),
  };
}

describe('MemoryCustomEvents bounds', () => {
  it('holds 64 MiB of events per project by default', () => {
    expect(MEMORY_CUSTOM_EVENT_BYTES).toBe(64 * 1024 * 1024);
  });

  it('weighs an event by its strings at two bytes a character, plus 240 bytes around them', () => {
    const r = record(1, 'x'.repeat(4096));
    const chars = r.eventId.length + r.name.length + r.source.length + r.level.length + r.state.length + r.user.length + r.dedupeKey.length + r.body.length;
    expect(customEventBytes(r)).toBe(240 + 2 * chars);
  });

  it('evicts the oldest arrivals once the bytes pass the budget, though the count is far from the capacity', () => {
    const one = customEventBytes(record(0, 'x'.repeat(4096)));
    const events = new MemoryCustomEvents(100_000, 10 * one);
    for (let i = 0; i < 25; i++) events.insert([record(i, 'x'.repeat(4096))]);
    expect(events.size).toBe(10);
    expect(events.bytes).toBe(10 * one);
    expect(events.summarize('deploy', 0, Number.MAX_SAFE_INTEGER)).toEqual([{ name: 'deploy', count: 10, latestMs: T0 + 24, latestSource: 'app.orders' }]);
    expect(events.occurrences({ name: 'deploy', fromMs: 0, toMs: T0 + 16 }, 0, 100).total).toBe(1);
  });

  it('gives the bytes back when events are pruned', () => {
    const events = new MemoryCustomEvents(100, MEMORY_CUSTOM_EVENT_BYTES);
    events.insert([record(1), record(2)]);
    events.prune(T0 + 2);
    expect(events.bytes).toBe(customEventBytes(record(2)));
  });
});
