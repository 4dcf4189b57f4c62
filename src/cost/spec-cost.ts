/**
 * The Predict API's wire shapes, with exactly the fields of kubectl-cost's `SpecCostDiff`
 * (pkg/query/prediction_speccost.go). The Kubecost predictor reads them; the speccost route
 * writes them from the same {@link CostPrediction}, so both speak one vocabulary.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { CostPrediction } from './predictor.js';
import type { WorkloadSpec } from './workload.js';

/** kubectl-cost's `CostPrediction`: monthly rates and resource-hours. */
export const SpecCostSchema = Type.Object({
  totalMonthlyRate: Type.Number(),
  cpuMonthlyRate: Type.Number(),
  ramMonthlyRate: Type.Number(),
  gpuMonthlyRate: Type.Number(),
  monthlyCPUCoreHours: Type.Number(),
  monthlyRAMByteHours: Type.Number(),
  monthlyGPUHours: Type.Number(),
});

/** One side of a spec-cost diff. */
export type SpecCost = Static<typeof SpecCostSchema>;

/** kubectl-cost's `SpecCostDiff`: one workload's cost before and after, and the change. */
export const SpecCostDiffSchema = Type.Object({
  namespace: Type.String(),
  controllerKind: Type.String(),
  controllerName: Type.String(),
  costBefore: SpecCostSchema,
  costAfter: SpecCostSchema,
  costChange: SpecCostSchema,
});

/** One item of the Predict API's bare-array response. */
export type SpecCostDiff = Static<typeof SpecCostDiffSchema>;

/** The cost of a workload that does not exist. */
export const ZERO_SPEC_COST: Readonly<SpecCost> = Object.freeze({
  totalMonthlyRate: 0,
  cpuMonthlyRate: 0,
  ramMonthlyRate: 0,
  gpuMonthlyRate: 0,
  monthlyCPUCoreHours: 0,
  monthlyRAMByteHours: 0,
  monthlyGPUHours: 0,
});

/** A prediction in the Predict API's field names. */
export function specCostOf(prediction: CostPrediction): SpecCost {
  const { costPrediction: rates, monthly } = prediction;
  return {
    totalMonthlyRate: rates.totalMonthlyRate,
    cpuMonthlyRate: rates.cpuMonthlyRate,
    ramMonthlyRate: rates.ramMonthlyRate,
    gpuMonthlyRate: rates.gpuMonthlyRate,
    monthlyCPUCoreHours: monthly.cpuCoreHours,
    monthlyRAMByteHours: monthly.ramByteHours,
    monthlyGPUHours: monthly.gpuHours,
  };
}

/** The Predict API item for a workload: `costChange = costAfter − costBefore`, field by field. */
export function specCostDiffOf(workload: WorkloadSpec, before: SpecCost, after: SpecCost): SpecCostDiff {
  const change: SpecCost = {
    totalMonthlyRate: after.totalMonthlyRate - before.totalMonthlyRate,
    cpuMonthlyRate: after.cpuMonthlyRate - before.cpuMonthlyRate,
    ramMonthlyRate: after.ramMonthlyRate - before.ramMonthlyRate,
    gpuMonthlyRate: after.gpuMonthlyRate - before.gpuMonthlyRate,
    monthlyCPUCoreHours: after.monthlyCPUCoreHours - before.monthlyCPUCoreHours,
    monthlyRAMByteHours: after.monthlyRAMByteHours - before.monthlyRAMByteHours,
    monthlyGPUHours: after.monthlyGPUHours - before.monthlyGPUHours,
  };
  return {
    namespace: workload.namespace,
    controllerKind: workload.kind,
    controllerName: workload.name,
    costBefore: { ...before },
    costAfter: { ...after },
    costChange: change,
  };
}
