import type { Clock, TimerHandle } from '../clock.js';
import type { ComponentStatus } from '../readiness.js';
import { formatRfc3339Nano } from '../time.js';
import type { RecordStore, StoreBackend, StoreConnection, StoreRecord } from './store.js';
import { describeStoreError, isTransientStoreError } from './store-errors.js';

/** The slice of a pino logger the writer uses. */
export interface StorageLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** What the writer needs. */
export interface StoreWriterOptions {
  readonly store: StoreConnection & RecordStore;
  readonly clock: Clock;
  /** Records held at most while they cannot be written (`STORAGE_QUEUE_CAPACITY`). */
  readonly capacity: number;
  readonly log: StorageLogger;
  /** Records per transaction; default 1,000. */
  readonly maxBatch?: number;
  /** Retry delays while storage is unavailable: doubling from `minMs` to `maxMs`; default 250 ms to 5 s. */
  readonly retry?: { readonly minMs: number; readonly maxMs: number };
  /** How often storage is pinged while nothing else shows it is reachable; default 10 s. */
  readonly probeIntervalMs?: number;
}

/** Records written atomically together (an audit event and the workload state it leads to). */
export type WriteUnit = readonly StoreRecord[];

/** Counts of records by type. */
export type RecordCounts = Record<StoreRecord['type'], number>;

/** The writer's counters, for `/readyz`, logs, tests and benchmarks. */
export interface WriterStats {
  readonly available: boolean;
  /** Records held, waiting to be written. */
  readonly queued: number;
  readonly written: number;
  /** Records dropped since start: past the queue's bound, or refused by the database. */
  readonly dropped: RecordCounts;
  /** Failures since start: transient ones (a write, read or ping that could not reach storage) and batches of records refused for good. */
  readonly errors: { readonly transient: number; readonly refused: number };
}

const zero = (): RecordCounts => ({ etl: 0, audit: 0, workload: 0, notification: 0, gap: 0 });
const total = (c: RecordCounts): number => c.etl + c.audit + c.workload + c.notification + c.gap;

/**
 * Hands records from the bus to the store, so that nothing acknowledged is lost and an outage
 * loses nothing within a bound.
 *
 * Group commit: what arrives during one turn of the event loop is committed as one transaction
 * (at most `maxBatch` records; a synchronous backend commits a full batch at once), so an fsync
 * or a round trip is paid per batch, not per event. A store that never fails (memory) is written
 * through. `start()` begins probing a store that can fail; the constructor starts no timer.
 * A transient failure marks storage unavailable: records stay queued (the oldest dropped past
 * `capacity`, counted and logged) and the writer retries with backoff on the injected clock; a
 * record the database refuses for good is dropped and logged, so it cannot block the others.
 */
export class StoreWriter {
  readonly #o: Required<Omit<StoreWriterOptions, 'retry'>> & { readonly retry: { readonly minMs: number; readonly maxMs: number } };
  readonly #queue: WriteUnit[] = [];
  #queued = 0;
  #inFlight = false;
  #scheduled = false;
  /** Units to write one at a time, to find the one the database refuses in a failed batch. */
  #isolate = 0;
  #down: { sinceNs: bigint; error: string } | undefined;
  #retryDelay: number;
  #retryTimer: TimerHandle | undefined;
  #probeTimer: TimerHandle | undefined;
  #written = 0;
  readonly #dropped = zero();
  readonly #errors = { transient: 0, refused: 0 };
  /** Dropped since storage was last available, for the recovery log line. */
  #droppedInOutage = 0;
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: StoreWriterOptions) {
    this.#o = { maxBatch: 1000, retry: { minMs: 250, maxMs: 5_000 }, probeIntervalMs: 10_000, ...options };
    this.#retryDelay = this.#o.retry.minMs;
  }

  /** Starts pinging storage every `probeIntervalMs` while nothing else shows it is reachable (not for a store that never fails). */
  start(): void {
    if (this.#probeTimer === undefined) this.#scheduleProbe();
  }

  /** The backend written to, for messages that name it. */
  get backend(): StoreBackend {
    return this.#o.store.backend;
  }

  /** True unless the last attempt to reach storage failed. */
  get available(): boolean {
    return this.#down === undefined;
  }

  /** Counters, for readiness, tests and benchmarks. */
  stats(): WriterStats {
    return { available: this.available, queued: this.#queued, written: this.#written, dropped: { ...this.#dropped }, errors: { ...this.#errors } };
  }

  /** Queues `unit` for writing; it is committed in one transaction with whatever else is due. */
  submit(unit: WriteUnit): void {
    if (unit.length === 0) return;
    if (this.#closed) {
      this.#drop([unit], 'storage writer closed');
      return;
    }
    const { store } = this.#o;
    if (store.capabilities.neverFails && store.writeSync !== undefined) {
      // Nothing to batch for: memory commits cost nothing and never fail.
      store.writeSync(unit);
      this.#written += unit.length;
      return;
    }
    this.#queue.push(unit);
    this.#queued += unit.length;
    this.#enforceBound();
    if (this.#down !== undefined || this.#inFlight) return;
    if (store.writeSync !== undefined && this.#queued >= this.#o.maxBatch) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
  }

  /** Told by a reader that storage failed: marks it unavailable and starts retrying. */
  reportFailure(err: unknown): void {
    this.#errors.transient++;
    this.#markDown(err);
    this.#scheduleRetry();
  }

  /** Resolves once nothing is queued or in flight, or storage is unavailable (nothing more can happen until it returns). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** `/readyz`'s view: ready while storage is reachable, with what is held and what was dropped. */
  status(): ComponentStatus {
    const { location } = this.#o.store;
    const dropped = total(this.#dropped);
    const counts = `${this.#queued} records queued, ${dropped} dropped since start`;
    if (this.#down !== undefined) {
      return { ready: false, state: 'unavailable', detail: `${location}: ${this.#down.error} (since ${formatRfc3339Nano(this.#down.sinceNs)}); ${counts}` };
    }
    return { ready: true, state: 'ready', detail: this.#queued === 0 && dropped === 0 ? location : `${location}; ${counts}` };
  }

  /**
   * Stops retrying and probing and writes what is queued: until it is all written, or storage
   * fails (then one attempt, and what remains is logged as lost). Later submits are dropped.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clearTimers();
    // While unavailable, one last attempt; a failure leaves the writer idle.
    if (this.#down !== undefined) this.#flush(true);
    await this.idle();
    this.#clearTimers();
    if (this.#queued > 0) {
      this.#o.log.error({ records: this.#queued, store: this.#o.store.location }, 'storage unavailable at shutdown; queued records are lost');
      const lost = this.#queue.splice(0);
      this.#queued = 0;
      this.#drop(lost, undefined);
    }
  }

  /** Writes the next batch; `evenIfDown` tries although storage is marked unavailable (a retry). */
  #flush(evenIfDown = false): void {
    if (this.#inFlight || (this.#down !== undefined && !evenIfDown) || this.#queue.length === 0) return;
    const batch = this.#take();
    const records = batch.flat();
    this.#inFlight = true;
    const { store } = this.#o;
    if (store.writeSync !== undefined) {
      let failure: { err: unknown } | undefined;
      try {
        store.writeSync(records);
      } catch (err) {
        failure = { err };
      }
      if (failure === undefined) this.#succeeded(records.length);
      else this.#failed(batch, failure.err);
      return;
    }
    store.write(records).then(
      () => this.#succeeded(records.length),
      (err: unknown) => this.#failed(batch, err),
    );
  }

  /** Whole units from the head of the queue, up to `maxBatch` records (at least one unit). */
  #take(): WriteUnit[] {
    const single = this.#isolate > 0;
    let units = 0;
    let n = 0;
    for (const unit of this.#queue) {
      if (units > 0 && (single || n + unit.length > this.#o.maxBatch)) break;
      units++;
      n += unit.length;
    }
    if (single) this.#isolate--;
    this.#queued -= n;
    return this.#queue.splice(0, units);
  }

  #succeeded(records: number): void {
    this.#inFlight = false;
    this.#written += records;
    if (this.#down !== undefined) {
      this.#o.log.info({ store: this.#o.store.location, queued: this.#queued, droppedWhileUnavailable: this.#droppedInOutage }, 'storage available again; writing what was held');
      this.#down = undefined;
    }
    this.#droppedInOutage = 0;
    this.#retryDelay = this.#o.retry.minMs;
    if (this.#queue.length > 0) this.#flush();
    else this.#wakeIdle();
  }

  #failed(batch: WriteUnit[], err: unknown): void {
    this.#inFlight = false;
    if (isTransientStoreError(err)) {
      this.#queue.unshift(...batch);
      this.#queued += batch.reduce((n, u) => n + u.length, 0);
      this.#enforceBound();
      this.reportFailure(err);
      this.#wakeIdle();
      return;
    }
    if (batch.length > 1) {
      // One unit spoiled the batch: write them one by one to keep the good ones.
      this.#queue.unshift(...batch);
      this.#queued += batch.reduce((n, u) => n + u.length, 0);
      this.#isolate = batch.length;
    } else {
      this.#errors.refused++;
      this.#o.log.error({ err: describeStoreError(err), records: batch.flat().map((r) => r.type) }, 'storage refused a record; dropped');
      this.#drop(batch, undefined);
    }
    if (this.#queue.length > 0) this.#flush();
    else this.#wakeIdle();
  }

  /** Past the bound, drops the oldest: the most recent are kept, as the rings keep them. */
  #enforceBound(): void {
    const dropped: WriteUnit[] = [];
    while (this.#queued > this.#o.capacity && this.#queue.length > 1) {
      const unit = this.#queue.shift() as WriteUnit;
      this.#queued -= unit.length;
      dropped.push(unit);
    }
    if (dropped.length > 0) this.#drop(dropped, 'storage queue full; dropping the oldest records');
  }

  #drop(units: readonly WriteUnit[], warning: string | undefined): void {
    let n = 0;
    for (const unit of units) {
      for (const r of unit) this.#dropped[r.type]++;
      n += unit.length;
    }
    // One line when an outage starts dropping, not one per record; the recovery line has the total.
    if (warning !== undefined && this.#droppedInOutage === 0) {
      this.#o.log.warn({ capacity: this.#o.capacity, store: this.#o.store.location, dropped: { ...this.#dropped } }, warning);
    }
    this.#droppedInOutage += n;
  }

  #markDown(err: unknown): void {
    const error = describeStoreError(err);
    if (this.#down === undefined) {
      this.#down = { sinceNs: this.#o.clock.nowNs(), error };
      this.#o.log.error({ err: error, store: this.#o.store.location, queued: this.#queued }, 'storage unavailable; holding records until it returns');
    } else {
      this.#down.error = error;
    }
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined || this.#closed) return;
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(this.#retryDelay * 2, this.#o.retry.maxMs);
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#retry();
    }, delay);
  }

  #retry(): void {
    if (this.#inFlight) return;
    // With records held, the write itself is the probe: its success is the proof storage is back.
    if (this.#queue.length > 0) this.#flush(true);
    else this.#ping();
  }

  #ping(): void {
    this.#inFlight = true;
    this.#o.store.ping().then(
      () => this.#succeeded(0),
      (err: unknown) => {
        this.#inFlight = false;
        this.reportFailure(err);
        this.#wakeIdle();
      },
    );
  }

  #scheduleProbe(): void {
    if (this.#o.store.capabilities.neverFails || this.#closed) return;
    this.#probeTimer = this.#o.clock.setTimeout(() => {
      this.#probeTimer = undefined;
      if (this.#down === undefined && !this.#inFlight && this.#queue.length === 0) this.#ping();
      this.#scheduleProbe();
    }, this.#o.probeIntervalMs);
  }

  #clearTimers(): void {
    if (this.#retryTimer !== undefined) this.#o.clock.clearTimeout(this.#retryTimer);
    if (this.#probeTimer !== undefined) this.#o.clock.clearTimeout(this.#probeTimer);
    this.#retryTimer = undefined;
    this.#probeTimer = undefined;
  }

  #isIdle(): boolean {
    return !this.#inFlight && (this.#queue.length === 0 || this.#down !== undefined);
  }

  #wakeIdle(): void {
    if (!this.#isIdle()) return;
    const waiting = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiting) resolve();
  }
}
