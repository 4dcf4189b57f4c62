import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { createRequestsPredictor, priceByRequests, totalRequestsOf } from '../../src/cost/requests-predictor.js';
import type { WorkloadSpec } from '../../src/cost/workload.js';

const MI = 2 ** 20;

function workload(replicas: number, cpuCores: number, memoryBytes: number, gpus = 0): WorkloadSpec {
  return { kind: 'deployment', namespace: 'kubecost', name: 'sample-deployment', replicas, perPod: { cpuCores, memoryBytes, gpus } };
}

describe('the requests predictor on the Kubecost audit example (1 replica, 100m, 32Mi)', () => {
  const prediction = priceByRequests(workload(1, 0.1, 32 * MI), DEFAULT_PRICE_SHEET);

  it('prints totalRequests in canonical form, without a gpu field', () => {
    expect(prediction.totalRequests).toEqual({ cpu: '100m', memory: '32Mi' });
  });

  it('gives the example resourceCosts', () => {
    expect(prediction.resourceCosts).toEqual({
      costPerCPUCoreHour: 0.031616438356164386,
      costPerRAMByteHour: 3.94217363775593e-12,
      costPerGPUHour: 0.95,
    });
  });

  it('gives cpuMonthlyRate 2.308, to the digit Kubecost prints (2.3080000000000003)', () => {
    expect(prediction.costPrediction.cpuMonthlyRate).toBeCloseTo(2.308, 10);
    expect(prediction.costPrediction.cpuMonthlyRate).toBe(2.3080000000000003);
  });

  it('gives ramMonthlyRate 0.0965625 exactly', () => {
    expect(prediction.costPrediction.ramMonthlyRate).toBe(0.0965625);
  });

  it('gives totalMonthlyRate 2.4045625, to the digit Kubecost prints (2.4045625000000004)', () => {
    expect(prediction.costPrediction.totalMonthlyRate).toBeCloseTo(2.4045625, 10);
    expect(prediction.costPrediction.totalMonthlyRate).toBe(2.4045625000000004);
  });

  it('gives gpuMonthlyRate 0', () => {
    expect(prediction.costPrediction.gpuMonthlyRate).toBe(0);
  });

  it('serialises costPrediction exactly as the Kubecost example does', () => {
    expect(JSON.stringify(prediction.costPrediction)).toBe(
      '{"totalMonthlyRate":2.4045625000000004,"cpuMonthlyRate":2.3080000000000003,"ramMonthlyRate":0.0965625,"gpuMonthlyRate":0}',
    );
  });

  it('says the requests predictor priced it, with no fallback', () => {
    expect(prediction.predictor).toBe('requests');
    expect(prediction).not.toHaveProperty('fallback');
  });
});

describe('the requests predictor on the Predict API example (3 replicas, 10m, 10Mi)', () => {
  const prediction = priceByRequests(workload(3, 0.01, 10 * MI), DEFAULT_PRICE_SHEET);

  it('gives monthly CPU core-hours of 21.9', () => {
    expect(prediction.monthly.cpuCoreHours).toBe(21.9);
  });

  it('gives monthly RAM byte-hours of 22963814400', () => {
    expect(prediction.monthly.ramByteHours).toBe(22963814400);
  });

  it('gives the whole workload requests, 30m and 30Mi', () => {
    expect(prediction.totalRequests).toEqual({ cpu: '30m', memory: '30Mi' });
  });

  it('gives cpuMonthlyRate 0.6924 at 23.08 per core-month', () => {
    expect(prediction.costPrediction.cpuMonthlyRate).toBe(0.6924);
  });

  it('gives ramMonthlyRate 0.09052734375 (30/1024 GiB at 3.09)', () => {
    expect(prediction.costPrediction.ramMonthlyRate).toBeCloseTo(0.09052734375, 15);
  });
});

describe('priceByRequests', () => {
  it('prices GPUs by the hour and reports them in totalRequests', () => {
    const prediction = priceByRequests(workload(2, 1, 2 ** 30, 1), DEFAULT_PRICE_SHEET);
    expect(prediction.totalRequests).toEqual({ cpu: '2', memory: '2Gi', gpu: '2' });
    expect(prediction.monthly.gpuHours).toBe(1460);
    expect(prediction.costPrediction.gpuMonthlyRate).toBe(1387);
  });

  it('prices a workload scaled to zero at zero', () => {
    const prediction = priceByRequests(workload(0, 0.1, 32 * MI), DEFAULT_PRICE_SHEET);
    expect(prediction.totalRequests).toEqual({ cpu: '0', memory: '0' });
    expect(prediction.costPrediction).toEqual({ totalMonthlyRate: 0, cpuMonthlyRate: 0, ramMonthlyRate: 0, gpuMonthlyRate: 0 });
  });

  it('prices 3 replicas of 100m exactly as one replica of 300m', () => {
    const three = priceByRequests(workload(3, 0.1, 0), DEFAULT_PRICE_SHEET);
    const one = priceByRequests(workload(1, 0.3, 0), DEFAULT_PRICE_SHEET);
    expect(three.costPrediction).toEqual(one.costPrediction);
    expect(three.totalRequests.cpu).toBe('300m');
  });

  it('follows the price sheet it is given', () => {
    const sheet = { ...DEFAULT_PRICE_SHEET, cpuCoreMonth: 73, ramGiBMonth: 0 };
    expect(priceByRequests(workload(1, 1, 2 ** 30), sheet).costPrediction).toEqual({
      totalMonthlyRate: 73,
      cpuMonthlyRate: 73,
      ramMonthlyRate: 0,
      gpuMonthlyRate: 0,
    });
  });
});

describe('totalRequestsOf', () => {
  it('multiplies one pod requests by the replicas', () => {
    expect(totalRequestsOf(workload(4, 0.25, 512 * MI, 1))).toEqual({ cpuCores: 1, memoryBytes: 2 ** 31, gpus: 4 });
  });
});

describe('createRequestsPredictor', () => {
  it('is named requests', () => {
    expect(createRequestsPredictor(DEFAULT_PRICE_SHEET).name).toBe('requests');
  });

  it('resolves to the same prediction as priceByRequests', async () => {
    const w = workload(2, 0.5, 64 * MI);
    await expect(createRequestsPredictor(DEFAULT_PRICE_SHEET).predict(w)).resolves.toEqual(
      priceByRequests(w, DEFAULT_PRICE_SHEET),
    );
  });

  it('prices at once too, each shape once: another workload of the same replicas and requests gets the same answer', () => {
    const predictor = createRequestsPredictor(DEFAULT_PRICE_SHEET);
    const first = predictor.predictNow?.(workload(2, 0.5, 64 * MI));
    expect(first).toEqual(priceByRequests(workload(2, 0.5, 64 * MI), DEFAULT_PRICE_SHEET));
    expect(predictor.predictNow?.({ ...workload(2, 0.5, 64 * MI), name: 'another' })).toBe(first);
    expect(predictor.predictNow?.(workload(3, 0.5, 64 * MI))).toEqual(priceByRequests(workload(3, 0.5, 64 * MI), DEFAULT_PRICE_SHEET));
  });
});
