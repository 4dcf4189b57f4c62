import { describeError } from './api-error.js';
import type { WatchedKind } from './kinds.js';
import type { KubeObject } from './kube-object.js';
import { createWatchLoop } from './watch-loop.js';
import type { KubeLogger, SyncInfo, Transform, WatchEventType, WatchHandler, WatchLoop, WatchLoopOptions, WatchStatus } from './watch-types.js';

/** One subscriber of a shared informer: its name for logs, its projection and where it hears. */
export interface InformerSubscriberOptions<T> {
  /** Whose it is (`audit`, `etl`, `predict`), for logs. */
  readonly consumer: string;
  /** Projects a raw object to what this subscriber keeps; it throws to skip an object it cannot read. */
  readonly transform: Transform<T>;
  readonly handler: WatchHandler<T>;
}

/** A subscriber's hold on a shared informer. */
export interface InformerSubscription {
  /**
   * Starts delivering to this subscriber: a full list first, then changes. If the informer's
   * watch is already running, it relists (one list, one new watch) so this subscriber gets its list.
   */
  start(): void;
  /** Stops delivering to it; the informer's watch stops with its last subscriber. Resolves once it has. */
  stop(): Promise<void>;
  /** The watch's status as this subscriber sees it: synced once it got a full list; its own relists. */
  status(): WatchStatus;
}

/** The watch loop settings an informer passes on; kind, transform and handler are its own. */
export type InformerLoopOptions = Omit<WatchLoopOptions<unknown>, 'kind' | 'transform' | 'handler'>;

/** A subscriber's projection of one object, or this when its transform threw. */
const SKIP: unique symbol = Symbol('skip');

/** What the loop keeps of one object: each subscriber's projection, aligned with the subscribers of that moment. */
interface Projected {
  readonly subs: readonly Subscriber[];
  readonly views: readonly unknown[];
}

type Event = 'onAdded' | 'onModified' | 'onDeleted';

/**
 * One list-watch of one kind shared by every consumer of it (opencost's one watcher per kind):
 * each object is parsed once and projected once per subscriber, as it arrives, so no whole object
 * is kept; each subscriber keeps its projections in its own store (the audit's change detector,
 * the ETL's record tracker, a node counter). The watch runs only while the informer is started
 * (by its registry) and has subscribers.
 */
export class SharedInformer {
  readonly #kind: WatchedKind;
  readonly #options: InformerLoopOptions;
  readonly #log: KubeLogger;
  /** Subscribers being delivered to; replaced, never changed in place, so a projection's `subs` stays valid. */
  #subs: readonly Subscriber[] = [];
  #loop: WatchLoop | undefined;
  /** The status the last loop ended with, reported while none runs. */
  #ended: WatchStatus | undefined;
  #running = false;

  constructor(kind: WatchedKind, options: InformerLoopOptions, log: KubeLogger) {
    this.#kind = kind;
    this.#options = options;
    this.#log = log;
  }

  /** The kind watched. */
  get kind(): WatchedKind {
    return this.#kind;
  }

  /** Adds a subscriber; it hears nothing until its subscription is started. */
  subscribe<T>(options: InformerSubscriberOptions<T>): InformerSubscription {
    const sub = new Subscriber(options);
    return {
      start: () => this.#join(sub),
      stop: () => this.#leave(sub),
      status: () => sub.status(this.#loopStatus()),
    };
  }

  /** Starts watching (once the registry starts), if anyone has subscribed. */
  start(): void {
    this.#running = true;
    if (this.#subs.length > 0) this.#startLoop();
  }

  /** Stops watching; subscribers stay, and hear again after another start. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#stopLoop();
  }

  #join(sub: Subscriber): void {
    if (sub.active) return;
    sub.active = true;
    sub.stopped = false;
    this.#subs = [...this.#subs, sub];
    if (!this.#running) return;
    // A subscriber joining a running watch needs a full list of its own projections.
    if (this.#loop === undefined) this.#startLoop();
    else this.#loop.relist();
  }

  async #leave(sub: Subscriber): Promise<void> {
    if (!sub.active) return;
    sub.active = false;
    sub.stopped = true;
    this.#subs = this.#subs.filter((s) => s !== sub);
    if (this.#subs.length === 0) await this.#stopLoop();
  }

  #startLoop(): void {
    if (this.#loop !== undefined) return;
    const loop = createWatchLoop<Projected>({
      ...this.#options,
      kind: this.#kind,
      log: this.#log,
      transform: (obj, event) => this.#project(obj, event),
      handler: {
        onSync: (items, info) => this.#sync(items, info),
        onAdded: (p) => this.#deliver('onAdded', p),
        onModified: (p) => this.#deliver('onModified', p),
        onDeleted: (p) => this.#deliver('onDeleted', p),
      },
    });
    this.#loop = loop;
    loop.start();
  }

  async #stopLoop(): Promise<void> {
    const loop = this.#loop;
    if (loop === undefined) return;
    this.#loop = undefined;
    const stopped = loop.stop();
    this.#ended = loop.status();
    await stopped;
  }

  #loopStatus(): WatchStatus {
    return this.#loop?.status() ?? this.#ended ?? { kind: this.#kind.kind, state: 'connecting', synced: false, failures: 0, relists: 0, restarts: 0 };
  }

  /** Each subscriber's projection of one object; a subscriber whose transform throws skips it, the others do not. */
  #project(obj: KubeObject, event: WatchEventType | undefined): Projected {
    // Plain loops, here and in #deliver: they run once per watch event, so no closure, iterator or entry pair per event.
    const subs = this.#subs;
    const views: unknown[] = new Array(subs.length);
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i] as Subscriber;
      try {
        views[i] = sub.options.transform(obj, event);
      } catch (err) {
        this.#log.warn({ kind: this.#kind.kind, consumer: sub.options.consumer, err: describeError(err) }, 'skipped an object that could not be read');
        views[i] = SKIP;
      }
    }
    return { subs, views };
  }

  /** A full list: each subscriber's projections of it, as its initial list or a relist. */
  #sync(items: readonly Projected[], info: SyncInfo): void {
    for (const sub of this.#subs) {
      const mine: unknown[] = [];
      let from: readonly Subscriber[] | undefined;
      let at = -1;
      for (const item of items) {
        if (item.subs !== from) {
          from = item.subs;
          at = from.indexOf(sub);
        }
        // Joined after this list began: the relist its joining started brings it a whole list.
        if (at < 0) break;
        const view = item.views[at];
        if (view !== SKIP) mine.push(view);
      }
      if (at < 0 && items.length > 0) continue;
      const initial = !sub.synced;
      // A relist after an outage tells when the view stopped being current; a subscriber's first list has no outage.
      this.#call(sub, 'onSync', () => sub.options.handler.onSync(mine, initial ? { initial } : { ...info, initial }));
      if (!initial) sub.relists++;
      sub.synced = true;
    }
  }

  #deliver(event: Event, p: Projected): void {
    const { subs, views } = p;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i] as Subscriber;
      const view = views[i];
      // A subscriber that left, or that has not had its list yet, hears no change.
      if (!sub.active || !sub.synced || view === SKIP) continue;
      try {
        sub.options.handler[event](view);
      } catch (err) {
        this.#threw(sub, event, err);
      }
    }
  }

  /** Runs a subscriber's callback; one subscriber's bug is logged and never stops the others or the watch. */
  #call(sub: Subscriber, name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#threw(sub, name, err);
    }
  }

  #threw(sub: Subscriber, name: string, err: unknown): void {
    this.#log.error({ kind: this.#kind.kind, consumer: sub.options.consumer, err: describeError(err) }, `the ${name} handler threw`);
  }
}

/** A subscriber's own part of the status: whether it has its list, how many relists it got. */
class Subscriber {
  readonly options: InformerSubscriberOptions<unknown>;
  active = false;
  stopped = false;
  synced = false;
  relists = 0;

  constructor(options: InformerSubscriberOptions<unknown>) {
    this.options = options;
  }

  status(loop: WatchStatus): WatchStatus {
    return { ...loop, state: this.stopped ? 'stopped' : loop.state, synced: this.synced, relists: this.relists };
  }
}
