import type { KubeConfig } from '@kubernetes/client-node';
import type { PriceSheet } from '../cost/price-sheet.js';
import type { Feature, FeatureContext } from '../feature.js';
import type { InformerRegistry } from '../kube/informer-registry.js';
import type { ConsumerWatchStatus } from '../kube/watch-types.js';
import type { ComponentStatus } from '../readiness.js';
import type { Storage } from '../storage/storage.js';
import { BillingExport } from './billing-export.js';
import { ClusterCache } from './cluster-cache.js';
import { EtlPublisher } from './etl-publisher.js';
import type { EtlState } from './etl-state.js';
import { EtlStatusReader } from './etl-status.js';
import { EtlPipeline } from './pipeline.js';
import { EtlRepairs } from './repair.js';
import { SetQueries } from './set-queries.js';
import { SetRepository } from './set-repository.js';
import { errorMessage } from '../errors.js';

/** This server's ETL: the cluster cache, the pipeline reading it, and the repairs of its sets. */
export interface EtlParts {
  readonly cache: ClusterCache;
  readonly pipeline: EtlPipeline;
  readonly repairs: EtlRepairs;
}

/** The ETL as a feature: its parts when a cluster was found, and what metrics and the bug report read of it. */
export interface EtlFeature extends Feature {
  readonly parts: EtlParts | undefined;
  /** This server's cluster's ETL status (`/model/etl/status`), for the data-status metrics. */
  readonly status: EtlStatusReader;
  /** The cache's watch loops, marked as the ETL's. */
  watches(): ConsumerWatchStatus[];
  /** What the ETL did last and holds; undefined without a cluster. */
  state(): EtlState | undefined;
}

/** What the ETL needs beyond the context. */
export interface EtlFeatureDeps {
  readonly storage: Storage;
  readonly sheet: PriceSheet;
  /** The cluster and its shared informers, when one was found. */
  readonly cluster: { readonly kubeConfig: KubeConfig; readonly informers: InformerRegistry } | undefined;
  /** How long after a window closes it is built. */
  readonly settleMs: number;
}

const NO_CLUSTER: ComponentStatus = { ready: true, state: 'no cluster', detail: 'no sets are built without a cluster; stored sets are still served' };

/** The set routes and the ETL status always (stored sets are served); the cache, pipeline and repairs whenever there is a cluster, audit or not. */
export function etlFeature(ctx: FeatureContext, deps: EtlFeatureDeps): EtlFeature {
  const { config, clock, bus } = ctx;
  const { storage, settleMs } = deps;
  // ETL steps, the pipeline's and the queries', go to the bus like every event.
  const publisher = new EtlPublisher({ cluster: config.clusterId, clock, publish: (e) => bus.publish('etl', e) });
  const log = ctx.log.child({ component: 'etl' });
  const parts = deps.cluster === undefined ? undefined : etlParts(ctx, deps, { ...deps.cluster, publisher, log });
  const sets = new SetQueries({ repository: new SetRepository(storage.sets), resolutionMs: config.etlResolutionMs, publisher });
  const status = new EtlStatusReader({
    cluster: config.clusterId,
    clock,
    resolutionMs: config.etlResolutionMs,
    hourlyRetentionMs: config.etlHourlyRetentionMs,
    dailyRetentionMs: config.etlDailyRetentionMs,
    settleMs,
    sets: storage.sets,
    repairs: storage.repairs,
    local: () => parts,
  });
  return {
    name: 'etl',
    parts,
    status,
    watches: () => (parts?.cache.statuses() ?? []).map((w) => ({ consumer: 'etl' as const, ...w })),
    state: () => parts && { pipeline: parts.pipeline.state(), cache: parts.cache.stats() },
    app: { sets: { sets, resolutionMs: config.etlResolutionMs }, etlStatus: { status, repairs: () => parts?.repairs } },
    readiness: [{ name: 'etl', status: () => parts?.cache.readiness() ?? NO_CLUSTER }],
    async start() {
      if (parts === undefined) return;
      // A repair a restart interrupted is marked so (not resumed); storage down here only costs that mark.
      await parts.repairs.init().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not read the last ETL repair'));
      parts.cache.start();
      parts.pipeline.start();
    },
    async stop() {
      // A build in progress finishes and is saved; no new one starts; a repair running is marked interrupted.
      await parts?.pipeline.stop();
      await parts?.repairs.idle();
      await parts?.cache.stop();
    },
  };
}

function etlParts(
  { config, clock }: FeatureContext,
  deps: EtlFeatureDeps,
  { kubeConfig, informers, publisher, log }: { kubeConfig: KubeConfig; informers: InformerRegistry; publisher: EtlPublisher; log: FeatureContext['log'] },
): EtlParts {
  const { storage, sheet, settleMs } = deps;
  const cache = new ClusterCache({ informers, kubeConfig, cluster: config.clusterId, clock, log });
  const common = { cluster: config.clusterId, clock, resolutionMs: config.etlResolutionMs, hourlyRetentionMs: config.etlHourlyRetentionMs, settleMs };
  const pipeline = new EtlPipeline({
    ...common,
    dailyRetentionMs: config.etlDailyRetentionMs,
    source: cache,
    sheet,
    repository: new SetRepository(storage.pipelineSets),
    publisher,
    ...(config.billingExport !== undefined && { billing: new BillingExport({ path: config.billingExport, log }) }),
    log,
    repairHorizonMs: config.etlRepairHorizonMs,
  });
  const repairs = new EtlRepairs({ ...common, pipeline, source: cache, sheet, repository: new SetRepository(storage.pipelineSets), publisher, store: storage.repairs, log });
  return { cache, pipeline, repairs };
}
