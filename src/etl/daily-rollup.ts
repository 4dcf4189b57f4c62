import type { Window } from '../window.js';
import { accumulateAllocationSets, accumulateAssetSets } from './aggregate.js';
import type { SetOf, SetPair, SetRepository } from './set-repository.js';
import type { ReconcileStamp } from './sets.js';

/**
 * The daily roll-up: the sets of one cluster's `resolutionMs` windows inside `day`, folded into one
 * set per category over the day, one stored set at a time (a day of hourly sets of a large
 * cluster is never held at once). Undefined when no set of that day is stored.
 *
 * The daily set counts as reconciled against an export only when every set folded into it was
 * reconciled against that same export; otherwise it is left for the reconciliation of stored sets.
 */
export async function rollUpDay(repo: SetRepository, cluster: string, day: Window, resolutionMs: number): Promise<SetPair | undefined> {
  const scope = { clusters: new Set([cluster]), resolutionMs, start: day.start, end: day.end };
  const allocations = await fold(repo, { ...scope, category: 'allocation' }, day, accumulateAllocationSets);
  const assets = await fold(repo, { ...scope, category: 'asset' }, day, accumulateAssetSets);
  if (allocations === undefined && assets === undefined) return undefined;
  return {
    allocations: allocations ?? { cluster, window: day, allocations: [] },
    assets: assets ?? { cluster, window: day, assets: [] },
  };
}

type Category = 'allocation' | 'asset';

async function fold<C extends Category>(
  repo: SetRepository,
  q: { clusters: ReadonlySet<string>; category: C; resolutionMs: number; start: number; end: number },
  day: Window,
  accumulate: (sets: readonly SetOf<C>[], window: Window) => SetOf<C>,
): Promise<SetOf<C> | undefined> {
  const infos = await repo.list(q);
  let acc: SetOf<C> | undefined;
  let stamp: ReconcileStamp | undefined | null;
  for (const info of infos) {
    const set = await repo.load<C>({ ...info, category: q.category });
    if (set === undefined) continue; // deleted meanwhile
    acc = accumulate(acc === undefined ? [set] : [acc, set], day);
    stamp = stamp === null ? null : sameStamp(stamp, set.reconciled);
  }
  if (acc !== undefined) {
    if (stamp === null || stamp === undefined) delete acc.reconciled;
    else acc.reconciled = stamp;
  }
  return acc;
}

/** The stamp the sets so far share: undefined before the first, null once two differ or one is unreconciled. */
function sameStamp(sofar: ReconcileStamp | undefined, next: ReconcileStamp | undefined): ReconcileStamp | null {
  if (next === undefined) return null;
  if (sofar === undefined) return next;
  return sofar.source === next.source ? { source: next.source, at: Math.max(sofar.at, next.at) } : null;
}
