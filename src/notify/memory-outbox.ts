import type { AuditEvent } from '../audit/audit-event.js';
import type { NotifyMessage } from './message.js';
import { auditMessage } from './notify-router.js';
import type { AuditNotice, DeadLetter, NewOutboxRow, OutboxRow, OutboxStats, OutboxStore, OutboxTarget } from './outbox.js';
import { noticeId } from './outbox-rows.js';

/** What a held row delivers: its message as JSON, or the audit event it refers to (the object, shared with the audit ring). */
type Content = { readonly message: string } | { readonly event: AuditEvent; readonly key: string };

/** A row's fields other than its state. */
interface HeldRow extends OutboxTarget {
  readonly id: string;
  readonly cluster: string;
  readonly content: Content;
}

interface Held {
  row: HeldRow;
  seq: number;
  attempts: number;
  lastError: string | null;
  owner: string | null;
  leaseUntilMs: number;
  deadMs: number | null;
  bytes: number;
}

/** Bounds of the memory outbox: rows and bytes held (pending and dead together). */
export interface MemoryOutboxLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
}

const DEFAULT_LIMITS: MemoryOutboxLimits = { maxRows: 100_000, maxBytes: 64 * 1024 * 1024 };

/** What an audit notice is counted as: the event it keeps alive once the audit ring has let it go (about 1–2 KB as JSON). */
const AUDIT_NOTICE_BYTES = 2048;

/**
 * The outbox of the `memory:` backend: as durable as the process. Bounded by rows and bytes:
 * past either, the oldest rows are dropped and counted (`dropped`), as the memory rings drop.
 */
export class MemoryOutbox implements OutboxStore {
  /** By seq: Map iteration is insertion order, so the first entries are the oldest. */
  readonly #rows = new Map<number, Held>();
  readonly #ids = new Set<string>();
  #seq = 0;
  #bytes = 0;
  dropped = 0;

  constructor(private readonly limits: MemoryOutboxLimits = DEFAULT_LIMITS) {}

  /** Adds a row that carries its message unless one with its id is held (the store's write calls this). */
  insert(row: NewOutboxRow): void {
    const { message, ...rest } = row;
    this.#hold({ ...rest, content: { message } }, message.length * 2 + 256);
  }

  /** Adds the notices of an audit event the store has just taken (not one it already held): they keep the event object, not a copy. */
  insertAudit(event: AuditEvent, key: string, notices: readonly AuditNotice[]): void {
    const cluster = event.properties.cluster;
    for (const n of notices) this.#hold({ ...n, id: noticeId(cluster, key, n.route, n.sink), cluster, content: { event, key } }, AUDIT_NOTICE_BYTES);
  }

  #hold(row: HeldRow, bytes: number): void {
    if (this.#ids.has(row.id)) return;
    const seq = ++this.#seq;
    this.#ids.add(row.id);
    this.#rows.set(seq, { row, seq, attempts: 0, lastError: null, owner: null, leaseUntilMs: 0, deadMs: null, bytes });
    this.#bytes += bytes;
    // Map iteration is insertion order: the first entries are the oldest.
    for (const h of this.#rows.values()) {
      if (this.#rows.size <= this.limits.maxRows && this.#bytes <= this.limits.maxBytes) break;
      this.#delete(h);
      this.dropped++;
    }
  }

  async lease(owner: string, nowMs: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    const free = (h: Held) => h.deadMs === null && (h.owner === null || h.leaseUntilMs <= nowMs);
    const dueGroups = new Set<string>();
    for (const h of this.#rows.values()) if (free(h) && h.row.groupKey !== '' && h.row.notBeforeMs <= nowMs) dueGroups.add(groupOf(h.row));
    const out: OutboxRow[] = [];
    for (const h of this.#rows.values()) {
      if (out.length >= limit) break;
      if (!free(h) || (h.row.notBeforeMs > nowMs && !dueGroups.has(groupOf(h.row)))) continue;
      h.owner = owner;
      h.leaseUntilMs = nowMs + leaseMs;
      h.attempts++;
      out.push(view(h));
    }
    return out;
  }

  async complete(seqs: readonly number[]): Promise<void> {
    for (const h of this.#bySeq(seqs)) this.#delete(h);
  }

  async release(owner: string, seqs: readonly number[], notBeforeMs: number, error: string | null, refund: boolean): Promise<void> {
    for (const h of this.#bySeq(seqs)) {
      if (h.owner !== owner) continue;
      h.owner = null;
      h.leaseUntilMs = 0;
      h.row = { ...h.row, notBeforeMs };
      if (error !== null) h.lastError = error;
      if (refund) h.attempts--;
    }
  }

  async bury(owner: string, seqs: readonly number[], nowMs: number, error: string, keep: number): Promise<void> {
    for (const h of this.#bySeq(seqs)) {
      if (h.owner !== owner) continue;
      h.owner = null;
      h.deadMs = nowMs;
      h.lastError = error;
    }
    const dead = [...this.#rows.entries()].filter(([, h]) => h.deadMs !== null).sort(([, a], [, b]) => (b.deadMs as number) - (a.deadMs as number) || b.seq - a.seq);
    for (const [, h] of dead.slice(keep)) this.#delete(h);
  }

  async stats(): Promise<OutboxStats> {
    let pending = 0;
    let dead = 0;
    let oldest: number | null = null;
    for (const h of this.#rows.values()) {
      if (h.deadMs !== null) dead++;
      else {
        pending++;
        if (oldest === null || h.row.createdMs < oldest) oldest = h.row.createdMs;
      }
    }
    return { pending, oldestCreatedMs: oldest, dead };
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    return [...this.#rows.values()]
      .filter((h) => h.deadMs !== null)
      .sort((a, b) => (b.deadMs as number) - (a.deadMs as number) || b.seq - a.seq)
      .slice(0, limit)
      .map((h) => ({ ...view(h), deadMs: h.deadMs as number }));
  }

  /** The held rows of these seqs. */
  #bySeq(seqs: readonly number[]): Held[] {
    const out: Held[] = [];
    for (const seq of seqs) {
      const h = this.#rows.get(seq);
      if (h !== undefined) out.push(h);
    }
    return out;
  }

  #delete(h: Held): void {
    this.#rows.delete(h.seq);
    this.#ids.delete(h.row.id);
    this.#bytes -= h.bytes;
  }
}

const groupOf = (r: OutboxTarget) => `${r.route}\u0000${r.sink}\u0000${r.groupKey}`;

function view(h: Held): OutboxRow {
  const { content, ...row } = h.row;
  return { ...row, seq: h.seq, attempts: h.attempts, lastError: h.lastError, message: messageOf(content) };
}

function messageOf(c: Content): NotifyMessage | undefined {
  if ('event' in c) return auditMessage(c.event, c.key);
  try {
    return JSON.parse(c.message) as NotifyMessage;
  } catch {
    return undefined;
  }
}
