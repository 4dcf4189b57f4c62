import type { KeyedAuditEvent } from '../audit/audit-change.js';
import type { AuditQuery } from '../audit/audit-query.js';
import type { AuditResourceType } from '../audit/resource-types.js';
import type { AuditGap } from '../audit/watch-gap.js';
import type { PriorWorkloads, WorkloadStateChange } from '../audit/workload-state.js';
import type { AuditEventLookup } from './audit-lookup.js';
import type { EtlEvent } from '../events/etl-event.js';
import type { EtlCategory } from '../events/etl-kinds.js';
import type { EtlCounters, EtlLogQuery } from '../events/etl-log.js';
import type { AuditNotice, NewOutboxRow, OutboxStore } from '../notify/outbox.js';
import type { RepairStore } from './repair-store.js';
import type { AuditGapStore } from './gap-store.js';
import type { CustomEventRecord, CustomEventsStored, EventSummary, EventSummaryQuery, OccurrencePage, OccurrenceQuery } from './catalogue.js';

/** A query of the stored ETL log: the log's filters, and the clusters to include (undefined: every cluster in the store). */
export interface EtlQuery extends EtlLogQuery {
  readonly clusters?: ReadonlySet<string>;
}

/** The backends `STORAGE_URL` can name. */
export type StoreBackend = 'memory' | 'sqlite' | 'postgres';

/**
 * The bounds, per cluster, as the settings give them: what queries serve and what pruning keeps.
 * Absent fields take their defaults in one place, {@link resolveLimits} (store-limits.ts).
 */
export interface StoreLimits {
  /** Most recent ETL events per cluster and category (`ETL_LOG_CAPACITY`). */
  readonly etlLogCapacity: number;
  /** Most recent audit events per cluster (`AUDIT_CAPACITY`). */
  readonly auditCapacity: number;
  /** Most recent custom events per project (`CUSTOM_EVENT_CAPACITY`); default 100,000. */
  readonly customEventCapacity?: number;
  /** How long custom events are served and kept after their time (`CUSTOM_EVENT_RETENTION`); default 30 days. */
  readonly customEventRetentionMs?: number;
  /** The memory backend only: bytes of custom events held per project (past it, the oldest arrivals go); default 64 MiB. */
  readonly memoryCustomEventBytes?: number;
}

/** One thing to write. A batch of records is committed atomically, in order. */
export type StoreRecord =
  | { readonly type: 'etl'; readonly event: EtlEvent }
  /**
   * An audit event and its idempotency key within `event.properties.cluster`; a key already held is
   * ignored, and so are its `notify` notices then (whoever stored the event wrote them). The notices
   * go to the outbox referring to the event, which is kept (or copied into the outbox) until they are delivered.
   * A backend reads `audit.event` only when it needs the event (its first read may build it).
   */
  | { readonly type: 'audit'; readonly audit: KeyedAuditEvent; readonly notify?: readonly AuditNotice[] }
  | { readonly type: 'workload'; readonly change: WorkloadStateChange }
  /** A gap in the audit's view of `gap.cluster`; an id already held is ignored. */
  | { readonly type: 'gap'; readonly gap: AuditGap }
  /** A notification that carries its message (ETL conditions, tests), written with the event that triggered it; an id already held is ignored. */
  | { readonly type: 'notification'; readonly row: NewOutboxRow };

/** The ETL log as stored: each event as the JSON `/model/etl/log` prints, oldest first, and the summed counters. */
export interface EtlPage {
  readonly allocation: readonly string[];
  readonly asset: readonly string[];
  /** All-time counts per kind over the selected clusters, keys in lexical order. */
  readonly counters: EtlCounters;
}

/**
 * Markers that change whenever an answer could: readers cache what they render under them.
 * Pruning does not change them (queries never serve pruned rows anyway).
 */
export interface StoreRevision {
  readonly etl: string;
  readonly audit: string;
  /** Custom events: changes when one is stored, or deleted by the capacity or retention. */
  readonly custom: string;
}

/** Which stored set: a cluster's allocation or asset set of one resolution, by the start of its window. */
export interface StoredSetKey {
  readonly cluster: string;
  readonly category: EtlCategory;
  /** Width of its window in ms: `ETL_RESOLUTION` for the built sets, a day (86,400,000) for the daily roll-up. */
  readonly resolutionMs: number;
  /** Epoch ms, the window's start (aligned to the resolution). */
  readonly start: number;
}

/** What is known of a stored set without reading its payload. */
export interface StoredSetInfo extends StoredSetKey {
  /** Epoch ms, the window's end (start + resolutionMs). */
  readonly end: number;
  /** Records in the set. */
  readonly size: number;
  /** The billing export digest it was reconciled against, or null. */
  readonly reconciled: string | null;
}

/** A stored set: its description and its encoded records (etl/set-codec.ts); storage never looks inside. */
export interface StoredSet extends StoredSetInfo {
  readonly payload: Uint8Array;
}

/** Which stored sets to list: those of one category and resolution whose windows lie inside [start, end). */
export interface SetQuery {
  /** Undefined: every cluster in the store. */
  readonly clusters?: ReadonlySet<string>;
  readonly category: EtlCategory;
  readonly resolutionMs: number;
  /** Epoch ms; a set is listed when start <= its start and its end <= end. Absent: unbounded. */
  readonly start?: number;
  readonly end?: number;
}

/**
 * The narrow storage interfaces, one per consumer (Backstage's catalog database splits the same
 * way). Every backend (memory, SQLite, PostgreSQL) implements each, and each has its own contract
 * suite under test/storage/, so a new backend can be written and tested one interface at a time.
 * Failures reject with the driver's error; {@link isTransientStoreError} sorts them.
 */

/** What a backend can promise, so callers ask about behaviour, not about a backend's name. */
export interface StoreCapabilities {
  /** Commits are synchronous, cost nothing and never fail, and there is no connection to lose (memory): the writer writes through and never probes. */
  readonly neverFails: boolean;
}

/** The backend as a resource: what it is, whether it answers, and its close (the writer, readiness, the composition root). */
export interface StoreConnection {
  readonly backend: StoreBackend;
  /** Where it stores, with any password masked, for logs and `/readyz`. */
  readonly location: string;
  readonly capabilities: StoreCapabilities;
  /** Succeeds when the backend answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where the bus's records go (the writer): ETL and audit events, workload states, notifications. */
export interface RecordStore {
  /** Commits `records` in one transaction. */
  write(records: readonly StoreRecord[]): Promise<void>;
  /** Present when a commit completes synchronously (memory, SQLite): the writer then needs no await. */
  readonly writeSync?: (records: readonly StoreRecord[]) => void;
}

/** The stored ETL log (`GET /model/etl/log`, the bug report). */
export interface EtlLogStore {
  /** Per selected cluster and category the most recent `etlLogCapacity` events, then the query's filters. */
  queryEtl(q: EtlQuery): Promise<EtlPage>;
}

/** The stored audit log (`GET /model/audit/events`, one event by id, the bug report). */
export interface AuditLogStore extends AuditEventLookup {
  /** Per selected cluster the most recent `auditCapacity` events, then the filters; newest first, as JSON. */
  queryAudit(q: AuditQuery): Promise<readonly string[]>;
}

/** The markers readers cache their answers under (the ETL log, audit and Cloud Eye routes). */
export interface StoreRevisions {
  revision(): Promise<StoreRevision>;
}

/** What the audit remembers between runs (read once at start; written through `workload` records). */
export interface WorkloadMemory {
  /** What the audit of `cluster` remembered, per kind; a kind never watched is absent. */
  loadWorkloads(cluster: string): Promise<ReadonlyMap<AuditResourceType, PriorWorkloads>>;
}

/** The Cloud Eye event catalogue: custom events in, summaries and details over every kind of event out. */
export interface CloudEyeCatalogue {
  /**
   * Stores custom events of `project` in one transaction, all or none. An event whose
   * de-duplication key is already held (or repeats an earlier one of the batch) is not stored
   * again: its id is the first one's. Past the capacity the project's oldest arrivals are deleted.
   */
  insertCustomEvents(project: string, events: readonly CustomEventRecord[]): Promise<CustomEventsStored>;
  /** Per event name of the project: how many occurrences in range and the latest, over what queries serve (the capacity-bounded rows). */
  summarizeEvents(q: EventSummaryQuery): Promise<EventSummary>;
  /** The occurrences of one event name, newest first: one page, and how many in all. */
  queryOccurrences(q: OccurrenceQuery): Promise<OccurrencePage>;
  /** True when `cluster` has stored anything: ETL events or sets, audit or custom events. */
  hasCluster(cluster: string): Promise<boolean>;
}

/** Which sets {@link SetStore.deleteSets} deletes: those of one cluster, category and resolution whose window ends at or before `endAtOrBefore`. */
export interface SetDeletion {
  readonly cluster: string;
  readonly category: EtlCategory;
  readonly resolutionMs: number;
  readonly endAtOrBefore: number;
}

/** The ETL pipeline's sets (the pipeline, the set query routes, the ETL status). */
export interface SetStore {
  /** Stores sets in one transaction, replacing any held under the same key (a rebuild or a reconciliation). */
  saveSets(sets: readonly StoredSet[]): Promise<void>;
  /** The sets a query selects, without payloads, ordered by start, then cluster. */
  listSets(q: SetQuery): Promise<StoredSetInfo[]>;
  /** One set with its payload, if held. */
  loadSet(key: StoredSetKey): Promise<StoredSet | undefined>;
  /** Deletes the sets `q` names; returns what it deleted, ordered by start. */
  deleteSets(q: SetDeletion): Promise<StoredSetInfo[]>;
}

/** Deleting what the limits no longer keep (the pruner). */
export interface Pruning {
  /** Deletes the rows of `cluster` beyond the limits, and its custom events past retention at `nowMs`; returns how many. */
  prune(cluster: string, nowMs: number): Promise<number>;
}

/**
 * A whole storage backend: every narrow interface, and the notifications outbox (whose rows
 * arrive through `write` as `notification` records). Only the composition of storage
 * (open-store.ts, storage.ts), the backends and their tests name it; consumers take one part.
 */
export interface Store
  extends StoreConnection,
    RecordStore,
    EtlLogStore,
    AuditLogStore,
    StoreRevisions,
    WorkloadMemory,
    CloudEyeCatalogue,
    SetStore,
    Pruning,
    RepairStore,
    AuditGapStore {
  /** The notifications outbox (notify/outbox.ts). */
  readonly outbox: OutboxStore;
}
