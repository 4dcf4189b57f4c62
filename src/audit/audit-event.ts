import { CloneType, Type, type Static } from '@sinclair/typebox';
import { MonthlyRatesSchema, PredictionFallbackSchema, TotalRequestsSchema } from '../cost/predictor.js';
import { ResourceCostsSchema } from '../cost/price-sheet.js';
import { ChangedBySchema, SourceSchema } from './attribution.js';
import { FieldChangeSchema } from './describe-changes.js';
import { InferredSpanSchema } from './watch-gap.js';
import { ScaleGroupSchema } from './scale-groups.js';
import { RealizedSchema } from './realized-cost.js';
import { AUDIT_RESOURCE_TYPES } from './resource-types.js';

/** The change types: Kubecost's `add` and `delete`, and `update` (a resize) beyond Kubecost. */
export const AUDIT_EVENT_TYPES = ['add', 'delete', 'update'] as const;
/** One change type. */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** The event of the Kubecost Cost Events Audit API documentation, with the fields this server adds (the OpenAPI test validates it). */
export const KUBECOST_AUDIT_EVENT_EXAMPLE = {
  eventType: 'add',
  resourceType: 'deployment',
  timestamp: '2023-02-28T13:58:44.552788548Z',
  properties: { cluster: 'cluster-one', name: 'sample-deployment', namespace: 'kubecost' },
  totalRequests: { cpu: '100m', memory: '32Mi' },
  resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
  costPrediction: { totalMonthlyRate: 2.4045625000000004, cpuMonthlyRate: 2.3080000000000003, ramMonthlyRate: 0.0965625, gpuMonthlyRate: 0 },
  monthlyCostDelta: 2.4045625000000004,
  uid: '6b0b5a2e-5a4d-4c1e-9a3e-2f0c1d8e7b61',
  predictor: 'requests',
  id: 'ev1677592724552rOruZHcKZ',
  changedBy: { manager: 'kubectl-client-side-apply', operation: 'Update', time: '2023-02-28T13:58:44Z' },
  source: { tool: 'kubectl' },
};

/**
 * One audit event: exactly the fields of Kubecost's example, then fields it lacks (marked added).
 * `totalRequests` and `costPrediction` are the whole workload's; for a `delete` they describe what
 * was removed (positive, as Kubecost shows it); for an `update`, the workload after the change.
 */
export const AuditEventSchema = Type.Object(
  {
    eventType: Type.Union(AUDIT_EVENT_TYPES.map((t) => Type.Literal(t))),
    resourceType: Type.Union(AUDIT_RESOURCE_TYPES.map((t) => Type.Literal(t))),
    timestamp: Type.String({ description: 'When the change happened, RFC 3339 in UTC with nanoseconds.', examples: ['2023-02-28T13:58:44.552788548Z'] }),
    properties: Type.Object({
      cluster: Type.String({ examples: ['cluster-one'] }),
      name: Type.String({ examples: ['sample-deployment'] }),
      namespace: Type.String({ examples: ['kubecost'] }),
    }),
    totalRequests: TotalRequestsSchema,
    resourceCosts: ResourceCostsSchema,
    costPrediction: MonthlyRatesSchema,
    monthlyCostDelta: Type.Number({
      description: 'Added: signed change of the monthly rate (+ for add, − for delete, new − old for update).',
      examples: [2.4045625000000004],
    }),
    previousTotalRequests: Type.Optional(CloneType(TotalRequestsSchema, { description: 'Added, update only: requests before the change.' })),
    previousCostPrediction: Type.Optional(CloneType(MonthlyRatesSchema, { description: 'Added, update only: the prediction before the change.' })),
    uid: Type.String({ description: 'Added: the object UID.' }),
    predictor: Type.String({ description: 'Added: the predictor that priced the change (`requests` or `kubecost`).' }),
    predictorFallback: Type.Optional(CloneType(PredictionFallbackSchema, { description: 'Added: set when the configured predictor failed and another priced the change.' })),
    detectedAt: Type.Optional(
      Type.String({
        description: 'Added: set when the change was found by comparing a relist with what was known (the watch was down), not seen live; `timestamp` is then the object\'s creation time (add) or when it was last seen (delete).',
      }),
    ),
    inferred: Type.Optional(
      Type.Literal(true, {
        description:
          'Added: the change was not seen as it happened but found by a list that ended a gap (GET /model/audit/gaps): its exact time is unknown, `span` bounds it, and `timestamp` is the object\'s creation time (add), when it was last seen (delete) or when the list was taken (update).',
      }),
    ),
    span: Type.Optional(InferredSpanSchema),
    id: Type.Optional(
      Type.String({
        description:
          'Added: the event\'s stable id, the same on every replica and after a restart (and the Cloud Eye system event\'s `event_id`); `GET /model/audit/events/{id}` answers it. Every event has one (events stored before schema version 5 are given theirs by the migration).',
        pattern: '^ev[0-9]{13}[A-Za-z0-9]{9}$',
        examples: ['ev1677592724552rOruZHcKZ'],
      }),
    ),
    changedBy: Type.Optional(ChangedBySchema),
    source: Type.Optional(SourceSchema),
    changes: Type.Optional(
      Type.Array(FieldChangeSchema, {
        description: 'Added, update only: the fields that moved (replicas, each container\'s and init container\'s CPU, memory and GPU requests), then images as context.',
      }),
    ),
    scaleGroup: Type.Optional(ScaleGroupSchema),
    realized: Type.Optional(
      Type.Union([RealizedSchema, Type.Null()], {
        description:
          'Added, computed on request (`GET /model/audit/events/{id}`, and the list with `realized=true`): what the change really cost, from the stored allocation sets; null until the whole ETL_RESOLUTION window after the one the change happened in is built (or when the window before it is not stored).',
      }),
    ),
  },
  { $id: 'AuditEvent', examples: [KUBECOST_AUDIT_EVENT_EXAMPLE] },
);

/** One audit event as `/model/audit/events` serves it. */
export type AuditEvent = Static<typeof AuditEventSchema>;
