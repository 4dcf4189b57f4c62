import type { Clock, TimerHandle } from '../clock.js';
import type { Pruning } from './store.js';
import { describeStoreError, isTransientStoreError } from './store-errors.js';
import type { StorageLogger, StoreWriter } from './store-writer.js';

/** What the pruner needs. */
export interface PrunerOptions {
  readonly store: Pruning;
  readonly writer: StoreWriter;
  readonly clock: Clock;
  /** The cluster whose rows this instance prunes (`CLUSTER_ID`). */
  readonly cluster: string;
  readonly intervalMs: number;
  readonly log: StorageLogger;
}

/**
 * Deletes this cluster's rows beyond the capacities every `intervalMs`, on the injected clock and
 * never on the request path (queries already serve only the most recent rows, so pruning is about
 * space, not answers). Each instance prunes its own cluster only: replicas of one cluster prune
 * the same rows harmlessly, and a cluster's rows are kept by its own capacities.
 */
export class Pruner {
  #timer: TimerHandle | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(private readonly o: PrunerOptions) {}

  /** Schedules the first run one interval from now. */
  start(): void {
    this.#schedule();
  }

  /** Runs once now (also what the timer does); resolves when done. */
  runOnce(): Promise<void> {
    this.#running ??= this.#prune().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Cancels the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.runOnce().then(() => this.#schedule());
    }, this.o.intervalMs);
  }

  async #prune(): Promise<void> {
    if (!this.o.writer.available) return;
    try {
      const deleted = await this.o.store.prune(this.o.cluster, this.o.clock.nowMs());
      if (deleted > 0) this.o.log.info({ deleted, cluster: this.o.cluster }, 'pruned stored events beyond the capacities');
    } catch (err) {
      if (isTransientStoreError(err)) this.o.writer.reportFailure(err);
      else this.o.log.error({ err: describeStoreError(err) }, 'pruning failed');
    }
  }
}
