import type Database from 'better-sqlite3';
import type { AuditNotice, DeadLetter, NewOutboxRow, OutboxRow, OutboxStats, OutboxStore } from '../../notify/outbox.js';
import { outboxRowOf, type StoredOutboxRow } from '../../notify/outbox-rows.js';
import { wellFormed } from '../rows.js';

/** The store's prepared-statement cache. */
type Prepare = (sql: string) => Database.Statement;

/** A row and the body of the audit event it refers to: the outbox's copy once pruning took the event, else the stored event's (one index seek per row, in the lease's statement). */
const SELECT = `SELECT o.seq, o.id, o.cluster, o.event_key AS eventKey, o.route, o.sink, o.group_key AS groupKey, o.created_ms AS createdMs,
  o.not_before_ms AS notBeforeMs, o.attempts, o.last_error AS lastError, o.message, coalesce(o.event_body, a.body) AS body`;
const FROM = 'FROM notify_outbox o LEFT JOIN audit_events a ON o.event_key IS NOT NULL AND a.cluster = o.cluster AND a.event_key = o.event_key';

/** Inserts a row that carries its message inside the caller's transaction; an id already held is ignored. */
export function insertOutboxRow(stmt: Prepare, r: NewOutboxRow): void {
  stmt(
    `INSERT INTO notify_outbox (id, cluster, route, sink, group_key, created_ms, not_before_ms, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) WHERE id IS NOT NULL DO NOTHING`,
  ).run(r.id, r.cluster, r.route, r.sink, r.groupKey, r.createdMs, r.notBeforeMs, r.message);
}

/**
 * Before pruning `cluster`'s audit events below `floorId`, copies the body of each one an outbox
 * row (pending or dead) still refers to into that row, so pruning never loses a notification.
 */
export function keepReferencedBodies(stmt: Prepare, cluster: string, floorId: number): number {
  // Driven from the outbox (one scan of it, an index seek into audit_events per referring row), not
  // from the pruned events, which would scan the outbox once per event.
  return stmt(
    `WITH gone AS (
       SELECT o.seq, a.body FROM notify_outbox o CROSS JOIN audit_events a
       WHERE o.cluster = ? AND o.event_key IS NOT NULL AND o.event_body IS NULL AND a.cluster = o.cluster AND a.event_key = o.event_key AND a.id < ?
     )
     UPDATE notify_outbox SET event_body = gone.body FROM gone WHERE notify_outbox.seq = gone.seq`,
  ).run(cluster, floorId).changes;
}

/** Whether two lists of notices are the same but for a shift of all their times (`base` is each one's first `createdMs`). */
function sameRelative(a: readonly AuditNotice[], aBase: number, b: readonly AuditNotice[], bBase: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return false;
    if (x.route !== y.route || x.sink !== y.sink || x.groupKey !== y.groupKey) return false;
    if (x.createdMs - aBase !== y.createdMs - bBase || x.notBeforeMs - aBase !== y.notBeforeMs - bBase) return false;
  }
  return true;
}

/** A list of seqs as one JSON parameter, so one statement serves any number. */
const seqList = 'SELECT value FROM json_each(?)';

/**
 * The outbox in SQLite (table `notify_outbox`, schema version 9; audit notices queued from their
 * events' rows, version 10). One connection, and a lease is one IMMEDIATE transaction (the write
 * lock first), so two processes sharing the file never lease one row twice. Leases, completions, releases and burials commit without an fsync of their own
 * (`synchronous = NORMAL` for their commit; the next event commit's fsync takes them along): a
 * power cut can only undo them, which delivers a row again, never loses one, and each fsync
 * blocked the event loop, HTTP deliveries included. A kill of the process loses nothing either way.
 */
export class SqliteOutbox implements OutboxStore {
  readonly #leaseTx: (owner: string, nowMs: number, leaseMs: number, limit: number) => OutboxRow[];
  /** Route and sink names as JSON strings: a few names, each written with every notice. */
  readonly #quoted = new Map<string, string>();
  /** The last `notify` text made, and the notices it was made of. */
  #lastColumn: { readonly notices: readonly AuditNotice[]; readonly base: number; readonly notify: string } | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Prepare,
  ) {
    const lease = db.transaction((owner: string, nowMs: number, leaseMs: number, limit: number): OutboxRow[] => {
      this.queueAuditNotices();
      const rows = this.stmt(
        `${SELECT} ${FROM}
         WHERE o.dead_ms IS NULL AND o.lease_until_ms <= @now
           AND (o.not_before_ms <= @now OR (o.group_key <> '' AND EXISTS (
             SELECT 1 FROM notify_outbox d WHERE d.route = o.route AND d.sink = o.sink AND d.group_key = o.group_key
               AND d.dead_ms IS NULL AND d.group_key <> '' AND d.not_before_ms <= @now AND d.lease_until_ms <= @now)))
         ORDER BY o.seq LIMIT @limit`,
      ).all({ now: nowMs, limit }) as StoredOutboxRow[];
      if (rows.length === 0) return [];
      this.stmt(`UPDATE notify_outbox SET lease_owner = ?, lease_until_ms = ?, attempts = attempts + 1 WHERE seq IN (${seqList})`).run(
        owner,
        nowMs + leaseMs,
        JSON.stringify(rows.map((r) => r.seq)),
      );
      return rows.map((r) => outboxRowOf({ ...r, attempts: r.attempts + 1 }));
    });
    this.#leaseTx = (...a) => lease.immediate(...a);
  }

  /**
   * An audit event's notices as its row's `notify` and `notify_ms` columns (schema version 10): an
   * array per notice with its times relative to the first notice's `createdMs`. Written with the
   * event, so a notice costs the audit path a few bytes of the event's row, not a row of its own.
   */
  noticeColumns(notices: readonly AuditNotice[] | undefined): { notify: string | null; notifyMs: number | null } {
    const base = notices?.[0]?.createdMs;
    if (notices === undefined || base === undefined) return { notify: null, notifyMs: null };
    // Consecutive events mostly get the same notices but for the time: their text is the same.
    const last = this.#lastColumn;
    if (last !== undefined && sameRelative(last.notices, last.base, notices, base)) return { notify: last.notify, notifyMs: base };
    let notify = '[';
    for (const n of notices) {
      if (notify.length > 1) notify += ',';
      notify += `[${this.#quote(n.route)},${this.#quote(n.sink)},${JSON.stringify(wellFormed(n.groupKey))},${n.createdMs - base},${n.notBeforeMs - base}]`;
    }
    notify += ']';
    this.#lastColumn = { notices, base, notify };
    return { notify, notifyMs: base };
  }

  #quote(name: string): string {
    let quoted = this.#quoted.get(name);
    if (quoted === undefined) {
      quoted = JSON.stringify(wellFormed(name));
      // Names come from NOTIFY_CONFIG; the bound only guards against a file reloaded very often.
      if (this.#quoted.size >= 1024) this.#quoted.clear();
      this.#quoted.set(name, quoted);
    }
    return quoted;
  }

  /**
   * Makes outbox rows of the audit notices committed since the last call (the events above the
   * mark in `notify_queued`), in event order, and moves the mark, inside the caller's transaction:
   * one INSERT … SELECT for any number, where the audit path would have paid an insert per notice.
   * The lease and pruning call it first (the counts read the view). A power cut that undoes it (it
   * commits without an fsync, like the lease) undoes the mark with it, so they are queued again.
   */
  queueAuditNotices(): void {
    this.stmt(
      `INSERT INTO notify_outbox (cluster, event_key, route, sink, group_key, created_ms, not_before_ms)
       SELECT cluster, event_key, route, sink, group_key, created_ms, not_before_ms FROM notify_unqueued ORDER BY id`,
    ).run();
    // Past every event, not only those with notices, so the next call's scan starts at the newest.
    this.stmt('UPDATE notify_queued SET audit_id = m.id FROM (SELECT max(id) AS id FROM audit_events) m WHERE m.id > audit_id').run();
  }

  async lease(owner: string, nowMs: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    return this.#unsynced(() => this.#leaseTx(owner, nowMs, leaseMs, limit));
  }

  async complete(seqs: readonly number[]): Promise<void> {
    if (seqs.length > 0) this.#unsynced(() => this.stmt(`DELETE FROM notify_outbox WHERE seq IN (${seqList})`).run(JSON.stringify(seqs)));
  }

  async release(owner: string, seqs: readonly number[], notBeforeMs: number, error: string | null, refund: boolean): Promise<void> {
    this.#unsynced(() =>
      this.stmt(
        `UPDATE notify_outbox SET lease_owner = NULL, lease_until_ms = 0, not_before_ms = ?, last_error = coalesce(?, last_error), attempts = attempts - ?
         WHERE lease_owner = ? AND seq IN (${seqList})`,
      ).run(notBeforeMs, error, refund ? 1 : 0, owner, JSON.stringify(seqs)),
    );
  }

  async bury(owner: string, seqs: readonly number[], nowMs: number, error: string, keep: number): Promise<void> {
    this.#unsynced(() => {
      this.stmt(`UPDATE notify_outbox SET lease_owner = NULL, lease_until_ms = 0, dead_ms = ?, last_error = ? WHERE lease_owner = ? AND seq IN (${seqList})`).run(
        nowMs,
        error,
        owner,
        JSON.stringify(seqs),
      );
      this.stmt(
        `DELETE FROM notify_outbox WHERE dead_ms IS NOT NULL AND seq NOT IN (SELECT seq FROM notify_outbox WHERE dead_ms IS NOT NULL ORDER BY dead_ms DESC, seq DESC LIMIT ?)`,
      ).run(keep);
    });
  }

  /** Runs `commit` (each of its autocommit statements or its transaction) with `synchronous = NORMAL`, then back to FULL for the events. */
  #unsynced<T>(commit: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return commit();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  async stats(): Promise<OutboxStats> {
    // The notices not queued yet count as pending: read where they are, so a count writes nothing.
    const r = this.stmt(
      `WITH pending AS (SELECT created_ms FROM notify_outbox WHERE dead_ms IS NULL UNION ALL SELECT created_ms FROM notify_unqueued)
       SELECT (SELECT count(*) FROM pending) AS pending, (SELECT min(created_ms) FROM pending) AS oldest,
         (SELECT count(*) FROM notify_outbox WHERE dead_ms IS NOT NULL) AS dead`,
    ).get() as { pending: number; oldest: number | null; dead: number };
    return { pending: r.pending, oldestCreatedMs: r.oldest, dead: r.dead };
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = this.stmt(`${SELECT}, o.dead_ms AS deadMs ${FROM} WHERE o.dead_ms IS NOT NULL ORDER BY o.dead_ms DESC, o.seq DESC LIMIT ?`).all(limit) as (StoredOutboxRow & {
      deadMs: number;
    })[];
    return rows.map((r) => ({ ...outboxRowOf(r), deadMs: r.deadMs }));
  }
}
