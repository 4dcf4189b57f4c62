import { describe, expect, it } from 'vitest';
import { quoteValue } from '../src/quote-value.js';

const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

describe('quoteValue', () => {
  it('quotes a short value as its JSON', () => {
    expect(quoteValue('ERROR')).toBe('"ERROR"');
    expect(quoteValue({ a: [1, 'x', null, true] })).toBe('{"a":[1,"x",null,true]}');
  });

  it('quotes NaN and the infinities by name, as a query parameter coerced to one was sent', () => {
    expect(quoteValue(Number.NaN)).toBe('NaN');
    expect(quoteValue([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY])).toBe('[-Infinity,Infinity]');
  });

  it('cuts a long string at 80 characters and says how long its JSON is', () => {
    expect(quoteValue('x'.repeat(5000))).toBe(`"${'x'.repeat(79)}… (5002 characters)`);
  });

  it('cuts an array nested 100,000 deep without recursing', () => {
    expect(quoteValue(nested(100_000))).toBe(`${'['.repeat(80)}… (an array of 1 item)`);
  });

  it('cuts an object of many keys and counts them', () => {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    expect(quoteValue(many)).toBe('{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,… (an object of 10000 keys)');
  });

  it('quotes within another budget when asked', () => {
    expect(quoteValue('abcdef', 4)).toBe('"abc… (8 characters)');
  });
});
