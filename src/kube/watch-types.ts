import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import type { BackoffPolicy } from './backoff.js';
import type { WatchedKind } from './kinds.js';
import type { KubeObject } from './kube-object.js';

/** Where the consumer of one watched kind hears about it. Calls are never concurrent. */
export interface WatchHandler<T> {
  /** A full, consistent list: the initial one or a relist; the consumer diffs it against what it knows (so missed deletes are found). */
  onSync(items: T[], info: SyncInfo): void;
  /** An object created after the list the stream continues from. */
  onAdded(obj: T): void;
  /** A new version of an object. Servers may resend an unchanged version; compare resourceVersions to tell. */
  onModified(obj: T): void;
  /** An object removed; the value is its last state. */
  onDeleted(obj: T): void;
}

/** What the loop knows of a list it hands over. */
export interface SyncInfo {
  /** The first full list of this loop. */
  readonly initial: boolean;
  /**
   * A relist only: epoch ms since which the consumer's view may have missed changes (the watch
   * ended or its stream went silent, and the history to resume from was gone), so whatever the
   * relist finds changed happened between then and now.
   */
  readonly outageSinceMs?: number;
  /** A relist only: the failure that led to it (as `WatchStatus.lastError`). */
  readonly lastError?: string;
}

/** What a watch loop is doing right now. */
export type WatchState = 'connecting' | 'listing' | 'watching' | 'backoff' | 'stopped';

/** A snapshot of a watch loop's health, for /readyz and metrics. */
export interface WatchStatus {
  readonly kind: string;
  readonly state: WatchState;
  /** A full list has been delivered at least once: the consumer's view is usable. */
  readonly synced: boolean;
  /** The last failure, kept after recovery so an operator can see what happened. */
  readonly lastError?: string;
  /** Failures since the loop last made progress (an event, a bookmark, a list, a long-lived stream); 0 when healthy. */
  readonly failures: number;
  /** Lists after the initial one (410 Expired, or a list that had to be retried). */
  readonly relists: number;
  /** Times the loop reconnected after a stream ended or failed. */
  readonly restarts: number;
  /** Epoch milliseconds of the last event or bookmark received. */
  readonly lastEventAt?: number;
  /** The resourceVersion the next watch starts from. */
  readonly resourceVersion?: string;
  /** Epoch ms since which no stream has delivered (the last one ended or went silent), while that lasts; absent while watching. */
  readonly outageSince?: number;
}

/** Whose a subscription to a shared informer is: the audit's or the ETL cluster cache's. The two may subscribe to the same kind (Node, Pod). */
export type WatchConsumer = 'audit' | 'etl';

/** A subscription's status and whose it is, for metrics and the bug report. */
export interface ConsumerWatchStatus extends WatchStatus {
  readonly consumer: WatchConsumer;
}

/** The slice of a pino logger the watch loop uses. */
export interface KubeLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** A logger that drops everything, for callers that do not pass one. */
export function silentLogger(): KubeLogger {
  const noop = (): void => undefined;
  return { info: noop, warn: noop, error: noop };
}

/** The change a watch event reports. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * Projects a raw object to what a consumer keeps; `event` is the watch event it came with
 * (undefined for a list item), so a consumer may keep less of an object it is told is gone.
 */
export type Transform<T> = (obj: KubeObject, event?: WatchEventType) => T;

/** Everything one watch loop needs; only the first five have no default. */
export interface WatchLoopOptions<T> {
  readonly kubeConfig: KubeConfig;
  readonly kind: WatchedKind;
  readonly handler: WatchHandler<T>;
  /** Projects a raw object to what the consumer keeps; the loop itself keeps no objects. */
  readonly transform: Transform<T>;
  readonly clock: Clock;
  /** Source of jitter, in [0, 1); default Math.random. */
  readonly random?: () => number;
  readonly log?: KubeLogger;
  /** List page size (`limit`); default 500. */
  readonly pageSize?: number;
  readonly backoff?: BackoffPolicy;
  /** A stream with no event and no bookmark for this long is presumed dead; default 3 min (servers bookmark about every minute). */
  readonly staleAfterMs?: number;
  /** Bounds of the random server-side `timeoutSeconds` of each watch; default 5 to 10 min, as client-go. */
  readonly watchTimeoutSeconds?: { readonly min: number; readonly max: number };
  /** Deadline of one list page; default 60 s. */
  readonly pageTimeoutMs?: number;
  /** Largest list page accepted; default 256 MiB. */
  readonly maxPageBytes?: number;
  /** A stream that lived this long resets the backoff; default 60 s. */
  readonly healthyAfterMs?: number;
}

/** Watch-loop settings a caller may tune (tests shorten timeouts); the rest come from the deps. */
export type LoopTuning = Partial<Pick<WatchLoopOptions<unknown>, 'random' | 'pageSize' | 'backoff' | 'staleAfterMs' | 'watchTimeoutSeconds' | 'pageTimeoutMs' | 'healthyAfterMs'>>;

/** A running watch of one kind. */
export interface WatchLoop {
  /** Lists, then watches, forever, until stop(). Failures are retried, never thrown. */
  start(): void;
  /** Drops the stream or list in flight and lists again now (a new subscriber needs a full list); no-op unless running. */
  relist(): void;
  /** Closes the stream or list in flight and cancels timers; resolves once the socket is closed. */
  stop(): Promise<void>;
  status(): WatchStatus;
}
