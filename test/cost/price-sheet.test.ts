import { describe, expect, it } from 'vitest';
import { PriceSheetError } from '../../src/cost/errors.js';
import { DEFAULT_PRICE_SHEET, loadPriceSheet, resourceCosts } from '../../src/cost/price-sheet.js';

const ACCEPTED =
  'cpuCoreMonth, ramGiBMonth, gpuHour, hoursPerMonth, storageGiBMonth, loadBalancerHour, instanceTypes';

describe('DEFAULT_PRICE_SHEET', () => {
  it('holds Kubecost default prices and the fields the ETL prices with', () => {
    expect(DEFAULT_PRICE_SHEET).toEqual({
      cpuCoreMonth: 23.08,
      ramGiBMonth: 3.09,
      gpuHour: 0.95,
      hoursPerMonth: 730,
      storageGiBMonth: 0.04,
      loadBalancerHour: 0.025,
    });
  });

  it('cannot be changed by a caller', () => {
    expect(Object.isFrozen(DEFAULT_PRICE_SHEET)).toBe(true);
  });
});

describe('resourceCosts', () => {
  it('gives the hourly unit prices of the Kubecost audit example to the last digit', () => {
    expect(resourceCosts(DEFAULT_PRICE_SHEET)).toEqual({
      costPerCPUCoreHour: 0.031616438356164386,
      costPerRAMByteHour: 3.94217363775593e-12,
      costPerGPUHour: 0.95,
    });
  });

  it('prints the CPU price as Kubecost prints it in JSON', () => {
    expect(JSON.stringify(resourceCosts(DEFAULT_PRICE_SHEET))).toBe(
      '{"costPerCPUCoreHour":0.031616438356164386,"costPerRAMByteHour":3.94217363775593e-12,"costPerGPUHour":0.95}',
    );
  });

  it('follows a changed month length', () => {
    expect(resourceCosts({ ...DEFAULT_PRICE_SHEET, cpuCoreMonth: 72, hoursPerMonth: 720 }).costPerCPUCoreHour).toBe(0.1);
  });
});

describe('loadPriceSheet', () => {
  it('keeps the defaults for an empty object', () => {
    expect(loadPriceSheet('{}', 'prices.json')).toEqual(DEFAULT_PRICE_SHEET);
  });

  it('overrides only the prices the file names', () => {
    expect(loadPriceSheet('{"cpuCoreMonth": 28, "gpuHour": 2.5}', 'prices.json')).toEqual({
      ...DEFAULT_PRICE_SHEET,
      cpuCoreMonth: 28,
      gpuHour: 2.5,
    });
  });

  it('accepts hourly prices per instance type', () => {
    const sheet = loadPriceSheet('{"instanceTypes": {"m5.large": 0.096, "e2-standard-4": 0.134}}', 'prices.json');
    expect(sheet.instanceTypes).toEqual({ 'm5.large': 0.096, 'e2-standard-4': 0.134 });
  });

  it('accepts a free price', () => {
    expect(loadPriceSheet('{"gpuHour": 0}', 'prices.json').gpuHour).toBe(0);
  });

  it('rejects an unknown key, naming the file, the path and the accepted keys', () => {
    expect(() => loadPriceSheet('{"cpu": 28}', '/etc/cost/prices.json')).toThrow(
      `/etc/cost/prices.json: at /cpu: unknown setting; accepted settings: ${ACCEPTED}`,
    );
  });

  it('rejects a negative price, naming the path and what is accepted', () => {
    expect(() => loadPriceSheet('{"ramGiBMonth": -1}', 'prices.json')).toThrow(
      'prices.json: at /ramGiBMonth: expected a finite number >= 0 (price of one GiB of memory for a month), got -1',
    );
  });

  it('rejects a price that overflows to Infinity', () => {
    expect(() => loadPriceSheet('{"cpuCoreMonth": 1e999}', 'prices.json')).toThrow(
      'prices.json: at /cpuCoreMonth: expected a finite number >= 0 (price of one CPU core for a month), got Infinity',
    );
  });

  it('rejects a price written as a string', () => {
    expect(() => loadPriceSheet('{"gpuHour": "0.95"}', 'prices.json')).toThrow(
      'prices.json: at /gpuHour: expected a finite number >= 0 (price of one GPU for an hour), got "0.95"',
    );
  });

  it('rejects a month of zero hours', () => {
    expect(() => loadPriceSheet('{"hoursPerMonth": 0}', 'prices.json')).toThrow(
      'prices.json: at /hoursPerMonth: expected a finite number > 0 (hours in a billing month), got 0',
    );
  });

  it('rejects a negative instance-type price, naming the escaped JSON pointer', () => {
    expect(() => loadPriceSheet('{"instanceTypes": {"a/b": -2}}', 'prices.json')).toThrow(
      'prices.json: at /instanceTypes/a~1b: expected a finite number >= 0 (hourly price of that instance type), got -2',
    );
  });

  it('rejects instanceTypes that is not an object', () => {
    expect(() => loadPriceSheet('{"instanceTypes": 3}', 'prices.json')).toThrow(
      'prices.json: at /instanceTypes: expected an object mapping node instance type (node.kubernetes.io/instance-type) to its hourly price, got 3',
    );
  });

  it('reports every bad setting at once', () => {
    expect(() => loadPriceSheet('{"gpuHour": -1, "x": 1}', 'prices.json')).toThrow(
      `prices.json: at /x: unknown setting; accepted settings: ${ACCEPTED}; at /gpuHour: expected a finite number >= 0 (price of one GPU for an hour), got -1`,
    );
  });

  it('rejects a document that is not an object', () => {
    expect(() => loadPriceSheet('[1]', 'prices.json')).toThrow(
      `prices.json: at /: expected a JSON object with any of ${ACCEPTED}, got [1]`,
    );
  });

  it('rejects text that is not JSON, naming the file', () => {
    expect(() => loadPriceSheet('{cpuCoreMonth: 1}', 'prices.json')).toThrow(/^prices\.json: not valid JSON \(/);
  });

  it('throws a PriceSheetError with the stable code COST_PRICE_SHEET_INVALID', () => {
    expect.assertions(2);
    try {
      loadPriceSheet('{"x": 1}', 'prices.json');
    } catch (err) {
      expect(err).toBeInstanceOf(PriceSheetError);
      expect((err as PriceSheetError).code).toBe('COST_PRICE_SHEET_INVALID');
    }
  });
});
