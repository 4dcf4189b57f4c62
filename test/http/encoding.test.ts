import { describe, expect, it } from 'vitest';
import { negotiateCoding } from '../../src/http/encoding.js';

describe('negotiateCoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['identity', 'identity'],
    ['deflate', 'identity'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['gzip;q=abc', 'gzip'], // a malformed weight is ignored, not taken as a refusal
  ] as const)('picks %s → %s', (header, coding) => {
    expect(negotiateCoding(header)).toBe(coding);
  });
});
