import type Database from 'better-sqlite3';
import type { AuditEventType } from '../../audit/audit-event.js';
import { categoryOf, isEtlKind, type EtlKind } from '../../events/etl-kinds.js';
import { msToNs } from '../../time.js';
import {
  DEFAULT_CUSTOM_EVENT_CAPACITY,
  DEFAULT_CUSTOM_EVENT_RETENTION_MS,
  DISTINCT_LIMIT,
  type CustomEventRecord,
  type CustomEventsStored,
  type EventSummary,
  type EventSummaryQuery,
  type OccurrencePage,
  type OccurrenceQuery,
  type StoredOccurrence,
} from '../catalogue.js';
import { bucketOf, countPlan, isAuditResourceType } from '../rows.js';
import type { StoreLimits } from '../store.js';

type Statement = Database.Statement;
/** The store's prepared-statement cache; `bigints` reads integers as bigint. */
type Prepare = (sql: string, bigints?: boolean) => Statement;

/** Open ends of a range of epoch ns: SQLite's integer range. */
const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;
/** Open ends of a range of epoch ms: the extreme dates. */
const MAX_MS = 8_640_000_000_000_000;

const ETL_FLOOR = `coalesce((SELECT x.id FROM etl_events x WHERE x.cluster = @project AND x.category = @category ORDER BY x.id DESC LIMIT 1 OFFSET @offsetFloor), 0)`;
const AUDIT_FLOOR = `coalesce((SELECT x.id FROM audit_events x WHERE x.cluster = @project ORDER BY x.id DESC LIMIT 1 OFFSET @offsetFloor), 0)`;

/** Counts per (name, bucket), keyed `name\0bucket`, to add to or take from `custom_event_counts`. */
type BucketCounts = Map<string, { name: string; bucket: number; n: number }>;

function addTo(counts: BucketCounts, name: string, timeMs: number, n = 1): void {
  const bucket = bucketOf(timeMs);
  const key = `${name}\u0000${bucket}`;
  const c = counts.get(key);
  if (c === undefined) counts.set(key, { name, bucket, n });
  else c.n += n;
}

/**
 * The Cloud Eye part of the SQLite backend: custom events (with their hourly counts and the
 * per-project total that bounds them) and the summary and detail queries over custom, ETL and
 * audit rows. Methods run inside the caller's connection; writes in the caller's transaction.
 */
export class SqliteCatalogue {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Prepare,
    private readonly limits: StoreLimits,
  ) {}

  /** Inserts what is new, counts it, and evicts the oldest arrivals past the capacity; one immediate transaction. */
  insert(project: string, events: readonly CustomEventRecord[]): CustomEventsStored {
    const insert = this.stmt(
      `INSERT INTO custom_events (project, event_id, name, source, time_ms, level, state, event_user, dedupe_key, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    const held = this.stmt('SELECT event_id FROM custom_events WHERE project = ? AND dedupe_key = ?');
    const total = this.stmt('INSERT INTO custom_event_projects (project, n) VALUES (?, ?) ON CONFLICT (project) DO UPDATE SET n = n + excluded.n RETURNING n');
    // IMMEDIATE takes the write lock first: a second process cannot slip an identical event in between.
    return this.db
      .transaction((): CustomEventsStored => {
        const ids: string[] = [];
        const inserted: CustomEventRecord[] = [];
        const counts: BucketCounts = new Map();
        for (const r of events) {
          if (insert.run(project, r.eventId, r.name, r.source, r.timeMs, r.level, r.state, r.user, r.dedupeKey, r.body).changes > 0) {
            ids.push(r.eventId);
            inserted.push(r);
            addTo(counts, r.name, r.timeMs);
          } else {
            ids.push((held.get(project, r.dedupeKey) as { event_id: string }).event_id);
          }
        }
        if (inserted.length > 0) {
          this.#count(project, counts, 1);
          const { n } = total.get(project, inserted.length) as { n: number };
          const capacity = this.limits.customEventCapacity ?? DEFAULT_CUSTOM_EVENT_CAPACITY;
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
      const fromNs = q.fromMs === undefined ? MIN_NS : msToNs(q.fromMs);
      const toNs = q.toMs === undefined ? MAX_NS : msToNs(q.toMs);
      const rows = this.stmt(
        `WITH floors AS (
           SELECT c.category AS category, ${ETL_FLOOR.replaceAll('@category', 'c.category')} AS floor
           FROM (SELECT 'allocation' AS category UNION ALL SELECT 'asset') c
         )
         SELECT e.kind AS kind, count(*) AS n, max(e.time_ns) AS latest
         FROM floors f JOIN etl_events e ON e.cluster = @project AND e.category = f.category AND e.id >= f.floor
         WHERE e.time_ns >= @fromNs AND e.time_ns < @toNs AND (@kind IS NULL OR e.kind = @kind)
         GROUP BY e.kind`,
        true,
      ).all({ project: q.project, offsetFloor: this.limits.etlLogCapacity - 1, fromNs, toNs, kind: q.etl.kind ?? null }) as { kind: string; n: bigint; latest: bigint }[];
      for (const r of rows) if (isEtlKind(r.kind)) etl.push({ kind: r.kind, count: Number(r.n), latestNs: r.latest });
    }
    const audit: EventSummary['audit'][number][] = [];
    if (q.audit !== undefined) {
      const rows = this.stmt(
        `SELECT a.event_type AS event_type, a.resource_type AS resource_type, count(*) AS n, max(a.time_ms) AS latest
         FROM audit_events a
         WHERE a.cluster = @project AND a.id >= ${AUDIT_FLOOR} AND a.time_ms >= @from AND a.time_ms < @to
           AND (@eventType IS NULL OR a.event_type = @eventType) AND (@resourceType IS NULL OR a.resource_type = @resourceType)
         GROUP BY a.event_type, a.resource_type`,
      ).all({
        project: q.project,
        offsetFloor: this.limits.auditCapacity - 1,
        from,
        to,
        eventType: q.audit.eventType ?? null,
        resourceType: q.audit.resourceType ?? null,
      }) as { event_type: AuditEventType; resource_type: string; n: number; latest: number }[];
      for (const r of rows) if (isAuditResourceType(r.resource_type)) audit.push({ eventType: r.event_type, resourceType: r.resource_type, count: r.n, latestMs: r.latest });
    }
    const custom: EventSummary['custom'][number][] = [];
    if (q.custom !== undefined) {
      const plan = countPlan({ ...q, fromMs: Math.max(from, q.custom.notBeforeMs ?? from) });
      const rows = this.stmt(
        `SELECT x.name AS name, x.n AS n, e.time_ms AS latest, e.source AS source FROM (
           SELECT c.name AS name,
             (SELECT coalesce(sum(b.n), 0) FROM custom_event_counts b
               WHERE b.project = @project AND b.name = c.name AND b.bucket_ms >= @bucketStart AND b.bucket_ms < @bucketEnd)
             + (SELECT count(*) FROM custom_events e WHERE e.project = @project AND e.name = c.name AND e.time_ms >= @from AND e.time_ms < @leftEnd)
             + (SELECT count(*) FROM custom_events e WHERE e.project = @project AND e.name = c.name AND e.time_ms >= @rightStart AND e.time_ms < @to) AS n,
             (SELECT e.id FROM custom_events e WHERE e.project = @project AND e.name = c.name AND e.time_ms >= @from AND e.time_ms < @to
               ORDER BY e.time_ms DESC, e.id DESC LIMIT 1) AS latest_id
           FROM (SELECT DISTINCT name FROM custom_event_counts WHERE project = @project AND (@name IS NULL OR name = @name)) c
         ) x JOIN custom_events e ON e.id = x.latest_id`,
      ).all({ project: q.project, name: q.custom.name ?? null, ...plan }) as { name: string; n: number; latest: number; source: string }[];
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
        fromNs: q.fromMs === undefined ? MIN_NS : msToNs(q.fromMs),
        toNs: q.toMs === undefined ? MAX_NS : msToNs(q.toMs),
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
      'SELECT EXISTS (SELECT 1 FROM revisions WHERE cluster = @c) OR EXISTS (SELECT 1 FROM custom_event_projects WHERE project = @c AND n > 0) AS yes',
    ).get({ c: cluster }) as { yes: number };
    return r.yes === 1;
  }

  /** Deletes the project's custom events past retention at `nowMs`, inside the caller's transaction; returns how many. */
  prune(project: string, nowMs: number): number {
    const cutoff = nowMs - (this.limits.customEventRetentionMs ?? DEFAULT_CUSTOM_EVENT_RETENTION_MS);
    const expired = this.stmt('SELECT name, time_ms FROM custom_events WHERE project = ? AND time_ms < ?').all(project, cutoff) as { name: string; time_ms: number }[];
    if (expired.length === 0) return 0;
    this.stmt('DELETE FROM custom_events WHERE project = ? AND time_ms < ?').run(project, cutoff);
    this.#uncount(project, expired);
    return expired.length;
  }

  #evict(project: string, n: number): void {
    const oldest = this.stmt('SELECT id, name, time_ms FROM custom_events WHERE project = ? ORDER BY id LIMIT ?').all(project, n) as { id: number; name: string; time_ms: number }[];
    const last = oldest.at(-1);
    if (last === undefined) return;
    this.stmt('DELETE FROM custom_events WHERE project = ? AND id <= ?').run(project, last.id);
    this.#uncount(project, oldest);
  }

  /** Takes deleted rows off the hourly counts and the project's total. */
  #uncount(project: string, rows: readonly { name: string; time_ms: number }[]): void {
    const counts: BucketCounts = new Map();
    for (const r of rows) addTo(counts, r.name, r.time_ms);
    this.#count(project, counts, -1);
    this.stmt('DELETE FROM custom_event_counts WHERE project = ? AND n <= 0').run(project);
    this.stmt('UPDATE custom_event_projects SET n = n - ? WHERE project = ?').run(rows.length, project);
  }

  #count(project: string, counts: BucketCounts, sign: 1 | -1): void {
    const bump = this.stmt(
      'INSERT INTO custom_event_counts (project, name, bucket_ms, n) VALUES (?, ?, ?, ?) ON CONFLICT (project, name, bucket_ms) DO UPDATE SET n = n + excluded.n',
    );
    for (const c of counts.values()) bump.run(project, c.name, c.bucket, sign * c.n);
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
