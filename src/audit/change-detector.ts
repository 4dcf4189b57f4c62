import type { Clock } from '../clock.js';
import type { CostPrediction, CostPredictor } from '../cost/predictor.js';
import type { PodRequests, WorkloadSpec } from '../cost/workload.js';
import type { SyncInfo, WatchHandler } from '../kube/watch-types.js';
import { formatRfc3339Nano, msToNs, rfc3339NanoFormatter } from '../time.js';
import { auditEventKey, type AuditOutput } from './audit-change.js';
import { UNKNOWN_SOURCE } from './attribution.js';
import { attributeChange } from './attribute-change.js';
import { DetectedChange, type EventOrigin, type Priced, type Span } from './detected-change.js';
import { imagesDiffer } from './describe-changes.js';
import { NO_OWNERS } from './field-owners.js';
import type { PricingQueue } from './pricing-queue.js';
import { auditGap, type GapCause } from './watch-gap.js';
import { ScaleGroups, type ScaleGroup } from './scale-groups.js';
import type { AuditResourceType } from './resource-types.js';
import { sameCost, type TrackedWorkload } from './tracked-workload.js';
import type { KnownWorkload, PriorWorkloads, WorkloadStateChange } from './workload-state.js';

/** What the detector needs; one detector serves one watched kind. */
export interface ChangeDetectorDeps {
  readonly resourceType: AuditResourceType;
  readonly cluster: string;
  readonly clock: Clock;
  /** The configured predictor. */
  readonly predictor: CostPredictor;
  /** The local predictor, used when the pricing queue is full. */
  readonly overflowPredictor: CostPredictor;
  readonly queue: PricingQueue<AuditOutput>;
  /** Told about objects that cannot be priced (once per object version). */
  readonly onUnpriceable?: (w: TrackedWorkload) => void;
  /**
   * What the previous run remembered of this kind. Given, the first list is diffed against it, so
   * a workload created or deleted while the server was down still yields its add or delete.
   */
  readonly prior?: PriorWorkloads;
  /** Also record an update that changes images only (a zero-cost update, `AUDIT_RECORD_IMAGE_CHANGES`); default off. */
  readonly recordImageChanges?: boolean;
  /** Group an autoscaler's scales of one workload into one update per this many ms (`AUDIT_SCALE_GROUP_INTERVAL`); 0 or absent: one event per scale. */
  readonly scaleGroupMs?: number;
  /** The pod requests the remembered workloads' specs hold: shared among equal ones, as the watch's (shared-requests.ts); absent, their own. */
  readonly shareRequests?: (r: PodRequests) => PodRequests;
}

/**
 * What the detector knows of one workload: the tracked workload and when it was last seen in a
 * list or an event, which is what storage remembers of it (its identity and spec read through to
 * `w`, not copied: two fields per workload, where a copy held seven). Never changed, only
 * replaced: the same object is the state change's workload, so the memory store keeps it rather
 * than a copy.
 */
class Known implements KnownWorkload {
  constructor(
    readonly w: Priced,
    readonly lastSeenNs: bigint,
  ) {}

  get uid(): string {
    return this.w.uid;
  }

  get name(): string {
    return this.w.name;
  }

  get namespace(): string {
    return this.w.namespace;
  }

  get resourceVersion(): string {
    return this.w.resourceVersion;
  }

  get spec(): WorkloadSpec {
    return this.w.spec;
  }
}

type Change =
  | { readonly type: 'add' | 'delete'; readonly w: Priced; readonly at: bigint; readonly span?: Span }
  | { readonly type: 'update'; readonly w: Priced; readonly previous: Priced; readonly at: bigint; readonly span?: Span; readonly group?: ScaleGroup };

/** A list that ends a gap: what kind of gap, since when, and why. */
interface GapContext {
  readonly cause: GapCause;
  readonly startNs: bigint;
  readonly lastError?: string;
}

/**
 * Turns one kind's watch into audit changes, keyed by UID (so delete-and-recreate with the same
 * name is a delete and an add). A later list (a relist after 410 or a reconnect, or the first list
 * after a restart when the previous run's state is given) is diffed against what is known, so a
 * workload created or deleted while nobody watched still yields its add or delete, marked
 * `detectedAt`; without prior state the first list records what exists without events.
 *
 * Besides events, the detector publishes what it remembers (after each change, after each list,
 * and when told the view is current), in order behind the events, so storage can give it back
 * as `prior` at the next start.
 */
export class ChangeDetector implements WatchHandler<TrackedWorkload> {
  readonly #known = new Map<string, Known>();
  #synced = false;
  /** Set from the previous run's state: its first list ends the gap of the restart, from the previous run's last mark. */
  #restartSinceNs: bigint | undefined;
  readonly #scales: ScaleGroups<Priced>;
  /** What this detector's events share; its printer of timestamps keeps the last ms's text, as many fall in one in a burst. */
  readonly #origin: EventOrigin;

  constructor(private readonly deps: ChangeDetectorDeps) {
    this.#origin = { resourceType: deps.resourceType, cluster: deps.cluster, stamp: rfc3339NanoFormatter() };
    this.#scales = new ScaleGroups<Priced>({
      clock: deps.clock,
      intervalMs: deps.scaleGroupMs ?? 0,
      close: (g) => this.#emit({ type: 'update', w: g.last, previous: g.first, at: g.lastAtNs, group: g.group }),
    });
    const prior = deps.prior;
    if (prior === undefined) return;
    const share = deps.shareRequests;
    for (const k of prior.workloads) {
      // Held until the first list gives the workload as it is now (for as long as the API server
      // cannot be reached, after a restart): its requests shared like the watch's meanwhile.
      const s = k.spec;
      const spec = share === undefined ? s : { kind: s.kind, namespace: s.namespace, name: s.name, replicas: s.replicas, perPod: share(s.perPod), uid: s.uid };
      // Who owned it is not remembered between runs: a delete found at the start says unknown (the
      // first list's copy of it gives them back, onSync).
      const w: Priced = { uid: k.uid, name: k.name, namespace: k.namespace, resourceVersion: k.resourceVersion, createdAtMs: undefined, spec, owners: NO_OWNERS, source: UNKNOWN_SOURCE, containers: undefined };
      // Watched until the previous run's last mark: it was there then, whatever its own last event.
      this.#known.set(k.uid, knownOf(w, k.lastSeenNs > prior.seenUntilNs ? k.lastSeenNs : prior.seenUntilNs));
    }
    this.#synced = true;
    this.#restartSinceNs = prior.seenUntilNs;
  }

  /** The workload with this UID as the detector keeps it (priced and remembered), if known. */
  kept(uid: string): TrackedWorkload | undefined {
    return this.#known.get(uid)?.w;
  }

  /** Workloads currently known. */
  get size(): number {
    return this.#known.size;
  }

  onSync(items: TrackedWorkload[], info: SyncInfo): void {
    // What was grouped was seen live; it is published before what the list finds.
    this.#scales.closeAll();
    const now = this.deps.clock.nowNs();
    const diff = this.#synced;
    const gap = this.#gapEndedBy(info);
    this.#restartSinceNs = undefined;
    // Every change this list finds happened in the gap; a workload seen later than the gap's start narrows it.
    const spanFrom = (lastSeen: bigint): Span | undefined => (gap === undefined ? undefined : { startNs: lastSeen > gap.startNs ? lastSeen : gap.startNs, endNs: now });
    let found = 0;
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
        this.#known.set(w.uid, knownOf(w, now));
        // Created while the watch was down: its own creation time is when the change happened.
        if (diff) {
          found++;
          this.#emit({ type: 'add', w, at: w.createdAtMs === undefined ? now : msToNs(w.createdAtMs), span: spanFrom(0n) ?? { startNs: now, endNs: now } });
        }
        continue;
      }
      const lastSeen = known.lastSeenNs;
      if (known.w.resourceVersion === w.resourceVersion) {
        // The same version. A workload remembered from the previous run was kept without its
        // owners, source and containers (storage does not hold them): the list's copy has them,
        // for the events of its next change (a live one with no managedFields has no owners either:
        // taking its copy changes nothing). One watched live is kept as it was, so a relist of
        // workloads that did not change leaves what the old generation holds in place.
        this.#known.set(w.uid, knownOf(known.w.owners === NO_OWNERS ? w : known.w, now));
      }
      else {
        this.#known.set(w.uid, knownOf(w, now));
        if (this.#moved(known.w, w)) {
          found++;
          this.#emit({ type: 'update', w, previous: known.w, at: now, span: spanFrom(lastSeen) ?? { startNs: lastSeen, endNs: now } });
        }
      }
    }
    for (const [uid, known] of this.#known) {
      if (seen.has(uid)) continue;
      this.#known.delete(uid);
      found++;
      // Its time is the last moment it was known to exist: seen itself, or covered by a live watch until the gap.
      const span = spanFrom(known.lastSeenNs) ?? { startNs: known.lastSeenNs, endNs: now };
      this.#emit({ type: 'delete', w: known.w, at: span.startNs, span });
    }
    this.#synced = true;
    this.#remember({ op: 'replace', workloads: [...this.#known.values()], atNs: now });
    if (gap !== undefined) {
      const { cluster, resourceType } = this.deps;
      this.deps.queue.pushReady({ gap: auditGap({ cluster, kinds: [resourceType], cause: gap.cause, startNs: gap.startNs, endNs: now, changes: found, ...(gap.lastError !== undefined && { lastError: gap.lastError }) }) });
    }
  }

  /** The gap a list ends: a relist's outage, or the first list after a restart with remembered state; none for a first list from nothing. */
  #gapEndedBy(info: SyncInfo): GapContext | undefined {
    if (!info.initial) {
      const since = info.outageSinceMs === undefined ? this.deps.clock.nowNs() : msToNs(info.outageSinceMs);
      return { cause: 'watch', startNs: since, ...(info.lastError !== undefined && { lastError: info.lastError }) };
    }
    return this.#restartSinceNs === undefined ? undefined : { cause: 'restart', startNs: this.#restartSinceNs };
  }

  // Each lookup in `#known` (100,000 entries and more) is a few cache misses: the handlers look a
  // workload up once and hand what they keep to #emit, rather than asking the map again.

  onAdded(w: TrackedWorkload): void {
    const known = this.#known.get(w.uid);
    if (known !== undefined) return this.#modified(w, known);
    this.#added(w);
  }

  onModified(w: TrackedWorkload): void {
    const known = this.#known.get(w.uid);
    // A modification of an object we never saw priced (it became priceable): count it as added.
    if (known === undefined) return this.#added(w);
    this.#modified(w, known);
  }

  /** A workload not known before. */
  #added(w: TrackedWorkload): void {
    if (!hasSpec(w)) {
      this.#reportUnpriceable(w, undefined);
      return;
    }
    const now = this.deps.clock.nowNs();
    const kept = knownOf(w, now);
    this.#known.set(w.uid, kept);
    this.#emit({ type: 'add', w, at: now }, kept);
  }

  /** A workload known as `known`. */
  #modified(w: TrackedWorkload, known: Known): void {
    const now = this.deps.clock.nowNs();
    if (!hasSpec(w)) {
      // Unpriceable now: keep the last good spec so a later delete is still priced.
      this.#known.set(w.uid, knownOf(known.w, now));
      this.#reportUnpriceable(w, known);
      return;
    }
    const kept = knownOf(w, now);
    this.#known.set(w.uid, kept);
    // A change that does not move the cost is not remembered either: after a restart it would diff as "no change" anyway.
    if (!this.#moved(known.w, w)) return;
    if (isAutoscalerScale(known.w, w) && this.#scales.add(known.w, w)) return;
    // Anything else that happens to the workload closes its group first, so events stay in order.
    this.#scales.close(w.uid);
    this.#emit({ type: 'update', w, previous: known.w, at: now }, kept);
  }

  onDeleted(w: TrackedWorkload): void {
    this.#scales.close(w.uid);
    const known = this.#known.get(w.uid);
    this.#known.delete(w.uid);
    const last = known?.w ?? (hasSpec(w) ? w : undefined);
    if (last === undefined) return;
    this.#emit({ type: 'delete', w: last, at: this.deps.clock.nowNs() });
  }

  /** True when the change from `a` to `b` is an audit event: cost moved, or (when recorded) an image. */
  #moved(a: Priced, b: Priced): boolean {
    return !sameCost(a.spec, b.spec) || (this.deps.recordImageChanges === true && imagesDiffer(a.containers, b.containers));
  }

  /** Publishes every open group of scales now (at shutdown). */
  closeScaleGroups(): void {
    this.#scales.closeAll();
  }

  /** Records that what is known is complete and current now (the watch is live); ignored before the first list. */
  markSeen(): void {
    if (this.#synced) this.#remember({ op: 'seen', atNs: this.deps.clock.nowNs() });
  }

  #reportUnpriceable(w: TrackedWorkload, known: Known | undefined): void {
    if (w.problem !== undefined && known?.w.resourceVersion !== w.resourceVersion) this.deps.onUnpriceable?.(w);
  }

  #remember(change: DistributiveOmit<WorkloadStateChange, 'cluster' | 'resourceType'>): void {
    const state: WorkloadStateChange = { ...change, cluster: this.deps.cluster, resourceType: this.deps.resourceType };
    this.deps.queue.pushReady({ state });
  }

  /** `kept`: what the detector just kept for the workload, when the caller has it at hand. */
  #emit(change: Change, kept: Known | undefined = change.type === 'delete' ? undefined : this.#known.get(change.w.uid)): void {
    const { queue } = this.deps;
    const predictor = queue.isFull ? this.deps.overflowPredictor : this.deps.predictor;
    const detectedAt = change.span !== undefined ? formatRfc3339Nano(this.deps.clock.nowNs()) : undefined;
    // The state is taken now: by the time pricing finishes the detector may know more. A change
    // seen live is what the detector just kept (shared, not copied); one a list found or a
    // group closed later has a time of its own.
    const state: WorkloadStateChange =
      change.type === 'delete'
        ? { op: 'remove', cluster: this.deps.cluster, resourceType: this.deps.resourceType, uid: change.w.uid }
        : { op: 'put', cluster: this.deps.cluster, resourceType: this.deps.resourceType, workload: kept !== undefined && kept.w === change.w && kept.lastSeenNs === change.at ? kept : knownOf(change.w, change.at) };
    const now = predictor.predictNow;
    if (now !== undefined) queue.pushNow(() => this.#output(change, now(change.w.spec), change.type === 'update' ? now(change.previous.spec) : undefined, detectedAt, state));
    else queue.push(this.#price(change, predictor, detectedAt, state));
  }

  async #price(change: Change, predictor: CostPredictor, detectedAt: string | undefined, state: WorkloadStateChange): Promise<AuditOutput> {
    const after = await predictor.predict(change.w.spec);
    const before = change.type === 'update' ? await predictor.predict(change.previous.spec) : undefined;
    return this.#output(change, after, before, detectedAt, state);
  }

  #output(change: Change, after: CostPrediction, before: CostPrediction | undefined, detectedAt: string | undefined, state: WorkloadStateChange): AuditOutput {
    const key = auditEventKey(change.type, change.w.uid, change.w.resourceVersion);
    const update = change.type === 'update';
    const inputs = { type: change.type, w: change.w, was: update ? change.previous : undefined, atNs: change.at, after, before, detectedAt, span: change.span, group: update ? change.group : undefined };
    return { change: new DetectedChange(key, state, this.#origin, inputs) };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A replicas-only change an autoscaler made: what {@link attributeChange} calls source `autoscaler`. */
function isAutoscalerScale(previous: Priced, w: Priced): boolean {
  return attributeChange('update', w, previous.spec).source.tool === 'autoscaler';
}

function hasSpec(w: TrackedWorkload): w is Priced {
  return w.spec !== undefined;
}

function knownOf(w: Priced, lastSeenNs: bigint): Known {
  return new Known(w, lastSeenNs);
}
