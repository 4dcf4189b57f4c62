import type { Clock } from '../clock.js';
import type { CostPrediction, CostPredictor } from '../cost/predictor.js';
import type { WorkloadSpec } from '../cost/workload.js';
import type { WatchHandler } from '../kube/watch-types.js';
import { formatRfc3339Nano, msToNs } from '../time.js';
import type { AuditEvent, AuditEventType } from './audit-event.js';
import type { PricingQueue } from './pricing-queue.js';
import type { AuditResourceType } from './resource-types.js';
import { sameCost, type TrackedWorkload } from './tracked-workload.js';

/** What the detector needs; one detector serves one watched kind. */
export interface ChangeDetectorDeps {
  readonly resourceType: AuditResourceType;
  readonly cluster: string;
  readonly clock: Clock;
  /** The configured predictor. */
  readonly predictor: CostPredictor;
  /** The local predictor, used when the pricing queue is full. */
  readonly overflowPredictor: CostPredictor;
  readonly queue: PricingQueue;
  /** Told about objects that cannot be priced (once per object version). */
  readonly onUnpriceable?: (w: TrackedWorkload) => void;
}

interface Known {
  readonly w: TrackedWorkload & { readonly spec: WorkloadSpec };
  /** Epoch ns when this object was last seen in a list or an event. */
  lastSeen: bigint;
}

type Change =
  | { readonly type: 'add' | 'delete'; readonly spec: WorkloadSpec; readonly uid: string; readonly at: bigint; readonly detected: boolean }
  | { readonly type: 'update'; readonly spec: WorkloadSpec; readonly previous: WorkloadSpec; readonly uid: string; readonly at: bigint; readonly detected: boolean };

/**
 * Turns one kind's watch into audit changes, keyed by UID (so delete-and-recreate with the same
 * name is a delete and an add). The initial list records what exists without events; a later list
 * (a relist after 410 or a reconnect) is diffed against what is known, so a workload created or
 * deleted while the watch was down still yields its add or delete, marked `detectedAt`.
 */
export class ChangeDetector implements WatchHandler<TrackedWorkload> {
  readonly #known = new Map<string, Known>();
  #synced = false;

  constructor(private readonly deps: ChangeDetectorDeps) {}

  /** Workloads currently known. */
  get size(): number {
    return this.#known.size;
  }

  onSync(items: TrackedWorkload[], _info: { initial: boolean }): void {
    const now = this.deps.clock.nowNs();
    const diff = this.#synced;
    const seen = new Set<string>();
    for (const w of items) {
      seen.add(w.uid);
      const known = this.#known.get(w.uid);
      if (!hasSpec(w)) {
        if (known !== undefined) this.#known.delete(w.uid);
        this.#reportUnpriceable(w, known);
        continue;
      }
      if (known === undefined) {
        this.#known.set(w.uid, { w, lastSeen: now });
        // Created while the watch was down: its own creation time is when the change happened.
        if (diff) this.#emit({ type: 'add', spec: w.spec, uid: w.uid, at: w.createdAtMs === undefined ? now : msToNs(w.createdAtMs), detected: true });
        continue;
      }
      known.lastSeen = now;
      if (known.w.resourceVersion !== w.resourceVersion) {
        this.#known.set(w.uid, { w, lastSeen: now });
        if (!sameCost(known.w.spec, w.spec)) this.#emit({ type: 'update', spec: w.spec, previous: known.w.spec, uid: w.uid, at: now, detected: true });
      }
    }
    for (const [uid, known] of this.#known) {
      if (seen.has(uid)) continue;
      this.#known.delete(uid);
      this.#emit({ type: 'delete', spec: known.w.spec, uid, at: known.lastSeen, detected: true });
    }
    this.#synced = true;
  }

  onAdded(w: TrackedWorkload): void {
    if (this.#known.has(w.uid)) {
      this.onModified(w);
      return;
    }
    if (!hasSpec(w)) {
      this.#reportUnpriceable(w, undefined);
      return;
    }
    const now = this.deps.clock.nowNs();
    this.#known.set(w.uid, { w, lastSeen: now });
    this.#emit({ type: 'add', spec: w.spec, uid: w.uid, at: now, detected: false });
  }

  onModified(w: TrackedWorkload): void {
    const known = this.#known.get(w.uid);
    if (known === undefined) {
      // A modification of an object we never saw priced (it became priceable): count it as added.
      if (hasSpec(w)) this.onAdded(w);
      else this.#reportUnpriceable(w, undefined);
      return;
    }
    const now = this.deps.clock.nowNs();
    if (!hasSpec(w)) {
      // Unpriceable now: keep the last good spec so a later delete is still priced.
      known.lastSeen = now;
      this.#reportUnpriceable(w, known);
      return;
    }
    this.#known.set(w.uid, { w, lastSeen: now });
    if (!sameCost(known.w.spec, w.spec)) this.#emit({ type: 'update', spec: w.spec, previous: known.w.spec, uid: w.uid, at: now, detected: false });
  }

  onDeleted(w: TrackedWorkload): void {
    const known = this.#known.get(w.uid);
    this.#known.delete(w.uid);
    const spec = known?.w.spec ?? w.spec;
    if (spec === undefined) return;
    this.#emit({ type: 'delete', spec, uid: w.uid, at: this.deps.clock.nowNs(), detected: false });
  }

  #reportUnpriceable(w: TrackedWorkload, known: Known | undefined): void {
    if (w.problem !== undefined && known?.w.resourceVersion !== w.resourceVersion) this.deps.onUnpriceable?.(w);
  }

  #emit(change: Change): void {
    const { queue } = this.deps;
    const predictor = queue.isFull ? this.deps.overflowPredictor : this.deps.predictor;
    const detectedAt = change.detected ? formatRfc3339Nano(this.deps.clock.nowNs()) : undefined;
    queue.push(this.#price(change, predictor, detectedAt));
  }

  async #price(change: Change, predictor: CostPredictor, detectedAt: string | undefined): Promise<AuditEvent> {
    const after = await predictor.predict(change.spec);
    const before = change.type === 'update' ? await predictor.predict(change.previous) : undefined;
    return buildEvent(this.deps, change.type, change.spec, change.uid, formatRfc3339Nano(change.at), after, before, detectedAt);
  }
}

function hasSpec(w: TrackedWorkload): w is TrackedWorkload & { readonly spec: WorkloadSpec } {
  return w.spec !== undefined;
}

/** The event in Kubecost's field order, then the added fields. */
function buildEvent(
  deps: ChangeDetectorDeps,
  type: AuditEventType,
  spec: WorkloadSpec,
  uid: string,
  timestamp: string,
  p: CostPrediction,
  previous: CostPrediction | undefined,
  detectedAt: string | undefined,
): AuditEvent {
  const rate = p.costPrediction.totalMonthlyRate;
  const delta = type === 'add' ? rate : type === 'delete' ? -rate : rate - (previous?.costPrediction.totalMonthlyRate ?? 0);
  return {
    eventType: type,
    resourceType: deps.resourceType,
    timestamp,
    properties: { cluster: deps.cluster, name: spec.name, namespace: spec.namespace },
    totalRequests: p.totalRequests,
    resourceCosts: p.resourceCosts,
    costPrediction: p.costPrediction,
    monthlyCostDelta: delta,
    ...(previous !== undefined && { previousTotalRequests: previous.totalRequests, previousCostPrediction: previous.costPrediction }),
    uid,
    predictor: p.predictor,
    ...(p.fallback !== undefined && { predictorFallback: p.fallback }),
    ...(detectedAt !== undefined && { detectedAt }),
  };
}
