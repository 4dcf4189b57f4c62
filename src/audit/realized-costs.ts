import { SetRepository, UnreadableSetError } from '../etl/set-repository.js';
import type { AllocationSet } from '../etl/sets.js';
import type { SetStore, StoredSetInfo } from '../storage/store.js';
import { parseRfc3339Ms } from '../time.js';
import type { AuditEvent } from './audit-event.js';
import { realizedCost, realizedWindows, type Realized } from './realized-cost.js';

/** Events of one list answer that get `realized` computed: each costs a listing and up to two set reads, so a page's work is bounded. */
export const REALIZED_PER_PAGE = 20;

/** Results kept (each a few hundred bytes: about 4 MB at most). */
const DEFAULT_CACHE_ENTRIES = 10_000;

/**
 * The realized cost of audit events, from the stored allocation sets (ETL_RESOLUTION ones; the
 * daily roll-ups are too coarse to tell before from after). Computed on request and kept per event
 * and per revision of the two sets it was made from (their size and reconciliation digest, as the
 * set queries key their cache): a set built, rebuilt or reconciled since gives a new answer. Sets
 * are read without publishing `AllocationSetLoaded`: this is the audit reading, not the ETL.
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
   * The realized cost of each event, in order; null for an event whose window before, or whole
   * window after, is not stored (not built yet, or pruned). Sets read for one event serve the
   * others of the same call.
   */
  async of(events: readonly AuditEvent[]): Promise<(Realized | null)[]> {
    const read = new Map<string, Promise<AllocationSet | undefined>>();
    const out: (Realized | null)[] = [];
    for (const e of events) out.push(await this.#one(e, read));
    return out;
  }

  async #one(e: AuditEvent, read: Map<string, Promise<AllocationSet | undefined>>): Promise<Realized | null> {
    const timeMs = parseRfc3339Ms(e.timestamp);
    if (timeMs === undefined) return null;
    const cluster = e.properties.cluster;
    const { before, after } = realizedWindows(timeMs, this.#resolutionMs);
    const listed = await this.#store.listSets({ clusters: new Set([cluster]), category: 'allocation', resolutionMs: this.#resolutionMs, start: before.start, end: after.end });
    const b = listed.find((i) => i.start === before.start);
    const a = listed.find((i) => i.start === after.start);
    if (b === undefined || a === undefined) return null;
    const key = `${cluster}/${e.id ?? `${e.uid}/${e.timestamp}/${e.eventType}`}|${stamp(b)}|${stamp(a)}`;
    const held = this.#cache.get(key);
    if (held !== undefined) return held;
    const [bs, as] = [await this.#read(b, read), await this.#read(a, read)];
    if (bs === undefined || as === undefined) return null;
    const subject = { eventType: e.eventType, resourceType: e.resourceType, namespace: e.properties.namespace, name: e.properties.name, predictedMonthlyDelta: e.monthlyCostDelta };
    const realized = realizedCost(subject, bs, as, this.#hoursPerMonth);
    this.#remember(key, realized);
    return realized;
  }

  #read(info: StoredSetInfo, read: Map<string, Promise<AllocationSet | undefined>>): Promise<AllocationSet | undefined> {
    const key = `${info.cluster}|${info.start}|${stamp(info)}`;
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

function stamp(info: StoredSetInfo): string {
  return `${info.size}/${info.reconciled ?? ''}`;
}
