import type { Database } from 'better-sqlite3';
import { bodyWithId, type AuditIdRow } from '../audit-lookup.js';

/** One versioned step of the SQLite schema. Steps are append-only: a released step never changes. */
interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** Rewrites rows after `sql`, in the same transaction, for what SQL cannot compute. */
  readonly backfill?: (db: Database) => void;
}

/** The SQLite schema, step by step; `PRAGMA user_version` records the last step applied. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ETL events and counters, audit events, remembered workloads, revisions',
    sql: `
      CREATE TABLE etl_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        cluster TEXT NOT NULL,
        category TEXT NOT NULL,
        kind TEXT NOT NULL,
        time_ns INTEGER NOT NULL,
        metadata TEXT NOT NULL,
        dedupe_key TEXT
      );
      CREATE INDEX etl_events_recent ON etl_events (cluster, category, id);
      CREATE UNIQUE INDEX etl_events_dedupe ON etl_events (cluster, dedupe_key) WHERE dedupe_key IS NOT NULL;
      CREATE TABLE etl_counters (
        cluster TEXT NOT NULL,
        kind TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (cluster, kind)
      ) WITHOUT ROWID;
      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        cluster TEXT NOT NULL,
        event_key TEXT NOT NULL,
        event_type TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        namespace TEXT NOT NULL,
        total_monthly_rate REAL NOT NULL,
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
        last_seen_ns INTEGER NOT NULL,
        PRIMARY KEY (cluster, resource_type, uid)
      ) WITHOUT ROWID;
      CREATE TABLE workload_marks (
        cluster TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        seen_until_ns INTEGER NOT NULL,
        PRIMARY KEY (cluster, resource_type)
      ) WITHOUT ROWID;
      CREATE TABLE revisions (
        cluster TEXT PRIMARY KEY,
        etl INTEGER NOT NULL DEFAULT 0,
        audit INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'Cloud Eye: custom events, their counts per hour and per project; audit event times',
    // An audit event's time, for Cloud Eye's time ranges, as a column. The trigger fills it for a
    // server of version 1 still writing during a rolling upgrade (it leaves the default 0); the
    // timestamp is cut to milliseconds before julianday(), which would otherwise round the rest.
    sql: `
      ALTER TABLE audit_events ADD COLUMN time_ms INTEGER NOT NULL DEFAULT 0;
      UPDATE audit_events SET time_ms = CAST(round((julianday(substr(json_extract(body, '$.timestamp'), 1, 23)) - 2440587.5) * 86400000) AS INTEGER);
      CREATE TRIGGER audit_events_time_ms AFTER INSERT ON audit_events WHEN NEW.time_ms = 0 BEGIN
        UPDATE audit_events SET time_ms = CAST(round((julianday(substr(json_extract(NEW.body, '$.timestamp'), 1, 23)) - 2440587.5) * 86400000) AS INTEGER)
        WHERE id = NEW.id;
      END;
      CREATE TABLE custom_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project TEXT NOT NULL,
        event_id TEXT NOT NULL,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
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
        bucket_ms INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (project, name, bucket_ms)
      ) WITHOUT ROWID;
      CREATE TABLE custom_event_projects (
        project TEXT PRIMARY KEY,
        n INTEGER NOT NULL
      ) WITHOUT ROWID;
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
        width INTEGER NOT NULL,
        bucket_ms INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (project, name, width, bucket_ms)
      ) WITHOUT ROWID;
      INSERT INTO custom_event_counts SELECT project, name, 0, 0, count(*) FROM custom_events GROUP BY project, name;
      INSERT INTO custom_event_counts SELECT project, name, 86400000, (time_ms / 86400000) * 86400000 AS bucket, count(*) FROM custom_events GROUP BY project, name, bucket;
      INSERT INTO custom_event_counts SELECT project, name, 3600000, (time_ms / 3600000) * 3600000 AS bucket, count(*) FROM custom_events GROUP BY project, name, bucket;
      ALTER TABLE custom_event_projects ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 4,
    name: 'ETL: allocation and asset sets, one row per cluster, category, resolution and window',
    // The payload is the set codec's bytes, stored whole and never looked into; it is the last
    // column, so listing reads the columns before it without touching its overflow pages. STRICT
    // refuses a non-integer time or size and a payload that is not a BLOB, as PostgreSQL's types do.
    // end_ms > start_ms also lets queries bound start_ms by an end bound, so they seek by index.
    sql: `
      CREATE TABLE etl_sets (
        cluster TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('allocation', 'asset')),
        resolution_ms INTEGER NOT NULL CHECK (resolution_ms > 0),
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        reconciled TEXT,
        payload BLOB NOT NULL,
        PRIMARY KEY (cluster, category, resolution_ms, start_ms),
        CHECK (end_ms > start_ms)
      ) STRICT;
      CREATE INDEX etl_sets_by_start ON etl_sets (category, resolution_ms, start_ms, cluster);
    `,
  },
  {
    version: 5,
    name: 'Change intelligence: audit events by time (lookup by id), by manager and by source; ids of the events already stored',
    // An event id carries its millisecond, so a lookup reads the rows of that millisecond and
    // derives their ids. changed_by and source are the filters' columns (NULL for events stored
    // before: nothing was known of them). The ids of stored events are a hash, so JavaScript adds them.
    sql: `
      ALTER TABLE audit_events ADD COLUMN changed_by TEXT;
      ALTER TABLE audit_events ADD COLUMN source TEXT;
      CREATE INDEX audit_events_time ON audit_events (time_ms);
    `,
    backfill: (db) => {
      const page = db.prepare('SELECT id, cluster, event_key AS key, time_ms AS timeMs, body FROM audit_events WHERE id > ? ORDER BY id LIMIT 1000');
      const update = db.prepare('UPDATE audit_events SET body = ? WHERE id = ?');
      for (let after = 0; ; ) {
        const rows = page.all(after) as (AuditIdRow & { id: number })[];
        if (rows.length === 0) return;
        for (const r of rows) update.run(bodyWithId(r), r.id);
        after = rows[rows.length - 1]?.id ?? after;
      }
    },
  },
  {
    version: 6,
    name: 'ETL: the last repair of each cluster, so a restart can say it interrupted one',
    sql: `
      CREATE TABLE etl_repairs (
        cluster TEXT PRIMARY KEY,
        body TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'Notifications: the durable outbox, written with the events that trigger it',
    // id is unique per event, route and sink, so a change written twice (a retried batch) is one row.
    // dead_ms set: a dead letter, kept for the status route. The partial indexes serve the lease's
    // scan of due rows and its look-up of the rows grouped with them.
    sql: `
      CREATE TABLE notify_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        cluster TEXT NOT NULL,
        route TEXT NOT NULL,
        sink TEXT NOT NULL,
        group_key TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        not_before_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until_ms INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        dead_ms INTEGER,
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
        cluster TEXT NOT NULL,
        id TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (cluster, id)
      ) STRICT;
      CREATE INDEX audit_gaps_end ON audit_gaps (cluster, end_ms);
    `,
  },
  {
    version: 9,
    name: 'Notifications: an audit notification refers to its stored event instead of copying it',
    // An audit notice is written only with its event (a key already held writes none), so it needs
    // no id: id, the unique index on it (now partial) and message are for rows that carry their
    // message (ETL conditions, tests, and the rows of earlier versions, copied as they were).
    // event_body: the event's body, copied by pruning when it removes an event a row still refers
    // to. seq loses AUTOINCREMENT (a row's seq is still above every row's it follows) and the
    // unused index on not_before_ms goes: an insert writes the table and nothing else.
    sql: `
      CREATE TABLE notify_outbox_9 (
        seq INTEGER PRIMARY KEY,
        id TEXT,
        cluster TEXT NOT NULL,
        event_key TEXT,
        route TEXT NOT NULL,
        sink TEXT NOT NULL,
        group_key TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        not_before_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until_ms INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        dead_ms INTEGER,
        message TEXT,
        event_body TEXT,
        CHECK ((message IS NULL) = (event_key IS NOT NULL))
      );
      INSERT INTO notify_outbox_9 (seq, id, cluster, route, sink, group_key, created_ms, not_before_ms, attempts, lease_owner, lease_until_ms, last_error, dead_ms, message)
        SELECT seq, id, cluster, route, sink, group_key, created_ms, not_before_ms, attempts, lease_owner, lease_until_ms, last_error, dead_ms, message FROM notify_outbox;
      DROP TABLE notify_outbox;
      ALTER TABLE notify_outbox_9 RENAME TO notify_outbox;
      CREATE UNIQUE INDEX notify_outbox_id ON notify_outbox (id) WHERE id IS NOT NULL;
      CREATE INDEX notify_outbox_group ON notify_outbox (route, sink, group_key) WHERE dead_ms IS NULL AND group_key <> '';
      CREATE INDEX notify_outbox_dead ON notify_outbox (dead_ms) WHERE dead_ms IS NOT NULL;
    `,
  },
  {
    version: 10,
    name: 'Notifications: audit notices ride on the row of their event and are queued into the outbox in bulk',
    // notify: the event's notices as JSON, [[route, sink, groupKey, createdMs, notBeforeMs], …] with
    // both times relative to notify_ms (usually 0: a short text with no epoch to format), written
    // with the event in its INSERT (no second row on the audit path). notify_queued holds the
    // highest audit_events.id whose notices are already rows of notify_outbox; the outbox queues
    // the rest (the view notify_unqueued) with one INSERT … SELECT before it leases or prunes; its
    // counts read the view. audit_events ids are AUTOINCREMENT and a writer holds the lock from
    // insert to commit, so ids commit in order and are never reused: a new event's id is always
    // above the mark. The mark starts at the last event: version 9 wrote every notice as a row.
    sql: `
      ALTER TABLE audit_events ADD COLUMN notify TEXT;
      ALTER TABLE audit_events ADD COLUMN notify_ms INTEGER;
      CREATE TABLE notify_queued (audit_id INTEGER NOT NULL) STRICT;
      INSERT INTO notify_queued (audit_id) SELECT coalesce(max(id), 0) FROM audit_events;
      CREATE VIEW notify_unqueued AS
        SELECT a.id, a.cluster, a.event_key, n.value ->> 0 AS route, n.value ->> 1 AS sink, n.value ->> 2 AS group_key,
          a.notify_ms + (n.value ->> 3) AS created_ms, a.notify_ms + (n.value ->> 4) AS not_before_ms
        FROM audit_events a, json_each(a.notify) n
        WHERE a.id > (SELECT audit_id FROM notify_queued) AND a.notify IS NOT NULL;
    `,
  },
];
/**
 * Brings the schema up to date. `BEGIN IMMEDIATE` takes the write lock before reading the
 * version, so a second process starting at the same moment waits (busy timeout), then finds the
 * steps applied and does nothing. A database newer than this server is refused, not downgraded.
 */
export function migrateSqlite(db: Database): void {
  const latest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
  db.exec('BEGIN IMMEDIATE');
  try {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) throw new Error(`the database's schema version ${current} is newer than this server's (${latest}); run a newer cost-events`);
    for (const m of SQLITE_MIGRATIONS) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      m.backfill?.(db);
    }
    if (current < latest) db.pragma(`user_version = ${latest}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
