import { systemClock } from '../src/clock.js';
import { answerParent } from './lib/child.js';
import { EtlEventSource } from './lib/etl-events.js';
import { wireEtlLog } from './lib/etl-wiring.js';
import { RssPeak, settledMemory, type MemorySample } from './lib/memory.js';

// Run by bus.bench.ts in a fresh process started with --expose-gc, so the samples see only the
// bus and the log, not what earlier benchmarks left behind.

/** What to append. */
export interface MemoryInput {
  readonly events: number;
  readonly capacity: number;
}

/** Memory settled before and after, the peak in between, and what the log holds at the end. */
export interface MemoryOutput {
  readonly before: MemorySample;
  readonly after: MemorySample;
  readonly peakRssMB: number;
  readonly held: number;
}

/** Events appended before the first sample: both rings full, the JIT settled. */
const WARM_UP_EVENTS = 1_000_000;
/** Peak RSS is read every this many events (a power of two minus one, as a mask). */
const SAMPLE_MASK = (1 << 18) - 1;

answerParent(async ({ events, capacity }: MemoryInput): Promise<MemoryOutput> => {
  const { bus, etlLog } = wireEtlLog(capacity);
  const source = new EtlEventSource(systemClock());
  for (let i = 0; i < WARM_UP_EVENTS; i++) bus.publish('etl', source.next());
  const before = settledMemory();
  const peak = new RssPeak();
  for (let i = 0; i < events; i++) {
    bus.publish('etl', source.next());
    if ((i & SAMPLE_MASK) === 0) peak.sample();
  }
  const after = settledMemory();
  const view = etlLog.query();
  return { before, after, peakRssMB: peak.peakMB, held: view.allocation.length + view.asset.length };
});
