import { describe, expect, it } from 'vitest';
import { decimalOf, decimalQuotient, nearestDouble } from '../../src/cost/decimal.js';

describe('decimalOf', () => {
  it('gives the shortest digits that read back as the double', () => {
    expect(decimalOf(0.30000000000000004)).toEqual({ negative: false, digits: '30000000000000004', exponent: -17 });
  });

  it('moves trailing zeros into the exponent', () => {
    expect(decimalOf(1200)).toEqual({ negative: false, digits: '12', exponent: 2 });
  });

  it('gives empty digits for zero', () => {
    expect(decimalOf(0)).toEqual({ negative: false, digits: '', exponent: 0 });
  });

  it('keeps the sign of a negative number', () => {
    expect(decimalOf(-0.5)).toEqual({ negative: true, digits: '5', exponent: -1 });
  });

  it('refuses a non-finite number', () => {
    expect(() => decimalOf(Infinity)).toThrow(RangeError);
  });
});

describe('nearestDouble', () => {
  it('agrees with float division when both operands are exact integers', () => {
    expect(nearestDouble(1n, 3n)).toBe(1 / 3);
    expect(nearestDouble(22n, 7n)).toBe(22 / 7);
  });

  it('rounds a tie to the even neighbour', () => {
    expect(nearestDouble(2n ** 53n + 1n, 1n)).toBe(2 ** 53);
    expect(nearestDouble(2n ** 53n + 3n, 1n)).toBe(2 ** 53 + 4);
  });

  it('rounds just above a tie upward', () => {
    expect(nearestDouble(2n * (2n ** 53n + 1n) + 1n, 2n)).toBe(2 ** 53 + 2);
  });
});

describe('decimalQuotient', () => {
  it('divides 23.08 by 730 to the double Kubecost prints, one ulp above plain float division', () => {
    expect(decimalQuotient(23.08, 730)).toBe(0.031616438356164386);
    expect(23.08 / 730).toBe(0.03161643835616438);
  });

  it('gives a negative quotient when the signs differ', () => {
    expect(decimalQuotient(-1, 10)).toBe(-0.1);
  });

  it('gives zero for a zero dividend', () => {
    expect(decimalQuotient(0, 730)).toBe(0);
  });

  it('refuses division by zero', () => {
    expect(() => decimalQuotient(1, 0)).toThrow(RangeError);
  });
});
