import type { EtlFeature } from '../etl/etl-feature.js';
import type { Feature, FeatureContext } from '../feature.js';
import type { ConsumerWatchStatus } from '../kube/watch-types.js';
import type { Readiness } from '../readiness.js';
import type { Storage } from '../storage/storage.js';
import { registerEtlDataMetrics } from './etl-data-metrics.js';
import type { Metrics } from './metrics.js';
import { registerStateMetrics } from './state-metrics.js';
import { subscribeMetrics } from './subscribe-metrics.js';
import { errorMessage } from '../errors.js';

/** What the metrics read at scrape time, beyond the context. */
export interface MetricsFeatureDeps {
  /** The registry, made by the root so features before this one (notifications) register theirs first. */
  readonly metrics: Metrics;
  readonly storage: Storage;
  readonly readiness: Readiness;
  /** Every watch loop with whose it is: the audit and the ETL may watch the same kind. */
  watches(): readonly ConsumerWatchStatus[];
  readonly etl: Pick<EtlFeature, 'state' | 'status' | 'parts'>;
}

/** `GET /metrics`: the counters fed by the bus, and the state of the other features read at scrape time. */
export function metricsFeature({ config, log, bus, build }: FeatureContext, deps: MetricsFeatureDeps): Feature {
  const { metrics, storage, readiness, etl } = deps;
  registerStateMetrics(metrics.registry, {
    watchers: () => deps.watches(),
    storage: () => storage.writer.stats(),
    readiness: () => readiness.report(),
    etl: () => etl.state(),
    etlResolutionMs: config.etlResolutionMs,
    build,
  });
  registerEtlDataMetrics(metrics.registry, {
    status: async () => (etl.parts === undefined ? undefined : etl.status.status(new Set([config.clusterId]))),
    onError: (err) => log.warn({ err: errorMessage(err) }, 'ETL data-status metrics: could not read the ETL status'),
  });
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'metrics',
    app: { metrics },
    start() {
      unsubscribe = subscribeMetrics(bus, metrics);
    },
    stop() {
      unsubscribe?.();
    },
  };
}
