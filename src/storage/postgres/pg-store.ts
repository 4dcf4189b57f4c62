import pg from 'pg';
import type { AuditQuery } from '../../audit/audit-query.js';
import { systemClock, type Clock } from '../../clock.js';
import type { AuditResourceType } from '../../audit/resource-types.js';
import type { KnownWorkload, PriorWorkloads } from '../../audit/workload-state.js';
import { etlEventJson } from '../../events/etl-event-json.js';
import type { CustomEventRecord, CustomEventsStored, EventSummary, EventSummaryQuery, OccurrencePage, OccurrenceQuery } from '../catalogue.js';
import { pickById } from '../audit-lookup.js';
import { countersOf, isAuditResourceType, knownWorkloadOf } from '../rows.js';
import type { EtlPage, EtlQuery, SetDeletion, SetQuery, Store, StoredSet, StoredSetInfo, StoredSetKey, StoreLimits, StoreRecord, StoreRevision } from '../store.js';
import { resolveLimits, type ResolvedLimits } from '../store-limits.js';
import { isTransientStoreError } from '../store-errors.js';
import { redactUrl } from '../store-url.js';
import { AUDIT_GAP_CAPACITY, type AuditGapQuery } from '../gap-store.js';
import { hasCluster, insertCustomEvents, pruneCustomEvents, queryOccurrences, summarizeEvents } from './pg-catalogue.js';
import { migratePostgres } from './pg-migrations.js';
import { deleteSets, listSets, loadSet, saveSets } from './pg-sets.js';
import { PostgresOutbox } from './pg-outbox.js';
import { RevisionFeed, revisionChannel } from './pg-revision-feed.js';
import { writeBatch } from './pg-write.js';

/** Pool settings: a few connections are plenty (writes are batched, reads are cached), and nothing waits forever. */
const POOL = { max: 4, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, query_timeout: 30_000 } as const;

/** Options of the PostgreSQL backend. */
export interface PostgresStoreOptions {
  /** Told about a pooled idle connection that failed (the next query reports the outage itself). */
  readonly onIdleError?: (err: Error) => void;
  /** The clock of the revision feed's bound and retries (the system's by default). */
  readonly clock?: Clock;
}

/** Which clusters a query reads: the listed ones, or every cluster that ever wrote an event. */
function selectedClusters(clusters: ReadonlySet<string> | undefined, params: unknown[]): string {
  if (clusters === undefined) return 'SELECT cluster FROM revisions';
  params.push([...clusters]);
  return `SELECT unnest($${params.length}::text[]) AS cluster`;
}

/**
 * Runs `use` with a client of its own. A checked-out client whose connection drops emits 'error'
 * (the pool listens only while it is idle); unheard, that would crash the process, so it is heard
 * here, and a client whose connection failed is destroyed rather than returned to the pool.
 */
async function withClient<T>(pool: pg.Pool, use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    return await use(client);
  } catch (err) {
    if (isTransientStoreError(err)) broken ??= err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Appends a parameter and returns its placeholder. */
function param(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

/**
 * The `postgres://…` backend (pg with a pool): many replicas and many clusters share one
 * database. Writes are batched by the writer into one transaction; idempotency keys make two
 * replicas' writes of one change a single row.
 */
export class PostgresStore implements Store {
  readonly backend = 'postgres';
  readonly capabilities = { neverFails: false };
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly outbox: PostgresOutbox;
  /** The revision held between reads, and what tells it moved (pg-revision-feed.ts). */
  readonly revisionFeed: RevisionFeed;

  readonly #limits: ResolvedLimits;
  readonly #channel: string;

  private constructor(url: string, limits: ResolvedLimits, pool: pg.Pool, feed: RevisionFeed, channel: string) {
    this.#limits = limits;
    this.location = redactUrl(url);
    this.#pool = pool;
    this.outbox = new PostgresOutbox(pool);
    this.revisionFeed = feed;
    this.#channel = channel;
  }

  /** Connects and migrates; rejects when the database cannot be reached or migrated. */
  static async open(url: string, limits: StoreLimits, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, ...POOL });
    // An idle client whose connection drops emits on the pool; unheard, that would crash the process.
    pool.on('error', (err) => options.onIdleError?.(err));
    let schema: string;
    try {
      schema = await withClient(pool, async (client) => {
        await migratePostgres(client);
        const { rows } = await client.query<{ schema: string }>("SELECT coalesce(current_schema(), '') AS schema");
        return rows[0]?.schema ?? '';
      });
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    const channel = revisionChannel(schema);
    const feed = new RevisionFeed({ url, channel, clock: options.clock ?? systemClock(), ...(options.onIdleError && { onError: options.onIdleError }) });
    // Not listening yet (or failing to) only means reads query the revision, as without a feed.
    await feed.start();
    return new PostgresStore(url, resolveLimits(limits), pool, feed, channel);
  }

  async write(records: readonly StoreRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#transaction((client) => writeBatch(client, records, this.#channel));
  }

  async insertCustomEvents(project: string, events: readonly CustomEventRecord[]): Promise<CustomEventsStored> {
    return this.#transaction(async (client) => {
      const stored = await insertCustomEvents(client, project, events, this.#limits);
      if (stored.inserted.length > 0) await this.#notify(client);
      return stored;
    });
  }

  async summarizeEvents(q: EventSummaryQuery): Promise<EventSummary> {
    return summarizeEvents(this.#pool, q, this.#limits);
  }

  async queryOccurrences(q: OccurrenceQuery): Promise<OccurrencePage> {
    return queryOccurrences(this.#pool, q, this.#limits);
  }

  async saveSets(sets: readonly StoredSet[]): Promise<void> {
    if (sets.length === 0) return;
    await this.#transaction((client) => saveSets(client, sets));
  }

  async listSets(q: SetQuery): Promise<StoredSetInfo[]> {
    return listSets(this.#pool, q);
  }

  async loadSet(key: StoredSetKey): Promise<StoredSet | undefined> {
    return loadSet(this.#pool, key);
  }

  async deleteSets(q: SetDeletion): Promise<StoredSetInfo[]> {
    return deleteSets(this.#pool, q);
  }

  async saveRepair(cluster: string, body: string): Promise<void> {
    await this.#pool.query('INSERT INTO etl_repairs (cluster, body) VALUES ($1, $2) ON CONFLICT (cluster) DO UPDATE SET body = excluded.body', [cluster, body]);
  }

  async loadRepairs(clusters?: ReadonlySet<string>): Promise<ReadonlyMap<string, string>> {
    const { rows } =
      clusters === undefined
        ? await this.#pool.query<{ cluster: string; body: string }>('SELECT cluster, body FROM etl_repairs ORDER BY cluster')
        : await this.#pool.query<{ cluster: string; body: string }>('SELECT cluster, body FROM etl_repairs WHERE cluster = ANY($1::text[]) ORDER BY cluster', [[...clusters]]);
    return new Map(rows.map((r) => [r.cluster, r.body]));
  }

  async hasCluster(cluster: string): Promise<boolean> {
    return hasCluster(this.#pool, cluster);
  }

  async queryEtl(q: EtlQuery): Promise<EtlPage> {
    const params: unknown[] = [];
    const sel = selectedClusters(q.clusters, params);
    const offset = param(params, this.#limits.etlLogCapacity - 1);
    const where: string[] = [];
    if (q.kinds !== undefined) where.push(`e.kind = ANY(${param(params, [...q.kinds])}::text[])`);
    if (q.window !== undefined) where.push(`e.time_ns >= ${param(params, String(q.window.start))} AND e.time_ns < ${param(params, String(q.window.end))}`);
    const cparams: unknown[] = [];
    const csel = selectedClusters(q.clusters, cparams);
    const [events, counters] = await Promise.all([
      this.#pool.query<{ category: string; kind: string; time_ns: string; metadata: string }>(
        // MATERIALIZED: each floor is one index seek, computed once per cluster and category. Inlined,
        // with statistics gone stale (a log pruned from 250,000 rows to 2,000 before autovacuum ran),
        // PostgreSQL 15 ran the floor's subquery once per joined row: 2.4 s for 2,000 events, and
        // past the pool's 30 s query timeout the store was reported down.
        `WITH sel AS (${sel}),
         floors AS MATERIALIZED (
           SELECT s.cluster, c.category,
             coalesce((SELECT e.id FROM etl_events e WHERE e.cluster = s.cluster AND e.category = c.category ORDER BY e.id DESC OFFSET ${offset} LIMIT 1), 0) AS floor
           FROM sel s CROSS JOIN (VALUES ('allocation'), ('asset')) AS c(category)
         )
         SELECT e.category, e.kind, e.time_ns::text AS time_ns, e.metadata
         FROM floors f JOIN etl_events e ON e.cluster = f.cluster AND e.category = f.category AND e.id >= f.floor
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY e.time_ns, e.cluster COLLATE "C", e.id`,
        params,
      ),
      this.#pool.query<{ kind: string; n: string }>(`SELECT kind, sum(n)::text AS n FROM etl_counters WHERE cluster IN (${csel}) GROUP BY kind`, cparams),
    ]);
    const allocation: string[] = [];
    const asset: string[] = [];
    for (const r of events.rows) (r.category === 'allocation' ? allocation : asset).push(etlEventJson(r.kind, r.metadata, BigInt(r.time_ns)));
    return { allocation, asset, counters: countersOf(counters.rows.map((r) => ({ kind: r.kind, n: Number(r.n) }))) };
  }

  async findAuditEvent(id: string, timeMs: number): Promise<string | undefined> {
    // Rows of the id's millisecond (an index seek), within their cluster's most recent auditCapacity.
    const { rows } = await this.#pool.query<{ cluster: string; key: string; time_ms: string; body: string }>(
      `SELECT a.cluster, a.event_key AS key, a.time_ms::text AS time_ms, a.body FROM audit_events a
       WHERE a.time_ms = $1 AND a.id >= coalesce((SELECT b.id FROM audit_events b WHERE b.cluster = a.cluster ORDER BY b.id DESC OFFSET $2 LIMIT 1), 0)`,
      [timeMs, this.#limits.auditCapacity - 1],
    );
    return pickById(id, rows.map((r) => ({ cluster: r.cluster, key: r.key, timeMs: Number(r.time_ms), body: r.body })));
  }

  async queryAudit(q: AuditQuery): Promise<readonly string[]> {
    const params: unknown[] = [];
    const sel = selectedClusters(q.clusters, params);
    const offset = param(params, this.#limits.auditCapacity - 1);
    const where: string[] = [];
    if (q.namespaces !== undefined) where.push(`a.namespace = ANY(${param(params, [...q.namespaces])}::text[])`);
    if (q.eventTypes !== undefined) where.push(`a.event_type = ANY(${param(params, [...q.eventTypes])}::text[])`);
    if (q.resourceTypes !== undefined) where.push(`a.resource_type = ANY(${param(params, [...q.resourceTypes])}::text[])`);
    if (q.changedBy !== undefined) where.push(`a.changed_by = ANY(${param(params, [...q.changedBy])}::text[])`);
    if (q.sources !== undefined) where.push(`a.source = ANY(${param(params, [...q.sources])}::text[])`);
    if (q.totalCostLowerBound !== undefined) where.push(`a.total_monthly_rate >= ${param(params, q.totalCostLowerBound)}`);
    if (q.totalCostUpperBound !== undefined) where.push(`a.total_monthly_rate <= ${param(params, q.totalCostUpperBound)}`);
    const limit = q.count === undefined ? '' : ` LIMIT ${param(params, q.count)}`;
    const { rows } = await this.#pool.query<{ body: string }>(
      // MATERIALIZED, as queryEtl's floors: once per cluster, whatever the statistics say.
      `WITH sel AS (${sel}),
       floors AS MATERIALIZED (
         SELECT s.cluster, coalesce((SELECT a.id FROM audit_events a WHERE a.cluster = s.cluster ORDER BY a.id DESC OFFSET ${offset} LIMIT 1), 0) AS floor
         FROM sel s
       )
       SELECT a.body FROM floors f JOIN audit_events a ON a.cluster = f.cluster AND a.id >= f.floor
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY a.id DESC${limit}`,
      params,
    );
    return rows.map((r) => r.body);
  }

  async revision(): Promise<StoreRevision> {
    return this.revisionFeed.revision(() => this.#readRevision());
  }

  async #readRevision(): Promise<StoreRevision> {
    const { rows } = await this.#pool.query<{ etl: string; audit: string; custom: string }>(
      `SELECT (SELECT coalesce(sum(etl), 0) FROM revisions)::text AS etl, (SELECT coalesce(sum(audit), 0) FROM revisions)::text AS audit,
         (SELECT coalesce(sum(revision), 0) FROM custom_event_projects)::text AS custom`,
    );
    return { etl: rows[0]?.etl ?? '0', audit: rows[0]?.audit ?? '0', custom: rows[0]?.custom ?? '0' };
  }

  async loadWorkloads(cluster: string): Promise<ReadonlyMap<AuditResourceType, PriorWorkloads>> {
    const [marks, rows] = await Promise.all([
      this.#pool.query<{ resource_type: string; seen_until_ns: string }>(
        'SELECT resource_type, seen_until_ns::text AS seen_until_ns FROM workload_marks WHERE cluster = $1',
        [cluster],
      ),
      this.#pool.query<{ resource_type: string; uid: string; name: string; namespace: string; resource_version: string; spec: string; last_seen_ns: string }>(
        'SELECT resource_type, uid, name, namespace, resource_version, spec, last_seen_ns::text AS last_seen_ns FROM workloads WHERE cluster = $1',
        [cluster],
      ),
    ]);
    const byType = new Map<AuditResourceType, { workloads: KnownWorkload[]; seenUntilNs: bigint }>();
    for (const m of marks.rows) if (isAuditResourceType(m.resource_type)) byType.set(m.resource_type, { workloads: [], seenUntilNs: BigInt(m.seen_until_ns) });
    for (const r of rows.rows) {
      const w = isAuditResourceType(r.resource_type) ? knownWorkloadOf({ ...r, last_seen_ns: BigInt(r.last_seen_ns) }) : undefined;
      if (w !== undefined) byType.get(r.resource_type as AuditResourceType)?.workloads.push(w);
    }
    return byType;
  }

  async queryGaps(q: AuditGapQuery): Promise<readonly string[]> {
    const params: unknown[] = [AUDIT_GAP_CAPACITY];
    const inner = q.clusters === undefined ? '' : `WHERE cluster = ANY($${params.push([...q.clusters])}::text[])`;
    const outer = q.window === undefined ? '' : `AND end_ms >= $${params.push(q.window.start)} AND start_ms < $${params.push(q.window.end)}`;
    const limit = q.count === undefined ? '' : `LIMIT $${params.push(q.count)}`;
    const { rows } = await this.#pool.query<{ body: string }>(
      `SELECT body FROM (
         SELECT cluster, id, start_ms, end_ms, body, row_number() OVER (PARTITION BY cluster ORDER BY end_ms DESC, id DESC) AS n FROM audit_gaps ${inner}
       ) g WHERE n <= $1 ${outer} ORDER BY end_ms DESC, cluster DESC, id DESC ${limit}`,
      params,
    );
    return rows.map((r) => r.body);
  }

  async prune(cluster: string, nowMs: number): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>(
      `WITH e AS (
         DELETE FROM etl_events d USING (VALUES ('allocation'), ('asset')) AS c(category)
         WHERE d.cluster = $1 AND d.category = c.category
           AND d.id < (SELECT id FROM etl_events x WHERE x.cluster = $1 AND x.category = c.category ORDER BY id DESC OFFSET $2 LIMIT 1)
         RETURNING 1
       ), kept AS (
         -- An event an outbox row (pending or dead) still refers to: its body is copied into the row first.
         UPDATE notify_outbox o SET event_body = k.body FROM audit_events k
         WHERE o.cluster = $1 AND o.event_key IS NOT NULL AND o.event_body IS NULL AND k.cluster = o.cluster AND k.event_key = o.event_key
           AND k.id < (SELECT id FROM audit_events x WHERE x.cluster = $1 ORDER BY id DESC OFFSET $3 LIMIT 1)
       ), a AS (
         DELETE FROM audit_events d WHERE d.cluster = $1
           AND d.id < (SELECT id FROM audit_events x WHERE x.cluster = $1 ORDER BY id DESC OFFSET $3 LIMIT 1)
         RETURNING 1
       ), g AS (
         DELETE FROM audit_gaps d WHERE d.cluster = $1
           AND d.id IN (SELECT id FROM audit_gaps x WHERE x.cluster = $1 ORDER BY end_ms DESC, id DESC OFFSET $4)
         RETURNING 1
       )
       SELECT ((SELECT count(*) FROM e) + (SELECT count(*) FROM a) + (SELECT count(*) FROM g))::text AS n`,
      [cluster, this.#limits.etlLogCapacity - 1, this.#limits.auditCapacity - 1, AUDIT_GAP_CAPACITY],
    );
    const custom = await this.#transaction(async (client) => {
      const deleted = await pruneCustomEvents(client, cluster, nowMs, this.#limits);
      if (deleted > 0) await this.#notify(client);
      return deleted;
    });
    return Number(rows[0]?.n ?? 0) + custom;
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.revisionFeed.close();
    if (!this.#pool.ended) await this.#pool.end();
  }

  /** Tells the other replicas' feeds, at commit, that a revision moved (writeBatch does so in its own statements). */
  async #notify(client: pg.PoolClient): Promise<void> {
    await client.query("SELECT pg_notify($1, '')", [this.#channel]);
  }

  /**
   * Runs `work` in a transaction of its own: committed when it resolves, rolled back when it
   * throws. Either way the held revision is dropped once it ends (a commit whose answer was lost
   * may have happened), so this process reads its own writes without waiting for a notification.
   */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await withClient(this.#pool, async (client) => {
        await client.query('BEGIN');
        try {
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          if (!isTransientStoreError(err)) await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      });
    } finally {
      this.revisionFeed.invalidate();
    }
  }
}
