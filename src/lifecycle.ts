import type { Logger } from 'pino';
import type { AppContribution, Feature } from './feature.js';
import type { Readiness } from './readiness.js';

/**
 * Starts features in order and stops those it started in reverse, once: at shutdown, or when a
 * later step fails. A feature counts as started as soon as its `start` is called, so one that fails
 * half way is stopped too. Each feature's readiness components and app options are collected here,
 * the one place they are registered.
 */
export class Lifecycle {
  readonly #started: Feature[] = [];
  readonly #app: AppContribution[] = [];
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly readiness: Readiness,
    private readonly log: Pick<Logger, 'error'>,
  ) {}

  /** Registers what `feature` contributes and starts it; resolves to it, for the features after it. */
  async start<F extends Feature>(feature: F): Promise<F> {
    if (this.#stopping !== undefined) throw new Error(`cannot start ${feature.name}: the server is stopping`);
    this.#started.push(feature);
    for (const source of feature.readiness ?? []) this.readiness.register(source);
    if (feature.app !== undefined) this.#app.push(feature.app);
    await feature.start?.();
    return feature;
  }

  /** The app options every started feature contributed, merged in start order. */
  app(): AppContribution {
    return Object.assign({}, ...this.#app) as AppContribution;
  }

  /** Stops every started feature, last first; a stop that fails is logged and the rest still stop. Rejects with the first failure. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      let failure: { err: unknown } | undefined;
      for (const feature of [...this.#started].reverse()) {
        try {
          await feature.stop?.();
        } catch (err) {
          this.log.error({ err, feature: feature.name }, 'a feature failed to stop');
          failure ??= { err };
        }
      }
      if (failure !== undefined) throw failure.err;
    })();
    return this.#stopping;
  }
}
