/**
 * Accumulation: the sets of consecutive windows merged into one set over a window, by record
 * name (the daily roll-up, `accumulate=true`). Nothing here changes the sets it is given.
 */
import type { Window } from '../window.js';
import { addAssetInto, addPvs, cloneAllocationProperties, cloneAsset, clonePvs, narrowAllocationProperties } from './add-records.js';
import { AllocationAmounts, type AllocationLabel } from './allocation-amounts.js';
import { byName, type AllocationProperties, type AllocationSet, type Asset, type AssetSet, type ReconcileStamp } from './sets.js';

/**
 * What every accumulation keeps besides its records: the cluster the sets share (their names
 * sorted and joined with ',' when they differ; '' for none), the window given, and a
 * reconciliation stamp only when every set carried one from the same source (the latest time kept).
 */
class SetHeader {
  readonly #window: Window;
  readonly #clusters = new Set<string>();
  #stamp: ReconcileStamp | undefined | null;

  constructor(window: Window) {
    this.#window = window;
  }

  add(cluster: string, reconciled: ReconcileStamp | undefined): void {
    this.#clusters.add(cluster);
    this.#stamp = this.#stamp === null ? null : commonStamp(this.#stamp, reconciled);
  }

  result(): { cluster: string; window: Window; reconciled?: ReconcileStamp } {
    const out: { cluster: string; window: Window; reconciled?: ReconcileStamp } = { cluster: [...this.#clusters].sort().join(','), window: this.#window };
    if (this.#stamp !== null && this.#stamp !== undefined) out.reconciled = this.#stamp;
    return out;
  }
}

function commonStamp(sofar: ReconcileStamp | undefined, next: ReconcileStamp | undefined): ReconcileStamp | null {
  if (next === undefined) return null;
  if (sofar === undefined) return next;
  return sofar.source === next.source ? { source: next.source, at: Math.max(sofar.at, next.at) } : null;
}

/**
 * Merges allocation sets one at a time, by name, into one set over a window. Only the merged
 * records are held: their numbers in slots of doubles (allocation-amounts.ts), their name,
 * properties and volume shares beside; Allocation records are made once, by result().
 */
export class AllocationSetAccumulator {
  readonly #header: SetHeader;
  readonly #byName = new Map<string, HeldAllocation>();
  readonly #amounts = new AllocationAmounts();

  constructor(window: Window) {
    this.#header = new SetHeader(window);
  }

  add(set: AllocationSet): void {
    this.#header.add(set.cluster, set.reconciled);
    const amounts = this.#amounts;
    for (const a of set.allocations) {
      const held = this.#byName.get(a.name);
      if (held === undefined) {
        this.#byName.set(a.name, { slot: amounts.push(a), name: a.name, properties: cloneAllocationProperties(a.properties), seen: a.properties, pvs: clonePvs(a.pvs) });
        continue;
      }
      amounts.fold(held.slot, a);
      if (a.pvs !== undefined) held.pvs = addPvs(held.pvs ?? {}, a.pvs);
      if (a.properties !== held.seen) {
        narrowAllocationProperties(held.properties, a.properties);
        held.seen = a.properties;
      }
    }
  }

  /** The merged set, its records sorted by name (they share properties and volume shares with what this accumulator holds). */
  result(): AllocationSet {
    const held = [...this.#byName.values()].sort(byName);
    return { ...this.#header.result(), allocations: held.map((h) => this.#amounts.allocation(h.slot, h)) };
  }
}

/**
 * A merged allocation's name, properties (a copy it owns) and volume shares, and the slot of its
 * numbers; `seen` is a properties object already folded into them, so one given again (the same
 * set added again, or sets decoded while the codec's interner held their properties) leaves them
 * as they are: narrowing is idempotent.
 */
interface HeldAllocation extends AllocationLabel {
  readonly slot: number;
  seen: AllocationProperties;
}

/** Merges asset sets one at a time (only the merged records are held), by name, into one set over a window. */
export class AssetSetAccumulator {
  readonly #header: SetHeader;
  readonly #byName = new Map<string, Asset>();

  constructor(window: Window) {
    this.#header = new SetHeader(window);
  }

  add(set: AssetSet): void {
    this.#header.add(set.cluster, set.reconciled);
    for (const a of set.assets) {
      const held = this.#byName.get(a.name);
      if (held === undefined) this.#byName.set(a.name, cloneAsset(a));
      else addAssetInto(held, a);
    }
  }

  result(): AssetSet {
    return { ...this.#header.result(), assets: [...this.#byName.values()].sort(byName) };
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
