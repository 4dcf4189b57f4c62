/**
 * Accumulation: the sets of consecutive windows merged into one set over a window, by record
 * name (the daily roll-up, `accumulate=true`). Nothing here changes the sets it is given.
 */
import type { Window } from '../window.js';
import { addAssetInto, addPvs, cloneAllocationProperties, cloneAsset, clonePvs, narrowAllocationProperties } from './add-records.js';
import { AllocationAmounts, type AllocationLabel } from './allocation-amounts.js';
import { byName, type Allocation, type AllocationProperties, type AllocationSet, type Asset, type AssetSet, type ReconcileStamp } from './sets.js';

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
 *
 * The merged records are kept in name order. Sets come sorted by name (buildSets, aggregation and
 * accumulation sort them; the codec keeps the order it was given), so each is merged in one pass
 * beside them, as a merge join: a record whose name is the next held one (`===`, the same string
 * when decoding interned it) is folded in, one that falls between is inserted, and no name is
 * hashed or looked up. A set out of order (or naming a record twice) is detected where its next
 * record would not follow the last one placed; the rest of it is then folded through a Map and the
 * held records sorted again. Either way each name's records are folded in the order given.
 */
export class AllocationSetAccumulator {
  readonly #header: SetHeader;
  readonly #amounts = new AllocationAmounts();
  /** The merged records, sorted by name, names unique. */
  #held: HeldAllocation[] = [];

  constructor(window: Window) {
    this.#header = new SetHeader(window);
  }

  add(set: AllocationSet): void {
    this.#header.add(set.cluster, set.reconciled);
    const list = set.allocations;
    const held = this.#held;
    // A new array only once a record is inserted; until then the held records stay where they are.
    let merged: HeldAllocation[] | undefined;
    let i = 0;
    let last: string | undefined;
    for (let j = 0; j < list.length; j++) {
      const a = list[j] as Allocation;
      const name = a.name;
      let h = held[i];
      while (h !== undefined && h.name !== name && h.name < name) {
        merged?.push(h);
        last = h.name;
        h = held[++i];
      }
      if (h !== undefined && h.name === name) {
        this.#fold(h, a);
        merged?.push(h);
        last = name;
        i++;
      } else if (last === undefined || last < name) {
        merged ??= held.slice(0, i);
        merged.push(this.#hold(a));
        last = name;
      } else {
        this.#held = merged === undefined ? held : merged.concat(held.slice(i));
        this.#addUnordered(list, j);
        return;
      }
    }
    if (merged !== undefined) {
      for (; i < held.length; i++) merged.push(held[i] as HeldAllocation);
      this.#held = merged;
    }
  }

  /** The merged set, its records sorted by name (they share properties and volume shares with what this accumulator holds). */
  result(): AllocationSet {
    const amounts = this.#amounts;
    return { ...this.#header.result(), allocations: this.#held.map((h) => amounts.allocation(h.slot, h)) };
  }

  /** Folds `list` from `from` on by a map of the names held, then puts the held records back in name order. */
  #addUnordered(list: readonly Allocation[], from: number): void {
    const held = this.#held;
    const index = new Map<string, HeldAllocation>();
    for (const h of held) index.set(h.name, h);
    for (let j = from; j < list.length; j++) {
      const a = list[j] as Allocation;
      const h = index.get(a.name);
      if (h !== undefined) this.#fold(h, a);
      else {
        const added = this.#hold(a);
        index.set(a.name, added);
        held.push(added);
      }
    }
    held.sort(byName);
  }

  #hold(a: Allocation): HeldAllocation {
    return { slot: this.#amounts.push(a), name: a.name, properties: cloneAllocationProperties(a.properties), seen: a.properties, pvs: clonePvs(a.pvs) };
  }

  #fold(h: HeldAllocation, a: Allocation): void {
    this.#amounts.fold(h.slot, a);
    if (a.pvs !== undefined) h.pvs = addPvs(h.pvs ?? {}, a.pvs);
    if (a.properties !== h.seen) {
      narrowAllocationProperties(h.properties, a.properties);
      h.seen = a.properties;
    }
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
