/**
 * The records of one watched kind over time: the objects that exist now ("live"), and those that
 * ended (deleted, a pod that finished, a Service no longer a LoadBalancer) while a window that
 * contains part of their life may not have been built yet ("ended"). One generic handler serves
 * every kind; what differs per kind is the projection (cluster-objects.ts) and one option.
 */
import type { Clock } from '../clock.js';
import type { WatchHandler, KubeLogger } from '../kube/watch-types.js';
import type { Window } from '../window.js';
import type { Observed, TimedRecord } from './cluster-objects.js';

/** Counts for metrics and the bug report. */
export interface RecordStats {
  /** Records of objects that exist and have not ended. */
  readonly live: number;
  /** Ended records still held for windows not yet built. */
  readonly ended: number;
  /** Ended records dropped at the cap (`maxEnded`) before the pipeline was done with them, since start. */
  readonly droppedEnded: number;
}

/** How one kind is tracked. */
export interface RecordTrackerOptions {
  /** The kind, for logs: `Pod`. */
  readonly kind: string;
  readonly clock: Clock;
  readonly log: KubeLogger;
  /** Ended records held at most; past it the oldest-ended are dropped, counted and logged. */
  readonly maxEnded: number;
  /**
   * A record that appears on an object seen before without one starts when that is seen, since
   * the object has no timestamp for the change (a Service turned LoadBalancer). Off for pods,
   * whose `startTime` says when they started whenever that is seen.
   */
  readonly startsWhenSeen?: boolean;
}

/**
 * A {@link WatchHandler} of one kind's observations, keeping its records by UID.
 *
 * End times: a record ends when its object says so (a pod Succeeded or Failed), when it stops
 * counting (a Service changed away from LoadBalancer: the time that is seen), when its delete is
 * seen (that time), or, for an object missing from a relist, at the time of the relist: it was
 * deleted while nothing watched, and when exactly is unknown. An end is never before the start.
 * A record that ended while its object still exists (a finished pod) is final: later versions
 * of that object are ignored. A record keeps the start it was first given (a time seen stays put;
 * a Service turned LoadBalancer keeps the time that was seen). Otherwise a modified object's
 * latest version replaces its record whole: a resized pod's new requests apply to its whole
 * running time, as no per-interval history is kept.
 */
export class RecordTracker<R extends TimedRecord> implements WatchHandler<Observed<R>> {
  readonly #o: RecordTrackerOptions;
  readonly #live = new Map<string, R>();
  /** Ended records, sorted by end (oldest first, stable for equal ends). */
  #ended: R[] = [];
  /** UIDs of objects that still exist but whose record has ended and is final (finished pods). */
  readonly #final = new Set<string>();
  /** With `startsWhenSeen`: UIDs of objects that exist without a record now. */
  readonly #unrecorded = new Set<string>();
  /** UIDs of objects whose problems were logged, with the problems, so each is logged once, not on every relist. */
  readonly #warned = new Map<string, string>();
  #dropped = 0;
  /** Every ended record whose end is after this (epoch ms) is still held: nothing ending later was forgotten or dropped. */
  #horizon = 0;
  /** The cap dropped records and has not been under it since: one warning per such burst. */
  #dropping = false;

  constructor(options: RecordTrackerOptions) {
    this.#o = options;
  }

  // ---- WatchHandler ------------------------------------------------------------------------

  /** A full list: the objects missing from it were deleted while nothing watched; they end now. */
  onSync(items: Observed<R>[], _info: { initial: boolean }): void {
    const now = this.#o.clock.nowMs();
    const present = new Set<string>();
    for (const item of items) {
      present.add(item.uid);
      this.#observe(item, now);
    }
    for (const [uid, record] of this.#live) if (!present.has(uid)) this.#end(record, now);
    for (const set of [this.#final, this.#unrecorded]) for (const uid of set) if (!present.has(uid)) set.delete(uid);
    for (const uid of this.#warned.keys()) if (!present.has(uid)) this.#warned.delete(uid);
  }

  onAdded(item: Observed<R>): void {
    this.#observe(item, this.#o.clock.nowMs());
  }

  onModified(item: Observed<R>): void {
    this.#observe(item, this.#o.clock.nowMs());
  }

  /** The object's last state is taken first (a pod's `finishedAt`); a record still live ends when the delete is seen. */
  onDeleted(item: Observed<R>): void {
    const now = this.#o.clock.nowMs();
    this.#observe(item, now);
    const live = this.#live.get(item.uid);
    if (live !== undefined) this.#end(live, now);
    this.#final.delete(item.uid);
    this.#unrecorded.delete(item.uid);
    this.#warned.delete(item.uid);
  }

  // ---- what the cache asks -----------------------------------------------------------------

  /** The records that existed at some time in [window.start, window.end). */
  overlapping(window: Window): R[] {
    const out: R[] = [];
    for (const r of this.#live.values()) if (r.start < window.end) out.push(r);
    // Ended records are sorted by end: skip those that ended at or before the window's start.
    const ended = this.#ended;
    for (let i = this.#firstEndAfter(window.start); i < ended.length; i++) {
      const r = ended[i];
      if (r !== undefined && r.start < window.end) out.push(r);
    }
    return out;
  }

  /** Forgets ended records whose end is at or before `ms`. */
  forgetEndedBefore(ms: number): void {
    const n = this.#firstEndAfter(ms);
    if (n > 0) this.#ended.splice(0, n);
    this.#horizon = Math.max(this.#horizon, ms);
    if (this.#ended.length < this.#o.maxEnded) this.#dropping = false;
  }

  /** Epoch ms after which every ended record is still held (0: none was ever forgotten or dropped): a window ending by it cannot be rebuilt whole. */
  horizon(): number {
    return this.#horizon;
  }

  stats(): RecordStats {
    return { live: this.#live.size, ended: this.#ended.length, droppedEnded: this.#dropped };
  }

  // ---- internals ---------------------------------------------------------------------------

  #observe(item: Observed<R>, now: number): void {
    if (item.problems === undefined) this.#warned.delete(item.uid);
    else this.#warn(item, item.problems);
    const previous = this.#live.get(item.uid);
    const record = item.record;
    if (record === undefined) {
      // It no longer counts (a Service changed away from LoadBalancer): it ends now.
      if (previous !== undefined) this.#end(previous, now);
      if (this.#o.startsWhenSeen === true) this.#unrecorded.add(item.uid);
      return;
    }
    if (this.#final.has(item.uid)) return;
    let next = record;
    if (previous !== undefined) {
      if (previous.start !== record.start) next = Object.assign({}, record, { start: previous.start });
    } else if (this.#unrecorded.delete(item.uid)) {
      // Seen before without a record: it began to count just now.
      next = Object.assign({}, record, { start: now });
    }
    if (next.end === undefined) {
      this.#live.set(item.uid, next);
      return;
    }
    this.#live.delete(item.uid);
    this.#final.add(item.uid);
    this.#insertEnded(next.end < next.start ? Object.assign({}, next, { end: next.start }) : next);
  }

  #end(record: R, at: number): void {
    this.#live.delete(record.uid);
    // Object.assign, not a spread: V8 gives `{ ...r, end }` a map of its own per object, doubling its size.
    this.#insertEnded(Object.assign({}, record, { end: Math.max(at, record.start) }));
  }

  #insertEnded(record: R): void {
    const end = record.end ?? record.start;
    const ended = this.#ended;
    // Ends arrive mostly in order: append, else insert after the last record ending at or before it.
    if ((ended.at(-1)?.end ?? -Infinity) <= end) ended.push(record);
    else ended.splice(this.#firstEndAfter(end), 0, record);
    const over = ended.length - this.#o.maxEnded;
    if (over <= 0) return;
    const dropped = ended.splice(0, over);
    this.#horizon = Math.max(this.#horizon, dropped.at(-1)?.end ?? 0);
    this.#dropped += over;
    if (this.#dropping) return;
    this.#dropping = true;
    this.#o.log.warn(
      { kind: this.#o.kind, maxEnded: this.#o.maxEnded, droppedEnded: this.#dropped },
      'too many ended records held; dropping the oldest-ended, whose time in windows not yet built is lost',
    );
  }

  /** The index of the first ended record whose end is after `ms`. */
  #firstEndAfter(ms: number): number {
    let lo = 0;
    let hi = this.#ended.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#ended[mid]?.end ?? 0) <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #warn(item: Observed<R>, problems: readonly string[]): void {
    const text = problems.join('; ');
    if (this.#warned.get(item.uid) === text) return;
    this.#warned.set(item.uid, text);
    this.#o.log.warn({ kind: this.#o.kind, object: item.ref, problems }, 'read an object with problems; what could not be read counts as 0 or the time seen');
  }
}
