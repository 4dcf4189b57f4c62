import type pg from 'pg';
import type { AuditEventType } from '../../audit/audit-event.js';
import { categoryOf, isEtlKind } from '../../events/etl-kinds.js';
import { boundNs, MAX_STORED_NS, MIN_STORED_NS } from '../../time.js';
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

/** A pool or a checked-out client. */
type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** Open ends of a range of epoch ns: PostgreSQL's bigint range. */
const MIN_NS = String(MIN_STORED_NS);
const MAX_NS = String(MAX_STORED_NS);
/** Open ends of a range of epoch ms: the extreme dates. */
const MAX_MS = 8_640_000_000_000_000;

/** 'ces ' as a 32-bit integer: the advisory lock class of custom-event writers; the project's hash is the other half. */
const LOCK_CLASS = 0x63657320;

/** Adds `rows` to (or takes them from) the name totals, day and hour counts, in one statement. */
async function count(client: Queryable, project: string, rows: readonly { name: string; timeMs: number }[], sign: 1 | -1): Promise<void> {
  if (rows.length === 0) return;
  const keys = countKeys(rows);
  await client.query(
    `INSERT INTO custom_event_counts (project, name, width, bucket_ms, n) SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
     ON CONFLICT (project, name, width, bucket_ms) DO UPDATE SET n = custom_event_counts.n + excluded.n`,
    [project, keys.map((k) => k.name), keys.map((k) => k.width), keys.map((k) => k.bucket), keys.map((k) => sign * k.n)],
  );
  if (sign < 0) {
    await client.query('DELETE FROM custom_event_counts WHERE project = $1 AND n <= 0', [project]);
    await client.query('UPDATE custom_event_projects SET n = n - $2, revision = revision + 1 WHERE project = $1', [project, rows.length]);
  }
}

/** Serialises the custom-event writers of one project (replicas included) until the transaction ends. */
async function lockProject(client: pg.PoolClient, project: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || $2))', [LOCK_CLASS, project]);
}

/**
 * Stores a batch inside the caller's transaction: what is new in one statement, the ids of what
 * was already held in another, then the hourly counts, the project's total and the eviction of
 * the oldest arrivals past the capacity. The project lock makes a replica reporting the same event
 * at the same moment find it, and keeps the total exact.
 */
export async function insertCustomEvents(client: pg.PoolClient, project: string, events: readonly CustomEventRecord[], limits: ResolvedLimits): Promise<CustomEventsStored> {
  await lockProject(client, project);
  const firsts = new Map<string, CustomEventRecord>();
  for (const r of events) if (!firsts.has(r.dedupeKey)) firsts.set(r.dedupeKey, r);
  const batch = [...firsts.values()];
  const col = <K extends keyof CustomEventRecord>(k: K) => batch.map((r) => r[k]);
  const { rows: insertedRows } = await client.query<{ dedupe_key: string }>(
    `INSERT INTO custom_events (project, event_id, name, source, time_ms, level, state, event_user, dedupe_key, body)
     SELECT $1, event_id, name, source, time_ms, level, state, event_user, dedupe_key, body
     FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
       WITH ORDINALITY AS r(event_id, name, source, time_ms, level, state, event_user, dedupe_key, body, ord)
     ORDER BY ord
     ON CONFLICT (project, dedupe_key) DO NOTHING RETURNING dedupe_key`,
    [project, col('eventId'), col('name'), col('source'), col('timeMs'), col('level'), col('state'), col('user'), col('dedupeKey'), col('body')],
  );
  const { rows: held } = await client.query<{ dedupe_key: string; event_id: string }>(
    'SELECT dedupe_key, event_id FROM custom_events WHERE project = $1 AND dedupe_key = ANY($2::text[])',
    [project, [...firsts.keys()]],
  );
  const idOf = new Map(held.map((r) => [r.dedupe_key, r.event_id]));
  const fresh = new Set(insertedRows.map((r) => r.dedupe_key));
  const inserted = batch.filter((r) => fresh.has(r.dedupeKey));
  if (inserted.length > 0) {
    await count(client, project, inserted, 1);
    const { rows } = await client.query<{ n: string }>(
      `INSERT INTO custom_event_projects (project, n, revision) VALUES ($1, $2, 1)
       ON CONFLICT (project) DO UPDATE SET n = custom_event_projects.n + excluded.n, revision = custom_event_projects.revision + 1 RETURNING n::text`,
      [project, inserted.length],
    );
    const excess = Number(rows[0]?.n ?? 0) - limits.customEventCapacity;
    if (excess > 0) {
      const { rows: evicted } = await client.query<{ name: string; time_ms: string }>(
        `DELETE FROM custom_events WHERE id IN (SELECT id FROM custom_events WHERE project = $1 ORDER BY id LIMIT $2) RETURNING name, time_ms::text`,
        [project, excess],
      );
      await count(client, project, evicted.map((r) => ({ name: r.name, timeMs: Number(r.time_ms) })), -1);
    }
  }
  // Every key was inserted or held before this statement, so each has an id.
  return { ids: events.map((r) => idOf.get(r.dedupeKey) ?? r.eventId), inserted };
}

/** Deletes the project's custom events past retention at `nowMs`, inside the caller's transaction; returns how many. */
export async function pruneCustomEvents(client: pg.PoolClient, project: string, nowMs: number, limits: ResolvedLimits): Promise<number> {
  await lockProject(client, project);
  const cutoff = nowMs - limits.customEventRetentionMs;
  const { rows } = await client.query<{ name: string; time_ms: string }>('DELETE FROM custom_events WHERE project = $1 AND time_ms < $2 RETURNING name, time_ms::text', [
    project,
    cutoff,
  ]);
  await count(client, project, rows.map((r) => ({ name: r.name, timeMs: Number(r.time_ms) })), -1);
  return rows.length;
}

const ETL_HELD = ['allocation', 'asset'] as const;

/**
 * The held ETL rows of one category of cluster `$1`: its `$2` most recent by id. Each category is
 * its own subquery naming it literally; joined to a list of categories, a plan could compute the
 * cut once per row (it did, at 280 ms a summary, before the table was analysed).
 */
const etlHeld = (category: (typeof ETL_HELD)[number]) =>
  `(SELECT kind, time_ns FROM etl_events WHERE cluster = $1 AND category = '${category}' ORDER BY id DESC LIMIT $2)`;

/** The summary: three statements, run at once on the pool. */
export async function summarizeEvents(db: Queryable, q: EventSummaryQuery, limits: ResolvedLimits): Promise<EventSummary> {
  const from = q.fromMs ?? -MAX_MS;
  const to = q.toMs ?? MAX_MS;
  const none = Promise.resolve({ rows: [] });
  const [etl, audit, custom] = await Promise.all([
    q.etl === undefined
      ? none
      : db.query<{ kind: string; n: number; latest: string }>(
          `SELECT kind, count(*)::int AS n, max(time_ns)::text AS latest FROM (${ETL_HELD.map(etlHeld).join(' UNION ALL ')}) held
           WHERE time_ns >= $3 AND time_ns < $4 AND ($5::text IS NULL OR kind = $5)
           GROUP BY kind`,
          [
            q.project,
            limits.etlLogCapacity,
            q.fromMs === undefined ? MIN_NS : String(boundNs(q.fromMs)),
            q.toMs === undefined ? MAX_NS : String(boundNs(q.toMs)),
            q.etl.kind ?? null,
          ],
        ),
    q.audit === undefined
      ? none
      : db.query<{ event_type: AuditEventType; resource_type: string; n: number; latest: string }>(
          `SELECT event_type, resource_type, count(*)::int AS n, max(time_ms)::text AS latest
           FROM (SELECT event_type, resource_type, time_ms FROM audit_events WHERE cluster = $1 ORDER BY id DESC LIMIT $2) held
           WHERE time_ms >= $3 AND time_ms < $4 AND ($5::text IS NULL OR event_type = $5) AND ($6::text IS NULL OR resource_type = $6)
           GROUP BY event_type, resource_type`,
          [q.project, limits.auditCapacity, from, to, q.audit.eventType ?? null, q.audit.resourceType ?? null],
        ),
    q.custom === undefined
      ? none
      : summarizeCustom(db, q.project, q.custom.name, { ...q, ...(q.custom.notBeforeMs !== undefined && { fromMs: Math.max(q.fromMs ?? q.custom.notBeforeMs, q.custom.notBeforeMs) }) }),
  ]);
  return {
    etl: etl.rows.flatMap((r) => (isEtlKind(r.kind) ? [{ kind: r.kind, count: r.n, latestNs: BigInt(r.latest) }] : [])),
    audit: audit.rows.flatMap((r) => (isAuditResourceType(r.resource_type) ? [{ eventType: r.event_type, resourceType: r.resource_type, count: r.n, latestMs: Number(r.latest) }] : [])),
    custom: custom.rows.map((r) => ({ name: r.name, count: Number(r.n), latestMs: Number(r.latest), latestSource: r.source })),
  };
}

/** Per name: whole days and hours from the count table, the partial hours through the (project, name, time) index; the latest by one index seek. */
function summarizeCustom(db: Queryable, project: string, name: string | undefined, range: EventSummaryQuery) {
  const { sql, values } = positional(
    `SELECT x.name, x.n::text AS n, e.time_ms::text AS latest, e.source FROM (${COUNT_PER_NAME_SQL}) x JOIN custom_events e ON e.id = x.latest_id`,
    countParams(project, name, countPlan(range)),
  );
  return db.query<{ name: string; n: string; latest: string; source: string }>(sql, values);
}

/** `@name` parameters to PostgreSQL's `$1`, each name one position however often it appears; typed so `@x IS NULL` plans. */
function positional(sql: string, params: Record<string, string | number | null>): { sql: string; values: unknown[] } {
  const order: string[] = [];
  const text = sql.replace(/@(\w+)/g, (_m, key: string) => {
    let i = order.indexOf(key);
    if (i === -1) i = order.push(key) - 1;
    const v = params[key];
    return `$${i + 1}::${typeof v === 'number' ? 'bigint' : 'text'}`;
  });
  return { sql: text, values: order.map((k) => params[k]) };
}

/** A page of one name's occurrences and the count of all that match, in one statement (the count left-joined to the page). */
export async function queryOccurrences(db: Queryable, q: OccurrenceQuery, limits: ResolvedLimits): Promise<OccurrencePage> {
  const params: unknown[] = [q.project];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const paged = (matching: string, columns: string, time: string) =>
    `WITH m AS (${matching})
     SELECT t.total, ${columns} FROM (SELECT count(*)::int AS total FROM m) t
     LEFT JOIN (SELECT * FROM m ORDER BY ${time} DESC, id DESC LIMIT ${p(q.limit)} OFFSET ${p(q.offset)}) pg ON true
     ORDER BY pg.${time} DESC, pg.id DESC`;
  const from = q.fromMs ?? -MAX_MS;
  const to = q.toMs ?? MAX_MS;
  if (q.source === 'etl') {
    const category = p(categoryOf(q.kind));
    const sql = paged(
      `SELECT e.id, e.cluster, e.time_ns, e.metadata FROM etl_events e
       WHERE e.cluster = $1 AND e.category = ${category} AND e.kind = ${p(q.kind)}
         AND e.id >= coalesce((SELECT x.id FROM etl_events x WHERE x.cluster = $1 AND x.category = ${category} ORDER BY x.id DESC OFFSET ${p(limits.etlLogCapacity - 1)} LIMIT 1), 0)
         AND e.time_ns >= ${p(q.fromMs === undefined ? MIN_NS : String(boundNs(q.fromMs)))} AND e.time_ns < ${p(q.toMs === undefined ? MAX_NS : String(boundNs(q.toMs)))}`,
      'pg.cluster, pg.time_ns::text AS time_ns, pg.metadata',
      'time_ns',
    );
    const { rows } = await db.query<{ total: number; cluster: string | null; time_ns: string | null; metadata: string | null }>(sql, params);
    const kind = q.kind;
    return page(rows, (r) => (r.cluster === null ? undefined : { source: 'etl', cluster: r.cluster, kind, timeNs: BigInt(r.time_ns ?? '0'), metadata: r.metadata ?? '{}' }));
  }
  if (q.source === 'audit') {
    const sql = paged(
      `SELECT a.id, a.cluster, a.event_key, a.time_ms, a.body FROM audit_events a
       WHERE a.cluster = $1 AND a.event_type = ${p(q.eventType)} AND a.resource_type = ${p(q.resourceType)}
         AND a.id >= coalesce((SELECT x.id FROM audit_events x WHERE x.cluster = $1 ORDER BY x.id DESC OFFSET ${p(limits.auditCapacity - 1)} LIMIT 1), 0)
         AND a.time_ms >= ${p(from)} AND a.time_ms < ${p(to)}`,
      'pg.cluster, pg.event_key, pg.time_ms::text AS time_ms, pg.body',
      'time_ms',
    );
    const { rows } = await db.query<{ total: number; cluster: string | null; event_key: string | null; time_ms: string | null; body: string | null }>(sql, params);
    return page(rows, (r) => (r.cluster === null ? undefined : { source: 'audit', cluster: r.cluster, key: r.event_key ?? '', timeMs: Number(r.time_ms), body: r.body ?? '{}' }));
  }
  const matching = `SELECT e.id, e.time_ms, e.body, e.source, e.event_user FROM custom_events e
    WHERE e.project = $1 AND e.name = ${p(q.name)} AND e.time_ms >= ${p(from)} AND e.time_ms < ${p(to)}
      AND (${p(q.eventSource ?? null)}::text IS NULL OR e.source = $${params.length}) AND (${p(q.level ?? null)}::text IS NULL OR e.level = $${params.length})
      AND (${p(q.state ?? null)}::text IS NULL OR e.state = $${params.length}) AND (${p(q.user ?? null)}::text IS NULL OR e.event_user = $${params.length})`;
  const filterParams = [...params];
  const { rows } = await db.query<{ total: number; body: string | null }>(paged(matching, 'pg.body', 'time_ms'), params);
  const result = page(rows, (r) => (r.body === null ? undefined : { source: 'custom', body: r.body }));
  if (result.total === 0) return result;
  const distinct = async (column: string) =>
    (await db.query<{ v: string }>(`WITH m AS (${matching}) SELECT DISTINCT ${column} COLLATE "C" AS v FROM m ORDER BY v LIMIT ${DISTINCT_LIMIT}`, filterParams)).rows.map((r) => r.v);
  const [sources, users] = await Promise.all([distinct('source'), distinct('event_user')]);
  return { ...result, sources, users };
}

/** True when the cluster has stored ETL or audit events, custom events, or ETL sets. */
export async function hasCluster(db: Queryable, cluster: string): Promise<boolean> {
  const { rows } = await db.query<{ yes: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM revisions WHERE cluster = $1) OR EXISTS (SELECT 1 FROM custom_event_projects WHERE project = $1 AND n > 0)
       OR EXISTS (SELECT 1 FROM etl_sets WHERE cluster = $1) AS yes`,
    [cluster],
  );
  return rows[0]?.yes === true;
}

function page<R extends { total: number }>(rows: readonly R[], toRow: (r: R) => StoredOccurrence | undefined): OccurrencePage {
  const out: StoredOccurrence[] = [];
  for (const r of rows) {
    const row = toRow(r);
    if (row !== undefined) out.push(row);
  }
  return { total: rows[0]?.total ?? 0, rows: out, sources: [], users: [] };
}
