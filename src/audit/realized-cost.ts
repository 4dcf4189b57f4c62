/**
 * What a change really cost: the controller's cost rate in the ETL window before a change and in
 * the one after it, from the stored allocation sets, beside what the predictor said. Pure: the
 * sets are handed in (realized-costs.ts reads them from storage).
 */
import { Type, type Static } from '@sinclair/typebox';
import { aggregateAllocations, isIdle } from '../etl/aggregate-allocations.js';
import { setWindow } from '../etl/etl-publisher.js';
import type { Allocation, AllocationSet } from '../etl/sets.js';
import type { Window } from '../window.js';
import type { AuditEventType } from './audit-event.js';
import type { AuditResourceType } from './resource-types.js';

/**
 * A realized delta more than this many times the predicted one, or less than its 1/this, or of the
 * other sign, marks the prediction off. 2: a prediction from requests misses by less than that when
 * the requests are what runs (the usual error is pods not yet scheduled, or a rollout's overlap),
 * and by more when something the predictor cannot see moved the cost (an autoscaler, pods that
 * never started, reconciled prices).
 */
export const PREDICTION_OFF_FACTOR = 2;

/** Monthly amounts both below this (one cent) are equal for {@link predictionOff}: float noise, not a miss. */
export const NEGLIGIBLE_MONTHLY = 0.01;

const SideSchema = Type.Object({
  window: Type.Object(
    {
      start: Type.String({ examples: ['2026-12-06T09:00:00Z'] }),
      end: Type.String({ examples: ['2026-12-06T10:00:00Z'] }),
    },
    { description: 'The ETL_RESOLUTION window, or the UTC day once the ETL_RESOLUTION sets of the change are pruned (HOURLY_RETENTION); RFC 3339 seconds in UTC.' },
  ),
  costPerHour: Type.Number({
    description:
      'CPU, RAM and GPU cost of the controller\'s allocations in the window (reconciliation adjustments included; idle, and volumes, which the predictor does not price, excluded), per hour it had at least one allocation running; 0 when it had none.',
    examples: [0.0329],
  }),
  coverage: Type.Number({
    minimum: 0,
    maximum: 1,
    description: 'The share of the window in which the controller had at least one allocation running (in a daily set, each allocation counts from its first start to its last end that day).',
    examples: [1],
  }),
});

/** The `realized` field of an audit event. */
export const RealizedSchema = Type.Object(
  {
    predictedMonthlyDelta: Type.Number({ description: 'The event\'s `monthlyCostDelta`: what the predictor said the change costs a month.', examples: [2.4045625] }),
    realizedMonthlyDelta: Type.Number({ description: '(after.costPerHour − before.costPerHour) × hours per month (730).', examples: [2.40456] }),
    before: SideSchema,
    after: SideSchema,
    coverage: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'How much of the windows backs the figure: after.coverage for an add, before.coverage for a delete, the lesser of both for an update. Below 1, the workload ran only part of a window.',
      examples: [1],
    }),
    predictionOff: Type.Boolean({
      description: `True when the realized delta is more than ${PREDICTION_OFF_FACTOR} times the predicted one, less than 1/${PREDICTION_OFF_FACTOR} of it, or of the other sign (amounts both under ${NEGLIGIBLE_MONTHLY} a month count as equal).`,
    }),
  },
  {
    description:
      'What the change really cost, from the stored allocation sets of the window before it and the window after the one it happened in: ETL_RESOLUTION windows while the one before is held, then the daily roll-ups of the day before the change\'s day and the day after it.',
  },
);

/** What a change really cost. */
export type Realized = Static<typeof RealizedSchema>;

/** The two windows a change at `timeMs` is measured over: the whole window before the one it happened in, and the whole window after it. */
export function realizedWindows(timeMs: number, resolutionMs: number): { readonly before: Window; readonly after: Window } {
  const start = Math.floor(timeMs / resolutionMs) * resolutionMs;
  return { before: { start: start - resolutionMs, end: start }, after: { start: start + resolutionMs, end: start + 2 * resolutionMs } };
}

/** Which workload a change was of, and what was predicted for it. */
export interface RealizedSubject {
  readonly eventType: AuditEventType;
  readonly resourceType: AuditResourceType;
  readonly namespace: string;
  readonly name: string;
  readonly predictedMonthlyDelta: number;
}

/** The realized cost of a change from the sets of its two windows (both must be stored: the caller returns null otherwise). */
export function realizedCost(subject: RealizedSubject, before: AllocationSet, after: AllocationSet, hoursPerMonth: number): Realized {
  const b = controllerRate(before, subject);
  const a = controllerRate(after, subject);
  const realizedMonthlyDelta = (a.costPerHour - b.costPerHour) * hoursPerMonth;
  const coverage = subject.eventType === 'add' ? a.coverage : subject.eventType === 'delete' ? b.coverage : Math.min(a.coverage, b.coverage);
  return {
    predictedMonthlyDelta: subject.predictedMonthlyDelta,
    realizedMonthlyDelta,
    before: b,
    after: a,
    coverage,
    predictionOff: predictionOff(subject.predictedMonthlyDelta, realizedMonthlyDelta),
  };
}

/** True when `realized` is more than {@link PREDICTION_OFF_FACTOR} times `predicted`, less than its 1/factor, or of the other sign. */
export function predictionOff(predicted: number, realized: number): boolean {
  const p = Math.abs(predicted);
  const r = Math.abs(realized);
  if (p < NEGLIGIBLE_MONTHLY && r < NEGLIGIBLE_MONTHLY) return false;
  if (Math.sign(predicted) !== Math.sign(realized)) return true;
  return r > p * PREDICTION_OFF_FACTOR || p > r * PREDICTION_OFF_FACTOR;
}

/** The allocations of the workload a change was of: a controller's pods (as the ETL names controllers), or a bare pod. */
function isOf(a: Allocation, s: RealizedSubject): boolean {
  const p = a.properties;
  if (p.namespace !== s.namespace || isIdle(a)) return false;
  return s.resourceType === 'pod' ? p.controller === undefined && p.pod === s.name : p.controllerKind === s.resourceType && p.controller === s.name;
}

function controllerRate(set: AllocationSet, s: RealizedSubject): Static<typeof SideSchema> {
  const members = set.allocations.filter((a) => isOf(a, s));
  const window = setWindow(set.window);
  const span = set.window.end - set.window.start;
  const covered = coveredMs(members, set.window);
  if (members.length === 0 || covered === 0 || span <= 0) return { window, costPerHour: 0, coverage: 0 };
  // One aggregate: the members all share the controller key, so grouping by it sums them.
  const [total] = aggregateAllocations({ ...set, allocations: members }, ['controller']).allocations;
  const cost = total === undefined ? 0 : total.cpuCost + total.cpuCostAdjustment + total.ramCost + total.ramCostAdjustment + total.gpuCost + total.gpuCostAdjustment;
  return { window, costPerHour: cost / (covered / 3_600_000), coverage: covered / span };
}

/** Milliseconds of `w` in which at least one of `members` ran (the union of their spans, clipped to it). */
function coveredMs(members: readonly Allocation[], w: Window): number {
  const spans = members.map((m) => [Math.max(m.start, w.start), Math.min(m.end, w.end)] as const).filter(([s, e]) => e > s);
  spans.sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of spans) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}
