import { describe, expect, it } from 'vitest';
import { createPredictor } from '../../src/cost/create-predictor.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';

describe('createPredictor', () => {
  it('creates the requests predictor for the setting requests', () => {
    expect(createPredictor('requests', { sheet: DEFAULT_PRICE_SHEET }).name).toBe('requests');
  });

  it('creates the kubecost predictor for the setting kubecost', () => {
    const kubecost = { baseUrl: 'http://kubecost:9090', clusterId: 'cluster-one' };
    expect(createPredictor('kubecost', { sheet: DEFAULT_PRICE_SHEET, kubecost }).name).toBe('kubecost');
  });

  it('refuses the kubecost setting without a Kubecost address', () => {
    expect(() => createPredictor('kubecost', { sheet: DEFAULT_PRICE_SHEET })).toThrow(
      'the kubecost predictor needs a Kubecost URL and cluster ID',
    );
  });
});
