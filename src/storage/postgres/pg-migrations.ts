import type { PoolClient } from 'pg';
import { bodyWithId } from '../audit-lookup.js';

/** One versioned step of the PostgreSQL schema. Steps are append-only: a released step never changes. */
interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** Rewrites rows after `sql`, in the same transaction, for what SQL cannot compute. */
  readonly backfill?: (client: PoolClient) => Promise<void>;
}

/** The PostgreSQL schema, step by step; `schema_migrations` records the steps applied. */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ETL events and counters, audit events, remembered workloads, revisions',
    sql: `
      CREATE TABLE etl_events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        cluster TEXT NOT NULL,
        category TEXT NOT NULL,
        kind TEXT NOT NULL,
        time_ns BIGINT NOT NULL,
        metadata TEXT NOT NULL,
        dedupe_key TEXT
      );
      CREATE INDEX etl_events_recent ON etl_events (cluster, category, id);
      CREATE UNIQUE INDEX etl_events_dedupe ON etl_events (cluster, dedupe_key) WHERE dedupe_key IS NOT NULL;
      CREATE TABLE etl_counters (
        cluster TEXT NOT NULL,
        kind TEXT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (cluster, kind)
      );
      CREATE TABLE audit_events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        cluster TEXT NOT NULL,
        event_key TEXT NOT NULL,
        event_type TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        namespace TEXT NOT NULL,
        total_monthly_rate DOUBLE PRECISION NOT NULL,
        body TEXT NOT NULL
      );
      CREATE UNIQUE INDEX audit_events_key ON audit_events (cluster, event_key);
      CREATE INDEX audit_events_recent ON audit_events (cluster, id);
      CREATE TABLE workloads (
        cluster TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        uid TEXT NOT NULL,
        name TEXT NOT NULL,
        namespace TEXT NOT NULL,
        resource_version TEXT NOT NULL,
        spec TEXT NOT NULL,
        last_seen_ns BIGINT NOT NULL,
        PRIMARY KEY (cluster, resource_type, uid)
      );
      CREATE TABLE workload_marks (
        cluster TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        seen_until_ns BIGINT NOT NULL,
        PRIMARY KEY (cluster, resource_type)
      );
      CREATE TABLE revisions (
        cluster TEXT PRIMARY KEY,
        etl BIGINT NOT NULL DEFAULT 0,
        audit BIGINT NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 2,
    name: 'Cloud Eye: custom events, their counts per hour and per project; audit event times',
    // An audit event's time, for Cloud Eye's time ranges, as a column. The trigger fills it for a
    // replica of version 1 still writing during a rolling upgrade (it leaves the default 0); the
    // timestamp is cut to milliseconds first, so the figure is the one JavaScript's Date.parse gives.
    sql: `
      ALTER TABLE audit_events ADD COLUMN time_ms BIGINT NOT NULL DEFAULT 0;
      CREATE FUNCTION audit_event_time_ms(body TEXT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
        SELECT round(extract(epoch FROM (rtrim(left(body::json->>'timestamp', 23), 'Z') || 'Z')::timestamptz) * 1000)::bigint
      $$;
      UPDATE audit_events SET time_ms = audit_event_time_ms(body);
      CREATE FUNCTION audit_events_fill_time_ms() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.time_ms = 0 THEN NEW.time_ms := audit_event_time_ms(NEW.body); END IF;
        RETURN NEW;
      END
      $$;
      CREATE TRIGGER audit_events_time_ms BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_fill_time_ms();
      CREATE TABLE custom_events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        project TEXT NOT NULL,
        event_id TEXT NOT NULL,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        time_ms BIGINT NOT NULL,
        level TEXT NOT NULL,
        state TEXT NOT NULL,
        event_user TEXT NOT NULL,
        dedupe_key TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE UNIQUE INDEX custom_events_dedupe ON custom_events (project, dedupe_key);
      CREATE INDEX custom_events_name_time ON custom_events (project, name, time_ms, id);
      CREATE INDEX custom_events_arrival ON custom_events (project, id);
      CREATE INDEX custom_events_time ON custom_events (project, time_ms);
      CREATE TABLE custom_event_counts (
        project TEXT NOT NULL,
        name TEXT NOT NULL,
        bucket_ms BIGINT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (project, name, bucket_ms)
      );
      CREATE TABLE custom_event_projects (
        project TEXT PRIMARY KEY,
        n BIGINT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'Cloud Eye: custom events counted per name in total, per day and per hour; a revision per project',
    // A summary over a long range then reads tens of rows per name instead of one per hour.
    sql: `
      DROP TABLE custom_event_counts;
      CREATE TABLE custom_event_counts (
        project TEXT NOT NULL,
        name TEXT NOT NULL,
        width BIGINT NOT NULL,
        bucket_ms BIGINT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (project, name, width, bucket_ms)
      );
      INSERT INTO custom_event_counts SELECT project, name, 0, 0, count(*) FROM custom_events GROUP BY project, name;
      INSERT INTO custom_event_counts SELECT project, name, 86400000, (time_ms / 86400000) * 86400000 AS bucket, count(*) FROM custom_events GROUP BY project, name, bucket;
      INSERT INTO custom_event_counts SELECT project, name, 3600000, (time_ms / 3600000) * 3600000 AS bucket, count(*) FROM custom_events GROUP BY project, name, bucket;
      ALTER TABLE custom_event_projects ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 4,
    name: 'ETL: allocation and asset sets, one row per cluster, category, resolution and window',
    // The payload is the set codec's bytes, stored whole and never looked into (TOAST keeps it out
    // of line, so listing never reads it). cluster sorts as JavaScript sorts (COLLATE "C"), so the
    // index serves the listing order. end_ms > start_ms also lets queries bound start_ms by an end
    // bound, so they seek by index.
    sql: `
      CREATE TABLE etl_sets (
        cluster TEXT COLLATE "C" NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('allocation', 'asset')),
        resolution_ms BIGINT NOT NULL CHECK (resolution_ms > 0),
        start_ms BIGINT NOT NULL,
        end_ms BIGINT NOT NULL,
        size BIGINT NOT NULL CHECK (size >= 0),
        reconciled TEXT,
        payload BYTEA NOT NULL,
        PRIMARY KEY (cluster, category, resolution_ms, start_ms),
        CHECK (end_ms > start_ms)
      );
      CREATE INDEX etl_sets_by_start ON etl_sets (category, resolution_ms, start_ms, cluster);
    `,
  },
  {
    version: 5,
    name: 'Change intelligence: audit events by time (lookup by id), by manager and by source; ids of the events already stored',
    // As SQLite's step 5: the rows of an id's millisecond are read and their ids derived; the
    // filters' columns are NULL for events stored before; JavaScript adds the ids (a hash) to bodies.
    sql: `
      ALTER TABLE audit_events ADD COLUMN changed_by TEXT;
      ALTER TABLE audit_events ADD COLUMN source TEXT;
      CREATE INDEX audit_events_time ON audit_events (time_ms);
    `,
    backfill: async (client) => {
      for (let after = '0'; ; ) {
        const { rows } = await client.query<{ id: string; cluster: string; key: string; time_ms: string; body: string }>(
          'SELECT id::text AS id, cluster, event_key AS key, time_ms::text AS time_ms, body FROM audit_events WHERE id > $1 ORDER BY id LIMIT 1000',
          [after],
        );
        if (rows.length === 0) return;
        const bodies = rows.map((r) => bodyWithId({ cluster: r.cluster, key: r.key, timeMs: Number(r.time_ms), body: r.body }));
        await client.query('UPDATE audit_events a SET body = u.body FROM unnest($1::bigint[], $2::text[]) AS u(id, body) WHERE a.id = u.id', [rows.map((r) => r.id), bodies]);
        after = rows[rows.length - 1]?.id ?? after;
      }
    },
  },
  {
    version: 6,
    name: 'ETL: the last repair of each cluster, so a restart can say it interrupted one',
    sql: `
      CREATE TABLE etl_repairs (
        cluster TEXT COLLATE "C" PRIMARY KEY,
        body TEXT NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'Notifications: the durable outbox, written with the events that trigger it',
    // id is unique per event, route and sink, so two replicas writing one change write one row.
    // Replicas lease rows with FOR UPDATE SKIP LOCKED; dead_ms set: a dead letter, kept for the status route.
    sql: `
      CREATE TABLE notify_outbox (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        cluster TEXT NOT NULL,
        route TEXT NOT NULL,
        sink TEXT NOT NULL,
        group_key TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        not_before_ms BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until_ms BIGINT NOT NULL DEFAULT 0,
        last_error TEXT,
        dead_ms BIGINT,
        message TEXT NOT NULL
      );
      CREATE INDEX notify_outbox_due ON notify_outbox (not_before_ms) WHERE dead_ms IS NULL;
      CREATE INDEX notify_outbox_group ON notify_outbox (route, sink, group_key) WHERE dead_ms IS NULL AND group_key <> '';
      CREATE INDEX notify_outbox_dead ON notify_outbox (dead_ms) WHERE dead_ms IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'Audit gaps: spans in which the watches could not see changes, and what the lists that ended them found',
    // id is derived from the gap (cluster, kinds, start, end), so a batch written twice is one row.
    sql: `
      CREATE TABLE audit_gaps (
        cluster TEXT COLLATE "C" NOT NULL,
        id TEXT COLLATE "C" NOT NULL,
        start_ms BIGINT NOT NULL,
        end_ms BIGINT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (cluster, id)
      );
      CREATE INDEX audit_gaps_end ON audit_gaps (cluster, end_ms);
    `,
  },
  {
    version: 9,
    name: 'Notifications: an audit notification refers to its stored event instead of copying it',
    // An audit notice is written only by the transaction that inserted its event (a replica that
    // finds the key held writes none), so it needs no id: id, its unique index (now partial) and
    // message are for rows that carry their message (ETL conditions, tests, rows of earlier
    // versions, kept as they were). event_body: the event's body, copied by pruning when it
    // removes an event a row still refers to.
    sql: `
      ALTER TABLE notify_outbox DROP CONSTRAINT notify_outbox_id_key;
      ALTER TABLE notify_outbox ALTER COLUMN id DROP NOT NULL, ALTER COLUMN message DROP NOT NULL,
        ADD COLUMN event_key TEXT, ADD COLUMN event_body TEXT,
        ADD CONSTRAINT notify_outbox_copy_or_reference CHECK ((message IS NULL) = (event_key IS NOT NULL));
      CREATE UNIQUE INDEX notify_outbox_id ON notify_outbox (id) WHERE id IS NOT NULL;
    `,
  },
];
/** 'cost' as a 32-bit integer: the advisory lock class of the migrations; the schema's hash is the other half. */
const LOCK_CLASS = 0x636f7374;

/**
 * Brings the schema (the first of `search_path`) up to date. Replicas starting at once serialize
 * on a session advisory lock; each applies the steps it does not find recorded, one transaction
 * per step, so a step is either wholly applied and recorded or not at all. The lock goes with the
 * session if the process dies. A database newer than this server is refused, not downgraded.
 */
export async function migratePostgres(client: PoolClient): Promise<void> {
  const latest = PG_MIGRATIONS.at(-1)?.version ?? 0;
  await client.query('SELECT pg_advisory_lock($1, hashtext(current_schema()))', [LOCK_CLASS]);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > latest) throw new Error(`the database's schema version ${current} is newer than this server's (${latest}); run a newer cost-events`);
    for (const m of PG_MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await m.backfill?.(client);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    // A failed unlock means a dead session, and the lock went with it.
    await client.query('SELECT pg_advisory_unlock($1, hashtext(current_schema()))', [LOCK_CLASS]).catch(() => undefined);
  }
}
