import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import { SharedInformer } from './informer.js';
import type { WatchedKind } from './kinds.js';
import type { KubeLogger, LoopTuning } from './watch-types.js';
import { silentLogger } from './watch-types.js';

/** What every informer of a registry shares: the cluster, the clock, the log, the loop settings. */
export interface InformerRegistryOptions {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly log?: KubeLogger;
  readonly tuning?: LoopTuning;
}

/**
 * One {@link SharedInformer} per kind for a whole process: the audit, the ETL cluster cache and the
 * Predict API subscribe to the kinds they need, and each kind is listed and watched once. Created
 * by the composition root, which starts it once every consumer has subscribed (a later subscriber
 * costs that kind a relist) and stops it last.
 */
export class InformerRegistry {
  readonly #options: InformerRegistryOptions;
  readonly #informers = new Map<string, SharedInformer>();
  #started = false;

  constructor(options: InformerRegistryOptions) {
    this.#options = options;
  }

  /** The informer of `kind`, made on first ask (and started at once if the registry is). */
  informer(kind: WatchedKind): SharedInformer {
    let informer = this.#informers.get(kind.path);
    if (informer === undefined) {
      const { kubeConfig, clock, tuning } = this.#options;
      informer = new SharedInformer(kind, { kubeConfig, clock, ...tuning }, this.#options.log ?? silentLogger());
      this.#informers.set(kind.path, informer);
      if (this.#started) informer.start();
    }
    return informer;
  }

  /** The kinds asked for so far. */
  kinds(): WatchedKind[] {
    return [...this.#informers.values()].map((i) => i.kind);
  }

  /** Starts every informer that has subscribers, and any made later. */
  start(): void {
    this.#started = true;
    for (const informer of this.#informers.values()) informer.start();
  }

  /** Stops every watch; resolves once their sockets are closed. */
  async stop(): Promise<void> {
    this.#started = false;
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }
}

/**
 * Where a consumer's watches come from: the process's shared registry when given, else (a consumer
 * on its own, as in tests) the cluster, watched through a registry of its own with these settings.
 */
export interface WatchSource {
  readonly informers?: InformerRegistry;
  readonly kubeConfig: KubeConfig;
  /** Loop settings of a registry of its own; a shared registry has its own. */
  readonly tuning?: LoopTuning;
}

/** The registry a consumer subscribes through, and whether it owns it (then it starts and stops it itself). */
export function informersOf(source: WatchSource, clock: Clock, log: KubeLogger): { readonly registry: InformerRegistry; readonly owned: boolean } {
  if (source.informers !== undefined) return { registry: source.informers, owned: false };
  return { registry: new InformerRegistry({ kubeConfig: source.kubeConfig, clock, log, ...(source.tuning && { tuning: source.tuning }) }), owned: true };
}
