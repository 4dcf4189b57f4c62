import { Gauge, type Registry } from 'prom-client';
import type { EtlStatus } from '../etl/etl-status-schemas.js';

/** Where the data-status metrics read: the ETL status of this server's cluster, at scrape time. */
export interface EtlDataSource {
  /** This server's cluster's status (GET /model/etl/status?filterClusters=<CLUSTER_ID>); undefined while no pipeline runs (no cluster): the metrics then have no sample, as the other ETL metrics. */
  status(): Promise<EtlStatus | undefined>;
  /** Told when the status could not be read (storage down); the metrics are then absent from that scrape. */
  onError(err: unknown): void;
}

const STATUSES = ['empty', 'error', 'success', 'warning'] as const;

/**
 * Kubecost's data-status metrics (`kubecost_allocation_data_status`, `kubecost_asset_data_status`,
 * labels `resolution` and `status`) and `cost_events_etl_missing_windows{category,resolution}`,
 * read from the ETL status when Prometheus scrapes. The three gauges of one scrape share one read.
 */
export function registerEtlDataMetrics(registry: Registry, source: EtlDataSource): void {
  let pending: Promise<EtlStatus | undefined> | undefined;
  const read = (): Promise<EtlStatus | undefined> => {
    pending ??= source
      .status()
      .catch((err: unknown) => {
        source.onError(err);
        return undefined;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  const registers = [registry];
  for (const [name, category] of [
    ['kubecost_allocation_data_status', 'allocation'],
    ['kubecost_asset_data_status', 'assets'],
  ] as const) {
    new Gauge({
      name,
      help: `${category === 'allocation' ? 'AllocationSets' : 'AssetSets'} of this cluster by store (resolution: ETL_RESOLUTION or 1d) and status: success (stored, with records), empty (stored, no record), error (missing, its last build failed), warning (missing, never built).`,
      labelNames: ['resolution', 'status'] as const,
      registers,
      async collect() {
        this.reset();
        const status = await read();
        for (const [resolution, store] of Object.entries(status?.[category] ?? {})) {
          for (const s of STATUSES) this.set({ resolution, status: s }, store.dataStatus[s]);
        }
      },
    });
  }
  new Gauge({
    name: 'cost_events_etl_missing_windows',
    help: 'Windows of this cluster expected within retention but not stored, by category and store (resolution: ETL_RESOLUTION or 1d); a repair fills them.',
    labelNames: ['category', 'resolution'] as const,
    registers,
    async collect() {
      this.reset();
      const status = await read();
      for (const [category, stores] of [['allocation', status?.allocation], ['asset', status?.assets]] as const) {
        for (const [resolution, store] of Object.entries(stores ?? {})) this.set({ category, resolution }, store.missingWindows);
      }
    },
  });
}
