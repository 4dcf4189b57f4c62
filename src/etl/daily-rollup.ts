import type { Window } from '../window.js';
import { AllocationSetAccumulator, AssetSetAccumulator } from './accumulate.js';
import type { SetPair, SetRepository } from './set-repository.js';

/**
 * The daily roll-up: the sets of one cluster's `resolutionMs` windows inside `day`, folded into one
 * set per category over the day, one stored set at a time (a day of hourly sets of a large
 * cluster is never held at once: only the merged records are). Undefined when no set of that
 * day is stored. The daily set counts as reconciled against an export only when every set folded
 * into it was reconciled against that same export (the accumulators keep that rule).
 */
export async function rollUpDay(repo: SetRepository, cluster: string, day: Window, resolutionMs: number): Promise<SetPair | undefined> {
  const scope = { clusters: new Set([cluster]), resolutionMs, start: day.start, end: day.end };
  const allocations = new AllocationSetAccumulator(day);
  const assets = new AssetSetAccumulator(day);
  let found = false;
  for (const info of await repo.list({ ...scope, category: 'allocation' })) {
    const set = await repo.load({ ...info, category: 'allocation' });
    if (set === undefined) continue; // deleted meanwhile
    allocations.add(set);
    found = true;
  }
  for (const info of await repo.list({ ...scope, category: 'asset' })) {
    const set = await repo.load({ ...info, category: 'asset' });
    if (set === undefined) continue;
    assets.add(set);
    found = true;
  }
  if (!found) return undefined;
  // Named for this cluster even when one category had no set that day.
  return { allocations: { ...allocations.result(), cluster }, assets: { ...assets.result(), cluster } };
}
