import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import type { CostPredictor } from '../cost/predictor.js';
import { KUBE_KINDS } from '../kube/kinds.js';
import { createWatchLoop, type WatchLoop, type WatchLoopOptions } from '../kube/watch-loop.js';
import type { KubeLogger, WatchStatus } from '../kube/watch-types.js';
import type { ComponentStatus } from '../readiness.js';
import type { AuditEvent } from './audit-event.js';
import { ChangeDetector } from './change-detector.js';
import { NodeCounter, nodeSchedulability } from './node-counter.js';
import { PricingQueue } from './pricing-queue.js';
import type { AuditResourceType } from './resource-types.js';
import { trackWorkload, type TrackedWorkload } from './tracked-workload.js';

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
  /** Where priced events go (the bus). */
  readonly publish: (event: AuditEvent) => void;
  readonly log: KubeLogger;
  readonly tuning?: LoopTuning;
}

/**
 * The audit's side of the cluster: one watch loop per audited kind, each feeding a change
 * detector, all publishing through one ordered pricing queue; plus a watch of Nodes when
 * DaemonSets are audited (a new DaemonSet runs on every schedulable node).
 */
export class AuditWatchers {
  readonly #loops: WatchLoop[] = [];
  readonly #queue: PricingQueue;

  constructor(deps: AuditWatchersDeps) {
    this.#queue = new PricingQueue(deps.publish, (err) => deps.log.error({ err: String(err) }, 'pricing a change failed'));
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
        onUnpriceable: (w) => deps.log.warn({ kind: type, namespace: w.namespace, name: w.name, problem: w.problem }, 'cannot price workload; no audit event for it'),
      });
      this.#loops.push(
        createWatchLoop<TrackedWorkload>({ ...common, kind: KUBE_KINDS[type], handler: detector, transform: (obj) => trackWorkload(type, obj, ctx) }),
      );
    }
  }

  /** Starts every watch. */
  start(): void {
    for (const loop of this.#loops) loop.start();
  }

  /** Stops every watch, then waits until the changes already seen are priced and published. */
  async stop(): Promise<void> {
    await Promise.all(this.#loops.map((l) => l.stop()));
    await this.#queue.idle();
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
    const statuses = this.statuses();
    const waiting = statuses.filter((s) => !s.synced);
    if (waiting.length === 0) return { ready: true, state: 'synced', detail: statuses.map((s) => `${s.kind}: ${s.state}`).join(', ') };
    return {
      ready: false,
      state: 'not synced',
      detail: waiting.map((s) => `${s.kind}: ${s.state}${s.lastError === undefined ? '' : ` (${s.lastError})`}`).join(', '),
    };
  }
}
