import { describe, expect, it } from 'vitest';
import { boundNs, formatRfc3339Nano, formatRfc3339Seconds, MAX_STORED_NS, MIN_STORED_NS, msToNs, parseRfc3339Ms, rfc3339NanoFormatter } from '../src/time.js';

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

  it('prints the same with a formatter that keeps the last millisecond, within one ms, across ms and before 1970', () => {
    const format = rfc3339NanoFormatter();
    expect([1654276074092619416n, 1654276074092000001n, 1654276074093000000n, -1n, 0n].map(format)).toEqual([
      '2022-06-03T17:07:54.092619416Z',
      '2022-06-03T17:07:54.092000001Z',
      '2022-06-03T17:07:54.093000000Z',
      '1969-12-31T23:59:59.999999999Z',
      '1970-01-01T00:00:00.000000000Z',
    ]);
  });

  it('prints set windows to the second', () => {
    expect(formatRfc3339Seconds(Date.parse('2022-06-03T10:00:00Z'))).toBe('2022-06-03T10:00:00Z');
  });
});

describe('parseRfc3339Ms', () => {
  it('reads RFC 3339 times with fractions and offsets', () => {
    expect(parseRfc3339Ms('2024-05-03T08:01:04Z')).toBe(Date.UTC(2024, 4, 3, 8, 1, 4));
    expect(parseRfc3339Ms('2024-05-03T08:01:04.123456789Z')).toBe(Date.UTC(2024, 4, 3, 8, 1, 4, 123));
    expect(parseRfc3339Ms('2024-05-03T10:01:04+02:00')).toBe(Date.UTC(2024, 4, 3, 8, 1, 4));
    expect(parseRfc3339Ms('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  it('refuses what is not one, rather than rolling it over', () => {
    for (const bad of ['2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '2024-05-03T24:00:00Z', '2024-05-03T08:01:60Z', '2024-05-03 08:01:04Z', '2024-05-03T08:01:04', '2024-05-03', 'yesterday', '', 1714723264000, null]) {
      expect(parseRfc3339Ms(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('boundNs', () => {
  it('converts a bound within the stored range exactly', () => {
    expect(boundNs(1_714_723_264_000)).toBe(1_714_723_264_000_000_000n);
  });

  it('clamps a bound past 2262 or before 1677 to the 64-bit range storage holds', () => {
    expect(boundNs(9_999_999_999_999)).toBe(MAX_STORED_NS);
    expect(boundNs(99_999_999_999_000)).toBe(2n ** 63n - 1n);
    expect(boundNs(-9_999_999_999_999)).toBe(MIN_STORED_NS);
    expect(MIN_STORED_NS).toBe(-(2n ** 63n));
  });
});
