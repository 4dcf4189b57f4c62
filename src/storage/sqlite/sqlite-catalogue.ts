import type Database from 'better-sqlite3';
import type { AuditEventType } from '../../audit/audit-event.js';
import { categoryOf, isEtlKind, type EtlKind } from '../../events/etl-kinds.js';
import { boundNs, MAX_STORED_NS as MAX_NS, MIN_STORED_NS as MIN_NS } from '../../time.js';
import {
  DISTINCT_LIMIT,
  type CustomEventRecord,
  type CustomEventsStored,
  type EventSummary,
  type EventSummaryQuery,
  type OccurrencePage,
  type OccurrenceQuery,
  type StoredOccurrence,
} from '../catalogue.js';
import { COUNT_PER_NAME_SQL, countKeys, countParams, countPlan } from '../custom-counts.js';
import { isAuditResourceType } from '../rows.js';
import type { ResolvedLimits } from '../store-limits.js';

type Statement = Database.Statement;
/** The store's prepared-statement cache; `bigints` reads integers as bigint. */
type Prepare = (sql: string, bigints?: boolean) => Statement;

/** Open ends of a range of epoch ms: the extreme dates. */
const MAX_MS = 8_640_000_000_000_000;

const ETL_FLOOR = `coalesce((SELECT x.id FROM etl_events x WHERE x.cluster = @project AND x.category = @category ORDER BY x.id DESC LIMIT 1 OFFSET @offsetFloor), 0)`;
const AUDIT_FLOOR = `coalesce((SELECT x.id FROM audit_events x WHERE x.cluster = @project ORDER BY x.id DESC LIMIT 1 OFFSET @offsetFloor), 0)`;

/**
 * The Cloud Eye part of the SQLite backend: custom events (with their hourly counts and the
 * per-project total that bounds them) and the summary and detail queries over custom, ETL and
 * audit rows. Methods run inside the caller's connection; writes in the caller's transaction.
 */
export class SqliteCatalogue {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Prepare,
    private readonly limits: ResolvedLimits,
  ) {}

  /** Inserts what is new, counts it, and evicts the oldest arrivals past the capacity; one immediate transaction. */
  insert(project: string, events: readonly CustomEventRecord[]): CustomEventsStored {
    const insert = this.stmt(
      `INSERT INTO custom_events (project, event_id, name, source, time_ms, level, state, event_user, dedupe_key, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    const held = this.stmt('SELECT event_id FROM custom_events WHERE project = ? AND dedupe_key = ?');
    const total = this.stmt(
      'INSERT INTO custom_event_projects (project, n, revision) VALUES (?, ?, 1) ON CONFLICT (project) DO UPDATE SET n = n + excluded.n, revision = revision + 1 RETURNING n',
    );
    // IMMEDIATE takes the write lock first: a second process cannot slip an identical event in between.
    return this.db
      .transaction((): CustomEventsStored => {
        const ids: string[] = [];
        const inserted: CustomEventRecord[] = [];
        for (const r of events) {
          if (insert.run(project, r.eventId, r.name, r.source, r.timeMs, r.level, r.state, r.user, r.dedupeKey, r.body).changes > 0) {
            ids.push(r.eventId);
            inserted.push(r);
          } else {
            ids.push((held.get(project, r.dedupeKey) as { event_id: string }).event_id);
          }
        }
        if (inserted.length > 0) {
          this.#count(project, inserted, 1);
          const { n } = total.get(project, inserted.length) as { n: number };
          const capacity = this.limits.customEventCapacity;
          if (n > capacity) this.#evict(project, n - capacity);
        }
        return { ids, inserted };
      })
      .immediate();
  }

  summarize(q: EventSummaryQuery): EventSummary {
    const from = q.fromMs ?? -MAX_MS;
    const to = q.toMs ?? MAX_MS;
    const etl: EventSummary['etl'][number][] = [];
    if (q.etl !== undefined) {
      const fromNs = q.fromMs === undefined ? MIN_NS : boundNs(q.fromMs);
      const toNs = q.toMs === undefined ? MAX_NS : boundNs(q.toMs);
      const rows = this.stmt(
        // The held rows of each category are its most recent by id; the range and the kind filter what is held.
        `SELECT kind, count(*) AS n, max(time_ns) AS latest FROM (
           SELECT * FROM (SELECT kind, time_ns FROM etl_events WHERE cluster = @project AND category = 'allocation' ORDER BY id DESC LIMIT @held)
           UNION ALL
           SELECT * FROM (SELECT kind, time_ns FROM etl_events WHERE cluster = @project AND category = 'asset' ORDER BY id DESC LIMIT @held)
         ) WHERE time_ns >= @fromNs AND time_ns < @toNs AND (@kind IS NULL OR kind = @kind)
         GROUP BY kind`,
        true,
      ).all({ project: q.project, held: this.limits.etlLogCapacity, fromNs, toNs, kind: q.etl.kind ?? null }) as { kind: string; n: bigint; latest: bigint }[];
      for (const r of rows) if (isEtlKind(r.kind)) etl.push({ kind: r.kind, count: Number(r.n), latestNs: r.latest });
    }
    const audit: EventSummary['audit'][number][] = [];
    if (q.audit !== undefined) {
      const rows = this.stmt(
        `SELECT event_type, resource_type, count(*) AS n, max(time_ms) AS latest
         FROM (SELECT event_type, resource_type, time_ms FROM audit_events WHERE cluster = @project ORDER BY id DESC LIMIT @held)
         WHERE time_ms >= @from AND time_ms < @to AND (@eventType IS NULL OR event_type = @eventType) AND (@resourceType IS NULL OR resource_type = @resourceType)
         GROUP BY event_type, resource_type`,
      ).all({
        project: q.project,
        held: this.limits.auditCapacity,
        from,
        to,
        eventType: q.audit.eventType ?? null,
        resourceType: q.audit.resourceType ?? null,
      }) as { event_type: AuditEventType; resource_type: string; n: number; latest: number }[];
      for (const r of rows) if (isAuditResourceType(r.resource_type)) audit.push({ eventType: r.event_type, resourceType: r.resource_type, count: r.n, latestMs: r.latest });
    }
    const custom: EventSummary['custom'][number][] = [];
    if (q.custom !== undefined) {
      const plan = countPlan({ ...q, ...(q.custom.notBeforeMs !== undefined && { fromMs: Math.max(q.fromMs ?? q.custom.notBeforeMs, q.custom.notBeforeMs) }) });
      const rows = this.stmt(
        `SELECT x.name AS name, x.n AS n, e.time_ms AS latest, e.source AS source FROM (${COUNT_PER_NAME_SQL}) x JOIN custom_events e ON e.id = x.latest_id`,
      ).all(countParams(q.project, q.custom.name, plan)) as { name: string; n: number; latest: number; source: string }[];
      for (const r of rows) custom.push({ name: r.name, count: r.n, latestMs: r.latest, latestSource: r.source });
    }
    return { etl, audit, custom };
  }

  occurrences(q: OccurrenceQuery): OccurrencePage {
    const range = { from: q.fromMs ?? -MAX_MS, to: q.toMs ?? MAX_MS };
    const page = { limit: q.limit, offset: q.offset };
    // One statement per call: the count of all that match, left-joined to the page (so an empty page still counts).
    const paged = (matching: string, columns: string, time: string) =>
      `WITH m AS (${matching})
       SELECT t.total AS total, ${columns} FROM (SELECT count(*) AS total FROM m) t
       LEFT JOIN (SELECT * FROM m ORDER BY ${time} DESC, id DESC LIMIT @limit OFFSET @offset) p ON 1 = 1
       ORDER BY p.${time} DESC, p.id DESC`;
    if (q.source === 'etl') {
      const rows = this.stmt(
        paged(
          `SELECT e.id, e.cluster, e.kind, e.time_ns, e.metadata FROM etl_events e
           WHERE e.cluster = @project AND e.category = @category AND e.id >= ${ETL_FLOOR} AND e.kind = @kind AND e.time_ns >= @fromNs AND e.time_ns < @toNs`,
          'p.cluster AS cluster, p.time_ns AS time_ns, p.metadata AS metadata',
          'time_ns',
        ),
        true,
      ).all({
        project: q.project,
        category: categoryOf(q.kind),
        offsetFloor: this.limits.etlLogCapacity - 1,
        kind: q.kind,
        fromNs: q.fromMs === undefined ? MIN_NS : boundNs(q.fromMs),
        toNs: q.toMs === undefined ? MAX_NS : boundNs(q.toMs),
        ...page,
      }) as { total: bigint; cluster: string | null; time_ns: bigint | null; metadata: string | null }[];
      const kind: EtlKind = q.kind;
      return this.#page(rows, (r) => (r.cluster === null ? undefined : { source: 'etl', cluster: r.cluster, kind, timeNs: r.time_ns ?? 0n, metadata: r.metadata ?? '{}' }));
    }
    if (q.source === 'audit') {
      const rows = this.stmt(
        paged(
          `SELECT a.id, a.cluster, a.event_key, a.time_ms, a.body FROM audit_events a
           WHERE a.cluster = @project AND a.id >= ${AUDIT_FLOOR} AND a.event_type = @eventType AND a.resource_type = @resourceType
             AND a.time_ms >= @from AND a.time_ms < @to`,
          'p.cluster AS cluster, p.event_key AS event_key, p.time_ms AS time_ms, p.body AS body',
          'time_ms',
        ),
      ).all({ project: q.project, offsetFloor: this.limits.auditCapacity - 1, eventType: q.eventType, resourceType: q.resourceType, ...range, ...page }) as {
        total: number;
        cluster: string | null;
        event_key: string | null;
        time_ms: number | null;
        body: string | null;
      }[];
      return this.#page(rows, (r) =>
        r.cluster === null ? undefined : { source: 'audit', cluster: r.cluster, key: r.event_key ?? '', timeMs: r.time_ms ?? 0, body: r.body ?? '{}' },
      );
    }
    const matching = `SELECT e.id, e.time_ms, e.body, e.source, e.event_user FROM custom_events e
      WHERE e.project = @project AND e.name = @name AND e.time_ms >= @from AND e.time_ms < @to
        AND (@eventSource IS NULL OR e.source = @eventSource) AND (@level IS NULL OR e.level = @level)
        AND (@state IS NULL OR e.state = @state) AND (@user IS NULL OR e.event_user = @user)`;
    const params = {
      project: q.project,
      name: q.name,
      ...range,
      eventSource: q.eventSource ?? null,
      level: q.level ?? null,
      state: q.state ?? null,
      user: q.user ?? null,
    };
    const rows = this.stmt(paged(matching, 'p.body AS body', 'time_ms')).all({ ...params, ...page }) as { total: number; body: string | null }[];
    const distinct = (column: string) =>
      (this.stmt(`WITH m AS (${matching}) SELECT DISTINCT ${column} AS v FROM m ORDER BY v LIMIT ${DISTINCT_LIMIT}`).all(params) as { v: string }[]).map((r) => r.v);
    const result = this.#page(rows, (r) => (r.body === null ? undefined : { source: 'custom', body: r.body }));
    return result.total === 0 ? result : { ...result, sources: distinct('source'), users: distinct('event_user') };
  }

  hasCluster(cluster: string): boolean {
    const r = this.stmt(
      `SELECT EXISTS (SELECT 1 FROM revisions WHERE cluster = @c) OR EXISTS (SELECT 1 FROM custom_event_projects WHERE project = @c AND n > 0)
         OR EXISTS (SELECT 1 FROM etl_sets WHERE cluster = @c) AS yes`,
    ).get({ c: cluster }) as { yes: number };
    return r.yes === 1;
  }

  /** Deletes the project's custom events past retention at `nowMs`, inside the caller's transaction; returns how many. */
  prune(project: string, nowMs: number): number {
    const cutoff = nowMs - this.limits.customEventRetentionMs;
    const expired = this.stmt('SELECT name, time_ms AS timeMs FROM custom_events WHERE project = ? AND time_ms < ?').all(project, cutoff) as { name: string; timeMs: number }[];
    if (expired.length === 0) return 0;
    this.stmt('DELETE FROM custom_events WHERE project = ? AND time_ms < ?').run(project, cutoff);
    this.#uncount(project, expired);
    return expired.length;
  }

  #evict(project: string, n: number): void {
    const oldest = this.stmt('SELECT id, name, time_ms AS timeMs FROM custom_events WHERE project = ? ORDER BY id LIMIT ?').all(project, n) as { id: number; name: string; timeMs: number }[];
    const last = oldest.at(-1);
    if (last === undefined) return;
    this.stmt('DELETE FROM custom_events WHERE project = ? AND id <= ?').run(project, last.id);
    this.#uncount(project, oldest);
  }

  /** Takes deleted rows off the counts and the project's total. */
  #uncount(project: string, rows: readonly { name: string; timeMs: number }[]): void {
    this.#count(project, rows, -1);
    this.stmt('DELETE FROM custom_event_counts WHERE project = ? AND n <= 0').run(project);
    this.stmt('UPDATE custom_event_projects SET n = n - ?, revision = revision + 1 WHERE project = ?').run(rows.length, project);
  }

  /** Adds `rows` to (or takes them from) the name totals, day and hour counts. */
  #count(project: string, rows: readonly { name: string; timeMs: number }[], sign: 1 | -1): void {
    const bump = this.stmt(
      'INSERT INTO custom_event_counts (project, name, width, bucket_ms, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project, name, width, bucket_ms) DO UPDATE SET n = n + excluded.n',
    );
    for (const c of countKeys(rows)) bump.run(project, c.name, c.width, c.bucket, sign * c.n);
  }

  /** The page's rows (absent when the page is empty: the one row then carries only the total). */
  #page<R extends { total: number | bigint }>(rows: readonly R[], toRow: (r: R) => StoredOccurrence | undefined): OccurrencePage {
    const out: StoredOccurrence[] = [];
    for (const r of rows) {
      const row = toRow(r);
      if (row !== undefined) out.push(row);
    }
    return { total: Number(rows[0]?.total ?? 0), rows: out, sources: [], users: [] };
  }
}
