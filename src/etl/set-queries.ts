import { AppError } from '../errors.js';
import type { EtlCategory } from '../events/etl-kinds.js';
import type { StoredSetInfo } from '../storage/store.js';
import type { Window } from '../window.js';
import {
  accumulateAllocationSets,
  accumulateAssetSets,
  aggregateAllocations,
  aggregateAssets,
  isIdle,
  type AllocationAggregateBy,
  type AssetAggregateBy,
  type AssetAggregateSet,
} from './aggregate.js';
import { alignDown, alignUp, DAY_MS, type EtlPublisher } from './etl-publisher.js';
import type { SetOf, SetRepository } from './set-repository.js';
import type { AllocationSet, AssetSet } from './sets.js';

/** What a query of sets asks, in common to allocations and assets. */
interface SetQueryBase {
  /** The window asked for; it is widened to whole `ETL_RESOLUTION` windows. */
  readonly window: Window;
  /** One set for the whole window. */
  readonly accumulate: boolean;
  /** The width of each returned set; default a day for windows of a day or more, else `ETL_RESOLUTION`. */
  readonly stepMs?: number;
  /** Undefined: every cluster in the store. */
  readonly clusters?: ReadonlySet<string>;
}

export interface AllocationQuery extends SetQueryBase {
  readonly aggregate?: readonly AllocationAggregateBy[];
  /** Keep the `__idle__` allocations (Kubecost's `idle`, default true). */
  readonly idle: boolean;
}

export interface AssetQuery extends SetQueryBase {
  readonly aggregate?: readonly AssetAggregateBy[];
}

/** Decoded sets kept for reuse, bounded by the records they hold. */
class DecodedSets {
  readonly #max: number;
  readonly #entries = new Map<string, { set: AllocationSet | AssetSet; records: number }>();
  #records = 0;

  constructor(maxRecords: number) {
    this.#max = maxRecords;
  }

  get(key: string): AllocationSet | AssetSet | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, e);
    return e.set;
  }

  put(key: string, set: AllocationSet | AssetSet, records: number): void {
    if (records > this.#max) return;
    this.#entries.set(key, { set, records });
    this.#records += records;
    for (const [k, e] of this.#entries) {
      if (this.#records <= this.#max) break;
      this.#entries.delete(k);
      this.#records -= e.records;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#records = 0;
  }
}

/**
 * The sets behind `GET /model/allocation` and `GET /model/assets`: the stored sets inside each
 * step of the window (daily roll-ups for whole UTC days that have one, the `ETL_RESOLUTION` sets
 * for the rest), accumulated per step, of every selected cluster, then aggregated. Reading a set
 * from storage publishes `…Loaded`; a query that aggregates publishes one `…Aggregated` (records
 * returned), one that accumulates one `…Totaled`. Decoded sets are kept in a bounded cache keyed
 * by what storage says of them (size, reconciliation), so a changed set is read again.
 */
export class SetQueries {
  readonly #repo: SetRepository;
  readonly #resolutionMs: number;
  readonly #publisher: EtlPublisher;
  readonly #cache: DecodedSets;
  readonly #maxRecords: number;

  /** `cacheRecords`: records of decoded sets kept (default 250,000); `maxRecords`: records, and sets, one answer may hold (default 200,000). */
  constructor(deps: { repository: SetRepository; resolutionMs: number; publisher: EtlPublisher; cacheRecords?: number; maxRecords?: number }) {
    this.#maxRecords = deps.maxRecords ?? 200_000;
    this.#repo = deps.repository;
    this.#resolutionMs = deps.resolutionMs;
    this.#publisher = deps.publisher;
    this.#cache = new DecodedSets(deps.cacheRecords ?? 250_000);
  }

  /** Forgets decoded sets (the pipeline replaced or deleted some). */
  invalidate(): void {
    this.#cache.clear();
  }

  /** The steps a query returns, each with its window. */
  steps(q: SetQueryBase): Window[] {
    const res = this.#resolutionMs;
    const start = alignDown(q.window.start, res);
    const end = Math.max(alignUp(q.window.end, res), start + res);
    const step = q.accumulate ? end - start : q.stepMs ?? (end - start >= DAY_MS ? DAY_MS : res);
    // Each step is a set of the answer (`{}` when empty), so steps are bounded as records are, before any is made.
    const count = Math.ceil((end - start) / step);
    if (count > this.#maxRecords) {
      throw new AppError(
        'BAD_PARAMETER',
        `invalid parameter 'window': the answer would hold more than ${this.#maxRecords} sets (${count} steps of ${step / 1000}s); ask for a longer step (step=1d), accumulate (accumulate=true) or a shorter window`,
      );
    }
    const out: Window[] = [];
    for (let s = start; s < end; s += step) out.push({ start: s, end: Math.min(s + step, end) });
    return out;
  }

  async allocation(q: AllocationQuery): Promise<AllocationSet[]> {
    const aggregate = q.aggregate;
    const out: AllocationSet[] = [];
    await this.#steps('allocation', q, accumulateAllocationSets, (set) => {
      const kept = q.idle ? set : { ...set, allocations: set.allocations.filter((a) => !isIdle(a)) };
      const shaped = aggregate === undefined ? kept : aggregateAllocations(kept, aggregate);
      out.push(shaped);
      return shaped.allocations.length;
    });
    this.#reportQuery('allocation', q, out.reduce((n, s) => n + s.allocations.length, 0));
    return out;
  }

  /** The asset sets of each step, or, aggregated, the aggregates of each step. */
  async assets(q: AssetQuery): Promise<{ readonly sets: AssetSet[] } | { readonly aggregates: AssetAggregateSet[] }> {
    const aggregate = q.aggregate;
    const sets: AssetSet[] = [];
    const aggregates: AssetAggregateSet[] = [];
    await this.#steps('asset', q, accumulateAssetSets, (set) => {
      if (aggregate === undefined) {
        sets.push(set);
        return set.assets.length;
      }
      const grouped = aggregateAssets(set, aggregate);
      aggregates.push(grouped);
      return grouped.assets.length;
    });
    const records = aggregate === undefined ? sets : aggregates;
    this.#reportQuery('asset', q, records.reduce((n, s) => n + s.assets.length, 0));
    return aggregate === undefined ? { sets } : { aggregates };
  }

  #reportQuery(category: EtlCategory, q: SetQueryBase & { readonly aggregate?: readonly unknown[] }, size: number): void {
    const steps = this.steps(q);
    const window = { start: steps[0]?.start ?? q.window.start, end: steps.at(-1)?.end ?? q.window.end };
    if (q.aggregate !== undefined) this.#publisher.report({ category, step: 'Aggregated', window, size });
    if (q.accumulate) this.#publisher.report({ category, step: 'Totaled', window });
  }

  /** Accumulates the stored sets of each step and hands each step's set to `take`, which returns the records it keeps (bounded by maxRecords). */
  async #steps<C extends EtlCategory>(
    category: C,
    q: SetQueryBase,
    accumulate: (sets: readonly SetOf<C>[], window: Window) => SetOf<C>,
    take: (set: SetOf<C>) => number,
  ): Promise<void> {
    const steps = this.steps(q);
    const whole = { start: steps[0]?.start ?? 0, end: steps.at(-1)?.end ?? 0 };
    const scope = { ...(q.clusters !== undefined && { clusters: q.clusters }), category, start: whole.start, end: whole.end };
    const fine = await this.#repo.list({ ...scope, resolutionMs: this.#resolutionMs });
    const daily = this.#resolutionMs === DAY_MS ? [] : await this.#repo.list({ ...scope, resolutionMs: DAY_MS });
    let records = 0;
    for (const step of steps) {
      const sets: SetOf<C>[] = [];
      for (const info of sources(step, fine, daily)) {
        const set = await this.#load(category, info);
        if (set !== undefined) sets.push(set);
      }
      records += take(accumulate(sets, step));
      if (records > this.#maxRecords) {
        throw new AppError(
          'BAD_PARAMETER',
          `invalid parameter 'window': the answer would hold more than ${this.#maxRecords} records; aggregate (aggregate=namespace), accumulate (accumulate=true) or ask for a shorter window`,
        );
      }
    }
  }

  async #load<C extends EtlCategory>(category: C, info: StoredSetInfo): Promise<SetOf<C> | undefined> {
    const key = `${category}/${info.cluster}/${info.resolutionMs}/${info.start}/${info.size}/${info.reconciled ?? ''}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached as SetOf<C>;
    const set = await this.#repo.load({ ...info, category });
    if (set === undefined) return undefined;
    this.#publisher.report({ category, step: 'Loaded', window: { start: info.start, end: info.end }, size: info.size });
    this.#cache.put(key, set, info.size);
    return set;
  }
}

/**
 * The stored sets that make up one step: per cluster, the daily roll-up of each whole UTC day of
 * the step that has one, and the finer sets of the step outside those days.
 */
function sources(step: Window, fine: readonly StoredSetInfo[], daily: readonly StoredSetInfo[]): StoredSetInfo[] {
  const days = daily.filter((d) => d.start >= step.start && d.end <= step.end);
  const covered = new Set(days.map((d) => `${d.cluster}/${d.start}`));
  const rest = fine.filter((f) => f.start >= step.start && f.end <= step.end && !covered.has(`${f.cluster}/${alignDown(f.start, DAY_MS)}`));
  return [...days, ...rest];
}
