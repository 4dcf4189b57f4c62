import { DISTINCT_LIMIT, type CustomEventRecord, type CustomEventsStored, type OccurrencePage, type StoredOccurrence } from './catalogue.js';

interface Entry {
  /** Order of arrival within the project. */
  readonly seq: number;
  readonly r: CustomEventRecord;
}

/** What the memory backend filters custom occurrences on; absent fields match anything. */
export interface CustomFilter {
  readonly name: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly eventSource?: string | undefined;
  readonly level?: string | undefined;
  readonly state?: string | undefined;
  readonly user?: string | undefined;
}

/** (time, arrival) order: how occurrences are listed (reversed) and how each name's list is kept. */
const before = (a: Entry, timeMs: number, seq: number): boolean => a.r.timeMs < timeMs || (a.r.timeMs === timeMs && a.seq < seq);

/** The first index of `list` (sorted by time, then arrival) not before (timeMs, seq). */
function lowerBound(list: readonly Entry[], timeMs: number, seq = -Infinity): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid] as Entry, timeMs, seq)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bytes the memory backend lets one project's custom events hold; past it the oldest arrivals go, as past the count. */
export const MEMORY_CUSTOM_EVENT_BYTES = 64 * 1024 * 1024;

/** Bytes one event holds, estimated: its strings at two bytes a character, and the entry, record and index slots around them. */
export function customEventBytes(r: CustomEventRecord): number {
  return 240 + 2 * (r.eventId.length + r.name.length + r.source.length + r.level.length + r.state.length + r.user.length + r.dedupeKey.length + r.body.length);
}

/**
 * One project's custom events in memory: arrival order (a Map keeps it, so the oldest arrival is
 * found in O(1) when the capacity is reached), the de-duplication keys, and per name the events
 * sorted by time, so a summary over any range is two binary searches per name. Bounded by count
 * (the capacity) and by bytes (`budgetBytes`, estimated by {@link customEventBytes}): a report of
 * 100 events of 4 KiB each is 800 KB, so 100,000 of them would be 8 GB held by count alone.
 */
export class MemoryCustomEvents {
  readonly #arrival = new Map<number, Entry>();
  readonly #byKey = new Map<string, Entry>();
  readonly #byName = new Map<string, Entry[]>();
  #seq = 0;
  #version = 0;
  #bytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly budgetBytes: number,
  ) {}

  /** Bytes held, as estimated. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Events held. */
  get size(): number {
    return this.#arrival.size;
  }

  /** Changes whenever what is held does. */
  get version(): number {
    return this.#version;
  }

  /** Stores what is new, then evicts the oldest arrivals past the capacity (as the SQL backends do, in that order). */
  insert(events: readonly CustomEventRecord[]): CustomEventsStored {
    const ids: string[] = [];
    const inserted: CustomEventRecord[] = [];
    for (const r of events) {
      const held = this.#byKey.get(r.dedupeKey);
      if (held !== undefined) {
        ids.push(held.r.eventId);
        continue;
      }
      const entry = { seq: this.#seq++, r };
      this.#arrival.set(entry.seq, entry);
      this.#bytes += customEventBytes(r);
      this.#byKey.set(r.dedupeKey, entry);
      let list = this.#byName.get(r.name);
      if (list === undefined) {
        list = [];
        this.#byName.set(r.name, list);
      }
      // Nearly always an append: reports arrive roughly in time order.
      list.splice(lowerBound(list, r.timeMs, entry.seq), 0, entry);
      ids.push(r.eventId);
      inserted.push(r);
    }
    for (const oldest of this.#arrival.values()) {
      if (this.#arrival.size <= this.capacity && this.#bytes <= this.budgetBytes) break;
      this.#remove(oldest);
    }
    if (inserted.length > 0) this.#version++;
    return { ids, inserted };
  }

  /** Per name (or the one name): occurrences in [fromMs, toMs) and the latest of them. */
  summarize(name: string | undefined, fromMs: number, toMs: number): { name: string; count: number; latestMs: number; latestSource: string }[] {
    const out: { name: string; count: number; latestMs: number; latestSource: string }[] = [];
    const lists = name === undefined ? this.#byName : new Map([[name, this.#byName.get(name) ?? []]]);
    for (const [n, list] of lists) {
      const lo = lowerBound(list, fromMs);
      const hi = lowerBound(list, toMs);
      const latest = list[hi - 1];
      if (hi > lo && latest !== undefined) out.push({ name: n, count: hi - lo, latestMs: latest.r.timeMs, latestSource: latest.r.source });
    }
    return out;
  }

  /** One name's occurrences matching `f`, newest first: the page, the count, the distinct sources and users. */
  occurrences(f: CustomFilter, offset: number, limit: number): OccurrencePage {
    const list = this.#byName.get(f.name) ?? [];
    const lo = lowerBound(list, f.fromMs);
    const rows: StoredOccurrence[] = [];
    const sources = new Set<string>();
    const users = new Set<string>();
    let total = 0;
    for (let i = lowerBound(list, f.toMs) - 1; i >= lo; i--) {
      const r = (list[i] as Entry).r;
      if ((f.eventSource !== undefined && r.source !== f.eventSource) || (f.level !== undefined && r.level !== f.level)) continue;
      if ((f.state !== undefined && r.state !== f.state) || (f.user !== undefined && r.user !== f.user)) continue;
      if (total >= offset && rows.length < limit) rows.push({ source: 'custom', body: r.body });
      total++;
      sources.add(r.source);
      users.add(r.user);
    }
    const first = (s: Set<string>) => [...s].sort().slice(0, DISTINCT_LIMIT);
    return { total, rows, sources: first(sources), users: first(users) };
  }

  /** Deletes the events that occurred before `cutoffMs`; returns how many. */
  prune(cutoffMs: number): number {
    let deleted = 0;
    for (const list of [...this.#byName.values()]) {
      const expired = list.slice(0, lowerBound(list, cutoffMs));
      for (const e of expired) this.#remove(e);
      deleted += expired.length;
    }
    if (deleted > 0) this.#version++;
    return deleted;
  }

  #remove(e: Entry): void {
    this.#arrival.delete(e.seq);
    this.#bytes -= customEventBytes(e.r);
    this.#byKey.delete(e.r.dedupeKey);
    const list = this.#byName.get(e.r.name);
    if (list === undefined) return;
    const i = lowerBound(list, e.r.timeMs, e.seq);
    if (list[i] === e) list.splice(i, 1);
    if (list.length === 0) this.#byName.delete(e.r.name);
  }
}
