import type { Clock, TimerHandle } from '../clock.js';
import type { CostPredictor } from '../cost/predictor.js';
import type { PodRequests } from '../cost/workload.js';
import type { InformerSubscription } from '../kube/informer.js';
import { informersOf, type InformerRegistry, type WatchSource } from '../kube/informer-registry.js';
import { KUBE_KINDS } from '../kube/kinds.js';
import { NodeCounter, nodeSchedulability } from '../kube/node-counter.js';
import { watchReadiness } from '../kube/watch-readiness.js';
import type { KubeLogger, WatchStatus } from '../kube/watch-types.js';
import type { ComponentStatus } from '../readiness.js';
import type { AuditOutput } from './audit-change.js';
import { ChangeDetector } from './change-detector.js';
import { PricingQueue } from './pricing-queue.js';
import type { AuditResourceType } from './resource-types.js';
import { SharedRequests } from './shared-requests.js';
import { trackChange, type TrackedWorkload } from './tracked-workload.js';
import type { PriorWorkloads } from './workload-state.js';

/** What the audit watchers need: where the watches come from (the shared informers, or a cluster of their own), and the rest. */
export type AuditWatchersDeps = WatchSource & AuditWatchersSettings;

/** What the audit watchers need besides the watches. */
export interface AuditWatchersSettings {
  readonly resourceTypes: readonly AuditResourceType[];
  readonly cluster: string;
  readonly clock: Clock;
  readonly predictor: CostPredictor;
  /** Local predictor for when the pricing queue is full. */
  readonly overflowPredictor: CostPredictor;
  /** Where priced changes and remembered state go (the bus), in the order the changes were seen. */
  readonly publish: (output: AuditOutput) => void;
  readonly log: KubeLogger;
  /** What the previous run remembered, per kind (from storage); a kind without it starts silent. */
  readonly prior?: ReadonlyMap<AuditResourceType, PriorWorkloads>;
  /** Also record image-only updates (zero-cost); default off. */
  readonly recordImageChanges?: boolean;
  /** Group an autoscaler's scales of one workload per this many ms (`AUDIT_SCALE_GROUP_INTERVAL`); 0 or absent: none. */
  readonly scaleGroupMs?: number;
  /** How often a live watch marks its remembered state current (the last-seen time of a delete found after a crash); default 60 s. */
  readonly seenIntervalMs?: number;
}

/**
 * The audit's side of the cluster: a subscription to the shared informer of each audited kind,
 * each feeding a change detector, all publishing through one ordered pricing queue; plus one to
 * Nodes when DaemonSets are audited (a new DaemonSet runs on every schedulable node).
 */
export class AuditWatchers {
  readonly #subs: InformerSubscription[] = [];
  readonly #detectors: { readonly sub: InformerSubscription; readonly detector: ChangeDetector }[] = [];
  readonly #queue: PricingQueue<AuditOutput>;
  readonly #clock: Clock;
  readonly #seenIntervalMs: number;
  /** The registry, when these watchers made their own (no shared one given): they start and stop it. */
  readonly #owned: InformerRegistry | undefined;
  #seenTimer: TimerHandle | undefined;

  constructor(deps: AuditWatchersDeps) {
    this.#clock = deps.clock;
    this.#seenIntervalMs = deps.seenIntervalMs ?? 60_000;
    this.#queue = new PricingQueue<AuditOutput>(deps.publish, (err) => deps.log.error({ err: String(err) }, 'pricing a change failed'));
    const { registry, owned } = informersOf(deps, deps.clock, deps.log);
    this.#owned = owned ? registry : undefined;
    const nodes = new NodeCounter();
    if (deps.resourceTypes.includes('daemonset')) {
      this.#subs.push(registry.informer(KUBE_KINDS.node).subscribe({ consumer: 'audit', handler: nodes, transform: nodeSchedulability }));
    }
    // One pool of pod requests for every kind the audit keeps, watched or remembered from the previous run.
    const requests = new SharedRequests();
    const shareRequests = (r: PodRequests): PodRequests => requests.share(r);
    const ctx = { schedulableNodes: () => nodes.schedulable, shareRequests };
    for (const type of deps.resourceTypes) {
      const detector = new ChangeDetector({
        resourceType: type,
        cluster: deps.cluster,
        clock: deps.clock,
        predictor: deps.predictor,
        overflowPredictor: deps.overflowPredictor,
        queue: this.#queue,
        recordImageChanges: deps.recordImageChanges === true,
        scaleGroupMs: deps.scaleGroupMs ?? 0,
        shareRequests,
        onUnpriceable: (w) => deps.log.warn({ kind: type, namespace: w.namespace, name: w.name, problem: w.problem }, 'cannot price workload; no audit event for it'),
        ...(deps.prior?.has(type) === true && { prior: deps.prior.get(type) }),
      });
      const transform = trackChange(type, (uid) => detector.kept(uid), ctx);
      const sub = registry.informer(KUBE_KINDS[type]).subscribe<TrackedWorkload>({ consumer: 'audit', handler: detector, transform });
      this.#subs.push(sub);
      this.#detectors.push({ sub, detector });
    }
  }

  /** Starts every subscription, and the heartbeat that marks live watches' remembered state current. */
  start(): void {
    for (const sub of this.#subs) sub.start();
    this.#owned?.start();
    this.#scheduleSeen();
  }

  /**
   * Stops every watch, marks what live watches knew as current until now, then waits until the
   * changes already seen are priced and published.
   */
  async stop(): Promise<void> {
    if (this.#seenTimer !== undefined) this.#clock.clearTimeout(this.#seenTimer);
    this.#seenTimer = undefined;
    const live = this.#detectors.filter((d) => d.sub.status().state === 'watching');
    await Promise.all(this.#subs.map((s) => s.stop()));
    await this.#owned?.stop();
    // Grouped scales were seen: publish them rather than find them again at the next start.
    for (const d of this.#detectors) d.detector.closeScaleGroups();
    for (const d of live) d.detector.markSeen();
    await this.#queue.idle();
  }

  #scheduleSeen(): void {
    this.#seenTimer = this.#clock.setTimeout(() => {
      // Only a watch that is streaming knows its view is complete; one in backoff may be missing changes.
      for (const d of this.#detectors) if (d.sub.status().state === 'watching') d.detector.markSeen();
      this.#scheduleSeen();
    }, this.#seenIntervalMs);
  }

  /** Resolves once every change seen so far is published. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Each subscription's status. */
  statuses(): WatchStatus[] {
    return this.#subs.map((s) => s.status());
  }

  /** Ready once every watch has delivered its first full list. */
  readiness(): ComponentStatus {
    return watchReadiness(this.statuses());
  }
}
