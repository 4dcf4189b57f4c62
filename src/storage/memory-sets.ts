import type { EtlCategory } from '../events/etl-kinds.js';
import type { SetDeletion, SetQuery, StoredSet, StoredSetInfo, StoredSetKey } from './store.js';

/**
 * The memory backend's stored sets: per category and resolution, per cluster, by window start.
 * Nothing bounds them here: the pipeline's retention deletes them (`deleteSets`). Payloads are
 * copied in and out, so no caller can change what is held.
 */
export class MemorySets {
  /** `category/resolutionMs` → cluster → start → set. */
  readonly #groups = new Map<string, Map<string, Map<number, StoredSet>>>();

  /** All or none: every set is checked before any is stored; a later set of the same key replaces an earlier one. */
  save(sets: readonly StoredSet[]): void {
    for (const s of sets) checkStoredSet(s);
    for (const s of sets) {
      const group = this.#group(s.category, s.resolutionMs, true);
      let byStart = group.get(s.cluster);
      if (byStart === undefined) {
        byStart = new Map();
        group.set(s.cluster, byStart);
      }
      byStart.set(s.start, { ...infoOf(s), payload: s.payload.slice() });
    }
  }

  list(q: SetQuery): StoredSetInfo[] {
    const group = this.#group(q.category, q.resolutionMs, false);
    if (group === undefined) return [];
    const from = q.start ?? -Infinity;
    const to = q.end ?? Infinity;
    const out: StoredSetInfo[] = [];
    for (const [cluster, byStart] of group) {
      if (q.clusters !== undefined && !q.clusters.has(cluster)) continue;
      for (const s of byStart.values()) if (s.start >= from && s.end <= to) out.push(infoOf(s));
    }
    return out.sort((a, b) => a.start - b.start || (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  }

  load(key: StoredSetKey): StoredSet | undefined {
    const s = this.#group(key.category, key.resolutionMs, false)?.get(key.cluster)?.get(key.start);
    return s === undefined ? undefined : { ...infoOf(s), payload: s.payload.slice() };
  }

  delete(q: SetDeletion): StoredSetInfo[] {
    const group = this.#group(q.category, q.resolutionMs, false);
    const byStart = group?.get(q.cluster);
    if (group === undefined || byStart === undefined) return [];
    const deleted: StoredSetInfo[] = [];
    for (const [start, s] of byStart) {
      if (s.end > q.endAtOrBefore) continue;
      byStart.delete(start);
      deleted.push(infoOf(s));
    }
    if (byStart.size === 0) group.delete(q.cluster);
    return deleted.sort((a, b) => a.start - b.start);
  }

  /** True when `cluster` holds a set of any category and resolution. */
  hasCluster(cluster: string): boolean {
    for (const group of this.#groups.values()) if (group.has(cluster)) return true;
    return false;
  }

  #group(category: EtlCategory, resolutionMs: number, create: true): Map<string, Map<number, StoredSet>>;
  #group(category: EtlCategory, resolutionMs: number, create: false): Map<string, Map<number, StoredSet>> | undefined;
  #group(category: EtlCategory, resolutionMs: number, create: boolean): Map<string, Map<number, StoredSet>> | undefined {
    const id = `${category}/${resolutionMs}`;
    let group = this.#groups.get(id);
    if (group === undefined && create) {
      group = new Map();
      this.#groups.set(id, group);
    }
    return group;
  }
}

/** A set's description without its payload (a new object, so nothing held is shared). */
function infoOf(s: StoredSetInfo): StoredSetInfo {
  return { cluster: s.cluster, category: s.category, resolutionMs: s.resolutionMs, start: s.start, end: s.end, size: s.size, reconciled: s.reconciled };
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/**
 * What the SQL backends' schema enforces (NOT NULL, integer columns, the CHECKs of the `etl_sets`
 * table), checked in memory so the memory backend refuses the same sets.
 */
function checkStoredSet(s: StoredSet): void {
  // The declared types are what callers promise; the checks are for what they actually pass.
  const v = s as unknown as Record<keyof StoredSet, unknown>;
  const problems = [
    typeof v.cluster !== 'string' && 'cluster is not a string',
    v.category !== 'allocation' && v.category !== 'asset' && 'category is neither allocation nor asset',
    !(isInt(v.resolutionMs) && v.resolutionMs > 0) && 'resolutionMs is not a positive integer',
    !isInt(v.start) && 'start is not an integer',
    !(isInt(v.end) && isInt(v.start) && v.end > v.start) && 'end is not an integer after start',
    !(isInt(v.size) && v.size >= 0) && 'size is not a non-negative integer',
    v.reconciled !== null && typeof v.reconciled !== 'string' && 'reconciled is neither a string nor null',
    !(v.payload instanceof Uint8Array) && 'payload is not bytes',
  ].filter((p) => p !== false);
  if (problems.length > 0) throw new Error(`invalid stored set (${String(v.cluster)} ${String(v.category)} ${String(v.resolutionMs)} ${String(v.start)}): ${problems.join('; ')}`);
}
