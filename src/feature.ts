import type { Logger } from 'pino';
import type { AppDeps } from './app.js';
import type { BuildInfo } from './build-info.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { EventBus } from './events/bus.js';
import type { Topics } from './events/topics.js';
import type { ReadinessSource } from './readiness.js';

/** What the composition root made before any feature, handed to every feature's factory. */
export interface FeatureContext {
  readonly config: Config;
  readonly clock: Clock;
  /** The process's logger, made first (features log through children of it, `component` bound). */
  readonly log: Logger;
  /** The one in-process bus: producers publish, stores and counters subscribe. */
  readonly bus: EventBus<Topics>;
  /** Which build runs. */
  readonly build: BuildInfo;
}

/** What the app is given, beyond what the root supplies itself (clock, readiness, logger). */
export type AppContribution = Partial<Omit<AppDeps, 'clock' | 'readiness' | 'logger' | 'loggerInstance'>>;

/**
 * A part of the server that owns its start and stop (storage, ETL, audit, Predict, Cloud Eye,
 * metrics, bug report, notifications, UI, HTTP). Its factory does the checks that fail a start (a
 * file that does not parse) and creates its parts; `start` starts its timers and watches; `stop`
 * undoes what `start` did, also after a `start` that failed half way.
 */
export interface Feature {
  readonly name: string;
  /** Routes and their dependencies, merged into the app's options (later features win a key). */
  readonly app?: AppContribution;
  /** Its components of `/readyz`, in the order they are listed. */
  readonly readiness?: readonly ReadinessSource[];
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}
