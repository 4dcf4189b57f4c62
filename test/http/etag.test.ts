import { describe, expect, it } from 'vitest';
import { AnswerTags } from '../../src/http/etag.js';

describe('AnswerTags', () => {
  it('gives equal parts one tag, whether remembered or made again, and other parts another', () => {
    const tags = new AnswerTags();
    const first = tags.of('etl-log', '7', 'c');
    expect(tags.of('etl-log', '7', 'c')).toBe(first);
    const others = new Set<string>();
    // More than it remembers, so the first is made again from its parts.
    for (let i = 0; i < 200; i++) others.add(tags.of('etl-log', String(i + 8), 'c'));
    expect(others.size).toBe(200);
    expect(others.has(first)).toBe(false);
    expect(tags.of('etl-log', '7', 'c')).toBe(first);
    expect(tags.of('etl-log', '7', 'c2')).not.toBe(first);
    expect(first).toMatch(/^[\w-]{27}$/);
  });

  it('differs between two processes (a restarted memory store counts revisions from 0 again)', () => {
    expect(new AnswerTags().of('etl-log', '0', 'c')).not.toBe(new AnswerTags().of('etl-log', '0', 'c'));
  });
});
