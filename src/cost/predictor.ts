/**
 * The seam between "what changed" and "what it costs". The audit prices every change through a
 * {@link CostPredictor}, and so does the Predict API (`POST /model/prediction/speccost`), so an
 * audit event and the prediction a developer saw before applying always agree.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ResourceCostsSchema } from './price-sheet.js';
import type { WorkloadSpec } from './workload.js';

/** The whole workload's requests in canonical Kubernetes form; `gpu` only when non-zero. */
export const TotalRequestsSchema = Type.Object({
  cpu: Type.String(),
  memory: Type.String(),
  gpu: Type.Optional(Type.String()),
});

/** Kubecost's `costPrediction`: monthly rates of the whole workload. */
export const MonthlyRatesSchema = Type.Object({
  totalMonthlyRate: Type.Number(),
  cpuMonthlyRate: Type.Number(),
  ramMonthlyRate: Type.Number(),
  gpuMonthlyRate: Type.Number(),
});

/** Monthly rates of the whole workload, per resource and in total. */
export type MonthlyRates = Static<typeof MonthlyRatesSchema>;

/** Resource-hours the whole workload consumes in a month (the Predict API's `monthly*Hours`). */
export const MonthlyHoursSchema = Type.Object({
  cpuCoreHours: Type.Number(),
  ramByteHours: Type.Number(),
  gpuHours: Type.Number(),
});

/** Resource-hours in a month. */
export type MonthlyHours = Static<typeof MonthlyHoursSchema>;

/**
 * Set when the configured predictor failed and another priced the workload instead: which one
 * failed and why. `predictor` then names the one that did the pricing.
 */
export const PredictionFallbackSchema = Type.Object({
  from: Type.String(),
  reason: Type.String(),
});

/** What a predictor says a workload costs; the first three fields are Kubecost's audit-event fields. */
export const CostPredictionSchema = Type.Object({
  totalRequests: TotalRequestsSchema,
  resourceCosts: ResourceCostsSchema,
  costPrediction: MonthlyRatesSchema,
  monthly: MonthlyHoursSchema,
  /** The predictor that priced this workload: `requests` or `kubecost`. */
  predictor: Type.String(),
  fallback: Type.Optional(PredictionFallbackSchema),
});

/** A priced workload. */
export type CostPrediction = Static<typeof CostPredictionSchema>;

/** Prices a workload. Implementations never throw for a reachable answer; they fall back instead. */
export interface CostPredictor {
  /** The setting that selects it: `requests` or `kubecost`. */
  readonly name: string;
  /** Prices the whole workload: one pod's requests × replicas, for a month. */
  predict(workload: WorkloadSpec): Promise<CostPrediction>;
  /**
   * The same answer at once, for a predictor that needs no I/O (`requests`): the audit prices each
   * change with it without a promise and a queue slot per change. The answer may be shared between
   * calls: never change it.
   */
  readonly predictNow?: (workload: WorkloadSpec) => CostPrediction;
}
