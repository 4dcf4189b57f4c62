/**
 * The default predictor: requests × replicas × the price sheet, for a month of
 * `hoursPerMonth` hours. Each rate is computed as Kubecost does, amount × hours × hourly price,
 * so the audit example (one replica of 100m / 32Mi) gives Kubecost's digits exactly:
 * cpu 2.3080000000000003, ram 0.0965625, total 2.4045625000000004.
 */
import { resourceCosts, type PriceSheet, type ResourceCosts } from './price-sheet.js';
import type { CostPrediction, CostPredictor } from './predictor.js';
import { REQUESTS_PREDICTOR } from './predictor-settings.js';
import { formatCount, formatCpu, formatMemory, roundToNano } from './quantity.js';
import type { PodRequests, WorkloadSpec } from './workload.js';

/** The whole workload's requests: one pod's × replicas, snapped back to Kubernetes' nano steps. */
export function totalRequestsOf(workload: WorkloadSpec): PodRequests {
  const { perPod, replicas } = workload;
  return {
    cpuCores: roundToNano(perPod.cpuCores * replicas),
    memoryBytes: roundToNano(perPod.memoryBytes * replicas),
    gpus: roundToNano(perPod.gpus * replicas),
  };
}

/** Prices a workload from its requests, synchronously; `costs` defaults to `resourceCosts(sheet)`. */
export function priceByRequests(
  workload: WorkloadSpec,
  sheet: PriceSheet,
  costs: ResourceCosts = resourceCosts(sheet),
): CostPrediction {
  const total = totalRequestsOf(workload);
  const cpuCoreHours = total.cpuCores * sheet.hoursPerMonth;
  const ramByteHours = total.memoryBytes * sheet.hoursPerMonth;
  const gpuHours = total.gpus * sheet.hoursPerMonth;
  const cpuMonthlyRate = cpuCoreHours * costs.costPerCPUCoreHour;
  const ramMonthlyRate = ramByteHours * costs.costPerRAMByteHour;
  const gpuMonthlyRate = gpuHours * costs.costPerGPUHour;
  const totalRequests: CostPrediction['totalRequests'] = {
    cpu: formatCpu(total.cpuCores),
    memory: formatMemory(total.memoryBytes),
  };
  if (total.gpus > 0) totalRequests.gpu = formatCount(total.gpus);
  return {
    totalRequests,
    resourceCosts: { ...costs },
    costPrediction: {
      totalMonthlyRate: cpuMonthlyRate + ramMonthlyRate + gpuMonthlyRate,
      cpuMonthlyRate,
      ramMonthlyRate,
      gpuMonthlyRate,
    },
    monthly: { cpuCoreHours, ramByteHours, gpuHours },
    predictor: REQUESTS_PREDICTOR,
  };
}

/** Workload shapes (replicas × one pod's requests) whose prediction the `requests` predictor keeps; past it, it starts over. */
const MAX_SHAPES = 4096;

/** The `requests` predictor over a price sheet. */
export function createRequestsPredictor(sheet: PriceSheet): CostPredictor {
  // Unit prices are fixed for the predictor's life; compute them once, not per change.
  const costs = resourceCosts(sheet);
  // Workloads come in a few shapes: each is priced (and its quantities formatted) once, and the
  // answer shared, as the predictor's contract allows.
  const shapes = new Map<string, CostPrediction>();
  const predictNow = (workload: WorkloadSpec): CostPrediction => {
    const { perPod } = workload;
    const key = `${workload.replicas}/${perPod.cpuCores}/${perPod.memoryBytes}/${perPod.gpus}`;
    let prediction = shapes.get(key);
    if (prediction === undefined) {
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      prediction = priceByRequests(workload, sheet, costs);
      shapes.set(key, prediction);
    }
    return prediction;
  };
  return {
    name: REQUESTS_PREDICTOR,
    predict: (workload) => Promise.resolve(predictNow(workload)),
    predictNow,
  };
}
