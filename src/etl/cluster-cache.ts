/**
 * The ETL pipeline's view of the cluster: a subscription to the shared informer of each kind (pods, nodes, persistent
 * volumes and claims, services), each projecting objects to compact records (cluster-objects.ts)
 * kept with the times they existed (record-tracker.ts), from which `snapshot(window)` answers
 * what existed at some time in a window.
 *
 * What a fresh process knows: only the objects that exist now, with their start times (creation,
 * or a pod's `startTime`), plus the end times of finished pods that still exist. Objects that
 * ended before it started are unknown to it; windows before its start are only as complete as that.
 */
import type { Clock } from '../clock.js';
import type { InformerSubscription } from '../kube/informer.js';
import { informersOf, type InformerRegistry, type WatchSource } from '../kube/informer-registry.js';
import type { WatchedKind } from '../kube/kinds.js';
import { KUBE_KINDS } from '../kube/kinds.js';
import type { KubeObject } from '../kube/kube-object.js';
import { watchCurrency, watchReadiness } from '../kube/watch-readiness.js';
import type { KubeLogger, WatchStatus } from '../kube/watch-types.js';
import type { ComponentStatus } from '../readiness.js';
import type { Window } from '../window.js';
import type { ObserveContext, Observed, TimedRecord } from './cluster-objects.js';
import { observeClaim, observeLoadBalancer, observeNode, observePod, observeVolume } from './cluster-objects.js';
import type { ClusterSnapshot } from './cluster-state.js';
import { RecordTracker, type RecordStats } from './record-tracker.js';

/** What the cluster cache needs: where the watches come from (the shared informers, or a cluster of its own), and the rest. */
export type ClusterCacheDeps = WatchSource & ClusterCacheSettings;

/** What the cluster cache needs besides the watches. */
export interface ClusterCacheSettings {
  /** The cluster id the snapshots carry. */
  readonly cluster: string;
  readonly clock: Clock;
  readonly log: KubeLogger;
  /** Ended records held per kind before the oldest-ended are dropped; default 100,000. */
  readonly maxEndedPerKind?: number;
}

/** The record lists of a {@link ClusterSnapshot}, one per watched kind. */
export type ClusterRecordKind = Exclude<keyof ClusterSnapshot, 'cluster'>;

/** Live and ended records, and ended records dropped at the cap, per kind. */
export type ClusterCacheStats = Readonly<Record<ClusterRecordKind, RecordStats>>;

/** The default of {@link ClusterCacheDeps.maxEndedPerKind}. */
export const DEFAULT_MAX_ENDED_PER_KIND = 100_000;

type Trackers = { readonly [K in ClusterRecordKind]: RecordTracker<ClusterSnapshot[K][number]> };

/**
 * Watches the cluster for the ETL pipeline. Memory is bounded: live records are as many as the
 * objects that exist; ended records are held until the pipeline forgets them
 * ({@link forgetEndedBefore}) and at most `maxEndedPerKind` per kind. It sets no timer of its own.
 */
export class ClusterCache {
  readonly #cluster: string;
  readonly #subs: InformerSubscription[] = [];
  readonly #trackers: Trackers;
  /** The registry, when the cache made its own (no shared one given): it starts and stops it. */
  readonly #owned: InformerRegistry | undefined;

  constructor(deps: ClusterCacheDeps) {
    this.#cluster = deps.cluster;
    const { registry, owned } = informersOf(deps, deps.clock, deps.log);
    this.#owned = owned ? registry : undefined;
    const maxEnded = deps.maxEndedPerKind ?? DEFAULT_MAX_ENDED_PER_KIND;
    const watch = <R extends TimedRecord>(kind: WatchedKind, observe: (obj: KubeObject, ctx: ObserveContext) => Observed<R>, startsWhenSeen = false): RecordTracker<R> => {
      const tracker = new RecordTracker<R>({ kind: kind.kind, clock: deps.clock, log: deps.log, maxEnded, startsWhenSeen });
      this.#subs.push(registry.informer(kind).subscribe<Observed<R>>({ consumer: 'etl', handler: tracker, transform: (obj) => observe(obj, { seenMs: deps.clock.nowMs() }) }));
      return tracker;
    };
    this.#trackers = {
      nodes: watch(KUBE_KINDS.node, observeNode),
      pods: watch(KUBE_KINDS.pod, observePod),
      volumes: watch(KUBE_KINDS.persistentvolume, observeVolume),
      claims: watch(KUBE_KINDS.persistentvolumeclaim, observeClaim),
      // A Service turned LoadBalancer has no timestamp for that: it starts when the change is seen.
      loadBalancers: watch(KUBE_KINDS.service, observeLoadBalancer, true),
    };
  }

  /** Starts every subscription. */
  start(): void {
    for (const sub of this.#subs) sub.start();
    this.#owned?.start();
  }

  /** Stops every subscription; what was gathered stays readable. */
  async stop(): Promise<void> {
    await Promise.all(this.#subs.map((s) => s.stop()));
    await this.#owned?.stop();
  }

  /** Every kind has delivered its first full list. */
  get synced(): boolean {
    return this.#subs.every((s) => s.status().synced);
  }

  /** Each subscription's status. */
  statuses(): WatchStatus[] {
    return this.#subs.map((s) => s.status());
  }

  /** Ready once every watch has delivered its first full list. */
  readiness(): ComponentStatus {
    return watchReadiness(this.statuses());
  }

  /** Whether the records are current: no watch failing or relisting (see {@link watchCurrency}). */
  currency(): ComponentStatus {
    return watchCurrency(this.statuses());
  }

  /**
   * The records that existed at some time in [window.start, window.end): those that started before
   * its end and had not ended by its start. Records are shared, not copied; they are never changed.
   * A Service that was a LoadBalancer twice may appear twice, with disjoint times.
   */
  snapshot(window: Window): ClusterSnapshot {
    const t = this.#trackers;
    return {
      cluster: this.#cluster,
      nodes: t.nodes.overlapping(window),
      pods: t.pods.overlapping(window),
      volumes: t.volumes.overlapping(window),
      claims: t.claims.overlapping(window),
      loadBalancers: t.loadBalancers.overlapping(window),
    };
  }

  /** Forgets ended records whose end is at or before `ms`: the pipeline has built every window before it. */
  forgetEndedBefore(ms: number): void {
    for (const tracker of Object.values(this.#trackers)) tracker.forgetEndedBefore(ms);
  }

  /**
   * Epoch ms from which the cache still holds every ended record (0: none was ever forgotten or
   * dropped): a window that ends by it can no longer be rebuilt whole, so a repair refuses it.
   */
  horizonMs(): number {
    return Math.max(...Object.values(this.#trackers).map((t) => t.horizon()));
  }

  /** Live and ended records per kind, and ended records dropped at the cap. */
  stats(): ClusterCacheStats {
    const t = this.#trackers;
    return { nodes: t.nodes.stats(), pods: t.pods.stats(), volumes: t.volumes.stats(), claims: t.claims.stats(), loadBalancers: t.loadBalancers.stats() };
  }
}
