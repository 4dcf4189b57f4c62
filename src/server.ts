import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';
import { systemClock, type Clock } from './clock.js';
import { readFileSync } from 'node:fs';
import { AuditStore } from './audit/audit-store.js';
import { AuditWatchers, type LoopTuning } from './audit/audit-watchers.js';
import { ConfigError, redactedConfig, type Config } from './config.js';
import { PriceSheetError } from './cost/errors.js';
import { createKubecostPredictor } from './cost/kubecost-predictor.js';
import { DEFAULT_PRICE_SHEET, loadPriceSheet, type PriceSheet } from './cost/price-sheet.js';
import { createRequestsPredictor } from './cost/requests-predictor.js';
import { loadClusterConnection } from './kube/kubeconfig.js';
import { kubeLiveWorkloads } from './predict/kube-live-workloads.js';
import { noCluster } from './predict/live-workloads.js';
import { EventBus } from './events/bus.js';
import { EtlLog } from './events/etl-log.js';
import type { Topics } from './events/topics.js';
import { Readiness } from './readiness.js';

/** A running server: its app, the address it listens on, and how to stop it gracefully. */
export interface ServerHandle {
  readonly app: FastifyInstance;
  readonly bus: EventBus<Topics>;
  /** `http://host:port` of the listener. */
  readonly url: string;
  /** The audit watchers, when the audit is enabled and a cluster found. */
  readonly watchers?: AuditWatchers;
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
  readonly logger?: FastifyServerOptions['logger'];
  /** Extra plugins registered before listening, for embedding and for tests. */
  readonly plugins?: readonly FastifyPluginAsync[];
}

/**
 * The composition root: creates every part from the settings, wires producers to stores through
 * the bus, and starts listening. Nothing else creates long-lived objects or timers.
 */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<ServerHandle> {
  const clock = options.clock ?? systemClock();
  const sheet = loadSheet(config.pricingConfig);
  const connection = loadClusterConnection({
    env: { ...(options.env ?? process.env), KUBECONFIG: config.kubeconfig },
    ...(options.serviceAccountDir !== undefined && { serviceAccountDir: options.serviceAccountDir }),
  });
  if (connection.source === 'invalid') {
    throw new ConfigError('KUBECONFIG', config.kubeconfig ?? '', `a usable kubeconfig (${connection.reason})`);
  }
  const readiness = new Readiness();
  const etlLog = new EtlLog(config.etlLogCapacity);
  const auditStore = config.auditEnabled ? new AuditStore(config.auditCapacity) : undefined;
  // One predictor for the audit and the Predict API, so a prediction and the audit event agree.
  const requests = createRequestsPredictor(sheet);
  const predictor =
    config.costPredictor === 'kubecost' && config.kubecostUrl !== undefined
      ? createKubecostPredictor({ baseUrl: config.kubecostUrl, clusterId: config.clusterId, sheet, timeoutMs: config.kubecostTimeoutMs })
      : requests;
  const live = connection.source === 'none' ? noCluster() : kubeLiveWorkloads({ kubeConfig: connection.kubeConfig, clock });
  const predict = { clusterId: config.clusterId, predictor, live };
  const app = buildApp({ clock, etlLog, readiness, predict, logger: options.logger ?? false, ...(auditStore && { auditStore }) });
  const bus = new EventBus<Topics>((topic, err) => app.log.error({ err, topic }, 'event subscriber failed'));
  bus.subscribe('etl', (e) => etlLog.append(e));
  if (auditStore !== undefined) bus.subscribe('audit', (e) => auditStore.append(e));
  readiness.register({ name: 'storage', status: () => ({ ready: true, state: 'ready', detail: config.storageUrl }) });

  let watchers: AuditWatchers | undefined;
  if (connection.source === 'none') {
    app.log.warn({ reason: connection.reason }, 'no Kubernetes cluster: running without watchers');
    readiness.register({
      name: 'kubernetes',
      // Nothing needs the cluster unless the audit is on; with it on, an audit without a cluster is not ready.
      status: () => ({ ready: !config.auditEnabled, state: 'no cluster', detail: connection.reason }),
    });
  } else {
    app.log.info({ source: connection.source, server: connection.server }, 'Kubernetes cluster found');
    if (config.auditEnabled) {
      watchers = new AuditWatchers({
        kubeConfig: connection.kubeConfig,
        resourceTypes: config.auditResourceTypes,
        cluster: config.clusterId,
        clock,
        predictor,
        overflowPredictor: requests,
        publish: (e) => bus.publish('audit', e),
        log: app.log.child({ component: 'audit' }),
        ...(options.watchTuning && { tuning: options.watchTuning }),
      });
      const audit = watchers;
      readiness.register({ name: 'audit', status: () => audit.readiness() });
      watchers.start();
    }
  }
  if (!config.auditEnabled) readiness.register({ name: 'audit', status: () => ({ ready: true, state: 'disabled', detail: 'COST_EVENTS_AUDIT_ENABLED=false' }) });

  let shuttingDown = false;
  // Responses finished during shutdown close their connection, so keep-alive clients do not
  // hold the server open until their idle timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (shuttingDown) void reply.header('connection', 'close');
  });
  for (const plugin of options.plugins ?? []) void app.register(plugin);
  app.log.info({ settings: redactedConfig(config) }, 'starting cost-events');
  const url = await app.listen({ port: config.port, host: config.host });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true;
      // Past the grace period, in-flight requests are cut so shutdown always ends.
      const force = clock.setTimeout(() => {
        app.log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests still running at shutdown timeout; closing their connections');
        app.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      try {
        await app.close();
      } finally {
        clock.clearTimeout(force);
      }
      // Producers stop after the listener; what they already saw is still priced and stored.
      await watchers?.stop();
      app.log.info('shutdown complete');
    })();
    return closing;
  };
  return { app, bus, url, close, ...(watchers && { watchers }) };
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
