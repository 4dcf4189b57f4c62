import { Counter, Gauge, type Registry } from 'prom-client';
import type { BuildInfo } from '../build-info.js';
import type { EtlState } from '../etl/etl-state.js';
import type { ConsumerWatchStatus, WatchState } from '../kube/watch-types.js';
import type { ComponentStatus } from '../readiness.js';
import type { WriterStats } from '../storage/store-writer.js';

/** Where the state metrics read from at scrape time; each source is asked, never pushed to. */
export interface StateSources {
  /** Every watch loop's status and whose it is (audit, ETL); empty without a cluster. */
  watchers(): readonly ConsumerWatchStatus[];
  storage(): WriterStats;
  readiness(): { readonly components: Readonly<Record<string, ComponentStatus>> };
  /** The ETL pipeline and its cluster cache; undefined while no pipeline runs (no cluster). */
  etl(): EtlState | undefined;
  /** `ETL_RESOLUTION` in ms: the stalled-ETL alert compares the last window built with it. */
  readonly etlResolutionMs: number;
  readonly build: BuildInfo;
}

// Every state listed, so a new one fails the type check here rather than vanishing from the metric.
const WATCH_STATES = Object.keys({ connecting: 0, listing: 0, watching: 0, backoff: 0, stopped: 0 } satisfies Record<WatchState, 0>);

/**
 * Registers the metrics of state that lives elsewhere (watch loops, the storage writer,
 * readiness, the ETL pipeline and its cluster cache), collected from their status at scrape time: nothing is copied in between scrapes,
 * and a scrape always shows the current value.
 */
export function registerStateMetrics(registry: Registry, sources: StateSources): void {
  const registers = [registry];
  new Gauge({
    name: 'cost_events_build_info',
    help: 'Always 1; the labels say which build runs.',
    labelNames: ['version', 'commit'] as const,
    registers,
  }).set({ version: sources.build.version, commit: sources.build.commit ?? 'unknown' }, 1);
  new Gauge({
    name: 'cost_events_component_ready',
    help: '1 when the component is ready, as /readyz reports it.',
    labelNames: ['component'] as const,
    registers,
    collect() {
      this.reset();
      for (const [component, s] of Object.entries(sources.readiness().components)) this.set({ component }, s.ready ? 1 : 0);
    },
  });
  registerWatchMetrics(registers, sources);
  registerStorageMetrics(registers, sources);
  registerEtlMetrics(registers, sources);
}

/** A watch loop's labels: whose it is and what it watches (the audit and the ETL may watch the same kind). */
const watchLabels = (s: ConsumerWatchStatus) => ({ consumer: s.consumer, kind: s.kind });

function registerWatchMetrics(registers: Registry[], sources: StateSources): void {
  new Gauge({
    name: 'cost_events_watch_state',
    help: 'What each watch loop (consumer: audit or etl) is doing: 1 for its current state, 0 for the others.',
    labelNames: ['consumer', 'kind', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of sources.watchers()) for (const state of WATCH_STATES) this.set({ ...watchLabels(s), state }, s.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cost_events_watch_synced',
    help: '1 once the watch loop has delivered a full list.',
    labelNames: ['consumer', 'kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of sources.watchers()) this.set(watchLabels(s), s.synced ? 1 : 0);
    },
  });
  new Counter({
    name: 'cost_events_watch_relists_total',
    help: 'Lists after the initial one (410 Expired, or a list that had to be retried).',
    labelNames: ['consumer', 'kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of sources.watchers()) this.inc(watchLabels(s), s.relists);
    },
  });
  new Counter({
    name: 'cost_events_watch_restarts_total',
    help: 'Times a watch loop reconnected after its stream ended or failed.',
    labelNames: ['consumer', 'kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of sources.watchers()) this.inc(watchLabels(s), s.restarts);
    },
  });
}

function registerStorageMetrics(registers: Registry[], sources: StateSources): void {
  new Gauge({
    name: 'cost_events_storage_available',
    help: '1 unless the last attempt to reach storage failed.',
    registers,
    collect() {
      this.set(sources.storage().available ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cost_events_storage_queue_depth',
    help: 'Records waiting to be written (held while storage is unavailable).',
    registers,
    collect() {
      this.set(sources.storage().queued);
    },
  });
  new Counter({
    name: 'cost_events_storage_written_records_total',
    help: 'Records committed to storage.',
    registers,
    collect() {
      this.reset();
      this.inc(sources.storage().written);
    },
  });
  new Counter({
    name: 'cost_events_storage_dropped_records_total',
    help: 'Records dropped: past STORAGE_QUEUE_CAPACITY during an outage, or refused by the database.',
    labelNames: ['type'] as const,
    registers,
    collect() {
      this.reset();
      for (const [type, n] of Object.entries(sources.storage().dropped)) this.inc({ type }, n);
    },
  });
  new Counter({
    name: 'cost_events_storage_errors_total',
    help: 'Storage failures: transient (a write, read or ping could not reach storage) or refused (a record the database rejected for good).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      const { errors } = sources.storage();
      this.inc({ kind: 'transient' }, errors.transient);
      this.inc({ kind: 'refused' }, errors.refused);
    },
  });
}

function registerEtlMetrics(registers: Registry[], sources: StateSources): void {
  new Gauge({
    name: 'cost_events_etl_cache_records',
    help: 'Records the ETL cluster cache holds, by kind: live (objects that exist) and ended (held for windows not yet built).',
    labelNames: ['kind', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const [kind, s] of Object.entries(sources.etl()?.cache ?? {})) {
        this.set({ kind, state: 'live' }, s.live);
        this.set({ kind, state: 'ended' }, s.ended);
      }
    },
  });
  new Counter({
    name: 'cost_events_etl_cache_ended_dropped_total',
    help: 'Ended records the ETL cluster cache dropped at its cap before every window they fall in was built (those windows miss them).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const [kind, s] of Object.entries(sources.etl()?.cache ?? {})) this.inc({ kind }, s.droppedEnded);
    },
  });
  new Gauge({
    name: 'cost_events_etl_last_built_window_end_seconds',
    help: 'Epoch seconds of the end of the last ETL window built and saved (or loaded at start); absent until there is one. time() minus it growing past twice ETL_RESOLUTION means the ETL stalled.',
    registers,
    collect() {
      const end = sources.etl()?.pipeline.lastBuiltEnd;
      if (end === undefined) this.remove();
      else this.set(end / 1000);
    },
  });
  new Gauge({
    name: 'cost_events_etl_resolution_seconds',
    help: 'ETL_RESOLUTION in seconds: the width of the windows the ETL builds; absent while no pipeline runs. The shipped stalled-ETL alert compares time() minus the last window built with twice it.',
    registers,
    collect() {
      if (sources.etl() === undefined) this.remove();
      else this.set(sources.etlResolutionMs / 1000);
    },
  });
  new Gauge({
    name: 'cost_events_etl_last_set_cost',
    help: 'Total cost per cluster of the last window built, of its AllocationSet (etl="allocation") and its AssetSet (etl="asset"), in the currency of the price sheet. It is the last set saved or loaded: after a UTC day closes, or a start that loads one, a whole day\'s roll-up until the next window is built.',
    labelNames: ['etl', 'cluster'] as const,
    registers,
    collect() {
      this.reset();
      const totals = sources.etl()?.pipeline.lastTotals;
      for (const etl of ['allocation', 'asset'] as const) {
        for (const [cluster, t] of Object.entries(totals?.[etl]?.byCluster ?? {})) this.set({ etl, cluster }, t.totalCost);
      }
    },
  });
}
