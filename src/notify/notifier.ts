import type { Clock, TimerHandle } from '../clock.js';
import { backoffDelay, type BackoffPolicy } from '../kube/backoff.js';
import type { Delivery, Outcome, Sink } from './delivery.js';
import { shortHash, type NotifyMessage } from './message.js';
import type { NotifyConfig, SinkConfig } from './notify-config.js';
import type { OutboxRow, OutboxStore } from './outbox.js';
import { RateCaps } from './rate-caps.js';

/** How a delivery ended, for `cost_events_notifications_total{outcome}`. */
export type DeliveryOutcome = 'delivered' | 'retried' | 'failed' | 'dead';

/** The slice of a logger the notifier uses. */
export interface NotifierLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** What the notifier needs. */
export interface NotifierOptions {
  readonly outbox: OutboxStore;
  readonly clock: Clock;
  readonly config: () => NotifyConfig;
  /** Makes the sink a configuration names (HTTP or Kubernetes Events). */
  readonly makeSink: (cfg: SinkConfig) => Sink;
  /** This process, as lease owner: unique per process. */
  readonly owner: string;
  readonly log: NotifierLogger;
  /** Told of every attempt's end, per route and sink (the metrics). */
  readonly onOutcome?: (sink: string, route: string, outcome: DeliveryOutcome, n: number) => void;
  /** How long a lease holds rows before another replica may take them; default 60 s. */
  readonly leaseMs?: number;
  /** How often the outbox is looked at when nothing is happening; default 1 s. */
  readonly pollIntervalMs?: number;
  /** Rows leased at once; default 256. */
  readonly batch?: number;
  /** Retry delays: default 1 s doubling to 10 min, with jitter. */
  readonly backoff?: BackoffPolicy;
  /** Dead letters kept; default 1,000. */
  readonly deadLetterCap?: number;
  readonly random?: () => number;
}

/** What `/model/notify/status` shows of a sink. */
export interface SinkActivity {
  delivered: number;
  failed: number;
  inFlight: number;
  lastError: { readonly message: string; readonly atMs: number } | null;
  lastDeliveredMs: number | null;
}

interface SinkSlot {
  readonly cfg: SinkConfig;
  readonly sink: Sink;
  inFlight: number;
  readonly waiting: (() => void)[];
}

/**
 * Delivers the outbox at least once. Each tick leases due rows (this process's lease, so replicas
 * sharing PostgreSQL never send a row twice while its lease holds), joins the rows of a group into
 * one delivery, and sends each through its sink with at most `concurrency` attempts at a time per
 * sink and a timeout per attempt. A success deletes the rows; a network error, a timeout, a 5xx or
 * a 429 schedules another try after exponential backoff with jitter (or `Retry-After` when longer);
 * a refusal (any other status) or the last allowed attempt makes a dead letter. A route's rate cap
 * holds rows back to its next window without spending an attempt. All timing is on the injected clock.
 */
export class Notifier {
  readonly #o: Required<Omit<NotifierOptions, 'onOutcome'>> & Pick<NotifierOptions, 'onOutcome'>;
  readonly #slots = new Map<string, SinkSlot>();
  #slotsFor: NotifyConfig | undefined;
  readonly #activity = new Map<string, SinkActivity>();
  readonly #caps = new RateCaps();
  #timer: TimerHandle | undefined;
  #ticking = false;
  #again = false;
  #stopped = true;
  readonly #inFlight = new Set<Promise<void>>();
  /** Rows (seqs) delivered during a tick, deleted in one statement when the tick's deliveries settle. */
  #delivered: number[] = [];

  constructor(options: NotifierOptions) {
    this.#o = {
      leaseMs: 60_000,
      pollIntervalMs: 1_000,
      batch: 256,
      backoff: { initialMs: 1_000, maxMs: 600_000, factor: 2 },
      deadLetterCap: 1_000,
      random: Math.random,
      ...options,
    };
  }

  /** Starts looking at the outbox. */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Looks at the outbox soon (new rows were committed). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#ticking) this.#again = true;
    else this.#schedule(0);
  }

  /** Stops leasing and waits for attempts in flight (each bounded by its timeout). Leased rows not sent stay leased until their lease expires. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    for (const s of this.#slots.values()) s.sink.close();
    this.#slots.clear();
  }

  /** Per sink: counts, attempts in flight, the last error. */
  activity(): ReadonlyMap<string, SinkActivity> {
    return this.#activity;
  }

  /** One look at the outbox: lease, deliver, settle. Resolves when what it leased has settled. */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    let leased = 0;
    try {
      const nowMs = this.#o.clock.nowMs();
      const rows = await this.#o.outbox.lease(this.#o.owner, nowMs, this.#o.leaseMs, this.#o.batch);
      leased = rows.length;
      const { deliveries, orphans } = groupRows(rows);
      if (orphans.length > 0) await this.#buryOrphans(orphans, nowMs);
      await Promise.all(deliveries.map((d) => this.#track(this.#deliver(d.delivery, d.rows))));
      // One commit for the tick's successes (an fsync per delivery capped SQLite at ~150/s); a crash
      // before it redelivers them, which the Idempotency-Key absorbs.
      const done = this.#delivered;
      this.#delivered = [];
      await this.#o.outbox.complete(done);
    } catch (err) {
      this.#o.log.error({ err: (err as Error).message }, 'notifications: cannot read the outbox; trying again');
    } finally {
      this.#ticking = false;
    }
    if (this.#stopped) return;
    // A full batch means more may be due at once.
    if (leased >= this.#o.batch || this.#again) {
      this.#again = false;
      this.#schedule(0);
    } else this.#schedule(this.#o.pollIntervalMs);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.tick();
    }, ms);
  }

  #track(p: Promise<void>): Promise<void> {
    this.#inFlight.add(p);
    return p.finally(() => this.#inFlight.delete(p));
  }

  /** Rows whose message can no longer be made (their audit event is gone, or does not parse): dead letters at once. */
  async #buryOrphans(rows: readonly OutboxRow[], nowMs: number): Promise<void> {
    await this.#o.outbox.bury(this.#o.owner, rows.map((r) => r.seq), nowMs, 'its message cannot be made: the audit event it refers to is not stored any more, or the row does not parse', this.#o.deadLetterCap);
    for (const r of rows) {
      this.#o.onOutcome?.(r.sink, r.route, 'dead', 1);
      this.#o.log.warn({ sink: r.sink, route: r.route, id: r.id }, 'notification without its event; kept as a dead letter');
    }
  }

  async #deliver(d: Delivery, rows: readonly OutboxRow[]): Promise<void> {
    const { outbox, owner, clock } = this.#o;
    const seqs = rows.map((r) => r.seq);
    const slot = this.#slot(d.sink);
    if (slot === undefined) {
      await outbox.bury(owner, seqs, clock.nowMs(), `the sink '${d.sink}' is not in NOTIFY_CONFIG any more`, this.#o.deadLetterCap);
      this.#count(d, 'dead', rows.length);
      return;
    }
    const route = this.#o.config().routes.find((r) => r.name === d.route);
    if (route?.rateLimit !== undefined) {
      const next = this.#caps.take(d.route, route.rateLimit, clock.nowMs());
      if (next !== undefined) {
        await outbox.release(owner, seqs, next, null, true);
        return;
      }
    }
    await this.#acquire(slot);
    let outcome: Outcome;
    try {
      outcome = await slot.sink.deliver(d);
    } catch (err) {
      outcome = { ok: false, retry: true, error: (err as Error).message };
    } finally {
      this.#releaseSlot(slot);
    }
    const act = this.#act(d.sink);
    const nowMs = clock.nowMs();
    if (outcome.ok) {
      for (const seq of seqs) this.#delivered.push(seq);
      act.delivered += rows.length;
      act.lastDeliveredMs = nowMs;
      this.#count(d, 'delivered', rows.length);
      return;
    }
    act.failed += rows.length;
    act.lastError = { message: outcome.error, atMs: nowMs };
    this.#count(d, 'failed', rows.length);
    const attempts = Math.max(...rows.map((r) => r.attempts));
    if (!outcome.retry || attempts >= slot.cfg.maxAttempts) {
      const why = outcome.retry ? `${outcome.error} (after ${attempts} attempts)` : outcome.error;
      await outbox.bury(owner, seqs, nowMs, why, this.#o.deadLetterCap);
      this.#count(d, 'dead', rows.length);
      this.#o.log.warn({ sink: d.sink, route: d.route, id: d.id, error: why }, 'notification could not be delivered; kept as a dead letter');
      return;
    }
    const delay = Math.max(backoffDelay(attempts - 1, this.#o.backoff, this.#o.random), outcome.retryAfterMs ?? 0);
    await outbox.release(owner, seqs, nowMs + delay, outcome.error, false);
    this.#count(d, 'retried', rows.length);
  }

  #count(d: Delivery, outcome: DeliveryOutcome, n: number): void {
    this.#o.onOutcome?.(d.sink, d.route, outcome, n);
  }

  #act(sink: string): SinkActivity {
    let a = this.#activity.get(sink);
    if (a === undefined) {
      a = { delivered: 0, failed: 0, inFlight: 0, lastError: null, lastDeliveredMs: null };
      this.#activity.set(sink, a);
    }
    return a;
  }

  /** The sink of a name in the configuration in force; sinks are remade when the file changes. */
  #slot(name: string): SinkSlot | undefined {
    const config = this.#o.config();
    if (this.#slotsFor !== config) {
      // In-flight attempts keep their old sink object; it is closed when they are done (agents let go of idle sockets).
      for (const s of this.#slots.values()) if (s.inFlight === 0) s.sink.close();
      this.#slots.clear();
      this.#slotsFor = config;
    }
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      const cfg = config.sinks.find((s) => s.name === name);
      if (cfg === undefined) return undefined;
      slot = { cfg, sink: this.#o.makeSink(cfg), inFlight: 0, waiting: [] };
      this.#slots.set(name, slot);
    }
    return slot;
  }

  #acquire(slot: SinkSlot): Promise<void> {
    this.#act(slot.cfg.name).inFlight++;
    if (slot.inFlight < slot.cfg.concurrency) {
      slot.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => slot.waiting.push(resolve));
  }

  #releaseSlot(slot: SinkSlot): void {
    this.#act(slot.cfg.name).inFlight--;
    const next = slot.waiting.shift();
    if (next !== undefined) next();
    else slot.inFlight--;
  }
}

/**
 * Joins leased rows into deliveries: the rows of one route, sink and group key are one message
 * list. Rows without a message (`orphans`) are set apart.
 */
export function groupRows(rows: readonly OutboxRow[]): { deliveries: { delivery: Delivery; rows: OutboxRow[] }[]; orphans: OutboxRow[] } {
  const byKey = new Map<string, { rows: OutboxRow[]; messages: NotifyMessage[] }>();
  const orphans: OutboxRow[] = [];
  for (const r of rows) {
    if (r.message === undefined) {
      orphans.push(r);
      continue;
    }
    const key = r.groupKey === '' ? `id\u0000${r.id}` : `g\u0000${r.route}\u0000${r.sink}\u0000${r.groupKey}`;
    let g = byKey.get(key);
    if (g === undefined) {
      g = { rows: [], messages: [] };
      byKey.set(key, g);
    }
    g.rows.push(r);
    g.messages.push(r.message);
  }
  const deliveries = [...byKey.values()].map(({ rows: list, messages }) => {
    const first = list[0] as OutboxRow;
    const id = list.length === 1 ? (messages[0] as NotifyMessage).id : `group-${shortHash(list.map((r) => r.id).join(','))}`;
    return { delivery: { id, route: first.route, sink: first.sink, messages }, rows: list };
  });
  return { deliveries, orphans };
}
