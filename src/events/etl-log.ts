import type { EtlEvent } from './etl-event.js';
import { categoryOf, ETL_KINDS, type EtlCategory, type EtlKind } from './etl-kinds.js';
import { RingBuffer } from './ring-buffer.js';

/** All-time count per kind; kinds never seen are absent, as Kubecost prints them. */
export type EtlCounters = Partial<Record<EtlKind, number>>;

/** What a query of the log selects. Every field narrows; none given selects everything. */
export interface EtlLogQuery {
  /** Kinds to keep; undefined keeps all. */
  readonly kinds?: ReadonlySet<EtlKind>;
  /** Keep events whose `time` (epoch ns) lies in [start, end). */
  readonly window?: { readonly start: bigint; readonly end: bigint };
}

/** The answer of `/model/etl/log` before rendering: both categories oldest first, and the counters. */
export interface EtlLogView {
  readonly allocation: readonly EtlEvent[];
  readonly asset: readonly EtlEvent[];
  readonly counters: EtlCounters;
}

/**
 * The ETL event log: per category the most recent `capacity` events in a ring, plus all-time
 * counters per kind that neither the ring nor a query's filters cut. `version` changes on every
 * append, so readers can cache what they render from it.
 */
export class EtlLog {
  readonly #rings: Record<EtlCategory, RingBuffer<EtlEvent>>;
  readonly #counts = new Map<EtlKind, number>();
  #version = 0;

  constructor(capacity: number) {
    this.#rings = { allocation: new RingBuffer(capacity), asset: new RingBuffer(capacity) };
  }

  /** Increases on every append. */
  get version(): number {
    return this.#version;
  }

  /** Records one event; returns the event its ring evicted to make room, if any. */
  append(event: EtlEvent): EtlEvent | undefined {
    const evicted = this.#rings[categoryOf(event.kind)].push(event);
    this.#counts.set(event.kind, (this.#counts.get(event.kind) ?? 0) + 1);
    this.#version++;
    return evicted;
  }

  /** Adds `n` to a kind's all-time counter without an event, for counters restored from storage. */
  restoreCount(kind: EtlKind, n: number): void {
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + n);
    this.#version++;
  }

  /** The held events that match `q`, and the unfiltered counters. */
  query(q: EtlLogQuery = {}): EtlLogView {
    return {
      allocation: select(this.#rings.allocation.toArray(), q),
      asset: select(this.#rings.asset.toArray(), q),
      counters: this.counters(),
    };
  }

  /** All-time counters, keys in lexical order as Go's JSON encoder prints Kubecost's map. */
  counters(): EtlCounters {
    const out: EtlCounters = {};
    for (const k of KINDS_LEXICAL) {
      const n = this.#counts.get(k);
      if (n !== undefined) out[k] = n;
    }
    return out;
  }
}

const KINDS_LEXICAL = [...ETL_KINDS].sort();

function select(events: EtlEvent[], q: EtlLogQuery): EtlEvent[] {
  const { kinds, window } = q;
  if (kinds === undefined && window === undefined) return events;
  return events.filter(
    (e) =>
      (kinds === undefined || kinds.has(e.kind)) &&
      (window === undefined || (e.time >= window.start && e.time < window.end)),
  );
}
