import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock, TimerHandle } from '../clock.js';
import { ReloadingFile, type ReloadLogger, type ReloadTiming } from '../reloading-file.js';
import type { StoreWriter } from '../storage/store-writer.js';
import type { NotifyHook } from '../storage/subscribe-writer.js';
import type { Sink } from './delivery.js';
import { httpSink } from './http-sink.js';
import { kubeEventsSink } from './kube-events-sink.js';
import { maskUrl, parseNotifyConfig, type NotifyConfig } from './notify-config.js';
import { NotifyRouter } from './notify-router.js';
import { Notifier, type DeliveryOutcome, type NotifierLogger } from './notifier.js';
import type { OutboxStore } from './outbox.js';
import type { NotifyStatus } from './status-schema.js';

/** What notifications need from the server. */
export interface NotificationsOptions {
  /** `NOTIFY_CONFIG`. */
  readonly path: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly cluster: string;
  readonly resolutionMs: number;
  readonly outbox: OutboxStore;
  readonly writer: StoreWriter;
  readonly log: NotifierLogger & ReloadLogger;
  readonly kubeConfig?: KubeConfig;
  /** `NOTIFY_LEASE`: how long a replica holds the rows it is delivering. */
  readonly leaseMs: number;
  /** Counts each attempt's end (the metrics). */
  readonly onOutcome?: (sink: string, route: string, outcome: DeliveryOutcome, n: number) => void;
  readonly reload?: ReloadTiming;
  /** Sinks for tests; default HTTP and Kubernetes Events. */
  readonly makeSink?: (cfg: NotifyConfig['sinks'][number]) => Sink;
  readonly random?: () => number;
}

/** Dead letters and routes the status shows at most. */
const STATUS_DEAD_LETTERS = 20;

/**
 * The notifications feature: the reloading `NOTIFY_CONFIG`, the router that turns events into
 * outbox rows inside the storage writer's transaction, the notifier that delivers the outbox, the
 * stalled-ETL check, metrics, status and the test route. Opened at start (a file that does not
 * parse throws) and closed by the server.
 */
export class Notifications {
  readonly #file: ReloadingFile<NotifyConfig>;
  readonly router: NotifyRouter;
  readonly notifier: Notifier;
  #stalledTimer: TimerHandle | undefined;
  #stopped = false;

  private constructor(
    private readonly o: NotificationsOptions,
    file: ReloadingFile<NotifyConfig>,
  ) {
    this.#file = file;
    const config = () => this.#file.value;
    this.router = new NotifyRouter({ clock: o.clock, cluster: o.cluster, resolutionMs: o.resolutionMs, config });
    const instance = hostname();
    const onOutcome = o.onOutcome;
    this.notifier = new Notifier({
      outbox: o.outbox,
      clock: o.clock,
      config,
      owner: `${instance}/${process.pid}/${randomBytes(4).toString('hex')}`,
      log: o.log,
      leaseMs: o.leaseMs,
      makeSink: o.makeSink ?? ((cfg) => (cfg.type === 'kubernetes-events' ? kubeEventsSink(cfg, o.kubeConfig, o.clock, `cost-events-${instance}`) : httpSink(cfg, o.clock))),
      ...(onOutcome !== undefined && { onOutcome }),
      ...(o.random !== undefined && { random: o.random }),
    });
  }

  /** Reads the file; throws NotifyConfigError (or the read's error) saying why it cannot be used. */
  static open(o: NotificationsOptions): Notifications {
    const file = ReloadingFile.open<NotifyConfig>({
      path: o.path,
      clock: o.clock,
      log: o.log,
      setting: 'NOTIFY_CONFIG',
      holds: 'rules',
      parse: (text) => parseNotifyConfig(text, o.env),
      describe: (c) => ({ sinks: c.sinks.length, routes: c.routes.length }),
      ...o.reload,
    });
    return new Notifications(o, file);
  }

  /** The configuration in force. */
  get config(): NotifyConfig {
    return this.#file.value;
  }

  /** Every secret the file resolved (URLs, HMAC secrets), for the bug report's scrubbing. */
  secrets(): readonly string[] {
    return this.#file.value.secrets;
  }

  /** What the storage writer asks for each event: the outbox rows to commit with it. */
  readonly hook: NotifyHook = {
    audit: (change) => this.#kicking(this.router.auditNotices(change)),
    etl: (event) => this.#kicking(this.router.etlRecords(event)),
  };

  /** Starts reloading, delivering and checking for a stalled ETL. */
  start(): void {
    this.#file.start();
    this.notifier.start();
    this.#scheduleStalled();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#file.stop();
    if (this.#stalledTimer !== undefined) this.o.clock.clearTimeout(this.#stalledTimer);
    await this.notifier.stop();
  }

  /** Sends a sample through `route`: false when no route has that name. */
  test(route: string): boolean {
    const records = this.router.testRecords(route);
    if (records === undefined) return false;
    this.o.writer.submit(records);
    this.notifier.kick();
    return true;
  }

  /** `/model/notify/status`: routes, sinks (URLs masked), the outbox, recent dead letters. */
  async status(): Promise<NotifyStatus> {
    const config = this.#file.value;
    const [stats, dead] = await Promise.all([this.o.outbox.stats(), this.o.outbox.deadLetters(STATUS_DEAD_LETTERS)]);
    const nowMs = this.o.clock.nowMs();
    const activity = this.notifier.activity();
    const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
    return {
      routes: config.routes.map((r) => ({
        name: r.name,
        match: { ...r.match },
        sinks: [...r.sinks],
        groupSeconds: r.groupMs / 1000,
        rateLimit: r.rateLimit === undefined ? null : { count: r.rateLimit.count, perSeconds: r.rateLimit.perMs / 1000 },
      })),
      sinks: config.sinks.map((s) => {
        const a = activity.get(s.name);
        return {
          name: s.name,
          type: s.type,
          url: maskUrl(s.url) ?? null,
          signed: s.hmacSecret !== undefined,
          headers: Object.keys(s.headers),
          concurrency: s.concurrency,
          maxAttempts: s.maxAttempts,
          timeoutSeconds: s.timeoutMs / 1000,
          delivered: a?.delivered ?? 0,
          failed: a?.failed ?? 0,
          inFlight: a?.inFlight ?? 0,
          lastDelivered: iso(a?.lastDeliveredMs),
          lastError: a?.lastError ? { message: scrubAll(a.lastError.message, config.secrets), time: iso(a.lastError.atMs) as string } : null,
        };
      }),
      outbox: {
        pending: stats.pending,
        oldestPendingSeconds: stats.oldestCreatedMs === null ? null : Math.max(0, (nowMs - stats.oldestCreatedMs) / 1000),
        deadLetters: stats.dead,
      },
      deadLetters: dead.map((d) => ({
        id: d.id,
        route: d.route,
        sink: d.sink,
        attempts: d.attempts,
        created: iso(d.createdMs) as string,
        died: iso(d.deadMs) as string,
        error: scrubAll(d.lastError ?? '', config.secrets),
        summary: d.message?.summary ?? '',
      })),
    };
  }

  #kicking<T>(records: T[]): T[] {
    // The rows are committed with the event by the writer; the notifier looks once they may be.
    if (records.length > 0) this.notifier.kick();
    return records;
  }

  #scheduleStalled(): void {
    if (this.#stopped) return;
    const every = Math.min(this.o.resolutionMs, 60_000);
    this.#stalledTimer = this.o.clock.setTimeout(() => {
      this.#stalledTimer = undefined;
      const records = this.router.stalledRecords();
      if (records.length > 0) {
        this.o.writer.submit(records);
        this.notifier.kick();
      }
      this.#scheduleStalled();
    }, every);
  }
}

/** Takes secrets out of a text shown to users. */
export function scrubAll(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.replaceAll(s, '***');
  return out;
}
