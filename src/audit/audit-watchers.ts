import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock, TimerHandle } from '../clock.js';
import type { CostPredictor } from '../cost/predictor.js';
import { KUBE_KINDS } from '../kube/kinds.js';
import { watchReadiness } from '../kube/watch-readiness.js';
import { createWatchLoop, type WatchLoop, type WatchLoopOptions } from '../kube/watch-loop.js';
import type { KubeLogger, WatchStatus } from '../kube/watch-types.js';
import type { ComponentStatus } from '../readiness.js';
import type { AuditOutput } from './audit-change.js';
import { ChangeDetector } from './change-detector.js';
import { NodeCounter, nodeSchedulability } from './node-counter.js';
import { PricingQueue } from './pricing-queue.js';
import type { AuditResourceType } from './resource-types.js';
import { trackWorkload, type TrackedWorkload } from './tracked-workload.js';
import type { PriorWorkloads } from './workload-state.js';

/** Watch-loop settings a caller may tune (tests shorten timeouts); the rest come from the deps. */
export type LoopTuning = Partial<Pick<WatchLoopOptions<unknown>, 'random' | 'pageSize' | 'backoff' | 'staleAfterMs' | 'watchTimeoutSeconds' | 'pageTimeoutMs' | 'healthyAfterMs'>>;

/** What the audit watchers need. */
export interface AuditWatchersDeps {
  readonly kubeConfig: KubeConfig;
  readonly resourceTypes: readonly AuditResourceType[];
  readonly cluster: string;
  readonly clock: Clock;
  readonly predictor: CostPredictor;
  /** Local predictor for when the pricing queue is full. */
  readonly overflowPredictor: CostPredictor;
  /** Where priced changes and remembered state go (the bus), in the order the changes were seen. */
  readonly publish: (output: AuditOutput) => void;
  readonly log: KubeLogger;
  readonly tuning?: LoopTuning;
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
 * The audit's side of the cluster: one watch loop per audited kind, each feeding a change
 * detector, all publishing through one ordered pricing queue; plus a watch of Nodes when
 * DaemonSets are audited (a new DaemonSet runs on every schedulable node).
 */
export class AuditWatchers {
  readonly #loops: WatchLoop[] = [];
  readonly #detectors: { readonly loop: WatchLoop; readonly detector: ChangeDetector }[] = [];
  readonly #queue: PricingQueue<AuditOutput>;
  readonly #clock: Clock;
  readonly #seenIntervalMs: number;
  #seenTimer: TimerHandle | undefined;

  constructor(deps: AuditWatchersDeps) {
    this.#clock = deps.clock;
    this.#seenIntervalMs = deps.seenIntervalMs ?? 60_000;
    this.#queue = new PricingQueue<AuditOutput>(deps.publish, (err) => deps.log.error({ err: String(err) }, 'pricing a change failed'));
    const common = { kubeConfig: deps.kubeConfig, clock: deps.clock, log: deps.log, ...deps.tuning };
    const nodes = new NodeCounter();
    if (deps.resourceTypes.includes('daemonset')) {
      this.#loops.push(createWatchLoop({ ...common, kind: KUBE_KINDS.node, handler: nodes, transform: nodeSchedulability }));
    }
    const ctx = { schedulableNodes: () => nodes.schedulable };
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
        onUnpriceable: (w) => deps.log.warn({ kind: type, namespace: w.namespace, name: w.name, problem: w.problem }, 'cannot price workload; no audit event for it'),
        ...(deps.prior?.has(type) === true && { prior: deps.prior.get(type) }),
      });
      const loop = createWatchLoop<TrackedWorkload>({ ...common, kind: KUBE_KINDS[type], handler: detector, transform: (obj) => trackWorkload(type, obj, ctx) });
      this.#loops.push(loop);
      this.#detectors.push({ loop, detector });
    }
  }

  /** Starts every watch, and the heartbeat that marks live watches' remembered state current. */
  start(): void {
    for (const loop of this.#loops) loop.start();
    this.#scheduleSeen();
  }

  /**
   * Stops every watch, marks what live watches knew as current until now, then waits until the
   * changes already seen are priced and published.
   */
  async stop(): Promise<void> {
    if (this.#seenTimer !== undefined) this.#clock.clearTimeout(this.#seenTimer);
    this.#seenTimer = undefined;
    const live = this.#detectors.filter((d) => d.loop.status().state === 'watching');
    await Promise.all(this.#loops.map((l) => l.stop()));
    // Grouped scales were seen: publish them rather than find them again at the next start.
    for (const d of this.#detectors) d.detector.closeScaleGroups();
    for (const d of live) d.detector.markSeen();
    await this.#queue.idle();
  }

  #scheduleSeen(): void {
    this.#seenTimer = this.#clock.setTimeout(() => {
      // Only a watch that is streaming knows its view is complete; one in backoff may be missing changes.
      for (const d of this.#detectors) if (d.loop.status().state === 'watching') d.detector.markSeen();
      this.#scheduleSeen();
    }, this.#seenIntervalMs);
  }

  /** Resolves once every change seen so far is published. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Each loop's status. */
  statuses(): WatchStatus[] {
    return this.#loops.map((l) => l.status());
  }

  /** Ready once every watch has delivered its first full list. */
  readiness(): ComponentStatus {
    return watchReadiness(this.statuses());
  }
}
