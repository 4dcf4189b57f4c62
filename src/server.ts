import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';
import { readBuildInfo, type BuildInfo } from './build-info.js';
import { systemClock, type Clock } from './clock.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadStaticFiles } from './ui-server/static-files.js';
import { AuditWatchers } from './audit/audit-watchers.js';
import { CloudEyeEvents } from './cloud-eye/cloud-eye-events.js';
import { ReloadingTokenFile, type TokenFileLogger } from './cloud-eye/token-file.js';
import { TokenFileError } from './cloud-eye/token-grants.js';
import { ConfigError, redactedConfig, type Config } from './config.js';
import { PriceSheetError } from './cost/errors.js';
import { createKubecostPredictor } from './cost/kubecost-predictor.js';
import { DEFAULT_PRICE_SHEET, loadPriceSheet, type PriceSheet } from './cost/price-sheet.js';
import { createRequestsPredictor } from './cost/requests-predictor.js';
import type { LazySerializers } from './http/lazy-serializers.js';
import { loadClusterConnection } from './kube/kubeconfig.js';
import { InformerRegistry } from './kube/informer-registry.js';
import { watchNodeCount, type WatchedNodeCount } from './kube/node-counter.js';
import type { ConsumerWatchStatus, LoopTuning } from './kube/watch-types.js';
import type { EtlState } from './etl/etl-state.js';
import { BillingExport } from './etl/billing-export.js';
import { ClusterCache } from './etl/cluster-cache.js';
import { EtlPublisher } from './etl/etl-publisher.js';
import { EtlPipeline } from './etl/pipeline.js';
import { EtlRepairs } from './etl/repair.js';
import { EtlStatusReader } from './etl/etl-status.js';
import { SetQueries } from './etl/set-queries.js';
import { RealizedCosts } from './audit/realized-costs.js';
import { SetRepository } from './etl/set-repository.js';
import { kubeLiveWorkloads } from './predict/kube-live-workloads.js';
import { noCluster } from './predict/live-workloads.js';
import { EventBus } from './events/bus.js';
import type { Topics } from './events/topics.js';
import { createMetrics } from './metrics/metrics.js';
import { registerStateMetrics } from './metrics/state-metrics.js';
import { registerEtlDataMetrics } from './metrics/etl-data-metrics.js';
import { subscribeMetrics } from './metrics/subscribe-metrics.js';
import { metricsSnapshot } from './metrics/snapshot.js';
import { BUG_REPORT_GAPS } from './bugreport/bug-report.js';
import { collectSecrets } from './bugreport/secrets.js';
import { settingsByVariable } from './bugreport/settings.js';
import { LogTail } from './logging/log-tail.js';
import { tapLog, type LineSink } from './logging/tap-log.js';
import { Readiness } from './readiness.js';
import { Notifications } from './notify/notifications.js';
import { registerNotifyMetrics } from './notify/notify-metrics.js';
import { NotifyConfigError } from './notify/notify-config.js';
import type { NotifierLogger } from './notify/notifier.js';
import { openStorage, type Storage } from './storage/storage.js';
import type { StorageLogger } from './storage/store-writer.js';

/** A running server: its app, the address it listens on, and how to stop it gracefully. */
export interface ServerHandle {
  readonly app: FastifyInstance;
  readonly bus: EventBus<Topics>;
  /** `http://host:port` of the listener. */
  readonly url: string;
  /** The audit watchers, when the audit is enabled and a cluster found. */
  readonly watchers?: AuditWatchers;
  /** The ETL pipeline, the cluster cache it reads and its repairs, when a cluster was found. */
  readonly etl?: EtlParts;
  /** Where events are stored, and the writer that hands them over (tests wait on `storage.writer.idle()`). */
  readonly storage: Storage;
  /** Notifications, when `NOTIFY_CONFIG` is set. */
  readonly notifications?: Notifications;
  /** Stops accepting, lets in-flight requests finish (bounded), stops producers, flushes stores. */
  close(): Promise<void>;
}

/** This server's ETL: the cluster cache, the pipeline reading it, and the repairs of its sets. */
export interface EtlParts {
  readonly cache: ClusterCache;
  readonly pipeline: EtlPipeline;
  readonly repairs: EtlRepairs;
}

/** What the composition root can be given instead of the real thing (tests pass a manual clock). */
export interface ServerOptions {
  readonly clock?: Clock;
  /** Environment for in-cluster detection (`KUBERNETES_SERVICE_HOST`); default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the in-cluster service account lives; tests point it elsewhere. */
  readonly serviceAccountDir?: string;
  /** Watch-loop tuning, for tests. */
  readonly watchTuning?: LoopTuning;
  /** How long after a window closes the ETL builds it; default 10 s (tests use 0). */
  readonly etlSettleMs?: number;
  readonly logger?: FastifyServerOptions['logger'];
  /** Which build runs; default what `npm run build` recorded beside the code (tests pin it). */
  readonly build?: BuildInfo;
  /** Where log lines go when there is a logger; default process.stdout (tests collect them). */
  readonly logDestination?: LineSink;
  /** Where the built web page is; default `ui/` beside the compiled server (`dist/ui/`). */
  readonly uiDir?: string;
  /** Extra plugins registered before listening, for embedding and for tests. */
  readonly plugins?: readonly FastifyPluginAsync[];
  /** Where the response serializers wait to be compiled (lazy-serializers.ts); a test passes its own to compile them all. */
  readonly serializers?: LazySerializers;
}

/**
 * The composition root: creates every part from the settings, wires producers to stores through
 * the bus, and starts listening. Nothing else creates long-lived objects or timers.
 */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<ServerHandle> {
  const clock = options.clock ?? systemClock();
  const sheet = loadSheet(config.pricingConfig);
  const connection = await loadClusterConnection({
    env: { ...(options.env ?? process.env), KUBECONFIG: config.kubeconfig },
    ...(options.serviceAccountDir !== undefined && { serviceAccountDir: options.serviceAccountDir }),
  });
  if (connection.source === 'invalid') {
    throw new ConfigError('KUBECONFIG', config.kubeconfig ?? '', `a usable kubeconfig (${connection.reason})`);
  }
  const readiness = new Readiness();
  // The app's logger exists only once the app does; storage logs through it from then on.
  let storageLogTarget: StorageLogger | undefined;
  const storageLog: StorageLogger = {
    info: (o, m) => storageLogTarget?.info(o, m),
    warn: (o, m) => storageLogTarget?.warn(o, m),
    error: (o, m) => storageLogTarget?.error(o, m),
  };
  const storage = await openStorage(
    {
      url: config.storageUrl,
      limits: {
        etlLogCapacity: config.etlLogCapacity,
        auditCapacity: config.auditCapacity,
        customEventCapacity: config.customEventCapacity,
        customEventRetentionMs: config.customEventRetentionMs,
      },
      queueCapacity: config.storageQueueCapacity,
      pruneIntervalMs: config.storagePruneIntervalMs,
      cluster: config.clusterId,
    },
    clock,
    storageLog,
  );
  try {
    return await compose(config, options, { clock, sheet, connection, readiness, storage, setStorageLog: (l) => (storageLogTarget = l) });
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** Everything made before the store opened, handed to the rest of the composition. */
interface Made {
  readonly clock: Clock;
  readonly sheet: PriceSheet;
  readonly connection: Exclude<Awaited<ReturnType<typeof loadClusterConnection>>, { source: 'invalid' }>;
  readonly readiness: Readiness;
  readonly storage: Storage;
  readonly setStorageLog: (log: StorageLogger) => void;
}

/** The rest of the composition, once storage is open (which the caller closes should this throw). */
async function compose(config: Config, options: ServerOptions, made: Made): Promise<ServerHandle> {
  const { clock, sheet, connection, readiness, storage } = made;
  // One predictor for the audit and the Predict API, so a prediction and the audit event agree.
  const requests = createRequestsPredictor(sheet);
  const predictor =
    config.costPredictor === 'kubecost' && config.kubecostUrl !== undefined
      ? createKubecostPredictor({ baseUrl: config.kubecostUrl, clusterId: config.clusterId, sheet, timeoutMs: config.kubecostTimeoutMs })
      : requests;
  // Predict counts nodes through the shared Node informer, subscribed below with the other consumers.
  let predictNodes: WatchedNodeCount | undefined;
  const live = connection.source === 'none' ? noCluster() : kubeLiveWorkloads({ kubeConfig: connection.kubeConfig, clock, nodes: () => predictNodes?.current() });
  const predict = { clusterId: config.clusterId, predictor, live };
  // Read now, so a token file that does not parse stops the start (exit 2); reloaded on change later.
  const cesLog: { target?: TokenFileLogger } = {};
  const tokens =
    config.cesTokensFile === undefined
      ? undefined
      : openTokenFile(config.cesTokensFile, clock, { info: (o, m) => cesLog.target?.info(o, m), warn: (o, m) => cesLog.target?.warn(o, m) });
  const cloudEye = {
    events: new CloudEyeEvents({
      catalogue: storage.catalogue,
      clock,
      clusterId: config.clusterId,
      retentionMs: config.customEventRetentionMs,
      publish: (reported) => bus.publish('customEvents', reported),
    }),
    ...(tokens !== undefined && { access: tokens }),
    rateLimit: { max: config.cesRateLimit, windowMs: config.cesRateLimitWindowMs },
  };
  // ETL steps, the pipeline's and the queries', go to the bus like every event.
  const etlPublisher = new EtlPublisher({ cluster: config.clusterId, clock, publish: (e) => bus.publish('etl', e) });
  const setQueries = new SetQueries({ repository: new SetRepository(storage.sets), resolutionMs: config.etlResolutionMs, publisher: etlPublisher });
  const settleMs = options.etlSettleMs ?? 10_000;
  const etlStatus = new EtlStatusReader({
    cluster: config.clusterId,
    clock,
    resolutionMs: config.etlResolutionMs,
    hourlyRetentionMs: config.etlHourlyRetentionMs,
    dailyRetentionMs: config.etlDailyRetentionMs,
    settleMs,
    sets: storage.sets,
    repairs: storage.repairs,
    local: () => etl,
  });
  const build = options.build ?? readBuildInfo();
  const startedAtNs = clock.nowNs();
  // The last warnings and errors, for the bug report: the log's output is tapped into it.
  const logTail = new LogTail();
  // The registry is this server's own: two servers in one process (tests) never share counters.
  const metrics = createMetrics({ defaultMetrics: true });
  const uiDir = options.uiDir ?? fileURLToPath(new URL('./ui/', import.meta.url));
  const uiFiles = config.uiEnabled ? loadStaticFiles(uiDir) : undefined;
  // Read now, so a notifications file that does not parse stops the start (exit 2); reloaded on change later.
  const notifyLog: { target?: NotifierLogger } = {};
  // Registered with notifications off too (the outbox is empty then), so alerts and dashboards always find them.
  const notifyOutcome = registerNotifyMetrics(metrics.registry, () => storage.outbox.stats(), () => clock.nowMs());
  const notifications =
    config.notifyConfig === undefined
      ? undefined
      : openNotifications(config.notifyConfig, {
          env: options.env ?? process.env,
          clock,
          cluster: config.clusterId,
          resolutionMs: config.etlResolutionMs,
          outbox: storage.outbox,
          writer: storage.writer,
          leaseMs: config.notifyLeaseMs,
          onOutcome: notifyOutcome,
          ...(connection.source !== 'none' && { kubeConfig: connection.kubeConfig }),
          log: {
            info: (o, m) => notifyLog.target?.info(o, m),
            warn: (o, m) => notifyLog.target?.warn(o, m),
            error: (o, m) => notifyLog.target?.error(o, m),
          },
        });
  const app = buildApp({
    clock,
    ...(options.serializers !== undefined && { serializers: options.serializers }),
    events: storage.events,
    readiness,
    predict,
    cloudEye,
    metrics,
    openapi: { version: build.version, ui: config.docsEnabled },
    sets: { sets: setQueries, resolutionMs: config.etlResolutionMs },
    etlStatus: { status: etlStatus, repairs: () => etl?.repairs },
    auditEnabled: config.auditEnabled,
    gaps: storage.gaps,
    realized: new RealizedCosts({ sets: storage.sets, resolutionMs: config.etlResolutionMs, hoursPerMonth: sheet.hoursPerMonth }),
    ...(config.uiEnabled && {
      ui: {
        files: uiFiles,
        build,
        clusterId: config.clusterId,
        docs: config.docsEnabled,
        audit: config.auditEnabled,
        etlResolutionMs: config.etlResolutionMs,
      },
    }),
    corsOrigins: config.corsAllowedOrigins,
    ...(notifications !== undefined && {
      notify: {
        status: () => notifications.status(),
        test: (route: string) => notifications.test(route),
        routeNames: () => notifications.config.routes.map((r) => r.name),
      },
    }),
    bugReport: {
      clock,
      build,
      startedAtNs,
      settings: settingsByVariable(config),
      readiness,
      watchers: () => watchStatuses(),
      storage: () => ({ backend: storage.backend, location: storage.location, ...storage.writer.stats() }),
      etl: () => etlState(),
      events: storage.events,
      auditEnabled: config.auditEnabled,
      auditGaps: () => storage.gaps.queryGaps({ clusters: new Set([config.clusterId]), count: BUG_REPORT_GAPS }),
      metrics: () => metricsSnapshot(metrics.registry),
      logs: logTail,
      // The kubeconfig's credentials are not settings, yet must not leak through an error message either.
      secrets: collectSecrets(config, connection.source === 'none' ? undefined : connection.kubeConfig),
      ...(notifications !== undefined && { notifications: { status: () => notifications.status(), secrets: () => notifications.secrets() } }),
    },
    logger: tappedLogger(options, logTail),
  });
  made.setStorageLog(app.log.child({ component: 'storage' }));
  if (config.uiEnabled && uiFiles === undefined) app.log.warn({ dir: uiDir }, 'UI_ENABLED but the web page is not built (run npm run build); /ui/ answers 404 saying so');
  app.log.info({ backend: storage.backend, store: storage.location }, 'storage open');
  const bus = new EventBus<Topics>((topic, err) => app.log.error({ err, topic }, 'event subscriber failed'));
  notifyLog.target = app.log.child({ component: 'notify' });
  storage.start(bus, notifications?.hook);
  if (notifications !== undefined) {
    app.log.info({ file: config.notifyConfig, sinks: notifications.config.sinks.length, routes: notifications.config.routes.length }, 'notifications on');
    notifications.start();
  }
  subscribeMetrics(bus, metrics);
  readiness.register({ name: 'storage', status: () => storage.status() });
  cesLog.target = app.log.child({ component: 'cloud-eye' });
  if (tokens === undefined) {
    app.log.warn('Cloud Eye routes are open: CES_TOKENS_FILE is not set, so anyone who reaches the server can read and report events');
  } else {
    app.log.info({ file: config.cesTokensFile, tokens: tokens.grants.size }, 'Cloud Eye routes require a token granted by CES_TOKENS_FILE');
    tokens.start();
    app.addHook('onClose', async () => tokens.stop());
  }

  let watchers: AuditWatchers | undefined;
  let etl: EtlParts | undefined;
  // One list-watch per kind, shared by the ETL cache, the audit and Predict; started once all have subscribed.
  let informers: InformerRegistry | undefined;
  // Every watch loop with whose it is: the audit and the ETL may watch the same kind.
  const watchStatuses = (): ConsumerWatchStatus[] => [
    ...(watchers?.statuses() ?? []).map((w) => ({ consumer: 'audit' as const, ...w })),
    ...(etl?.cache.statuses() ?? []).map((w) => ({ consumer: 'etl' as const, ...w })),
  ];
  // What the ETL did last and holds, for metrics and the bug report; undefined without a cluster.
  const etlState = (): EtlState | undefined => etl && { pipeline: etl.pipeline.state(), cache: etl.cache.stats() };
  if (connection.source === 'none') {
    app.log.warn({ reason: connection.reason }, 'no Kubernetes cluster: running without watchers');
    readiness.register({
      name: 'kubernetes',
      // Nothing needs the cluster unless the audit is on; with it on, an audit without a cluster is not ready.
      status: () => ({ ready: !config.auditEnabled, state: 'no cluster', detail: connection.reason }),
    });
  } else {
    app.log.info({ source: connection.source, server: connection.server }, 'Kubernetes cluster found');
    // The ETL runs whenever there is a cluster, audit or not.
    const etlLog = app.log.child({ component: 'etl' });
    informers = new InformerRegistry({ kubeConfig: connection.kubeConfig, clock, log: app.log.child({ component: 'kube' }), ...(options.watchTuning && { tuning: options.watchTuning }) });
    predictNodes = watchNodeCount(informers, 'predict');
    predictNodes.subscription.start();
    if (config.auditEnabled) {
      // What the previous run remembered: the first list is diffed against it (changes made while down).
      const prior = await storage.workloads.loadWorkloads(config.clusterId);
      // Subscribed before the ETL cache, so the audited kinds' watches open first, in the audit's order.
      watchers = new AuditWatchers({
        informers,
        kubeConfig: connection.kubeConfig,
        resourceTypes: config.auditResourceTypes,
        cluster: config.clusterId,
        clock,
        predictor,
        overflowPredictor: requests,
        publish: (o) => ('change' in o ? bus.publish('audit', o.change) : 'gap' in o ? bus.publish('auditGaps', o.gap) : bus.publish('workloads', o.state)),
        log: app.log.child({ component: 'audit' }),
        prior,
        recordImageChanges: config.auditRecordImageChanges,
        scaleGroupMs: config.auditScaleGroupMs,
      });
    }
    const cache = new ClusterCache({
      informers,
      kubeConfig: connection.kubeConfig,
      cluster: config.clusterId,
      clock,
      log: etlLog,
    });
    const pipeline = new EtlPipeline({
      cluster: config.clusterId,
      clock,
      resolutionMs: config.etlResolutionMs,
      hourlyRetentionMs: config.etlHourlyRetentionMs,
      dailyRetentionMs: config.etlDailyRetentionMs,
      source: cache,
      sheet,
      repository: new SetRepository(storage.pipelineSets),
      publisher: etlPublisher,
      ...(config.billingExport !== undefined && { billing: new BillingExport({ path: config.billingExport, log: etlLog }) }),
      log: etlLog,
      settleMs,
      repairHorizonMs: config.etlRepairHorizonMs,
    });
    const repairs = new EtlRepairs({
      cluster: config.clusterId,
      clock,
      resolutionMs: config.etlResolutionMs,
      hourlyRetentionMs: config.etlHourlyRetentionMs,
      settleMs,
      pipeline,
      source: cache,
      sheet,
      repository: new SetRepository(storage.pipelineSets),
      publisher: etlPublisher,
      store: storage.repairs,
      log: etlLog,
    });
    // A repair a restart interrupted is marked so (not resumed); storage down here only costs that mark.
    await repairs.init().catch((err: unknown) => etlLog.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read the last ETL repair'));
    etl = { cache, pipeline, repairs };
    readiness.register({ name: 'etl', status: () => cache.readiness() });
    cache.start();
    pipeline.start();
    if (watchers !== undefined) {
      const audit = watchers;
      readiness.register({ name: 'audit', status: () => audit.readiness() });
      audit.start();
    }
    informers.start();
  }
  if (!config.auditEnabled) readiness.register({ name: 'audit', status: () => ({ ready: true, state: 'disabled', detail: 'COST_EVENTS_AUDIT_ENABLED=false' }) });
  if (etl === undefined) {
    readiness.register({ name: 'etl', status: () => ({ ready: true, state: 'no cluster', detail: 'no sets are built without a cluster; stored sets are still served' }) });
  }
  registerStateMetrics(metrics.registry, {
    watchers: watchStatuses,
    storage: () => storage.writer.stats(),
    readiness: () => readiness.report(),
    etl: etlState,
    etlResolutionMs: config.etlResolutionMs,
    build,
  });

  registerEtlDataMetrics(metrics.registry, {
    status: async () => (etl === undefined ? undefined : etlStatus.status(new Set([config.clusterId]))),
    onError: (err) => app.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'ETL data-status metrics: could not read the ETL status'),
  });

  let shuttingDown = false;
  // Responses finished during shutdown close their connection, so keep-alive clients do not
  // hold the server open until their idle timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (shuttingDown) void reply.header('connection', 'close');
  });
  for (const plugin of options.plugins ?? []) void app.register(plugin);
  app.log.info({ settings: redactedConfig(config) }, 'starting cost-events');
  let url: string;
  try {
    url = await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await watchers?.stop();
    await etl?.pipeline.stop();
    await etl?.cache.stop();
    await informers?.stop();
    await notifications?.stop();
    await app.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true;
      // Past the grace period, in-flight requests are cut so shutdown always ends.
      const force = clock.setTimeout(() => {
        app.log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests still running at shutdown timeout; closing their connections');
        app.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      // The listener stops first, before Fastify's close walks every plugin's hooks (a tick or
      // more each): a connection accepted meanwhile would only be reset. Node's close waits for
      // the connections still open; Fastify's own close of the listener then finds it stopped.
      const listenerClosed = new Promise<void>((resolve) => app.server.close(() => resolve()));
      try {
        await app.close();
        await listenerClosed;
      } finally {
        clock.clearTimeout(force);
      }
      // Producers stop after the listener; what they already saw is still priced and stored.
      await watchers?.stop();
      // A build in progress finishes and is saved; no new one starts; a repair running is marked interrupted.
      await etl?.pipeline.stop();
      await etl?.repairs.idle();
      await etl?.cache.stop();
      await informers?.stop();
      // Attempts in flight end (each within its timeout); what is not delivered stays in the outbox.
      await notifications?.stop();
      await storage.close();
      app.log.info('shutdown complete');
    })();
    return closing;
  };
  return { app, bus, url, close, storage, ...(watchers && { watchers }), ...(etl && { etl }), ...(notifications && { notifications }) };
}

function openNotifications(path: string, o: Omit<Parameters<typeof Notifications.open>[0], 'path'>): Notifications {
  try {
    return Notifications.open({ ...o, path });
  } catch (err) {
    if (err instanceof NotifyConfigError || (err as NodeJS.ErrnoException).code !== undefined) {
      throw new ConfigError('NOTIFY_CONFIG', path, `a YAML notifications file (${(err as Error).message})`);
    }
    throw err;
  }
}

function openTokenFile(path: string, clock: Clock, log: TokenFileLogger): ReloadingTokenFile {
  try {
    return ReloadingTokenFile.open({ path, clock, log });
  } catch (err) {
    if (err instanceof TokenFileError || (err as NodeJS.ErrnoException).code !== undefined) {
      throw new ConfigError('CES_TOKENS_FILE', path, `a JSON token file (${(err as Error).message})`);
    }
    throw err;
  }
}

/** Fastify's logger option, its output tapped for the bug report's tail; no logger stays none. */
function tappedLogger(options: ServerOptions, tail: LogTail): FastifyServerOptions['logger'] {
  const logger = options.logger;
  if (logger === undefined || logger === false) return false;
  const pino = logger === true ? {} : logger;
  return { ...pino, ...tapLog(pino.level ?? 'info', options.logDestination ?? process.stdout, tail) };
}

function loadSheet(path: string | undefined): PriceSheet {
  if (path === undefined) return DEFAULT_PRICE_SHEET;
  try {
    return loadPriceSheet(readFileSync(path, 'utf8'), path);
  } catch (err) {
    if (err instanceof PriceSheetError || (err as NodeJS.ErrnoException).code !== undefined) {
      throw new ConfigError('PRICING_CONFIG', path, `a JSON price sheet (${(err as Error).message})`);
    }
    throw err;
  }
}
