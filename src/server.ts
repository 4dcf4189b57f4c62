import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import { readFileSync } from 'node:fs';
import type { AuditWatchers } from './audit/audit-watchers.js';
import { auditFeature, type AuditFeature } from './audit/audit-feature.js';
import { readBuildInfo, type BuildInfo } from './build-info.js';
import { bugReportFeature } from './bugreport/bugreport-feature.js';
import { systemClock, type Clock } from './clock.js';
import { cloudEyeFeature } from './cloud-eye/cloud-eye-feature.js';
import { ConfigError, type Config } from './config.js';
import { PriceSheetError } from './cost/errors.js';
import { DEFAULT_PRICE_SHEET, loadPriceSheet, type PriceSheet } from './cost/price-sheet.js';
import { etlFeature, type EtlParts } from './etl/etl-feature.js';
import { EventBus } from './events/bus.js';
import type { Topics } from './events/topics.js';
import type { Feature, FeatureContext } from './feature.js';
import { httpFeature, type HttpFeature } from './http/http-feature.js';
import type { LazyCompilers } from './http/lazy-compilers.js';
import { clusterFeature, type UsableConnection } from './kube/cluster-feature.js';
import { loadClusterConnection } from './kube/kubeconfig.js';
import { Lifecycle } from './lifecycle.js';
import { LogTail } from './logging/log-tail.js';
import { rootLogger } from './logging/root-logger.js';
import type { LineSink } from './logging/tap-log.js';
import type { LoopTuning } from './kube/watch-types.js';
import { createMetrics } from './metrics/metrics.js';
import { metricsFeature } from './metrics/metrics-feature.js';
import type { Notifications } from './notify/notifications.js';
import { notifyFeature } from './notify/notify-feature.js';
import { predictFeature } from './predict/predict-feature.js';
import { Readiness } from './readiness.js';
import { recordingFeature } from './storage/recording-feature.js';
import type { Storage } from './storage/storage.js';
import { storageFeature } from './storage/storage-feature.js';
import { uiFeature } from './ui-server/ui-feature.js';

export type { EtlParts } from './etl/etl-feature.js';

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
  /** Where the routes' serializers and validators wait to be compiled (lazy-compilers.ts); a test passes its own to compile them all. */
  readonly compilers?: LazyCompilers;
}

/**
 * The composition root: makes the logger, the bus and the readiness report, then starts every
 * feature in order (storage first, the listener last). On a failed start, or at `close()`, the
 * features started are stopped in reverse, once. Nothing else creates long-lived objects or timers.
 */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<ServerHandle> {
  const clock = options.clock ?? systemClock();
  const startedAtNs = clock.nowNs();
  // The last warnings and errors, for the bug report: the log's output is tapped into it.
  const logs = new LogTail();
  const { log, enabled } = rootLogger(options.logger, options.logDestination ?? process.stdout, logs);
  const sheet = loadSheet(config.pricingConfig);
  const connection = await clusterConnection(config, options);
  const bus = new EventBus<Topics>((topic, err) => log.error({ err, topic }, 'event subscriber failed'));
  const ctx: FeatureContext = { config, clock, log, bus, build: options.build ?? readBuildInfo() };
  const readiness = new Readiness();
  const lifecycle = new Lifecycle(readiness, log);
  let started: Started;
  try {
    started = await startFeatures(ctx, { options, sheet, connection, readiness, lifecycle, logs, startedAtNs, logger: enabled });
  } catch (err) {
    await lifecycle.stop().catch(() => undefined);
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= lifecycle.stop().then(() => log.info('shutdown complete')));
  const { http, storage, etl, watchers, notifications } = started;
  const parts = { ...(watchers && { watchers }), ...(etl && { etl }), ...(notifications && { notifications }) };
  return { app: http.server, bus, url: http.url(), close, storage, ...parts };
}

/** What the root made before the features, for them. */
interface Made {
  readonly options: ServerOptions;
  readonly sheet: PriceSheet;
  readonly connection: UsableConnection;
  readonly readiness: Readiness;
  readonly lifecycle: Lifecycle;
  readonly logs: LogTail;
  readonly startedAtNs: bigint;
  /** Whether the app logs (a logger setting was given). */
  readonly logger: boolean;
}

/** The started features the handle exposes. */
interface Started {
  readonly http: HttpFeature;
  readonly storage: Storage;
  readonly etl: EtlParts | undefined;
  readonly watchers: AuditWatchers | undefined;
  readonly notifications: Notifications | undefined;
}

/** Starts every feature in order, each given what the ones before it made; the listener last. */
async function startFeatures(ctx: FeatureContext, made: Made): Promise<Started> {
  const { options, sheet, connection, readiness, lifecycle: features } = made;
  const kubeConfig = connection.source === 'none' ? undefined : connection.kubeConfig;
  // The registry is this server's own: two servers in one process (tests) never share counters.
  const metrics = createMetrics({ defaultMetrics: true });
  await features.start(uiFeature(ctx, options.uiDir));
  const { storage } = await features.start(await storageFeature(ctx));
  const env = options.env ?? process.env;
  const { notifications } = await features.start(notifyFeature(ctx, { storage, metrics, env, kubeConfig }));
  await features.start(recordingFeature(ctx, storage, notifications?.hook));
  await features.start(cloudEyeFeature(ctx, storage));
  // The shared informers stop after every consumer of them: this feature starts before them.
  const kube = await features.start(clusterFeature(ctx, connection, options.watchTuning));
  const cluster = kubeConfig === undefined || kube.informers === undefined ? undefined : { kubeConfig, informers: kube.informers };
  const predict = await features.start(predictFeature(ctx, sheet, cluster));
  const { predictor, requests: overflowPredictor } = predict;
  const audit = await auditFeature(ctx, { storage, sheet, cluster, predictor, overflowPredictor });
  const etl = etlFeature(ctx, { storage, sheet, cluster, settleMs: options.etlSettleMs ?? 10_000 });
  await startEtlAndAudit(features, etl, audit, cluster !== undefined);
  await features.start(kube.watching);
  const watches = () => [...audit.watches(), ...etl.watches()];
  await features.start(metricsFeature(ctx, { metrics, storage, readiness, watches, etl }));
  const state = () => etl.state();
  const logs = made.logs;
  const startedAtNs = made.startedAtNs;
  await features.start(bugReportFeature(ctx, { startedAtNs, readiness, storage, metrics, logs, kubeConfig, notifications, watches, etl: state }));
  const deps = { ...features.app(), events: storage.events, readiness, ...(options.compilers !== undefined && { compilers: options.compilers }), openapi: { version: ctx.build.version, ui: ctx.config.docsEnabled }, corsOrigins: ctx.config.corsAllowedOrigins };
  const loggerInstance = made.logger ? ctx.log : undefined;
  const http = await features.start(httpFeature(ctx, { deps, loggerInstance, plugins: options.plugins ?? [] }));
  return { http, storage, etl: etl.parts, watchers: audit.watchers, notifications };
}

/**
 * The audit and the ETL are both made (the audit first, so its kinds' watches open first) before
 * either starts. With a cluster /readyz lists the ETL first; without one neither starts anything,
 * and /readyz has always listed the audit first.
 */
async function startEtlAndAudit(features: Lifecycle, etl: Feature, audit: AuditFeature, cluster: boolean): Promise<void> {
  if (cluster) await features.start(etl);
  await features.start(audit);
  if (!cluster) await features.start(etl);
}

async function clusterConnection(config: Config, options: ServerOptions): Promise<UsableConnection> {
  const connection = await loadClusterConnection({
    env: { ...(options.env ?? process.env), KUBECONFIG: config.kubeconfig },
    ...(options.serviceAccountDir !== undefined && { serviceAccountDir: options.serviceAccountDir }),
  });
  if (connection.source === 'invalid') {
    throw new ConfigError('KUBECONFIG', config.kubeconfig ?? '', `a usable kubeconfig (${connection.reason})`);
  }
  return connection;
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
