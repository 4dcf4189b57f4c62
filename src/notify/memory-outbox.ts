import type { DeadLetter, NewOutboxRow, OutboxRow, OutboxStats, OutboxStore } from './outbox.js';

interface Held {
  row: NewOutboxRow;
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

/**
 * The outbox of the `memory:` backend: as durable as the process. Bounded by rows and bytes:
 * past either, the oldest rows are dropped and counted (`dropped`), as the memory rings drop.
 */
export class MemoryOutbox implements OutboxStore {
  readonly #rows = new Map<string, Held>();
  #seq = 0;
  #bytes = 0;
  dropped = 0;

  constructor(private readonly limits: MemoryOutboxLimits = DEFAULT_LIMITS) {}

  /** Adds a row unless one with its id is held (the store's write calls this). */
  insert(row: NewOutboxRow): void {
    if (this.#rows.has(row.id)) return;
    const bytes = row.message.length * 2 + 256;
    this.#rows.set(row.id, { row, seq: ++this.#seq, attempts: 0, lastError: null, owner: null, leaseUntilMs: 0, deadMs: null, bytes });
    this.#bytes += bytes;
    // Map iteration is insertion order: the first entries are the oldest.
    for (const [id, h] of this.#rows) {
      if (this.#rows.size <= this.limits.maxRows && this.#bytes <= this.limits.maxBytes) break;
      this.#delete(id, h);
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

  async complete(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const h = this.#rows.get(id);
      if (h !== undefined) this.#delete(id, h);
    }
  }

  async release(owner: string, ids: readonly string[], notBeforeMs: number, error: string | null, refund: boolean): Promise<void> {
    for (const id of ids) {
      const h = this.#rows.get(id);
      if (h === undefined || h.owner !== owner) continue;
      h.owner = null;
      h.leaseUntilMs = 0;
      h.row = { ...h.row, notBeforeMs };
      if (error !== null) h.lastError = error;
      if (refund) h.attempts--;
    }
  }

  async bury(owner: string, ids: readonly string[], nowMs: number, error: string, keep: number): Promise<void> {
    for (const id of ids) {
      const h = this.#rows.get(id);
      if (h === undefined || h.owner !== owner) continue;
      h.owner = null;
      h.deadMs = nowMs;
      h.lastError = error;
    }
    const dead = [...this.#rows.entries()].filter(([, h]) => h.deadMs !== null).sort(([, a], [, b]) => (b.deadMs as number) - (a.deadMs as number) || b.seq - a.seq);
    for (const [id, h] of dead.slice(keep)) this.#delete(id, h);
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

  #delete(id: string, h: Held): void {
    this.#rows.delete(id);
    this.#bytes -= h.bytes;
  }
}

const groupOf = (r: NewOutboxRow) => `${r.route}\u0000${r.sink}\u0000${r.groupKey}`;
const view = (h: Held): OutboxRow => ({ ...h.row, seq: h.seq, attempts: h.attempts, lastError: h.lastError });
