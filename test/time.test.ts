import { describe, expect, it } from 'vitest';
import { formatRfc3339Nano, formatRfc3339Seconds, msToNs } from '../src/time.js';

describe('time formatting', () => {
  it('prints nine fractional digits in UTC', () => {
    expect(formatRfc3339Nano(1654276074092619416n)).toBe('2022-06-03T17:07:54.092619416Z');
  });

  it('pads fractions that start with zeros', () => {
    expect(formatRfc3339Nano(msToNs(Date.parse('2022-06-03T17:07:54Z')) + 5n)).toBe('2022-06-03T17:07:54.000000005Z');
  });

  it('prints times before 1970 correctly', () => {
    expect(formatRfc3339Nano(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
  });

  it('prints set windows to the second', () => {
    expect(formatRfc3339Seconds(Date.parse('2022-06-03T10:00:00Z'))).toBe('2022-06-03T10:00:00Z');
  });
});
