import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../src/json-nesting.js';

const arrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('nestsDeeperThan', () => {
  it('accepts exactly the limit and refuses one level more', () => {
    expect(MAX_JSON_DEPTH).toBe(100);
    expect(nestsDeeperThan(arrays(100))).toBe(false);
    expect(nestsDeeperThan(arrays(101))).toBe(true);
  });

  it('counts objects and arrays alike', () => {
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 4)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(`{"a":"${'['.repeat(500)}","b":"\\"${'{'.repeat(500)}"}`, 1)).toBe(false);
  });

  it('scans truncated text as far as it goes', () => {
    expect(nestsDeeperThan('['.repeat(5000))).toBe(true);
    expect(nestsDeeperThan('[[1,2')).toBe(false);
  });
});
