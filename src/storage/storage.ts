import type { Clock } from '../clock.js';
import type { ComponentStatus } from '../readiness.js';
import { openStore } from './open-store.js';
import { Pruner } from './pruner.js';
import type { RepairStore } from './repair-store.js';
import type { OutboxStore } from '../notify/outbox.js';
import type { SetStore, StoreBackend, StoreLimits, WorkloadMemory } from './store.js';
import { describeStoreError } from './store-errors.js';
import { guardedCatalogue, guardedGaps, guardedReader, guardedSets, type EventCatalogue, type EventReader } from './store-reader.js';
import type { AuditGapStore } from './gap-store.js';
import { redactUrl } from './store-url.js';
import { StoreWriter, type StorageLogger } from './store-writer.js';

/** What storage needs from the settings. */
export interface StorageSettings {
  /** `STORAGE_URL`. */
  readonly url: string;
  /** `ETL_LOG_CAPACITY`, `AUDIT_CAPACITY`, `CUSTOM_EVENT_CAPACITY`, `CUSTOM_EVENT_RETENTION`; the backend resolves them once. */
  readonly limits: StoreLimits;
  /** `STORAGE_QUEUE_CAPACITY`. */
  readonly queueCapacity: number;
  /** `STORAGE_PRUNE_INTERVAL`, ms. */
  readonly pruneIntervalMs: number;
  /** This instance's `CLUSTER_ID`: the rows it prunes. */
  readonly cluster: string;
}

/**
 * Storage as the server runs it: the open backend handed out one narrow interface per consumer,
 * the writer fed by the bus, and the guarded readers the routes use.
 */
export interface Storage {
  /** The backend `STORAGE_URL` named, and where it stores (password masked). */
  readonly backend: StoreBackend;
  readonly location: string;
  readonly writer: StoreWriter;
  /** The ETL log and the audit log, as the routes read them (a 503 while storage is down). */
  readonly events: EventReader;
  /** The Cloud Eye side: custom events and the summaries over every kind of event. */
  readonly catalogue: EventCatalogue;
  /** The stored ETL sets as the query routes read them (a 503 while storage is down). */
  readonly sets: SetStore;
  /** The stored ETL sets unguarded, for the pipeline, which reports its own failures. */
  readonly pipelineSets: SetStore;
  /** What the audit remembered of each cluster's workloads. */
  readonly workloads: WorkloadMemory;
  /** The notifications outbox. */
  readonly outbox: OutboxStore;
  /** The last ETL repair of each cluster (etl/repair.ts). */
  readonly repairs: RepairStore;
  /** The audit's gaps as `/model/audit/gaps` reads them (a 503 while storage is down). */
  readonly gaps: AuditGapStore;
  /** Starts the writer's probe and pruning in the background (the writer is fed by `recordingFeature`). */
  start(): void;
  /** `/readyz`'s storage component. */
  status(): ComponentStatus;
  /** Stops pruning, writes what is queued (or logs what cannot be), closes the store. */
  close(): Promise<void>;
}

/** Opens the store `settings.url` names (migrating it); rejects naming the URL, password masked, when it cannot. */
export async function openStorage(settings: StorageSettings, clock: Clock, log: StorageLogger): Promise<Storage> {
  const store = await openStore(settings.url, settings.limits, {
    onIdleError: (err) => log.warn({ err: describeStoreError(err) }, 'an idle database connection failed'),
    clock,
  }).catch((err: unknown) => {
    throw new Error(`storage ${redactUrl(settings.url)}: ${describeStoreError(err)}`, { cause: err });
  });
  const writer = new StoreWriter({ store, clock, capacity: settings.queueCapacity, log });
  const pruner = new Pruner({ store, writer, clock, cluster: settings.cluster, intervalMs: settings.pruneIntervalMs, log });
  return {
    backend: store.backend,
    location: store.location,
    writer,
    events: guardedReader(store, writer),
    catalogue: guardedCatalogue(store, writer),
    sets: guardedSets(store, writer),
    pipelineSets: store,
    workloads: store,
    outbox: store.outbox,
    repairs: store,
    gaps: guardedGaps(store, writer),
    start() {
      writer.start();
      pruner.start();
    },
    status: () => writer.status(),
    async close() {
      await pruner.stop();
      await writer.close();
      await store.close();
    },
  };
}
