import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditQuery } from '../../audit/audit-query.js';
import type { AuditResourceType } from '../../audit/resource-types.js';
import type { KnownWorkload, PriorWorkloads, WorkloadStateChange } from '../../audit/workload-state.js';
import { etlEventJson } from '../../events/etl-event-json.js';
import type { CustomEventRecord, CustomEventsStored, EventSummary, EventSummaryQuery, OccurrencePage, OccurrenceQuery } from '../catalogue.js';
import { pickById, type AuditIdRow } from '../audit-lookup.js';
import { auditRow, countersOf, etlRow, isAuditResourceType, knownWorkloadOf } from '../rows.js';
import type { EtlPage, EtlQuery, SetDeletion, SetQuery, Store, StoredSet, StoredSetInfo, StoredSetKey, StoreLimits, StoreRecord, StoreRevision } from '../store.js';
import { resolveLimits, type ResolvedLimits } from '../store-limits.js';
import { SqliteCatalogue } from './sqlite-catalogue.js';
import { migrateSqlite } from './sqlite-migrations.js';
import { insertOutboxRow, keepReferencedBodies, SqliteOutbox } from './sqlite-outbox.js';
import { SqliteSets } from './sqlite-sets.js';
import { AUDIT_GAP_CAPACITY, gapRow, type AuditGapQuery } from '../gap-store.js';

type Statement = Database.Statement;

/** Which clusters a query reads: the listed ones, or every cluster that ever wrote an event. */
function selectedClusters(clusters: ReadonlySet<string> | undefined, params: unknown[]): string {
  if (clusters === undefined) return 'SELECT cluster FROM revisions';
  params.push(JSON.stringify([...clusters]));
  return 'SELECT value FROM json_each(?)';
}

/** A `column IN (list)` condition with the list as one JSON parameter, so statements are reused whatever the list. */
function inList(column: string, values: ReadonlySet<string> | undefined, where: string[], params: unknown[]): void {
  if (values === undefined) return;
  where.push(`${column} IN (SELECT value FROM json_each(?))`);
  params.push(JSON.stringify([...values]));
}

/**
 * The `sqlite:<path>` backend (better-sqlite3): one connection, WAL journal, `synchronous=FULL`.
 * Commits are synchronous, so the writer needs no await and a committed write is on disk (fsynced)
 * before the call returns; group commit (one transaction per batch) keeps that to one fsync per batch.
 */
export class SqliteStore implements Store {
  readonly backend = 'sqlite';
  readonly capabilities = { neverFails: false };
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Statement>();
  readonly #writeTx: (records: readonly StoreRecord[]) => void;
  readonly #catalogue: SqliteCatalogue;
  readonly #sets: SqliteSets;
  readonly outbox: SqliteOutbox;
  readonly #prepare = (sql: string): Statement => this.#stmt(sql);

  readonly #limits: ResolvedLimits;
  /** The last revision read, and the markers it was read at (see {@link revision}). */
  #revision: { readonly dataVersion: number; readonly changes: number; readonly value: StoreRevision } | undefined;
  readonly #dataVersion: Statement;
  readonly #totalChanges: Statement;

  private constructor(
    readonly location: string,
    limits: ResolvedLimits,
    db: Database.Database,
  ) {
    this.#limits = limits;
    this.#db = db;
    this.#writeTx = db.transaction((records: readonly StoreRecord[]) => this.#apply(records));
    this.#catalogue = new SqliteCatalogue(db, (sql, bigints) => this.#stmt(sql, bigints), limits);
    this.#sets = new SqliteSets(db, (sql) => this.#stmt(sql));
    this.outbox = new SqliteOutbox(db, this.#prepare);
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.#totalChanges = db.prepare('SELECT total_changes()').pluck();
  }

  /** Opens (creating the file and its directory on first start) and migrates. */
  static open(path: string, limits: StoreLimits): SqliteStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      // A second process (another replica on a shared volume, or a migration at the same moment) waits instead of failing.
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      migrateSqlite(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteStore(`sqlite:${path}`, resolveLimits(limits), db);
  }

  readonly writeSync = (records: readonly StoreRecord[]): void => {
    if (records.length > 0) this.#writeTx(records);
  };

  async write(records: readonly StoreRecord[]): Promise<void> {
    this.writeSync(records);
  }

  async queryEtl(q: EtlQuery): Promise<EtlPage> {
    const params: unknown[] = [];
    const sel = selectedClusters(q.clusters, params);
    params.push(this.#limits.etlLogCapacity - 1);
    const where: string[] = [];
    inList('e.kind', q.kinds, where, params);
    if (q.window !== undefined) {
      where.push('e.time_ns >= ? AND e.time_ns < ?');
      params.push(q.window.start, q.window.end);
    }
    const rows = this.#stmt(
      `WITH sel(cluster) AS (${sel}),
       floors AS (
         SELECT s.cluster AS cluster, c.category AS category,
           coalesce((SELECT e.id FROM etl_events e WHERE e.cluster = s.cluster AND e.category = c.category ORDER BY e.id DESC LIMIT 1 OFFSET ?), 0) AS floor
         FROM sel s CROSS JOIN (SELECT 'allocation' AS category UNION ALL SELECT 'asset') c
       )
       SELECT e.category, e.kind, e.time_ns, e.metadata
       FROM floors f JOIN etl_events e ON e.cluster = f.cluster AND e.category = f.category AND e.id >= f.floor
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.time_ns, e.cluster, e.id`,
      true,
    ).all(...params) as { category: string; kind: string; time_ns: bigint; metadata: string }[];
    const allocation: string[] = [];
    const asset: string[] = [];
    for (const r of rows) (r.category === 'allocation' ? allocation : asset).push(etlEventJson(r.kind, r.metadata, r.time_ns));
    const cparams: unknown[] = [];
    const csel = selectedClusters(q.clusters, cparams);
    const counters = this.#stmt(`SELECT kind, sum(n) AS n FROM etl_counters WHERE cluster IN (${csel}) GROUP BY kind`).all(...cparams) as { kind: string; n: number }[];
    return { allocation, asset, counters: countersOf(counters) };
  }

  async findAuditEvent(id: string, timeMs: number): Promise<string | undefined> {
    // Rows of the id's millisecond (an index seek), within their cluster's most recent auditCapacity.
    const rows = this.#stmt(
      `SELECT a.cluster, a.event_key AS key, a.time_ms AS timeMs, a.body FROM audit_events a
       WHERE a.time_ms = ? AND a.id >= coalesce((SELECT b.id FROM audit_events b WHERE b.cluster = a.cluster ORDER BY b.id DESC LIMIT 1 OFFSET ?), 0)`,
    ).all(timeMs, this.#limits.auditCapacity - 1) as AuditIdRow[];
    return pickById(id, rows);
  }

  async queryAudit(q: AuditQuery): Promise<readonly string[]> {
    const params: unknown[] = [];
    const sel = selectedClusters(q.clusters, params);
    params.push(this.#limits.auditCapacity - 1);
    const where: string[] = [];
    inList('a.namespace', q.namespaces, where, params);
    inList('a.event_type', q.eventTypes, where, params);
    inList('a.resource_type', q.resourceTypes, where, params);
    inList('a.changed_by', q.changedBy, where, params);
    inList('a.source', q.sources, where, params);
    if (q.totalCostLowerBound !== undefined) {
      where.push('a.total_monthly_rate >= ?');
      params.push(q.totalCostLowerBound);
    }
    if (q.totalCostUpperBound !== undefined) {
      where.push('a.total_monthly_rate <= ?');
      params.push(q.totalCostUpperBound);
    }
    if (q.count !== undefined) params.push(q.count);
    const rows = this.#stmt(
      `WITH sel(cluster) AS (${sel}),
       floors AS (
         SELECT s.cluster AS cluster,
           coalesce((SELECT a.id FROM audit_events a WHERE a.cluster = s.cluster ORDER BY a.id DESC LIMIT 1 OFFSET ?), 0) AS floor
         FROM sel s
       )
       SELECT a.body FROM floors f JOIN audit_events a ON a.cluster = f.cluster AND a.id >= f.floor
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY a.id DESC${q.count !== undefined ? ' LIMIT ?' : ''}`,
    ).all(...params) as { body: string }[];
    return rows.map((r) => r.body);
  }

  /**
   * The sums of the revision rows, read again only when the database may have changed since the
   * last read: `PRAGMA data_version` moves when another connection (another process, or another
   * store on the same file) commits, and `total_changes()` when this connection changes a row.
   * Both are read on every call, so a reader never gets a revision older than a committed write,
   * at about half the CPU of the sums' statement.
   */
  async revision(): Promise<StoreRevision> {
    const dataVersion = this.#dataVersion.get() as number;
    const changes = this.#totalChanges.get() as number;
    const held = this.#revision;
    if (held !== undefined && held.dataVersion === dataVersion && held.changes === changes) return held.value;
    const r = this.#stmt(
      `SELECT (SELECT coalesce(sum(etl), 0) FROM revisions) AS etl, (SELECT coalesce(sum(audit), 0) FROM revisions) AS audit,
         (SELECT coalesce(sum(revision), 0) FROM custom_event_projects) AS custom`,
    ).get() as { etl: number; audit: number; custom: number };
    const value = { etl: String(r.etl), audit: String(r.audit), custom: String(r.custom) };
    this.#revision = { dataVersion, changes, value };
    return value;
  }

  async loadWorkloads(cluster: string): Promise<ReadonlyMap<AuditResourceType, PriorWorkloads>> {
    const marks = this.#stmt('SELECT resource_type, seen_until_ns FROM workload_marks WHERE cluster = ?', true).all(cluster) as { resource_type: string; seen_until_ns: bigint }[];
    const rows = this.#stmt(
      'SELECT resource_type, uid, name, namespace, resource_version, spec, last_seen_ns FROM workloads WHERE cluster = ?',
      true,
    ).all(cluster) as { resource_type: string; uid: string; name: string; namespace: string; resource_version: string; spec: string; last_seen_ns: bigint }[];
    const byType = new Map<AuditResourceType, { workloads: KnownWorkload[]; seenUntilNs: bigint }>();
    for (const m of marks) if (isAuditResourceType(m.resource_type)) byType.set(m.resource_type, { workloads: [], seenUntilNs: m.seen_until_ns });
    for (const r of rows) {
      const w = isAuditResourceType(r.resource_type) ? knownWorkloadOf(r) : undefined;
      if (w !== undefined) byType.get(r.resource_type as AuditResourceType)?.workloads.push(w);
    }
    return byType;
  }

  async insertCustomEvents(project: string, events: readonly CustomEventRecord[]): Promise<CustomEventsStored> {
    return this.#catalogue.insert(project, events);
  }

  async summarizeEvents(q: EventSummaryQuery): Promise<EventSummary> {
    return this.#catalogue.summarize(q);
  }

  async queryOccurrences(q: OccurrenceQuery): Promise<OccurrencePage> {
    return this.#catalogue.occurrences(q);
  }

  async saveSets(sets: readonly StoredSet[]): Promise<void> {
    this.#sets.save(sets);
  }

  async listSets(q: SetQuery): Promise<StoredSetInfo[]> {
    return this.#sets.list(q);
  }

  async loadSet(key: StoredSetKey): Promise<StoredSet | undefined> {
    return this.#sets.load(key);
  }

  async deleteSets(q: SetDeletion): Promise<StoredSetInfo[]> {
    return this.#sets.delete(q);
  }

  async saveRepair(cluster: string, body: string): Promise<void> {
    this.#stmt('INSERT INTO etl_repairs (cluster, body) VALUES (?, ?) ON CONFLICT (cluster) DO UPDATE SET body = excluded.body').run(cluster, body);
  }

  async loadRepairs(clusters?: ReadonlySet<string>): Promise<ReadonlyMap<string, string>> {
    const rows = (
      clusters === undefined
        ? this.#stmt('SELECT cluster, body FROM etl_repairs ORDER BY cluster').all()
        : this.#stmt('SELECT cluster, body FROM etl_repairs WHERE cluster IN (SELECT value FROM json_each(?)) ORDER BY cluster').all(JSON.stringify([...clusters]))
    ) as { cluster: string; body: string }[];
    return new Map(rows.map((r) => [r.cluster, r.body]));
  }

  async queryGaps(q: AuditGapQuery): Promise<readonly string[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    inList('cluster', q.clusters, where, params);
    params.push(AUDIT_GAP_CAPACITY);
    const outer: string[] = ['n <= ?'];
    if (q.window !== undefined) {
      outer.push('end_ms >= ? AND start_ms < ?');
      params.push(q.window.start, q.window.end);
    }
    params.push(q.count ?? -1);
    const rows = this.#stmt(
      `SELECT body FROM (
         SELECT cluster, id, start_ms, end_ms, body, row_number() OVER (PARTITION BY cluster ORDER BY end_ms DESC, id DESC) AS n FROM audit_gaps
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ) WHERE ${outer.join(' AND ')} ORDER BY end_ms DESC, cluster DESC, id DESC LIMIT ?`,
    ).all(...params) as { body: string }[];
    return rows.map((r) => r.body);
  }

  async hasCluster(cluster: string): Promise<boolean> {
    return this.#catalogue.hasCluster(cluster);
  }

  async prune(cluster: string, nowMs: number): Promise<number> {
    const floorEtl = this.#stmt('SELECT id FROM etl_events WHERE cluster = ? AND category = ? ORDER BY id DESC LIMIT 1 OFFSET ?');
    const deleteEtl = this.#stmt('DELETE FROM etl_events WHERE cluster = ? AND category = ? AND id < ?');
    const floorAudit = this.#stmt('SELECT id FROM audit_events WHERE cluster = ? ORDER BY id DESC LIMIT 1 OFFSET ?');
    const deleteAudit = this.#stmt('DELETE FROM audit_events WHERE cluster = ? AND id < ?');
    return this.#db.transaction(() => {
      let deleted = 0;
      for (const category of ['allocation', 'asset']) {
        const floor = floorEtl.get(cluster, category, this.#limits.etlLogCapacity - 1) as { id: number } | undefined;
        if (floor !== undefined) deleted += deleteEtl.run(cluster, category, floor.id).changes;
      }
      const floor = floorAudit.get(cluster, this.#limits.auditCapacity - 1) as { id: number } | undefined;
      if (floor !== undefined) {
        // Notices still on the rows about to go become outbox rows first, which then keep their events' bodies.
        this.outbox.queueAuditNotices();
        keepReferencedBodies(this.#prepare, cluster, floor.id);
        deleted += deleteAudit.run(cluster, floor.id).changes;
      }
      deleted += this.#stmt(
        'DELETE FROM audit_gaps WHERE cluster = ? AND id IN (SELECT id FROM audit_gaps WHERE cluster = ? ORDER BY end_ms DESC, id DESC LIMIT -1 OFFSET ?)',
      ).run(cluster, cluster, AUDIT_GAP_CAPACITY).changes;
      return deleted + this.#catalogue.prune(cluster, nowMs);
    })();
  }

  async ping(): Promise<void> {
    this.#stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** A prepared statement, made once per SQL text; `bigints` returns integers as bigint (epoch ns exceed 2^53). */
  #stmt(sql: string, bigints = false): Statement {
    const key = `${bigints ? 'b' : 'n'}${sql}`;
    let s = this.#statements.get(key);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      if (bigints) s.safeIntegers(true);
      this.#statements.set(key, s);
    }
    return s;
  }

  #apply(records: readonly StoreRecord[]): void {
    const insertEtl = this.#stmt(
      'INSERT INTO etl_events (cluster, category, kind, time_ns, metadata, dedupe_key) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const count = this.#stmt('INSERT INTO etl_counters (cluster, kind, n) VALUES (?, ?, 1) ON CONFLICT (cluster, kind) DO UPDATE SET n = n + 1');
    const insertAudit = this.#stmt(
      `INSERT INTO audit_events (cluster, event_key, event_type, resource_type, namespace, total_monthly_rate, time_ms, changed_by, source, body, notify, notify_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    const etlTouched = new Set<string>();
    const auditTouched = new Set<string>();
    for (const r of records) {
      if (r.type === 'etl') {
        const row = etlRow(r.event);
        if (insertEtl.run(row.cluster, row.category, row.kind, row.timeNs, row.metadata, row.dedupeKey).changes > 0) {
          count.run(row.cluster, row.kind);
          etlTouched.add(row.cluster);
        }
      } else if (r.type === 'audit') {
        const row = auditRow(r.audit.event, r.audit.key);
        // The notices ride on the event's row (a key already held writes neither); the outbox queues them.
        const { notify, notifyMs } = this.outbox.noticeColumns(r.notify);
        if (insertAudit.run(row.cluster, row.key, row.eventType, row.resourceType, row.namespace, row.rate, row.timeMs, row.changedBy, row.source, row.body, notify, notifyMs).changes > 0) {
          auditTouched.add(row.cluster);
        }
      } else if (r.type === 'notification') {
        insertOutboxRow(this.#prepare, r.row);
      } else if (r.type === 'gap') {
        const g = gapRow(r.gap);
        this.#stmt('INSERT INTO audit_gaps (cluster, id, start_ms, end_ms, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(g.cluster, g.id, g.startMs, g.endMs, g.body);
      } else {
        this.#applyWorkload(r.change);
      }
    }
    const bump = this.#stmt(
      'INSERT INTO revisions (cluster, etl, audit) VALUES (?, ?, ?) ON CONFLICT (cluster) DO UPDATE SET etl = etl + excluded.etl, audit = audit + excluded.audit',
    );
    for (const c of new Set([...etlTouched, ...auditTouched])) bump.run(c, etlTouched.has(c) ? 1 : 0, auditTouched.has(c) ? 1 : 0);
  }

  #applyWorkload(change: WorkloadStateChange): void {
    const put = this.#stmt(
      `INSERT INTO workloads (cluster, resource_type, uid, name, namespace, resource_version, spec, last_seen_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cluster, resource_type, uid) DO UPDATE SET name = excluded.name, namespace = excluded.namespace,
         resource_version = excluded.resource_version, spec = excluded.spec, last_seen_ns = excluded.last_seen_ns`,
    );
    const mark = this.#stmt(
      'INSERT INTO workload_marks (cluster, resource_type, seen_until_ns) VALUES (?, ?, ?) ON CONFLICT (cluster, resource_type) DO UPDATE SET seen_until_ns = excluded.seen_until_ns',
    );
    const { cluster, resourceType } = change;
    const putOne = (w: KnownWorkload) => put.run(cluster, resourceType, w.uid, w.name, w.namespace, w.resourceVersion, JSON.stringify(w.spec), w.lastSeenNs);
    switch (change.op) {
      case 'put':
        putOne(change.workload);
        break;
      case 'remove':
        this.#stmt('DELETE FROM workloads WHERE cluster = ? AND resource_type = ? AND uid = ?').run(cluster, resourceType, change.uid);
        break;
      case 'replace':
        this.#stmt('DELETE FROM workloads WHERE cluster = ? AND resource_type = ?').run(cluster, resourceType);
        for (const w of change.workloads) putOne(w);
        mark.run(cluster, resourceType, change.atNs);
        break;
      case 'seen':
        mark.run(cluster, resourceType, change.atNs);
        break;
    }
  }
}
