import { SetRepository, UnreadableSetError } from '../etl/set-repository.js';
import type { AllocationSet } from '../etl/sets.js';
import type { SetStore, StoredSetInfo } from '../storage/store.js';
import { parseRfc3339Ms } from '../time.js';
import { DAY_MS } from '../window.js';
import type { AuditEvent } from './audit-event.js';
import { realizedCost, realizedWindows, type Realized } from './realized-cost.js';

/** Events of one list answer that get `realized` computed: each costs at most two listings and two set reads, so a page's work is bounded. */
export const REALIZED_PER_PAGE = 20;

/** Results kept (each a few hundred bytes: about 4 MB at most). */
const DEFAULT_CACHE_ENTRIES = 10_000;

/** The two stored sets one event's realized cost is made from. */
interface Basis {
  readonly before: StoredSetInfo;
  readonly after: StoredSetInfo;
}

/** The sets a group of events would be measured over, found by listing only; `compute` reads and measures them. */
export interface RealizedPlan {
  /**
   * What storage says of the sets chosen for each event (resolution, window, size, reconciliation
   * digest), or that none were: equal stamps give equal `realized`, so a route can answer a
   * conditional request without reading a set.
   */
  readonly stamp: string;
  /** The realized cost of each event, in order; null where the sets are not stored. */
  compute(): Promise<(Realized | null)[]>;
}

/**
 * The realized cost of audit events, from the stored allocation sets. The ETL_RESOLUTION sets
 * when the window before the change is still held (the window before the one it happened in, and
 * the one after); once the pruning has deleted it (HOURLY_RETENTION, about 49 hours), the daily
 * roll-ups (the UTC day before the change's day, and the day after). Computed on request and kept
 * per event and per revision of the two sets it was made from (resolution, start, size and
 * reconciliation digest, as the set queries key their cache): a set built, rebuilt, rolled up or
 * reconciled since gives a new answer. Sets are read without publishing `AllocationSetLoaded`:
 * this is the audit reading, not the ETL.
 */
export class RealizedCosts {
  readonly #store: SetStore;
  readonly #repo: SetRepository;
  readonly #resolutionMs: number;
  readonly #hoursPerMonth: number;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, Realized>();

  constructor(deps: { sets: SetStore; resolutionMs: number; hoursPerMonth: number; cacheEntries?: number }) {
    this.#store = deps.sets;
    this.#repo = new SetRepository(deps.sets);
    this.#resolutionMs = deps.resolutionMs;
    this.#hoursPerMonth = deps.hoursPerMonth;
    this.#maxEntries = deps.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
  }

  /**
   * Chooses the sets of each event by listing them (one listing per event, two when it falls back
   * to the daily roll-ups; events of the same windows share them); reads nothing yet.
   */
  async plan(events: readonly AuditEvent[]): Promise<RealizedPlan> {
    const listings = new Map<string, Promise<StoredSetInfo[]>>();
    const bases: (Basis | null)[] = [];
    for (const e of events) bases.push(await this.#basis(e, listings));
    const described = bases.map((b) => (b === null ? '-' : `${b.before.cluster}/${b.before.resolutionMs}/${b.before.start}/${stamp(b.before)}+${b.after.start}/${stamp(b.after)}`));
    return { stamp: described.join(';'), compute: () => this.#compute(events, bases) };
  }

  /** The realized cost of each event, in order; null for an event whose sets are not stored (not built yet, or pruned). */
  async of(events: readonly AuditEvent[]): Promise<(Realized | null)[]> {
    return (await this.plan(events)).compute();
  }

  /** The hourly sets around the change when the one before is held, else the daily ones; null when the chosen pair is not both held. */
  async #basis(e: AuditEvent, listings: Map<string, Promise<StoredSetInfo[]>>): Promise<Basis | null> {
    const timeMs = parseRfc3339Ms(e.timestamp);
    if (timeMs === undefined) return null;
    const cluster = e.properties.cluster;
    const fine = await this.#pair(cluster, timeMs, this.#resolutionMs, listings);
    if (fine.before !== undefined || this.#resolutionMs === DAY_MS) return complete(fine);
    return complete(await this.#pair(cluster, timeMs, DAY_MS, listings));
  }

  async #pair(cluster: string, timeMs: number, resolutionMs: number, listings: Map<string, Promise<StoredSetInfo[]>>): Promise<Partial<Basis>> {
    const { before, after } = realizedWindows(timeMs, resolutionMs);
    const key = `${cluster}|${resolutionMs}|${before.start}`;
    let listed = listings.get(key);
    if (listed === undefined) {
      listed = this.#store.listSets({ clusters: new Set([cluster]), category: 'allocation', resolutionMs, start: before.start, end: after.end });
      listings.set(key, listed);
    }
    const infos = await listed;
    const b = infos.find((i) => i.start === before.start);
    const a = infos.find((i) => i.start === after.start);
    return { ...(b !== undefined && { before: b }), ...(a !== undefined && { after: a }) };
  }

  async #compute(events: readonly AuditEvent[], bases: readonly (Basis | null)[]): Promise<(Realized | null)[]> {
    const read = new Map<string, Promise<AllocationSet | undefined>>();
    const out: (Realized | null)[] = [];
    for (const [i, e] of events.entries()) {
      const basis = bases[i];
      out.push(basis === undefined || basis === null ? null : await this.#one(e, basis, read));
    }
    return out;
  }

  async #one(e: AuditEvent, { before, after }: Basis, read: Map<string, Promise<AllocationSet | undefined>>): Promise<Realized | null> {
    const key = `${e.properties.cluster}/${e.id ?? `${e.uid}/${e.timestamp}/${e.eventType}`}|${before.resolutionMs}|${stamp(before)}|${stamp(after)}`;
    const held = this.#cache.get(key);
    if (held !== undefined) return held;
    const [bs, as] = [await this.#read(before, read), await this.#read(after, read)];
    if (bs === undefined || as === undefined) return null;
    const subject = { eventType: e.eventType, resourceType: e.resourceType, namespace: e.properties.namespace, name: e.properties.name, predictedMonthlyDelta: e.monthlyCostDelta };
    const realized = realizedCost(subject, bs, as, this.#hoursPerMonth);
    this.#remember(key, realized);
    return realized;
  }

  #read(info: StoredSetInfo, read: Map<string, Promise<AllocationSet | undefined>>): Promise<AllocationSet | undefined> {
    const key = `${info.cluster}|${info.resolutionMs}|${info.start}|${stamp(info)}`;
    let held = read.get(key);
    if (held === undefined) {
      // A set that cannot be decoded gives no realized cost, as one not stored; the set queries name it in their warnings.
      held = this.#repo.load({ ...info, category: 'allocation' }).catch((err: unknown) => {
        if (err instanceof UnreadableSetError) return undefined;
        throw err;
      });
      read.set(key, held);
    }
    return held;
  }

  #remember(key: string, realized: Realized): void {
    this.#cache.set(key, realized);
    // Oldest first out: a Map iterates in insertion order.
    for (const k of this.#cache.keys()) {
      if (this.#cache.size <= this.#maxEntries) break;
      this.#cache.delete(k);
    }
  }
}

function complete(p: Partial<Basis>): Basis | null {
  return p.before === undefined || p.after === undefined ? null : { before: p.before, after: p.after };
}

function stamp(info: StoredSetInfo): string {
  return `${info.size}/${info.reconciled ?? ''}`;
}
