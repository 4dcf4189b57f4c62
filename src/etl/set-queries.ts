import { AppError } from '../errors.js';
import type { EtlCategory } from '../events/etl-kinds.js';
import type { StoredSetInfo } from '../storage/store.js';
import { alignDown, alignUp, DAY_MS, formatDurationMs, type Window } from '../window.js';
import { accumulateAllocationSets, accumulateAssetSets } from './accumulate.js';
import { aggregateAllocations, isIdle } from './aggregate-allocations.js';
import { aggregateAssets, type AssetAggregateSet } from './aggregate-assets.js';
import type { AllocationAggregateBy, AssetAggregateBy } from './aggregate-by.js';
import type { EtlPublisher } from './etl-publisher.js';
import { UnreadableSetError, type SetOf, type SetRepository } from './set-repository.js';
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

/** What answering the steps of a query came to. */
interface StepsDone {
  readonly window: Window;
  readonly records: number;
  readonly warnings: string[];
}

/** What a query answers: its sets, and what could not be read (Kubecost's `warning`). */
export type QueryAnswer<T> = T & { readonly warnings: readonly string[] };

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
        `invalid parameter 'window': the answer would hold more than ${this.#maxRecords} sets (${count} steps of ${formatDurationMs(step)}); ask for a longer step (step=1d), accumulate (accumulate=true) or a shorter window`,
      );
    }
    const out: Window[] = [];
    for (let s = start; s < end; s += step) out.push({ start: s, end: Math.min(s + step, end) });
    return out;
  }

  async allocation(q: AllocationQuery): Promise<QueryAnswer<{ readonly sets: AllocationSet[] }>> {
    const aggregate = q.aggregate;
    const out: AllocationSet[] = [];
    const done = await this.#steps('allocation', q, accumulateAllocationSets, (set) => {
      const kept = q.idle ? set : { ...set, allocations: set.allocations.filter((a) => !isIdle(a)) };
      const shaped = aggregate === undefined ? kept : aggregateAllocations(kept, aggregate);
      out.push(shaped);
      return shaped.allocations.length;
    });
    this.#reportQuery('allocation', q, done);
    return { sets: out, warnings: done.warnings };
  }

  /** The asset sets of each step, or, aggregated, the aggregates of each step. */
  async assets(q: AssetQuery): Promise<QueryAnswer<{ readonly sets: AssetSet[] } | { readonly aggregates: AssetAggregateSet[] }>> {
    const aggregate = q.aggregate;
    const sets: AssetSet[] = [];
    const aggregates: AssetAggregateSet[] = [];
    const done = await this.#steps('asset', q, accumulateAssetSets, (set) => {
      if (aggregate === undefined) {
        sets.push(set);
        return set.assets.length;
      }
      const grouped = aggregateAssets(set, aggregate);
      aggregates.push(grouped);
      return grouped.assets.length;
    });
    this.#reportQuery('asset', q, done);
    const warnings = done.warnings;
    return aggregate === undefined ? { sets, warnings } : { aggregates, warnings };
  }

  /**
   * What storage says of the sets a query would read (their keys, sizes and reconciliation
   * digests): equal stamps give equal answers, so a route can answer a conditional request
   * without decoding, aggregating or rendering anything.
   */
  async stamp(category: EtlCategory, q: SetQueryBase): Promise<string> {
    const steps = this.steps(q);
    const scope = { ...(q.clusters !== undefined && { clusters: q.clusters }), category, start: steps[0]?.start ?? 0, end: steps.at(-1)?.end ?? 0 };
    const fine = await this.#repo.list({ ...scope, resolutionMs: this.#resolutionMs });
    const daily = this.#resolutionMs === DAY_MS ? [] : await this.#repo.list({ ...scope, resolutionMs: DAY_MS });
    return [...fine, ...daily].map((i) => `${i.cluster}/${i.resolutionMs}/${i.start}/${i.size}/${i.reconciled ?? ''}`).join(';');
  }

  /** One Aggregated (records returned) for a query that aggregates, one Totaled for one that accumulates, over the widened window. */
  #reportQuery(category: EtlCategory, q: SetQueryBase & { readonly aggregate?: readonly unknown[] }, done: StepsDone): void {
    const { window, records: size } = done;
    if (q.aggregate !== undefined) this.#publisher.report({ category, step: 'Aggregated', window, size });
    if (q.accumulate) this.#publisher.report({ category, step: 'Totaled', window });
  }

  /**
   * Accumulates the stored sets of each step and hands each step's set to `take`, which returns the
   * records it keeps (bounded by maxRecords). Returns the widened window, the records kept, and
   * what could not be read (a stored set that does not decode is left out and named, rather than
   * failing every query over its window).
   */
  async #steps<C extends EtlCategory>(
    category: C,
    q: SetQueryBase,
    accumulate: (sets: readonly SetOf<C>[], window: Window) => SetOf<C>,
    take: (set: SetOf<C>) => number,
  ): Promise<StepsDone> {
    const steps = this.steps(q);
    const whole = { start: steps[0]?.start ?? 0, end: steps.at(-1)?.end ?? 0 };
    const scope = { ...(q.clusters !== undefined && { clusters: q.clusters }), category, start: whole.start, end: whole.end };
    const fine = await this.#repo.list({ ...scope, resolutionMs: this.#resolutionMs });
    const daily = this.#resolutionMs === DAY_MS ? [] : await this.#repo.list({ ...scope, resolutionMs: DAY_MS });
    const byStep = sourcesByStep(steps, fine, daily);
    const warnings: string[] = [];
    let records = 0;
    for (const [i, step] of steps.entries()) {
      const sets: SetOf<C>[] = [];
      for (const info of byStep.get(i) ?? []) {
        const set = await this.#load(category, info, warnings);
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
    return { window: whole, records, warnings };
  }

  async #load<C extends EtlCategory>(category: C, info: StoredSetInfo, warnings: string[]): Promise<SetOf<C> | undefined> {
    // What storage says of a set is in its key, so a set replaced (reconciled) is read again.
    const key = `${category}/${info.cluster}/${info.resolutionMs}/${info.start}/${info.size}/${info.reconciled ?? ''}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached as SetOf<C>;
    let set: SetOf<C> | undefined;
    try {
      set = await this.#repo.load({ ...info, category });
    } catch (err) {
      if (!(err instanceof UnreadableSetError)) throw err;
      warnings.push(`${err.message}; the answer leaves it out`);
      return undefined;
    }
    if (set === undefined) return undefined;
    this.#publisher.report({ category, step: 'Loaded', window: { start: info.start, end: info.end }, size: info.size });
    this.#cache.put(key, set, info.size);
    return set;
  }
}

/**
 * The stored sets that make up each step, by the step's index: per cluster, the daily roll-up of
 * each whole UTC day inside a step, and the finer sets inside a step outside those days. Steps are
 * of equal width from the first (the last may be cut short), so a set's step is arithmetic: one
 * pass over the listings, however many steps.
 */
function sourcesByStep(steps: readonly Window[], fine: readonly StoredSetInfo[], daily: readonly StoredSetInfo[]): Map<number, StoredSetInfo[]> {
  const first = steps[0];
  const out = new Map<number, StoredSetInfo[]>();
  if (first === undefined) return out;
  const width = first.end - first.start;
  const last = steps.length - 1;
  /** The step holding the whole of [start, end), or undefined when the set straddles two or lies outside. */
  const stepOf = (info: StoredSetInfo): number | undefined => {
    const i = Math.floor((info.start - first.start) / width);
    const j = Math.floor((info.end - 1 - first.start) / width);
    return i === j && i >= 0 && i <= last && info.end <= (steps[i]?.end ?? 0) ? i : undefined;
  };
  const add = (i: number, info: StoredSetInfo) => {
    const list = out.get(i);
    if (list === undefined) out.set(i, [info]);
    else list.push(info);
  };
  const covered = new Set<string>();
  for (const d of daily) {
    const i = stepOf(d);
    if (i === undefined) continue;
    covered.add(`${d.cluster}/${d.start}`);
    add(i, d);
  }
  for (const f of fine) {
    const i = stepOf(f);
    if (i !== undefined && !covered.has(`${f.cluster}/${alignDown(f.start, DAY_MS)}`)) add(i, f);
  }
  return out;
}
