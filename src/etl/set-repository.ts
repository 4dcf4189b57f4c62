import type { EtlCategory } from '../events/etl-kinds.js';
import type { SetQuery, SetStore, StoredSet, StoredSetInfo, StoredSetKey } from '../storage/store.js';
import { decodeAllocationSet, encodeAllocationSet } from './allocation-set-codec.js';
import { decodeAssetSet, encodeAssetSet } from './asset-set-codec.js';
import type { AllocationSet, AssetSet } from './sets.js';
import { errorMessage } from '../errors.js';

/** The allocation and asset sets of one cluster and window, built together. */
export interface SetPair {
  readonly allocations: AllocationSet;
  readonly assets: AssetSet;
}

/** A set of either category, by category. */
export type SetOf<C extends EtlCategory> = C extends 'allocation' ? AllocationSet : AssetSet;

/** A stored set that cannot be read back: its bytes are corrupt or from an unknown format version. */
export class UnreadableSetError extends Error {
  override readonly name = 'UnreadableSetError';
}

/**
 * Sets in the storage seam: encoded on the way in, decoded on the way out. Storage sees opaque
 * bytes and a description (cluster, category, resolution, window, size, reconciliation digest).
 */
export class SetRepository {
  readonly #store: SetStore;

  constructor(store: SetStore) {
    this.#store = store;
  }

  /** Stores both sets of a window in one transaction, replacing what was held for it. */
  async save(pair: SetPair, resolutionMs: number): Promise<void> {
    await this.#store.saveSets([stored('allocation', pair.allocations, resolutionMs), stored('asset', pair.assets, resolutionMs)]);
  }

  /** Stores the set of one category of a window (a repair of that category), replacing what was held for it. */
  async saveOne(category: EtlCategory, pair: SetPair, resolutionMs: number): Promise<void> {
    await this.#store.saveSets([category === 'allocation' ? stored('allocation', pair.allocations, resolutionMs) : stored('asset', pair.assets, resolutionMs)]);
  }

  list(q: SetQuery): Promise<StoredSetInfo[]> {
    return this.#store.listSets(q);
  }

  /** The set under `key`, decoded; undefined when not held. Throws {@link UnreadableSetError} when held but unreadable. */
  async load<C extends EtlCategory>(key: StoredSetKey & { readonly category: C }): Promise<SetOf<C> | undefined> {
    const row = await this.#store.loadSet(key);
    if (row === undefined) return undefined;
    try {
      return (key.category === 'allocation' ? decodeAllocationSet(row.payload) : decodeAssetSet(row.payload)) as SetOf<C>;
    } catch (err) {
      throw new UnreadableSetError(`stored ${key.category} set ${describeKey(key)} cannot be read: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Both sets of a window, or undefined when either is not held. */
  async loadPair(key: Omit<StoredSetKey, 'category'>): Promise<SetPair | undefined> {
    const allocations = await this.load({ ...key, category: 'allocation' });
    const assets = await this.load({ ...key, category: 'asset' });
    return allocations === undefined || assets === undefined ? undefined : { allocations, assets };
  }

  deleteEndingBy(cluster: string, category: EtlCategory, resolutionMs: number, endAtOrBefore: number): Promise<StoredSetInfo[]> {
    return this.#store.deleteSets({ cluster, category, resolutionMs, endAtOrBefore });
  }
}

function stored(category: EtlCategory, set: AllocationSet | AssetSet, resolutionMs: number): StoredSet {
  const isAllocation = 'allocations' in set;
  return {
    cluster: set.cluster,
    category,
    resolutionMs,
    start: set.window.start,
    end: set.window.end,
    size: isAllocation ? set.allocations.length : set.assets.length,
    reconciled: set.reconciled?.source ?? null,
    payload: isAllocation ? encodeAllocationSet(set) : encodeAssetSet(set),
  };
}

function describeKey(key: StoredSetKey): string {
  return `${key.cluster} ${new Date(key.start).toISOString()} (${key.resolutionMs / 1000}s)`;
}
