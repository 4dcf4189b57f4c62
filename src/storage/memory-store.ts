import type { AuditHead, KeyedAuditEvent } from '../audit/audit-change.js';
import type { AuditEvent, AuditEventType } from '../audit/audit-event.js';
import { matchesAuditQuery, type AuditQuery } from '../audit/audit-query.js';
import type { AuditResourceType } from '../audit/resource-types.js';
import type { KnownWorkload, PriorWorkloads, WorkloadStateChange } from '../audit/workload-state.js';
import type { EtlEvent } from '../events/etl-event.js';
import { etlEventToJson } from '../events/etl-event-json.js';
import { ETL_KINDS } from '../events/etl-kinds.js';
import { EtlLog, type EtlCounters, type EtlLogQuery } from '../events/etl-log.js';
import type { EtlKind } from '../events/etl-kinds.js';
import { RingBuffer } from '../events/ring-buffer.js';
import type { CustomEventRecord, CustomEventsStored, EventSummary, EventSummaryQuery, OccurrencePage, OccurrenceQuery } from './catalogue.js';
import { MemoryCustomEvents } from './memory-custom-events.js';
import { pickById } from './audit-lookup.js';
import { auditOccurrences, bounds, etlOccurrences, summarizeAudit, summarizeEtl, type HeldAudit } from './memory-held-events.js';
import { MemorySets } from './memory-sets.js';
import { MemoryEtlPages } from './memory-etl-pages.js';
import { MemoryOutbox } from '../notify/memory-outbox.js';
import type { EtlPage, EtlQuery, SetDeletion, SetQuery, Store, StoredSet, StoredSetInfo, StoredSetKey, StoreLimits, StoreRecord, StoreRevision } from './store.js';
import { resolveLimits, type ResolvedLimits } from './store-limits.js';
import { MemoryGaps, type AuditGapQuery } from './gap-store.js';

interface ClusterEtl {
  readonly log: EtlLog;
  /** Dedupe keys of the events the rings hold. */
  readonly keys: Set<string>;
}

/**
 * A held audit event. Its JSON is made on the first read, not on the write, and so is the event
 * itself when the detector's change is held (KeyedAuditEvent): most changes of a burst are never
 * read one by one (a reader asks for the newest; the ring keeps AUDIT_CAPACITY of them), and an
 * event is immutable, so both are the same whenever they are made. The head (time, kind, cluster)
 * is read without them.
 */
class AuditEntry implements HeldAudit {
  #json: string | undefined;

  constructor(
    /** Order of arrival over every cluster, to merge clusters newest first. */
    readonly seq: number,
    readonly held: KeyedAuditEvent,
  ) {}

  get key(): string {
    return this.held.key;
  }

  get head(): AuditHead {
    return this.held.head;
  }

  get event(): AuditEvent {
    return this.held.event;
  }

  get json(): string {
    return (this.#json ??= JSON.stringify(this.held.event));
  }

  get timeMs(): number {
    return this.held.head.timeMs;
  }
}

interface ClusterAudit {
  readonly ring: RingBuffer<AuditEntry>;
  readonly keys: Set<string>;
}

interface KindState {
  readonly workloads: Map<string, KnownWorkload>;
  seenUntilNs: bigint | undefined;
}

const KINDS_LEXICAL = [...ETL_KINDS].sort();

/**
 * The `memory:` backend: per cluster the bounded rings the server always had, so memory stays
 * flat; nothing survives the process. Commits are synchronous and never fail.
 */
export class MemoryStore implements Store {
  readonly backend = 'memory';
  readonly location = 'memory:';
  readonly capabilities = { neverFails: true };
  readonly #limits: ResolvedLimits;
  readonly #etl = new Map<string, ClusterEtl>();
  readonly #audit = new Map<string, ClusterAudit>();
  readonly #workloads = new Map<string, Map<AuditResourceType, KindState>>();
  readonly #custom = new Map<string, MemoryCustomEvents>();
  readonly #sets = new MemorySets();
  readonly outbox = new MemoryOutbox();
  readonly #gaps = new MemoryGaps();
  readonly queryGaps = (q: AuditGapQuery): Promise<readonly string[]> => this.#gaps.queryGaps(q);
  /** Each event's JSON, made once (events are immutable). */
  readonly #fragments = new WeakMap<EtlEvent, string>();
  #etlVersion = 0;
  /** The unfiltered ETL pages, kept up to date per append (memory-etl-pages.ts). */
  readonly #etlPages = new MemoryEtlPages((e) => this.#jsonOf(e));
  #auditVersion = 0;
  #seq = 0;

  constructor(limits: StoreLimits) {
    this.#limits = resolveLimits(limits);
  }

  readonly writeSync = (records: readonly StoreRecord[]): void => {
    for (const r of records) {
      if (r.type === 'etl') this.#appendEtl(r.event);
      else if (r.type === 'audit') {
        if (this.#appendAudit(r.audit) && r.notify !== undefined) this.outbox.insertAudit(r.audit.event, r.audit.key, r.notify);
      } else if (r.type === 'notification') this.outbox.insert(r.row);
      else if (r.type === 'gap') this.#gaps.add(r.gap);
      else this.#applyWorkload(r.change);
    }
  };

  async write(records: readonly StoreRecord[]): Promise<void> {
    this.writeSync(records);
  }

  // The ETL pipeline's sets (memory-sets.ts).
  readonly saveSets = async (sets: readonly StoredSet[]): Promise<void> => this.#sets.save(sets);
  readonly listSets = async (q: SetQuery): Promise<StoredSetInfo[]> => this.#sets.list(q);
  readonly loadSet = async (key: StoredSetKey): Promise<StoredSet | undefined> => this.#sets.load(key);
  readonly deleteSets = async (q: SetDeletion): Promise<StoredSetInfo[]> => this.#sets.delete(q);
  /** The last repair per cluster: one short record each, so bounded by the clusters that repaired. */
  readonly #repairs = new Map<string, string>();

  async saveRepair(cluster: string, body: string): Promise<void> {
    this.#repairs.set(cluster, body);
  }

  async loadRepairs(clusters?: ReadonlySet<string>): Promise<ReadonlyMap<string, string>> {
    return new Map([...this.#repairs].filter(([c]) => clusters === undefined || clusters.has(c)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  async queryEtl(q: EtlQuery): Promise<EtlPage> {
    const selected = this.#selected(this.#etl, q.clusters);
    const sums = new Map<string, number>();
    for (const c of selected) for (const [kind, n] of Object.entries(c.log.counters())) sums.set(kind, (sums.get(kind) ?? 0) + n);
    const counters: EtlCounters = {};
    for (const k of KINDS_LEXICAL) {
      const n = sums.get(k);
      if (n !== undefined) counters[k] = n;
    }
    if (q.kinds === undefined && q.window === undefined) {
      return { ...this.#etlPages.page(q.clusters, this.#etlVersion, () => this.#mergedEtl(selected, {})), counters };
    }
    const merged = this.#mergedEtl(selected, { ...(q.kinds && { kinds: q.kinds }), ...(q.window && { window: q.window }) });
    return { allocation: this.#json(merged.allocation), asset: this.#json(merged.asset), counters };
  }

  /** The selected clusters' held events that match `filter`, each list merged by time. */
  #mergedEtl(selected: readonly ClusterEtl[], filter: EtlLogQuery): { allocation: EtlEvent[]; asset: EtlEvent[] } {
    const allocation: EtlEvent[] = [];
    const asset: EtlEvent[] = [];
    for (const c of selected) {
      const view = c.log.query(filter);
      allocation.push(...view.allocation);
      asset.push(...view.asset);
    }
    return { allocation: byTime(allocation), asset: byTime(asset) };
  }

  async findAuditEvent(id: string, timeMs: number): Promise<string | undefined> {
    for (const c of this.#audit.values()) {
      const rows = c.ring.toArray().filter((e) => e.timeMs === timeMs);
      const body = pickById(id, rows.map((e) => ({ cluster: e.head.cluster, key: e.key, timeMs: e.timeMs, body: e.json })));
      if (body !== undefined) return body;
    }
    return undefined;
  }

  async queryAudit(q: AuditQuery): Promise<readonly string[]> {
    const selected = this.#selected(this.#audit, q.clusters);
    const limit = q.count ?? Infinity;
    const found: AuditEntry[] = [];
    for (const c of selected) {
      // From the newest end, read in place: `count=1` reads one entry, not a copy of the whole ring.
      let taken = 0;
      for (let i = 0; i < c.ring.size && taken < limit; i++) {
        const e = c.ring.fromNewest(i) as AuditEntry;
        if (matchesAuditQuery(e.event, q)) {
          found.push(e);
          taken++;
        }
      }
    }
    if (selected.length > 1) found.sort((a, b) => b.seq - a.seq);
    return found.slice(0, limit === Infinity ? undefined : limit).map((e) => e.json);
  }

  async revision(): Promise<StoreRevision> {
    let custom = 0;
    for (const c of this.#custom.values()) custom += c.version;
    return { etl: String(this.#etlVersion), audit: String(this.#auditVersion), custom: String(custom) };
  }

  async loadWorkloads(cluster: string): Promise<ReadonlyMap<AuditResourceType, PriorWorkloads>> {
    const out = new Map<AuditResourceType, PriorWorkloads>();
    for (const [type, state] of this.#workloads.get(cluster) ?? []) {
      if (state.seenUntilNs !== undefined) out.set(type, { workloads: [...state.workloads.values()].map(remembered), seenUntilNs: state.seenUntilNs });
    }
    return out;
  }

  async insertCustomEvents(project: string, events: readonly CustomEventRecord[]): Promise<CustomEventsStored> {
    let c = this.#custom.get(project);
    if (c === undefined) {
      c = new MemoryCustomEvents(this.#limits.customEventCapacity, this.#limits.memoryCustomEventBytes);
      this.#custom.set(project, c);
    }
    return c.insert(events);
  }

  async summarizeEvents(q: EventSummaryQuery): Promise<EventSummary> {
    const { from, to, fromNs, toNs } = bounds(q);
    return {
      etl: q.etl === undefined ? [] : summarizeEtl(this.#etlEvents(q.project, q.etl.kind, fromNs, toNs)),
      audit: q.audit === undefined ? [] : summarizeAudit(this.#auditEntries(q.project, q.audit.eventType, q.audit.resourceType, from, to)),
      custom: q.custom === undefined ? [] : (this.#custom.get(q.project)?.summarize(q.custom.name, Math.max(from, q.custom.notBeforeMs ?? -Infinity), to) ?? []),
    };
  }

  async queryOccurrences(q: OccurrenceQuery): Promise<OccurrencePage> {
    const { from, to, fromNs, toNs } = bounds(q);
    if (q.source === 'custom') {
      const empty: OccurrencePage = { total: 0, rows: [], sources: [], users: [] };
      return this.#custom.get(q.project)?.occurrences({ ...q, fromMs: from, toMs: to }, q.offset, q.limit) ?? empty;
    }
    const rows =
      q.source === 'etl'
        ? etlOccurrences(this.#etlEvents(q.project, q.kind, fromNs, toNs))
        : auditOccurrences(this.#auditEntries(q.project, q.eventType, q.resourceType, from, to));
    return { total: rows.length, rows: rows.slice(q.offset, q.offset + q.limit), sources: [], users: [] };
  }

  async hasCluster(cluster: string): Promise<boolean> {
    return this.#etl.has(cluster) || this.#audit.has(cluster) || (this.#custom.get(cluster)?.size ?? 0) > 0 || this.#sets.hasCluster(cluster);
  }

  /** The rings never hold more than the limits; only custom events past their retention are deleted. */
  async prune(cluster: string, nowMs: number): Promise<number> {
    return this.#custom.get(cluster)?.prune(nowMs - this.#limits.customEventRetentionMs) ?? 0;
  }

  async ping(): Promise<void> {
    // Always reachable.
  }

  async close(): Promise<void> {
    // Nothing to release.
  }

  #selected<T>(byCluster: ReadonlyMap<string, T>, clusters: ReadonlySet<string> | undefined): T[] {
    // Sorted by cluster name, so equal times order as the SQL backends order them.
    const names = [...(clusters ?? byCluster.keys())].sort();
    const out: T[] = [];
    for (const name of names) {
      const c = byCluster.get(name);
      if (c !== undefined) out.push(c);
    }
    return out;
  }

  #appendEtl(event: EtlEvent): void {
    let c = this.#etl.get(event.cluster);
    if (c === undefined) {
      c = { log: new EtlLog(this.#limits.etlLogCapacity), keys: new Set() };
      this.#etl.set(event.cluster, c);
    }
    if (event.dedupeKey !== undefined) {
      if (c.keys.has(event.dedupeKey)) return;
      c.keys.add(event.dedupeKey);
    }
    const evicted = c.log.append(event);
    if (evicted?.dedupeKey !== undefined) c.keys.delete(evicted.dedupeKey);
    this.#etlVersion++;
    this.#etlPages.appended(this.#etlVersion, event, evicted);
  }

  /** False when the key was held already. */
  #appendAudit(audit: KeyedAuditEvent): boolean {
    const { key } = audit;
    const cluster = audit.head.cluster;
    let c = this.#audit.get(cluster);
    if (c === undefined) {
      c = { ring: new RingBuffer(this.#limits.auditCapacity), keys: new Set() };
      this.#audit.set(cluster, c);
    }
    // One hash of the key, not two: a key already held leaves the set's size as it was.
    const held = c.keys.size;
    if (c.keys.add(key).size === held) return false;
    const evicted = c.ring.push(new AuditEntry(this.#seq++, audit));
    if (evicted !== undefined) c.keys.delete(evicted.key);
    this.#auditVersion++;
    return true;
  }

  #applyWorkload(change: WorkloadStateChange): void {
    let byType = this.#workloads.get(change.cluster);
    if (byType === undefined) {
      byType = new Map();
      this.#workloads.set(change.cluster, byType);
    }
    let state = byType.get(change.resourceType);
    if (state === undefined) {
      state = { workloads: new Map(), seenUntilNs: undefined };
      byType.set(change.resourceType, state);
    }
    switch (change.op) {
      case 'put':
        state.workloads.set(change.workload.uid, change.workload);
        break;
      case 'remove':
        state.workloads.delete(change.uid);
        break;
      case 'replace':
        state.workloads.clear();
        for (const w of change.workloads) state.workloads.set(w.uid, w);
        state.seenUntilNs = change.atNs;
        break;
      case 'seen':
        state.seenUntilNs = change.atNs;
        break;
    }
  }

  /** The cluster's held ETL events (of `kind`, when given) with time in [fromNs, toNs), in arrival order per category. */
  #etlEvents(cluster: string, kind: EtlKind | undefined, fromNs: bigint | undefined, toNs: bigint | undefined): EtlEvent[] {
    const log = this.#etl.get(cluster)?.log;
    if (log === undefined) return [];
    const view = log.query(kind === undefined ? {} : { kinds: new Set([kind]) });
    return [...view.allocation, ...view.asset].filter((e) => (fromNs === undefined || e.time >= fromNs) && (toNs === undefined || e.time < toNs));
  }

  /** The cluster's held audit events of the given type and kind with time in [from, to), in arrival order. */
  #auditEntries(cluster: string, eventType: AuditEventType | undefined, resourceType: AuditResourceType | undefined, from: number, to: number): AuditEntry[] {
    const ring = this.#audit.get(cluster)?.ring;
    if (ring === undefined) return [];
    return ring
      .toArray()
      .filter(
        (a) =>
          (eventType === undefined || a.head.eventType === eventType) &&
          (resourceType === undefined || a.head.resourceType === resourceType) &&
          a.timeMs >= from &&
          a.timeMs < to,
      );
  }

  #json(events: readonly EtlEvent[]): string[] {
    return events.map((e) => this.#jsonOf(e));
  }

  #jsonOf(e: EtlEvent): string {
    let s = this.#fragments.get(e);
    if (s === undefined) {
      s = etlEventToJson(e);
      this.#fragments.set(e, s);
    }
    return s;
  }
}

/**
 * What the audit remembers of a workload, alone: the state changes' workloads are the detector's
 * own entries (kept, not copied, so 100,000 workloads are not held twice), which carry more.
 */
function remembered(w: KnownWorkload): KnownWorkload {
  return { uid: w.uid, name: w.name, namespace: w.namespace, resourceVersion: w.resourceVersion, spec: w.spec, lastSeenNs: w.lastSeenNs };
}

/** Oldest first by time; a stable sort, so arrival order breaks ties. Already-sorted input (the usual case) is not re-sorted. */
function byTime(events: EtlEvent[]): EtlEvent[] {
  for (let i = 1; i < events.length; i++) {
    if ((events[i] as EtlEvent).time < (events[i - 1] as EtlEvent).time) return events.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }
  return events;
}
