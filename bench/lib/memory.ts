import { getHeapSpaceStatistics } from 'node:v8';

/** Memory of this process in MB: resident set, V8 heap in use, and V8's young generation as sized now. */
export interface MemorySample {
  readonly rssMB: number;
  readonly heapUsedMB: number;
  /** The new space (both semi-spaces): V8 grows it under allocation pressure, up to twice --max-semi-space-size. */
  readonly newSpaceMB: number;
}

const MB = 1024 * 1024;

/** Two full collections (the first pass can leave finalised objects for the second): what is alive now is in the old generation. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('collecting garbage needs a process started with --expose-gc (see runChild)');
  gc();
  gc();
}

/** Collects garbage, then samples. */
export function settledMemory(): MemorySample {
  collectGarbage();
  const m = process.memoryUsage();
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? Number.NaN;
  return { rssMB: m.rss / MB, heapUsedMB: m.heapUsed / MB, newSpaceMB: newSpace / MB };
}

/**
 * The highest resident set seen, sampled when asked: hot loops call `sample()` every so often,
 * since a timer cannot fire while they run. `process.memoryUsage.rss()` is the cheap reading.
 */
export class RssPeak {
  #peak = 0;

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.#peak) this.#peak = rss;
  }

  get peakMB(): number {
    return this.#peak / MB;
  }
}
