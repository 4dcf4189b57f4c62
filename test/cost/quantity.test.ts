import { describe, expect, it } from 'vitest';
import { QuantityError } from '../../src/cost/errors.js';
import {
  formatCount,
  formatCpu,
  formatMemory,
  parseQuantity,
  parseQuantityValue,
  roundToNano,
} from '../../src/cost/quantity.js';

// Inputs and values from apimachinery's TestQuantityParse (pkg/api/resource/quantity_test.go).
const parsed: [string, number][] = [
  ['0', 0],
  ['0n', 0],
  ['0m', 0],
  ['0Ki', 0],
  ['0T', 0],
  ['1', 1],
  ['1Ki', 1024],
  ['8Ki', 8 * 1024],
  ['7Mi', 7 * 2 ** 20],
  ['6Gi', 6 * 2 ** 30],
  ['5Ti', 5 * 2 ** 40],
  ['4Pi', 4 * 2 ** 50],
  ['3Ei', 3 * 2 ** 60],
  ['100Ti', 100 * 2 ** 40],
  ['5n', 5e-9],
  ['4u', 4e-6],
  ['3m', 0.003],
  ['100m', 0.1],
  ['8k', 8000],
  ['50k', 50000],
  ['7M', 7e6],
  ['6G', 6e9],
  ['5T', 5e12],
  ['300T', 3e14],
  ['2P', 2e15],
  ['1E', 1e18],
  ['12E', 12e18],
  ['1E-3', 0.001],
  ['1e3', 1000],
  ['1E6', 1e6],
  ['1e9', 1e9],
  ['1E12', 1e12],
  ['1e15', 1e15],
  ['1E18', 1e18],
  ['100.035k', 100035],
  ['0.001', 0.001],
  ['0.0005k', 0.5],
  ['0.00050k', 0.5],
  ['0.5', 0.5],
  ['0.50000', 0.5],
  ['0.5e0', 0.5],
  ['0.5e-1', 0.05],
  ['0.5e-2', 0.005],
  ['10.035M', 10035000],
  ['1.2e3', 1200],
  ['1.3E+6', 1.3e6],
  ['1.40e9', 1.4e9],
  ['1.53E12', 1.53e12],
  ['1.7E18', 1.7e18],
  ['9.01', 9.01],
  ['8.1k', 8100],
  ['7.123456M', 7123456],
  ['6.987654321G', 6987654321],
  ['5.444T', 5.444e12],
  ['40.1T', 4.01e13],
  ['2.5P', 2.5e15],
  ['1.01E', 1.01e18],
  ['100.035Ki', 102435.84],
  ['0.5Mi', 524288],
  ['0.05Gi', 53687091.2],
  ['0.025Ti', 27487790694.4],
  ['1.5Gi', 1610612736],
  ['.001', 0.001],
  ['.5', 0.5],
  ['.0001k', 0.1],
  ['1.', 1],
  ['1.G', 1e9],
  ['+100m', 0.1],
  ['-1.5Gi', -1610612736],
  ['-0', 0],
];

// Kubernetes keeps quantities to the nano and rounds a finer remainder away from zero.
const roundedToNano: [string, number][] = [
  ['3.001n', 4e-9],
  ['1.1E-9', 2e-9],
  ['0.0000000001', 1e-9],
  ['0.0000000005', 1e-9],
  ['0.00000000050', 1e-9],
  ['0.5e-9', 1e-9],
  ['0.9n', 1e-9],
  ['0.00000012345', 1.24e-7],
  ['0.00000012354', 1.24e-7],
  ['0.000000000001Ki', 2e-9],
  ['1e-999999999999', 1e-9],
  ['-0.9n', -1e-9],
];

const rejected = [
  '',
  '1.5.2',
  'Mi',
  '1mi',
  '1 Gi',
  ' 1',
  '1 ',
  '1.1.M',
  '1+1.0M',
  '0.1mi',
  '0.1am',
  'aoeu',
  '.5i',
  '1i',
  '-3.01e-',
  '1e',
  '1e1.5',
  '1Ki2',
  '.',
  '+',
  '-',
  '0x10',
  '1_000',
  'Infinity',
  'NaN',
];

describe('parseQuantity', () => {
  it.each(parsed)('parses %j as %d', (input, value) => {
    expect(parseQuantity(input)).toBe(value);
  });

  it.each(roundedToNano)('rounds %j away from zero to the nano, giving %d', (input, value) => {
    expect(parseQuantity(input)).toBe(value);
  });

  it.each(rejected)('rejects %j with a QuantityError', (input) => {
    expect(() => parseQuantity(input)).toThrow(QuantityError);
  });

  it('names the input and what is accepted in its error', () => {
    expect(() => parseQuantity('1mi')).toThrow(
      'invalid quantity "1mi": expected a number with an optional sign and suffix: n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or e<exponent> (e.g. 100m, 1.5Gi, 1e3)',
    );
  });

  it('says an empty string is empty', () => {
    expect(() => parseQuantity('')).toThrow(/^invalid quantity "": empty;/);
  });

  it('rejects a value too large for a number', () => {
    expect(() => parseQuantity('1e400')).toThrow('invalid quantity "1e400": too large');
  });

  it('rejects a string longer than 100 characters without parsing it', () => {
    expect(() => parseQuantity('1'.repeat(101))).toThrow(/longer than 100 characters/);
  });

  it('gives the same values when asked again, past the bound of the values it keeps', () => {
    // More distinct quantities than are kept (1,024), twice over, interleaved with refused ones:
    // a kept value is the value, and a refused string stays refused however often it comes.
    const inputs = Array.from({ length: 3000 }, (_, i) => [`${i}m`, i / 1000] as const);
    for (let pass = 0; pass < 2; pass++) {
      for (const [input, value] of inputs) {
        expect(parseQuantity(input)).toBe(value);
        expect(parseQuantity('32Mi')).toBe(32 * 2 ** 20);
        if (Number.parseInt(input, 10) % 500 === 0) expect(() => parseQuantity('1mi')).toThrow(QuantityError);
      }
    }
  });

  it('carries the stable code COST_QUANTITY_INVALID', () => {
    expect.assertions(1);
    try {
      parseQuantity('x');
    } catch (err) {
      expect((err as QuantityError).code).toBe('COST_QUANTITY_INVALID');
    }
  });
});

describe('parseQuantityValue', () => {
  it('parses a bare number as YAML gives it (cpu: 2)', () => {
    expect(parseQuantityValue(2)).toBe(2);
  });

  it('parses a fractional bare number', () => {
    expect(parseQuantityValue(0.25)).toBe(0.25);
  });

  it('parses a bare number that prints with an exponent', () => {
    expect(parseQuantityValue(1e21)).toBe(1e21);
  });

  it('rejects Infinity from a YAML .inf', () => {
    expect(() => parseQuantityValue(Infinity)).toThrow(QuantityError);
  });
});

describe('roundToNano', () => {
  it('snaps binary noise back to the decimal', () => {
    expect(roundToNano(0.1 + 0.2)).toBe(0.3);
  });

  it('leaves numbers too large to resolve a nano as they are', () => {
    expect(roundToNano(2 ** 60 + 2 ** 10)).toBe(2 ** 60 + 2 ** 10);
  });
});

// Canonical forms from apimachinery's TestQuantityString and the Quantity doc comment.
const cpuForms: [number, string][] = [
  [0, '0'],
  [0.1, '100m'],
  [1, '1'],
  [2, '2'],
  [1.5, '1500m'],
  [2.5, '2500m'],
  [1.08, '1080m'],
  [0.08, '80m'],
  [0.001, '1m'],
  [0.0001, '100u'],
  [1e-9, '1n'],
  [1.08e-6, '1080n'],
  [1000, '1k'],
  [1500, '1500'],
  [3000, '3k'],
  [1234567e6, '1234567M'],
  [1e12, '1T'],
  [1e18, '1E'],
  [1e21, '1e21'],
  [5e21, '5e21'],
  [1e24, '1e24'],
  [1.5e21, '1500E'],
  [-0.5, '-500m'],
  [0.1 + 0.2, '300m'],
  [0.7 * 3, '2100m'],
];

const memoryForms: [number, string][] = [
  [0, '0'],
  [32 * 2 ** 20, '32Mi'],
  [2 ** 30, '1Gi'],
  [1536 * 2 ** 20, '1536Mi'],
  [300 * 2 ** 20, '300Mi'],
  [1001 * 2 ** 30, '1001Gi'],
  [2 ** 40, '1Ti'],
  [6 * 1024, '6Ki'],
  [1024, '1Ki'],
  [2048000, '2000Ki'],
  [2 ** 60, '1Ei'],
  [2 ** 70, '1024Ei'],
  [1e9, '1G'],
  [5e8, '500M'],
  [1000, '1k'],
  [1025, '1025'],
  [512, '512'],
  [1.5, '1500m'],
  [-(2 ** 20), '-1Mi'],
];

describe('formatCpu', () => {
  it.each(cpuForms)('prints %d cores as %j', (cores, text) => {
    expect(formatCpu(cores)).toBe(text);
  });
});

describe('formatMemory', () => {
  it.each(memoryForms)('prints %d bytes as %j', (bytes, text) => {
    expect(formatMemory(bytes)).toBe(text);
  });
});

describe('formatCount', () => {
  it.each([
    [1, '1'],
    [4, '4'],
    [0.5, '500m'],
    [0, '0'],
  ])('prints %d as %j', (count, text) => {
    expect(formatCount(count)).toBe(text);
  });
});

describe('parse and format', () => {
  it.each(['100m', '1', '2500m', '250u', '3k', '7n'])('prints the canonical CPU quantity %j back unchanged', (text) => {
    expect(formatCpu(parseQuantity(text))).toBe(text);
  });

  it.each(['32Mi', '1Gi', '1536Mi', '500M', '1G', '1025', '64Ki'])(
    'prints the canonical memory quantity %j back unchanged',
    (text) => {
      expect(formatMemory(parseQuantity(text))).toBe(text);
    },
  );

  it('prints 1.5Gi in canonical form as 1536Mi', () => {
    expect(formatMemory(parseQuantity('1.5Gi'))).toBe('1536Mi');
  });

  it('prints 1.5 cores in canonical form as 1500m', () => {
    expect(formatCpu(parseQuantity('1.5'))).toBe('1500m');
  });
});
