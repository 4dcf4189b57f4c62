/**
 * The durable outbox of notifications: the narrow storage seam the notifier needs. Rows are
 * written by the store's ordinary write, as `notification` records in the same transaction as
 * the event that triggered them; this interface leases, completes, retries and buries them.
 * Implemented by the memory, SQLite and PostgreSQL backends (test/notify/outbox-contract.test.ts).
 */

/** A notification to write: one message for one sink through one route. */
export interface NewOutboxRow {
  /** Unique per event, route and sink: two replicas writing the same change write one row. */
  readonly id: string;
  readonly cluster: string;
  readonly route: string;
  readonly sink: string;
  /** Rows of one route and sink with the same non-empty key are delivered together as one message. */
  readonly groupKey: string;
  readonly createdMs: number;
  /** Not delivered before (the grouping interval, a retry's backoff, a rate cap). */
  readonly notBeforeMs: number;
  /** The NotifyMessage as JSON. */
  readonly message: string;
}

/** A row as stored. */
export interface OutboxRow extends NewOutboxRow {
  /** Insertion order. */
  readonly seq: number;
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
  /** Deletes delivered rows, whoever holds them now (a late success still counts). */
  complete(ids: readonly string[]): Promise<void>;
  /** Frees rows `owner` holds for another try at `notBeforeMs`; `refund` gives back the lease's attempt (a rate cap, not a failure). */
  release(owner: string, ids: readonly string[], notBeforeMs: number, error: string | null, refund: boolean): Promise<void>;
  /** Marks rows `owner` holds dead at `nowMs`, keeping at most `keep` dead letters (the most recent). */
  bury(owner: string, ids: readonly string[], nowMs: number, error: string, keep: number): Promise<void>;
  stats(): Promise<OutboxStats>;
  /** The most recent dead letters, newest first. */
  deadLetters(limit: number): Promise<DeadLetter[]>;
}
