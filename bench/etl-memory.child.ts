import { buildSets } from '../src/etl/build-sets.js';
import { syntheticPriceSheet, syntheticSnapshot } from '../test/support/etl-snapshot.js';
import type { Window } from '../src/window.js';
import { answerParent } from './lib/child.js';
import { settledMemory, type MemorySample } from './lib/memory.js';

// Run by etl.bench.ts in a fresh process started with --expose-gc: memory around one buildSets
// call, with nothing else of the benchmark in the heap.

/** The cluster to build. */
export interface EtlMemoryInput {
  readonly nodes: number;
  readonly pods: number;
  readonly window: Window;
}

/** Memory settled before the build (snapshot in hand), right after it (garbage included), and settled with the sets kept. */
export interface EtlMemoryOutput {
  readonly before: MemorySample;
  /** RSS the moment buildSets returned, before any forced collection. */
  readonly rssAfterBuildMB: number;
  /** The process's peak RSS (getrusage maxrss) before and after the build. */
  readonly maxRssBeforeMB: number;
  readonly maxRssAfterMB: number;
  readonly after: MemorySample;
  readonly records: number;
}

const MB = 1024 * 1024;

answerParent(async ({ nodes, pods, window }: EtlMemoryInput): Promise<EtlMemoryOutput> => {
  const snapshot = syntheticSnapshot({ nodes, pods, window });
  const sheet = syntheticPriceSheet();
  const before = settledMemory();
  const maxRssBeforeMB = process.resourceUsage().maxRSS / 1024;
  const sets = buildSets(snapshot, window, sheet);
  const rssAfterBuildMB = process.memoryUsage.rss() / MB;
  const maxRssAfterMB = process.resourceUsage().maxRSS / 1024;
  const after = settledMemory();
  return { before, rssAfterBuildMB, maxRssBeforeMB, maxRssAfterMB, after, records: sets.allocations.allocations.length + sets.assets.assets.length };
});
