import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { priceByRequests } from '../../src/cost/requests-predictor.js';
import { SpecCostDiffSchema, specCostDiffOf, specCostOf, ZERO_SPEC_COST } from '../../src/cost/spec-cost.js';
import type { WorkloadSpec } from '../../src/cost/workload.js';

const w: WorkloadSpec = {
  kind: 'deployment',
  namespace: 'default',
  name: 'nginx',
  replicas: 3,
  perPod: { cpuCores: 0.01, memoryBytes: 10 * 2 ** 20, gpus: 0 },
};

describe('specCostOf', () => {
  it('renames a prediction to the Predict API fields', () => {
    expect(specCostOf(priceByRequests(w, DEFAULT_PRICE_SHEET))).toEqual({
      totalMonthlyRate: 0.7829273437500001,
      cpuMonthlyRate: 0.6924,
      ramMonthlyRate: 0.09052734375,
      gpuMonthlyRate: 0,
      monthlyCPUCoreHours: 21.9,
      monthlyRAMByteHours: 22963814400,
      monthlyGPUHours: 0,
    });
  });
});

describe('specCostDiffOf', () => {
  const after = specCostOf(priceByRequests(w, DEFAULT_PRICE_SHEET));

  it('names the workload as kubectl-cost expects', () => {
    const diff = specCostDiffOf(w, ZERO_SPEC_COST, after);
    expect([diff.namespace, diff.controllerKind, diff.controllerName]).toEqual(['default', 'deployment', 'nginx']);
  });

  it('gives a change equal to costAfter for a new workload', () => {
    expect(specCostDiffOf(w, ZERO_SPEC_COST, after).costChange).toEqual(after);
  });

  it('gives costAfter minus costBefore, field by field, for a running workload', () => {
    const before = specCostOf(priceByRequests({ ...w, replicas: 1 }, DEFAULT_PRICE_SHEET));
    const change = specCostDiffOf(w, before, after).costChange;
    expect(change.monthlyCPUCoreHours).toBeCloseTo(14.6, 12);
    expect(change.monthlyRAMByteHours).toBe(15309209600);
    expect(change.totalMonthlyRate).toBe(after.totalMonthlyRate - before.totalMonthlyRate);
  });

  it('has exactly the field set of kubectl-cost SpecCostDiff', () => {
    expect(Value.Check(SpecCostDiffSchema, specCostDiffOf(w, ZERO_SPEC_COST, after))).toBe(true);
    expect(Object.keys(specCostDiffOf(w, ZERO_SPEC_COST, after))).toEqual([
      'namespace',
      'controllerKind',
      'controllerName',
      'costBefore',
      'costAfter',
      'costChange',
    ]);
  });
});
