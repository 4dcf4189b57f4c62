import type pg from 'pg';
import type { DeadLetter, NewOutboxRow, OutboxRow, OutboxStats, OutboxStore } from '../../notify/outbox.js';
import { outboxRowOf, type StoredOutboxRow } from '../../notify/outbox-rows.js';

/** The columns of a row (alias `o`) and the body of the audit event it refers to (alias `a`, a LEFT JOIN): the outbox's copy once pruning took the event, else the stored event's. */
const COLUMNS = `o.seq::float8 AS seq, o.id, o.cluster, o.event_key AS "eventKey", o.route, o.sink, o.group_key AS "groupKey", o.created_ms::float8 AS "createdMs",
  o.not_before_ms::float8 AS "notBeforeMs", o.attempts, o.last_error AS "lastError", o.message, coalesce(o.event_body, a.body) AS body`;
const JOIN = 'LEFT JOIN audit_events a ON o.event_key IS NOT NULL AND a.cluster = o.cluster AND a.event_key = o.event_key';

/** Inserts rows that carry their message inside the caller's transaction in one statement; ids already held are ignored. */
export async function insertOutboxRows(client: pg.PoolClient, rows: readonly NewOutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO notify_outbox (id, cluster, route, sink, group_key, created_ms, not_before_ms, message)
     SELECT id, cluster, route, sink, g, c, n, m
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[]) WITH ORDINALITY AS r(id, cluster, route, sink, g, c, n, m, ord)
       ORDER BY ord
     ON CONFLICT (id) WHERE id IS NOT NULL DO NOTHING`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.cluster),
      rows.map((r) => r.route),
      rows.map((r) => r.sink),
      rows.map((r) => r.groupKey),
      rows.map((r) => String(r.createdMs)),
      rows.map((r) => String(r.notBeforeMs)),
      rows.map((r) => r.message),
    ],
  );
}

/**
 * The outbox in PostgreSQL (table `notify_outbox`, schema version 9), shared by every replica.
 * A lease is one statement: the due rows are locked with FOR UPDATE SKIP LOCKED, so replicas
 * leasing at the same moment take disjoint rows without waiting on each other, and stamped with
 * the owner and the lease's end; a replica that dies leaves rows whose lease expires, and the next
 * lease of any replica takes them over. The same statement joins each audit notice to its event.
 */
export class PostgresOutbox implements OutboxStore {
  constructor(private readonly pool: pg.Pool) {}

  async lease(owner: string, nowMs: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<StoredOutboxRow>(
      `WITH due AS (
         SELECT o.seq FROM notify_outbox o
         WHERE o.dead_ms IS NULL AND o.lease_until_ms <= $1
           AND (o.not_before_ms <= $1 OR (o.group_key <> '' AND EXISTS (
             SELECT 1 FROM notify_outbox d WHERE d.route = o.route AND d.sink = o.sink AND d.group_key = o.group_key
               AND d.dead_ms IS NULL AND d.group_key <> '' AND d.not_before_ms <= $1 AND d.lease_until_ms <= $1)))
         ORDER BY o.seq LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), leased AS (
         UPDATE notify_outbox o SET lease_owner = $3, lease_until_ms = $4, attempts = o.attempts + 1
         FROM due WHERE o.seq = due.seq
         RETURNING o.*
       )
       SELECT ${COLUMNS} FROM leased o ${JOIN} ORDER BY o.seq`,
      [String(nowMs), limit, owner, String(nowMs + leaseMs)],
    );
    return rows.map(outboxRowOf);
  }

  async complete(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.pool.query('DELETE FROM notify_outbox WHERE seq = ANY($1::bigint[])', [seqs]);
  }

  async release(owner: string, seqs: readonly number[], notBeforeMs: number, error: string | null, refund: boolean): Promise<void> {
    await this.pool.query(
      `UPDATE notify_outbox SET lease_owner = NULL, lease_until_ms = 0, not_before_ms = $1, last_error = coalesce($2, last_error), attempts = attempts - $3
       WHERE lease_owner = $4 AND seq = ANY($5::bigint[])`,
      [String(notBeforeMs), error, refund ? 1 : 0, owner, seqs],
    );
  }

  async bury(owner: string, seqs: readonly number[], nowMs: number, error: string, keep: number): Promise<void> {
    await this.pool.query(`UPDATE notify_outbox SET lease_owner = NULL, lease_until_ms = 0, dead_ms = $1, last_error = $2 WHERE lease_owner = $3 AND seq = ANY($4::bigint[])`, [
      String(nowMs),
      error,
      owner,
      seqs,
    ]);
    await this.pool.query(
      `DELETE FROM notify_outbox WHERE dead_ms IS NOT NULL AND seq NOT IN (SELECT seq FROM notify_outbox WHERE dead_ms IS NOT NULL ORDER BY dead_ms DESC, seq DESC LIMIT $1)`,
      [keep],
    );
  }

  async stats(): Promise<OutboxStats> {
    const { rows } = await this.pool.query<{ pending: number; oldest: number | null; dead: number }>(
      `SELECT (SELECT count(*) FROM notify_outbox WHERE dead_ms IS NULL)::int AS pending, (SELECT min(created_ms) FROM notify_outbox WHERE dead_ms IS NULL)::float8 AS oldest,
         (SELECT count(*) FROM notify_outbox WHERE dead_ms IS NOT NULL)::int AS dead`,
    );
    const r = rows[0] ?? { pending: 0, oldest: null, dead: 0 };
    return { pending: r.pending, oldestCreatedMs: r.oldest, dead: r.dead };
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const { rows } = await this.pool.query<StoredOutboxRow & { deadMs: number }>(
      `SELECT ${COLUMNS}, o.dead_ms::float8 AS "deadMs" FROM notify_outbox o ${JOIN} WHERE o.dead_ms IS NOT NULL ORDER BY o.dead_ms DESC, o.seq DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ ...outboxRowOf(r), deadMs: r.deadMs }));
  }
}
