import type Database from 'better-sqlite3';
import type { DeadLetter, NewOutboxRow, OutboxRow, OutboxStats, OutboxStore } from '../../notify/outbox.js';

/** The store's prepared-statement cache. */
type Prepare = (sql: string) => Database.Statement;

const COLUMNS = `seq, id, cluster, route, sink, group_key AS groupKey, created_ms AS createdMs, not_before_ms AS notBeforeMs, attempts,
  last_error AS lastError, message`;

/** Inserts an outbox row inside the caller's transaction; an id already held is ignored. */
export function insertOutboxRow(stmt: Prepare, r: NewOutboxRow): void {
  stmt(
    `INSERT INTO notify_outbox (id, cluster, route, sink, group_key, created_ms, not_before_ms, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  ).run(r.id, r.cluster, r.route, r.sink, r.groupKey, r.createdMs, r.notBeforeMs, r.message);
}

/**
 * The outbox in SQLite (table `notify_outbox`, schema version 7). One connection, and a lease is
 * one IMMEDIATE transaction (the write lock first), so two processes sharing the file never lease
 * one row twice.
 */
export class SqliteOutbox implements OutboxStore {
  readonly #leaseTx: (owner: string, nowMs: number, leaseMs: number, limit: number) => OutboxRow[];
  readonly #completeTx: (ids: readonly string[]) => void;

  constructor(
    db: Database.Database,
    private readonly stmt: Prepare,
  ) {
    const lease = db.transaction((owner: string, nowMs: number, leaseMs: number, limit: number): OutboxRow[] => {
      const rows = this.stmt(
        `SELECT ${COLUMNS} FROM notify_outbox o
         WHERE o.dead_ms IS NULL AND o.lease_until_ms <= @now
           AND (o.not_before_ms <= @now OR (o.group_key <> '' AND EXISTS (
             SELECT 1 FROM notify_outbox d WHERE d.route = o.route AND d.sink = o.sink AND d.group_key = o.group_key
               AND d.dead_ms IS NULL AND d.group_key <> '' AND d.not_before_ms <= @now AND d.lease_until_ms <= @now)))
         ORDER BY o.seq LIMIT @limit`,
      ).all({ now: nowMs, limit }) as OutboxRow[];
      const take = this.stmt('UPDATE notify_outbox SET lease_owner = ?, lease_until_ms = ?, attempts = attempts + 1 WHERE seq = ?');
      for (const r of rows) take.run(owner, nowMs + leaseMs, r.seq);
      return rows.map((r) => ({ ...r, attempts: r.attempts + 1 }));
    });
    this.#leaseTx = (...a) => lease.immediate(...a);
    this.#completeTx = db.transaction((ids: readonly string[]) => {
      const del = this.stmt('DELETE FROM notify_outbox WHERE id = ?');
      for (const id of ids) del.run(id);
    });
  }

  async lease(owner: string, nowMs: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    return this.#leaseTx(owner, nowMs, leaseMs, limit);
  }

  async complete(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) this.#completeTx(ids);
  }

  async release(owner: string, ids: readonly string[], notBeforeMs: number, error: string | null, refund: boolean): Promise<void> {
    this.stmt(
      `UPDATE notify_outbox SET lease_owner = NULL, lease_until_ms = 0, not_before_ms = ?, last_error = coalesce(?, last_error), attempts = attempts - ?
       WHERE lease_owner = ? AND id IN (SELECT value FROM json_each(?))`,
    ).run(notBeforeMs, error, refund ? 1 : 0, owner, JSON.stringify(ids));
  }

  async bury(owner: string, ids: readonly string[], nowMs: number, error: string, keep: number): Promise<void> {
    this.stmt(`UPDATE notify_outbox SET lease_owner = NULL, lease_until_ms = 0, dead_ms = ?, last_error = ? WHERE lease_owner = ? AND id IN (SELECT value FROM json_each(?))`).run(
      nowMs,
      error,
      owner,
      JSON.stringify(ids),
    );
    this.stmt(
      `DELETE FROM notify_outbox WHERE dead_ms IS NOT NULL AND seq NOT IN (SELECT seq FROM notify_outbox WHERE dead_ms IS NOT NULL ORDER BY dead_ms DESC, seq DESC LIMIT ?)`,
    ).run(keep);
  }

  async stats(): Promise<OutboxStats> {
    const r = this.stmt(
      `SELECT (SELECT count(*) FROM notify_outbox WHERE dead_ms IS NULL) AS pending, (SELECT min(created_ms) FROM notify_outbox WHERE dead_ms IS NULL) AS oldest,
         (SELECT count(*) FROM notify_outbox WHERE dead_ms IS NOT NULL) AS dead`,
    ).get() as { pending: number; oldest: number | null; dead: number };
    return { pending: r.pending, oldestCreatedMs: r.oldest, dead: r.dead };
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    return this.stmt(`SELECT ${COLUMNS}, dead_ms AS deadMs FROM notify_outbox WHERE dead_ms IS NOT NULL ORDER BY dead_ms DESC, seq DESC LIMIT ?`).all(limit) as DeadLetter[];
  }
}
