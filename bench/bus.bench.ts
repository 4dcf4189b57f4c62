import { systemClock } from '../src/clock.js';
import type { EtlEvent } from '../src/events/etl-event.js';
import type { MemoryInput, MemoryOutput } from './bus-memory.child.js';
import { runChild } from './lib/child.js';
import { EtlEventSource } from './lib/etl-events.js';
import { wireEtlLog } from './lib/etl-wiring.js';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';
import { benchSettings } from './lib/settings.js';
import { median } from './lib/stats.js';

// The in-process path every ETL event takes: stamped by the real clock, published on the bus,
// appended by the subscribed EtlLog to its ring and counters. The baseline is the same loop
// (same events, same clock) storing into a plain pre-allocated array ring, so the ratio is
// the cost of the bus and the log's bookkeeping alone.

/** ETL_LOG_CAPACITY's default. */
const CAPACITY = 1000;
/** Measured rounds per side, alternating, the median kept. */
const ROUNDS = 3;

/** Events per second through bus.publish → EtlLog.append. */
function busRate(events: number): number {
  const { bus } = wireEtlLog(CAPACITY);
  const source = new EtlEventSource(systemClock());
  const started = performance.now();
  for (let i = 0; i < events; i++) bus.publish('etl', source.next());
  return events / ((performance.now() - started) / 1000);
}

/** Events per second stored into a plain array ring of both categories' capacity. */
function arrayRate(events: number): number {
  const slots = new Array<EtlEvent | undefined>(2 * CAPACITY).fill(undefined);
  let next = 0;
  const source = new EtlEventSource(systemClock());
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    slots[next] = source.next();
    next = next + 1 === slots.length ? 0 : next + 1;
  }
  const rate = events / ((performance.now() - started) / 1000);
  // Reading the ring back keeps the stores observable, so no engine can drop the loop.
  if (slots[next] === undefined) throw new Error('the baseline ring was not filled');
  return rate;
}

/** Calls per second of the clock alone, the floor under both loops. */
function clockRate(events: number): number {
  const clock = systemClock();
  let last = 0n;
  const started = performance.now();
  for (let i = 0; i < events; i++) last = clock.nowNs();
  const rate = events / ((performance.now() - started) / 1000);
  if (last === 0n) throw new Error('the clock did not run');
  return rate;
}

/**
 * V8 grows its young generation (new space) under allocation pressure, 8 → 16 → 32 MB on a
 * 64-bit Node 20, once per process whatever allocates: a one-time sizing, not something the
 * events leave behind. The goal is checked with it pinned at its largest size from the start
 * (semi-spaces of 16 MB, V8's default maximum here); the run with V8's defaults is printed beside.
 */
const PINNED_YOUNG_GENERATION = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

/** RSS and heap before and after `events` appended, in fresh processes with --expose-gc. */
async function memoryRows(events: number): Promise<Result[]> {
  const n = events.toLocaleString('en-US');
  const measure = async (flags: readonly string[]): Promise<MemoryOutput> => {
    const input: MemoryInput = { events, capacity: CAPACITY };
    const out = (await runChild(new URL('./bus-memory.child.ts', import.meta.url), input, {
      execArgv: ['--expose-gc', ...flags],
    })) as MemoryOutput;
    if (out.held !== 2 * CAPACITY) throw new Error(`the log holds ${out.held} events, expected ${2 * CAPACITY}`);
    return out;
  };
  const describe = (m: MemoryOutput): string =>
    `RSS ${m.before.rssMB.toFixed(1)} → ${m.after.rssMB.toFixed(1)} MB (peak ${m.peakRssMB.toFixed(1)}), ` +
    `heap used ${m.before.heapUsedMB.toFixed(1)} → ${m.after.heapUsedMB.toFixed(1)} MB, ` +
    `young generation ${m.before.newSpaceMB.toFixed(0)} → ${m.after.newSpaceMB.toFixed(0)} MB`;
  progress(`bus: memory before and after ${n} events, young generation pinned (child process with --expose-gc)`);
  const pinned = await measure(PINNED_YOUNG_GENERATION);
  progress(`bus: memory before and after ${n} events, V8 defaults`);
  const defaults = await measure([]);
  return [
    {
      figure: `RSS growth over ${n} events`,
      value: pinned.after.rssMB - pinned.before.rssMB,
      unit: 'MB',
      goal: { on: 'value', op: '<=', limit: 10 },
      note:
        `memory: ${CAPACITY} per ring, both full before the first sample, samples after forced GC; ` +
        `young generation pinned at its largest (${PINNED_YOUNG_GENERATION.join(' ')}): ${describe(pinned)}`,
    },
    {
      figure: `RSS growth over ${n} events, V8 defaults`,
      value: defaults.after.rssMB - defaults.before.rssMB,
      unit: 'MB',
      note: `memory with V8 defaults: ${describe(defaults)}; the growth is V8 sizing its young generation, not retained events`,
    },
    { figure: `heap used growth over ${n} events`, value: defaults.after.heapUsedMB - defaults.before.heapUsedMB, unit: 'MB' },
  ];
}

export default {
  name: 'bus',
  async run() {
    const settings = benchSettings();
    const results: Result[] = [];

    progress(`bus: ${ROUNDS} × ${settings.events.toLocaleString('en-US')} events through bus → EtlLog and into a plain array ring`);
    const warm = Math.min(settings.events, 500_000);
    busRate(warm);
    arrayRate(warm);
    clockRate(warm);
    const bus: number[] = [];
    const array: number[] = [];
    const clock: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating the order spreads any drift of the machine over both sides.
      if (round % 2 === 0) {
        bus.push(busRate(settings.events));
        array.push(arrayRate(settings.events));
      } else {
        array.push(arrayRate(settings.events));
        bus.push(busRate(settings.events));
      }
      clock.push(clockRate(settings.events));
    }
    results.push(
      {
        figure: 'bus.publish → EtlLog.append, events/s',
        value: median(bus),
        unit: 'events/s',
        baseline: median(array),
        goal: { on: 'value', op: '>=', limit: 2_000_000 },
        note:
          `bus: median of ${ROUNDS} rounds of ${settings.events.toLocaleString('en-US')} events stamped by systemClock(); ` +
          `baseline: the same events stored into a plain pre-allocated array ring, no bus`,
      },
      { figure: 'systemClock().nowNs() alone, calls/s', value: median(clock), unit: 'calls/s' },
    );

    results.push(...(await memoryRows(settings.memoryEvents)));
    return results;
  },
} satisfies Benchmark;
