/**
 * Accumulation: the sets of consecutive windows merged into one set over a window, by record
 * name (the daily roll-up, `accumulate=true`). Nothing here changes the sets it is given.
 */
import type { Window } from '../window.js';
import { addAllocationInto, addAssetInto, cloneAllocation, cloneAsset } from './add-records.js';
import { byName, type Allocation, type AllocationSet, type Asset, type AssetSet, type ReconcileStamp } from './sets.js';

/**
 * Accumulation by name over a window: the cluster the sets share (their names sorted and joined
 * with ',' when they differ; '' for none), the window given, and a reconciliation stamp only when
 * every set carried one from the same source (the latest time kept).
 */
abstract class SetAccumulator<R extends { name: string }> {
  readonly #window: Window;
  readonly #byName = new Map<string, R>();
  readonly #clusters = new Set<string>();
  #stamp: ReconcileStamp | undefined | null;

  constructor(window: Window) {
    this.#window = window;
  }

  protected abstract clone(r: R): R;
  protected abstract fold(target: R, src: R): void;

  protected addRecords(cluster: string, records: readonly R[], reconciled: ReconcileStamp | undefined): void {
    this.#clusters.add(cluster);
    this.#stamp = this.#stamp === null ? null : commonStamp(this.#stamp, reconciled);
    for (const r of records) {
      const held = this.#byName.get(r.name);
      if (held === undefined) this.#byName.set(r.name, this.clone(r));
      else this.fold(held, r);
    }
  }

  protected parts(): { cluster: string; window: Window; records: R[]; reconciled?: ReconcileStamp } {
    const out: { cluster: string; window: Window; records: R[]; reconciled?: ReconcileStamp } = {
      cluster: [...this.#clusters].sort().join(','),
      window: this.#window,
      records: [...this.#byName.values()].sort(byName),
    };
    if (this.#stamp !== null && this.#stamp !== undefined) out.reconciled = this.#stamp;
    return out;
  }
}

function commonStamp(sofar: ReconcileStamp | undefined, next: ReconcileStamp | undefined): ReconcileStamp | null {
  if (next === undefined) return null;
  if (sofar === undefined) return next;
  return sofar.source === next.source ? { source: next.source, at: Math.max(sofar.at, next.at) } : null;
}

/** Merges allocation sets one at a time (only the merged records are held), by name, into one set over a window. */
export class AllocationSetAccumulator extends SetAccumulator<Allocation> {
  protected clone(a: Allocation): Allocation {
    return cloneAllocation(a);
  }

  protected fold(target: Allocation, src: Allocation): void {
    addAllocationInto(target, src);
  }

  add(set: AllocationSet): void {
    this.addRecords(set.cluster, set.allocations, set.reconciled);
  }

  result(): AllocationSet {
    const { records, ...rest } = this.parts();
    return { ...rest, allocations: records };
  }
}

/** Merges asset sets one at a time, by name, into one set over a window. */
export class AssetSetAccumulator extends SetAccumulator<Asset> {
  protected clone(a: Asset): Asset {
    return cloneAsset(a);
  }

  protected fold(target: Asset, src: Asset): void {
    addAssetInto(target, src);
  }

  add(set: AssetSet): void {
    this.addRecords(set.cluster, set.assets, set.reconciled);
  }

  result(): AssetSet {
    const { records, ...rest } = this.parts();
    return { ...rest, assets: records };
  }
}

/** The sets of consecutive windows merged by name into one set over `window` (the daily roll-up, `accumulate=true`). */
export function accumulateAllocationSets(sets: readonly AllocationSet[], window: Window): AllocationSet {
  const acc = new AllocationSetAccumulator(window);
  for (const set of sets) acc.add(set);
  return acc.result();
}

/** Asset sets of consecutive windows merged by name into one set over `window`. */
export function accumulateAssetSets(sets: readonly AssetSet[], window: Window): AssetSet {
  const acc = new AssetSetAccumulator(window);
  for (const set of sets) acc.add(set);
  return acc.result();
}
