import type { NotifyMessage } from './message.js';

/**
 * The durable outbox of notifications: the narrow storage seam the notifier needs. Rows are
 * written by the store's ordinary write in the same transaction as the event that triggered them;
 * this interface leases, completes, retries and buries them. Implemented by the memory, SQLite
 * and PostgreSQL backends (test/notify/outbox-contract.test.ts).
 *
 * A notification about an audit change refers to the stored event (its cluster and key) instead of
 * copying it: it is an {@link AuditNotice} on the event's own `audit` record, written only when the
 * event is (a key already held means whoever stored the event wrote its notifications), and its
 * message is made from the event when the row is leased. Other notifications (ETL conditions,
 * tests) carry their whole message ({@link NewOutboxRow}).
 */
/** Where and when one notification goes. */
export interface OutboxTarget {
  readonly route: string;
  readonly sink: string;
  /** Rows of one route and sink with the same non-empty key are delivered together as one message. */
  readonly groupKey: string;
  readonly createdMs: number;
  /** Not delivered before (the grouping interval, a retry's backoff, a rate cap). */
  readonly notBeforeMs: number;
}

/** A notification about the audit event of the record it rides on, through one route to one sink. */
export type AuditNotice = OutboxTarget;

/** A notification that carries its whole message (ETL conditions, tests). */
export interface NewOutboxRow extends OutboxTarget {
  /** Unique per event, route and sink: two replicas writing the same condition write one row. */
  readonly id: string;
  readonly cluster: string;
  /** The NotifyMessage as JSON. */
  readonly message: string;
}

/** A row as leased: what is delivered, and how to name the row back to the outbox. */
export interface OutboxRow extends OutboxTarget {
  /** Insertion order; the handle of complete, release and bury. */
  readonly seq: number;
  /** The row's id (for an audit notice, derived from cluster, event key, route and sink: {@link noticeId}). */
  readonly id: string;
  readonly cluster: string;
  /**
   * The message: the copy, or made from the referenced audit event; undefined when neither is
   * stored any more (the notifier buries such a row).
   */
  readonly message: NotifyMessage | undefined;
  /** Attempts so far, this lease's included. */
  readonly attempts: number;
  readonly lastError: string | null;
}

/** A row kept after its last attempt failed. */
export interface DeadLetter extends OutboxRow {
  readonly deadMs: number;
}

/** Depth and age of the outbox. */
export interface OutboxStats {
  /** Rows waiting or leased (not dead). */
  readonly pending: number;
  /** Creation time of the oldest pending row. */
  readonly oldestCreatedMs: number | null;
  readonly dead: number;
}

/** The outbox operations of a backend. */
export interface OutboxStore {
  /**
   * Leases up to `limit` rows to `owner` until `nowMs + leaseMs`: rows due (`notBeforeMs <= nowMs`),
   * and the rows sharing a group with a due row, whose lease is free or expired; oldest first; each
   * lease counts an attempt. Two owners never hold one row (PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  lease(owner: string, nowMs: number, leaseMs: number, limit: number): Promise<OutboxRow[]>;
  /** Deletes delivered rows (by `seq`), whoever holds them now (a late success still counts). */
  complete(seqs: readonly number[]): Promise<void>;
  /** Frees rows `owner` holds for another try at `notBeforeMs`; `refund` gives back the lease's attempt (a rate cap, not a failure). */
  release(owner: string, seqs: readonly number[], notBeforeMs: number, error: string | null, refund: boolean): Promise<void>;
  /** Marks rows `owner` holds dead at `nowMs`, keeping at most `keep` dead letters (the most recent). */
  bury(owner: string, seqs: readonly number[], nowMs: number, error: string, keep: number): Promise<void>;
  stats(): Promise<OutboxStats>;
  /** The most recent dead letters, newest first. */
  deadLetters(limit: number): Promise<DeadLetter[]>;
}
