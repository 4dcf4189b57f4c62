import type { TimerHandle } from '../clock.js';
import { describeError, isExpired, KubeApiError } from './api-error.js';
import type { BackoffPolicy } from './backoff.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { isKubeObject, isKubeStatus } from './kube-object.js';
import { listAll } from './list-all.js';
import type { WatchSession } from './watch-session.js';
import { openWatchSession } from './watch-session.js';
import type { KubeLogger, SyncInfo, WatchLoop, WatchLoopOptions, WatchState, WatchStatus } from './watch-types.js';
import { silentLogger } from './watch-types.js';

export type { WatchLoop, WatchLoopOptions } from './watch-types.js';

/** A stream shorter than this with no event counts as a failure (client-go's VeryShortWatchError). */
const VERY_SHORT_WATCH_MS = 1000;

/**
 * The one list-then-watch loop for every kind, on a watch stream of our own (watch-session.ts) and a
 * paginated raw list, both over node:http with client-node's KubeConfig for TLS and credentials.
 * It closes client-node 1.x's gaps: every failure is retried with capped, jittered backoff (the
 * informer stops for good); 410 relists and hands the whole list to the consumer to diff;
 * bookmarks are requested and a server timeout set; a silent stream is aborted by a watchdog; a
 * stop is a stop, not an error. Every asynchronous step carries the epoch it was started in and
 * is ignored once the loop has moved on, so a late callback can never act twice.
 */
export function createWatchLoop<T>(opts: WatchLoopOptions<T>): WatchLoop {
  return new Loop(opts);
}

class Loop<T> implements WatchLoop {
  readonly #o: WatchLoopOptions<T>;
  readonly #log: KubeLogger;
  readonly #random: () => number;
  readonly #backoff: BackoffPolicy;
  readonly #staleAfterMs: number;
  #state: WatchState = 'connecting';
  #started = false;
  #stopped = false;
  #synced = false;
  #lastError: string | undefined;
  #relists = 0;
  #restarts = 0;
  #lastEventAt: number | undefined;
  #rv: string | undefined;
  #epoch = 0;
  #failures = 0;
  /** 410s in a row with no event between them: the first relists at once, the rest back off. */
  #expiredStreak = 0;
  #lastActivity = 0;
  /** Epoch ms since which no stream has delivered: set when one ends or goes silent, cleared by the next event or list. */
  #outageSince: number | undefined;
  /** The next list was asked for by {@link relist} while the view was current: no outage to report. */
  #quietRelist = false;
  #retryTimer: TimerHandle | undefined;
  #watchdog: TimerHandle | undefined;
  #session: WatchSession | undefined;
  #listAbort: AbortController | undefined;
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(o: WatchLoopOptions<T>) {
    this.#o = o;
    this.#log = o.log ?? silentLogger();
    this.#random = o.random ?? Math.random;
    this.#backoff = o.backoff ?? DEFAULT_BACKOFF;
    this.#staleAfterMs = o.staleAfterMs ?? 180_000;
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#next();
  }

  relist(): void {
    if (!this.#started || this.#stopped) return;
    // Asked for, not forced by an outage: the view was current until now, so the list reports no gap.
    this.#quietRelist = true;
    this.#epoch++;
    this.#clearTimers();
    this.#listAbort?.abort();
    this.#listAbort = undefined;
    this.#session?.abort();
    this.#session = undefined;
    this.#rv = undefined;
    this.#list();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#state = 'stopped';
    this.#epoch++;
    this.#clearTimers();
    this.#listAbort?.abort();
    this.#session?.abort();
    this.#session = undefined;
    await Promise.all(this.#inflight);
  }

  status(): WatchStatus {
    return {
      kind: this.#o.kind.kind,
      state: this.#state,
      synced: this.#synced,
      lastError: this.#lastError,
      failures: this.#failures,
      relists: this.#relists,
      restarts: this.#restarts,
      lastEventAt: this.#lastEventAt,
      resourceVersion: this.#rv,
      ...(this.#outageSince !== undefined && { outageSince: this.#outageSince }),
    };
  }

  /** The next step: list when there is no resourceVersion to resume from, else watch. */
  #next(): void {
    if (this.#stopped) return;
    if (this.#rv === undefined) this.#list();
    else this.#watch(this.#rv);
  }

  #list(): void {
    const epoch = ++this.#epoch;
    this.#state = 'listing';
    const abort = new AbortController();
    this.#listAbort = abort;
    const kind = this.#o.kind;
    const running = listAll({
      kubeConfig: this.#o.kubeConfig,
      path: kind.path,
      pageSize: this.#o.pageSize ?? 500,
      transform: this.#o.transform,
      onBadItem: (err) => this.#log.warn({ kind: kind.kind, err: describeError(err) }, 'skipped a list item that could not be read'),
      signal: abort.signal,
      clock: this.#o.clock,
      pageTimeoutMs: this.#o.pageTimeoutMs ?? 60_000,
      maxPageBytes: this.#o.maxPageBytes ?? 256 * 1024 * 1024,
      maxRestarts: 3,
    });
    const settled = running.then(
      (result) => {
        if (epoch !== this.#epoch) return;
        this.#listAbort = undefined;
        const initial = !this.#synced;
        this.#rv = result.resourceVersion;
        this.#log.info({ kind: kind.kind, items: result.items.length, pages: result.pages, resourceVersion: result.resourceVersion, initial }, 'listed');
        // A relist ends an outage: the consumer's view was incomplete from when the last stream stopped delivering.
        const info: SyncInfo =
          initial || (this.#quietRelist && this.#outageSince === undefined)
            ? { initial }
            : { initial, outageSinceMs: this.#outageSince ?? this.#o.clock.nowMs(), ...(this.#lastError !== undefined && { lastError: this.#lastError }) };
        this.#outageSince = undefined;
        this.#quietRelist = false;
        this.#call('onSync', () => this.#o.handler.onSync(result.items, info));
        if (!initial) this.#relists++;
        this.#synced = true;
        // A full list is progress: whatever failed before is over.
        this.#failures = 0;
        this.#watch(result.resourceVersion);
      },
      (err: unknown) => {
        if (epoch !== this.#epoch) return;
        this.#listAbort = undefined;
        this.#failed('list', err);
      },
    );
    this.#track(settled);
  }

  #watch(rv: string): void {
    const epoch = ++this.#epoch;
    this.#state = 'connecting';
    const openedAt = this.#o.clock.nowMs();
    this.#lastActivity = openedAt;
    let events = 0;
    let streamError: unknown = null;
    const { min, max } = this.#o.watchTimeoutSeconds ?? { min: 300, max: 600 };
    const timeoutSeconds = min + Math.floor(Math.min(0.999999, this.#random()) * (max - min + 1));
    const session = openWatchSession(
      this.#o.kubeConfig,
      this.#o.kind.path,
      { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds },
      {
        onOpen: () => {
          if (epoch === this.#epoch) this.#state = 'watching';
        },
        onEvent: (type, object) => {
          if (epoch !== this.#epoch) return;
          events++;
          streamError = this.#event(type, object) ?? streamError;
        },
        onEnd: (err) => {
          if (epoch !== this.#epoch) return;
          this.#outageSince ??= this.#o.clock.nowMs();
          this.#session = undefined;
          this.#clearTimers();
          this.#streamEnded(streamError ?? err, openedAt, events);
        },
      },
    );
    this.#session = session;
    this.#track(session.ended);
    this.#armWatchdog(epoch, this.#staleAfterMs);
  }

  /** Handles one event; returns the error an ERROR event carries. */
  #event(type: string, object: unknown): KubeApiError | undefined {
    const now = this.#o.clock.nowMs();
    this.#lastActivity = now;
    this.#lastEventAt = now;
    if (type === 'ERROR') return KubeApiError.fromStatus(isKubeStatus(object) ? (object.code ?? 500) : 500, object);
    if (!isKubeObject(object)) {
      this.#log.warn({ kind: this.#o.kind.kind, type }, 'skipped a watch event without an object');
      return undefined;
    }
    const rv = object.metadata?.resourceVersion;
    if (typeof rv === 'string' && rv !== '') this.#rv = rv;
    // Progress: whatever failed before is over, and the stream resumed without losing history.
    this.#failures = 0;
    this.#expiredStreak = 0;
    this.#outageSince = undefined;
    if (type === 'BOOKMARK') return undefined;
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') {
      this.#log.warn({ kind: this.#o.kind.kind, type }, 'skipped a watch event of unknown type');
      return undefined;
    }
    let item: T;
    try {
      item = this.#o.transform(object, type);
    } catch (err) {
      this.#log.warn({ kind: this.#o.kind.kind, type, err: describeError(err) }, 'skipped a watch event that could not be read');
      return undefined;
    }
    // No closure per event: this runs once per watch event.
    const h = this.#o.handler;
    try {
      if (type === 'ADDED') h.onAdded(item);
      else if (type === 'MODIFIED') h.onModified(item);
      else h.onDeleted(item);
    } catch (err) {
      this.#handlerThrew(type === 'ADDED' ? 'onAdded' : type === 'MODIFIED' ? 'onModified' : 'onDeleted', err);
    }
    return undefined;
  }

  #streamEnded(err: unknown, openedAt: number, events: number): void {
    const lived = this.#o.clock.nowMs() - openedAt;
    if (lived >= (this.#o.healthyAfterMs ?? 60_000)) this.#failures = 0;
    if (err !== null && err !== undefined && isExpired(err)) {
      // History is gone: relist, and let the consumer's diff find what the gap hid.
      this.#rv = undefined;
      this.#lastError = `watch: ${describeError(err)}`;
      this.#log.info({ kind: this.#o.kind.kind, err: describeError(err) }, 'resourceVersion expired; relisting');
      // A 410 after a reconnect is the expected way back: relist at once. A 410 right after a
      // fresh list means something is off; back off so a loop of lists cannot hammer the server.
      const delay = this.#expiredStreak === 0 ? 0 : this.#delay();
      if (this.#expiredStreak > 0) this.#failures++;
      this.#expiredStreak++;
      this.#again(delay);
      return;
    }
    if (err !== null && err !== undefined) return this.#failed('watch', err);
    if (events === 0 && lived < VERY_SHORT_WATCH_MS) {
      return this.#failed('watch', new Error(`the watch closed after ${lived} ms without an event`));
    }
    // A clean end (the server's timeoutSeconds): carry on from the last resourceVersion at once.
    this.#again(0);
  }

  #failed(step: 'list' | 'watch', err: unknown): void {
    this.#lastError = `${step}: ${describeError(err)}`;
    const delay = this.#delay();
    this.#failures++;
    this.#log.warn({ kind: this.#o.kind.kind, err: describeError(err), retryInMs: Math.round(delay) }, `${step} failed; retrying`);
    this.#again(delay);
  }

  #delay(): number {
    return backoffDelay(this.#failures, this.#backoff, this.#random);
  }

  /** Goes again after `delayMs`; at most one retry is ever pending. */
  #again(delayMs: number): void {
    if (this.#stopped) return;
    this.#restarts++;
    this.#clearTimers();
    if (delayMs <= 0) return this.#next();
    this.#state = 'backoff';
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#next();
    }, delayMs);
  }

  #armWatchdog(epoch: number, delayMs: number): void {
    // One timer per period rather than one per event: events only stamp #lastActivity.
    this.#watchdog = this.#o.clock.setTimeout(() => {
      this.#watchdog = undefined;
      if (epoch !== this.#epoch || this.#stopped) return;
      const idle = this.#o.clock.nowMs() - this.#lastActivity;
      if (idle < this.#staleAfterMs) return this.#armWatchdog(epoch, this.#staleAfterMs - idle);
      this.#epoch++;
      // Silent since its last event: that is when the view stopped being current.
      this.#outageSince ??= this.#lastActivity;
      this.#session?.abort();
      this.#session = undefined;
      this.#failed('watch', new Error(`no event or bookmark for ${Math.round(idle / 1000)} s; the stream is presumed dead`));
    }, delayMs);
  }

  #clearTimers(): void {
    if (this.#retryTimer !== undefined) this.#o.clock.clearTimeout(this.#retryTimer);
    if (this.#watchdog !== undefined) this.#o.clock.clearTimeout(this.#watchdog);
    this.#retryTimer = undefined;
    this.#watchdog = undefined;
  }

  #track(p: Promise<unknown>): void {
    const quiet = p.then(
      () => undefined,
      () => undefined,
    );
    this.#inflight.add(quiet);
    void quiet.then(() => this.#inflight.delete(quiet));
  }

  /** Runs a consumer callback; a consumer bug is logged, never allowed to stop the loop. */
  #call(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#handlerThrew(name, err);
    }
  }

  #handlerThrew(name: string, err: unknown): void {
    this.#log.error({ kind: this.#o.kind.kind, err: describeError(err) }, `the ${name} handler threw`);
  }
}
