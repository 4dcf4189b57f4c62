import type { CostPrediction } from '../cost/predictor.js';
import type { WorkloadSpec } from '../cost/workload.js';
import { formatRfc3339Nano } from '../time.js';
import type { AuditChange, AuditHead } from './audit-change.js';
import type { AuditEvent, AuditEventType } from './audit-event.js';
import { auditEventId } from './audit-id.js';
import { attributeChange } from './attribute-change.js';
import { describeChanges } from './describe-changes.js';
import type { AuditResourceType } from './resource-types.js';
import type { ScaleGroup } from './scale-groups.js';
import type { TrackedWorkload } from './tracked-workload.js';
import type { WorkloadStateChange } from './workload-state.js';

/** A workload the detector can price: one with a spec. */
export type Priced = TrackedWorkload & { readonly spec: WorkloadSpec };

/** Where a change found by a list (not seen live) happened: somewhere in [startNs, endNs]. */
export interface Span {
  readonly startNs: bigint;
  readonly endNs: bigint;
}

/** What every change of one detector shares: its kind, its cluster, and how it prints a timestamp. */
export interface EventOrigin {
  readonly resourceType: AuditResourceType;
  readonly cluster: string;
  /** RFC 3339 with nanoseconds (the detector's keeps the last millisecond's text). */
  readonly stamp: (ns: bigint) => string;
}

/** What an event is made of, beside its origin: the change, its prices, and how it was found. */
export interface DetectedInputs {
  readonly type: AuditEventType;
  /** The workload after the change (for a delete, as last known). */
  readonly w: Priced;
  /** For an update, the workload before it. */
  readonly was: Priced | undefined;
  readonly atNs: bigint;
  readonly after: CostPrediction;
  /** For an update, the price before it. */
  readonly before: CostPrediction | undefined;
  /** Set when a list found the change: when it did, printed then. */
  readonly detectedAt: string | undefined;
  readonly span: Span | undefined;
  readonly group: ScaleGroup | undefined;
}

const NS_PER_MS = 1_000_000n;

/**
 * A change as the detector publishes it. Its head is read at once; the event is built on the first
 * read of `event`, from inputs that never change (the workloads, their prices, the times), so it is
 * the event building it at once would have made. Building it is most of an event's cost (the id's
 * SHA-256, the printed times, attribution): the memory backend keeps only the last AUDIT_CAPACITY of
 * a burst and reads fewer, a SQL backend builds each at its write. The inputs stay held with the
 * change, so a held change keeps its workload (a deleted one's too) until it leaves the ring.
 */
export class DetectedChange implements AuditChange, AuditHead {
  readonly monthlyCostDelta: number;
  readonly timeMs: number;
  #event: AuditEvent | undefined;

  constructor(
    readonly key: string,
    readonly state: WorkloadStateChange,
    private readonly origin: EventOrigin,
    private readonly inputs: DetectedInputs,
  ) {
    const rate = inputs.after.costPrediction.totalMonthlyRate;
    this.monthlyCostDelta = inputs.type === 'add' ? rate : inputs.type === 'delete' ? -rate : rate - (inputs.before?.costPrediction.totalMonthlyRate ?? 0);
    const at = inputs.atNs;
    // The timestamp's ms, floored as it is printed (and as Date.parse reads it back).
    this.timeMs = Number(at >= 0n ? at / NS_PER_MS : (at - NS_PER_MS + 1n) / NS_PER_MS);
  }

  get head(): AuditHead {
    return this;
  }

  get eventType(): AuditEventType {
    return this.inputs.type;
  }

  get resourceType(): AuditResourceType {
    return this.origin.resourceType;
  }

  get cluster(): string {
    return this.origin.cluster;
  }

  get namespace(): string {
    return this.inputs.w.spec.namespace;
  }

  get event(): AuditEvent {
    return (this.#event ??= this.#build());
  }

  /** The event in Kubecost's field order, then the added fields. */
  #build(): AuditEvent {
    const { type, w, was, after: p, before: previous, detectedAt, span, group } = this.inputs;
    const { changedBy, source } = attributeChange(type, w, was?.spec);
    // Every event has every field, in this order, undefined where it does not apply: one shape for
    // all of them (an object spread per optional field made a shape for each combination). JSON.stringify
    // and the routes' serializers leave undefined fields out, so the bytes are those of the event without them.
    return {
      eventType: type,
      resourceType: this.origin.resourceType,
      timestamp: this.origin.stamp(this.inputs.atNs),
      properties: { cluster: this.origin.cluster, name: w.spec.name, namespace: w.spec.namespace },
      totalRequests: p.totalRequests,
      resourceCosts: p.resourceCosts,
      costPrediction: p.costPrediction,
      monthlyCostDelta: this.monthlyCostDelta,
      previousTotalRequests: previous?.totalRequests,
      previousCostPrediction: previous?.costPrediction,
      uid: w.uid,
      predictor: p.predictor,
      predictorFallback: p.fallback,
      detectedAt,
      inferred: span !== undefined ? true : undefined,
      span: span !== undefined ? { start: formatRfc3339Nano(span.startNs), end: formatRfc3339Nano(span.endNs) } : undefined,
      // Storage's time of the row (`time_ms`) is Date.parse of the timestamp, and the id is derived from it.
      id: auditEventId(this.origin.cluster, this.key, this.timeMs),
      changedBy,
      source,
      changes: was !== undefined ? describeChanges({ before: was.spec, after: w.spec, containersBefore: was.containers, containersAfter: w.containers }, true) : undefined,
      scaleGroup: group,
    };
  }
}
