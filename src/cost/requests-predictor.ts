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

/** Predictions by replicas, then one pod's CPU cores, memory bytes and GPUs. */
type Shapes = Map<number, Map<number, Map<number, Map<number, CostPrediction>>>>;

/** The `requests` predictor over a price sheet. */
export function createRequestsPredictor(sheet: PriceSheet): CostPredictor {
  // Unit prices are fixed for the predictor's life; compute them once, not per change.
  const costs = resourceCosts(sheet);
  // Workloads come in a few shapes: each is priced (and its quantities formatted) once, and the
  // answer shared, as the predictor's contract allows. Looked up by its four numbers, one map
  // level each: no key string printed and hashed per change.
  let shapes: Shapes = new Map();
  let size = 0;
  const predictNow = (workload: WorkloadSpec): CostPrediction => {
    const { replicas, perPod } = workload;
    let byCpu = shapes.get(replicas);
    let byMemory = byCpu?.get(perPod.cpuCores);
    let byGpus = byMemory?.get(perPod.memoryBytes);
    let prediction = byGpus?.get(perPod.gpus);
    if (prediction !== undefined) return prediction;
    if (size >= MAX_SHAPES) {
      shapes = new Map();
      size = 0;
      byCpu = byMemory = byGpus = undefined;
    }
    prediction = priceByRequests(workload, sheet, costs);
    if (byCpu === undefined) shapes.set(replicas, (byCpu = new Map<number, Map<number, Map<number, CostPrediction>>>()));
    if (byMemory === undefined) byCpu.set(perPod.cpuCores, (byMemory = new Map<number, Map<number, CostPrediction>>()));
    if (byGpus === undefined) byMemory.set(perPod.memoryBytes, (byGpus = new Map<number, CostPrediction>()));
    byGpus.set(perPod.gpus, prediction);
    size++;
    return prediction;
  };
  return {
    name: REQUESTS_PREDICTOR,
    predict: (workload) => Promise.resolve(predictNow(workload)),
    predictNow,
  };
}
